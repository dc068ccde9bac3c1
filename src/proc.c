// SPDX-License-Identifier: GPL-2.0-or-later
/* proc.c - freeze and release the target's threads, read its memory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

/* Bounds: a sane QEMU has tens of threads and settles in a few passes. */
#define MAX_THREADS	65536
#define MAX_PASSES	100
#define STOP_DEADLINE_NS	(2ull * 1000 * 1000 * 1000)
/* Another tracer: wait this long for it (a meta freeze lasts < 1 ms). */
#define BUSY_WAIT_NS	(200ull * 1000 * 1000)
/* Longest single wait for a stop notification (SIGCHLD) before polling. */
#define STOP_POLL_NS	(200ull * 1000)
#define BOOST_PRIORITY	1	/* above every SCHED_OTHER task, below any
				   real-time one the host already runs */

/*
 * Seized threads, for ld_proc_release_all_async() and for the per-thread
 * state the public struct has no room for.  Index i matches proc->tids[i].
 * Only one process can be frozen at a time; that is all the tool needs.
 * A slot is written before its thread is seized so that a signal arriving
 * in between still releases it.
 */
struct tid_slot {
	volatile pid_t tid;
	volatile int sig;	/* signal to re-inject on detach */
	volatile sig_atomic_t stopped;
};

static struct tid_slot slots[MAX_THREADS];
static volatile sig_atomic_t nslots;
static struct ld_proc *owner;	/* proc whose threads are in slots */
static sigset_t proc_saved_mask;	/* the freezing thread's, restored by thaw */

static void restore_sigmask(void)
{
	sigset_t pending, chld;
	struct timespec zero = { 0, 0 };

	/* Drop the SIGCHLDs of our tracees' stops: nobody else wants them. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	while (!sigpending(&pending) && sigismember(&pending, SIGCHLD) &&
	       sigtimedwait(&chld, NULL, &zero) == SIGCHLD)
		;
	pthread_sigmask(SIG_SETMASK, &proc_saved_mask, NULL);
}

uint64_t ld_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Why ptrace/process_vm_readv said EPERM, with what we can tell. */
static struct ld_error *permission_error(pid_t pid, int errnum,
					 const char *what)
{
	char scope[32] = "";
	char note[64] = "";
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");

	if (f) {
		if (fgets(scope, sizeof(scope), f)) {
			scope[strcspn(scope, "\n")] = '\0';
			snprintf(note, sizeof(note), " (currently %s)", scope);
		}
		fclose(f);
	}
	return ld_error(LD_EXIT_PERMISSION,
			"%s pid %d: %s; reading another process needs the same uid and kernel.yama.ptrace_scope <= 1%s with the target not protected (setuid, non-dumpable), or CAP_SYS_PTRACE (e.g. run as root)",
			what, (int)pid, strerror(errnum), note);
}

char ld_task_state(pid_t pid, pid_t tid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	if (tid > 0)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat",
			 (int)pid, (int)tid);
	else
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: the state follows the last ')' */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return 0;
	return p[2];
}

/* TracerPid of a thread, 0 if none or unknown. */
static pid_t task_tracer(pid_t pid, pid_t tid)
{
	char path[64], line[256];
	pid_t tracer = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)pid, (int)tid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		int v;

		if (sscanf(line, "TracerPid: %d", &v) == 1) {
			tracer = v;
			break;
		}
	}
	fclose(f);
	return tracer;
}

static struct ld_error *busy_error(pid_t pid, pid_t tid, pid_t tracer)
{
	char path[64], comm[32] = "?";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)tracer);
	f = fopen(path, "re");
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
		ld_make_printable(comm);
	}
	return ld_error(LD_EXIT_BUSY,
			"thread %d of pid %d is already being traced by PID %d (%s): another qemu-livedump (--freeze=full), gdb or strace holds QEMU; try again when it is done",
			(int)tid, (int)pid, (int)tracer, comm);
}

