// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rawcopy.c - the raw limit for bench/run: copy one range of another
 * process's memory to a file with the simplest loop there is
 * (process_vm_readv into one buffer, pwrite, fsync at the end).  No holes,
 * no threads, no checks beyond errors.
 *
 *   rawcopy PID HOSTADDR LEN OUTPUT|- [direct] [BATCH_MIB]
 *
 * OUTPUT "-" reads only (the read limit).  "direct" opens with O_DIRECT.
 * Prints the nanoseconds spent, including the final fsync.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	uint64_t addr, len, done = 0, t0;
	size_t batch = 8u << 20;
	bool direct;
	void *buf;
	int fd = -1;
	pid_t pid;

	if (argc < 5) {
		fprintf(stderr, "usage: rawcopy PID HOSTADDR LEN OUTPUT|- [direct] [BATCH_MIB]\n");
		return 2;
	}
	pid = (pid_t)strtol(argv[1], NULL, 0);
	addr = strtoull(argv[2], NULL, 0);
	len = strtoull(argv[3], NULL, 0);
	direct = argc > 5 && !strcmp(argv[5], "direct");
	if (argc > 6)
		batch = (size_t)strtoul(argv[6], NULL, 0) << 20;
	if (posix_memalign(&buf, 4096, batch))
		return 1;
	t0 = now_ns();
	if (strcmp(argv[4], "-")) {
		fd = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC |
			  (direct ? O_DIRECT : 0), 0600);
		if (fd < 0) {
			perror(argv[4]);
			return 1;
		}
	}
	while (done < len) {
		size_t n = len - done < batch ? (size_t)(len - done) : batch;
		struct iovec l = { buf, n };
		struct iovec r = { (void *)(uintptr_t)(addr + done), n };
		ssize_t got = process_vm_readv(pid, &l, 1, &r, 1, 0);

		if (got <= 0) {
			perror("process_vm_readv");
			return 1;
		}
		if (fd >= 0) {
			size_t w = 0;

			while (w < (size_t)got) {
				ssize_t k = pwrite(fd, (char *)buf + w,
						   (size_t)got - w,
						   (off_t)(done + w));

				if (k < 0 && errno == EINTR)
					continue;
				if (k <= 0) {
					perror("pwrite");
					return 1;
				}
				w += (size_t)k;
			}
		}
		done += (uint64_t)got;
	}
	if (fd >= 0 && (fsync(fd) < 0 || close(fd) < 0)) {
		perror("fsync");
		return 1;
	}
	printf("%llu\n", (unsigned long long)(now_ns() - t0));
	free(buf);
	return 0;
}
