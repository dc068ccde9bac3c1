/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * helpers.h - small shared helpers for the Criterion tests.
 *
 * Tests run with QLD_BUILDDIR and QLD_SRCDIR (absolute) in the environment
 * (set by `make check`; when run by hand they default to ".").
 */
#ifndef QLD_TEST_HELPERS_H
#define QLD_TEST_HELPERS_H

#include <stdint.h>
#include <sys/types.h>

/*
 * QLD_BUILDDIR "/" rel (rel itself if absolute), malloc'd (aborts on
 * ENOMEM).  Free it.
 */
char *qld_test_path(const char *rel);

/* A running fake QEMU (tests/fixtures/fake_qemu.c). */
struct qld_fixture {
	pid_t pid;
	int in_fd;		/* its stdin: closing it makes it exit */
	int out_fd;		/* its stdout, after the ready line */
	uint64_t heartbeat;	/* &fake_heartbeat[0] in the fixture */
	uint64_t token;		/* pattern token (see fixtures/pattern.h) */
	uint64_t as;		/* &address_space_memory in the fixture */
};

/*
 * Start binary_rel (relative to QLD_BUILDDIR, e.g. "tests/fake-qemu-a", or
 * absolute)
 * with the NULL-terminated extra_args (may be NULL), and wait up to 10 s
 * for its ready line.  Returns 0, or -1 with a message on stderr (the
 * child is then already stopped and reaped).
 */
int qld_fixture_start(struct qld_fixture *fx, const char *binary_rel,
		      const char *const *extra_args);

/*
 * Stop it: close its stdin, SIGTERM, wait (SIGKILL after 5 s).  Returns
 * its wait status, or -1 if it could not be reaped.  Safe to call twice.
 */
int qld_fixture_stop(struct qld_fixture *fx);

#endif /* QLD_TEST_HELPERS_H */
