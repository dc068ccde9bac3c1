// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pagefilter.c - the dump level from the guest's struct pages, decided as
 * makedumpfile 1.7's __exclude_unnecessary_pages() decides (facts from
 * its source; see docs/FILTERING.md for where and why we differ).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guestpaging.h"
#include "pagefilter.h"

/* struct pages read per guest read (makedumpfile reads 512). */
#define CHUNK_PAGES	4096u
/* Bounds on what the note may say (anything else is not a kernel). */
#define MAX_SIZE_PAGE	512u
#define MAX_SECTIONS	(1u << 22)
#define MAX_ROOTS	(1u << 20)
/* Free page orders when LENGTH(zone.free_area) is missing (MAX_ORDER). */
#define DEFAULT_FREE_ORDERS 11u
/* The largest compound page taken from a struct page (1 GiB of 4 KiB). */
#define MAX_COMPOUND_ORDER 18u
#define PAGE_MAPPING_ANON 1u
#define SECTION_MARKED_PRESENT 1u
#define SECTION_MAP_MASK (~0x1full)	/* makedumpfile's: bits 0..4 */

static const char *const class_names[LD_EXCL_CLASSES] = {
	[LD_EXCL_ZERO] = "zero",
	[LD_EXCL_CACHE] = "cache",
	[LD_EXCL_CACHE_PRIVATE] = "cache_private",
	[LD_EXCL_USER] = "user",
	[LD_EXCL_FREE] = "free",
	[LD_EXCL_HWPOISON] = "hwpoison",
	[LD_EXCL_OFFLINE] = "offline",
	[LD_EXCL_NO_MEM_MAP] = "no_mem_map",
};

const char *ld_excluded_class_name(enum ld_excluded_class c)
{
	return (unsigned int)c < LD_EXCL_CLASSES ? class_names[c] : "?";
}

/* A member of struct page: where, and whether VMCOREINFO has it. */
struct member {
	bool have;
	uint64_t off;
};

/* A NUMBER() that may be missing. */
struct number {
	bool have;
	int64_t v;
};

/* What VMCOREINFO says of the kernel's memory bookkeeping, checked. */
struct mm_facts {
	unsigned int page_shift;
	uint64_t size_page;
	struct member flags, refcount, mapping, mapcount, private_, order,
		dtor, head;
	unsigned int order_width, dtor_width;	/* bytes: 1, 2 */
	struct number pg_lru, pg_private, pg_swapcache, pg_swapbacked,
		pg_slab, pg_hwpoison;
	uint64_t head_mask;
	struct number buddy_value, offline_value, hugetlb_dtor;
	uint64_t free_orders;
	uint64_t mem_section, size_mem_section, off_section_mem_map;
	uint64_t len_mem_section;	/* 0: not in the note */
	unsigned int section_size_bits, max_physmem_bits;
};

struct walk {
	const struct ld_page_filter_input *in;
	struct ld_page_filter *f;
	struct ld_warnings *warnings;
	struct ld_guest_paging pg;
	struct mm_facts mm;
	bool be;
	unsigned char *buf;	/* CHUNK_PAGES + 1 struct pages */
	uint64_t bad_orders, unread_pages;
	size_t blk;		/* RAM cursor, pfns ascend */
	char why[256];		/* why nothing can be classified */
};

/* --- the note's facts ----------------------------------------------------- */

static const char *vmci(const struct walk *w, size_t *len)
{
	*len = w->in->vmcoreinfo_len;
	return w->in->vmcoreinfo;
}

static bool get(const struct walk *w, const char *key, uint64_t *v)
{
	size_t len;
	const char *t = vmci(w, &len);

	return ld_vmci_number(t, len, key, v);
}

static void get_member(const struct walk *w, const char *key,
		       struct member *m)
{
	m->have = get(w, key, &m->off);
}

static void get_number(const struct walk *w, const char *key,
		       struct number *n)
{
	uint64_t v;

	n->have = get(w, key, &v);
	n->v = (int64_t)v;
}

