// SPDX-License-Identifier: GPL-2.0-or-later
/* copier.c - stream guest RAM from the target into the vmcore. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "copier.h"
#include "untouched.h"
#include "proc.h"

/*
 * Sizes, measured in docs/PERFORMANCE.md: 8 MiB buffers amortise the
 * syscalls (1 to 16 MiB measured the same); three of them let the reader
 * fill one while the writer writes another, and keep RSS near 34 MiB.
 */
#define DEFAULT_BATCH	(8u << 20)
#define MAX_BATCH	(16u << 20)	/* NBUF of them: RSS stays bounded */
#define NBUF		3
#define REMOTE_CHUNK	(256u << 10)
#define ZERO_PAGE	4096u
/* Marks in a job's skip[]: untouched (pagemap), or left out by the hook. */
#define SKIP_UNTOUCHED	1
#define SKIP_LEFT_OUT	2

#ifndef IOV_MAX
#define IOV_MAX 1024
#endif

/* The writer thread, while one runs, for ld_copy_interrupt_async(). */
static pthread_t writer_thread;
static volatile sig_atomic_t writer_running;

void ld_copy_interrupt_async(void)
{
	if (writer_running)
		pthread_kill(writer_thread, SIGURG);
}

/* Describe block i for messages. */
static struct ld_error *block_context(struct ld_error *err,
				      const struct ld_memmap *map, size_t i)
{
	const struct ld_block *b = &map->blocks[i];

	return ld_error_context(err,
				"block %zu '%.*s' [gpa 0x%" PRIx64 "+0x%" PRIx64 ", host 0x%" PRIx64 "]",
				i, LD_BLOCK_NAME_MAX, b->name, b->gpa,
				b->size, b->host);
}

/*
 * Read len bytes of the target at host into buf.  The remote side is cut
 * into chunks so that a fault stops the transfer near its place; a call
 * that makes no progress is the error.
 */
static struct ld_error *read_batch(pid_t pid, uint64_t host,
				   unsigned char *buf, size_t len,
				   struct iovec *riov, size_t max_iov,
				   uint64_t *calls)
{
	size_t done = 0;

	while (done < len) {
		struct iovec liov = { buf + done, len - done };
		size_t n = 0, pos = done;
		ssize_t r;
		int e = 0;

		while (pos < len && n < max_iov) {
			size_t c = len - pos;

			if (c > REMOTE_CHUNK && n + 1 < max_iov)
				c = REMOTE_CHUNK;
			riov[n].iov_base = (void *)(uintptr_t)(host + pos);
			riov[n].iov_len = c;
			pos += c;
			n++;
		}
		liov.iov_len = pos - done;
		r = ld_target_readv(pid, &liov, 1, riov, n, &e);
		(*calls)++;
		if (r < 0)
			return ld_target_read_error(pid, e, LD_READ_GUEST,
						    host + done, len - done);
		done += (size_t)r;
	}
	return NULL;
}

/* Reject host ranges that would overflow. */
static struct ld_error *check_blocks(const struct ld_memmap *map)
{
	for (size_t i = 0; i < map->count; i++) {
		const struct ld_block *b = &map->blocks[i];

		if (b->host + b->size < b->host || b->size > (uint64_t)INT64_MAX)
			return block_context(ld_error(LD_EXIT_MODEL,
						      "size out of range"),
					     map, i);
	}
	return NULL;
}

/* ------------------------------------------------------------------------
 * The writer: holes for zero and untouched pages, the page cache flushed
 * and dropped behind it (or O_DIRECT when asked for).
 */

struct job {
	unsigned char *buf;	/* page aligned (O_DIRECT) */
	unsigned char *skip;	/* per 4 KiB unit: untouched, not read */
	size_t len;
	size_t block;
	uint64_t pos;		/* offset in the block */
};

/* The writer: the thread that hands filled buffers to the sink. */
struct writer {
	const struct ld_page_sink *sink;
	const struct ld_memmap *map;