/* Tgid from /proc/PID/status, or -1. */
static pid_t status_tgid(pid_t pid)
{
	char path[64], line[256];
	pid_t tgid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		int v;

		if (sscanf(line, "Tgid: %d", &v) == 1) {
			tgid = v;
			break;
		}
	}
	fclose(f);
	return tgid;
}

static int count_tasks(pid_t pid)
{
	char path[64];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)) && n < MAX_THREADS)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/*
 * Probe that process_vm_readv works: read a few bytes at the start of a
 * readable mapping.  Special mappings ([vvar], [vsyscall]) may refuse
 * reads, so try a handful.
 */
static struct ld_error *probe_read(pid_t pid)
{
	char path[64], line[512];
	int tries = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f) {
		int e = errno;

		if (e == ENOENT || e == ESRCH)
			return ld_error(LD_EXIT_TARGET, "no process with pid %d",
					(int)pid);
		if (e == EACCES || e == EPERM)
			return permission_error(pid, e, "reading the memory map of");
		return ld_error_errno(LD_EXIT_TARGET, e, "opening %s", path);
	}
	while (fgets(line, sizeof(line), f) && tries < 16) {
		unsigned long long start, end;
		char perms[8];
		unsigned char buf[8];
		struct iovec local = { buf, sizeof(buf) };
		struct iovec remote;
		ssize_t n;
		int e = 0;

		if (sscanf(line, "%llx-%llx %7s", &start, &end, perms) != 3)
			continue;
		if (perms[0] != 'r' || strstr(line, "[vvar") ||
		    strstr(line, "[vsyscall]") || end - start < sizeof(buf))
			continue;
		tries++;
		remote.iov_base = (void *)(uintptr_t)start;
		remote.iov_len = sizeof(buf);
		n = ld_target_readv(pid, &local, 1, &remote, 1, &e);
		if (n > 0 || e == EPERM || e == ESRCH) {
			fclose(f);
			return n > 0 ? NULL :
			       ld_target_read_error(pid, e, LD_READ_QEMU,
						    start, sizeof(buf));
		}
	}
	fclose(f);
	return ld_error(LD_EXIT_TARGET,
			"pid %d: no readable mapping found to probe process_vm_readv",
			(int)pid);
}

struct ld_error *ld_proc_open(struct ld_proc *proc, pid_t pid)
{
	char path[64];
	struct stat st;
	pid_t tgid;
	char state;

	memset(proc, 0, sizeof(*proc));
	proc->pid = pid;
	if (pid <= 0)
		return ld_error(LD_EXIT_TARGET, "invalid pid %d", (int)pid);
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (stat(path, &st) < 0)
		return ld_error(LD_EXIT_TARGET, "no process with pid %d",
				(int)pid);
	if (pid == getpid())
		return ld_error(LD_EXIT_TARGET,
				"pid %d is this tool itself", (int)pid);
	/* /proc/TID exists for threads too, hidden; ptrace wants the process */
	tgid = status_tgid(pid);
	if (tgid < 0)
		return ld_error(LD_EXIT_TARGET, "no process with pid %d",
				(int)pid);
	if (tgid != pid)
		return ld_error(LD_EXIT_TARGET,
				"pid %d is a thread of process %d; give the process id",
				(int)pid, (int)tgid);
	if (tgid == getpid())
		return ld_error(LD_EXIT_TARGET,
				"pid %d is this tool itself", (int)pid);
	state = ld_task_state(pid, 0);
	if (state == 0)
		return ld_error(LD_EXIT_TARGET, "no process with pid %d",
				(int)pid);
	/* a leader that called pthread_exit shows Z while its threads live */
	if ((state == 'Z' || state == 'X') && count_tasks(pid) <= 1)
		return ld_error(LD_EXIT_TARGET, "process %d is a zombie",
				(int)pid);
	return probe_read(pid);
}

/*
 * Release one seized thread.  ESRCH means gone or not stopped; only
 * syscalls, as this also runs in signal handlers.
 */
