// SPDX-License-Identifier: GPL-2.0-or-later
/* layout_source.c - where a live QEMU's layouts come from; see layout_source.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debuginfo.h"
#include "layout_source.h"

static struct ld_error *set_source(struct ld_layout_origin *o,
				   const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static struct ld_error *set_source(struct ld_layout_origin *o,
				   const char *fmt, ...)
{
	va_list ap;
	int n;

	free(o->source);
	va_start(ap, fmt);
	n = vasprintf(&o->source, fmt, ap);
	va_end(ap);
	if (n < 0) {
		o->source = NULL;
		return &ld_error_nomem;
	}
	return NULL;
}

/* Symbols from QEMU's binary, member layouts from its DWARF; then cache. */
static struct ld_error *from_dwarf(struct ld_debuginfo *di,
				   struct ld_layout *layout,
				   struct ld_layout_origin *o)
{
	struct ld_error *err = ld_debuginfo_resolve(di, true, layout);

	if (err)
		return err;
	o->dwarf = true;
	err = ld_profile_cache_store(&o->id, layout, &o->cached);
	if (err) {
		/* The dump does not depend on the cache. */
		ld_warn(o->warn, "layouts not cached: %s", err->message);
		ld_error_free(err);
	}
	return set_source(o, "dwarf");
}

static void copy_fields(struct ld_layout *dst, const struct ld_layout *src)
{
	memcpy(dst->offset, src->offset, sizeof(dst->offset));
	memcpy(dst->size, src->size, sizeof(dst->size));
	memcpy(dst->have, src->have, sizeof(dst->have));
}

/* Member layouts from a profile (symbols are already in layout). */
static struct ld_error *from_profile(const struct ld_profile *prof,
				     const char *how, struct ld_layout *layout,
				     struct ld_layout_origin *o)
{
	char have[24], want[24];

	copy_fields(layout, &prof->layout);
	if (!strcmp(how, "build-id") ||
	    ld_same_qemu_version(prof->id.version, o->id.version))
		return set_source(o, "profile %s (%s)", prof->path, how);
	/* Another point release: only as good as the checks it passes. */
	o->other_build = true;
	snprintf(have, sizeof(have), "%.*s", (int)strcspn(prof->id.version, " "),
		 prof->id.version);
	snprintf(want, sizeof(want), "%.*s", (int)strcspn(o->id.version, " "),
		 o->id.version);
	ld_warn(o->warn, "using the layouts of QEMU %s for QEMU %s (same series, another point release): validated strictly",
		    have, want);
	return set_source(o, "profile %s (layouts from the %s profile, validated against %s)",
			  prof->path, have, want);
}

/* The binary as QEMU runs it: /proc/PID/exe works across namespaces. */
static struct ld_error *identify(pid_t pid, struct ld_layout_origin *o)
{
	char exe[64], name[4096];
	ssize_t n;

	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
	n = readlink(exe, name, sizeof(name) - 1);
	name[n > 0 ? n : 0] = '\0';
	return ld_binary_identify(exe, name, &o->id);
}

static struct ld_error *with_profile_file(const char *path,
					  struct ld_layout *layout,
					  struct ld_layout_origin *o)
{
	struct ld_profile prof = { 0 };
	struct ld_error *err = ld_profile_read(path, &prof);

	if (!err)
		err = ld_profile_check_series(&prof, &o->id);
	if (!err)
		err = from_profile(&prof, "named with --profile", layout, o);
	ld_profile_free(&prof);
	return err;
}