	/* the queue: jobs[head..head+filled) wait to be written */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job jobs[NBUF];
	size_t head, filled;
	bool done;		/* reader finished (or gave up) */
	struct ld_error *err;	/* first write error */
};

/* One buffer to the sink. */
static struct ld_error *write_job(struct writer *w, const struct job *j)
{
	return w->sink->pages(w->sink->ctx, j->block, j->pos, j->buf, j->len,
			      j->skip);
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct job *j;
		struct ld_error *err = NULL;

		while (!w->filled && !w->done)
			pthread_cond_wait(&w->cond, &w->lock);
		if (!w->filled)
			break;
		j = &w->jobs[w->head];
		if (!w->err) {
			pthread_mutex_unlock(&w->lock);
			err = write_job(w, j);
			if (err)
				err = block_context(err, w->map, j->block);
			pthread_mutex_lock(&w->lock);
			if (err && !w->err)
				w->err = err;
		}
		w->head = (w->head + 1) % NBUF;
		w->filled--;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* ------------------------------------------------------------------------
 * The reader: the calling thread.
 */

/* Take back the marks of one kind (the others stay). */
static void clear_marks(unsigned char *skip, size_t units, unsigned char mark)
{
	for (size_t u = 0; u < units; u++)
		if (skip[u] == mark)
			skip[u] = 0;
}

/* The hook's marks over the whole units of a job; how many it marked. */
static size_t mark_left_out(const struct ld_copy_opts *opts, uint64_t gpa,
			    size_t len, unsigned char *skip)
{
	size_t units = len / ZERO_PAGE, marked = 0;
	unsigned char marks[1024];

	for (size_t u = 0; u < units; u += sizeof(marks)) {
		size_t n = units - u < sizeof(marks) ? units - u : sizeof(marks);

		memset(marks, 0, n);
		opts->leave_out(opts->leave_out_ctx, gpa + u * ZERO_PAGE, n,
				marks);
		for (size_t i = 0; i < n; i++)
			if (marks[i]) {
				skip[u + i] = SKIP_LEFT_OUT;
				marked++;
			}
	}
	return marked;
}

/* Read the units of j that are not untouched; inspect what was read. */
static struct ld_error *fill_job(pid_t pid, const struct ld_block *b,
				 uint64_t pos, struct job *j, bool zero_fill,
				 struct iovec *riov, size_t max_iov,
				 const struct ld_copy_opts *opts,
				 struct ld_copy_stats *st)
{
	size_t units = j->len / ZERO_PAGE, at = 0;

	while (at < j->len) {
		size_t u = at / ZERO_PAGE, end;
		struct ld_error *err;

		if (u < units && j->skip[u]) {
			/* a run of untouched or left-out units */
			while (u < units && j->skip[u]) {
				if (j->skip[u] == SKIP_UNTOUCHED)
					st->bytes_unpopulated += ZERO_PAGE;
				u++;
			}
			end = u * ZERO_PAGE;
			if (zero_fill)
				memset(j->buf + at, 0, end - at);
			at = end;
			continue;
		}
		while (u < units && !j->skip[u])
			u++;
		end = u < units ? u * ZERO_PAGE : j->len;
		err = read_batch(pid, b->host + pos + at, j->buf + at,
				 end - at, riov, max_iov, &st->read_calls);
		if (err)
			return err;
		if (opts && opts->inspect)
			opts->inspect(opts->inspect_ctx, b->gpa + pos + at,
				      j->buf + at, end - at);
		at = end;
	}
	return NULL;
}

/* Whether mappings still cover [host, host+len) (errors: assume so). */
static bool range_still_mapped(pid_t pid, uint64_t host, uint64_t len)
{
	struct ld_error *e;
	bool whole = true;

	e = ld_proc_range_mapped(pid, host, len, &whole);
	ld_error_free(e);
	return whole;
}

/*
 * Whether err, reading [host, host+len) of a block, means the memory went
 * away rather than that it cannot be read: it was unmapped.
 */
static bool went_away(pid_t pid, const struct ld_error *err, uint64_t host,
		      uint64_t len)
{
	return err->code == LD_EXIT_COPY &&
	       (err->errnum == EFAULT || err->errnum == ENOMEM) &&
	       !range_still_mapped(pid, host, len);
}

/* Hand j to the writer (or write it here without a thread). */
static struct ld_error *submit(struct writer *w, bool threaded)
{
	struct ld_error *err = NULL;

