/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * format.h - the vmcore's container format: what goes around guest RAM.
 *
 * A format plans the layout from the snapshot (memory map, CPU notes,
 * VMCOREINFO), writes its headers, takes the pages the copier streams (as
 * an ld_page_sink), takes a VMCOREINFO note found during the copy, and
 * finishes the file.  Formats:
 *
 *   elf           ELF ET_CORE, what QEMU's dump-guest-memory writes by
 *                 default (format_elf.c, over elfcore.h)
 *   kdump-zlib    makedumpfile's diskdump format, pages compressed by a
 *   kdump-lzo     pool of threads (format_kdump.c, over kdump.h): the
 *   kdump-snappy  plain file on a regular file (QEMU's kdump-raw-*), the
 *   kdump-zstd    flattened stream on a pipe or with flatten (QEMU's
 *                 kdump-*)
 *
 * Adding a format means a file implementing struct ld_format_ops
 * (format_impl.h) and a line in format.c.
 */
#ifndef QLD_FORMAT_H
#define QLD_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "copier.h"
#include "cpu.h"
#include "error.h"
#include "memmap.h"
#include "output.h"
#include "pagefilter.h"
#include "reader.h"
#include "vmcoreinfo.h"
#include "warnings.h"

enum ld_format_id {
	LD_FORMAT_ELF,
	LD_FORMAT_KDUMP_ZLIB,
	LD_FORMAT_KDUMP_LZO,
	LD_FORMAT_KDUMP_SNAPPY,
	LD_FORMAT_KDUMP_ZSTD,
};

/* The format named name (as given to -f); false if there is none. */
bool ld_format_lookup(const char *name, enum ld_format_id *id);
const char *ld_format_name(enum ld_format_id id);
/* "elf, kdump-zlib, ...", for --help and messages. */
const char *ld_format_names(void);
bool ld_format_is_kdump(enum ld_format_id id);
/*
 * Whether the layout depends on the guest's VMCOREINFO, so that it must be
 * looked for before the headers (aarch64 kdump: the dump's block size is
 * the guest kernel's page size).
 */
bool ld_format_layout_needs_vmcoreinfo(enum ld_format_id id,
				       const struct ld_arch *arch);

struct ld_format_input {
	enum ld_format_id id;
	const struct ld_arch *arch;
	bool class64;			/* the arch's class widened (x86) */
	const struct ld_memmap *map;
	const struct ld_cpus *cpus;
	/* The VMCOREINFO note known before the copy (present or not). */
	const struct ld_vmcoreinfo *vmcoreinfo;
	/* Keep room for a VMCOREINFO note found during the copy. */
	bool vmcoreinfo_later;
	bool flatten;			/* kdump: flattened even into a file */
	unsigned int threads;		/* kdump: compressors, 0 one per CPU */
	const char *qemu_version;	/* "10.0.13", or NULL: unknown */
	/* The target, to read a little of guest RAM (NULL: nothing read). */
	const struct ld_reader *target;
	/*
	 * -d: makedumpfile's dump level.  kdump: the filter's pages are left
	 * out; zero pages share one descriptor with bit 1 (QEMU: always),
	 * are stored like the rest without.  ELF: the copier leaves the
	 * filter's pages as holes.
	 */
	unsigned int dump_level;
	const struct ld_page_filter *filter;	/* NULL: nothing left out */
	struct ld_warnings *warnings;	/* what ld_format_start warns of */
};

struct ld_format_stats {
	struct ld_write_stats write;	/* the vmcore's bytes: written, holes */
	/* kdump only */
	uint64_t pages, zero_pages, compressed_pages, raw_pages;
	unsigned int threads;
	bool flattened;
};

struct ld_format;

/*
 * Plan the layout and write the headers to out.  The input's buffers must
 * stay valid until ld_format_free.
 */
struct ld_error *ld_format_start(const struct ld_format_input *in,
				 struct ld_output *out,
				 struct ld_format **f);

/* Where the copier puts guest RAM (valid until ld_format_free). */
const struct ld_page_sink *ld_format_sink(struct ld_format *f);

/*
 * Block i's memory went away during the copy; the copier writes the rest
 * as zeros.  Returns true if the format will leave the block out of the
 * finished file (ELF on a file: PT_NULL); false if it stays as zeros.
 */
bool ld_format_drop_block(struct ld_format *f, size_t i);

/*
 * Finish the file: found is a VMCOREINFO note found during the copy
 * (NULL or not present: none).  A note that cannot be included is a
 * warning (and found is emptied), not an error.
 */
struct ld_error *ld_format_finish(struct ld_format *f,
				  struct ld_vmcoreinfo *found,
				  struct ld_warnings *warnings);

void ld_format_get_stats(const struct ld_format *f, struct ld_format_stats *st);

/* ELF class written (32 or 64); for kdump, that of its header structs. */
unsigned int ld_format_class(const struct ld_format *f);

void ld_format_free(struct ld_format *f);

#endif /* QLD_FORMAT_H */
