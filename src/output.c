// SPDX-License-Identifier: GPL-2.0-or-later
/* output.c - create the vmcore invisibly, publish it atomically. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "output.h"

/*
 * Tests set this to exercise the named-temporary fallback on file systems
 * that do support O_TMPFILE.  Not part of the interface.
 */
bool ld_output_test_no_tmpfile;

/* The named temporary, for ld_output_abort_async() (unlinkat only). */
static volatile int async_dirfd = -1;
static char async_tmp_name[NAME_MAX + 1];
static volatile sig_atomic_t async_tmp_set;

void ld_output_abort_async(void)
{
	if (async_tmp_set && async_dirfd >= 0)
		unlinkat(async_dirfd, async_tmp_name, 0);
	async_tmp_set = 0;
}

static void async_set(int dirfd, const char *name)
{
	async_tmp_set = 0;
	async_dirfd = dirfd;
	snprintf(async_tmp_name, sizeof(async_tmp_name), "%s", name);
	async_tmp_set = 1;
}

static void async_clear(void)
{
	async_tmp_set = 0;
	async_dirfd = -1;
}

/* Last component of out->final_path. */
static const char *base_name(const struct ld_output *out)
{
	const char *s = strrchr(out->final_path, '/');

	return s ? s + 1 : out->final_path;
}

/* Last component of out->tmp_path. */
static const char *tmp_base(const struct ld_output *out)
{
	const char *s = strrchr(out->tmp_path, '/');

	return s ? s + 1 : out->tmp_path;
}

/*
 * The kernel releases QEMU's threads when our tracing thread exits, and an
 * exiting process closes its files first: the last close of a big
 * unfinished (unlinked) vmcore frees its blocks and waits for writeback in
 * flight, which kept a frozen VM stopped for 1.5 s after a SIGKILL.  A
 * child holding a duplicate of the descriptor makes that last close its
 * own, after we are gone.  It waits for end-of-file on a pipe (our end
 * closes when we exit, however we exit), removes a named temporary if one
 * is left, and exits.  It runs nothing but async-signal-safe calls: it is
 * forked from a process that may already have threads.
 */
static void start_keeper(struct ld_output *out)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return;		/* best effort: the dump works without it */
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		/* keep the file, the directory and the pipe, nothing else */
		int file = fcntl(out->fd, F_DUPFD, 10);
		int pipe_in = fcntl(p[0], F_DUPFD, 10);
		int dir = out->dirfd >= 0 ? fcntl(out->dirfd, F_DUPFD, 10) : -1;
		char c;

		if (file < 0 || pipe_in < 0 || dup2(file, 0) < 0 ||
		    dup2(pipe_in, 1) < 0 || (dir >= 0 && dup2(dir, 2) < 0))
			_exit(0);
		if (dir < 0)
			close(2);
		close_range(3, ~0u, 0);
		while (read(1, &c, 1) < 0 && errno == EINTR)
			;
		if (async_tmp_set && out->dirfd >= 0)
			unlinkat(2, async_tmp_name, 0);
		_exit(0);
	}
	close(p[0]);
	out->keeper_pid = pid;
	out->keeper_pipe = p[1];
}

static void stop_keeper(struct ld_output *out)
{
	if (out->keeper_pipe >= 0)
		close(out->keeper_pipe);
	out->keeper_pipe = -1;
	/* it exits at once; reaping it is not worth a wait here */
	out->keeper_pid = 0;
}

static void release(struct ld_output *out)
{
	stop_keeper(out);
	if (out->fd >= 0 && !out->is_stdout)
		close(out->fd);
	out->fd = -1;
	if (out->dirfd >= 0)
		close(out->dirfd);
	out->dirfd = -1;
	free(out->final_path);
	out->final_path = NULL;
	free(out->tmp_path);
	out->tmp_path = NULL;
	async_clear();
}

static struct ld_error *open_stdout(struct ld_output *out)
{
	struct stat st;
	int fl;

	out->is_stdout = true;
	out->fd = STDOUT_FILENO;
	if (isatty(STDOUT_FILENO))
		return ld_error(LD_EXIT_OUTPUT,
				"refusing to write a vmcore to a terminal");
	if (fstat(STDOUT_FILENO, &st) < 0)
		return ld_error_errno(LD_EXIT_OUTPUT, errno,
				      "standard output");
	fl = fcntl(STDOUT_FILENO, F_GETFL);
	/*
	 * Offsets are absolute and holes must read back as zeros, so only an
	 * empty regular file at offset 0 without O_APPEND (where pwrite
	 * ignores the offset) gets pwrite and holes; anything else is
	 * written as a stream.
	 */
	out->seekable = S_ISREG(st.st_mode) && st.st_size == 0 && fl >= 0 &&
			!(fl & O_APPEND) &&
			lseek(STDOUT_FILENO, 0, SEEK_CUR) == 0;
	return NULL;
}

