// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_profile.c - layout profiles: round trip, and refusal of every kind
 * of profile that does not fit or is not well formed.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "profile.h"

static char path[] = "/tmp/qld-profile-XXXXXX";

static void full_layout(struct ld_layout *l)
{
	memset(l, 0, sizeof(*l));
	for (int f = 0; f < LF_COUNT; f++) {
		l->offset[f] = 8 * f;
		/* Enumerators: the value in offset, no size. */
		l->size[f] = ld_field_descs[f].kind == LK_ENUMERATOR ? 0 : 8;
		l->have[f] = !ld_field_descs[f].optional || f % 2;
	}
}

static const struct ld_binary_id qemu72 = {
	.version = "7.2.22 (Debian 1:7.2+dfsg-7+deb12u18)",
	.target = "x86_64", .host_arch = "x86_64", .host_byte_order = "little",
	.build_id = "abcd",
};

static void setup(void)
{
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	close(fd);
}

static void teardown(void)
{
	unlink(path);
	strcpy(path, "/tmp/qld-profile-XXXXXX");
}

TestSuite(profile, .init = setup, .fini = teardown);

Test(profile, round_trip)
{
	static const char *const extra[] = { "beef", NULL };
	struct ld_layout l;
	struct ld_profile p;
	struct ld_error *err;

	full_layout(&l);
	cr_assert_null(ld_profile_write(path, &qemu72, extra, &l));
	err = ld_profile_read(path, &p);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_expect_str_eq(p.id.version, qemu72.version);
	cr_expect_str_eq(p.id.target, "x86_64");
	cr_expect_str_eq(p.id.host_arch, "x86_64");
	cr_expect_str_eq(p.id.host_byte_order, "little");
	cr_expect_eq(p.nbuild_ids, 2);
	cr_expect_str_eq(p.build_ids[1], "beef");
	for (int f = 0; f < LF_COUNT; f++) {
		cr_expect_eq(p.layout.have[f], l.have[f], "%s", ld_field_descs[f].key);
		if (l.have[f]) {
			cr_expect_eq(p.layout.offset[f], l.offset[f]);
			cr_expect_eq(p.layout.size[f], l.size[f]);
		}
	}
	ld_profile_free(&p);
}

Test(profile, matching_rules)
{
	struct ld_layout l;
	struct ld_profile p;
	struct ld_binary_id id = qemu72;
	struct ld_error *err;

	full_layout(&l);
	cr_assert_null(ld_profile_write(path, &qemu72, NULL, &l));
	cr_assert_null(ld_profile_read(path, &p));

	/* Another package build of the same QEMU version fits. */
	snprintf(id.version, sizeof(id.version), "7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)");
	snprintf(id.build_id, sizeof(id.build_id), "ffff");
	cr_expect_null(ld_profile_check(&p, &id));

	snprintf(id.version, sizeof(id.version), "8.0.0");
	err = ld_profile_check(&p, &id);
	cr_assert_not_null(err);
	cr_expect_eq(err->code, LD_EXIT_DEBUGINFO);
	cr_expect(strstr(err->message, "is for QEMU 7.2.22"), "%s", err->message);
	ld_error_free(err);

	/* ... unless its build-id is listed. */
	snprintf(id.build_id, sizeof(id.build_id), "abcd");
	cr_expect_null(ld_profile_check(&p, &id));

	id = qemu72;
	snprintf(id.target, sizeof(id.target), "aarch64");
	err = ld_profile_check(&p, &id);
	cr_assert_not_null(err);
	cr_expect(strstr(err->message, "is for target x86_64"), "%s", err->message);
	ld_error_free(err);

	id = qemu72;
	snprintf(id.host_arch, sizeof(id.host_arch), "aarch64");
	err = ld_profile_check(&p, &id);
	cr_assert_not_null(err);
	cr_expect(strstr(err->message, "is for host x86_64"), "%s", err->message);
	ld_error_free(err);
	ld_profile_free(&p);

	cr_expect(ld_same_qemu_version("7.2.22", "7.2.22 (Debian x)"));
	cr_expect_not(ld_same_qemu_version("7.2.2", "7.2.22"));
	cr_expect_not(ld_same_qemu_version("", ""));
}

static void expect_bad(const char *text, const char *needle)
{
	struct ld_profile p;
	struct ld_error *err;
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	err = ld_profile_read(path, &p);
	cr_assert_not_null(err, "accepted: %s", text);
	cr_expect_eq(err->code, LD_EXIT_DEBUGINFO);
	cr_expect(strstr(err->message, needle), "'%s' lacks '%s'", err->message,
		  needle);
	ld_error_free(err);
}