	if (!threaded) {
		struct job *j = &w->jobs[w->head];

		err = write_job(w, j);
		return err ? block_context(err, w->map, j->block) : NULL;
	}
	pthread_mutex_lock(&w->lock);
	w->filled++;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* The next free buffer, after waiting for one; NULL if the writer failed. */
static struct job *next_job(struct writer *w, bool threaded)
{
	struct job *j = NULL;

	if (!threaded)
		return &w->jobs[w->head];
	pthread_mutex_lock(&w->lock);
	while (w->filled == NBUF && !w->err)
		pthread_cond_wait(&w->cond, &w->lock);
	if (!w->err)
		j = &w->jobs[(w->head + w->filled) % NBUF];
	pthread_mutex_unlock(&w->lock);
	return j;
}

struct ld_error *ld_copy_blocks(pid_t pid, const struct ld_memmap *map,
				const struct ld_page_sink *sink,
				const struct ld_copy_opts *opts,
				struct ld_copy_stats *stats)
{
	struct ld_copy_stats local_stats, *st = stats ? stats : &local_stats;
	size_t batch = opts && opts->batch_bytes ? opts->batch_bytes
						 : DEFAULT_BATCH;
	unsigned int flags = opts ? opts->flags : 0;
	volatile sig_atomic_t *stop = opts ? opts->stop : NULL;
	uint64_t start = ld_now_ns();
	struct ld_untouched u = { .fd = -1 };
	struct writer *w = NULL;
	struct ld_error *err = NULL;
	struct iovec *riov = NULL;
	bool threaded = false, failed = false;
	size_t max_iov, i, nbuf;
	pthread_t th;