/* A member of struct page, width bytes, inside it. */
static bool member_fits(const struct mm_facts *mm, const struct member *m,
			unsigned int width)
{
	return !m->have || (m->off < MAX_SIZE_PAGE &&
			    m->off + width <= mm->size_page);
}

static bool bit_ok(const struct number *n)
{
	return !n->have || (n->v >= 0 && n->v < 64);
}

/* OSRELEASE's major.minor, as makedumpfile compares versions. */
static bool kernel_version(const struct walk *w, unsigned int *maj,
			   unsigned int *min)
{
	char rel[65];
	size_t len;
	const char *t = vmci(w, &len);

	return ld_vmci_string(t, len, "OSRELEASE", rel, sizeof(rel)) &&
	       sscanf(rel, "%u.%u", maj, min) == 2;
}

/* struct page's size and members; NULL or what is wrong. */
static const char *struct_page_facts(struct walk *w)
{
	struct mm_facts *mm = &w->mm;
	uint64_t page_size;
	unsigned int maj, min;

	if (!get(w, "PAGESIZE", &page_size) ||
	    (page_size != 4096 && page_size != 16384 && page_size != 65536))
		return "no PAGESIZE of 4, 16 or 64 KiB";
	mm->page_shift = (unsigned int)__builtin_ctzll(page_size);
	if (!kernel_version(w, &maj, &min))
		return "no OSRELEASE";
	/* Older ones keep the compound order in lru (makedumpfile's rule). */
	if (maj < 4 || (maj == 4 && min < 4))
		return "a kernel older than 4.4";
	mm->order_width = (maj > 4 || min >= 16) ? 1 : 2;
	mm->dtor_width = mm->order_width;
	if (!get(w, "SIZE(page)", &mm->size_page) || mm->size_page < 16 ||
	    mm->size_page > MAX_SIZE_PAGE)
		return "no plausible SIZE(page)";
	get_member(w, "OFFSET(page.flags)", &mm->flags);
	get_member(w, "OFFSET(page._refcount)", &mm->refcount);
	if (!mm->refcount.have)
		get_member(w, "OFFSET(page._count)", &mm->refcount);
	get_member(w, "OFFSET(page.mapping)", &mm->mapping);
	get_member(w, "OFFSET(page._mapcount)", &mm->mapcount);
	get_member(w, "OFFSET(page.private)", &mm->private_);
	get_member(w, "OFFSET(page.compound_order)", &mm->order);
	get_member(w, "OFFSET(page.compound_dtor)", &mm->dtor);
	get_member(w, "OFFSET(page.compound_head)", &mm->head);
	if (!mm->flags.have || !mm->refcount.have || !mm->mapping.have)
		return "no OFFSET(page.flags), OFFSET(page._refcount) or OFFSET(page.mapping)";
	if (!member_fits(mm, &mm->flags, 8) || !member_fits(mm, &mm->mapping, 8) ||
	    !member_fits(mm, &mm->refcount, 4) ||
	    !member_fits(mm, &mm->mapcount, 4) ||
	    !member_fits(mm, &mm->private_, 8) ||
	    !member_fits(mm, &mm->order, mm->order_width) ||
	    !member_fits(mm, &mm->dtor, mm->dtor_width) ||
	    !member_fits(mm, &mm->head, 8))
		return "a struct page member outside SIZE(page)";
	return NULL;
}

