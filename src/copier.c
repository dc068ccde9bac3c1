// SPDX-License-Identifier: GPL-2.0-or-later
/* copier.c - stream guest RAM from the target into the vmcore. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "copier.h"
#include "proc.h"

#define DEFAULT_BATCH	(4u << 20)
#define MAX_BATCH	(32u << 20)	/* keeps our RSS bounded */
#define REMOTE_CHUNK	(256u << 10)
#define ZERO_PAGE	4096u

#ifndef IOV_MAX
#define IOV_MAX 1024
#endif

struct ld_error *ld_write_all(int fd, const void *buf, size_t len, off_t off)
{
	const char *p = buf;
	off_t start = off;

	while (len) {
		ssize_t n = off >= 0 ? pwrite(fd, p, len, off)
				     : write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (start >= 0)
				return ld_error_errno(LD_EXIT_OUTPUT, errno,
						      "writing %zu bytes at offset %lld",
						      len, (long long)off);
			return ld_error_errno(LD_EXIT_OUTPUT, errno,
					      "writing %zu bytes", len);
		}
		if (n == 0)	/* should not happen for files; avoid spinning */
			return ld_error_errno(LD_EXIT_OUTPUT, ENOSPC,
					      "writing %zu bytes", len);
		p += n;
		len -= (size_t)n;
		if (off >= 0)
			off += n;
	}
	return NULL;
}

/* True if len bytes at p are all zero; len is a multiple of 8 or not. */
static bool all_zero(const unsigned char *p, size_t len)
{
	const uint64_t *w = (const uint64_t *)(const void *)p;
	size_t nw = len / 8, i;

	/* OR 8 words at a time: the compiler vectorises this */
	for (i = 0; i + 8 <= nw; i += 8) {
		uint64_t acc = w[i] | w[i + 1] | w[i + 2] | w[i + 3] |
			       w[i + 4] | w[i + 5] | w[i + 6] | w[i + 7];

		if (acc)
			return false;
	}
	for (; i < nw; i++)
		if (w[i])
			return false;
	for (i = nw * 8; i < len; i++)
		if (p[i])
			return false;
	return true;
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
		r = process_vm_readv(pid, &liov, 1, riov, n, 0);
		(*calls)++;
		if (r > 0) {
			done += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		{
			int e = r < 0 ? errno : EFAULT;
			uint64_t at = host + done;

			if (e == ESRCH)
				return ld_error(LD_EXIT_TARGET,
						"target process %d is gone",
						(int)pid);
			if (e == EPERM)
				return ld_error_errno(LD_EXIT_PERMISSION, e,
						      "reading guest RAM at host 0x%" PRIx64,
						      at);
			return ld_error_errno(LD_EXIT_COPY, e,
					      "guest RAM at host 0x%" PRIx64 " became unreadable",
					      at);
		}
	}
	return NULL;
}

/* Write buf (file offset off), leaving all-zero pages as holes. */
static struct ld_error *write_sparse(int fd, const unsigned char *buf,
				     size_t len, uint64_t off,
				     struct ld_copy_stats *st)
{
	size_t pos = 0, run = 0;	/* run: start of pending data */

	while (pos < len) {
		/* pages of the file, not of the buffer, become holes */
		size_t c = ZERO_PAGE - (size_t)((off + pos) % ZERO_PAGE);

		if (c > len - pos)
			c = len - pos;

		if (all_zero(buf + pos, c)) {
			if (pos > run) {
				struct ld_error *err =
					ld_write_all(fd, buf + run, pos - run,
						     (off_t)(off + run));
				if (err)
					return err;
				st->bytes_written += pos - run;
			}
			st->bytes_hole += c;
			run = pos + c;
		}
		pos += c;
	}
	if (len > run) {
		struct ld_error *err = ld_write_all(fd, buf + run, len - run,
						    (off_t)(off + run));
		if (err)
			return err;
		st->bytes_written += len - run;
	}
	return NULL;
}

