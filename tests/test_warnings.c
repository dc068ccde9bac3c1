// SPDX-License-Identifier: GPL-2.0-or-later
/* test_warnings.c - the one warnings sink: nothing is lost silently. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "warnings.h"

Test(warnings, kept_in_order)
{
	struct ld_warnings w = { 0 };

	ld_warn(&w, "first %d", 1);
	ld_warn(&w, "%s", "second");
	cr_assert_eq(w.count, 2);
	cr_expect_str_eq(w.text[0], "first 1");
	cr_expect_str_eq(w.text[1], "second");
	cr_expect_eq(w.dropped, 0);
	ld_warnings_free(&w);
	cr_expect_eq(w.count, 0);
}

Test(warnings, beyond_the_limit_counted_not_lost)
{
	struct ld_warnings w = { 0 };

	/* a hostile QEMU could make thousands: bounded, and said */
	for (int i = 0; i < LD_WARNINGS_MAX + 10; i++)
		ld_warn(&w, "warning %d", i);
	cr_expect_eq(w.count, LD_WARNINGS_MAX);
	cr_expect_eq(w.dropped, 10);
	cr_expect_str_eq(w.text[LD_WARNINGS_MAX - 1], "warning 255");
	ld_warnings_free(&w);
}

Test(warnings, moved_from_one_sink_to_another)
{
	struct ld_warnings run = { 0 }, snap = { 0 };

	ld_warn(&run, "resolving");
	ld_warn(&snap, "reading the vCPUs");
	snap.dropped = 3;
	ld_warnings_move(&run, &snap);
	cr_assert_eq(run.count, 2);
	cr_expect_str_eq(run.text[1], "reading the vCPUs");
	cr_expect_eq(run.dropped, 3);
	cr_expect_eq(snap.count, 0);
	cr_expect_null(snap.text);
	ld_warnings_free(&run);
}

Test(warnings, null_sink_drops_on_purpose)
{
	ld_warn(NULL, "nobody listens %d", 1);	/* must not crash */
}
