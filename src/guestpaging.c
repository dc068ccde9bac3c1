// SPDX-License-Identifier: GPL-2.0-or-later
/* guestpaging.c - kernel virtual -> guest-physical through its page tables. */
#include <inttypes.h>
#include <string.h>

#include "guestpaging.h"

/* x86_64: bits 51..12 of an entry are the frame; bit 7 a large page. */
#define X86_ADDR_MASK	0x000ffffffffff000ull
#define X86_PRESENT	0x1ull
#define X86_PS		0x80ull
/* arm64: bits 47..page_shift; [1:0] 3 table/page, 1 block. */
#define ARM64_ADDR_MASK	0x0000fffffffff000ull
#define PA_LIMIT	(1ull << 52)

static bool is_x86(const struct ld_guest_paging *pg)
{
	return pg->arch->id == LD_ARCH_X86_64;
}

static unsigned int bits_per_level(const struct ld_guest_paging *pg)
{
	return pg->page_shift - 3;
}

/* The lowest va bit level i (0: the top) indexes. */
static unsigned int level_shift(const struct ld_guest_paging *pg,
				unsigned int i)
{
	return pg->page_shift + (pg->levels - 1 - i) * bits_per_level(pg);
}

static struct ld_error *init_x86_64(const char *vmci, size_t len,
				    struct ld_guest_paging *pg)
{
	uint64_t sym, l5 = 0;

	if (!ld_vmci_number(vmci, len, "SYMBOL(init_top_pgt)", &sym) &&
	    !ld_vmci_number(vmci, len, "SYMBOL(init_level4_pgt)", &sym))
		return ld_error(LD_EXIT_FAILURE,
				"VMCOREINFO has no SYMBOL(init_top_pgt)");
	if (!ld_guestlinux_kimage_pa(pg->arch, vmci, len, sym, &pg->root))
		return ld_error(LD_EXIT_FAILURE,
				"init_top_pgt 0x%" PRIx64 " is not in the kernel image (NUMBER(phys_base)?)",
				sym);
	ld_vmci_number(vmci, len, "NUMBER(pgtable_l5_enabled)", &l5);
	if (l5 > 1)
		return ld_error(LD_EXIT_FAILURE,
				"VMCOREINFO: pgtable_l5_enabled=%" PRIu64, l5);
	pg->page_shift = 12;
	pg->levels = l5 ? 5 : 4;
	pg->va_bits = l5 ? 57 : 48;
	return NULL;
}

static struct ld_error *init_arm64(const char *vmci, size_t len,
				   struct ld_guest_paging *pg)
{
	uint64_t sym, page_size, va_bits, t1sz;
	unsigned int bpl, over;

	if (!ld_vmci_number(vmci, len, "SYMBOL(swapper_pg_dir)", &sym) ||
	    !ld_vmci_number(vmci, len, "PAGESIZE", &page_size) ||
	    !ld_vmci_number(vmci, len, "NUMBER(VA_BITS)", &va_bits))
		return ld_error(LD_EXIT_FAILURE,
				"VMCOREINFO lacks SYMBOL(swapper_pg_dir), PAGESIZE or NUMBER(VA_BITS)");
	/* A 52-bit VA kernel on 48-bit hardware runs with T1SZ 16. */
	if (ld_vmci_number(vmci, len, "NUMBER(TCR_EL1_T1SZ)", &t1sz)) {
		if (t1sz < 12 || t1sz > 39)
			return ld_error(LD_EXIT_FAILURE,
					"VMCOREINFO: TCR_EL1_T1SZ=%" PRIu64, t1sz);
		va_bits = 64 - t1sz;
	}
	switch (page_size) {
	case 4096: pg->page_shift = 12; break;
	case 16384: pg->page_shift = 14; break;
	case 65536: pg->page_shift = 16; break;
	default:
		return ld_error(LD_EXIT_FAILURE,
				"VMCOREINFO: PAGESIZE=%" PRIu64 " is no arm64 granule",
				page_size);
	}
	if (va_bits < 25 || va_bits > 52)
		return ld_error(LD_EXIT_FAILURE,
				"VMCOREINFO: %" PRIu64 " VA bits", va_bits);
	pg->va_bits = (unsigned int)va_bits;
	bpl = bits_per_level(pg);
	over = pg->va_bits - pg->page_shift;
	pg->levels = (over + bpl - 1) / bpl;
	if (pg->levels < 2 || pg->levels > LD_PAGING_MAX_LEVELS)
		return ld_error(LD_EXIT_FAILURE,
				"arm64: %u VA bits with %" PRIu64 "-byte pages give %u levels",
				pg->va_bits, page_size, pg->levels);
	if (!ld_guestlinux_kimage_pa(pg->arch, vmci, len, sym, &pg->root))
		return ld_error(LD_EXIT_FAILURE,
				"swapper_pg_dir 0x%" PRIx64 " is not in the kernel image (NUMBER(kimage_voffset)?)",
				sym);
	return NULL;
}