/* The PG_* numbers and the values that mark free and offline pages. */
static const char *page_flag_facts(struct walk *w)
{
	struct mm_facts *mm = &w->mm;
	uint64_t v;

	get_number(w, "NUMBER(PG_lru)", &mm->pg_lru);
	get_number(w, "NUMBER(PG_private)", &mm->pg_private);
	get_number(w, "NUMBER(PG_swapcache)", &mm->pg_swapcache);
	get_number(w, "NUMBER(PG_swapbacked)", &mm->pg_swapbacked);
	get_number(w, "NUMBER(PG_slab)", &mm->pg_slab);
	get_number(w, "NUMBER(PG_hwpoison)", &mm->pg_hwpoison);
	if (!mm->pg_lru.have || !mm->pg_private.have ||
	    !mm->pg_swapcache.have || !mm->pg_slab.have)
		return "no NUMBER(PG_lru), PG_private, PG_swapcache or PG_slab";
	if (!bit_ok(&mm->pg_lru) || !bit_ok(&mm->pg_private) ||
	    !bit_ok(&mm->pg_swapcache) || !bit_ok(&mm->pg_swapbacked) ||
	    !bit_ok(&mm->pg_slab) || !bit_ok(&mm->pg_hwpoison))
		return "a PG_* number that is no bit of page.flags";
	if (!get(w, "NUMBER(PG_head_mask)", &mm->head_mask)) {
		if (!get(w, "NUMBER(PG_head)", &v) || v >= 64)
			return "no NUMBER(PG_head_mask)";
		mm->head_mask = 1ull << v;
	}
	get_number(w, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)", &mm->buddy_value);
	get_number(w, "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)",
		   &mm->offline_value);
	get_number(w, "NUMBER(HUGETLB_PAGE_DTOR)", &mm->hugetlb_dtor);
	if (!get(w, "LENGTH(zone.free_area)", &mm->free_orders))
		mm->free_orders = DEFAULT_FREE_ORDERS;
	if (mm->free_orders > 20)
		return "an implausible LENGTH(zone.free_area)";
	return NULL;
}

/* SPARSEMEM's mem_section and the section size. */
static const char *section_facts(struct walk *w)
{
	struct mm_facts *mm = &w->mm;
	uint64_t v;

	if (!get(w, "SYMBOL(mem_section)", &mm->mem_section))
		return "no SYMBOL(mem_section) (only SPARSEMEM kernels are filtered)";
	if (!get(w, "SIZE(mem_section)", &mm->size_mem_section) ||
	    !get(w, "OFFSET(mem_section.section_mem_map)",
		 &mm->off_section_mem_map) ||
	    mm->size_mem_section < 8 || mm->size_mem_section > 1024 ||
	    mm->off_section_mem_map + 8 > mm->size_mem_section)
		return "no plausible SIZE(mem_section) and OFFSET(mem_section.section_mem_map)";
	if (!get(w, "LENGTH(mem_section)", &mm->len_mem_section))
		mm->len_mem_section = 0;
	if (!get(w, "NUMBER(SECTION_SIZE_BITS)", &v) ||
	    v <= mm->page_shift || v > 40)
		return "no plausible NUMBER(SECTION_SIZE_BITS)";
	mm->section_size_bits = (unsigned int)v;
	if (!get(w, "NUMBER(MAX_PHYSMEM_BITS)", &v) ||
	    v < mm->section_size_bits || v > 52)
		return "no plausible NUMBER(MAX_PHYSMEM_BITS)";
	mm->max_physmem_bits = (unsigned int)v;
	return NULL;
}

/* The facts, or a sentence saying which one is missing or odd. */
static const char *read_facts(struct walk *w)
{
	const char *why = struct_page_facts(w);

	if (!why)
		why = page_flag_facts(w);
	if (!why)
		why = section_facts(w);
	return why;
}

/* --- reading guest memory ------------------------------------------------- */

/* Whether guest-physical pfn is guest RAM (makedumpfile: is_in_segs). */
static bool pfn_in_ram(struct walk *w, uint64_t pfn)
{
	const struct ld_memmap *map = w->in->map;
	uint64_t gpa = pfn << w->mm.page_shift;

	if (w->blk >= map->count || gpa < map->blocks[w->blk].gpa)
		w->blk = 0;
	while (w->blk < map->count &&
	       gpa >= map->blocks[w->blk].gpa + map->blocks[w->blk].size)
		w->blk++;
	return w->blk < map->count && gpa >= map->blocks[w->blk].gpa;
}

/* --- sections --------------------------------------------------------------*/