/* mkostemp-like, but relative to dirfd: ".BASE.XXXXXX". */
static int make_named_tmp(int dirfd, const char *base, char **name_out,
			  int flags)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned long long seed = (unsigned long long)getpid() << 32;
	struct timespec ts;
	int tries;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	seed ^= (unsigned long long)ts.tv_nsec ^
		((unsigned long long)ts.tv_sec << 20);
	for (tries = 0; tries < 100; tries++) {
		char suffix[7];
		char *name;
		int fd, k;

		for (k = 0; k < 6; k++) {
			seed = seed * 6364136223846793005ull +
			       1442695040888963407ull;
			suffix[k] = set[(seed >> 33) % (sizeof(set) - 1)];
		}
		suffix[6] = '\0';
		if (asprintf(&name, ".%s.%s", base, suffix) < 0)
			return -ENOMEM;
		if (flags < 0) {
			/* only pick a name */
			*name_out = name;
			return 0;
		}
		fd = openat(dirfd, name, flags | O_CREAT | O_EXCL | O_CLOEXEC,
			    0600);
		if (fd >= 0) {
			*name_out = name;
			return fd;
		}
		free(name);
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

struct ld_error *ld_output_open(struct ld_output *out, const char *path,
				bool force)
{
	const char *slash, *base;
	struct ld_error *err;
	char *dir = NULL;
	struct stat st;
	int fd;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	out->dirfd = -1;
	out->keeper_pipe = -1;
	out->force = force;
	if (!path || !*path)
		return ld_error(LD_EXIT_OUTPUT, "empty output path");
	if (strcmp(path, "-") == 0)
		return open_stdout(out);

	out->final_path = strdup(path);
	if (!out->final_path)
		return &ld_error_nomem;
	slash = strrchr(path, '/');
	base = slash ? slash + 1 : path;
	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		err = ld_error(LD_EXIT_OUTPUT, "%s is a directory", path);
		goto fail;
	}
	if (strlen(base) + 8 > NAME_MAX) {
		err = ld_error(LD_EXIT_OUTPUT, "%s: file name too long", path);
		goto fail;
	}
	if (slash == path)
		dir = strdup("/");
	else if (slash)
		dir = strndup(path, (size_t)(slash - path));
	else
		dir = strdup(".");
	if (!dir) {
		err = &ld_error_nomem;
		goto fail;
	}

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		err = ld_error(LD_EXIT_OUTPUT, "%s is a directory", path);
		goto fail;
	}
	if (lstat(path, &st) == 0) {
		if (!force && S_ISLNK(st.st_mode)) {
			err = ld_error(LD_EXIT_OUTPUT,
				       "%s is a symbolic link (--force replaces the link itself; it is never followed)",
				       path);
			goto fail;
		}
		if (!force) {
			err = ld_error(LD_EXIT_OUTPUT,
				       "%s exists (use --force to overwrite)",
				       path);
			goto fail;
		}
		/* replacing a device or FIFO by a file is never what was meant */
		if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
			err = ld_error(LD_EXIT_OUTPUT,
				       "%s exists and is not a regular file",
				       path);
			goto fail;
		}
	}

	out->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (out->dirfd < 0) {
		int e = errno;

		if (e == ENOENT)
			err = ld_error(LD_EXIT_OUTPUT,
				       "directory %s does not exist", dir);
		else
			err = ld_error_errno(LD_EXIT_OUTPUT, e,
					     "opening directory %s", dir);
		goto fail;
	}

	/*
	 * In a directory others may write to without the sticky bit, anyone
	 * can rename our vmcore away or swap another file in under its name.
	 */
	if (fstat(out->dirfd, &st) == 0 && (st.st_mode & S_IWOTH) &&
	    !(st.st_mode & S_ISVTX) && !force) {
		err = ld_error(LD_EXIT_OUTPUT,
			       "directory %s is writable by others without the sticky bit: anyone could replace the vmcore there (use --force to write there anyway)",
			       dir);
		goto fail;
	}

	fd = -1;
	if (!ld_output_test_no_tmpfile) {
		fd = openat(out->dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC,
			    0600);
		if (fd < 0 && errno != EOPNOTSUPP && errno != EISDIR &&
		    errno != EINVAL) {
			err = ld_error_errno(LD_EXIT_OUTPUT, errno,
					     "creating a file in %s", dir);
			goto fail;
		}
	}
	if (fd < 0) {
		char *name = NULL;

		fd = make_named_tmp(out->dirfd, base, &name, O_RDWR);
		if (fd < 0) {
			err = ld_error_errno(LD_EXIT_OUTPUT, -fd,
					     "creating a temporary file in %s",
					     dir);
			goto fail;
		}
		if (asprintf(&out->tmp_path, "%s/%s", dir, name) < 0) {
			unlinkat(out->dirfd, name, 0);
			free(name);
			close(fd);
			err = &ld_error_nomem;
			goto fail;
		}
		async_set(out->dirfd, name);
		free(name);
	}
	out->fd = fd;
	/* the umask must not widen or narrow what a memory image gets */
	if (fchmod(fd, 0600) < 0) {
		err = ld_error_errno(LD_EXIT_OUTPUT, errno, "chmod %s", path);
		goto fail;
	}
	out->seekable = true;
	start_keeper(out);
	free(dir);
	return NULL;

