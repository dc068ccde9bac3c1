// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_profile.c - layout profiles: round trip, and refusal of every kind
 * of profile that does not fit or is not well formed.
 */
#include <criterion/criterion.h>
#include <stdio.h>
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
	.target = "x86_64", .host_arch = "x86_64", .build_id = "abcd",
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