/* Kernel memory at va, or false (why is not needed: the caller says). */
static bool read_ok(const struct ld_guest_paging *pg, uint64_t va, void *buf,
		    size_t len)
{
	struct ld_error *err = ld_guest_paging_read(pg, va, buf, len);
	bool ok = !err;

	ld_error_free(err);
	return ok;
}

/*
 * Each section's mem_map (kernel virtual address of the struct page of
 * its first pfn; 0: no memory map), makedumpfile's get_mm_sparsemem().
 * The root array is where SYMBOL(mem_section) points, or (older
 * kernels) what is stored there.
 */
static const char *section_maps(struct walk *w, uint64_t *maps,
				uint64_t nsec)
{
	const struct mm_facts *mm = &w->mm;
	uint64_t per_root = (1ull << mm->page_shift) / mm->size_mem_section;
	uint64_t nr_mem_sections = 1ull << (mm->max_physmem_bits -
					     mm->section_size_bits);
	uint64_t nroots = (nsec + per_root - 1) / per_root;
	uint64_t roots_at = mm->mem_section;
	bool extreme = !mm->len_mem_section ||
		       mm->len_mem_section ==
		       (nr_mem_sections + per_root - 1) / per_root;
	unsigned char *roots = NULL, sec[1024];
	const char *why = NULL;

	if (!extreme)
		return "a non-extreme SPARSEMEM (not done)";
	if (!per_root || nroots > MAX_ROOTS)
		return "an implausible mem_section root array";
	roots = malloc(nroots * 8);
	if (!roots)
		return "no memory for the mem_section roots";
	for (int attempt = 0; attempt < 2; attempt++) {
		uint64_t present = 0;

		why = NULL;
		if (attempt) {
			unsigned char p[8];

			if (!read_ok(&w->pg, mm->mem_section, p, 8)) {
				why = "mem_section cannot be read";
				break;
			}
			roots_at = ld_guest_uint(p, 8, w->be);
		}
		if (!read_ok(&w->pg, roots_at, roots, nroots * 8)) {
			why = "the mem_section root array cannot be read";
			continue;
		}
		for (uint64_t nr = 0; nr < nsec && !why; nr++) {
			uint64_t root = ld_guest_uint(roots + nr / per_root * 8,
						      8, w->be);
			uint64_t map;

			maps[nr] = 0;
			if (!root)
				continue;
			if (!read_ok(&w->pg, root + nr % per_root *
				     mm->size_mem_section, sec,
				     mm->size_mem_section)) {
				why = "a struct mem_section cannot be read";
				break;
			}
			map = ld_guest_uint(sec + mm->off_section_mem_map, 8, w->be);
			if (!(map & SECTION_MARKED_PRESENT))
				continue;
			maps[nr] = (map & SECTION_MAP_MASK) +
				   (nr << (mm->section_size_bits -
					   mm->page_shift)) * mm->size_page;
			present++;
		}
		if (!why && present)
			break;
		if (!why)
			why = "no section of guest RAM has a memory map";
	}
	free(roots);
	return why;
}

/* --- the decision ------------------------------------------------------- */

/* makedumpfile's test_bit(): an int mask, so bit 31 tests 31..63. */
static bool test_flag(const struct number *bit, uint64_t flags)
{
	int32_t mask = (int32_t)(1u << (bit->v & 0x1f));

	return bit->have && (flags & (uint64_t)(int64_t)mask);
}

static bool is_cache_page(const struct mm_facts *mm, uint64_t flags)
{
	if (test_flag(&mm->pg_lru, flags))
		return true;
	/* PG_swapcache means swap cache only with PG_swapbacked (4.10+). */
	return (!mm->pg_swapbacked.have || test_flag(&mm->pg_swapbacked, flags)) &&
	       test_flag(&mm->pg_swapcache, flags);
}

static bool is_slab(const struct mm_facts *mm, uint64_t flags)
{
	return flags & (1ull << mm->pg_slab.v);
}

/* Set the bits of [pfn, end) not yet set; count them under class c. */
static void exclude_range(struct walk *w, uint64_t pfn, uint64_t end,
			  enum ld_excluded_class c)
{
	struct ld_page_filter *f = w->f;