static long detach_slot(size_t i)
{
	pid_t tid = slots[i].tid;
	long r = 0;

	if (tid > 0)
		r = ptrace(PTRACE_DETACH, tid, NULL,
			   (void *)(uintptr_t)slots[i].sig);
	slots[i].tid = 0;
	return r;
}

void ld_proc_release_all_async(void)
{
	sig_atomic_t n = nslots;
	sig_atomic_t i;

	/* only syscalls here: this runs inside signal handlers */
	if (n > MAX_THREADS)
		n = MAX_THREADS;
	for (i = 0; i < n; i++)
		detach_slot((size_t)i);
	nslots = 0;
}

static bool proc_has_tid(const struct ld_proc *proc, pid_t tid)
{
	size_t i;

	for (i = 0; i < proc->ntids; i++)
		if (proc->tids[i] == tid)
			return true;
	return false;
}

static struct ld_error *add_tid(struct ld_proc *proc, pid_t tid)
{
	if (proc->ntids >= MAX_THREADS)
		return ld_error(LD_EXIT_TARGET,
				"process %d has more than %d threads",
				(int)proc->pid, MAX_THREADS);
	if (proc->ntids == proc->cap) {
		size_t cap = proc->cap ? proc->cap * 2 : 64;
		pid_t *t = realloc(proc->tids, cap * sizeof(*t));

		if (!t)
			return &ld_error_nomem;
		proc->tids = t;
		proc->cap = cap;
	}
	proc->tids[proc->ntids++] = tid;
	return NULL;
}

/* Forget thread i (it exited): swap the last one into its place. */
static void drop_tid(struct ld_proc *proc, size_t i)
{
	size_t last = proc->ntids - 1;

	proc->tids[i] = proc->tids[last];
	slots[i].tid = slots[last].tid;
	slots[i].sig = slots[last].sig;
	slots[i].stopped = slots[last].stopped;
	slots[last].tid = 0;
	proc->ntids = last;
	nslots = (sig_atomic_t)last;
}

/*
 * Seize (without stopping) every thread listed in /proc/PID/task that we
 * do not hold yet.  *fresh counts those new ones, *retry those that said EPERM
 * while we already hold others (a thread in the middle of exiting).
 */
static struct ld_error *seize_new(struct ld_proc *proc, size_t *fresh,
				  size_t *retry)
{
	char path[64];
	struct dirent *de;
	size_t seen = 0;
	DIR *d;

	*fresh = 0;
	*retry = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)proc->pid);
	d = opendir(path);
	if (!d)
		return ld_error_errno(LD_EXIT_TARGET, errno,
				      "listing threads of pid %d",
				      (int)proc->pid);
	while ((de = readdir(d))) {
		struct ld_error *err;
		char *end;
		long v;
		pid_t tid;
		size_t i;

		if (de->d_name[0] == '.')
			continue;
		if (++seen > MAX_THREADS) {
			closedir(d);
			return ld_error(LD_EXIT_TARGET,
					"process %d has more than %d threads",
					(int)proc->pid, MAX_THREADS);
		}
		errno = 0;
		v = strtol(de->d_name, &end, 10);
		if (errno || *end || v <= 0 || v > INT32_MAX)
			continue;
		tid = (pid_t)v;
		if (proc_has_tid(proc, tid))
			continue;
		err = add_tid(proc, tid);
		if (err) {
			closedir(d);
			return err;
		}
		i = proc->ntids - 1;
		slots[i].sig = 0;
		slots[i].stopped = 0;
		slots[i].tid = tid;
		nslots = (sig_atomic_t)proc->ntids;
		if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) < 0) {
			int e = errno;
			char st;

			drop_tid(proc, i);
			if (e == ESRCH)
				continue;	/* exited meanwhile */
			st = ld_task_state(proc->pid, tid);
			if (st == 0 || st == 'Z' || st == 'X')
				continue;	/* exiting */
			if (e == EPERM) {
				pid_t tracer = task_tracer(proc->pid, tid);

				if (tracer > 0 && tracer != getpid()) {
					closedir(d);
					return busy_error(proc->pid, tid, tracer);
				}
			}
			if (e == EPERM && proc->ntids > 0) {
				/* we hold its siblings: it is exiting */
				(*retry)++;
				continue;
			}
			closedir(d);
			if (e == EPERM)
				return permission_error(proc->pid, e,
							"ptrace(PTRACE_SEIZE) of");
			return ld_error_errno(LD_EXIT_TARGET, e,
					      "ptrace(PTRACE_SEIZE) of thread %d of pid %d",
					      (int)tid, (int)proc->pid);
		}
		(*fresh)++;
	}
	closedir(d);
	return NULL;
}

