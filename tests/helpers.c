// SPDX-License-Identifier: GPL-2.0-or-later
/* helpers.c - small shared helpers for the Criterion tests; see helpers.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

char *qld_test_path(const char *rel)
{
	const char *dir = getenv("QLD_BUILDDIR");
	char *path;

	if (!dir || !*dir)
		dir = ".";
	if (rel[0] == '/')
		path = strdup(rel);
	else if (asprintf(&path, "%s/%s", dir, rel) < 0)
		path = NULL;
	if (!path)
		abort();
	return path;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read up to the first newline (at most len - 1 bytes), within timeout. */
static int read_line(int fd, char *buf, size_t len, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	size_t used = 0;

	while (used < len - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t n;
		int rc;

		if (left <= 0)
			return -ETIMEDOUT;
		rc = poll(&p, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc == 0)
			return -ETIMEDOUT;
		/* One byte at a time: nothing after the line is consumed. */
		n = read(fd, buf + used, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		if (buf[used++] == '\n') {
			buf[used] = '\0';
			return 0;
		}
	}
	return -EMSGSIZE;
}

int qld_fixture_start(struct qld_fixture *fx, const char *binary_rel,
		      const char *const *extra_args)
{
	char *path = qld_test_path(binary_rel);
	int in[2], out[2], n = 0, rc, pid;
	char line[256];
	const char **argv;

	memset(fx, 0, sizeof(*fx));
	fx->pid = -1;
	fx->in_fd = fx->out_fd = -1;
	while (extra_args && extra_args[n])
		n++;
	argv = calloc(n + 2, sizeof(*argv));
	if (!argv)
		abort();
	argv[0] = path;
	for (int i = 0; i < n; i++)
		argv[i + 1] = extra_args[i];
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) {
		perror("pipe2");
		abort();
	}
	fx->pid = fork();
	if (fx->pid < 0) {
		perror("fork");
		abort();
	}
	if (fx->pid == 0) {
		/* dup2 clears O_CLOEXEC on the copies, nothing else leaks. */
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
			_exit(127);
		execv(path, (char *const *)argv);
		fprintf(stderr, "exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	fx->in_fd = in[1];
	fx->out_fd = out[0];
	free(argv);

	rc = read_line(fx->out_fd, line, sizeof(line), 10000);
	if (rc == 0 &&
	    sscanf(line, "ready pid=%d heartbeat=0x%" SCNx64 " token=0x%"
		   SCNx64 " as=0x%" SCNx64, &pid, &fx->heartbeat, &fx->token,
		   &fx->as) == 4 && pid == fx->pid) {
		free(path);
		return 0;
	}
	fprintf(stderr, "%s: no ready line (%s)\n", path,
		rc ? strerror(-rc) : line);
	free(path);
	qld_fixture_stop(fx);
	return -1;
}

int qld_fixture_stop(struct qld_fixture *fx)
{
	int64_t deadline = now_ms() + 5000;
	int status = -1;
	bool killed = false;

	if (fx->in_fd >= 0)
		close(fx->in_fd);
	if (fx->out_fd >= 0)
		close(fx->out_fd);
	fx->in_fd = fx->out_fd = -1;
	if (fx->pid <= 0)
		return -1;
	kill(fx->pid, SIGTERM);
	for (;;) {
		pid_t r = waitpid(fx->pid, &status, WNOHANG);

		if (r == fx->pid)
			break;
		if (r < 0 && errno != EINTR) {
			status = -1;
			break;
		}
		if (!killed && now_ms() > deadline) {
			kill(fx->pid, SIGKILL);
			killed = true;
		}
		usleep(2000);
	}
	fx->pid = -1;
	return status;
}