/* By the build-id only, or (late) by version and series too. */
static struct ld_error *with_found_profile(struct ld_debuginfo *di,
					   bool by_build_id_only,
					   struct ld_layout *layout,
					   struct ld_layout_origin *o,
					   bool *found)
{
	struct ld_profile prof = { 0 };
	const char *how;
	struct ld_error *err;

	err = ld_profile_find(&o->id, by_build_id_only, &prof, &how);
	*found = !err;
	if (err && by_build_id_only) {
		ld_error_free(err);
		return NULL;
	}
	if (!err && by_build_id_only) {
		/*
		 * The profile is all we need: symbols come from the binary's
		 * own tables, without asking debuginfod (the network) for
		 * DWARF we will not use.
		 */
		ld_debuginfo_no_search(di);
		err = ld_debuginfo_resolve(di, false, layout);
	}
	if (!err) {
		err = from_profile(&prof, how, layout, o);
		if (!err && !strcmp(how, "version"))
			ld_warn(o->warn, "%s", "layout profile matched by QEMU version, not build-id: every structure read is validated");
	}
	ld_profile_free(&prof);
	return err;
}

static struct ld_error *resolve(struct ld_debuginfo *di,
				const char *debuginfo_file,
				const char *profile_file,
				struct ld_layout *layout,
				struct ld_layout_origin *o)
{
	struct ld_error *err;
	bool found;

	if (profile_file) {
		/* Symbols first: a process that is not QEMU is told so. */
		err = ld_debuginfo_resolve(di, false, layout);
		return err ? err : with_profile_file(profile_file, layout, o);
	}
	if (debuginfo_file || ld_debuginfo_has_own_dwarf(di)) {
		if (!ld_debuginfo_has_dwarf(di))
			return ld_error(LD_EXIT_DEBUGINFO,
					"%s has no DWARF for QEMU's binary",
					debuginfo_file);
		return from_dwarf(di, layout, o);
	}
	err = with_found_profile(di, true, layout, o, &found);
	if (err || found)
		return err;
	err = ld_debuginfo_resolve(di, false, layout);
	if (err)
		return err;
	/* Separate debuginfo: local, or debuginfod (network) when set up. */
	if (ld_debuginfo_has_dwarf(di))
		return from_dwarf(di, layout, o);
	return with_found_profile(di, false, layout, o, &found);
}

struct ld_error *ld_layout_resolve(pid_t pid, const char *debuginfo_file,
				   const char *profile_file,
				   bool keep_debuginfo,
				   struct ld_layout *layout,
				   struct ld_layout_origin *o,
				   struct ld_warnings *warn)
{
	struct ld_debuginfo *di = NULL;
	struct ld_error *err;

	memset(o, 0, sizeof(*o));
	o->warn = warn;
	err = ld_debuginfo_open_pid(pid, debuginfo_file, &di);
	if (err)
		return err;
	if (ld_debuginfo_root(di)) {
		snprintf(o->root_buf, sizeof(o->root_buf), "%s",
			 ld_debuginfo_root(di));
		o->root = o->root_buf;
	}
	err = identify(pid, o);
	if (!err)
		err = resolve(di, debuginfo_file, profile_file, layout, o);
	if (!err && keep_debuginfo)
		o->di = di;
	else
		ld_debuginfo_close(di);
	return err;
}

void ld_layout_origin_free(struct ld_layout_origin *o)
{
	free(o->source);
	free(o->cached);
	ld_debuginfo_close(o->di);
	memset(o, 0, sizeof(*o));
}

void ld_layout_source_guess(pid_t pid, const struct ld_binary_id *id,
			    char *out, size_t len)
{
	struct ld_debuginfo *di = NULL;
	struct ld_profile prof = { 0 };
	struct ld_error *err;
	const char *how;

	err = ld_debuginfo_open_pid(pid, NULL, &di);
	if (err) {
		snprintf(out, len, "? (%s)", err->message);
		ld_error_free(err);
		return;
	}
	if (ld_debuginfo_has_own_dwarf(di))
		snprintf(out, len, "dwarf");
	else if (!(err = ld_profile_find(id, false, &prof, &how)))
		snprintf(out, len, "profile %s (%s)", prof.path, how);
	else
		snprintf(out, len, "no profile: needs separate debuginfo or debuginfod");
	ld_error_free(err);
	ld_profile_free(&prof);
	ld_debuginfo_close(di);
}
