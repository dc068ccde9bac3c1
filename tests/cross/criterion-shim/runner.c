// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * runner.c - main() for unit tests built against the Criterion shim
 * (criterion/criterion.h says why and what it keeps of Criterion).
 *
 *   test_x [--filter GLOB] [--exclude GLOB]...   (GLOB: suite/name)
 *
 * CR_SHIM_EXCLUDE (space-separated GLOBs) excludes too: tests/cross/run
 * names there the tests that need what qemu-user lacks (ptrace).
 * CR_SHIM_TIMEOUT (seconds, default 600) bounds a test without .timeout.
 */
#define _GNU_SOURCE	/* gettid */
#include <fnmatch.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "criterion/criterion.h"

enum { EXIT_PASS = 0, EXIT_FAIL = 1, EXIT_SKIP = 77 };

static struct cr_shim_test *tests;
static struct cr_shim_suite *suites;
static bool expect_failed;
static sigjmp_buf end_of_test;
static bool in_test;

void cr_shim_register_test(struct cr_shim_test *t)
{
	t->next = tests;
	tests = t;
}

void cr_shim_register_suite(struct cr_shim_suite *s)
{
	s->next = suites;
	suites = s;
}

void cr_shim_failed(bool fatal, const char *file, int line, const char *expr,
		    const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "[----] %s:%d: %s\n[----]   %s is false.", file, line,
		fatal ? "Assertion Failed" : "Expectation Failed", expr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	expect_failed = true;
	if (fatal) {
		/* Only the test's own thread may jump back into the runner. */
		if (in_test && gettid() == getpid())
			siglongjmp(end_of_test, 1);
		fflush(NULL);
		_exit(EXIT_FAIL);	/* in .init, .fini or another thread */
	}
}

void cr_shim_skip(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "[SKIP]");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(NULL);
	_exit(EXIT_SKIP);
}

void cr_shim_log(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "[----] ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static struct cr_shim_suite *suite_of(const struct cr_shim_test *t)
{
	for (struct cr_shim_suite *s = suites; s; s = s->next)
		if (!strcmp(s->name, t->suite))
			return s;
	return NULL;
}

/* The child: what Criterion's worker does for one test. */
static void __attribute__((noreturn)) run_child(const struct cr_shim_test *t,
						const struct cr_shim_suite *s)
{
	if (s && s->init)
		s->init();
	if (t->init)
		t->init();
	in_test = true;
	if (!sigsetjmp(end_of_test, 0))
		t->fn();
	in_test = false;
	if (t->fini)
		t->fini();
	if (s && s->fini)
		s->fini();
	fflush(NULL);
	_exit(expect_failed ? EXIT_FAIL : EXIT_PASS);
}

static bool matches(const char *id, char **globs, int nglobs)
{
	for (int i = 0; i < nglobs; i++)
		if (!fnmatch(globs[i], id, 0))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	char *filters[64], *excludes[256], *env_excl = NULL;
	int nfilters = 0, nexcludes = 0;
	unsigned int tested = 0, passing = 0, failing = 0, crashing = 0,
		     skipped = 0;
	const char *deftimeout = getenv("CR_SHIM_TIMEOUT");
	struct cr_shim_test *ordered = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--filter") && i + 1 < argc &&
		    nfilters < 64)
			filters[nfilters++] = argv[++i];
		else if (!strcmp(argv[i], "--exclude") && i + 1 < argc &&
			 nexcludes < 256)
			excludes[nexcludes++] = argv[++i];
		else {
			fprintf(stderr, "usage: %s [--filter GLOB] [--exclude GLOB]...\n",
				argv[0]);
			return 2;
		}
	}
	if (getenv("CR_SHIM_EXCLUDE")) {
		env_excl = strdup(getenv("CR_SHIM_EXCLUDE"));
		for (char *tok = strtok(env_excl, " \t\n"); tok && nexcludes < 256;
		     tok = strtok(NULL, " \t\n"))
			excludes[nexcludes++] = tok;
	}
	/* Registration order is reversed: put the tests back in file order. */
	while (tests) {
		struct cr_shim_test *t = tests;

		tests = t->next;
		t->next = ordered;
		ordered = t;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (struct cr_shim_test *t = ordered; t; t = t->next) {
		struct cr_shim_suite *s = suite_of(t);
		double timeout = t->timeout ? t->timeout : s && s->timeout ?
				 s->timeout : deftimeout ? atof(deftimeout) : 600;
		struct timespec t0, t1;
		char id[256];
		int status;
		pid_t pid;

		snprintf(id, sizeof(id), "%s/%s", t->suite, t->name);
		if ((nfilters && !matches(id, filters, nfilters)) ||
		    matches(id, excludes, nexcludes) || t->disabled ||
		    (s && s->disabled)) {
			printf("[SKIP] %s::%s: excluded\n", t->suite, t->name);
			skipped++;
			continue;
		}
		fflush(NULL);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			alarm((unsigned int)timeout + 1);
			signal(SIGALRM, SIG_DFL);
			run_child(t, s);
		}
		while (waitpid(pid, &status, 0) < 0)
			;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_SKIP) {
			printf("[SKIP] %s::%s\n", t->suite, t->name);
			skipped++;
			continue;
		}
		tested++;
		if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_PASS) {
			printf("[PASS] %s::%s: (%.2fs)\n", t->suite, t->name, secs);
			passing++;
		} else if (WIFSIGNALED(status)) {
			printf("[FAIL] %s::%s: %s (%.2fs)\n", t->suite, t->name,
			       WTERMSIG(status) == SIGALRM ? "Timed out" :
			       strsignal(WTERMSIG(status)), secs);
			crashing++;
		} else {
			printf("[FAIL] %s::%s: (%.2fs)\n", t->suite, t->name, secs);
			failing++;
		}
	}
	printf("[====] Synthesis: Tested: %u | Passing: %u | Failing: %u | Crashing: %u | Skipped: %u\n",
	       tested, passing, failing, crashing, skipped);
	free(env_excl);
	return failing || crashing ? 1 : 0;
}