fail:
	free(dir);
	ld_output_abort(out);
	return err;
}

/* Publish an O_TMPFILE descriptor under name in dirfd. */
static int link_tmpfile(int fd, int dirfd, const char *name)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, dirfd, name, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != ENOENT)
		return -1;
	/* no /proc: AT_EMPTY_PATH works with CAP_DAC_READ_SEARCH */
	return linkat(fd, "", dirfd, name, AT_EMPTY_PATH);
}

static struct ld_error *commit_tmpfile(struct ld_output *out)
{
	const char *base = base_name(out);
	char *tmp = NULL;
	int tries;

	if (link_tmpfile(out->fd, out->dirfd, base) == 0)
		return NULL;
	if (errno != EEXIST)
		return ld_error_errno(LD_EXIT_OUTPUT, errno, "linking %s",
				      out->final_path);
	/* the kernel's EEXIST is the race-free no-overwrite check */
	if (!out->force)
		return ld_error(LD_EXIT_OUTPUT,
				"%s exists (use --force to overwrite)",
				out->final_path);
	/* replace atomically: link under a fresh name, rename over */
	for (tries = 0; tries < 100; tries++) {
		int r = make_named_tmp(out->dirfd, base, &tmp, -1);

		if (r < 0)
			return &ld_error_nomem;
		if (link_tmpfile(out->fd, out->dirfd, tmp) == 0)
			break;
		free(tmp);
		tmp = NULL;
		if (errno != EEXIST)
			return ld_error_errno(LD_EXIT_OUTPUT, errno,
					      "linking %s", out->final_path);
	}
	if (!tmp)
		return ld_error(LD_EXIT_OUTPUT,
				"linking %s: no free temporary name",
				out->final_path);
	async_set(out->dirfd, tmp);
	if (renameat(out->dirfd, tmp, out->dirfd, base) < 0) {
		int e = errno;

		unlinkat(out->dirfd, tmp, 0);
		async_clear();
		free(tmp);
		return ld_error_errno(LD_EXIT_OUTPUT, e, "replacing %s",
				      out->final_path);
	}
	async_clear();
	free(tmp);
	return NULL;
}

static struct ld_error *commit_named(struct ld_output *out)
{
	const char *base = base_name(out);
	const char *tmp = tmp_base(out);

	if (out->force) {
		if (renameat(out->dirfd, tmp, out->dirfd, base) < 0)
			return ld_error_errno(LD_EXIT_OUTPUT, errno,
					      "renaming %s to %s",
					      out->tmp_path, out->final_path);
		return NULL;
	}
	if (renameat2(out->dirfd, tmp, out->dirfd, base,
		      RENAME_NOREPLACE) == 0)
		return NULL;
	if (errno == EEXIST)
		return ld_error(LD_EXIT_OUTPUT,
				"%s exists (use --force to overwrite)",
				out->final_path);
	if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
		return ld_error_errno(LD_EXIT_OUTPUT, errno,
				      "renaming %s to %s",
				      out->tmp_path, out->final_path);
	/* no RENAME_NOREPLACE here: link() refuses to overwrite as well */
	if (linkat(out->dirfd, tmp, out->dirfd, base, 0) < 0) {
		if (errno == EEXIST)
			return ld_error(LD_EXIT_OUTPUT,
					"%s exists (use --force to overwrite)",
					out->final_path);
		return ld_error_errno(LD_EXIT_OUTPUT, errno, "linking %s",
				      out->final_path);
	}
	unlinkat(out->dirfd, tmp, 0);
	return NULL;
}

struct ld_error *ld_output_commit(struct ld_output *out)
{
	struct ld_error *err;

	if (out->fd < 0)
		return ld_error(LD_EXIT_OUTPUT, "output is not open");
	if (out->is_stdout) {
		/* pipes and sockets cannot be synced; that is fine */
		if (fsync(out->fd) < 0 && errno != EINVAL &&
		    errno != EROFS && errno != ENOTSUP) {
			err = ld_error_errno(LD_EXIT_OUTPUT, errno,
					     "writing standard output");
			return err;
		}
		release(out);
		return NULL;
	}
	/* data first, so that the name never points at a partial file */
	if (fsync(out->fd) < 0)
		return ld_error_errno(LD_EXIT_OUTPUT, errno, "writing %s",
				      out->final_path);
	err = out->tmp_path ? commit_named(out) : commit_tmpfile(out);
	if (err)
		return err;
	async_clear();
	free(out->tmp_path);
	out->tmp_path = NULL;
	if (fsync(out->dirfd) < 0 && errno != EINVAL) {
		err = ld_error_errno(LD_EXIT_OUTPUT, errno,
				     "syncing the directory of %s",
				     out->final_path);
		release(out);
		return err;
	}
	release(out);
	return NULL;
}

void ld_output_abort(struct ld_output *out)
{
	if (out->tmp_path && out->dirfd >= 0)
		unlinkat(out->dirfd, tmp_base(out), 0);
	release(out);
}
