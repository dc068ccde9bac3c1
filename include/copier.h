/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * copier.h - stream guest RAM from the target into the vmcore with
 * process_vm_readv, in multi-MiB batches, with bounded memory.
 *
 * Pages the target never touched (not present and not swapped in
 * /proc/PID/pagemap, in a private anonymous mapping) read as zeros and are
 * not read at all.  A range that cannot be read is an error naming its
 * block, never silent zeros.
 *
 * Reading and handing over overlap: the calling thread reads, a writer
 * thread passes full buffers to the sink (the output format, which owns
 * the layout and, through output.h, the write policy), through a few
 * bounded buffers.  The copier knows nothing of files or offsets.
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
	uint64_t read_calls;	/* process_vm_readv calls */
	uint64_t ns;		/* wall time of the copy */
	uint64_t bytes_unpopulated;	/* never touched: not read at all */
	uint64_t bytes_vanished;	/* zeros for RAM gone mid-copy */
};

/* Tuning switches for tests and benchmarks; 0 is the measured default. */
enum {
	LD_COPY_NO_PAGEMAP = 1u << 0,	/* read untouched pages too */
	LD_COPY_NO_THREAD = 1u << 1,	/* hand over from the reading thread */
};

/*
 * Where guest RAM goes: the output format.  pages() gets the buffers in
 * order (block by block, gpa order within a block), from the copier's
 * writer thread, one call at a time.
 */
struct ld_page_sink {
	/*
	 * len bytes of block `block` from offset pos in it (whole pages
	 * unless the block ends).  untouched: per 4 KiB unit of data,
	 * nonzero for a page never touched by the guest, not read; its
	 * bytes in data are zeros only if zero_fill.
	 */
	struct ld_error *(*pages)(void *ctx, size_t block, uint64_t pos,
				  const unsigned char *data, size_t len,
				  const unsigned char *untouched);
	void *ctx;
	bool zero_fill;
};

struct ld_copy_opts {
	size_t batch_bytes;	/* bytes per buffer (default 8 MiB, max 16) */
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
	/*
	 * Pages not wanted in the vmcore (the dump level): for the units
	 * units of 4 KiB from gpa, set marks[u] for those to leave out.  They
	 * are not read, and reach the sink as untouched pages (zeros).
	 */
	void (*leave_out)(void *ctx, uint64_t gpa, size_t units,
			  unsigned char *marks);
	void *leave_out_ctx;
	unsigned int flags;	/* LD_COPY_NO_*, 0 normally */
};

/* Copy every block of map into sink. */
struct ld_error *ld_copy_blocks(pid_t pid, const struct ld_memmap *map,
				const struct ld_page_sink *sink,
				const struct ld_copy_opts *opts,
				struct ld_copy_stats *stats);

/*
 * For signal handlers: interrupt the copier's writer thread if one is
 * blocked in a write (async-signal-safe).
 */
void ld_copy_interrupt_async(void);

#endif /* QLD_COPIER_H */
