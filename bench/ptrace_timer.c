// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ptrace_timer.c - LD_PRELOAD shim for bench/run: measures how long the tool
 * kept QEMU stopped, from its first PTRACE_INTERRUPT (a seized thread runs
 * on: the interrupt is what stops it) to its last successful PTRACE_DETACH,
 * without touching the tool.  Writes the nanoseconds to the
 * file named by $QLD_PTRACE_TIMER at exit.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t first_interrupt, last_detach;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Same prototype as glibc's; the requests the tool uses need no wrapper. */
long ptrace(enum __ptrace_request req, ...)
{
	va_list ap;
	pid_t pid;
	void *addr, *data;
	long r;

	va_start(ap, req);
	pid = va_arg(ap, pid_t);
	addr = va_arg(ap, void *);
	data = va_arg(ap, void *);
	va_end(ap);
	if (req == PTRACE_INTERRUPT && !first_interrupt)
		first_interrupt = now_ns();
	r = syscall(SYS_ptrace, req, pid, addr, data);
	if (req == PTRACE_DETACH && r == 0)
		last_detach = now_ns();
	return r;
}

__attribute__((destructor)) static void report(void)
{
	const char *path = getenv("QLD_PTRACE_TIMER");
	FILE *f;

	if (!path || !first_interrupt || last_detach < first_interrupt)
		return;
	f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "%llu\n", (unsigned long long)(last_detach - first_interrupt));
	fclose(f);
}
