/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * layout_source.h - where one live QEMU's layouts come from, decided before
 * the VM is touched:
 *
 *   --profile FILE                       (the user said so)
 *   DWARF in QEMU's binary itself
 *   a profile matching the build-id      (shipped, or cached by us)
 *   separate DWARF (build-id directory, .gnu_debuglink, debuginfod)
 *   a profile of the same QEMU version, then of the same series (10.0.x)
 *
 * After DWARF the layouts are cached as a profile for the build-id, so the
 * next capture needs neither DWARF nor the network.  A QEMU in a container
 * or chroot is reached through /proc/PID/exe and /proc/PID/root.
 */
#ifndef QLD_LAYOUT_SOURCE_H
#define QLD_LAYOUT_SOURCE_H

#include <stdbool.h>
#include <sys/types.h>

#include "debuginfo.h"
#include "error.h"
#include "layout.h"
#include "profile.h"
#include "warnings.h"

struct ld_layout_origin {
	char *source;		/* "dwarf", "profile PATH (build-id)", ... */
	bool dwarf;		/* from DWARF (else a profile) */
	/*
	 * Layouts of another build of the same series: every structure read
	 * must pass the strict checks or the dump is refused.
	 */
	bool other_build;
	char *cached;		/* profile stored in the cache, or NULL */
	const char *root;	/* QEMU's root if not ours ("/proc/PID/root") */
	struct ld_binary_id id;	/* QEMU's binary */
	struct ld_warnings *warn;	/* where resolving says what it warns */
	/* QEMU's debuginfo handle, when asked to keep it (else NULL). */
	struct ld_debuginfo *di;
	char root_buf[64];
};

/*
 * Resolve symbols and layouts of process pid; see above for the order.
 * Warnings (layouts not cached, another point release...) go to warn.
 * keep_debuginfo: leave the libdwfl handle open in origin->di for later
 * use (file:line of backtraces); ld_layout_origin_free closes it.
 */
struct ld_error *ld_layout_resolve(pid_t pid, const char *debuginfo_file,
				   const char *profile_file,
				   bool keep_debuginfo,
				   struct ld_layout *layout,
				   struct ld_layout_origin *origin,
				   struct ld_warnings *warn);

void ld_layout_origin_free(struct ld_layout_origin *origin);

/*
 * Where the layouts of process pid (binary id) would come from, in words,
 * without touching the VM or the network: for --list.
 */
void ld_layout_source_guess(pid_t pid, const struct ld_binary_id *id,
			    char *out, size_t len);

#endif /* QLD_LAYOUT_SOURCE_H */
