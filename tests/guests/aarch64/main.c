// SPDX-License-Identifier: GPL-2.0-or-later
// aarch64 virt payload: find RAM in the DTB, then stamp (see ../README.md).
#include "../payload.h"

#define RAM_BASE	0x40000000ULL	/* virt: DTB is placed here */
#define CB_ADDR		0x40300000ULL
#define RESV_END	(CB_ADDR + CB_SIZE + CHURN_SIZE)

#define FDT_MAGIC	0xd00dfeedU
#define FDT_BEGIN_NODE	1
#define FDT_END_NODE	2
#define FDT_PROP	3
#define FDT_NOP		4
#define FDT_END		9

static u32 be32(const void *p)
{
	const u8 *b = p;

	return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* A root child named "memory" or "memory@..." */
static int is_memory_node(const char *name)
{
	const char *m = "memory";

	while (*m && *name == *m) {
		m++;
		name++;
	}
	return !*m && (!*name || *name == '@');
}

static u64 cells(const u8 *p, u32 n)
{
	u64 v = 0;

	while (n--) {
		v = v << 32 | be32(p);
		p += 4;
	}
	return v;
}

static unsigned long strlen_bounded(const char *s, const char *end)
{
	const char *p = s;

	while (p < end && *p)
		p++;
	return (unsigned long)(p - s);
}

/* Walk the structure block; add every reg entry of every /memory* node. */
static int parse_dtb(const u8 *fdt)
{
	u32 total = be32(fdt + 4), off_struct = be32(fdt + 8);
	u32 off_strings = be32(fdt + 12), size_struct = be32(fdt + 36);
	const u8 *p = fdt + off_struct, *end = p + size_struct;
	const char *strings = (const char *)fdt + off_strings;
	u32 acells = 2, scells = 1;
	int depth = 0, in_mem = 0, found = 0;

	if (be32(fdt) != FDT_MAGIC || total > 0x200000 || off_struct >= total)
		return 0;
	while (p + 4 <= end) {
		u32 tok = be32(p);

		p += 4;
		if (tok == FDT_BEGIN_NODE) {
			const char *name = (const char *)p;
			unsigned long len = strlen_bounded(name,
							(const char *)end);

			depth++;
			in_mem = depth == 2 && is_memory_node(name);
			p += (len + 4) & ~3UL;
		} else if (tok == FDT_END_NODE) {
			depth--;
			in_mem = 0;
		} else if (tok == FDT_PROP) {
			u32 len = be32(p), nameoff = be32(p + 4);
			const u8 *val = p + 8;
			const char *pname = strings + nameoff;

			p += 8 + ((len + 3) & ~3U);
			if (p > end)
				break;
			if (depth == 1 && len == 4 &&
			    streq(pname, "#address-cells"))
				acells = be32(val);
			else if (depth == 1 && len == 4 &&
				 streq(pname, "#size-cells"))
				scells = be32(val);
			else if (in_mem && streq(pname, "reg") &&
				 acells <= 2 && scells <= 2 && acells && scells) {
				u32 step = 4 * (acells + scells), i;

				for (i = 0; i + step <= len; i += step) {
					cb_add_region(cells(val + i, acells),
						      cells(val + i + 4 * acells,
							    scells));
					found++;
				}
			}
		} else if (tok == FDT_NOP) {
			continue;
		} else {
			break;	/* FDT_END or garbage */
		}
	}
	return found;
}

void payload_main(void)
{
	const u8 *fdt = (const u8 *)RAM_BASE;

	/* The DTB and the image sit inside [RAM_BASE, RESV_END). */
	cb_init(CB_ADDR, CB_ARCH_AARCH64, RAM_BASE, RESV_END);
	if (!parse_dtb(fdt))
		cb_fail();
	stamp_and_spin(0);
}
