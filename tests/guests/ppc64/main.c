// SPDX-License-Identifier: GPL-2.0-or-later
// ppc64 pseries payload: RAM from SLOF's /memory nodes, then stamp (see
// ../README.md).  The same code runs big- or little-endian.
#include "../payload.h"

#define IMAGE_START	0x400000ULL	/* QEMU's pseries kernel-addr */
#define CB_ADDR		0x500000ULL
#define RESV_END	(CB_ADDR + CB_SIZE + CHURN_SIZE)

/* start.S: one call of the client interface (big-endian cells). */
long of_call(void *args, u64 entry);

static u64 of_entry;

/* Client interface cells are big-endian 32-bit words. */
static u32 be32(u32 v)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap32(v);
#else
	return v;
#endif
}

static u32 get_be32(const u8 *b)
{
	return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

/* service(in...) -> out[0]; -1 when the call fails. */
static long of(const char *service, int nargs, int nret, const u32 *in,
	       u32 *out)
{
	u32 a[16];
	int i;

	a[0] = be32((u32)(unsigned long)service);
	a[1] = be32(nargs);
	a[2] = be32(nret);
	for (i = 0; i < nargs; i++)
		a[3 + i] = be32(in[i]);
	for (i = 0; i < nret; i++)
		a[3 + nargs + i] = be32(0xffffffffu);
	if (of_call(a, of_entry) != 0)
		return -1;
	for (i = 0; i < nret; i++)
		out[i] = be32(a[3 + nargs + i]);
	return 0;
}

static u32 ptr32(const void *p)
{
	return (u32)(unsigned long)p;
}

/* getprop -> the property's length (-1 if absent). */
static long getprop(u32 ph, const char *name, void *buf, u32 len)
{
	u32 in[4] = { ph, ptr32(name), ptr32(buf), len }, out[1];

	if (of("getprop", 4, 1, in, out))
		return -1;
	return (long)(int)out[0];
}

static u32 walk(const char *service, u32 ph)
{
	u32 in[1] = { ph }, out[1];

	if (of(service, 1, 1, in, out) || out[0] == 0xffffffffu)
		return 0;
	return out[0];
}

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static u64 cells(const u8 *p, u32 n)
{
	u64 v = 0;

	while (n--) {
		v = v << 32 | get_be32(p);
		p += 4;
	}
	return v;
}

static u8 regbuf[1024];

/* Every reg entry of every root child whose device_type is "memory". */
static int find_ram(void)
{
	static const char root_path[] = "/";
	u32 in[1] = { ptr32(root_path) }, out[1], root, ph, acells = 2,
	    scells = 2;
	u8 cellbuf[4];
	char type[16];
	int found = 0;

	if (of("finddevice", 1, 1, in, out) || out[0] == 0xffffffffu)
		return 0;
	root = out[0];
	if (getprop(root, "#address-cells", cellbuf, 4) == 4)
		acells = get_be32(cellbuf);
	if (getprop(root, "#size-cells", cellbuf, 4) == 4)
		scells = get_be32(cellbuf);
	if (!acells || acells > 2 || !scells || scells > 2)
		return 0;
	for (ph = walk("child", root); ph; ph = walk("peer", ph)) {
		long len, i, step = 4 * (acells + scells);

		len = getprop(ph, "device_type", type, sizeof(type) - 1);
		if (len <= 0 || len >= (long)sizeof(type))
			continue;
		type[len] = 0;
		if (!streq(type, "memory"))
			continue;
		len = getprop(ph, "reg", regbuf, sizeof(regbuf));
		if (len > (long)sizeof(regbuf))
			len = sizeof(regbuf);
		for (i = 0; i + step <= len; i += step) {
			cb_add_region(cells(regbuf + i, acells),
				      cells(regbuf + i + 4 * acells, scells));
			found++;
		}
	}
	return found;
}

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/*
 * H_SET_MODE(resource 4: interrupt endianness, little), as a little-endian
 * Linux asks it at boot: pseries sets LPCR[ILE] on every vCPU.
 */
static long set_interrupts_le(void)
{
	register long r3 __asm__("r3") = 0x31c;	/* H_SET_MODE */
	register long r4 __asm__("r4") = 1;	/* H_SET_MODE_ENDIAN_LITTLE */
	register long r5 __asm__("r5") = 4;	/* ..._RESOURCE_LE */
	register long r6 __asm__("r6") = 0;
	register long r7 __asm__("r7") = 0;

	__asm__ __volatile__("sc 1"
			     : "+r"(r3), "+r"(r4), "+r"(r5), "+r"(r6), "+r"(r7)
			     :
			     : "r0", "r8", "r9", "r10", "r11", "r12", "cr0",
			       "ctr", "xer", "memory");
	return r3;
}
#endif

void payload_main(u64 entry)
{
	of_entry = entry;
	/* The image, the CB and the churn region; SLOF's memory is stamped
	 * (it is not called again once stamping starts). */
	cb_init(CB_ADDR, CB_ARCH_PPC64, IMAGE_START, RESV_END);
	if (!entry || !find_ram())
		cb_fail();
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (set_interrupts_le() != 0)
		cb_fail();
#endif
	stamp_and_spin(0);
}
