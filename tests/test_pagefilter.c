// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_pagefilter.c - the dump level on a small in-process x86_64 guest:
 * page tables (4 KiB, 2 MiB and 1 GiB mappings), mem_section, struct
 * pages of every class makedumpfile tells apart, and VMCOREINFO with
 * Debian 12's 6.1 values; then what a corrupt guest gives (warnings,
 * pages kept, never a crash).  The decisions on real kernels are checked
 * against makedumpfile itself in tests/linux (dump_levels.py).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guestpaging.h"
#include "pagefilter.h"

#define MIB		(1024ull * 1024)
#define RAM0_SIZE	(8 * MIB)		/* pfns 0..2047 */
#define RAM1_GPA	0x10000000ull		/* section 2: no mem_map */
#define RAM1_SIZE	(64 * 1024ull)
#define PML4		0x1000ull
#define PDPT_DIRECT	0x2000ull
#define PDPT_VMEMMAP	0x5000ull
#define PD_VMEMMAP	0x6000ull
#define PT_VMEMMAP	0x7000ull
#define ROOTS		0x3000ull		/* mem_section root array */
#define SECTIONS	0x4000ull		/* struct mem_section[] */
#define STRUCT_PAGES	0x200000ull		/* a section's: 32768 * 64 */
#define DIRECT		0xffff888000000000ull
#define VMEMMAP		0xffffea0000000000ull
#define KMAP		0xffffffff80000000ull

/* Debian 12's 6.1 x86_64 values (tests/linux's guest). */
#define PG_LRU		4
#define PG_PRIVATE	13
#define PG_SWAPCACHE	10
#define PG_SWAPBACKED	19
#define PG_SLAB		9
#define PG_HWPOISON	22
#define PG_HEAD		16

struct guest {
	unsigned char *ram;	/* RAM0 */
	struct ld_block blocks[2];
	struct ld_memmap map;
	struct ld_guest_ram gr;
	char vmci[4096];
};

static struct ld_error *read_ram(void *ctx, uint64_t gpa, void *buf,
				 size_t len)
{
	struct guest *g = ctx;

	if (gpa + len > RAM0_SIZE || gpa + len < gpa) {
		if (gpa >= RAM1_GPA && gpa + len <= RAM1_GPA + RAM1_SIZE) {
			memset(buf, 0, len);
			return NULL;
		}
		return ld_error(LD_EXIT_COPY, "gpa 0x%llx is not RAM",
				(unsigned long long)gpa);
	}
	memcpy(buf, g->ram + gpa, len);
	return NULL;
}

static void put64(struct guest *g, uint64_t gpa, uint64_t v)
{
	memcpy(g->ram + gpa, &v, 8);	/* the test host is little-endian */
}

static void put32(struct guest *g, uint64_t gpa, uint32_t v)
{
	memcpy(g->ram + gpa, &v, 4);
}

static uint64_t page_at(uint64_t pfn)
{
	return STRUCT_PAGES + pfn * 64;
}

/* struct page of pfn: flags, mapping, _mapcount, private. */
static void page(struct guest *g, uint64_t pfn, uint64_t flags,
		 uint64_t mapping, uint32_t mapcount, uint64_t private_)
{
	put64(g, page_at(pfn) + 0, flags);
	put64(g, page_at(pfn) + 24, mapping);
	put32(g, page_at(pfn) + 48, mapcount);
	put64(g, page_at(pfn) + 40, private_);
}

