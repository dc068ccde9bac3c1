// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * output_write.c - how big data reaches the vmcore file: holes for zero
 * and untouched pages, writeback started right behind the writes and the
 * page cache dropped once on disk (or O_DIRECT when asked for), writes
 * that give up once a stop is requested.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "output.h"

#define ZERO_PAGE	4096u
#define DIO_ALIGN	4096u	/* covers 512 and 4096 byte sectors */
#define DROP_LAG	(64ull << 20)	/* written data kept dirty at most */
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC	0x01021994
#endif
#ifndef RAMFS_MAGIC
#define RAMFS_MAGIC	0x858458f6
#endif

static volatile sig_atomic_t *write_stop;

static void on_kick(int sig)
{
	(void)sig;	/* only there to make a blocked write return EINTR */
}

void ld_write_set_stop(volatile sig_atomic_t *stop)
{
	struct sigaction sa = { .sa_handler = on_kick };

	write_stop = stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGURG, &sa, NULL);	/* no SA_RESTART */
}

struct ld_error *ld_write_all(int fd, const void *buf, size_t len, off_t off)
{
	const char *p = buf;
	off_t start = off;

	while (len) {
		ssize_t n;

		/* a pipe write cut short by the signal returns what it wrote */
		if (write_stop && *write_stop)
			return ld_error(LD_EXIT_INTERRUPTED, "interrupted by signal");
		n = off >= 0 ? pwrite(fd, p, len, off) : write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR && write_stop && *write_stop)
				return ld_error(LD_EXIT_INTERRUPTED,
						"interrupted by signal");
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

struct ld_file_writer {
	int fd;
	bool seekable, sparse;
	bool direct_ok;		/* O_DIRECT accepted by this file */
	bool direct_on;		/* O_DIRECT currently set */
	bool drop_cache;	/* flush + drop behind buffered writes */
	int orig_flags;
	uint64_t dropped_upto;	/* start of what may still be cached */
	uint64_t written_upto;
	uint64_t end;		/* end of the furthest write */
	bool wrote;		/* something was written */
	struct ld_write_stats st;
};

/*
 * True if len bytes at p are all zero.  p may be anywhere in a buffer (a
 * file page that straddles two of its pages): the bytes up to the first
 * 8-byte boundary are looked at one by one, then whole words.
 */
static bool all_zero(const unsigned char *p, size_t len)
{
	const uint64_t *w;
	size_t nw, i;

	while (len && (uintptr_t)p % 8) {
		if (*p++)
			return false;
		len--;
	}
	w = (const uint64_t *)(const void *)p;
	nw = len / 8;

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


static struct ld_error *set_direct(struct ld_file_writer *w, bool on)
{
	if (w->direct_on == on)
		return NULL;
	if (fcntl(w->fd, F_SETFL, on ? w->orig_flags | O_DIRECT
				     : w->orig_flags) < 0)
		return ld_error_errno(LD_EXIT_OUTPUT, errno,
				      "setting the output's O_DIRECT flag");
	w->direct_on = on;
	return NULL;
}

static bool dio_aligned(const void *p, size_t len, uint64_t off)
{
	return !((uintptr_t)p % DIO_ALIGN) && !(len % DIO_ALIGN) &&
	       !(off % DIO_ALIGN) && len;
}

/*
 * Write len bytes at off, with O_DIRECT when allowed and aligned.  A file
 * system that takes the flag but refuses the write (EINVAL) loses O_DIRECT
 * for the rest of the copy.
 */
static struct ld_error *out_write(struct ld_file_writer *w, const unsigned char *p,
				  size_t len, uint64_t off)
{
	struct ld_error *err;

	if (!w->seekable)
		return ld_write_all(w->fd, p, len, -1);
	while (len && w->direct_ok && dio_aligned(p, len, off)) {
		ssize_t n;

		err = set_direct(w, true);
		if (err)
			return err;
		n = pwrite(w->fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EINVAL) {
			w->direct_ok = false;
			break;
		}
		if (n <= 0)
			break;	/* the buffered write reports it */
		w->st.bytes_direct += (uint64_t)n;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	if (!len)
		return NULL;
	err = set_direct(w, false);
	if (!err)
		err = ld_write_all(w->fd, p, len, (off_t)off);
	return err;
}

/*
 * Buffered writes: start writeback of what was just written and drop what
 * is DROP_LAG behind once it is on disk, so a dump bigger than the page
 * cache neither stalls on dirty limits at the end nor evicts everything.
 */
static struct ld_error *drop_behind(struct ld_file_writer *w, uint64_t off,
				    uint64_t len)
{
	uint64_t upto;

	if (!w->drop_cache || !len)
		return NULL;
	if (sync_file_range(w->fd, (off_t)off, (off_t)len,
			    SYNC_FILE_RANGE_WRITE) < 0)
		goto fail;
	upto = off + len;
	if (upto > w->written_upto)
		w->written_upto = upto;
	if (w->written_upto < w->dropped_upto + 2 * DROP_LAG)
		return NULL;
	upto = w->written_upto - DROP_LAG;
	if (sync_file_range(w->fd, (off_t)w->dropped_upto,
			    (off_t)(upto - w->dropped_upto),
			    SYNC_FILE_RANGE_WAIT_BEFORE |
			    SYNC_FILE_RANGE_WRITE |
			    SYNC_FILE_RANGE_WAIT_AFTER) < 0)
		goto fail;
	posix_fadvise(w->fd, (off_t)w->dropped_upto,
		      (off_t)(upto - w->dropped_upto), POSIX_FADV_DONTNEED);
	w->dropped_upto = upto;
	return NULL;
fail:
	if (errno == EINVAL || errno == ESPIPE || errno == ENOSYS) {
		w->drop_cache = false;	/* not a file that has writeback */
		return NULL;
	}
	return ld_error_errno(LD_EXIT_OUTPUT, errno,
			      "writing back the output at offset %" PRIu64,
			      off);
}

/* Data runs between holes (zero or untouched pages). */
static struct ld_error *write_sparse(struct ld_file_writer *w,
				     const unsigned char *buf, size_t len,
				     uint64_t off, const unsigned char *untouched)
{
	size_t pos = 0, run = 0;	/* run: start of pending data */
	struct ld_error *err;

	/* untouched marks buffer units: they are file pages only if aligned */
	if (off % ZERO_PAGE)
		untouched = NULL;
	while (pos < len) {
		/* pages of the file, not of the buffer, become holes */
		size_t c = ZERO_PAGE - (size_t)((off + pos) % ZERO_PAGE);
		bool hole;

		if (c > len - pos)
			c = len - pos;
		hole = (c == ZERO_PAGE && untouched &&
			untouched[pos / ZERO_PAGE]) ||
		       all_zero(buf + pos, c);
		if (hole) {
			if (pos > run) {
				err = out_write(w, buf + run, pos - run,
						off + run);
				if (err)
					return err;
				w->st.bytes_written += pos - run;
			}
			w->st.bytes_hole += c;
			run = pos + c;
		}
		pos += c;
	}
	if (len > run) {
		err = out_write(w, buf + run, len - run, off + run);
		if (err)
			return err;
		w->st.bytes_written += len - run;
	}
	return NULL;
}

struct ld_error *ld_file_writer_write(struct ld_file_writer *w,
				      const void *data, size_t len,
				      uint64_t off,
				      const unsigned char *untouched)
{
	struct ld_error *err;

	/* a stream cannot skip: the layout must be back to back */
	if (!w->seekable && w->wrote && off != w->end)
		return ld_error(LD_EXIT_FAILURE,
				"file offset 0x%" PRIx64 " is not contiguous (0x%" PRIx64 " expected) on a stream",
				off, w->end);
	w->wrote = true;
	if (w->sparse) {
		err = write_sparse(w, data, len, off, untouched);
	} else {
		err = out_write(w, data, len, off);
		if (!err)
			w->st.bytes_written += len;
	}
	if (!err && w->seekable && !w->direct_on)
		err = drop_behind(w, off, len);
	if (!err && (off + len > w->end || !w->seekable))
		w->end = off + len;
	return err;
}

/*
 * Write-behind (default) and O_DIRECT (asked for) only make sense for files
 * that have writeback; on memory file systems they are just overhead.
 */
struct ld_file_writer *ld_file_writer_new(int fd, bool seekable, bool sparse,
					  unsigned int flags)
{
	struct ld_file_writer *w = calloc(1, sizeof(*w));
	struct statfs sfs;
	struct stat sb;

	if (!w)
		return NULL;
	w->fd = fd;
	w->seekable = seekable;
	w->sparse = sparse && seekable;
	w->orig_flags = fcntl(fd, F_GETFL);
	if (!seekable || w->orig_flags < 0 || (w->orig_flags & O_DIRECT) ||
	    fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    fstatfs(fd, &sfs) < 0 || sfs.f_type == TMPFS_MAGIC ||
	    sfs.f_type == RAMFS_MAGIC)
		return w;
	w->drop_cache = !(flags & LD_WRITE_NO_DROP_CACHE);
	if (!(flags & LD_WRITE_DIRECT))
		return w;
	w->direct_ok = fcntl(fd, F_SETFL, w->orig_flags | O_DIRECT) == 0;
	if (w->direct_ok)
		fcntl(fd, F_SETFL, w->orig_flags);
	return w;
}

struct ld_error *ld_file_writer_finish(struct ld_file_writer *w,
				       uint64_t size)
{
	struct ld_error *err = NULL;
	struct stat sb;

	if (w->direct_on)
		err = set_direct(w, false);
	if (err || !w->sparse)
		return err;
	/* trailing holes exist only once the size says so */
	if (size < w->end)
		size = w->end;
	if (fstat(w->fd, &sb) < 0)
		return ld_error_errno(LD_EXIT_OUTPUT, errno, "sizing the output");
	if ((uint64_t)sb.st_size < size && ftruncate(w->fd, (off_t)size) < 0)
		return ld_error_errno(LD_EXIT_OUTPUT, errno,
				      "extending the output to %" PRIu64 " bytes",
				      size);
	return NULL;
}

void ld_file_writer_stats(const struct ld_file_writer *w,
			  struct ld_write_stats *st)
{
	*st = w->st;
}

void ld_file_writer_free(struct ld_file_writer *w)
{
	if (!w)
		return;
	if (w->direct_on)
		fcntl(w->fd, F_SETFL, w->orig_flags);
	free(w);
}

struct ld_error *ld_offset_pages(void *ctx, size_t block, uint64_t pos,
				 const unsigned char *data, size_t len,
				 const unsigned char *untouched)
{
	const struct ld_offset_sink *s = ctx;

	return ld_file_writer_write(s->w, data, len, s->offsets[block] + pos,
				    untouched);
}