static struct ld_error *first_error(struct ld_error *a, struct ld_error *b)
{
	if (!a)
		return b;
	ld_error_free(b);
	return a;
}

/*
 * Stop the threads seized last (the last fresh of tids[]) in one tight
 * loop: seizing is the slow part and does not stop anything, so the
 * threads stop close together, and the ones woken onto our CPU wait for
 * us only as long as this loop.  Also after a failed seize_new(): only a
 * stopped thread can be detached.
 */
static struct ld_error *interrupt_fresh(struct ld_proc *proc, size_t fresh)
{
	struct ld_error *err = NULL;

	for (size_t i = proc->ntids - fresh; i < proc->ntids; i++) {
		if (ptrace(PTRACE_INTERRUPT, proc->tids[i], NULL, NULL) < 0 &&
		    errno != ESRCH && !err)
			err = ld_error_errno(LD_EXIT_TARGET, errno,
					     "ptrace(PTRACE_INTERRUPT) of thread %d",
					     (int)proc->tids[i]);
	}
	return err;
}

/*
 * The pause is only as short as the freezing thread is scheduled: on a busy
 * host a SCHED_OTHER tool is preempted between the stops, the reads and the
 * detaches.  SCHED_FIFO for the window only; SCHED_RESET_ON_FORK keeps any
 * thread created meanwhile (the copier's) at normal priority.
 */
bool ld_host_busy(const char *loadavg, long ncpus, long *runnable)
{
	double a, b, c;
	long r, total;

	*runnable = 0;
	if (sscanf(loadavg, "%lf %lf %lf %ld/%ld", &a, &b, &c, &r, &total) != 5 ||
	    r < 1 || ncpus < 1)
		return false;
	*runnable = r - 1;	/* the reader itself is running */
	return *runnable >= ncpus;
}

/* Read before the freeze: one small file, no page-table walk. */
static bool host_is_busy(long *runnable, long *ncpus)
{
	char line[128] = "";
	ssize_t n;
	int fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);

	*ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (fd < 0)
		return false;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	line[n > 0 ? n : 0] = '\0';
	return ld_host_busy(line, *ncpus, runnable);
}

static void boost(struct ld_proc *proc)
{
	struct sched_param sp = { .sched_priority = BOOST_PRIORITY }, old;
	int policy = sched_getscheduler(0);
	long runnable = 0, ncpus = 0;

	proc->boost = proc->boost_text;
	if (proc->boost_mode == LD_BOOST_NEVER) {
		proc->boost = "normal (--boost=never)";
		return;
	}
	if (proc->boost_mode == LD_BOOST_AUTO &&
	    !host_is_busy(&runnable, &ncpus)) {
		snprintf(proc->boost_text, sizeof(proc->boost_text),
			 "normal (host not busy: %ld other runnable on %ld CPUs)",
			 runnable, ncpus);
		return;
	}
	if (policy < 0) {
		proc->boost = "normal (sched_getscheduler failed)";
		return;
	}
	policy &= ~SCHED_RESET_ON_FORK;
	if (policy == SCHED_FIFO || policy == SCHED_RR) {
		proc->boost = "real-time already: left as it was";
		return;
	}
	proc->saved_policy = policy;
	proc->saved_priority = sched_getparam(0, &old) ? 0 : old.sched_priority;
	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp)) {
		proc->boost = errno == EPERM ?
			"normal (SCHED_FIFO not permitted: needs CAP_SYS_NICE or RLIMIT_RTPRIO)" :
			"normal (sched_setscheduler failed)";
		return;
	}
	proc->boosted = true;
	if (proc->boost_mode == LD_BOOST_ALWAYS)
		snprintf(proc->boost_text, sizeof(proc->boost_text),
			 "SCHED_FIFO %d (--boost=always)", BOOST_PRIORITY);
	else
		snprintf(proc->boost_text, sizeof(proc->boost_text),
			 "SCHED_FIFO %d (host busy: %ld other runnable on %ld CPUs)",
			 BOOST_PRIORITY, runnable, ncpus);
}

