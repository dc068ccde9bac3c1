/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proc.h - process control: attach to the QEMU process, freeze and release
 * all of its threads with ptrace, read its memory with process_vm_readv.
 *
 * Never writes to the target.  Uses PTRACE_SEIZE + PTRACE_INTERRUPT so that
 * if this tool dies for any reason (even SIGKILL) the kernel detaches and the
 * threads run on.  ld_proc_release_all_async() may be called from a signal
 * handler.
 */
#ifndef QLD_PROC_H
#define QLD_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "error.h"
#include "reader.h"
#include "untouched.h"

enum ld_boost_mode {
	/*
	 * Only when the host has no idle CPU: on an idle host a real-time
	 * tool delays the very threads it waits for by tens of microseconds
	 * (docs/PERFORMANCE.md), on a busy one it saves milliseconds.
	 */
	LD_BOOST_AUTO,
	LD_BOOST_ALWAYS,
	LD_BOOST_NEVER,
};

struct ld_proc {
	pid_t pid;
	pid_t *tids;		/* seized threads */
	size_t ntids, cap;
	bool frozen;
	uint64_t frozen_at_ns;	/* CLOCK_MONOTONIC when freezing began */
	uint64_t freeze_ns;	/* total time frozen (first interrupt to last
				   detach), updated by thaw */
	/*
	 * The freezing thread runs SCHED_FIFO while QEMU is stopped, where
	 * that is permitted (CAP_SYS_NICE, RLIMIT_RTPRIO), so that a busy
	 * host cannot preempt it in the middle of the pause.  boost_mode
	 * says when; boost says what happened, for the report.
	 */
	enum ld_boost_mode boost_mode;
	const char *boost;	/* "SCHED_FIFO 1 (...)", "not permitted", ... */
	char boost_text[96];
	bool boosted;		/* now running at the raised priority */
	int saved_policy;
	int saved_priority;
};

/*
 * Check that pid exists, is not ourselves, and that we may read its memory;
 * errors say why (no such process, permission: CAP_SYS_PTRACE /
 * kernel.yama.ptrace_scope).
 */
struct ld_error *ld_proc_open(struct ld_proc *proc, pid_t pid);

/* Seize and stop every thread, repeating until no new thread appears. */
struct ld_error *ld_proc_freeze(struct ld_proc *proc);

/* Release every stopped thread (PTRACE_DETACH).  Idempotent. */
void ld_proc_thaw(struct ld_proc *proc);

/*
 * Back to the normal priority while staying frozen: --freeze=full before
 * its long copy.  Thaw does it too.  Idempotent.
 */
void ld_proc_end_boost(struct ld_proc *proc);

/* For signal handlers: detach every seized thread, async-signal-safe. */
void ld_proc_release_all_async(void);

void ld_proc_close(struct ld_proc *proc);

/* What a read of the target is for: its faults are reported as such. */
enum ld_read_what {
	LD_READ_QEMU,	/* QEMU's own structures: LD_EXIT_MODEL */
	LD_READ_GUEST,	/* guest RAM: LD_EXIT_COPY */
};

/*
 * The one call through which the target's memory is read
 * (process_vm_readv, EINTR retried).  Returns the bytes read, or -1 with
 * *errnum set; no progress at all counts as EFAULT.
 */
ssize_t ld_target_readv(pid_t pid, const struct iovec *local,
			unsigned long nlocal, const struct iovec *remote,
			unsigned long nremote, int *errnum);

/*
 * The one mapping from a failed target read to an error: the process gone
 * (LD_EXIT_TARGET), not permitted (LD_EXIT_PERMISSION), or a fault in QEMU's
 * structures or in guest RAM, per what, naming addr.
 */
struct ld_error *ld_target_read_error(pid_t pid, int errnum,
				      enum ld_read_what what, uint64_t addr,
				      size_t len);

/*
 * Read len bytes of QEMU's structures at addr.  Short reads and faults are
 * errors naming the address ("reading QEMU structures at 0x... (16 bytes)
 * in pid N: Bad address").
 */
struct ld_error *ld_proc_read(pid_t pid, uint64_t addr, void *buf, size_t len);

/* An ld_reader of QEMU's structures in proc's process (ld_proc_read). */
struct ld_reader ld_proc_reader(const struct ld_proc *proc);

/*
 * Read head_len bytes at each of n addresses (n <= 1024) into heads (n *
 * head_len bytes), in as few process_vm_readv calls as faults allow.
 * ok[i] says whether head i was read.  Returns how many were read.
 */
size_t ld_proc_read_heads(pid_t pid, const uint64_t *addrs, size_t n,
			  size_t head_len, void *heads, bool *ok);

/*
 * The same, but pages u knows the guest never touched are not read
 * (ok[i] false: they hold zeros).  For addrs of consecutive 4 KiB pages.
 */
size_t ld_proc_read_touched_heads(pid_t pid, struct ld_untouched *u,
				  const uint64_t *addrs, size_t n,
				  size_t head_len, void *heads, bool *ok);

/*
 * Whether any mapping of pid carries VmFlags flag (two letters, as in
 * /proc/PID/smaps: "um" = userfaultfd missing-page tracking).  Reads smaps,
 * which walks page tables: call it before freezing.
 */
struct ld_error *ld_proc_has_vmflag(pid_t pid, const char *flag, bool *found);

/*
 * Whether mappings of pid cover all of [addr, addr+len) (/proc/PID/maps).
 * Tells memory that went away (a DIMM unplugged and freed mid-dump) from
 * memory that is mapped but unreadable.
 */
struct ld_error *ld_proc_range_mapped(pid_t pid, uint64_t addr, uint64_t len,
				      bool *whole);

/* Whether an smaps "VmFlags: ..." line lists the two-letter flag. */
bool ld_vmflags_has(const char *line, const char *flag);

/*
 * Whether the host is busy: no CPU left idle for QEMU's threads when the
 * runnable count of /proc/loadavg's fourth field ("R/T"), less ourselves,
 * reaches ncpus.  False when the line cannot be parsed.
 */
bool ld_host_busy(const char *loadavg, long ncpus, long *runnable);

/* State letter of /proc/PID/task/TID/stat (tid 0: /proc/PID/stat), 0 if gone. */
char ld_task_state(pid_t pid, pid_t tid);

/* Monotonic clock in nanoseconds. */
uint64_t ld_now_ns(void);

/*
 * The accelerator of QEMU process pid, from its open files: "kvm" when it
 * holds /dev/kvm or a KVM VM, "tcg" when it holds neither, "unknown" when
 * its file descriptors cannot be listed.
 */
const char *ld_detect_accel(pid_t pid);

#endif /* QLD_PROC_H */