Test(profile, malformed_profiles_are_refused)
{
	expect_bad("", "not a qemu-livedump profile");
	expect_bad("field FlatView.nr 32 4\n", "not a qemu-livedump profile");
	expect_bad("qemu-livedump-profile 2\n", "profile format 2");
	expect_bad("qemu-livedump-profile 1\nfrobnicate yes\n", "unknown key 'frobnicate'");
	expect_bad("qemu-livedump-profile 1\nfield Nope.x 1 1\n", "unknown field Nope.x");
	expect_bad("qemu-livedump-profile 1\nfield FlatView.nr 32\n", "malformed field");
	expect_bad("qemu-livedump-profile 1\nfield FlatView.nr 99999999 4\n", "implausible");
	expect_bad("qemu-livedump-profile 1\nfield FlatView.nr 32 0\n", "implausible");
	expect_bad("qemu-livedump-profile 1\nfield FlatView.nr 32 4\n", "missing");
	expect_bad("qemu-livedump-profile 1\nnospace\n", "malformed line");
	expect_bad("qemu-livedump-profile 1\nhost-byte-order middle\n",
		   "host-byte-order middle");

	char *longline = malloc(2000);
	cr_assert_not_null(longline);
	memset(longline, 'x', 1999);
	longline[1999] = '\0';
	char text[2100];
	snprintf(text, sizeof(text), "qemu-livedump-profile 1\n%s\n", longline);
	expect_bad(text, "line too long");
	free(longline);
}

Test(profile, missing_file)
{
	struct ld_profile p;
	struct ld_error *err = ld_profile_read("/nonexistent/x.profile", &p);

	cr_assert_not_null(err);
	cr_expect(strstr(err->message, "/nonexistent/x.profile"), "%s", err->message);
	ld_error_free(err);
}

/* A profile whose text is that of a full one, with lines edited. */
static void write_edited(const char *drop_prefix, const char *add_line)
{
	struct ld_layout l;
	char *text = NULL, line[512];
	size_t len = 0;
	FILE *in, *out;

	full_layout(&l);
	cr_assert_null(ld_profile_write(path, &qemu72, NULL, &l));
	in = fopen(path, "r");
	out = open_memstream(&text, &len);
	cr_assert(in && out);
	while (fgets(line, sizeof(line), in)) {
		if (drop_prefix && !strncmp(line, drop_prefix, strlen(drop_prefix)))
			continue;
		fputs(line, out);
		if (add_line && !strncmp(line, "host-arch ", 10))
			fprintf(out, "%s\n", add_line);
	}
	fclose(in);
	fclose(out);
	out = fopen(path, "w");
	cr_assert_not_null(out);
	fputs(text, out);
	fclose(out);
	free(text);
}

/*
 * QEMU keeps its structures in its host's byte order and word size: a
 * profile for another host never fits, whatever else matches (here even
 * the build-id).
 */
Test(profile, profile_for_another_host_is_refused)
{
	static const struct { const char *arch, *order; } hosts[] = {
		{ "s390x", "big" }, { "ppc64", "little" }, { "ppc64", "big" },
		{ "x86_64", "big" }, { "aarch64", "little" },
	};
	struct ld_layout l;
	struct ld_profile p;
	struct ld_binary_id id;
	struct ld_error *err;

	full_layout(&l);
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		id = qemu72;
		snprintf(id.host_arch, sizeof(id.host_arch), "%s", hosts[i].arch);
		snprintf(id.host_byte_order, sizeof(id.host_byte_order), "%s",
			 hosts[i].order);
		cr_assert_null(ld_profile_write(path, &id, NULL, &l));
		err = ld_profile_read(path, &p);
		cr_assert_null(err, "%s", err ? err->message : "");
		cr_expect_str_eq(p.id.host_byte_order, hosts[i].order);

		/* The x86_64 little-endian QEMU of the same build-id. */
		err = ld_profile_check(&p, &qemu72);
		cr_assert_not_null(err, "%s/%s accepted", hosts[i].arch,
				   hosts[i].order);
		cr_expect_eq(err->code, LD_EXIT_DEBUGINFO);
		cr_expect(strstr(err->message, "x86_64 (little-endian)"), "%s",
			  err->message);
		cr_expect(strstr(err->message, hosts[i].order), "%s", err->message);
		ld_error_free(err);
		err = ld_profile_check_series(&p, &qemu72);
		cr_expect_not_null(err);
		ld_error_free(err);
		ld_profile_free(&p);
	}

	/* ppc64 and ppc64le are one ELF machine: the byte order tells them apart. */
	id = qemu72;
	snprintf(id.host_arch, sizeof(id.host_arch), "ppc64");
	snprintf(id.host_byte_order, sizeof(id.host_byte_order), "little");
	cr_assert_null(ld_profile_write(path, &id, NULL, &l));
	cr_assert_null(ld_profile_read(path, &p));
	cr_expect_null(ld_profile_check(&p, &id));
	snprintf(id.host_byte_order, sizeof(id.host_byte_order), "big");
	err = ld_profile_check(&p, &id);
	cr_assert_not_null(err);
	cr_expect(strstr(err->message, "is for host ppc64 (little-endian)"), "%s",
		  err->message);
	ld_error_free(err);
	ld_profile_free(&p);
}

