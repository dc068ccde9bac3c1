/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pagefilter.h - the dump level (-d): which guest pages to leave out,
 * decided as makedumpfile 1.7 decides them, from the guest kernel's own
 * struct pages.
 *
 * Dump level bits (makedumpfile's): 1 zero pages, 2 non-private cache,
 * 4 private cache, 8 user data, 16 free pages.  Zero pages are found by
 * the format while it writes (their contents); the rest here, before the
 * copy: VMCOREINFO gives mem_section, struct page's size and members and
 * the PG_* numbers, the kernel's page tables (guestpaging.h) map its
 * virtual addresses, and every struct page of guest RAM is read in large
 * batches and classified.  Whenever struct pages are walked, hwpoisoned
 * and offline (ballooned, unplugged) pages are left out too, and so is
 * guest RAM above the kernel's last memory section, as makedumpfile does.
 *
 * Everything read is guest memory, so untrusted: values are bounded, and
 * what does not make sense is a warning and the pages concerned are kept.
 * A live guest changes while its struct pages are read: with
 * --freeze=meta the classification is as of the walk, not of the copy.
 */
#ifndef QLD_PAGEFILTER_H
#define QLD_PAGEFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "error.h"
#include "guestlinux.h"
#include "memmap.h"
#include "warnings.h"

enum {
	LD_DL_ZERO = 1,
	LD_DL_CACHE = 2,
	LD_DL_CACHE_PRIVATE = 4,
	LD_DL_USER = 8,
	LD_DL_FREE = 16,
	LD_DL_MAX = 31,
};

/* Why a page was left out; the report counts each. */
enum ld_excluded_class {
	LD_EXCL_ZERO,
	LD_EXCL_CACHE,
	LD_EXCL_CACHE_PRIVATE,
	LD_EXCL_USER,
	LD_EXCL_FREE,
	LD_EXCL_HWPOISON,
	LD_EXCL_OFFLINE,
	/*
	 * Above the last memory section the kernel has a memory map for
	 * (x86's firmware ROM below 4 GiB, RAM the kernel was told not to
	 * use): makedumpfile's max_mapnr ends there.
	 */
	LD_EXCL_NO_MEM_MAP,
	LD_EXCL_CLASSES
};

/* "zero", "cache", "cache_private", "user", "free", "hwpoison", "offline",
 * "no_mem_map" */
const char *ld_excluded_class_name(enum ld_excluded_class c);

/* Whether level needs the guest's struct pages (any bit but zero pages). */
static inline bool ld_dump_level_walks(unsigned int level)
{
	return (level & ~(unsigned int)LD_DL_ZERO) != 0;
}

struct ld_page_filter {
	unsigned int level;
	unsigned int page_shift;	/* the guest kernel's page size */
	uint64_t max_pfn;		/* bits in excluded */
	uint64_t *excluded;		/* a bit per pfn: left out; NULL: none */
	uint64_t count[LD_EXCL_CLASSES];	/* pages left out, per class */
	uint64_t struct_pages;		/* struct pages read */
	uint64_t ns;			/* time the walk took */
};

struct ld_page_filter_input {
	const struct ld_arch *arch;
	unsigned int level;
	const char *vmcoreinfo;		/* the guest's note's text */
	size_t vmcoreinfo_len;
	const struct ld_memmap *map;	/* guest RAM */
	const struct ld_guest_ram *ram;
};

/*
 * Classify the pages of in->map by in->level into f (ld_page_filter_free
 * it).  An error only for what the user must hear of before anything is
 * written (no VMCOREINFO, an arch not done, no memory); a guest whose
 * bookkeeping cannot be read or makes no sense gives warnings and keeps
 * the pages concerned (all of them if nothing can be read).
 */
struct ld_error *ld_page_filter_build(const struct ld_page_filter_input *in,
				      struct ld_page_filter *f,
				      struct ld_warnings *warnings);

/* Whether the page holding gpa is left out. */
static inline bool ld_page_filter_excludes(const struct ld_page_filter *f,
					   uint64_t gpa)
{
	uint64_t pfn;

	if (!f || !f->excluded)
		return false;
	pfn = gpa >> f->page_shift;
	return pfn < f->max_pfn && (f->excluded[pfn / 64] >> (pfn % 64) & 1);
}

/*
 * The copier's leave_out hook (ctx: the filter): marks[u] for each of
 * the units 4 KiB units from gpa that lies in a page left out.
 */
void ld_page_filter_mark(void *ctx, uint64_t gpa, size_t units,
			 unsigned char *marks);

void ld_page_filter_free(struct ld_page_filter *f);

#endif /* QLD_PAGEFILTER_H */
