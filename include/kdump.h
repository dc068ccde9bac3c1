/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdump.h - the diskdump ("compressed kdump") vmcore writer: what QEMU's
 * dump-guest-memory writes as kdump-{zlib,lzo,snappy} (makedumpfile's
 * flattened stream) and kdump-raw-* (the plain file), plus zstd.
 *
 * Plain file layout (bs = block_size = the dump page size):
 *
 *   0        disk_dump_header (32- or 64-bit layout)
 *   bs       kdump_sub_header | ELF notes (CPU notes, VMCOREINFO note)
 *            [| room for a VMCOREINFO note found later]
 *   bs*(1+S) bitmap 1 | bitmap 2 (max_mapnr bits each, whole blocks):
 *            the pages that exist | the pages dumped (QEMU: the same)
 *   ...      page descriptors, one per dumped page in ascending pfn
 *   ...      the one zero page every zero page's descriptor shares,
 *            then every other page's data (compressed if smaller)
 *
 * Header fields are in the target's byte order.  The bytes and, for the
 * flattened form, the records are the ones QEMU writes for the same
 * inputs; see docs in the report for where they cannot be.
 *
 * Pages are compressed by a pool of threads, written in page order by the
 * caller's thread.  Memory: per thread two slots, each the worst-case
 * compressed size of LD_KDUMP_SLICE input bytes (at least one page), plus
 * that thread's compressor state (zlib's ~270 KiB at most); besides, two
 * 4-page write caches and the notes.  The caller's batch is read in
 * place, never copied, and not kept after ld_kdump_pages returns.
 */
#ifndef QLD_KDUMP_H
#define QLD_KDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "compress.h"
#include "error.h"
#include "guestlinux.h"

/* Desc bytes a caller typically keeps room for: one guest page of text. */
#define LD_KDUMP_VMCOREINFO_RESERVE (64u * 1024)
/* Most VMCOREINFO text accepted (QEMU's MAX_GUEST_NOTE_SIZE). */
#define LD_KDUMP_VMCOREINFO_MAX (1u << 20)
/* Input bytes one worker compresses per hand-off. */
#define LD_KDUMP_SLICE (256u * 1024)

/*
 * Where the bytes go: len bytes at file offset off.  Plain form: any
 * order (the sub-header is rewritten at the end); the file's unwritten
 * parts must read as zeros (a sparse file).  Flattened form: off is the
 * stream position, always increasing by len.
 */
struct ld_kdump_sink {
	struct ld_error *(*write)(void *ctx, const void *buf, size_t len,
				  uint64_t off);
	void *ctx;
};

/* Guest-physical [start, end), dump-page aligned, sorted, disjoint. */
struct ld_kdump_range {
	uint64_t start, end;
};

struct ld_kdump_params {
	const struct ld_arch *arch;	/* byte order of header fields */
	bool class64;			/* QEMU's 64-bit header structs */
	enum ld_kdump_compress compress;
	bool flattened;			/* makedumpfile's flat records */
	/* Dump page size = block_size; 0: ld_kdump_page_size(arch). */
	uint32_t page_size;
	/* utsname.machine; NULL: ld_kdump_uname_machine(arch). */
	const char *machine;
	/*
	 * The whole utsname (the guest kernel's, as makedumpfile writes it;
	 * libkdumpfile learns the arch only from a complete one), or NULL:
	 * QEMU's, machine only.
	 */
	const struct ld_utsname *uts;
	const struct ld_kdump_range *ranges;
	size_t nranges;
	uint32_t nr_cpus;
	/* ELF notes in the target's class and byte order, no VMCOREINFO. */
	const void *notes;
	size_t notes_len;
	/* VMCOREINFO text (the note's desc), or NULL. */
	const void *vmcoreinfo;
	size_t vmcoreinfo_len;
	/*
	 * Without vmcoreinfo: desc bytes kept free for one found during the
	 * copy (LD_KDUMP_VMCOREINFO_RESERVE); 0 keeps none, which is what
	 * QEMU writes without a vmcoreinfo device.
	 */
	size_t vmcoreinfo_reserve;
	uint64_t phys_base;		/* see ld_kdump_qemu_phys_base */
	unsigned int threads;		/* 0: one per online CPU */
	/*
	 * makedumpfile's dump level: pages left out are a bit per dump page
	 * (pfn) below excluded_pages, set for a page not to dump (NULL:
	 * none); zero_as_data (level without bit 1) compresses zero pages
	 * like any other instead of pointing them all at the one zero page
	 * (makedumpfile and QEMU both do that at level 1).  dump_level is
	 * the sub-header's field (QEMU's: 1).
	 */
	const uint64_t *excluded;
	uint64_t excluded_pages;
	bool zero_as_data;
	unsigned int dump_level;
};