void ld_proc_end_boost(struct ld_proc *proc)
{
	struct sched_param sp = { .sched_priority = proc->saved_priority };

	if (!proc->boosted)
		return;
	/* Cannot fail: lowering one's own priority needs no privilege. */
	sched_setscheduler(0, proc->saved_policy, &sp);
	proc->boosted = false;
}

/* Block in sigtimedwait until SIGCHLD (a tracee stopped) or ns pass. */
static void wait_for_sigchld(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull),
			       (long)(ns % 1000000000ull) };
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigtimedwait(&chld, NULL, &ts);
}

/*
 * Collect the stop of every seized thread, bounded by a deadline so that a
 * thread stuck in uninterruptible sleep cannot hang us.  Between rounds we
 * sleep until the kernel's SIGCHLD for a tracee stop (blocked in this
 * thread, so it is queued, not lost) rather than spin: a spinning SCHED_FIFO
 * tool would keep the very threads it waits for off its CPU.  Polling every
 * STOP_POLL_NS covers a SIGCHLD taken by another of our threads.
 */
static struct ld_error *wait_stops(struct ld_proc *proc, uint64_t deadline)
{
	for (;;) {
		size_t pending = 0, i = 0;
		uint64_t now;

		while (i < proc->ntids) {
			int status;
			pid_t r;

			if (slots[i].stopped) {
				i++;
				continue;
			}
			r = waitpid(proc->tids[i], &status, __WALL | WNOHANG);
			if (r == 0) {
				pending++;
				i++;
				continue;
			}
			if (r < 0) {
				if (errno == EINTR)
					continue;
				/* ECHILD: not ours any more, i.e. gone */
				drop_tid(proc, i);
				continue;
			}
			if (WIFEXITED(status) || WIFSIGNALED(status)) {
				drop_tid(proc, i);
				continue;
			}
			if (!WIFSTOPPED(status)) {
				pending++;
				i++;
				continue;
			}
			/*
			 * Anything but our event stop is a signal-delivery
			 * stop: the signal is taken from the thread and must
			 * be given back on detach.
			 */
			if ((status >> 16) != PTRACE_EVENT_STOP)
				slots[i].sig = WSTOPSIG(status);
			slots[i].stopped = 1;
			i++;
		}
		if (!pending)
			return NULL;
		now = ld_now_ns();
		if (now >= deadline)
			break;
		wait_for_sigchld(deadline - now < STOP_POLL_NS ?
				 deadline - now : STOP_POLL_NS);
	}
	for (size_t i = 0; i < proc->ntids; i++) {
		char st;

		if (slots[i].stopped)
			continue;
		/*
		 * Killed mid-freeze: a dead thread-group leader stays a
		 * zombie (never a stop) until its parent reaps it.
		 */
		st = ld_task_state(proc->pid, proc->tids[i]);
		if (!st || st == 'Z' || st == 'X')
			return ld_error(LD_EXIT_TARGET, "target process %d is gone",
					(int)proc->pid);
		return ld_error(LD_EXIT_TARGET,
				"thread %d of pid %d did not stop within %llu ms (blocked in an uninterruptible kernel wait?)",
				(int)proc->tids[i], (int)proc->pid,
				STOP_DEADLINE_NS / 1000000);
	}
	return NULL;
}