static void vmcoreinfo(struct guest *g, const char *extra)
{
	snprintf(g->vmci, sizeof(g->vmci),
		 "OSRELEASE=6.1.0-57-cloud-amd64\n"
		 "PAGESIZE=4096\n"
		 "SYMBOL(init_top_pgt)=%llx\n"
		 "NUMBER(phys_base)=0\n"
		 "NUMBER(pgtable_l5_enabled)=0\n"
		 "SYMBOL(mem_section)=%llx\n"
		 "LENGTH(mem_section)=2048\n"
		 "SIZE(mem_section)=16\n"
		 "OFFSET(mem_section.section_mem_map)=0\n"
		 "NUMBER(SECTION_SIZE_BITS)=27\n"
		 "NUMBER(MAX_PHYSMEM_BITS)=46\n"
		 "SIZE(page)=64\n"
		 "OFFSET(page.flags)=0\n"
		 "OFFSET(page._refcount)=52\n"
		 "OFFSET(page.mapping)=24\n"
		 "OFFSET(page.lru)=8\n"
		 "OFFSET(page._mapcount)=48\n"
		 "OFFSET(page.private)=40\n"
		 "OFFSET(page.compound_dtor)=16\n"
		 "OFFSET(page.compound_order)=17\n"
		 "OFFSET(page.compound_head)=8\n"
		 "LENGTH(zone.free_area)=11\n"
		 "NUMBER(PG_lru)=%d\nNUMBER(PG_private)=%d\n"
		 "NUMBER(PG_swapcache)=%d\nNUMBER(PG_swapbacked)=%d\n"
		 "NUMBER(PG_slab)=%d\nNUMBER(PG_hwpoison)=%d\n"
		 "NUMBER(PG_head_mask)=%d\n"
		 "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n"
		 "NUMBER(HUGETLB_PAGE_DTOR)=2\n"
		 "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257\n%s",
		 (unsigned long long)(KMAP + PML4),
		 (unsigned long long)(DIRECT + ROOTS), PG_LRU, PG_PRIVATE,
		 PG_SWAPCACHE, PG_SWAPBACKED, PG_SLAB, PG_HWPOISON, 1 << PG_HEAD,
		 extra);
}

/*
 * The guest: the direct map through one 1 GiB page, the kernel image at
 * KMAP through 2 MiB pages, vmemmap through 4 KiB pages; pfns of every
 * class.
 */
static void build(struct guest *g)
{
	g->ram = calloc(1, RAM0_SIZE);
	cr_assert(g->ram);
	/* PML4: direct map (slot 273), vmemmap (slot 468), kernel (511). */
	put64(g, PML4 + 8 * ((DIRECT >> 39) & 511), PDPT_DIRECT | 3);
	put64(g, PML4 + 8 * ((VMEMMAP >> 39) & 511), PDPT_VMEMMAP | 3);
	put64(g, PML4 + 8 * 511, 0x8000 | 3);
	put64(g, PDPT_DIRECT + 8 * ((DIRECT >> 30) & 511), 0 | 0x83);
	put64(g, 0x8000 + 8 * 510, 0x9000 | 3);		/* KMAP: PD */
	put64(g, 0x9000, 0 | 0x83);			/* 2 MiB at 0 */
	put64(g, PDPT_VMEMMAP, PD_VMEMMAP | 3);
	put64(g, PD_VMEMMAP, PT_VMEMMAP | 3);
	for (int i = 0; i < 512; i++)	/* 2 MiB of struct pages */
		put64(g, PT_VMEMMAP + 8 * i, (STRUCT_PAGES + i * 4096) | 3);
	/* mem_section: root 0 -> sections; section 0 present. */
	put64(g, ROOTS, DIRECT + SECTIONS);
	put64(g, SECTIONS, VMEMMAP | 3);

	page(g, 100, 1ull << PG_LRU, DIRECT + 0x7000, 0xffffffff, 0);
	page(g, 101, 1ull << PG_LRU | 1ull << PG_PRIVATE, DIRECT + 0x7000,
	     0xffffffff, 0);
	page(g, 102, 1ull << PG_LRU, DIRECT + 0x7001, 0, 0);	/* anon */
	page(g, 104, 0, 0, 0xffffff7f, 2);	/* buddy, order 2 */
	page(g, 110, 1ull << PG_SLAB, 0, 0xffffff7f, 0);	/* slab */
	page(g, 112, 1ull << PG_HEAD, DIRECT + 0x7001, 0, 0);	/* THP */
	g->ram[page_at(113) + 17] = 1;				/* its order */
	put64(g, page_at(113) + 8, DIRECT + page_at(112) + 1);
	page(g, 120, 1ull << PG_HWPOISON, 0, 0xffffffff, 0);
	page(g, 121, 0, 0, 0xfffffeff, 0);			/* offline */
	page(g, 130, 1ull << PG_SWAPCACHE | 1ull << PG_SWAPBACKED, 0,
	     0xffffffff, 0);
	page(g, 131, 1ull << PG_SWAPCACHE, 0, 0xffffffff, 0);
	page(g, 140, 0, 0, 0xffffff7f, 50);	/* buddy, impossible order */

	g->blocks[0] = (struct ld_block){ .gpa = 0, .size = RAM0_SIZE };
	g->blocks[1] = (struct ld_block){ .gpa = RAM1_GPA, .size = RAM1_SIZE };
	g->map = (struct ld_memmap){ .blocks = g->blocks, .count = 2,
				     .total_bytes = RAM0_SIZE + RAM1_SIZE };
	g->gr = (struct ld_guest_ram){ read_ram, g };
	vmcoreinfo(g, "");
}

