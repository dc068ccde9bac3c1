/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * profile.h - layout profiles: the struct layouts of one QEMU build, taken
 * from DWARF where it exists and used where it does not (distribution
 * binaries are stripped).  A profile is a small text file:
 *
 *   qemu-livedump-profile 1
 *   qemu-version 7.2.15 (Debian 1:7.2+dfsg-7+deb12u18)
 *   target x86_64
 *   host-arch x86_64
 *   host-byte-order little
 *   build-id <hex>            (one or more: builds it is known to fit)
 *   field FlatRange.addr.start 16 16      (key, offset, size)
 *
 * A binary is identified by its build-id, QEMU version string, target and
 * host (the machine and byte order of its ELF file: QEMU keeps its
 * structures in its host's byte order, ppc64 and ppc64le share a machine,
 * and the word size follows from the machine); a profile is chosen by
 * build-id first, then by version + target + host, then by release series
 * (10.0.x) + target + host: the last only under stricter validation
 * (layouts rarely change inside a series, but only checking shows they did
 * not).  A profile for another host is never used, whatever else matches.
 *
 * Profiles live in the installed directory, the source tree's profiles/
 * and a cache the tool fills itself after every DWARF resolution.
 */
#ifndef QLD_PROFILE_H
#define QLD_PROFILE_H

#include <stdbool.h>
#include <stdio.h>

#include "error.h"
#include "layout.h"

#define LD_PROFILE_MAX_BUILD_IDS 16

struct ld_binary_id {
	char version[128];	/* "7.2.15 (Debian 1:7.2+dfsg-7+deb12u18)" or "" */
	char target[32];	/* "x86_64", from qemu-system-TARGET */
	char host_arch[16];	/* the binary's own machine: "x86_64" */
	char host_byte_order[8];	/* its byte order: "little" or "big" */
	char build_id[96];	/* hex, or "" */
};

struct ld_profile {
	struct ld_binary_id id;		/* build_id: the first one */
	char build_ids[LD_PROFILE_MAX_BUILD_IDS][96];
	unsigned int nbuild_ids;
	struct ld_layout layout;	/* fields only */
	char *path;
};

/*
 * Identify a QEMU binary.  path is read (use /proc/PID/exe for a live
 * process: it works even if the file was replaced); name is the file name
 * the target is taken from (may equal path).
 */
struct ld_error *ld_binary_identify(const char *path, const char *name,
				    struct ld_binary_id *id);

/* Write layout's fields and id (+ extra build-ids) to path, atomically. */
struct ld_error *ld_profile_write(const char *path,
				  const struct ld_binary_id *id,
				  const char *const *extra_build_ids,
				  const struct ld_layout *layout);

/* Read and check a profile (all required fields present, sizes sane). */
struct ld_error *ld_profile_read(const char *path, struct ld_profile *p);

/* Same QEMU version number, ignoring the package suffix. */
bool ld_same_qemu_version(const char *a, const char *b);

/* Same release series: "10.0.13" and "10.0.14 (Debian ...)". */
bool ld_same_qemu_series(const char *a, const char *b);

/* Refuse a profile that does not fit the binary, naming what differs. */
struct ld_error *ld_profile_check(const struct ld_profile *p,
				  const struct ld_binary_id *id);

/* The same, accepting another point release of the same series. */
struct ld_error *ld_profile_check_series(const struct ld_profile *p,
					 const struct ld_binary_id *id);

/*
 * Find the profile for id in the profile directories (installed, the
 * source tree's, the cache).  *how says how it matched ("build-id",
 * "version", "series").  by_build_id_only: try nothing else.
 */
struct ld_error *ld_profile_find(const struct ld_binary_id *id,
				 bool by_build_id_only,
				 struct ld_profile *p, const char **how);

/* Where the tool caches the profiles it makes (NULL: nowhere). */
const char *ld_profile_cache_dir(void);

/*
 * Store layout as the cached profile of id's build-id unless one is there;
 * *stored is the new file's path (malloc'd) or NULL.
 */
struct ld_error *ld_profile_cache_store(const struct ld_binary_id *id,
					const struct ld_layout *layout,
					char **stored);

/* Print every profile found, one line each. */
struct ld_error *ld_profile_list(FILE *f);

/* The profile directories searched, NULL-terminated. */
const char *const *ld_profile_dirs(void);

void ld_profile_free(struct ld_profile *p);

#endif /* QLD_PROFILE_H */