/* Reject what would overflow or break the streaming contract. */
static struct ld_error *check_layout(const struct ld_memmap *map,
				     const uint64_t *offsets, bool seekable,
				     uint64_t *end)
{
	uint64_t expect = map->count ? offsets[0] : 0;
	size_t i;

	*end = 0;
	for (i = 0; i < map->count; i++) {
		const struct ld_block *b = &map->blocks[i];

		if (b->host + b->size < b->host ||
		    offsets[i] + b->size < offsets[i] ||
		    offsets[i] + b->size > (uint64_t)INT64_MAX)
			return block_context(ld_error(LD_EXIT_MODEL,
						      "size out of range"),
					     map, i);
		if (!seekable && offsets[i] != expect)
			return block_context(ld_error(LD_EXIT_FAILURE,
						      "file offset 0x%" PRIx64 " is not contiguous (0x%" PRIx64 " expected) on a stream",
						      offsets[i], expect),
					     map, i);
		expect = offsets[i] + b->size;
		if (expect > *end)
			*end = expect;
	}
	return NULL;
}

struct ld_error *ld_copy_blocks(pid_t pid, const struct ld_memmap *map,
				const uint64_t *offsets, int fd,
				bool seekable, const struct ld_copy_opts *opts,
				struct ld_copy_stats *stats)
{
	struct ld_copy_stats local_stats, *st = stats ? stats : &local_stats;
	size_t batch = opts && opts->batch_bytes ? opts->batch_bytes
						 : DEFAULT_BATCH;
	bool sparse = seekable && opts && opts->sparse;
	volatile sig_atomic_t *stop = opts ? opts->stop : NULL;
	uint64_t start = ld_now_ns(), end;
	struct ld_error *err = NULL;
	struct iovec *riov = NULL;
	unsigned char *buf = NULL;
	size_t max_iov, i;

	memset(st, 0, sizeof(*st));
	if (batch > MAX_BATCH)
		batch = MAX_BATCH;
	/* whole pages per batch keep zero pages from straddling batches */
	if (batch > ZERO_PAGE)
		batch -= batch % ZERO_PAGE;
	err = check_layout(map, offsets, seekable, &end);
	if (err)
		return err;
	max_iov = batch / REMOTE_CHUNK + 1;
	if (max_iov > IOV_MAX)
		max_iov = IOV_MAX;
	buf = malloc(batch);
	riov = calloc(max_iov, sizeof(*riov));
	if (!buf || !riov) {
		err = &ld_error_nomem;
		goto out;
	}

	for (i = 0; i < map->count && !err; i++) {
		const struct ld_block *b = &map->blocks[i];
		uint64_t pos = 0;

		while (pos < b->size) {
			size_t n = b->size - pos < batch ?
				   (size_t)(b->size - pos) : batch;

			if (stop && *stop) {
				err = ld_error(LD_EXIT_INTERRUPTED,
					       "interrupted by signal");
				goto out;
			}
			err = read_batch(pid, b->host + pos, buf, n, riov,
					 max_iov, &st->read_calls);
			if (!err && opts && opts->inspect)
				opts->inspect(opts->inspect_ctx, b->gpa + pos,
					      buf, n);
			if (!err && sparse) {
				err = write_sparse(fd, buf, n,
						   offsets[i] + pos, st);
			} else if (!err) {
				err = ld_write_all(fd, buf, n, seekable ?
						   (off_t)(offsets[i] + pos) :
						   -1);
				if (!err)
					st->bytes_written += n;
			}
			if (err) {
				err = block_context(err, map, i);
				break;
			}
			pos += n;
			st->bytes_total += n;
		}
	}
	/* trailing holes exist only once the size says so */
	if (!err && sparse) {
		struct stat sb;

		if (fstat(fd, &sb) < 0)
			err = ld_error_errno(LD_EXIT_OUTPUT, errno,
					     "sizing the output");
		else if ((uint64_t)sb.st_size < end &&
			 ftruncate(fd, (off_t)end) < 0)
			err = ld_error_errno(LD_EXIT_OUTPUT, errno,
					     "extending the output to %" PRIu64 " bytes",
					     end);
	}
out:
	free(buf);
	free(riov);
	st->ns = ld_now_ns() - start;
	return err;
}