static struct ld_error *freeze_once(struct ld_proc *proc)
{
	/* reset to the first PTRACE_INTERRUPT below: the VM pause starts there */
	uint64_t start = ld_now_ns(), deadline = start + STOP_DEADLINE_NS;
	struct ld_error *err = NULL;
	int pass;

	if (proc->frozen)
		return NULL;
	if (owner && owner != proc && nslots > 0)
		return ld_error(LD_EXIT_FAILURE,
				"another process (%d) is already frozen",
				(int)owner->pid);
	owner = proc;
	proc->ntids = 0;
	nslots = 0;
	{
		sigset_t chld;

		/* Queued for wait_stops() instead of delivered (ignored). */
		sigemptyset(&chld);
		sigaddset(&chld, SIGCHLD);
		pthread_sigmask(SIG_BLOCK, &chld, &proc_saved_mask);
	}
	/*
	 * Threads seized but not yet stopped may still clone: only a listing
	 * taken after every known thread has stopped can be trusted to be
	 * complete.
	 */
	for (pass = 0; pass < MAX_PASSES; pass++) {
		size_t fresh, retry;

		err = seize_new(proc, &fresh, &retry);
		if (pass == 0) {
			/*
			 * Seizing stops nothing: the VM pause, and the
			 * raised priority, begin with the first interrupt.
			 */
			boost(proc);
			start = ld_now_ns();
		}
		err = first_error(err, interrupt_fresh(proc, fresh));
		if (err)
			break;
		err = wait_stops(proc, deadline);
		if (err)
			break;
		if (!fresh && !retry)
			break;
		if (!fresh && retry) {
			struct timespec ts = { 0, 100 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	if (!err && pass == MAX_PASSES)
		err = ld_error(LD_EXIT_TARGET,
			       "threads of pid %d kept appearing after %d passes",
			       (int)proc->pid, MAX_PASSES);
	/* Every thread exited while we froze them: QEMU was killed. */
	if (!err && proc->ntids == 0)
		err = ld_error(LD_EXIT_TARGET, "target process %d is gone",
			       (int)proc->pid);
	proc->frozen_at_ns = start;
	proc->frozen = true;
	if (err) {
		/*
		 * Threads interrupted but not yet stopped cannot be detached;
		 * give them a moment to stop so that they can be released.
		 */
		ld_error_free(wait_stops(proc, ld_now_ns() + 100000000ull));
		ld_proc_thaw(proc);
		return err;
	}
	return NULL;
}

struct ld_error *ld_proc_freeze(struct ld_proc *proc)
{
	uint64_t give_up = ld_now_ns() + BUSY_WAIT_NS;

	/*
	 * Another tracer (an overlapping meta-mode run) lets go within a
	 * millisecond: release what we hold, wait a little, start over.
	 */
	for (;;) {
		struct ld_error *err = freeze_once(proc);
		struct timespec ts = { 0, 2 * 1000 * 1000 };

		if (!err || err->code != LD_EXIT_BUSY || ld_now_ns() >= give_up)
			return err ? ld_error_context(err, "freezing pid %d",
						      (int)proc->pid) : NULL;
		ld_error_free(err);
		nanosleep(&ts, NULL);
	}
}

void ld_proc_thaw(struct ld_proc *proc)
{
	size_t i;

	if (!proc->frozen)
		return;
	for (i = 0; i < proc->ntids && i < MAX_THREADS; i++) {
		/* a late stop can still be collected and released */
		if (!slots[i].stopped && slots[i].tid > 0) {
			int status;

			if (waitpid(slots[i].tid, &status,
				    __WALL | WNOHANG) > 0 &&
			    WIFSTOPPED(status) &&
			    (status >> 16) != PTRACE_EVENT_STOP)
				slots[i].sig = WSTOPSIG(status);
		}
		/* a thread killed while stopped waits for us to reap it */
		if (detach_slot(i) < 0 && errno == ESRCH) {
			int status;

			waitpid(proc->tids[i], &status, __WALL | WNOHANG);
		}
	}
	nslots = 0;
	owner = NULL;
	proc->ntids = 0;
	proc->freeze_ns += ld_now_ns() - proc->frozen_at_ns;
	proc->frozen = false;
	ld_proc_end_boost(proc);
	restore_sigmask();
}

void ld_proc_close(struct ld_proc *proc)
{
	ld_proc_thaw(proc);
	free(proc->tids);
	proc->tids = NULL;
	proc->ntids = 0;
	proc->cap = 0;
}

ssize_t ld_target_readv(pid_t pid, const struct iovec *local,
			unsigned long nlocal, const struct iovec *remote,
			unsigned long nremote, int *errnum)
{
	for (;;) {
		ssize_t n = process_vm_readv(pid, local, nlocal, remote,
					     nremote, 0);

		if (n > 0)
			return n;
		if (n < 0 && errno == EINTR)
			continue;
		*errnum = n < 0 ? errno : EFAULT;
		return -1;
	}
}

struct ld_error *ld_target_read_error(pid_t pid, int errnum,
				      enum ld_read_what what, uint64_t addr,
				      size_t len)
{
	if (errnum == ESRCH)
		return ld_error(LD_EXIT_TARGET, "target process %d is gone",
				(int)pid);
	if (errnum == EPERM)
		return permission_error(pid, errnum, "process_vm_readv on");
	if (what == LD_READ_GUEST)
		return ld_error_errno(LD_EXIT_COPY, errnum,
				      "guest RAM at host 0x%" PRIx64 " became unreadable",
				      addr);
	return ld_error_errno(LD_EXIT_MODEL, errnum,
			      "reading QEMU structures at 0x%" PRIx64 " (%zu bytes) in pid %d",
			      addr, len, (int)pid);
}

struct ld_error *ld_proc_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	size_t done = 0;

	if (addr + len < addr)
		return ld_error(LD_EXIT_MODEL,
				"reading QEMU structures at 0x%" PRIx64 " (%zu bytes) in pid %d: range wraps around",
				addr, len, (int)pid);
	while (done < len) {
		struct iovec local = { (char *)buf + done, len - done };
		struct iovec remote = {
			(void *)(uintptr_t)(addr + done), len - done
		};
		int e = 0;
		ssize_t n = ld_target_readv(pid, &local, 1, &remote, 1, &e);

		if (n < 0)
			return ld_target_read_error(pid, e, LD_READ_QEMU, addr,
						    len);
		done += (size_t)n;
	}
	return NULL;
}

static struct ld_error *proc_reader_read(void *ctx, uint64_t addr, void *buf,
					 size_t len)
{
	const struct ld_proc *proc = ctx;

	return ld_proc_read(proc->pid, addr, buf, len);
}

struct ld_reader ld_proc_reader(const struct ld_proc *proc)
{
	struct ld_reader rd = { .read = proc_reader_read, .ctx = (void *)proc };

	return rd;
}

size_t ld_proc_read_heads(pid_t pid, const uint64_t *addrs, size_t n,
			  size_t head_len, void *heads, bool *ok)
{
	struct iovec remote[1024];
	size_t done = 0, good = 0;

	if (n > 1024)
		n = 1024;
	memset(ok, 0, n * sizeof(*ok));
	for (size_t i = 0; i < n; i++) {
		remote[i].iov_base = (void *)(uintptr_t)addrs[i];
		remote[i].iov_len = head_len;
	}
	/*
	 * process_vm_readv stops at the first head it cannot read: keep the
	 * ones before it, skip it, go on after it.
	 */
	while (done < n) {
		struct iovec local = {
			(unsigned char *)heads + done * head_len,
			(n - done) * head_len,
		};
		int e = 0;
		ssize_t got = ld_target_readv(pid, &local, 1, remote + done,
					      n - done, &e);
		size_t whole = got > 0 ? (size_t)got / head_len : 0;

		for (size_t i = 0; i < whole; i++)
			ok[done + i] = true;
		good += whole;
		done += whole;
		if (done == n || (got < 0 && e == ESRCH))
			break;
		done++;		/* the head that faulted */
	}
	return good;
}

size_t ld_proc_read_touched_heads(pid_t pid, struct ld_untouched *u,
				  const uint64_t *addrs, size_t n,
				  size_t head_len, void *heads, bool *ok)
{
	uint64_t want[1024];
	unsigned char marks[1024] = { 0 };
	size_t idx[1024], m = 0, good;
	bool gathered[1024];
	unsigned char got[1024 * 64];

	if (n > 1024)
		n = 1024;
	/* Only for what the prescan hands over: consecutive pages. */
	if (!n || head_len > 64 || addrs[0] % 4096 ||
	    addrs[n - 1] - addrs[0] != (n - 1) * 4096ull)
		return ld_proc_read_heads(pid, addrs, n, head_len, heads, ok);
	ld_untouched_scan(u, addrs[0], n * 4096, marks, 1);
	for (size_t i = 0; i < n; i++)
		if (!marks[i]) {
			idx[m] = i;
			want[m++] = addrs[i];
		}
	memset(ok, 0, n * sizeof(*ok));
	good = m ? ld_proc_read_heads(pid, want, m, head_len, got, gathered) : 0;
	for (size_t k = 0; k < m; k++) {
		ok[idx[k]] = gathered[k];
		memcpy((unsigned char *)heads + idx[k] * head_len,
		       got + k * head_len, head_len);
	}
	return good;
}

bool ld_vmflags_has(const char *line, const char *flag)
{
	const char *p = line + strlen("VmFlags:");
	size_t flen = strlen(flag);

	/* Two-letter flags separated by blanks. */
	while (*p) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, flag, flen) &&
		    (p[flen] == ' ' || p[flen] == '\n' || !p[flen]))
			return true;
		while (*p && *p != ' ')
			p++;
	}
	return false;
}