static struct ld_error *run(struct guest *g, unsigned int level,
			    struct ld_page_filter *f, struct ld_warnings *w)
{
	struct ld_page_filter_input in = {
		.arch = ld_arch_lookup("X86_64"), .level = level,
		.vmcoreinfo = g->vmci, .vmcoreinfo_len = strlen(g->vmci),
		.map = &g->map, .ram = &g->gr,
	};

	return ld_page_filter_build(&in, f, w);
}

/* What the filter warned of, shown when a test fails. */
static void show(const struct ld_warnings *w)
{
	for (unsigned int i = 0; i < w->count; i++)
		cr_log_info("warning: %s", w->text[i]);
}

static bool out(const struct ld_page_filter *f, uint64_t pfn)
{
	return ld_page_filter_excludes(f, pfn << 12);
}

/* The pfns left out, below 200 (the rest of RAM0 is plain kernel). */
static void expect_out(const struct ld_page_filter *f, const uint64_t *want,
		       size_t n)
{
	for (uint64_t pfn = 0; pfn < 200; pfn++) {
		bool w = false;

		for (size_t i = 0; i < n; i++)
			w |= want[i] == pfn;
		cr_expect_eq(out(f, pfn), w, "pfn %llu: %s, expected %s",
			     (unsigned long long)pfn, out(f, pfn) ? "out" : "kept",
			     w ? "out" : "kept");
	}
	for (uint64_t pfn = 200; pfn < RAM0_SIZE >> 12; pfn++)
		cr_assert(!out(f, pfn), "pfn %llu left out",
			  (unsigned long long)pfn);
}

/* What level 31 leaves out of build()'s guest (below pfn 200). */
static const uint64_t level31_out[] = { 100, 101, 102, 104, 105, 106, 107,
					112, 113, 120, 121, 130 };

Test(pagefilter, level_31_as_makedumpfile_decides)
{
	struct guest g;
	struct ld_page_filter f;
	struct ld_warnings w = { 0 };

	build(&g);
	cr_assert_null(run(&g, 31, &f, &w));
	show(&w);
	cr_assert_not_null(f.excluded);
	expect_out(&f, level31_out, sizeof(level31_out) / sizeof(level31_out[0]));
	cr_expect_eq(f.count[LD_EXCL_CACHE], 2);	/* 100, 130 */
	cr_expect_eq(f.count[LD_EXCL_CACHE_PRIVATE], 1);
	cr_expect_eq(f.count[LD_EXCL_USER], 3);		/* 102, THP 112-113 */
	cr_expect_eq(f.count[LD_EXCL_FREE], 4);
	cr_expect_eq(f.count[LD_EXCL_HWPOISON], 1);
	cr_expect_eq(f.count[LD_EXCL_OFFLINE], 1);
	/* RAM1 lies above the last section with a memory map. */
	cr_expect_eq(f.count[LD_EXCL_NO_MEM_MAP], RAM1_SIZE >> 12);
	cr_expect(ld_page_filter_excludes(&f, RAM1_GPA));
	cr_expect_eq(f.struct_pages, 32768);	/* the whole section */
	/* The impossible order of pfn 140 is said, and the page kept. */
	cr_expect_eq(w.count, 1, "%u warnings", w.count);
	ld_page_filter_free(&f);
	ld_warnings_free(&w);
	free(g.ram);
}

