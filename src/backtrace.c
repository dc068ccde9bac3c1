// SPDX-License-Identifier: GPL-2.0-or-later
/* backtrace.c - QEMU's threads' stacks for incident reports; see backtrace.h. */
#include <dirent.h>
#include <libunwind-ptrace.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "backtrace.h"

static void thread_name(pid_t pid, pid_t tid, char *name, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", (int)pid, (int)tid);
	name[0] = '\0';
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(name, (int)len, f))
		name[strcspn(name, "\n")] = '\0';
	fclose(f);
	ld_make_printable(name);
}

/*
 * While ptrace-stopped, /proc/PID/task/TID/syscall still shows the system
 * call the thread was in ("-1 ..." when it was running user code).
 */
static long read_syscall(pid_t pid, pid_t tid)
{
	char path[64], buf[64];
	long nr;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", (int)pid, (int)tid);
	f = fopen(path, "re");
	if (!f)
		return -2;
	if (!fgets(buf, sizeof(buf), f) || sscanf(buf, "%ld", &nr) != 1)
		nr = -2;	/* "running": not stopped after all */
	fclose(f);
	return nr < -1 ? -2 : nr;
}

void ld_backtrace_sample_states(pid_t pid, struct ld_backtraces *out)
{
	char path[64];
	struct dirent *de;
	size_t cap = 0;
	DIR *d;

	free(out->states);
	out->states = NULL;
	out->nstates = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return;
	/* Bounded like the freeze's own thread listing. */
	while ((de = readdir(d)) && out->nstates < 65536) {
		int tid = atoi(de->d_name);

		if (tid <= 0)
			continue;
		if (out->nstates == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			struct ld_thread_state *n =
				realloc(out->states, ncap * sizeof(*n));

			if (!n)
				break;
			out->states = n;
			cap = ncap;
		}
		out->states[out->nstates].tid = tid;
		out->states[out->nstates].state = ld_task_state(pid, tid);
		out->nstates++;
	}
	closedir(d);
}

static char sampled_state(const struct ld_backtraces *bt, pid_t tid)
{
	for (size_t i = 0; i < bt->nstates; i++)
		if (bt->states[i].tid == tid)
			return bt->states[i].state ? bt->states[i].state : '?';
	return '?';	/* born between the sample and the freeze */
}

const char *ld_backtrace_state_name(char state)
{
	switch (state) {
	case 'R': return "running";
	case 'S': return "sleeping";
	case 'D': return "uninterruptible wait";
	case 'T': return "stopped";
	case 't': return "traced";
	case 'Z': return "zombie";
	case 'I': return "idle";
	default: return "unknown";
	}
}

const char *ld_backtrace_syscall_name(long nr)
{
	/* The calls QEMU's threads sit in; numbers are this host's. */
	static const struct { long nr; const char *name; } calls[] = {
#ifdef SYS_futex
		{ SYS_futex, "futex" },
#endif
#ifdef SYS_ppoll
		{ SYS_ppoll, "ppoll" },
#endif
#ifdef SYS_poll
		{ SYS_poll, "poll" },
#endif
#ifdef SYS_ioctl
		{ SYS_ioctl, "ioctl" },
#endif
#ifdef SYS_read
		{ SYS_read, "read" },
#endif
#ifdef SYS_write
		{ SYS_write, "write" },
#endif
#ifdef SYS_epoll_wait
		{ SYS_epoll_wait, "epoll_wait" },
#endif
#ifdef SYS_epoll_pwait
		{ SYS_epoll_pwait, "epoll_pwait" },
#endif
#ifdef SYS_io_uring_enter
		{ SYS_io_uring_enter, "io_uring_enter" },
#endif
#ifdef SYS_io_getevents
		{ SYS_io_getevents, "io_getevents" },
#endif
#ifdef SYS_nanosleep
		{ SYS_nanosleep, "nanosleep" },
#endif
#ifdef SYS_clock_nanosleep
		{ SYS_clock_nanosleep, "clock_nanosleep" },
#endif
#ifdef SYS_rt_sigtimedwait
		{ SYS_rt_sigtimedwait, "rt_sigtimedwait" },
#endif
#ifdef SYS_pselect6
		{ SYS_pselect6, "pselect6" },
#endif
#ifdef SYS_select
		{ SYS_select, "select" },
#endif
#ifdef SYS_preadv
		{ SYS_preadv, "preadv" },
#endif
#ifdef SYS_pwritev
		{ SYS_pwritev, "pwritev" },
#endif
#ifdef SYS_recvmsg
		{ SYS_recvmsg, "recvmsg" },
#endif
#ifdef SYS_sendmsg
		{ SYS_sendmsg, "sendmsg" },
#endif
#ifdef SYS_wait4
		{ SYS_wait4, "wait4" },
#endif
	};

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (calls[i].nr == nr)
			return calls[i].name;
	return NULL;
}

