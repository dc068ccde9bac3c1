/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * output.h - the vmcore file: created 0600 under a name nobody sees until it
 * is complete, published atomically, never overwriting without --force.
 *
 * Regular files are written through an O_TMPFILE descriptor in the target
 * directory (falling back to a hidden temporary name where the file system
 * has no O_TMPFILE), so a killed tool leaves no truncated vmcore behind.
 * "-" means standard output (a pipe or a file given by the shell).
 *
 * If the tool dies (even by SIGKILL), the final close of an unfinished
 * file -- freeing its blocks, waiting for its writeback -- happens in a
 * small keeper process, not in the dying tool, whose exit is what releases
 * QEMU's threads.
 */
#ifndef QLD_OUTPUT_H
#define QLD_OUTPUT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

struct ld_output {
	int fd;
	bool seekable;		/* holes and pwrite allowed */
	bool is_stdout;
	bool force;
	int dirfd;
	char *final_path;
	char *tmp_path;		/* named temporary, when O_TMPFILE fails */
	/*
	 * A child holding a duplicate of fd until we are gone (see
	 * start_keeper in output.c), and our end of the pipe it waits on.
	 */
	int keeper_pid;
	int keeper_pipe;
};

/*
 * Check the destination and open the file to write.  An existing path is
 * refused unless force.
 */
struct ld_error *ld_output_open(struct ld_output *out, const char *path,
				bool force);

/* Flush and publish under the final name. */
struct ld_error *ld_output_commit(struct ld_output *out);

/* Drop the unfinished file.  Safe after commit (does nothing then). */
void ld_output_abort(struct ld_output *out);

/* For signal handlers: unlink the named temporary, if any. */
void ld_output_abort_async(void);

/* ------------------------------------------------------------------------
 * Writing big data to the vmcore (output_write.c): the write policy.
 */

/*
 * Write all of buf at offset (or at the current position if off < 0).
 * A write interrupted (EINTR) once *stop of ld_write_set_stop() is set
 * gives up with LD_EXIT_INTERRUPTED instead of retrying.
 */
struct ld_error *ld_write_all(int fd, const void *buf, size_t len, off_t off);

/*
 * Where the run's stop request lives (set by the signal handlers), so that
 * a write blocked on a stalled pipe (-o - | ssh ...) can be abandoned; a
 * blocked writer thread is kicked with SIGURG (ld_copy_interrupt_async).
 */
void ld_write_set_stop(volatile sig_atomic_t *stop);

/* Switches for tests and benchmarks; 0 is the measured default. */
enum {
	LD_WRITE_DIRECT = 1u << 0,	/* O_DIRECT where the file takes it */
	LD_WRITE_NO_DROP_CACHE = 1u << 1,	/* no flush+drop behind writes */
};

struct ld_write_stats {
	uint64_t bytes_written;	/* bytes actually written */
	uint64_t bytes_hole;	/* zero bytes left as holes */
	uint64_t bytes_direct;	/* written with O_DIRECT (LD_WRITE_DIRECT) */
};

/*
 * One file's write policy, used from one thread at a time.  sparse: zero
 * pages (and untouched ones) become holes, on seekable files only.  On a
 * regular file on disk, writeback starts right behind the writes and what
 * is on disk is dropped from the page cache, so a huge dump neither waits
 * on dirty limits nor evicts everything else (O_DIRECT on request; measured
 * no faster here: docs/PERFORMANCE.md).  NULL: out of memory.
 */
struct ld_file_writer *ld_file_writer_new(int fd, bool seekable, bool sparse,
					  unsigned int flags);

/*
 * len bytes at file offset off (ignored on a stream: written in order).
 * untouched (may be NULL): per 4 KiB unit of data, nonzero for a page of
 * zeros never read; they become holes only when off is 4 KiB aligned, so
 * elsewhere data must hold those zeros.
 */
struct ld_error *ld_file_writer_write(struct ld_file_writer *w,
				      const void *data, size_t len,
				      uint64_t off,
				      const unsigned char *untouched);

/* Back to buffered I/O; a sparse file grows to size (trailing holes). */
struct ld_error *ld_file_writer_finish(struct ld_file_writer *w,
				       uint64_t size);

void ld_file_writer_stats(const struct ld_file_writer *w,
			  struct ld_write_stats *st);
void ld_file_writer_free(struct ld_file_writer *w);

/*
 * Guest RAM at fixed file offsets: block i at offsets[i] (the ELF layout's
 * loads), written through w.  ld_offset_pages is an ld_page_sink's pages()
 * with an ld_offset_sink as its context.
 */
struct ld_offset_sink {
	struct ld_file_writer *w;
	const uint64_t *offsets;
};

struct ld_error *ld_offset_pages(void *ctx, size_t block, uint64_t pos,
				 const unsigned char *data, size_t len,
				 const unsigned char *untouched);

#endif /* QLD_OUTPUT_H */
