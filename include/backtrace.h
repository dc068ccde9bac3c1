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

#include "debuginfo.h"
#include "error.h"
#include "proc.h"

#define LD_BT_MAX_FRAMES 48

struct ld_frame {
	uint64_t ip;
	uint64_t offset;	/* from the start of sym */
	char sym[96];		/* "" when unknown */
	char file[128];		/* source file, "" without DWARF */
	unsigned int line;
};

struct ld_thread_trace {
	pid_t tid;
	char name[16];		/* /proc/PID/task/TID/comm */
	char state;		/* scheduler state just before the freeze
				   (R, S, D...), '?' when unknown */
	long syscall;		/* syscall it was in when stopped, -1: none
				   (running user code), -2: unknown */
	unsigned int nframes;
	struct ld_frame frames[LD_BT_MAX_FRAMES];
	char error[96];		/* why unwinding stopped early, or "" */
};

struct ld_backtraces {
	struct ld_thread_trace *threads;
	size_t count;
	/* from ld_backtrace_sample_states() */
	struct ld_thread_state {
		pid_t tid;
		char state;
	} *states;
	size_t nstates;
};

/*
 * Before the freeze: note each thread's scheduler state (frozen, every
 * thread is in tracing stop).  The states go to the next
 * ld_backtrace_threads() of the same out.
 */
void ld_backtrace_sample_states(pid_t pid, struct ld_backtraces *out);

/* Unwind every thread of a frozen proc. */
struct ld_error *ld_backtrace_threads(const struct ld_proc *proc,
				      struct ld_backtraces *out);

/*
 * After the thaw: source file and line of every frame in the main
 * executable, where di has DWARF for it.
 */
void ld_backtrace_add_source(struct ld_backtraces *bt, struct ld_debuginfo *di);

/* "sleeping", "running"... for a /proc state letter. */
const char *ld_backtrace_state_name(char state);

/* "futex", "ppoll"... for a syscall number, or NULL if not known here. */
const char *ld_backtrace_syscall_name(long nr);

void ld_backtraces_free(struct ld_backtraces *bt);

#endif /* QLD_BACKTRACE_H */
