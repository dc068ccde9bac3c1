// SPDX-License-Identifier: GPL-2.0-or-later
// Architecture-neutral part of the test payloads: stamp pages, then churn.
#include "payload.h"

#define barrier() __asm__ __volatile__("" ::: "memory")

static volatile u64 *cb;
static u64 resv_lo, resv_hi, addr_limit;

/*
 * What the host reads is little-endian whatever the guest's data order: a
 * big-endian build (aarch64-be with SCTLR_EL1.EE set, ppc64, s390x) swaps.
 */
static u64 le64(u64 v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap64(v);
#else
	return v;
#endif
}

static void put(u64 off, u64 v)
{
	cb[off / 8] = le64(v);
}

static u64 get(u64 off)
{
	return le64(cb[off / 8]);
}

/* Freestanding code still gets memset/memcpy calls from the compiler. */
void *memset(void *d, int c, unsigned long n)
{
	unsigned char *p = d;

	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *d, const void *s, unsigned long n)
{
	unsigned char *p = d;
	const unsigned char *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

void cb_init(u64 cb_addr, u64 arch, u64 resv_start, u64 resv_end)
{
	cb = (volatile u64 *)cb_addr;
	resv_lo = resv_start;
	resv_hi = resv_end;
	/* x86 identity-maps 64 GiB; aarch64 and s390x run with no translation. */
	addr_limit = arch == CB_ARCH_X86_64 ? (64ULL << 30) : ~0ULL;
	put(CB_OFF_STATE, 0);
	put(CB_OFF_HEARTBEAT, 0);
	put(CB_OFF_NRANGES, 0);
	put(CB_OFF_PAGES, 0);
	put(CB_OFF_CHURN_START, cb_addr + CB_SIZE);
	put(CB_OFF_CHURN_SIZE, CHURN_SIZE);
	put(CB_OFF_RESV_START, resv_start);
	put(CB_OFF_RESV_END, resv_end);
	put(CB_OFF_ARCH, arch);
	put(CB_OFF_NREGIONS, 0);
	put(CB_OFF_DIMMS, 0);
	put(CB_OFF_EJECTED, 0);
	barrier();
	put(CB_OFF_MAGIC, CB_MAGIC);
}

static void add_range(u64 start, u64 end)
{
	u64 n = get(CB_OFF_NRANGES);

	if (start >= end || n >= CB_MAX_RANGES)
		return;
	put(CB_OFF_RANGES + n * 16, start);
	put(CB_OFF_RANGES + n * 16 + 8, end);
	put(CB_OFF_NRANGES, n + 1);
}

/* Record one firmware RAM region and the whole pages of it we will stamp. */
void cb_add_region(u64 start, u64 size)
{
	u64 n = get(CB_OFF_NREGIONS);
	u64 end = start + size;

	if (n < CB_MAX_REGIONS) {
		put(CB_OFF_REGIONS + n * 16, start);
		put(CB_OFF_REGIONS + n * 16 + 8, size);
		put(CB_OFF_NREGIONS, n + 1);
	}
	if (end < start)
		end = ~0ULL;
	if (end > addr_limit)
		end = addr_limit;
	start = (start + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	end &= ~(PAGE_SIZE - 1);
	if (start >= end)
		return;
	/* Cut out the reserved window (payload image, CB, churn, DTB). */
	if (end <= resv_lo || start >= resv_hi) {
		add_range(start, end);
		return;
	}
	if (start < resv_lo)
		add_range(start, resv_lo);
	if (end > resv_hi)
		add_range(resv_hi, end);
}

void cb_fail(void)
{
	put(CB_OFF_STATE, CB_STATE_ERROR);
	for (;;)
		barrier();
}

void cb_count(u64 off)
{
	put(off, get(off) + 1);
}

void stamp_and_spin(void (*poll)(void))
{
	u64 token = get(CB_OFF_TOKEN);
	u64 n = get(CB_OFF_NRANGES);
	u64 pages = 0, hb = 0, i;
	volatile u64 *churn;

	if (n == 0)
		cb_fail();
	put(CB_OFF_STATE, CB_STATE_STAMPING);
	for (i = 0; i < n; i++) {
		u64 a = get(CB_OFF_RANGES + i * 16);
		u64 end = get(CB_OFF_RANGES + i * 16 + 8);

		for (; a < end; a += PAGE_SIZE) {
			volatile u64 *p = (volatile u64 *)a;

			p[0] = le64(a);
			p[1] = le64(token);
			pages++;
		}
	}
	put(CB_OFF_PAGES, pages);
	barrier();
	put(CB_OFF_STATE, CB_STATE_DONE);

	churn = (volatile u64 *)get(CB_OFF_CHURN_START);
	for (;;) {
		hb++;
		put(CB_OFF_HEARTBEAT, hb);
		for (i = 0; i < CHURN_SIZE / 8; i++)
			churn[i] = le64(hb);
		if (poll)
			poll();
	}
}
