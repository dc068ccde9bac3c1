/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * backtrace.h - backtraces of QEMU's own threads for incident reports
 * (--backtraces), taken with libunwind-ptrace while the threads are frozen.
 *
 * Unwinding only reads the target (PTRACE_PEEK*, GETREGS); it costs freeze
 * time (about a millisecond a thread), so it runs only when asked.
 */
#ifndef QLD_BACKTRACE_H
#define QLD_BACKTRACE_H

#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "proc.h"

#define LD_BT_MAX_FRAMES 48

struct ld_frame {
	uint64_t ip;
	uint64_t offset;	/* from the start of sym */
	char sym[96];		/* "" when unknown */
};

struct ld_thread_trace {
	pid_t tid;
	char name[16];		/* /proc/PID/task/TID/comm */
	unsigned int nframes;
	struct ld_frame frames[LD_BT_MAX_FRAMES];
	char error[96];		/* why unwinding stopped early, or "" */
};

struct ld_backtraces {
	struct ld_thread_trace *threads;
	size_t count;
};

/* Unwind every thread of a frozen proc. */
struct ld_error *ld_backtrace_threads(const struct ld_proc *proc,
				      struct ld_backtraces *out);

void ld_backtraces_free(struct ld_backtraces *bt);

#endif /* QLD_BACKTRACE_H */