struct ld_kdump_stats {
	uint64_t pages;		/* pages handed in so far */
	uint64_t zero_pages;	/* sharing the zero page */
	uint64_t excluded;	/* left out by the excluded bitmap */
	uint64_t compressed_pages;
	uint64_t raw_pages;	/* stored as is: compression did not help */
	uint64_t bytes_out;	/* handed to the sink, flat records included */
	unsigned int threads;
};

struct ld_kdump;

/* QEMU's dump page size for arch (target/<arch>/arch_dump.c). */
uint32_t ld_kdump_page_size(const struct ld_arch *arch);

/*
 * Whether the dump page size had better be the guest kernel's: QEMU
 * writes 64 KiB blocks for every aarch64 guest ("aarch64 max pagesize"),
 * which libkdumpfile, and drgn through it, misreads for a kernel with 4 KiB
 * pages (it believes VMCOREINFO's PAGESIZE); makedumpfile writes the
 * kernel's page size.
 */
bool ld_kdump_page_size_from_guest(const struct ld_arch *arch);

/*
 * The dump page size for arch and the guest's VMCOREINFO text (NULL:
 * none): its PAGESIZE (4 to 64 KiB) where that is to be preferred, else
 * QEMU's.
 */
uint32_t ld_kdump_guest_page_size(const struct ld_arch *arch,
				  const char *vmcoreinfo, size_t len);

/* QEMU 7's utsname.machine for arch (ELF_MACHINE_UNAME, else "Unknown"). */
const char *ld_kdump_uname_machine(const struct ld_arch *arch);

/*
 * The same as the QEMU of version qemu_version ("10.0.13"; NULL: unknown)
 * writes it: only QEMU 7 and older name the x86 machine.
 */
const char *ld_kdump_qemu_uname_machine(const struct ld_arch *arch,
					const char *qemu_version);

/*
 * The sub-header phys_base QEMU writes: arch_dump.c's guess from the RAM
 * blocks, then the VMCOREINFO line dump.c looks for (vmcoreinfo may be
 * NULL).
 */
uint64_t ld_kdump_qemu_phys_base(const struct ld_arch *arch,
				 const struct ld_kdump_range *ranges,
				 size_t nranges, const char *vmcoreinfo,
				 size_t len);

/*
 * Validate p, write everything up to the page data (headers, notes,
 * bitmaps) and start the compression threads.  p's buffers are copied.
 */
struct ld_error *ld_kdump_start(const struct ld_kdump_params *p,
				struct ld_kdump_sink sink,
				struct ld_kdump **out);

/*
 * Guest RAM [gpa, gpa+len): whole pages, continuing exactly where the
 * previous call ended (the next range's start once a range is done); a
 * batch may span ranges only where they touch.  data NULL: all zero.
 * Returns once every page is written; data is not kept.
 */
struct ld_error *ld_kdump_pages(struct ld_kdump *k, uint64_t gpa,
				const void *data, size_t len);

/*
 * The same, with known_zero (NULL: none) saying per page which ones are
 * known to be all zero (pages the guest never touched, not read): their
 * bytes in data are not looked at.
 */
struct ld_error *ld_kdump_pages_hinted(struct ld_kdump *k, uint64_t gpa,
				       const void *data, size_t len,
				       const uint8_t *known_zero);

/*
 * VMCOREINFO found during the copy.  Ignored when one was given at start;
 * an error when it does not fit the room kept (the file stays valid,
 * without it).  Written by ld_kdump_finish.
 */
struct ld_error *ld_kdump_set_vmcoreinfo(struct ld_kdump *k, const void *text,
					 size_t len);

/* Change the header's utsname (before finish: the header is rewritten). */
void ld_kdump_set_utsname(struct ld_kdump *k, const struct ld_utsname *uts);

/* Change the sub-header's phys_base (before finish). */
void ld_kdump_set_phys_base(struct ld_kdump *k, uint64_t phys_base);

/*
 * Flush the caches, write a late VMCOREINFO and the final sub-header, and
 * the flattened end marker.  An error if pages are missing.
 */
struct ld_error *ld_kdump_finish(struct ld_kdump *k);

void ld_kdump_get_stats(const struct ld_kdump *k, struct ld_kdump_stats *st);

void ld_kdump_free(struct ld_kdump *k);

#endif /* QLD_KDUMP_H */