static void unwind_one(unw_addr_space_t as, struct ld_thread_trace *t)
{
	unw_cursor_t cursor;
	void *upt = _UPT_create(t->tid);
	int rc;

	if (!upt) {
		snprintf(t->error, sizeof(t->error), "out of memory");
		return;
	}
	rc = unw_init_remote(&cursor, as, upt);
	if (rc < 0) {
		snprintf(t->error, sizeof(t->error), "unw_init_remote: %s",
			 unw_strerror(rc));
		goto out;
	}
	/* Bounded: a corrupt stack must not keep the VM frozen. */
	while (t->nframes < LD_BT_MAX_FRAMES) {
		struct ld_frame *f = &t->frames[t->nframes];
		unw_word_t ip = 0, off = 0;

		if (unw_get_reg(&cursor, UNW_REG_IP, &ip) < 0 || !ip)
			break;
		f->ip = ip;
		if (unw_get_proc_name(&cursor, f->sym, sizeof(f->sym), &off) == 0) {
			f->offset = off;
			ld_make_printable(f->sym);
		} else {
			f->sym[0] = '\0';
		}
		t->nframes++;
		rc = unw_step(&cursor);
		if (rc <= 0) {
			if (rc < 0)
				snprintf(t->error, sizeof(t->error), "unw_step: %s",
					 unw_strerror(rc));
			break;
		}
	}
out:
	_UPT_destroy(upt);
}

struct ld_error *ld_backtrace_threads(const struct ld_proc *proc,
				      struct ld_backtraces *out)
{
	unw_addr_space_t as;

	free(out->threads);
	out->threads = NULL;
	out->count = 0;
	if (!proc->frozen)
		return ld_error(LD_EXIT_FAILURE, "backtraces need the threads frozen");
	out->threads = calloc(proc->ntids ? proc->ntids : 1, sizeof(*out->threads));
	if (!out->threads)
		return &ld_error_nomem;
	as = unw_create_addr_space(&_UPT_accessors, 0);
	if (!as) {
		free(out->threads);
		out->threads = NULL;
		return ld_error(LD_EXIT_FAILURE, "libunwind: cannot create an address space");
	}
	unw_set_caching_policy(as, UNW_CACHE_GLOBAL);
	for (size_t i = 0; i < proc->ntids; i++) {
		struct ld_thread_trace *t = &out->threads[out->count++];

		t->tid = proc->tids[i];
		thread_name(proc->pid, t->tid, t->name, sizeof(t->name));
		t->state = sampled_state(out, t->tid);
		t->syscall = read_syscall(proc->pid, t->tid);
		unwind_one(as, t);
	}
	unw_destroy_addr_space(as);
	return NULL;
}

void ld_backtrace_add_source(struct ld_backtraces *bt, struct ld_debuginfo *di)
{
	for (size_t i = 0; i < bt->count; i++) {
		struct ld_thread_trace *t = &bt->threads[i];

		for (unsigned int j = 0; j < t->nframes; j++) {
			struct ld_frame *f = &t->frames[j];
			/* a return address points after the call */
			uint64_t pc = j ? f->ip - 1 : f->ip;

			if (ld_debuginfo_source_line(di, pc, f->file,
						     sizeof(f->file), &f->line))
				ld_make_printable(f->file);
		}
	}
}

void ld_backtraces_free(struct ld_backtraces *bt)
{
	free(bt->threads);
	free(bt->states);
	memset(bt, 0, sizeof(*bt));
}