struct ld_error *ld_guest_paging_init(const struct ld_arch *arch,
				      const char *vmci, size_t len,
				      const struct ld_guest_ram *ram,
				      struct ld_guest_paging *pg)
{
	struct ld_error *err;

	memset(pg, 0, sizeof(*pg));
	pg->arch = arch;
	pg->ram = ram;
	switch (arch->id) {
	case LD_ARCH_X86_64:
		err = init_x86_64(vmci, len, pg);
		break;
	case LD_ARCH_AARCH64_LE:
	case LD_ARCH_AARCH64_BE:
		err = init_arm64(vmci, len, pg);
		break;
	default:
		return ld_error(LD_EXIT_FAILURE,
				"reading the kernel's page tables is not done for %s",
				arch->name);
	}
	if (!err && pg->root % (1u << pg->page_shift))
		err = ld_error(LD_EXIT_FAILURE,
			       "the kernel's top page table at gpa 0x%" PRIx64 " is not page aligned",
			       pg->root);
	return err;
}

static struct ld_error *read_entry(const struct ld_guest_paging *pg, uint64_t gpa,
				   uint64_t *e)
{
	unsigned char b[8];
	struct ld_error *err = pg->ram->read(pg->ram->ctx, gpa, b, sizeof(b));

	if (err)
		return err;
	*e = ld_guest_uint(b, 8, ld_arch_is_be(pg->arch));
	return NULL;
}

/*
 * Entry e of level i: the next table (*next), or a leaf mapping *size
 * bytes at *frame.  False: not valid.
 */
static bool decode_x86(const struct ld_guest_paging *pg, unsigned int i,
		       uint64_t e, uint64_t *next, uint64_t *frame,
		       uint64_t *size)
{
	unsigned int shift = level_shift(pg, i);

	if (!(e & X86_PRESENT))
		return false;
	if (i == pg->levels - 1 || ((e & X86_PS) && (shift == 21 || shift == 30))) {
		*size = 1ull << shift;
		*frame = e & X86_ADDR_MASK & ~(*size - 1);
		return true;
	}
	if (e & X86_PS)		/* reserved above the PDPT */
		return false;
	*next = e & X86_ADDR_MASK;
	*size = 0;
	return true;
}

static bool decode_arm64(const struct ld_guest_paging *pg, unsigned int i,
			 uint64_t e, uint64_t *next, uint64_t *frame,
			 uint64_t *size)
{
	unsigned int shift = level_shift(pg, i);
	uint64_t addr = e & ARM64_ADDR_MASK & ~((1ull << pg->page_shift) - 1);
	bool last = i == pg->levels - 1;

	/* 64 KiB granule with 52-bit PAs: PA[51:48] in bits 15..12. */
	if (pg->page_shift == 16)
		addr |= ((e >> 12) & 0xf) << 48;
	switch (e & 3) {
	case 3:
		if (last) {
			*size = 1ull << shift;
			*frame = addr;
		} else {
			*next = addr;
			*size = 0;
		}
		return true;
	case 1:
		if (last || i == 0)
			return false;
		*size = 1ull << shift;
		*frame = addr & ~(*size - 1);
		return true;
	default:
		return false;
	}
}

