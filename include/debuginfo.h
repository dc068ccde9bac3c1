/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * debuginfo.h - symbols and struct layouts from DWARF, through libdwfl.
 *
 * Opens either a live process (its main executable as mapped, so symbol
 * addresses come out as run-time addresses) or a binary on disk (addresses
 * as linked, for --write-profile).  Separate debuginfo is found the usual
 * way (build-id, .gnu_debuglink, debuginfod where libdw has it) unless a
 * file is named explicitly.  All of this runs before the target is frozen.
 */
#ifndef QLD_DEBUGINFO_H
#define QLD_DEBUGINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "layout.h"

struct ld_debuginfo;

/* Open the main executable of a live process.  debuginfo_file may be NULL. */
struct ld_error *ld_debuginfo_open_pid(pid_t pid, const char *debuginfo_file,
				       struct ld_debuginfo **out);

/* Open a binary on disk.  debuginfo_file may be NULL. */
struct ld_error *ld_debuginfo_open_file(const char *binary,
					const char *debuginfo_file,
					struct ld_debuginfo **out);

/*
 * True when the module has DWARF (else only ELF symbols are available).
 * This searches for separate debuginfo, through debuginfod too when
 * DEBUGINFOD_URLS is set: it may take a while the first time.
 */
bool ld_debuginfo_has_dwarf(struct ld_debuginfo *di);

/*
 * From now on look for no separate debuginfo (no debuginfod query): the
 * layouts come from elsewhere, the binary's own symbol tables suffice.
 */
void ld_debuginfo_no_search(struct ld_debuginfo *di);

/* True when the executable itself carries DWARF (no search needed). */
bool ld_debuginfo_has_own_dwarf(struct ld_debuginfo *di);

/*
 * "/proc/PID/root" when QEMU runs in another root (container, chroot):
 * its files are reached through it.  NULL when QEMU's root is ours.
 */
const char *ld_debuginfo_root(struct ld_debuginfo *di);

/* The executable's path as QEMU sees it. */
const char *ld_debuginfo_path(struct ld_debuginfo *di);

/* Hex build-id of the main executable, or NULL if it has none. */
const char *ld_debuginfo_build_id(struct ld_debuginfo *di);

/*
 * Fill layout: every symbol of ld_symbol_descs that can be found (from the
 * symbol tables, .dynsym included, or DWARF for function-statics) and, when
 * the module has DWARF, every field of ld_field_descs.  A required symbol or
 * (with DWARF) a required field that is missing is an error naming it.
 * With want_fields false only symbols are resolved (stripped binaries).
 */
struct ld_error *ld_debuginfo_resolve(struct ld_debuginfo *di,
				      bool want_fields,
				      struct ld_layout *layout);

/*
 * Source file (its base name and the directory above it) and line of a
 * run-time address in the main executable; false without DWARF for it.
 */
bool ld_debuginfo_source_line(struct ld_debuginfo *di, uint64_t addr,
			      char *file, size_t len, unsigned int *line);

void ld_debuginfo_close(struct ld_debuginfo *di);

#endif /* QLD_DEBUGINFO_H */