Test(pagefilter, each_bit_alone)
{
	static const struct { unsigned int level; uint64_t want[8]; size_t n; } c[] = {
		/* hwpoison and offline pages go whenever pages are walked */
		{ 2, { 100, 130, 120, 121 }, 4 },
		{ 4, { 100, 101, 130, 120, 121 }, 5 },
		{ 8, { 102, 112, 113, 120, 121 }, 5 },
		{ 16, { 104, 105, 106, 107, 120, 121 }, 6 },
	};
	struct guest g;

	build(&g);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct ld_page_filter f;
		struct ld_warnings w = { 0 };

		cr_assert_null(run(&g, c[i].level, &f, &w));
		expect_out(&f, c[i].want, c[i].n);
		ld_page_filter_free(&f);
		ld_warnings_free(&w);
	}
	free(g.ram);
}

Test(pagefilter, a_hole_in_vmemmap_keeps_only_its_pages)
{
	struct guest g;
	struct ld_page_filter f;
	struct ld_warnings w = { 0 };

	build(&g);
	/* The struct pages of pfns 0..63 and 2048.. are not mapped. */
	put64(&g, PT_VMEMMAP, 0);
	for (int i = 32; i < 512; i++)
		put64(&g, PT_VMEMMAP + 8 * i, 0);
	page(&g, 10, 1ull << PG_LRU, DIRECT + 0x7000, 0xffffffff, 0);
	cr_assert_null(run(&g, 31, &f, &w));
	show(&w);
	expect_out(&f, level31_out, sizeof(level31_out) / sizeof(level31_out[0]));
	cr_expect_eq(w.count, 2, "%u warnings", w.count);	/* + order */
	ld_page_filter_free(&f);
	ld_warnings_free(&w);
	free(g.ram);
}

Test(pagefilter, levels_0_and_1_read_nothing)
{
	struct guest g;
	struct ld_page_filter f;
	struct ld_warnings w = { 0 };

	build(&g);
	cr_assert_null(run(&g, 1, &f, &w));
	cr_expect_null(f.excluded);
	cr_expect_eq(f.struct_pages, 0);
	cr_assert_null(run(&g, 0, &f, &w));
	cr_expect_null(f.excluded);
	free(g.ram);
}

Test(pagefilter, no_vmcoreinfo_refuses_levels_above_1)
{
	struct guest g;
	struct ld_page_filter f;
	struct ld_warnings w = { 0 };
	struct ld_error *err;

	build(&g);
	g.vmci[0] = '\0';
	err = run(&g, 31, &f, &w);
	cr_assert_not_null(err);
	cr_expect(strstr(err->message, "VMCOREINFO"), "%s", err->message);
	ld_error_free(err);
	err = run(&g, 32, &f, &w);
	cr_assert_not_null(err);
	ld_error_free(err);
	free(g.ram);
}

/* A corrupt guest: a warning, every page kept, no crash. */
static void expect_all_kept(struct guest *g, const char *what)
{
	struct ld_page_filter f;
	struct ld_warnings w = { 0 };

	cr_assert_null(run(g, 31, &f, &w), "%s", what);
	for (uint64_t pfn = 0; pfn < RAM0_SIZE >> 12; pfn++)
		cr_assert(!out(&f, pfn), "%s: pfn %llu left out", what,
			  (unsigned long long)pfn);
	cr_expect_geq(w.count, 1, "%s: no warning", what);
	ld_page_filter_free(&f);
	ld_warnings_free(&w);
}