	if (end > f->max_pfn)
		end = f->max_pfn;
	for (; pfn < end; pfn++) {
		uint64_t *word = &f->excluded[pfn / 64], bit = 1ull << (pfn % 64);

		if (*word & bit || !pfn_in_ram(w, pfn))
			continue;
		*word |= bit;
		f->count[c]++;
	}
}

/*
 * The struct page of pfn at p (next: the following one, or NULL): the
 * class it is left out as and how many pages from pfn on, or false.
 */
static bool classify(struct walk *w, uint64_t pfn, const unsigned char *p,
		     const unsigned char *next, enum ld_excluded_class *c,
		     uint64_t *npages)
{
	const struct mm_facts *mm = &w->mm;
	unsigned int level = w->f->level;
	uint64_t flags = ld_guest_uint(p + mm->flags.off, 8, w->be);
	uint64_t mapping = ld_guest_uint(p + mm->mapping.off, 8, w->be);
	uint64_t order = 0, dtor = 0, head = 0, priv = 0;
	uint32_t mapcount = 0;
	bool anon = mapping & PAGE_MAPPING_ANON;

	if ((flags & mm->head_mask) && next) {
		/* A compound page's order and destructor: in its first tail. */
		if (mm->order.have && mm->order.off)
			order = ld_guest_uint(next + mm->order.off, mm->order_width,
					      w->be);
		if (mm->dtor.have && mm->dtor.off)
			dtor = ld_guest_uint(next + mm->dtor.off, mm->dtor_width,
					     w->be);
		if (order >= 64 || (pfn & ((1ull << order) - 1)))
			order = 0;
		if (order > MAX_COMPOUND_ORDER) {
			w->bad_orders++;
			order = 0;
		}
	}
	if (mm->head.have)
		head = ld_guest_uint(p + mm->head.off, 8, w->be);
	if (mm->mapcount.have)
		mapcount = (uint32_t)ld_guest_uint(p + mm->mapcount.off, 4, w->be);
	if (mm->private_.have)
		priv = ld_guest_uint(p + mm->private_.off, 8, w->be);
	*npages = 1ull << order;

	if (head & 1)	/* a tail: its head decided for it */
		return false;
	if ((level & LD_DL_FREE) && mm->private_.have && mm->mapcount.have &&
	    mm->buddy_value.have && !is_slab(mm, flags) &&
	    mapcount == (uint32_t)mm->buddy_value.v) {
		if (priv >= mm->free_orders) {
			w->bad_orders++;
			return false;
		}
		*npages = 1ull << priv;
		*c = LD_EXCL_FREE;
	} else if ((level & LD_DL_CACHE) && is_cache_page(mm, flags) &&
		   !test_flag(&mm->pg_private, flags) && !anon) {
		*c = LD_EXCL_CACHE;
	} else if ((level & LD_DL_CACHE_PRIVATE) && is_cache_page(mm, flags) &&
		   !anon) {
		*c = test_flag(&mm->pg_private, flags) ? LD_EXCL_CACHE_PRIVATE :
							  LD_EXCL_CACHE;
	} else if ((level & LD_DL_USER) &&
		   (anon || (mm->hugetlb_dtor.have &&
			     dtor == (uint64_t)mm->hugetlb_dtor.v))) {
		*c = LD_EXCL_USER;
	} else if (mm->pg_hwpoison.have && test_flag(&mm->pg_hwpoison, flags)) {
		*c = LD_EXCL_HWPOISON;
	} else if (mm->offline_value.have && !is_slab(mm, flags) &&
		   mapcount == (uint32_t)mm->offline_value.v) {
		*c = LD_EXCL_OFFLINE;
	} else {
		return false;
	}
	return true;
}