/* Found by build-id in the profile directories: still not for another host. */
Test(profile, find_skips_profiles_of_other_hosts)
{
	char dir[] = "/tmp/qld-profile-dir-XXXXXX", *file = NULL;
	struct ld_binary_id s390 = qemu72, id = qemu72;
	struct ld_layout l;
	struct ld_profile p;
	struct ld_error *err;
	const char *how;

	cr_assert_not_null(mkdtemp(dir));
	cr_assert_geq(asprintf(&file, "%s/s390x.profile", dir), 0);
	snprintf(s390.host_arch, sizeof(s390.host_arch), "s390x");
	snprintf(s390.host_byte_order, sizeof(s390.host_byte_order), "big");
	snprintf(s390.build_id, sizeof(s390.build_id), "feedf00d");
	full_layout(&l);
	cr_assert_null(ld_profile_write(file, &s390, NULL, &l));
	setenv("QEMU_LIVEDUMP_PROFILE_CACHE", dir, 1);

	cr_expect_null(ld_profile_find(&s390, true, &p, &how));
	ld_profile_free(&p);
	snprintf(id.build_id, sizeof(id.build_id), "feedf00d");
	err = ld_profile_find(&id, true, &p, &how);
	cr_assert_not_null(err, "an s390x profile was taken for x86_64");
	cr_expect(strstr(err->message, "host x86_64 little-endian"), "%s",
		  err->message);
	ld_error_free(err);

	unlink(file);
	rmdir(dir);
	free(file);
}

Test(profile, profile_without_host_byte_order_is_refused)
{
	struct ld_profile p;
	struct ld_error *err;

	/* As every profile before the line was added. */
	write_edited("host-byte-order ", NULL);
	err = ld_profile_read(path, &p);
	cr_assert_not_null(err);
	cr_expect_eq(err->code, LD_EXIT_DEBUGINFO);
	cr_expect(strstr(err->message, "no host-byte-order line"), "%s",
		  err->message);
	ld_error_free(err);

	write_edited("host-arch ", NULL);
	err = ld_profile_read(path, &p);
	cr_assert_not_null(err);
	cr_expect(strstr(err->message, "no host-arch line"), "%s", err->message);
	ld_error_free(err);
}

/* The cache replaces a profile it cannot read rather than keep it forever. */
Test(profile, cache_replaces_an_unreadable_profile)
{
	char dir[] = "/tmp/qld-profile-cache-XXXXXX", *file = NULL, *stored = NULL;
	struct ld_layout l;
	struct ld_profile p;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	setenv("QEMU_LIVEDUMP_PROFILE_CACHE", dir, 1);
	cr_assert_geq(asprintf(&file, "%s/%s.profile", dir, qemu72.build_id), 0);
	f = fopen(file, "w");
	cr_assert_not_null(f);
	fputs("qemu-livedump-profile 1\nhost-arch x86_64\n", f);	/* old, short */
	fclose(f);
	full_layout(&l);
	cr_assert_null(ld_profile_cache_store(&qemu72, &l, &stored));
	cr_assert_not_null(stored);
	cr_expect_str_eq(stored, file);
	cr_assert_null(ld_profile_read(file, &p));
	cr_expect_str_eq(p.id.host_byte_order, "little");
	ld_profile_free(&p);
	free(stored);
	/* A good one stays. */
	cr_assert_null(ld_profile_cache_store(&qemu72, &l, &stored));
	cr_expect_null(stored);

	unlink(file);
	rmdir(dir);
	free(file);
}

/* A binary's host is its ELF header's: this test program's is this host's. */
Test(profile, identify_reads_machine_and_byte_order)
{
	struct ld_binary_id id;
	struct ld_error *err = ld_binary_identify("/proc/self/exe", "test_profile", &id);

	cr_assert_null(err, "%s", err ? err->message : "");
	cr_expect_str_eq(id.host_byte_order,
			 __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? "big" : "little");
#if defined(__x86_64__)
	cr_expect_str_eq(id.host_arch, "x86_64");
#elif defined(__s390x__)
	cr_expect_str_eq(id.host_arch, "s390x");
#elif defined(__powerpc64__)
	cr_expect_str_eq(id.host_arch, "ppc64");
#elif defined(__aarch64__)
	cr_expect_str_eq(id.host_arch, "aarch64");
#endif
}