	memset(st, 0, sizeof(*st));
	if (batch > MAX_BATCH)
		batch = MAX_BATCH;
	/* whole pages per batch keep zero pages from straddling batches */
	if (batch > ZERO_PAGE)
		batch -= batch % ZERO_PAGE;
	err = check_blocks(map);
	if (err)
		return err;
	max_iov = batch / REMOTE_CHUNK + 1;
	if (max_iov > IOV_MAX)
		max_iov = IOV_MAX;
	riov = calloc(max_iov, sizeof(*riov));
	w = calloc(1, sizeof(*w));
	if (!riov || !w) {
		err = &ld_error_nomem;
		goto out_free;
	}
	w->map = map;
	w->sink = sink;
	threaded = !(flags & LD_COPY_NO_THREAD);
	nbuf = threaded ? NBUF : 1;
	for (i = 0; i < nbuf; i++) {
		w->jobs[i].skip = calloc(batch / ZERO_PAGE + 1, 1);
		/* mmap: page aligned for O_DIRECT, and gone when unmapped */
		w->jobs[i].buf = mmap(NULL, batch, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (w->jobs[i].buf == MAP_FAILED)
			w->jobs[i].buf = NULL;
		if (!w->jobs[i].buf || !w->jobs[i].skip) {
			err = &ld_error_nomem;
			goto out_free;
		}
	}
	if (!(flags & LD_COPY_NO_PAGEMAP) && batch % ZERO_PAGE == 0)
		ld_untouched_open(&u, pid, batch);
	if (threaded) {
		sigset_t all, old;

		pthread_mutex_init(&w->lock, NULL);
		pthread_cond_init(&w->cond, NULL);
		/*
		 * Signals go to the thread that holds the ptrace stops; only
		 * the kick of ld_copy_interrupt_async() reaches the writer.
		 */
		sigfillset(&all);
		sigdelset(&all, SIGURG);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		threaded = pthread_create(&th, NULL, writer_main, w) == 0;
		if (threaded) {
			writer_thread = th;
			writer_running = 1;
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (!threaded) {
			pthread_cond_destroy(&w->cond);
			pthread_mutex_destroy(&w->lock);
		}
	}

	for (i = 0; i < map->count && !err && !failed; i++) {
		const struct ld_block *b = &map->blocks[i];
		bool can_skip = u.fd >= 0 && b->host % ZERO_PAGE == 0;
		uint64_t pos = 0;
		bool gone = false;	/* unmapped since the freeze */
		bool all_out;		/* the whole batch left out */

		while (pos < b->size) {
			size_t n = b->size - pos < batch ?
				   (size_t)(b->size - pos) : batch;
			struct job *j;

			if (stop && *stop) {
				err = ld_error(LD_EXIT_INTERRUPTED,
					       "interrupted by signal");
				break;
			}
			j = next_job(w, threaded);
			if (!j) {
				failed = true;	/* w->err is returned */
				break;
			}
			j->len = n;
			j->pos = pos;
			j->block = i;
			memset(j->skip, 0, n / ZERO_PAGE + 1);
			/*
			 * pagemap reads an unmapped range as "not present"
			 * too: pages marked untouched count only while the
			 * range is still mapped (a DIMM freed mid-copy).
			 * Otherwise read them all: the fault says what
			 * happened, as for touched pages.
			 */
			/* Nothing wanted: no need to ask pagemap either. */
			all_out = opts && opts->leave_out &&
				  mark_left_out(opts, b->gpa + pos, n, j->skip) ==
				  n / ZERO_PAGE && n % ZERO_PAGE == 0;
			if (!all_out && can_skip && !gone &&
			    ld_untouched_scan(&u, b->host + pos,
					      n - n % ZERO_PAGE, j->skip,
					      SKIP_UNTOUCHED) &&
			    !range_still_mapped(pid, b->host + pos, n))
				clear_marks(j->skip, n / ZERO_PAGE + 1,
					    SKIP_UNTOUCHED);
			if (!gone)
				err = fill_job(pid, b, pos, j, sink->zero_fill,
					       riov, max_iov, opts, st);
			if (err && opts && opts->vanished &&
			    went_away(pid, err, b->host + pos, n)) {
				ld_error_free(err);
				err = NULL;
				gone = true;
				opts->vanished(opts->vanished_ctx, i,
					       b->gpa + pos);
			}
			if (gone) {
				memset(j->buf, 0, n);
				st->bytes_vanished += n;
			}
			if (!err)
				err = submit(w, threaded);
			if (err) {
				err = block_context(err, map, i);
				break;
			}
			pos += n;
			st->bytes_total += n;
			if (opts && opts->progress)
				opts->progress(opts->progress_ctx,
					       st->bytes_total, map->total_bytes);
		}
	}
	if (threaded) {
		pthread_mutex_lock(&w->lock);
		w->done = true;
		pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);
		pthread_join(th, NULL);
		writer_running = 0;
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
	}
	if (w->err) {
		if (!err || err->code == LD_EXIT_INTERRUPTED) {
			ld_error_free(err);
			err = w->err;
		} else {
			ld_error_free(w->err);
		}
		w->err = NULL;
	}
out_free:
	ld_untouched_close(&u);
	if (w) {
		for (i = 0; i < NBUF; i++) {
			if (w->jobs[i].buf)
				munmap(w->jobs[i].buf, batch);
			free(w->jobs[i].skip);
		}
		free(w);
	}
	free(riov);
	st->ns = ld_now_ns() - start;
	return err;
}