/* Read the struct pages of [pfn, pfn+n) (and one more if there is). */
static bool read_chunk(struct walk *w, uint64_t mem_map, uint64_t pfn0,
		       uint64_t pfn, uint64_t n, bool one_more)
{
	uint64_t sz = w->mm.size_page;
	struct ld_error *err;

	err = ld_guest_paging_read(&w->pg, mem_map + (pfn - pfn0) * sz, w->buf,
				   (n + one_more) * sz);
	if (err && one_more) {	/* the extra one may be what fails */
		ld_error_free(err);
		err = ld_guest_paging_read(&w->pg, mem_map + (pfn - pfn0) * sz,
					   w->buf, n * sz);
		memset(w->buf + n * sz, 0, sz);
	}
	if (err) {
		ld_error_free(err);
		return false;
	}
	w->f->struct_pages += n;
	return true;
}

/* Struct pages read at once when a bigger read fails (a hole in vmemmap). */
#define SMALL_CHUNK	64u

/*
 * Classify the pfns [c, c+n) of the section [start, end) whose struct
 * pages are at mem_map; *skip_to: the end of the last range left out.
 */
static void walk_chunk(struct walk *w, uint64_t mem_map, uint64_t start,
		       uint64_t end, uint64_t c, uint64_t n, uint64_t *skip_to)
{
	uint64_t sz = w->mm.size_page;
	bool one_more = c + n < end;

	if (*skip_to >= c + n)	/* all in a range already left out */
		return;
	if (!read_chunk(w, mem_map, start, c, n, one_more)) {
		if (n <= SMALL_CHUNK) {
			w->unread_pages += n;
			return;
		}
		for (uint64_t s = c; s < c + n; s += SMALL_CHUNK)
			walk_chunk(w, mem_map, start, end, s,
				   c + n - s < SMALL_CHUNK ? c + n - s :
				   SMALL_CHUNK, skip_to);
		return;
	}
	for (uint64_t i = 0; i < n; i++) {
		uint64_t pfn = c + i, npages;
		enum ld_excluded_class cls;
		const unsigned char *p = w->buf + i * sz;

		if (pfn < *skip_to || !pfn_in_ram(w, pfn))
			continue;
		if (!classify(w, pfn, p, i + 1 < n || one_more ? p + sz : NULL,
			      &cls, &npages))
			continue;
		exclude_range(w, pfn, pfn + npages, cls);
		*skip_to = pfn + npages;
	}
}

/* makedumpfile's __exclude_unnecessary_pages() on one section. */
static void walk_section(struct walk *w, uint64_t mem_map, uint64_t start,
			 uint64_t end)
{
	uint64_t skip_to = start;

	for (uint64_t c = start; c < end; c += CHUNK_PAGES)
		walk_chunk(w, mem_map, start, end, c,
			   end - c < CHUNK_PAGES ? end - c : CHUNK_PAGES,
			   &skip_to);
}

static void warn_results(struct walk *w)
{
	if (w->bad_orders)
		ld_warn(w->warnings,
			"dump level %u: %" PRIu64 " struct pages with an impossible order were kept",
			w->f->level, w->bad_orders);
	if (w->unread_pages)
		ld_warn(w->warnings,
			"dump level %u: the struct pages of %" PRIu64 " guest pages could not be read: those pages are kept",
			w->f->level, w->unread_pages);
}

/* --- the whole walk ------------------------------------------------------- */