struct ld_error *ld_proc_has_vmflag(pid_t pid, const char *flag, bool *found)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	FILE *f;

	*found = false;
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return ld_error_errno(errno == ENOENT ? LD_EXIT_TARGET :
				      LD_EXIT_PERMISSION, errno, "reading %s", path);
	while (!*found && getline(&line, &cap, f) > 0)
		*found = !strncmp(line, "VmFlags:", 8) && ld_vmflags_has(line, flag);
	free(line);
	fclose(f);
	return NULL;
}

struct ld_error *ld_proc_range_mapped(pid_t pid, uint64_t addr, uint64_t len,
				      bool *whole)
{
	uint64_t cursor = addr, end = addr + len < addr ? UINT64_MAX : addr + len;
	char path[64], *line = NULL;
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return ld_error_errno(errno == ENOENT ? LD_EXIT_TARGET :
				      LD_EXIT_PERMISSION, errno, "reading %s", path);
	/* maps lists mappings in address order: one pass moves the cursor */
	while (cursor < end && getline(&line, &cap, f) > 0) {
		unsigned long long lo, hi;

		if (sscanf(line, "%llx-%llx", &lo, &hi) == 2 &&
		    lo <= cursor && cursor < hi)
			cursor = hi;
	}
	*whole = cursor >= end;
	free(line);
	fclose(f);
	return NULL;
}

/* ---- the accelerator --------------------------------------------------- */

const char *ld_detect_accel(pid_t pid)
{
	char dir[64], link[384], target[256];
	const char *accel = "tcg";
	struct dirent *de;
	unsigned int n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	if (!d)
		return "unknown";
	/* Bounded: a QEMU has a few hundred descriptors at most. */
	while ((de = readdir(d)) && n++ < 65536) {
		ssize_t len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, de->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (!strcmp(target, "/dev/kvm") ||
		    !strncmp(target, "anon_inode:kvm-vm", 17) ||
		    !strncmp(target, "anon_inode:kvm-vcpu", 19)) {
			accel = "kvm";
			break;
		}
	}
	closedir(d);
	return accel;
}
