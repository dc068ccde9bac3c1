/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * report.h - what happened: the summary printed on stderr at the end and the
 * same facts as one JSON document (--report FILE).
 */
#ifndef QLD_REPORT_H
#define QLD_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "backtrace.h"
#include "error.h"
#include "memmap.h"
#include "pagefilter.h"
#include "warnings.h"

struct ld_report {
	pid_t pid;
	const char *arch;
	const char *arch_source;	/* "-a" or what QEMU's dump would do */
	const char *output;
	const char *report_path;	/* --report FILE, or NULL */
	const char *freeze_mode;	/* "meta" or "full" */
	char *freeze_priority;		/* the tool's while frozen, or NULL */
	char *layout_source;		/* "dwarf" or "profile <path> (...)" */
	char *layout_cached;		/* profile the run cached, or NULL */
	char *qemu_version;		/* from QEMU's binary */
	char *qemu_build_id;
	char *qemu_root;		/* QEMU's root when not ours */
	char *qemu_binary;		/* /proc/PID/exe */
	char *vm_name;			/* -name, or NULL */
	char *machine;			/* -machine type, or NULL */
	const char *format;		/* -f: "elf", "kdump-zstd"... */
	struct {
		bool present;		/* a kdump format was written */
		bool flattened;		/* makedumpfile's flat records */
		unsigned int threads;	/* compression threads */
		uint64_t pages, zero_pages, compressed_pages, raw_pages;
	} kdump;
	struct {
		unsigned int level;	/* -d */
		bool walked;		/* the guest's struct pages were read */
		uint64_t excluded[LD_EXCL_CLASSES];	/* pages, per class */
		uint64_t struct_pages;
		double walk_s;
	} dump_level;
	unsigned int elf_class;		/* 32 or 64, 0 before the headers */
	unsigned int elf_machine;	/* e_machine */
	const char *cpu_notes_source;	/* where the registers came from */
	struct ld_block *mem_blocks;	/* every block, copied (owned) */
	size_t nmem_blocks;
	const char *accel;		/* "kvm", "tcg" or "unknown" */
	uint64_t threads;		/* QEMU threads frozen */
	uint64_t freeze_us;		/* how long the VM was stopped */
	uint64_t debuginfo_us;		/* symbol + layout resolution */
	uint64_t blocks;
	uint64_t bytes_total;		/* guest bytes in the vmcore */
	uint64_t bytes_written;
	uint64_t bytes_hole;
	uint64_t vcpus;
	uint64_t skipped_ram_device;	/* regions left out, as QEMU does */
	uint64_t skipped_nonvolatile;
	bool vmcoreinfo;
	char *vmcoreinfo_source;
	double duration_s;		/* whole run */
	double copy_s;
	struct ld_warnings warnings;	/* every warning of the run */
	struct ld_backtraces backtraces;	/* --backtraces: owned */
	const char *error;		/* set when the run failed */
	int exit_code;
};

/* Every warning on f, one line each, and how many more were not kept. */
void ld_report_print_warnings(const struct ld_report *r, FILE *f);

/* Replace an owned string field with a copy of value (NULL clears it). */
void ld_report_set(char **field, const char *value);

/* Free what the report owns. */
void ld_report_free(struct ld_report *r);

/* Human summary, a few lines. */
void ld_report_print_summary(const struct ld_report *r, FILE *f);

/*
 * --backtraces, as text for people: one block per QEMU thread (tid, name,
 * frames), written 0600 and atomically to path.
 */
struct ld_error *ld_report_write_threads(const struct ld_report *r,
					 const char *path);

/* JSON document, written atomically to path. */
struct ld_error *ld_report_write_json(const struct ld_report *r,
				      const char *path);

#endif /* QLD_REPORT_H */
