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

/*
 * QEMU's ACPI memory hotplug registers (docs/specs/acpi_mem_hotplug.rst):
 * DIMMs are not in the e820 map, only here.  Without ACPI (no OS to run
 * AML), we use them directly: stamp every DIMM present at boot, and eject
 * one when QEMU asks (device_del), as a guest's _EJ0 would, so that tests
 * can unplug a DIMM while the VM runs.
 */
#define MHP_BASE	0x0a00
#define MHP_ADDR_LO	0x0
#define MHP_ADDR_HI	0x4
#define MHP_SIZE_LO	0x8
#define MHP_SIZE_HI	0xc
#define MHP_STATUS	0x14	/* read: 1 enabled, 2 inserting, 4 removing */
#define MHP_EJECT	8	/* write to MHP_STATUS */
#define MHP_MAX_SLOTS	16

static u32 dimm_slots;		/* bit per slot holding a DIMM */

static inline void outl(u16 port, u32 v)
{
	__asm__ __volatile__("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outb(u16 port, u8 v)
{
	__asm__ __volatile__("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline u32 inl(u16 port)
{
	u32 v;

	__asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u8 inb(u16 port)
{
	u8 v;

	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void find_dimms(void)
{
	u32 slot;

	for (slot = 0; slot < MHP_MAX_SLOTS; slot++) {
		u64 addr, size;
		u8 st;

		outl(MHP_BASE, slot);
		st = inb(MHP_BASE + MHP_STATUS);
		/* no controller reads 0xff: reserved bits set */
		if (st & 0xf8)
			return;
		if (!(st & 1))
			continue;
		addr = inl(MHP_BASE + MHP_ADDR_LO) |
		       (u64)inl(MHP_BASE + MHP_ADDR_HI) << 32;
		size = inl(MHP_BASE + MHP_SIZE_LO) |
		       (u64)inl(MHP_BASE + MHP_SIZE_HI) << 32;
		if (!size)
			continue;
		cb_add_region(addr, size);
		cb_count(CB_OFF_DIMMS);
		dimm_slots |= 1u << slot;
	}
}

static void eject_requested_dimms(void)
{
	u32 slot;

	for (slot = 0; slot < MHP_MAX_SLOTS; slot++) {
		if (!(dimm_slots & (1u << slot)))
			continue;
		outl(MHP_BASE, slot);
		if (inb(MHP_BASE + MHP_STATUS) & 4) {
			outb(MHP_BASE + MHP_STATUS, MHP_EJECT);
			dimm_slots &= ~(1u << slot);
			cb_count(CB_OFF_EJECTED);
		}
	}
}

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
	find_dimms();
	stamp_and_spin(eject_requested_dimms);
}
