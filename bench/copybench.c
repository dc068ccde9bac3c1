// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * copybench.c - ablation driver for bench/run: runs the tool's copier
 * (ld_copy_blocks) on one range of another process's memory with chosen
 * LD_COPY_NO_* switches and batch size, so that each piece of engineering
 * in src/copier.c can be measured on its own.
 *
 *   copybench PID HOSTADDR LEN OUTPUT|- FLAGS BATCH_MIB
 *
 * FLAGS: a number, OR of LD_COPY_NO_* (include/copier.h).  OUTPUT "-"
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
#include "proc.h"

int main(int argc, char **argv)
{
	struct ld_copy_opts opts = { .sparse = true };
	struct ld_copy_stats st;
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
	opts.flags = (unsigned int)strtoul(argv[5], NULL, 0);
	opts.batch_bytes = (size_t)strtoul(argv[6], NULL, 0) << 20;
	stream = !strcmp(argv[4], "-");
	t0 = ld_now_ns();
	fd = stream ? open("/dev/null", O_WRONLY)
		    : open(argv[4], O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror(argv[4]);
		return 1;
	}
	err = ld_copy_blocks((pid_t)strtol(argv[1], NULL, 0), &map, &off, fd,
			     !stream, &opts, &st);
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
	       ld_now_ns() - t0, st.bytes_written, st.bytes_hole,
	       st.bytes_unpopulated, st.bytes_direct, st.read_calls);
	return 0;
}