struct ld_error *ld_guest_paging_translate(const struct ld_guest_paging *pg,
					   uint64_t va, uint64_t *pa,
					   uint64_t *span)
{
	/* x86 sign-extends bit 47 (56); arm64's TTBR1 wants bits 63..va_bits set. */
	unsigned int fixed = is_x86(pg) ? pg->va_bits - 1 : pg->va_bits;
	uint64_t table = pg->root;
	unsigned int bpl = bits_per_level(pg);

	/* Kernel addresses only: every bit above the translated ones set. */
	if (va >> fixed != ~0ull >> fixed)
		return ld_error(LD_EXIT_FAILURE,
				"0x%" PRIx64 " is not a kernel virtual address", va);
	for (unsigned int i = 0; i < pg->levels; i++) {
		unsigned int shift = level_shift(pg, i);
		uint64_t idx = (va >> shift) & ((1ull << bpl) - 1);
		uint64_t e, next = 0, frame = 0, size = 0;
		struct ld_error *err;
		bool ok;

		if (i == 0)	/* the top level indexes what is left */
			idx = (va >> shift) &
			      ((1ull << (pg->va_bits - shift)) - 1);
		err = read_entry(pg, table + idx * 8, &e);
		if (err)
			return ld_error_context(err,
						"translating 0x%" PRIx64 " (level %u table at gpa 0x%" PRIx64 ")",
						va, i, table);
		ok = is_x86(pg) ? decode_x86(pg, i, e, &next, &frame, &size) :
				  decode_arm64(pg, i, e, &next, &frame, &size);
		if (!ok)
			return ld_error(LD_EXIT_FAILURE,
					"0x%" PRIx64 " is not mapped (level %u entry 0x%" PRIx64 ")",
					va, i, e);
		if (size) {
			*pa = frame + (va & (size - 1));
			*span = size - (va & (size - 1));
			if (*pa >= PA_LIMIT)
				return ld_error(LD_EXIT_FAILURE,
						"0x%" PRIx64 " maps to 0x%" PRIx64 ", beyond any RAM",
						va, *pa);
			return NULL;
		}
		table = next;
	}
	return ld_error(LD_EXIT_FAILURE, "0x%" PRIx64 ": no leaf entry", va);
}

struct ld_error *ld_guest_paging_read(const struct ld_guest_paging *pg,
				      uint64_t va, void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len) {
		uint64_t pa, span;
		struct ld_error *err = ld_guest_paging_translate(pg, va, &pa,
								 &span);
		size_t n = span < len ? (size_t)span : len;

		if (!err)
			err = pg->ram->read(pg->ram->ctx, pa, p, n);
		if (err)
			return ld_error_context(err,
						"reading kernel memory at 0x%" PRIx64,
						va);
		p += n;
		va += n;
		len -= n;
	}
	return NULL;
}

/* The top-level entry at root that maps the kernel image (x86_64). */
static bool x86_kernel_entry(const struct ld_guest_paging *pg, uint64_t root,
			     uint64_t *e)
{
	struct ld_error *err = read_entry(pg, root + 511 * 8, e);

	if (err) {
		ld_error_free(err);
		return false;
	}
	return *e & X86_PRESENT;
}

bool ld_guest_paging_runs_on(const struct ld_guest_paging *pg, uint64_t root)
{
	uint64_t mine, theirs;

	switch (pg->arch->id) {
	case LD_ARCH_X86_64:
		/*
		 * Every process's tables share the kernel's top-level entry
		 * for the kernel image (index 511 with 4 or 5 levels); a PTI
		 * user root is the page after its kernel twin.
		 */
		if (!x86_kernel_entry(pg, pg->root, &mine))
			return false;
		if (x86_kernel_entry(pg, root, &theirs) && theirs == mine)
			return true;
		return (root & 0x1000) &&
		       x86_kernel_entry(pg, root & ~0x1000ull, &theirs) &&
		       theirs == mine;
	case LD_ARCH_AARCH64_LE:
	case LD_ARCH_AARCH64_BE:
		/* TTBR1_EL1 holds swapper_pg_dir itself (KPTI: not at EL0). */
		return root == pg->root;
	default:
		return false;
	}
}

bool ld_guest_kernel_is_running(const struct ld_arch *arch, const char *vmci,
				size_t len, const struct ld_guest_ram *ram,
				const uint64_t *roots, size_t n)
{
	struct ld_guest_paging pg;
	struct ld_utsname uts;
	struct ld_error *err;

	if (!n)
		return false;
	err = ld_guestlinux_utsname(arch, vmci, len, ram, &uts);
	if (!err)
		err = ld_guest_paging_init(arch, vmci, len, ram, &pg);
	if (err) {
		ld_error_free(err);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if (ld_guest_paging_runs_on(&pg, roots[i]))
			return true;
	return false;
}