static uint64_t max_pfn_of(const struct ld_memmap *map, unsigned int shift)
{
	const struct ld_block *last = &map->blocks[map->count - 1];

	return (last->gpa + last->size + (1ull << shift) - 1) >> shift;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The walk itself; a sentence says why pages could not be classified. */
static const char *walk_all(struct walk *w)
{
	struct ld_page_filter *f = w->f;
	uint64_t pps, nsec, *maps, top = 0;
	const char *why;
	struct ld_error *err;

	why = read_facts(w);
	if (why)
		return why;
	err = ld_guest_paging_init(w->in->arch, w->in->vmcoreinfo,
				   w->in->vmcoreinfo_len, w->in->ram, &w->pg);
	if (err) {
		snprintf(w->why, sizeof(w->why), "%s", err->message);
		ld_error_free(err);
		return w->why;
	}
	if ((f->level & LD_DL_FREE) && (!w->mm.private_.have ||
					 !w->mm.mapcount.have ||
					 !w->mm.buddy_value.have))
		ld_warn(w->warnings,
			"dump level %u: VMCOREINFO does not say how free pages are marked (PAGE_BUDDY_MAPCOUNT_VALUE, page._mapcount, page.private): free pages are kept",
			f->level);
	f->page_shift = w->mm.page_shift;
	f->max_pfn = max_pfn_of(w->in->map, f->page_shift);
	pps = 1ull << (w->mm.section_size_bits - w->mm.page_shift);
	nsec = (f->max_pfn + pps - 1) / pps;
	if (nsec > MAX_SECTIONS ||
	    nsec > 1ull << (w->mm.max_physmem_bits - w->mm.section_size_bits))
		return "more memory sections than the kernel can have";
	f->excluded = calloc((f->max_pfn + 63) / 64, 8);
	maps = calloc(nsec, sizeof(*maps));
	w->buf = malloc((CHUNK_PAGES + 1) * w->mm.size_page);
	if (!f->excluded || !maps || !w->buf) {
		free(maps);
		return "no memory for the page bitmap";
	}
	why = section_maps(w, maps, nsec);
	for (uint64_t nr = 0; !why && nr < nsec; nr++) {
		uint64_t s = nr * pps, e = s + pps < f->max_pfn ? s + pps :
					   f->max_pfn;

		if (maps[nr]) {
			walk_section(w, maps[nr], s, e);
			top = e;
		}
	}
	if (!why)
		exclude_range(w, top, f->max_pfn, LD_EXCL_NO_MEM_MAP);
	free(maps);
	return why;
}

struct ld_error *ld_page_filter_build(const struct ld_page_filter_input *in,
				      struct ld_page_filter *f,
				      struct ld_warnings *warnings)
{
	struct walk w = { .in = in, .f = f, .warnings = warnings };
	uint64_t t0 = now_ns();
	const char *why;

	memset(f, 0, sizeof(*f));
	f->level = in->level;
	f->page_shift = 12;
	if (in->level > LD_DL_MAX)
		return ld_error(LD_EXIT_USAGE,
				"dump level %u: the levels are 0 to 31", in->level);
	if (!ld_dump_level_walks(in->level))
		return NULL;
	if (!in->vmcoreinfo || !in->vmcoreinfo_len)
		return ld_error(LD_EXIT_FAILURE,
				"dump level %u needs the guest kernel's VMCOREINFO, which was not found (a Linux guest? -device vmcoreinfo helps)",
				in->level);
	if (in->arch->id != LD_ARCH_X86_64 && in->arch->id != LD_ARCH_AARCH64_LE &&
	    in->arch->id != LD_ARCH_AARCH64_BE)
		return ld_error(LD_EXIT_USAGE,
				"dump level %u: filtering is done for x86_64 and aarch64 guests only, not %s",
				in->level, in->arch->name);
	if (!in->map->count)
		return NULL;
	w.be = ld_arch_is_be(in->arch);
	why = walk_all(&w);
	if (why) {
		ld_warn(warnings,
			"dump level %u: the guest's pages cannot be classified (%s): every page is kept but zero pages",
			in->level, why);
		free(f->excluded);
		f->excluded = NULL;
		memset(f->count, 0, sizeof(f->count));
	} else {
		warn_results(&w);
	}
	free(w.buf);
	f->ns = now_ns() - t0;
	return NULL;
}

void ld_page_filter_mark(void *ctx, uint64_t gpa, size_t units,
			 unsigned char *marks)
{
	const struct ld_page_filter *f = ctx;

	for (size_t u = 0; u < units; u++)
		marks[u] = ld_page_filter_excludes(f, gpa + (uint64_t)u * 4096);
}

void ld_page_filter_free(struct ld_page_filter *f)
{
	if (!f)
		return;
	free(f->excluded);
	f->excluded = NULL;
}