Test(pagefilter, corrupt_guests_keep_their_pages)
{
	struct guest g;

	build(&g);
	/* The vmemmap's page table points outside RAM. */
	put64(&g, PD_VMEMMAP, 0x7fff0000000ull | 3);
	expect_all_kept(&g, "vmemmap table outside RAM");
	put64(&g, PD_VMEMMAP, PT_VMEMMAP | 3);
	/* A page table that points at itself: a walk that ends, unmapped. */
	put64(&g, PD_VMEMMAP, PD_VMEMMAP | 3);
	expect_all_kept(&g, "page table cycle");
	put64(&g, PD_VMEMMAP, PT_VMEMMAP | 3);
	/* mem_section's root is garbage. */
	put64(&g, ROOTS, 0x1234);
	expect_all_kept(&g, "garbage mem_section root");
	put64(&g, ROOTS, DIRECT + SECTIONS);
	/* No section present. */
	put64(&g, SECTIONS, VMEMMAP);
	expect_all_kept(&g, "no section present");
	put64(&g, SECTIONS, VMEMMAP | 3);
	/* Members outside struct page, an impossible PG_ bit. */
	snprintf(g.vmci, sizeof(g.vmci), "OSRELEASE=6.1.0\nPAGESIZE=4096\n"
		 "SIZE(page)=64\nOFFSET(page.flags)=60\n");
	expect_all_kept(&g, "flags outside struct page");
	free(g.ram);
}

Test(pagefilter, hostile_numbers_are_bounded)
{
	struct guest g;
	char *p;

	build(&g);
	p = strstr(g.vmci, "NUMBER(SECTION_SIZE_BITS)=27");
	cr_assert(p);
	memcpy(p, "NUMBER(SECTION_SIZE_BITS)=99", 28);
	expect_all_kept(&g, "99 section bits");
	vmcoreinfo(&g, "");
	p = strstr(g.vmci, "NUMBER(PG_lru)=4");
	memcpy(p, "NUMBER(PG_lru)=99", 17);
	p[17] = '\n';
	expect_all_kept(&g, "PG_lru 99");
	vmcoreinfo(&g, "");
	p = strstr(g.vmci, "LENGTH(zone.free_area)=11");
	memcpy(p, "LENGTH(zone.free_area)=99", 25);
	expect_all_kept(&g, "99 free orders");
	free(g.ram);
}

/* arm64: 4 KiB granule, 48 VA bits (4 levels) with a 2 MiB block; 64 KiB
 * granule, 42 VA bits (2 levels). */
Test(guestpaging, arm64_granules)
{
	struct guest g;
	struct ld_guest_paging pg;
	uint64_t pa, span;
	const struct ld_arch *arm = ld_arch_lookup("aarch64-le");
	char text[512];

	build(&g);
	memset(g.ram, 0, 0x20000);
	/* 4K: L0 0x1000, L1 0x2000, L2 0x3000 (block), va 0xffff000000200000 */
	put64(&g, 0x1000 + 8 * ((0xffff000000200000ull >> 39) & 511), 0x2000 | 3);
	put64(&g, 0x2000, 0x3000 | 3);
	put64(&g, 0x3000 + 8, 0x400000 | 1);		/* 2 MiB block */
	snprintf(text, sizeof(text), "PAGESIZE=4096\nNUMBER(VA_BITS)=48\n"
		 "SYMBOL(swapper_pg_dir)=ffff800000001000\n"
		 "NUMBER(kimage_voffset)=0xffff800000000000\n");
	cr_assert_null(ld_guest_paging_init(arm, text, strlen(text), &g.gr, &pg));
	cr_expect_eq(pg.levels, 4);
	cr_assert_null(ld_guest_paging_translate(&pg, 0xffff000000212345ull,
						 &pa, &span));
	cr_expect_eq(pa, 0x412345);
	cr_expect_eq(span, 0x200000 - 0x12345);
	/* Not a kernel address; unmapped. */
	cr_assert_not_null(ld_guest_paging_translate(&pg, 0x1000, &pa, &span));
	cr_assert_not_null(ld_guest_paging_translate(&pg, 0xffff000040000000ull,
						     &pa, &span));

	/* 64K, 42 bits: L2 table (13 bits) at 0x10000 -> L3 at 0x20000. */
	memset(g.ram, 0, 0x40000);
	put64(&g, 0x10000 + 8 * ((0xfffffc0000000000ull >> 29) & 0x1fff),
	      0x20000 | 3);
	put64(&g, 0x20000 + 8 * 1, 0x30000 | 3);
	snprintf(text, sizeof(text), "PAGESIZE=65536\nNUMBER(VA_BITS)=42\n"
		 "SYMBOL(swapper_pg_dir)=ffff800000010000\n"
		 "NUMBER(kimage_voffset)=0xffff800000000000\n");
	cr_assert_null(ld_guest_paging_init(arm, text, strlen(text), &g.gr, &pg));
	cr_expect_eq(pg.levels, 2);
	cr_assert_null(ld_guest_paging_translate(&pg, 0xfffffc0000010042ull,
						 &pa, &span));
	cr_expect_eq(pa, 0x30042);
	free(g.ram);
}

