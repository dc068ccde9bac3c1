/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmcoreinfo.h - the guest kernel's VMCOREINFO note, as published to QEMU's
 * vmcoreinfo device (-device vmcoreinfo + the guest's fw_cfg driver).
 *
 * The device says where in guest RAM the note is; the note is read through
 * the guest memory map and validated (ELF note format, name "VMCOREINFO",
 * size within QEMU's 1 MiB limit, text with OSRELEASE= and PAGESIZE=).
 */
#ifndef QLD_VMCOREINFO_H
#define QLD_VMCOREINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "error.h"
#include "layout.h"
#include "memmap.h"
#include "reader.h"
#include "warnings.h"

#define LD_VMCOREINFO_MAX (1u << 20)
/*
 * Note capacity kept free in the vmcore for a note found during the copy:
 * Linux's note holds at most one guest page of text (VMCOREINFO_BYTES).
 */
#define LD_VMCOREINFO_RESERVE_DESC (64u * 1024)
/* Distinct notes remembered while scanning. */
#define LD_VMCOREINFO_MAX_CANDIDATES 8

struct ld_vmcoreinfo {
	bool present;
	char *desc;		/* note payload: "OSRELEASE=...\n..." */
	size_t descsz;
	uint32_t type;		/* n_type as the guest wrote it */
	char *source;		/* "vmcoreinfo device (vmcoreinfo_state)",
				   "... (fw_cfg etc/vmcoreinfo)" or "guest
				   RAM at ...": for the report */
};

/*
 * Read the device's note if there is a device and the guest filled it.
 * The device is found through vmcoreinfo_state where the layout has that
 * symbol, else through current_machine's fw_cfg file "etc/vmcoreinfo".
 * No device, or nothing published, is not an error (present = false);
 * a published note that fails validation, or a fw_cfg walk that does, is
 * a warning (to warn) and present = false.
 */
struct ld_error *ld_vmcoreinfo_from_device(const struct ld_layout *layout,
					   const struct ld_reader *rd,
					   const struct ld_memmap *map,
					   const struct ld_arch *arch,
					   struct ld_vmcoreinfo *out,
					   struct ld_warnings *warn);

/*
 * Parse a whole ELF note (header + name + desc) in guest byte order, as it
 * sits in guest RAM; true if it is a valid VMCOREINFO note.
 */
bool ld_vmcoreinfo_parse(const void *note, size_t len, bool big_endian,
			 struct ld_vmcoreinfo *out, char **why);

/*
 * Finding the kernel's own note in guest RAM, for guests without the
 * device.  Linux allocates its VMCOREINFO note page-aligned, so only the
 * start of each 4 KiB page is looked at.  The scan is fed the guest RAM the
 * copier streams (ld_vmcoreinfo_scan_inspect has the copier's inspect
 * signature), or, when the output is a pipe and the notes must be known
 * before the RAM is written, the heads of every page (prescan).
 *
 * The rule: every valid note found is remembered; if all of them have the
 * same text, it is used; if they differ (a stale note of a previous kernel,
 * say), none is used and a warning lists them.
 *
 * big_endian is the byte order tried first (the vmcore's); a note in the
 * other order is taken too, as the kernel's order can differ from the
 * vmcore's (a little-endian ppc64 kernel in QEMU 7.2's big-endian dump).
 */
struct ld_vmcoreinfo_scan;

struct ld_vmcoreinfo_scan *ld_vmcoreinfo_scan_new(bool big_endian);
void ld_vmcoreinfo_scan_inspect(void *scan, uint64_t gpa, const void *data,
				size_t len);
/* Page heads (ok[i]: readable) for the prescan. */
typedef size_t (*ld_head_reader)(void *ctx, const uint64_t *addrs, size_t n,
				 size_t head_len, void *heads, bool *ok);
/* Whether a note's text describes the kernel the vCPUs run. */
typedef bool (*ld_vmcoreinfo_confirm)(void *ctx, const char *desc,
				      size_t len);

struct ld_prescan_source {
	const struct ld_reader *rd;	/* note bodies */
	ld_head_reader read_heads;
	void *heads_ctx;
	/*
	 * NULL: every page is looked at.  Else the scan stops at the first
	 * note confirm() takes for the running kernel's, and that note is
	 * used whatever other notes were seen before it.  The bottom of each
	 * block is looked at first, where Linux allocates its note early in
	 * boot (the start of its highest zone).
	 */
	ld_vmcoreinfo_confirm confirm;
	void *confirm_ctx;
};

struct ld_error *ld_vmcoreinfo_prescan(struct ld_vmcoreinfo_scan *scan,
				       const struct ld_memmap *map,
				       const struct ld_prescan_source *src);
/* The note chosen by the rule (present = false if none); warnings to warn. */
void ld_vmcoreinfo_scan_result(struct ld_vmcoreinfo_scan *scan,
			       struct ld_vmcoreinfo *out,
			       struct ld_warnings *warn);
void ld_vmcoreinfo_scan_free(struct ld_vmcoreinfo_scan *scan);

void ld_vmcoreinfo_free(struct ld_vmcoreinfo *vmci);

#endif /* QLD_VMCOREINFO_H */
