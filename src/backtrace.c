// SPDX-License-Identifier: GPL-2.0-or-later
/* backtrace.c - QEMU's threads' stacks for incident reports; see backtrace.h. */
#include <libunwind-ptrace.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

	memset(out, 0, sizeof(*out));
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
		unwind_one(as, t);
	}
	unw_destroy_addr_space(as);
	return NULL;
}

void ld_backtraces_free(struct ld_backtraces *bt)
{
	free(bt->threads);
	memset(bt, 0, sizeof(*bt));
}