/*
 * Which kernel a vCPU runs: x86_64 by the top-level entry for the kernel
 * image (a process's own root, a PTI user root's kernel twin), arm64 by
 * TTBR1 = swapper_pg_dir; the utsname must be where the note says too.
 */
Test(guestpaging, the_running_kernel_by_its_page_tables)
{
	struct guest g;
	struct ld_guest_paging pg;
	const struct ld_arch *x86 = ld_arch_lookup("X86_64");
	uint64_t roots[2];
	char text[4600];

	build(&g);
	cr_assert_null(ld_guest_paging_init(x86, g.vmci, strlen(g.vmci), &g.gr,
					    &pg));
	cr_expect(ld_guest_paging_runs_on(&pg, PML4), "the kernel's own root");
	/* A process: its own PML4 at 0xa000, the kernel half shared. */
	put64(&g, 0xa000 + 8 * 511, 0x8000 | 3);
	cr_expect(ld_guest_paging_runs_on(&pg, 0xa000));
	/* PTI: user root 0xd000 (other kernel entry), kernel twin 0xc000. */
	put64(&g, 0xc000 + 8 * 511, 0x8000 | 3);
	put64(&g, 0xd000 + 8 * 511, 0xe000 | 3);
	cr_expect(ld_guest_paging_runs_on(&pg, 0xd000));
	/* Another kernel's tables (a stale note's) or none at all. */
	put64(&g, 0xf000 + 8 * 511, 0xe000 | 3);
	cr_expect_not(ld_guest_paging_runs_on(&pg, 0xf000));
	cr_expect_not(ld_guest_paging_runs_on(&pg, 0x10000));
	cr_expect_not(ld_guest_paging_runs_on(&pg, 0x7ffff000), "not RAM");

	/* The whole check: the utsname too. */
	snprintf(text, sizeof(text), "%sSYMBOL(init_uts_ns)=%llx\n"
		 "OFFSET(uts_namespace.name)=4\n", g.vmci,
		 (unsigned long long)(KMAP + 0x60000));
	roots[0] = 0xf000;
	roots[1] = 0xa000;
	cr_expect_not(ld_guest_kernel_is_running(x86, text, strlen(text), &g.gr,
						 roots, 2), "no utsname yet");
	memcpy(g.ram + 0x60004, "Linux", 6);
	memcpy(g.ram + 0x60004 + 2 * 65, "6.1.0-57-cloud-amd64", 21);
	cr_expect(ld_guest_kernel_is_running(x86, text, strlen(text), &g.gr,
					     roots, 2));
	cr_expect_not(ld_guest_kernel_is_running(x86, text, strlen(text), &g.gr,
						 roots, 1), "only a stranger's root");
	cr_expect_not(ld_guest_kernel_is_running(x86, text, strlen(text), &g.gr,
						 roots, 0));

	/* arm64: TTBR1_EL1 holds swapper_pg_dir. */
	snprintf(text, sizeof(text), "PAGESIZE=4096\nNUMBER(VA_BITS)=48\n"
		 "SYMBOL(swapper_pg_dir)=ffff800000001000\n"
		 "NUMBER(kimage_voffset)=0xffff800000000000\n");
	cr_assert_null(ld_guest_paging_init(ld_arch_lookup("aarch64-le"), text,
					    strlen(text), &g.gr, &pg));
	cr_expect(ld_guest_paging_runs_on(&pg, 0x1000));
	cr_expect_not(ld_guest_paging_runs_on(&pg, 0x2000), "KPTI's trampoline");
	free(g.ram);
}
