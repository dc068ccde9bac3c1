// SPDX-License-Identifier: GPL-2.0-or-later
// x86_64 multiboot payload: RAM from the multiboot memory map, then stamp.
#include "../payload.h"

#define CB_ADDR		0x100000ULL
#define MBI_FLAG_MMAP	(1U << 6)
#define E820_RAM	1

extern char _end[];

struct mb_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline;
	u32 mods_count, mods_addr, syms[4];
	u32 mmap_length, mmap_addr;
} __attribute__((packed));

struct mb_mmap {
	u32 size;
	u64 addr, len;
	u32 type;
} __attribute__((packed));

void payload_main(u64 mbi_addr)
{
	const struct mb_info *mbi = (const struct mb_info *)mbi_addr;
	u64 p, end;
	int found = 0;

	/* Payload, CB and churn region: [CB_ADDR, _end). */
	cb_init(CB_ADDR, CB_ARCH_X86_64, CB_ADDR, (u64)_end);
	if (!(mbi->flags & MBI_FLAG_MMAP))
		cb_fail();
	/*
	 * The MBI and map lie above _end, inside RAM we are about to stamp:
	 * cb_add_region records everything before stamp_and_spin writes.
	 */
	p = mbi->mmap_addr;
	end = p + mbi->mmap_length;
	while (p + sizeof(struct mb_mmap) <= end) {
		const struct mb_mmap *e = (const struct mb_mmap *)p;

		if (e->type == E820_RAM && e->len) {
			cb_add_region(e->addr, e->len);
			found++;
		}
		p += (u64)e->size + 4;
	}
	if (!found)
		cb_fail();
	stamp_and_spin();
}
