// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * copybench.c - ablation driver for bench/run: runs the tool's copier
 * (ld_copy_blocks) on one range of another process's memory with chosen
 * LD_COPY_NO_* switches and batch size, so that each piece of engineering
 * in src/copier.c can be measured on its own.
 *
 *   copybench PID HOSTADDR LEN OUTPUT|- FLAGS BATCH_MIB
 *
 * FLAGS: a number: 1 no pagemap, 2 no writer thread, 4 O_DIRECT, 8 no
 * page-cache drop (LD_COPY_NO_* and the writer's LD_WRITE_*).  OUTPUT "-"
 * writes to /dev/null as a stream (the read side alone).  Prints the
 * nanoseconds spent including fsync, then the copier's counters.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "copier.h"
#include "output.h"
#include "proc.h"

/* The old FLAGS bits of the writer: O_DIRECT, no cache drop. */
#define BENCH_DIRECT	(1u << 2)
#define BENCH_NO_DROP	(1u << 3)

int main(int argc, char **argv)
{
	struct ld_copy_opts opts = { 0 };
	struct ld_copy_stats st;
	struct ld_write_stats ws;
	struct ld_file_writer *w;
	struct ld_offset_sink at = { .offsets = NULL };
	struct ld_page_sink sink = { .pages = ld_offset_pages, .ctx = &at };
	unsigned int flags;
	struct ld_block b = { .gpa = 0 };
	struct ld_memmap map = { .blocks = &b, .count = 1 };
	struct ld_error *err;
	uint64_t off = 0, t0;
	bool stream;
	int fd;

	if (argc != 7) {
		fprintf(stderr, "usage: copybench PID HOSTADDR LEN OUTPUT|- FLAGS BATCH_MIB\n");
		return 2;
	}
	b.host = strtoull(argv[2], NULL, 0);
	b.size = strtoull(argv[3], NULL, 0);
	snprintf(b.name, sizeof(b.name), "bench");
	flags = (unsigned int)strtoul(argv[5], NULL, 0);
	opts.flags = flags & (LD_COPY_NO_PAGEMAP | LD_COPY_NO_THREAD);
	opts.batch_bytes = (size_t)strtoul(argv[6], NULL, 0) << 20;
	stream = !strcmp(argv[4], "-");
	t0 = ld_now_ns();
	fd = stream ? open("/dev/null", O_WRONLY)
		    : open(argv[4], O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror(argv[4]);
		return 1;
	}
	w = ld_file_writer_new(fd, !stream, true,
			       (flags & BENCH_DIRECT ? LD_WRITE_DIRECT : 0) |
			       (flags & BENCH_NO_DROP ? LD_WRITE_NO_DROP_CACHE : 0));
	if (!w)
		return 1;
	at.w = w;
	at.offsets = &off;
	sink.zero_fill = stream;
	err = ld_copy_blocks((pid_t)strtol(argv[1], NULL, 0), &map, &sink,
			     &opts, &st);
	if (!err)
		err = ld_file_writer_finish(w, b.size);
	ld_file_writer_stats(w, &ws);
	ld_file_writer_free(w);
	if (err) {
		fprintf(stderr, "copybench: %s\n", err->message);
		return 1;
	}
	if (!stream && fsync(fd) < 0) {
		perror("fsync");
		return 1;
	}
	close(fd);
	printf("%" PRIu64 " written %" PRIu64 " hole %" PRIu64
	       " unpopulated %" PRIu64 " direct %" PRIu64 " reads %" PRIu64 "\n",
	       ld_now_ns() - t0, ws.bytes_written, ws.bytes_hole,
	       st.bytes_unpopulated, ws.bytes_direct, st.read_calls);
	return 0;
}
