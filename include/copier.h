/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * copier.h - stream guest RAM from the target into the vmcore with
 * process_vm_readv, in multi-MiB batches, with bounded memory.
 *
 * Zero pages become holes when the output is seekable (the file size stays
 * the same, the bytes read back as zeros).  Pages the target never touched
 * (not present and not swapped in /proc/PID/pagemap, in a private anonymous
 * mapping) read as zeros and are not read at all.  A range that cannot be
 * read is an error naming its block, never silent zeros.
 *
 * Reading and writing overlap: the calling thread reads, a writer thread
 * writes, through a few bounded buffers.  On regular files on disk the
 * writer starts writeback right behind itself and drops what is on disk
 * from the page cache, so a huge dump neither waits on dirty limits nor
 * evicts everything else (O_DIRECT on request; measured no faster here:
 * docs/PERFORMANCE.md).
 */
#ifndef QLD_COPIER_H
#define QLD_COPIER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "memmap.h"

struct ld_copy_stats {
	uint64_t bytes_total;	/* guest bytes covered by loads */
	uint64_t bytes_written;	/* bytes actually written */
	uint64_t bytes_hole;	/* zero bytes left as holes */
	uint64_t read_calls;	/* process_vm_readv calls */
	uint64_t ns;		/* wall time of the copy */
	uint64_t bytes_unpopulated;	/* never touched: not read at all */
	uint64_t bytes_direct;	/* written with O_DIRECT (LD_COPY_DIRECT) */
	uint64_t bytes_vanished;	/* zeros for RAM gone mid-copy */
};

/* Tuning switches for tests and benchmarks; 0 is the measured default. */
enum {
	LD_COPY_NO_PAGEMAP = 1u << 0,	/* read untouched pages too */
	LD_COPY_NO_THREAD = 1u << 1,	/* write from the reading thread */
	LD_COPY_DIRECT = 1u << 2,	/* O_DIRECT where the file takes it */
	LD_COPY_NO_DROP_CACHE = 1u << 3,	/* no flush+drop behind writes */
};

struct ld_copy_opts {
	size_t batch_bytes;	/* bytes per buffer (default 8 MiB, max 16) */
	bool sparse;		/* leave zero pages as holes (seekable only) */
	volatile sig_atomic_t *stop;	/* set by a signal handler: abort */
	/*
	 * Called with every piece of guest RAM read, before it is written,
	 * in gpa order within a block (whole pages when sizes allow), from
	 * the calling thread.  Lets the caller look for things in guest RAM
	 * (the kernel's VMCOREINFO note) without a second pass.  Untouched
	 * pages (bytes_unpopulated) are zeros that were never read and are
	 * not passed.  May be NULL.
	 */
	void (*inspect)(void *ctx, uint64_t gpa, const void *data, size_t len);
	void *inspect_ctx;
	/* After each batch: bytes done of the total (calling thread). */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
	/*
	 * Guest RAM whose host memory QEMU unmapped after the freeze (a DIMM
	 * unplugged and freed during a --freeze=meta copy).  With this set,
	 * the copier calls it once for such a block (its index, the gpa of
	 * the batch that failed), writes the rest of the block as zeros and
	 * goes on; the caller decides what the vmcore says about it.  Memory
	 * still mapped but unreadable stays an error, as it is without this.
	 */
	void (*vanished)(void *ctx, size_t block, uint64_t gpa);
	void *vanished_ctx;
	unsigned int flags;	/* LD_COPY_NO_*, 0 normally */
};

/*
 * Copy every block of map into fd; block i goes at file offset
 * offsets[i].  A non-seekable fd must already be positioned at offsets[0]
 * and the blocks must be laid out back to back.
 */
struct ld_error *ld_copy_blocks(pid_t pid, const struct ld_memmap *map,
				const uint64_t *offsets, int fd,
				bool seekable, const struct ld_copy_opts *opts,
				struct ld_copy_stats *stats);

/*
 * Write all of buf at offset (or at the current position if off < 0).
 * A write interrupted (EINTR) once *stop of ld_write_set_stop() is set
 * gives up with LD_EXIT_INTERRUPTED instead of retrying.
 */
struct ld_error *ld_write_all(int fd, const void *buf, size_t len, off_t off);

/*
 * Where the run's stop request lives (set by the signal handlers), so that
 * a write blocked on a stalled pipe (-o - | ssh ...) can be abandoned.
 */
void ld_write_set_stop(volatile sig_atomic_t *stop);

/*
 * For signal handlers: interrupt the copier's writer thread if one is
 * blocked in a write (async-signal-safe).
 */
void ld_copy_interrupt_async(void);

#endif /* QLD_COPIER_H */
