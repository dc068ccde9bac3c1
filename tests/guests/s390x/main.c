// SPDX-License-Identifier: GPL-2.0-or-later
// s390x s390-ccw-virtio payload: RAM size from the SCLP, then stamp
// (see ../README.md).
#include "../payload.h"

#define CB_ADDR		0x100000ULL
#define RESV_END	(CB_ADDR + CB_SIZE + CHURN_SIZE)

/* SCLP (service-call logical processor): the machine's own RAM report. */
#define SCLP_CMDW_READ_SCP_INFO	0x00020001u
#define SCLP_RC_NORMAL_READ	0x0010
#define SCCB_LEN		4096

/*
 * The SCCB must lie in one page outside the first 8 KiB and the prefix
 * area: a page of the image.  Big-endian, as the SCLP writes it.
 */
static unsigned char sccb[SCCB_LEN] __attribute__((aligned(4096)));

static u64 be(const unsigned char *p, int n)
{
	u64 v = 0;

	while (n--)
		v = v << 8 | *p++;
	return v;
}

/*
 * SERVC: QEMU runs the command before the instruction completes (the
 * service-signal interruption that would announce it stays pending, as
 * external interruptions are disabled), so the response can be read at
 * once.  Returns the condition code: 0 = command accepted.
 */
static int servc(u32 cmd, void *p)
{
	int cc;

	__asm__ __volatile__(".insn	rre, 0xb2200000, %1, %2\n\t"
			     "ipm	%0\n\t"
			     "srl	%0, 28"
			     : "=d"(cc)
			     : "d"(cmd), "a"(p)
			     : "cc", "memory");
	return cc;
}

/* Read SCP Info: storage = rnmax increments of rnsize MiB. */
static int sclp_ram(u64 *size)
{
	u64 rnsize, rnmax;
	unsigned long i;

	for (i = 0; i < SCCB_LEN; i++)
		sccb[i] = 0;
	sccb[0] = SCCB_LEN >> 8;	/* header: u16 length */
	sccb[1] = SCCB_LEN & 0xff;
	if (servc(SCLP_CMDW_READ_SCP_INFO, sccb) != 0 ||
	    be(sccb + 6, 2) != SCLP_RC_NORMAL_READ)
		return 0;
	rnmax = be(sccb + 8, 2);
	rnsize = sccb[10];
	if (!rnsize)			/* increments over 128 MiB */
		rnsize = be(sccb + 100, 4);
	if (!rnmax)			/* more than 64 Ki increments */
		rnmax = be(sccb + 104, 8);
	*size = rnmax * rnsize << 20;
	return *size != 0;
}

void payload_main(void)
{
	u64 size;

	/* Lowcore, prefix area, image, CB and churn: [0, RESV_END). */
	cb_init(CB_ADDR, CB_ARCH_S390X, 0, RESV_END);
	if (!sclp_ram(&size))
		cb_fail();
	cb_add_region(0, size);
	stamp_and_spin(0);
}
