// SPDX-License-Identifier: GPL-2.0-or-later
/* test_output.c - output file, copier and process control against real processes. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "copier.h"
#include "memmap.h"
#include "output.h"
#include "proc.h"

/* output.c's hook to force the named-temporary fallback */
extern bool ld_output_test_no_tmpfile;

#define PAGE 4096u

/* ------------------------------------------------------------------------
 * small helpers
 */

static void msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* One scratch directory per test (each test runs in its own process). */
static char *make_dir(void)
{
	static char d[64];

	snprintf(d, sizeof(d), "/tmp/qld-test-XXXXXX");
	cr_assert_not_null(mkdtemp(d));
	return d;
}

/* Number of entries in dir (without . and ..); first name into first. */
static int count_entries(const char *dir, char *first, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	cr_assert_not_null(d, "opendir %s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n++ == 0 && first)
			snprintf(first, len, "%s", de->d_name);
	}
	closedir(d);
	return n;
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	rmdir(dir);
}

static char *path_in(const char *dir, const char *name)
{
	static char p[128];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
}

/* Whole file into a malloc'd buffer. */
static char *read_file(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY);

	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	cr_assert(fstat(fd, &st) == 0);
	buf = malloc((size_t)st.st_size + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
	buf[st.st_size] = '\0';
	close(fd);
	if (len)
		*len = (size_t)st.st_size;
	return buf;
}

static void write_str(struct ld_output *out, const char *s)
{
	struct ld_error *err = ld_write_all(out->fd, s, strlen(s), 0);

	cr_assert_null(err, "%s", err ? err->message : "");
}

static void assert_file(const char *path, const char *want)
{
	char *got = read_file(path, NULL);

	cr_assert_str_eq(got, want, "%s", path);
	free(got);
}

/* ------------------------------------------------------------------------
 * output
 */

Test(output, created_0600_despite_umask_and_invisible_until_commit)
{
	char *dir = make_dir(), *path = path_in(dir, "vmcore");
	struct ld_output out;
	struct ld_error *err;
	struct stat st;
	mode_t old = umask(0);

	err = ld_output_open(&out, path, false);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_assert(out.seekable);
	write_str(&out, "hello");
	cr_assert(access(path, F_OK) < 0 && errno == ENOENT,
		  "final name visible before commit");
	cr_assert_eq(count_entries(dir, NULL, 0), 0,
		     "O_TMPFILE output shows up in the directory");
	err = ld_output_commit(&out);
	cr_assert_null(err, "%s", err ? err->message : "");
	umask(old);
	cr_assert(stat(path, &st) == 0);
	cr_assert_eq(st.st_mode & 07777, 0600, "mode %o", st.st_mode & 07777);
	assert_file(path, "hello");
	cr_assert_eq(count_entries(dir, NULL, 0), 1);
	ld_output_abort(&out);	/* no-op after commit */
	cr_assert(access(path, F_OK) == 0);
	remove_dir(dir);
}

Test(output, existing_refused_without_force)
{
	char *dir = make_dir(), *path = path_in(dir, "vmcore");
	struct ld_output out;
	struct ld_error *err;

	write_file(path, "old");
	err = ld_output_open(&out, path, false);
	cr_assert_not_null(err);
	cr_assert_eq(err->code, LD_EXIT_OUTPUT);
	cr_assert(strstr(err->message, "--force"), "%s", err->message);
	cr_assert(strstr(err->message, path), "%s", err->message);
	ld_output_abort(&out);
	assert_file(path, "old");
	cr_assert_eq(count_entries(dir, NULL, 0), 1);
	ld_error_free(err);
	remove_dir(dir);
}

Test(output, force_replaces_atomically)
{
	char *dir = make_dir(), *path = path_in(dir, "vmcore");
	struct ld_output out;
	struct ld_error *err;
	struct stat st;

	write_file(path, "old");
	err = ld_output_open(&out, path, true);
	cr_assert_null(err, "%s", err ? err->message : "");
	write_str(&out, "new contents");
	assert_file(path, "old");
	err = ld_output_commit(&out);
	cr_assert_null(err, "%s", err ? err->message : "");
	assert_file(path, "new contents");
	cr_assert(stat(path, &st) == 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
	cr_assert_eq(count_entries(dir, NULL, 0), 1, "stray files left");
	remove_dir(dir);
}

Test(output, symlink_refused_without_force_and_never_followed)
{
	char *dir = make_dir(), path[128], victim[128];
	struct ld_output out;
	struct ld_error *err;
	struct stat st;

	snprintf(path, sizeof(path), "%s/vmcore", dir);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	write_file(victim, "precious");
	cr_assert_eq(symlink(victim, path), 0);
	err = ld_output_open(&out, path, false);
	cr_assert_not_null(err);
	cr_expect_eq(err->code, LD_EXIT_OUTPUT);
	cr_expect(strstr(err->message, "is a symbolic link"), "%s", err->message);
	ld_error_free(err);
	ld_output_abort(&out);

	/* --force replaces the link, and the file it pointed to is untouched */
	err = ld_output_open(&out, path, true);
	cr_assert_null(err, "%s", err ? err->message : "");
	write_str(&out, "vmcore");
	err = ld_output_commit(&out);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_assert(lstat(path, &st) == 0);
	cr_expect(S_ISREG(st.st_mode), "the link became the vmcore itself");
	assert_file(path, "vmcore");
	assert_file(victim, "precious");
	remove_dir(dir);
}

Test(output, directory_writable_by_others_without_sticky_bit_refused)
{
	char *dir = make_dir(), *path = path_in(dir, "vmcore");
	struct ld_output out;
	struct ld_error *err;

	cr_assert_eq(chmod(dir, 0777), 0);
	err = ld_output_open(&out, path, false);
	cr_assert_not_null(err);
	cr_expect_eq(err->code, LD_EXIT_OUTPUT);
	cr_expect(strstr(err->message, "writable by others without the sticky bit"),
		  "%s", err->message);
	ld_error_free(err);
	ld_output_abort(&out);
	cr_expect_eq(count_entries(dir, NULL, 0), 0);

	/* sticky (like /tmp): fine */
	cr_assert_eq(chmod(dir, 01777), 0);
	err = ld_output_open(&out, path, false);
	cr_assert_null(err, "%s", err ? err->message : "");
	ld_output_abort(&out);

	/* --force: the user said so */
	cr_assert_eq(chmod(dir, 0777), 0);
	err = ld_output_open(&out, path, true);
	cr_assert_null(err, "%s", err ? err->message : "");
	write_str(&out, "x");
	err = ld_output_commit(&out);
	cr_assert_null(err, "%s", err ? err->message : "");
	assert_file(path, "x");
	cr_assert_eq(chmod(dir, 0700), 0);
	remove_dir(dir);
}

/*
 * The last close of an unfinished vmcore (freeing its blocks, waiting for
 * writeback) must not happen in a dying tool: a keeper process holds the
 * file until the tool is gone, and only then lets it go.
 */
Test(output, keeper_holds_the_unfinished_file_until_we_are_gone)
{
	char *dir = make_dir(), *path = path_in(dir, "vmcore");
	int p[2], st;
	pid_t child;

	cr_assert(pipe(p) == 0);
	child = fork();
	if (child == 0) {
		struct ld_output out;
		struct ld_error *err = ld_output_open(&out, path, false);
		char c = err ? 'E' : 'K';

		if (!err)
			c = out.keeper_pid > 0 ? 'K' : 'N';
		if (write(p[1], &c, 1) != 1 ||
		    write(p[1], &out.keeper_pid, sizeof(out.keeper_pid)) !=
			    sizeof(out.keeper_pid))
			_exit(2);
		pause();	/* killed below, mid-"dump" */
		_exit(0);
	}
	close(p[1]);
	char c = 0;
	int keeper = 0;

	cr_assert_eq(read(p[0], &c, 1), 1);
	cr_assert_eq(read(p[0], &keeper, sizeof(keeper)), (ssize_t)sizeof(keeper));
	close(p[0]);
	cr_assert_eq(c, 'K', "a keeper was started (%c)", c);
	cr_expect(kill(keeper, 0) == 0, "the keeper runs while the tool does");
	kill(child, SIGKILL);
	cr_assert_eq(waitpid(child, &st, 0), child);
	/* it exits once we are gone (it is not our child: poll) */
	for (int i = 0; i < 2000 && kill(keeper, 0) == 0; i++)
		usleep(1000);
	cr_expect(kill(keeper, 0) < 0 && errno == ESRCH,
		  "the keeper exits after the tool");
	cr_expect_eq(count_entries(dir, NULL, 0), 0, "nothing left behind");
	remove_dir(dir);
}

Test(output, name_taken_after_open_is_not_overwritten)
{
	char *dir = make_dir(), *path = path_in(dir, "vmcore");
	struct ld_output out;
	struct ld_error *err;

	err = ld_output_open(&out, path, false);
	cr_assert_null(err, "%s", err ? err->message : "");
	write_str(&out, "ours");
	write_file(path, "theirs");	/* someone else, meanwhile */
	err = ld_output_commit(&out);
	cr_assert_not_null(err);
	cr_assert_eq(err->code, LD_EXIT_OUTPUT);
	cr_assert(strstr(err->message, "--force"), "%s", err->message);
	ld_output_abort(&out);
	assert_file(path, "theirs");
	cr_assert_eq(count_entries(dir, NULL, 0), 1);
	ld_error_free(err);
	remove_dir(dir);
}

Test(output, abort_leaves_nothing)
{
	char *dir = make_dir(), *path = path_in(dir, "vmcore");
	struct ld_output out;
	struct ld_error *err;

	err = ld_output_open(&out, path, false);
	cr_assert_null(err, "%s", err ? err->message : "");
	write_str(&out, "partial");
	ld_output_abort(&out);
	cr_assert_eq(count_entries(dir, NULL, 0), 0);
	ld_output_abort(&out);	/* twice is harmless */
	remove_dir(dir);
}

Test(output, missing_directory_and_directory_target)
{
	struct ld_output out;
	struct ld_error *err;
	char *dir = make_dir();

	err = ld_output_open(&out, "/nonexistent-qld-dir/sub/vmcore", false);
	cr_assert_not_null(err);
	cr_assert_eq(err->code, LD_EXIT_OUTPUT);
	cr_assert(strstr(err->message, "/nonexistent-qld-dir/sub") &&
		  strstr(err->message, "does not exist"), "%s", err->message);
	ld_output_abort(&out);
	ld_error_free(err);

	err = ld_output_open(&out, dir, true);
	cr_assert_not_null(err);
	cr_assert(strstr(err->message, "is a directory"), "%s", err->message);
	ld_output_abort(&out);
	ld_error_free(err);
	remove_dir(dir);
}

Test(output, killed_before_commit_leaves_directory_empty)
{
	char *dir = make_dir(), *path = path_in(dir, "vmcore");
	int pfd[2], status;
	char c;
	pid_t pid;

	cr_assert(pipe(pfd) == 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		static char mb[1 << 20];
		struct ld_output out;

		memset(mb, 0xab, sizeof(mb));
		if (ld_output_open(&out, path, false) ||
		    ld_write_all(out.fd, mb, sizeof(mb), 0))
			_exit(1);
		if (write(pfd[1], "w", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	cr_assert_eq(read(pfd[0], &c, 1), 1, "child failed to write");
	cr_assert_eq(count_entries(dir, NULL, 0), 0);
	kill(pid, SIGKILL);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status));
	cr_assert_eq(count_entries(dir, NULL, 0), 0);
	remove_dir(dir);
}

Test(output, named_temporary_fallback)
{
	char *dir = make_dir(), *path = path_in(dir, "vmcore");
	struct ld_output out;
	struct ld_error *err;
	char name[256];
	struct stat st;
	mode_t old = umask(0);

	ld_output_test_no_tmpfile = true;
	/* commit without force */
	err = ld_output_open(&out, path, false);
	cr_assert_null(err, "%s", err ? err->message : "");
	write_str(&out, "one");
	cr_assert_eq(count_entries(dir, name, sizeof(name)), 1);
	cr_assert(!strncmp(name, ".vmcore.", 8), "temp named %s", name);
	cr_assert(access(path, F_OK) < 0);
	err = ld_output_commit(&out);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_assert(stat(path, &st) == 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
	assert_file(path, "one");
	cr_assert_eq(count_entries(dir, NULL, 0), 1);

	/* replace with force */
	err = ld_output_open(&out, path, true);
	cr_assert_null(err, "%s", err ? err->message : "");
	write_str(&out, "two");
	err = ld_output_commit(&out);
	cr_assert_null(err, "%s", err ? err->message : "");
	assert_file(path, "two");
	cr_assert_eq(count_entries(dir, NULL, 0), 1);

	/* a name taken meanwhile is kept, the temporary goes on abort */
	unlink(path);
	err = ld_output_open(&out, path, false);
	cr_assert_null(err, "%s", err ? err->message : "");
	write_str(&out, "three");
	write_file(path, "theirs");
	err = ld_output_commit(&out);
	cr_assert_not_null(err);
	cr_assert(strstr(err->message, "--force"), "%s", err->message);
	ld_error_free(err);
	ld_output_abort(&out);
	assert_file(path, "theirs");
	cr_assert_eq(count_entries(dir, NULL, 0), 1);

	/* the signal-handler path removes the temporary */
	unlink(path);
	err = ld_output_open(&out, path, false);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_assert_eq(count_entries(dir, NULL, 0), 1);
	ld_output_abort_async();
	cr_assert_eq(count_entries(dir, NULL, 0), 0);
	ld_output_abort(&out);
	ld_output_test_no_tmpfile = false;
	umask(old);
	remove_dir(dir);
}

Test(output, stdout_pipe_file_and_terminal)
{
	int saved = dup(STDOUT_FILENO), pfd[2], fd;
	char *dir = make_dir(), *path = path_in(dir, "f");
	struct ld_output out;
	struct ld_error *err;

	cr_assert(saved >= 0);
	cr_assert(pipe(pfd) == 0);
	dup2(pfd[1], STDOUT_FILENO);
	err = ld_output_open(&out, "-", false);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_assert(out.is_stdout && !out.seekable);
	err = ld_output_commit(&out);
	cr_assert_null(err, "%s", err ? err->message : "");

	fd = open(path, O_RDWR | O_CREAT, 0600);
	cr_assert(fd >= 0);
	dup2(fd, STDOUT_FILENO);
	err = ld_output_open(&out, "-", false);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_assert(out.seekable, "regular file at offset 0 is seekable");
	ld_output_abort(&out);
	close(fd);

	/* a file with old contents: holes would show them */
	fd = open(path, O_RDWR);
	cr_assert_eq(write(fd, "old", 3), 3);
	cr_assert(lseek(fd, 0, SEEK_SET) == 0);
	dup2(fd, STDOUT_FILENO);
	err = ld_output_open(&out, "-", false);
	cr_assert_null(err);
	cr_assert(!out.seekable, "non-empty file taken as seekable");
	ld_output_abort(&out);
	close(fd);

	fd = open(path, O_WRONLY | O_APPEND | O_TRUNC);
	dup2(fd, STDOUT_FILENO);
	err = ld_output_open(&out, "-", false);
	cr_assert_null(err);
	cr_assert(!out.seekable, "O_APPEND ignores pwrite offsets");
	ld_output_abort(&out);
	close(fd);

	fd = posix_openpt(O_RDWR | O_NOCTTY);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		err = ld_output_open(&out, "-", false);
		cr_assert_not_null(err);
		cr_assert(strstr(err->message, "terminal"), "%s",
			  err->message);
		ld_output_abort(&out);
		ld_error_free(err);
		close(fd);
	}
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(pfd[0]);
	close(pfd[1]);
	remove_dir(dir);
}

/* ------------------------------------------------------------------------
 * copier: a child holds "guest RAM" at an address it tells us
 */

struct ram_child {
	pid_t pid;
	uint64_t addr;
	int release;	/* closing it ends the child */
};

static inline unsigned char pattern(size_t page, size_t off)
{
	return (unsigned char)(((page * 131u + off * 7u) % 255u) + 1u);
}

static bool is_zero_page(size_t page, const size_t *zeros, size_t nzeros)
{
	for (size_t i = 0; i < nzeros; i++)
		if (zeros[i] == page)
			return true;
	return false;
}

/*
 * npages pages of pattern, those in zeros[] zero; page prot_none made
 * inaccessible and page unmapped unmapped (pass SIZE_MAX for none).
 */
static struct ram_child start_ram_child(size_t npages, const size_t *zeros,
					size_t nzeros, size_t prot_none,
					size_t unmapped)
{
	struct ram_child rc;
	int to_parent[2], from_parent[2];
	uint64_t addr;

	cr_assert(pipe(to_parent) == 0 && pipe(from_parent) == 0);
	rc.pid = fork();
	cr_assert(rc.pid >= 0);
	if (rc.pid == 0) {
		unsigned char *m;
		char c;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(to_parent[0]);
		close(from_parent[1]);
		m = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			_exit(1);
		for (size_t p = 0; p < npages; p++) {
			if (is_zero_page(p, zeros, nzeros))
				continue;
			for (size_t o = 0; o < PAGE; o++)
				m[p * PAGE + o] = pattern(p, o);
		}
		if (prot_none != SIZE_MAX)
			mprotect(m + prot_none * PAGE, PAGE, PROT_NONE);
		if (unmapped != SIZE_MAX)
			munmap(m + unmapped * PAGE, PAGE);
		addr = (uint64_t)(uintptr_t)m;
		if (write(to_parent[1], &addr, sizeof(addr)) != sizeof(addr))
			_exit(1);
		while (read(from_parent[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(to_parent[1]);
	close(from_parent[0]);
	cr_assert_eq(read(to_parent[0], &addr, sizeof(addr)),
		     (ssize_t)sizeof(addr));
	close(to_parent[0]);
	rc.addr = addr;
	rc.release = from_parent[1];
	return rc;
}

static void stop_ram_child(struct ram_child *rc)
{
	int status;

	close(rc->release);
	waitpid(rc->pid, &status, 0);
}

/* Three blocks over the child's pages [0,16) [16,41) [41,npages). */
static void three_blocks(struct ld_memmap *map, struct ld_block *b,
			 uint64_t addr, size_t npages, uint64_t *offsets,
			 uint64_t first_off)
{
	static const size_t starts[3] = { 0, 16, 41 };
	static const uint64_t gpas[3] = { 0, 0x100000, 0x100000000ull };

	memset(map, 0, sizeof(*map));
	for (int i = 0; i < 3; i++) {
		size_t end = i < 2 ? starts[i + 1] : npages;

		b[i].gpa = gpas[i];
		b[i].host = addr + starts[i] * PAGE;
		b[i].size = (end - starts[i]) * PAGE;
		snprintf(b[i].name, sizeof(b[i].name), "ram%d", i);
		offsets[i] = i ? offsets[i - 1] + b[i - 1].size : first_off;
		map->total_bytes += b[i].size;
	}
	map->blocks = b;
	map->count = 3;
}

/* Check that buf holds pages [0, npages) of the pattern. */
static void check_pattern(const unsigned char *buf, size_t npages,
			  const size_t *zeros, size_t nzeros)
{
	for (size_t p = 0; p < npages; p++) {
		bool z = is_zero_page(p, zeros, nzeros);

		for (size_t o = 0; o < PAGE; o++) {
			unsigned char want = z ? 0 : pattern(p, o);

			if (buf[p * PAGE + o] != want)
				cr_assert_fail("page %zu byte %zu: %#x, want %#x",
					       p, o, buf[p * PAGE + o], want);
		}
	}
}

static const size_t test_zeros[] = { 3, 4, 5, 20, 60, 61, 62, 63 };
#define NZEROS (sizeof(test_zeros) / sizeof(test_zeros[0]))
#define NPAGES 64

/* Copy the three blocks into a file after a 4 KiB "header". */

/*
 * The copier into fd with block i at offs[i], as the ELF format drives it.
 * flags: LD_COPY_* in the low bits, T_DIRECT / T_NO_DROP for the writer.
 */
#define T_DIRECT	(1u << 2)
#define T_NO_DROP	(1u << 3)

struct fd_copy_stats {
	uint64_t bytes_total, read_calls, bytes_unpopulated, ns;
	uint64_t bytes_written, bytes_hole, bytes_direct;
};

static struct ld_error *copy_to_fd(pid_t pid, const struct ld_memmap *map,
				   const uint64_t *offs, int fd, bool seekable,
				   bool sparse, struct ld_copy_opts *opts,
				   struct fd_copy_stats *stats)
{
	unsigned int flags = opts->flags;
	unsigned int wflags = (flags & T_DIRECT ? LD_WRITE_DIRECT : 0) |
			      (flags & T_NO_DROP ? LD_WRITE_NO_DROP_CACHE : 0);
	struct ld_file_writer *w = ld_file_writer_new(fd, seekable, sparse,
						      wflags);
	struct ld_offset_sink at = { .w = w, .offsets = offs };
	struct ld_page_sink sink = { .pages = ld_offset_pages, .ctx = &at,
				     .zero_fill = !(sparse && seekable) };
	struct ld_copy_stats cs;
	struct ld_write_stats ws;
	struct ld_error *err;
	uint64_t end = 0;

	cr_assert_not_null(w);
	/* the writer refuses a gap on a stream; do it before a full pipe */
	for (size_t i = 1; !seekable && i < map->count; i++) {
		if (offs[i] != offs[i - 1] + map->blocks[i - 1].size) {
			ld_file_writer_free(w);
			return ld_error(LD_EXIT_FAILURE, "offset gap on a stream");
		}
	}
	for (size_t i = 0; i < map->count; i++)
		if (offs[i] + map->blocks[i].size > end)
			end = offs[i] + map->blocks[i].size;
	opts->flags = flags & (LD_COPY_NO_PAGEMAP | LD_COPY_NO_THREAD);
	err = ld_copy_blocks(pid, map, &sink, opts, &cs);
	opts->flags = flags;
	if (!err)
		err = ld_file_writer_finish(w, end);
	ld_file_writer_stats(w, &ws);
	ld_file_writer_free(w);
	if (stats) {
		stats->bytes_total = cs.bytes_total;
		stats->read_calls = cs.read_calls;
		stats->bytes_unpopulated = cs.bytes_unpopulated;
		stats->ns = cs.ns;
		stats->bytes_written = ws.bytes_written;
		stats->bytes_hole = ws.bytes_hole;
		stats->bytes_direct = ws.bytes_direct;
	}
	return err;
}

static void copy_to_file(bool sparse, size_t batch)
{
	struct ram_child rc = start_ram_child(NPAGES, test_zeros, NZEROS,
					      SIZE_MAX, SIZE_MAX);
	char *dir = make_dir(), *path = path_in(dir, "core");
	struct ld_copy_opts opts = { .batch_bytes = batch };
	struct fd_copy_stats stats;
	struct ld_block b[3];
	struct ld_memmap map;
	uint64_t offs[3];
	struct ld_error *err;
	unsigned char *data;
	struct stat st;
	size_t len;
	int fd;

	three_blocks(&map, b, rc.addr, NPAGES, offs, PAGE);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	cr_assert(fd >= 0);
	cr_assert_null(ld_write_all(fd, "HDR!", 4, 0));
	err = copy_to_fd(rc.pid, &map, offs, fd, true, sparse, &opts, &stats);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_assert(fstat(fd, &st) == 0);
	cr_assert_eq((uint64_t)st.st_size, PAGE + NPAGES * PAGE,
		     "file size %lld", (long long)st.st_size);
	cr_assert_eq(stats.bytes_total, NPAGES * PAGE);
	cr_assert(stats.read_calls >= 3);
	if (sparse) {
		off_t hole = lseek(fd, PAGE, SEEK_HOLE);

		/* first zero page is page 3, at 4 KiB + 3 * 4 KiB */
		cr_assert_eq(hole, (off_t)(PAGE + 3 * PAGE),
			     "first hole at %lld", (long long)hole);
		cr_assert_eq(lseek(fd, hole, SEEK_DATA),
			     (off_t)(PAGE + 6 * PAGE));
		/* the trailing zero pages need the final ftruncate */
		cr_assert_eq(lseek(fd, PAGE + 60 * PAGE, SEEK_HOLE),
			     (off_t)(PAGE + 60 * PAGE));
		cr_assert((uint64_t)st.st_blocks * 512 < (uint64_t)st.st_size,
			  "no space saved: %lld blocks",
			  (long long)st.st_blocks);
		cr_assert_eq(stats.bytes_hole, NZEROS * PAGE);
		cr_assert_eq(stats.bytes_written, (NPAGES - NZEROS) * PAGE);
	} else {
		cr_assert_eq(stats.bytes_hole, 0);
		cr_assert_eq(stats.bytes_written, NPAGES * PAGE);
	}
	close(fd);
	data = (unsigned char *)read_file(path, &len);
	cr_assert_eq(len, PAGE + NPAGES * PAGE);
	cr_assert(!memcmp(data, "HDR!", 4));
	check_pattern(data + PAGE, NPAGES, test_zeros, NZEROS);
	free(data);
	stop_ram_child(&rc);
	remove_dir(dir);
}

Test(copier, file_exact_bytes)
{
	copy_to_file(false, 0);
}

Test(copier, file_sparse_holes)
{
	copy_to_file(true, 0);
}

Test(copier, odd_batch_sizes)
{
	copy_to_file(true, 10000);
	copy_to_file(false, 10000);
	copy_to_file(true, 4097);
	copy_to_file(true, 3000);
	copy_to_file(false, 1);
}

struct drain {
	int fd;
	unsigned char *buf;
	size_t len, cap;
};

static void *drain_pipe(void *arg)
{
	struct drain *d = arg;
	ssize_t n;

	while ((n = read(d->fd, d->buf + d->len, d->cap - d->len)) > 0)
		d->len += (size_t)n;
	return NULL;
}

Test(copier, pipe_stream_is_byte_identical)
{
	struct ram_child rc = start_ram_child(NPAGES, test_zeros, NZEROS,
					      SIZE_MAX, SIZE_MAX);
	struct ld_copy_opts opts = { .batch_bytes = 12288 };
	struct drain d = { 0 };
	struct fd_copy_stats stats;
	struct ld_block b[3];
	struct ld_memmap map;
	uint64_t offs[3];
	struct ld_error *err;
	pthread_t th;
	int pfd[2];

	three_blocks(&map, b, rc.addr, NPAGES, offs, 100);
	cr_assert(pipe(pfd) == 0);
	d.fd = pfd[0];
	d.cap = NPAGES * PAGE + 1;
	d.buf = malloc(d.cap);
	cr_assert(pthread_create(&th, NULL, drain_pipe, &d) == 0);
	/* sparse is ignored on a stream: zeros go out as data */
	err = copy_to_fd(rc.pid, &map, offs, pfd[1], false, true, &opts, &stats);
	close(pfd[1]);
	pthread_join(th, NULL);
	close(pfd[0]);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_assert_eq(d.len, NPAGES * PAGE);
	cr_assert_eq(stats.bytes_hole, 0);
	check_pattern(d.buf, NPAGES, test_zeros, NZEROS);
	free(d.buf);

	/* a gap between blocks cannot be streamed */
	offs[2] += PAGE;
	cr_assert(pipe(pfd) == 0);
	err = copy_to_fd(rc.pid, &map, offs, pfd[1], false, true, &opts, NULL);
	cr_assert_not_null(err);
	ld_error_free(err);
	close(pfd[0]);
	close(pfd[1]);
	stop_ram_child(&rc);
}

static void expect_unreadable(size_t prot_none, size_t unmapped)
{
	struct ram_child rc = start_ram_child(NPAGES, NULL, 0, prot_none,
					      unmapped);
	struct ld_copy_opts opts = { .batch_bytes = 0 };
	struct ld_block b[3];
	struct ld_memmap map;
	uint64_t offs[3];
	struct ld_error *err;
	char want[64];
	int fd = open("/dev/null", O_WRONLY);

	three_blocks(&map, b, rc.addr, NPAGES, offs, 0);
	err = copy_to_fd(rc.pid, &map, offs, fd, true, false, &opts, NULL);
	cr_assert_not_null(err, "read of a hole succeeded");
	cr_assert_eq(err->code, LD_EXIT_COPY, "%d: %s", err->code,
		     err->message);
	cr_assert(strstr(err->message, "block 1 'ram1' [gpa 0x100000+0x19000"),
		  "%s", err->message);
	snprintf(want, sizeof(want), "host 0x%" PRIx64 " became unreadable",
		 rc.addr + 20 * PAGE);
	cr_assert(strstr(err->message, want), "%s (want %s)", err->message,
		  want);
	cr_log_info("%s", err->message);
	ld_error_free(err);
	close(fd);
	stop_ram_child(&rc);
}

Test(copier, prot_none_page_is_an_error_naming_the_block)
{
	expect_unreadable(20, SIZE_MAX);
}

Test(copier, unmapped_page_is_an_error_naming_the_block)
{
	expect_unreadable(SIZE_MAX, 20);
}

Test(copier, stop_flag_interrupts)
{
	struct ram_child rc = start_ram_child(NPAGES, NULL, 0, SIZE_MAX,
					      SIZE_MAX);
	volatile sig_atomic_t stop = 1;
	struct ld_copy_opts opts = { .batch_bytes = PAGE, .stop = &stop };
	struct fd_copy_stats stats;
	struct ld_block b[3];
	struct ld_memmap map;
	uint64_t offs[3];
	struct ld_error *err;
	int fd = open("/dev/null", O_WRONLY);

	three_blocks(&map, b, rc.addr, NPAGES, offs, 0);
	err = copy_to_fd(rc.pid, &map, offs, fd, true, false, &opts, &stats);
	cr_assert_not_null(err);
	cr_assert_eq(err->code, LD_EXIT_INTERRUPTED);
	cr_assert(strstr(err->message, "interrupted"), "%s", err->message);
	cr_assert_eq(stats.bytes_total, 0);
	ld_error_free(err);
	close(fd);
	stop_ram_child(&rc);
}

Test(copier, proc_read_names_address)
{
	struct ram_child rc = start_ram_child(NPAGES, NULL, 0, 20, SIZE_MAX);
	unsigned char buf[64];
	struct ld_error *err;
	char want[64];

	err = ld_proc_read(rc.pid, rc.addr + 5 * PAGE + 3, buf, sizeof(buf));
	cr_assert_null(err, "%s", err ? err->message : "");
	for (size_t i = 0; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], pattern(5, 3 + i));
	/*
	 * straddles into the PROT_NONE page: the short read is an error, and
	 * ld_proc_read is for QEMU's structures: a "QEMU structures" error
	 */
	err = ld_proc_read(rc.pid, rc.addr + 20 * PAGE - 8, buf, 16);
	cr_assert_not_null(err);
	cr_assert_eq(err->code, LD_EXIT_MODEL);
	snprintf(want, sizeof(want), "reading QEMU structures at 0x%" PRIx64 " (16 bytes) in pid %d",
		 rc.addr + 20 * PAGE - 8, (int)rc.pid);
	cr_assert(strstr(err->message, want) &&
		  strstr(err->message, "Bad address"), "%s", err->message);
	ld_error_free(err);
	stop_ram_child(&rc);
}

/* One errno -> category mapping for every read of the target. */
Test(copier, target_read_errors_by_category)
{
	struct ld_error *e;

	e = ld_target_read_error(4242, ESRCH, LD_READ_QEMU, 0x1000, 8);
	cr_expect_eq(e->code, LD_EXIT_TARGET);
	cr_expect(strstr(e->message, "target process 4242 is gone"), "%s", e->message);
	ld_error_free(e);
	e = ld_target_read_error(4242, ESRCH, LD_READ_GUEST, 0x1000, 8);
	cr_expect_eq(e->code, LD_EXIT_TARGET);
	ld_error_free(e);
	e = ld_target_read_error(4242, EFAULT, LD_READ_QEMU, 0x1000, 8);
	cr_expect_eq(e->code, LD_EXIT_MODEL, "a fault in QEMU's structures");
	cr_expect(strstr(e->message, "reading QEMU structures at 0x1000 (8 bytes) in pid 4242: Bad address"),
		  "%s", e->message);
	ld_error_free(e);
	e = ld_target_read_error(4242, EFAULT, LD_READ_GUEST, 0x2000, 8);
	cr_expect_eq(e->code, LD_EXIT_COPY, "a fault in guest RAM");
	cr_expect(strstr(e->message, "guest RAM at host 0x2000 became unreadable: Bad address"),
		  "%s", e->message);
	ld_error_free(e);
	e = ld_target_read_error(4242, EPERM, LD_READ_GUEST, 0x2000, 8);
	cr_expect_eq(e->code, LD_EXIT_PERMISSION);
	cr_expect(strstr(e->message, "CAP_SYS_PTRACE"), "%s", e->message);
	ld_error_free(e);
}

static long peak_rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;

	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

Test(copier, throughput, .timeout = 120)
{
	long hwm;
	const size_t npages = (256u << 20) / PAGE;
	struct ram_child rc = start_ram_child(npages, NULL, 0, SIZE_MAX,
					      SIZE_MAX);
	char *dir = make_dir(), *path = path_in(dir, "big");
	struct ld_copy_opts opts = { 0 };
	struct fd_copy_stats stats;
	struct ld_block b[3];
	struct ld_memmap map;
	uint64_t offs[3];
	struct ld_error *err;
	unsigned char page[PAGE];
	int fd;

	three_blocks(&map, b, rc.addr, npages, offs, 0);
	fd = open("/dev/null", O_WRONLY);
	err = copy_to_fd(rc.pid, &map, offs, fd, false, false, &opts, &stats);
	cr_assert_null(err, "%s", err ? err->message : "");
	close(fd);
	cr_log_info("copy 256 MiB to /dev/null: %.0f MiB/s, %" PRIu64 " reads",
		    256.0 * 1e9 / (double)stats.ns, stats.read_calls);

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	err = copy_to_fd(rc.pid, &map, offs, fd, true, true, &opts, &stats);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_log_info("copy 256 MiB to a file (sparse check on): %.0f MiB/s",
		    256.0 * 1e9 / (double)stats.ns);
	/* spot check a page deep inside */
	cr_assert_eq(pread(fd, page, PAGE, 50000 * (off_t)PAGE), PAGE);
	for (size_t o = 0; o < PAGE; o++)
		cr_assert_eq(page[o], pattern(50000, o));
	close(fd);
	/* page cache aside, we hold one batch, not the guest's RAM */
	hwm = peak_rss_kib();
	cr_log_info("peak RSS of the test process: %ld KiB", hwm);
	cr_assert(hwm > 0 && hwm < 64 * 1024, "peak RSS %ld KiB", hwm);
	stop_ram_child(&rc);
	remove_dir(dir);
}

/* ------------------------------------------------------------------------
 * copier: untouched pages (pagemap) become holes without being read, but
 * only in private anonymous memory
 */

enum map_kind { ANON_PRIVATE, MEMFD_SHARED, MEMFD_PRIVATE };

/* Pages the child writes (page 10 with zeros); the others stay untouched. */
static const size_t touched[] = { 0, 1, 7, 8, 9, 10, 30, 63 };
#define NTOUCHED (sizeof(touched) / sizeof(touched[0]))

static bool is_touched(size_t p)
{
	for (size_t i = 0; i < NTOUCHED; i++)
		if (touched[i] == p)
			return true;
	return false;
}

/* What a page must read as, for each kind of child. */
static unsigned char expected(enum map_kind kind, size_t p, size_t o)
{
	if (kind != ANON_PRIVATE)
		return pattern(p, o);	/* memfd: all written via write() */
	if (!is_touched(p) || p == 10)
		return 0;
	return pattern(p, o);
}

/*
 * A child whose NPAGES pages are either anonymous and partly touched, or a
 * memfd filled with write() and mapped without ever being accessed through
 * the mapping: not present in pagemap, yet not zeros.
 */
static struct ram_child start_kind_child(enum map_kind kind)
{
	struct ram_child rc;
	int to_parent[2], from_parent[2];
	uint64_t addr;

	cr_assert(pipe(to_parent) == 0 && pipe(from_parent) == 0);
	rc.pid = fork();
	cr_assert(rc.pid >= 0);
	if (rc.pid == 0) {
		unsigned char *m, page[PAGE];
		int mfd = -1;
		char c;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(to_parent[0]);
		close(from_parent[1]);
		if (kind != ANON_PRIVATE) {
			mfd = memfd_create("qld-test", 0);
			if (mfd < 0)
				_exit(1);
			for (size_t p = 0; p < NPAGES; p++) {
				for (size_t o = 0; o < PAGE; o++)
					page[o] = pattern(p, o);
				if (pwrite(mfd, page, PAGE, (off_t)(p * PAGE)) !=
				    (ssize_t)PAGE)
					_exit(1);
			}
		}
		m = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE,
			 kind == MEMFD_SHARED ? MAP_SHARED :
			 kind == MEMFD_PRIVATE ? MAP_PRIVATE :
			 MAP_PRIVATE | MAP_ANONYMOUS, mfd, 0);
		if (m == MAP_FAILED)
			_exit(1);
		/* a huge page would make the untouched pages present */
		madvise(m, NPAGES * PAGE, MADV_NOHUGEPAGE);
		if (kind == ANON_PRIVATE)
			for (size_t i = 0; i < NTOUCHED; i++)
				for (size_t o = 0; o < PAGE; o++)
					m[touched[i] * PAGE + o] =
						touched[i] == 10 ? 0 :
						pattern(touched[i], o);
		addr = (uint64_t)(uintptr_t)m;
		if (write(to_parent[1], &addr, sizeof(addr)) != sizeof(addr))
			_exit(1);
		while (read(from_parent[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(to_parent[1]);
	close(from_parent[0]);
	cr_assert_eq(read(to_parent[0], &addr, sizeof(addr)),
		     (ssize_t)sizeof(addr), "child failed to set up");
	close(to_parent[0]);
	rc.addr = addr;
	rc.release = from_parent[1];
	return rc;
}

/* Is page p of the child present (or swapped) in its page tables? */
static bool child_page_present(const struct ram_child *rc, size_t p)
{
	char path[64];
	uint64_t e = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)rc->pid);
	fd = open(path, O_RDONLY);
	cr_assert(fd >= 0);
	cr_assert_eq(pread(fd, &e, sizeof(e),
			   (off_t)((rc->addr / PAGE + p) * sizeof(e))),
		     (ssize_t)sizeof(e));
	close(fd);
	return (e >> 62) != 0;
}

static void check_kind(const unsigned char *buf, enum map_kind kind)
{
	for (size_t p = 0; p < NPAGES; p++)
		for (size_t o = 0; o < PAGE; o++)
			if (buf[p * PAGE + o] != expected(kind, p, o))
				cr_assert_fail("page %zu byte %zu: %#x, want %#x",
					       p, o, buf[p * PAGE + o],
					       expected(kind, p, o));
}

struct seen {
	uint64_t bytes, next_gpa;
	bool ordered;
};

static void inspect_cb(void *ctx, uint64_t gpa, const void *data, size_t len)
{
	struct seen *s = ctx;

	(void)data;
	if (gpa < s->next_gpa)
		s->ordered = false;
	s->next_gpa = gpa + len;
	s->bytes += len;
}

/* One block over the whole child, into a file after a one-page header. */
static void copy_kind(enum map_kind kind, unsigned int flags,
		      struct fd_copy_stats *stats, struct stat *st,
		      struct seen *seen)
{
	struct ram_child rc = start_kind_child(kind);
	char *dir = make_dir(), *path = path_in(dir, "core");
	struct ld_copy_opts opts = { .flags = flags,
				     .inspect = inspect_cb,
				     .inspect_ctx = seen };
	struct ld_block b = { .gpa = 0x1000000, .host = rc.addr,
			      .size = NPAGES * PAGE, .name = "anon" };
	struct ld_memmap map = { .blocks = &b, .count = 1,
				 .total_bytes = NPAGES * PAGE };
	uint64_t off = PAGE;
	struct ld_error *err;
	unsigned char *data;
	size_t len;
	int fd;

	memset(seen, 0, sizeof(*seen));
	seen->ordered = true;
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	cr_assert(fd >= 0);
	err = copy_to_fd(rc.pid, &map, &off, fd, true, true, &opts, stats);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_assert(fstat(fd, st) == 0);
	close(fd);
	data = (unsigned char *)read_file(path, &len);
	cr_assert_eq(len, PAGE + NPAGES * PAGE);
	check_kind(data + PAGE, kind);
	free(data);
	if (kind == ANON_PRIVATE && !(flags & LD_COPY_NO_PAGEMAP))
		for (size_t p = 0; p < NPAGES; p++)
			cr_assert_eq(child_page_present(&rc, p), is_touched(p),
				     "page %zu: present after the copy: %d", p,
				     child_page_present(&rc, p));
	stop_ram_child(&rc);
	remove_dir(dir);
}

Test(copier, untouched_anonymous_pages_are_holes_not_read)
{
	struct fd_copy_stats with, without;
	struct stat st_with, st_without;
	struct seen seen;

	copy_kind(ANON_PRIVATE, 0, &with, &st_with, &seen);
	cr_assert_eq(with.bytes_unpopulated, (NPAGES - NTOUCHED) * PAGE,
		     "%" PRIu64 " bytes unpopulated", with.bytes_unpopulated);
	/* the zero-filled page 10 is a hole too, found by reading it */
	cr_assert_eq(with.bytes_hole, (NPAGES - NTOUCHED + 1) * PAGE);
	cr_assert_eq(with.bytes_written, (NTOUCHED - 1) * PAGE);
	cr_assert((uint64_t)st_with.st_blocks * 512 <= (NTOUCHED + 2) * PAGE,
		  "%lld blocks allocated", (long long)st_with.st_blocks);
	/* inspect sees what was read, in order, and nothing else */
	cr_assert(seen.ordered);
	cr_assert_eq(seen.bytes, NTOUCHED * PAGE);

	/* same bytes when every page is read */
	copy_kind(ANON_PRIVATE, LD_COPY_NO_PAGEMAP | LD_COPY_NO_THREAD,
		  &without, &st_without, &seen);
	cr_assert_eq(without.bytes_unpopulated, 0);
	cr_assert_eq(without.bytes_hole, with.bytes_hole);
	cr_assert_eq(seen.bytes, NPAGES * PAGE);
}

Test(copier, shared_and_file_mappings_are_read_not_assumed_zero)
{
	static const enum map_kind kinds[] = { MEMFD_SHARED, MEMFD_PRIVATE };

	for (size_t k = 0; k < 2; k++) {
		struct fd_copy_stats st;
		struct stat sb;
		struct seen seen;

		copy_kind(kinds[k], 0, &st, &sb, &seen);
		cr_assert_eq(st.bytes_unpopulated, 0, "kind %zu", k);
		cr_assert_eq(st.bytes_written, NPAGES * PAGE, "kind %zu", k);
		cr_assert_eq(seen.bytes, NPAGES * PAGE);
	}
}

/* Units marked untouched are holes only where they are whole file pages. */
Test(output, untouched_marks_at_an_unaligned_offset_keep_the_data)
{
	char *dir = make_dir(), *path = path_in(dir, "core");
	static const unsigned char untouched[3] = { 1, 0, 1 };
	unsigned char data[3 * PAGE], *back;
	struct ld_file_writer *w;
	size_t len;
	int fd;

	memset(data, 0, sizeof(data));	/* zero_fill: untouched are zeros */
	memset(data + PAGE, 0xa5, PAGE);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	cr_assert(fd >= 0);
	w = ld_file_writer_new(fd, true, true, 0);
	cr_assert_not_null(w);
	cr_assert_null(ld_file_writer_write(w, data, sizeof(data), 100,
					    untouched));
	cr_assert_null(ld_file_writer_finish(w, 100 + sizeof(data)));
	ld_file_writer_free(w);
	close(fd);
	back = (unsigned char *)read_file(path, &len);
	cr_assert_eq(len, 100 + sizeof(data));
	cr_assert(!memcmp(back + 100, data, sizeof(data)),
		  "a page straddling an untouched unit lost its data");
	free(back);
	remove_dir(dir);
}

Test(copier, untouched_pages_go_down_a_pipe_as_zeros)
{
	struct ram_child rc = start_kind_child(ANON_PRIVATE);
	struct ld_copy_opts opts = { .batch_bytes = 8 * PAGE };
	struct ld_block b = { .gpa = 0, .host = rc.addr,
			      .size = NPAGES * PAGE, .name = "anon" };
	struct ld_memmap map = { .blocks = &b, .count = 1 };
	struct drain d = { 0 };
	struct fd_copy_stats stats;
	uint64_t off = 0;
	struct ld_error *err;
	pthread_t th;
	int pfd[2];

	cr_assert(pipe(pfd) == 0);
	d.fd = pfd[0];
	d.cap = NPAGES * PAGE + 1;
	d.buf = malloc(d.cap);
	memset(d.buf, 0xee, d.cap);
	cr_assert(pthread_create(&th, NULL, drain_pipe, &d) == 0);
	err = copy_to_fd(rc.pid, &map, &off, pfd[1], false, true, &opts, &stats);
	close(pfd[1]);
	pthread_join(th, NULL);
	close(pfd[0]);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_assert_eq(d.len, NPAGES * PAGE);
	cr_assert_eq(stats.bytes_unpopulated, (NPAGES - NTOUCHED) * PAGE);
	cr_assert_eq(stats.bytes_hole, 0);
	cr_assert_eq(stats.bytes_written, NPAGES * PAGE);
	check_kind(d.buf, ANON_PRIVATE);
	free(d.buf);
	stop_ram_child(&rc);
}

/* Every switch combination writes the same bytes (O_DIRECT included). */
Test(copier, switches_do_not_change_bytes)
{
	for (unsigned int flags = 0; flags < 16; flags++) {
		struct fd_copy_stats st;
		struct stat sb;
		struct seen seen;

		copy_kind(ANON_PRIVATE, flags, &st, &sb, &seen);
		cr_assert(seen.ordered);
	}
}

/* ------------------------------------------------------------------------
 * proc: children whose threads count in shared memory
 */

#define MAX_WORKERS 64

struct shared {
	_Atomic uint64_t cnt[MAX_WORKERS];
	_Atomic uint64_t work;		/* incremented by every thread */
	_Atomic uint64_t created;
	_Atomic int live;
	_Atomic uint64_t sigs;
	_Atomic int ready;
};

static struct shared *sh;

static void *spin_worker(void *arg)
{
	size_t i = (size_t)(uintptr_t)arg;

	for (;;) {
		atomic_fetch_add_explicit(&sh->cnt[i], 1,
					  memory_order_relaxed);
		atomic_fetch_add_explicit(&sh->work, 1, memory_order_relaxed);
	}
	return NULL;
}

static void *short_worker(void *arg)
{
	(void)arg;
	for (int k = 0; k < 20000; k++)
		atomic_fetch_add_explicit(&sh->work, 1, memory_order_relaxed);
	atomic_fetch_sub(&sh->live, 1);
	return NULL;
}

static void on_usr1(int sig)
{
	(void)sig;
	atomic_fetch_add(&sh->sigs, 1);
}

static struct shared *map_shared(void)
{
	struct shared *s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	cr_assert(s != MAP_FAILED);
	memset(s, 0, sizeof(*s));
	return s;
}

/* A child with nspin spinning threads; spawner: keeps creating threads. */
static pid_t start_thread_child(int nspin, bool spawner)
{
	pid_t pid;

	sh = map_shared();
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		pthread_attr_t attr;
		pthread_t t;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGUSR1, on_usr1);
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		for (int i = 0; i < nspin; i++)
			pthread_create(&t, &attr, spin_worker,
				       (void *)(uintptr_t)i);
		sh->ready = 1;
		if (!spawner)
			for (;;)
				pause();
		for (;;) {
			if (atomic_load(&sh->live) >= 16) {
				sched_yield();
				continue;
			}
			atomic_fetch_add(&sh->live, 1);
			if (pthread_create(&t, &attr, short_worker, NULL)) {
				atomic_fetch_sub(&sh->live, 1);
				continue;
			}
			atomic_fetch_add(&sh->created, 1);
		}
	}
	/* wait until every spinner has run */
	for (int tries = 0; tries < 5000; tries++) {
		bool all = sh->ready;

		for (int i = 0; i < nspin && all; i++)
			all = atomic_load(&sh->cnt[i]) > 0;
		if (all)
			return pid;
		msleep(1);
	}
	cr_assert_fail("child threads did not start");
	return -1;
}

static void end_child(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

/* Count threads of pid, and how many are in state 't' (traced stop). */
static int thread_states(pid_t pid, int *traced)
{
	char path[320], buf[512], *p;
	struct dirent *de;
	int n = 0;
	DIR *d;

	*traced = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	cr_assert_not_null(d);
	while ((de = readdir(d))) {
		ssize_t len;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat",
			 (int)pid, de->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;	/* exited meanwhile */
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		p = strrchr(buf, ')');
		n++;
		if (p && p[2] == 't')
			(*traced)++;
	}
	closedir(d);
	return n;
}

static void snapshot(uint64_t *c, int n)
{
	for (int i = 0; i < n; i++)
		c[i] = atomic_load(&sh->cnt[i]);
	c[n] = atomic_load(&sh->work);
}

Test(proc, freeze_stops_all_threads_and_thaw_resumes)
{
	pid_t pid = start_thread_child(3, false);
	uint64_t before[4], after[4], t[20];
	struct ld_proc proc;
	struct ld_error *err;
	int n, traced;

	err = ld_proc_open(&proc, pid);
	cr_assert_null(err, "%s", err ? err->message : "");
	err = ld_proc_freeze(&proc);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_assert(proc.frozen);
	cr_assert_eq(proc.ntids, 4, "%zu threads seized", proc.ntids);
	n = thread_states(pid, &traced);
	cr_assert_eq(n, 4);
	cr_assert_eq(traced, 4, "only %d of %d threads stopped", traced, n);
	snapshot(before, 3);
	msleep(50);
	snapshot(after, 3);
	cr_assert(!memcmp(before, after, sizeof(before)),
		  "counters moved while frozen");
	ld_proc_thaw(&proc);
	cr_assert(!proc.frozen);
	cr_assert(proc.freeze_ns >= 50000000ull);
	msleep(30);
	snapshot(after, 3);
	for (int i = 0; i < 4; i++)
		cr_assert_gt(after[i], before[i], "counter %d stuck", i);
	n = thread_states(pid, &traced);
	cr_assert_eq(traced, 0);
	ld_proc_thaw(&proc);	/* idempotent */

	/* how long does a freeze take? */
	for (int i = 0; i < 20; i++) {
		uint64_t t0 = ld_now_ns();

		err = ld_proc_freeze(&proc);
		t[i] = ld_now_ns() - t0;
		cr_assert_null(err, "%s", err ? err->message : "");
		cr_assert_eq(proc.ntids, 4);
		ld_proc_thaw(&proc);
		msleep(2);
	}
	for (int i = 1; i < 20; i++)
		for (int j = i; j > 0 && t[j - 1] > t[j]; j--) {
			uint64_t x = t[j];

			t[j] = t[j - 1];
			t[j - 1] = x;
		}
	cr_log_info("freeze of 4 threads: min %.1f us, median %.1f us, max %.1f us",
		    t[0] / 1e3, t[10] / 1e3, t[19] / 1e3);
	ld_proc_close(&proc);
	end_child(pid);
}

Test(proc, freeze_catches_threads_created_meanwhile, .timeout = 60)
{
	pid_t pid = start_thread_child(1, true);
	struct ld_proc proc;
	struct ld_error *err;
	uint64_t c0, w0, w1;

	err = ld_proc_open(&proc, pid);
	cr_assert_null(err, "%s", err ? err->message : "");
	for (int round = 0; round < 30; round++) {
		int n, traced;

		msleep(3);
		err = ld_proc_freeze(&proc);
		cr_assert_null(err, "round %d: %s", round,
			       err ? err->message : "");
		n = thread_states(pid, &traced);
		cr_assert_eq(traced, n, "round %d: %d of %d threads stopped",
			     round, traced, n);
		cr_assert_eq((size_t)n, proc.ntids);
		w0 = atomic_load(&sh->work);
		c0 = atomic_load(&sh->created);
		msleep(10);
		w1 = atomic_load(&sh->work);
		cr_assert_eq(w1, w0, "round %d: a thread ran while frozen",
			     round);
		cr_assert_eq(atomic_load(&sh->created), c0);
		ld_proc_thaw(&proc);
	}
	cr_assert_gt(atomic_load(&sh->created), 30, "child created few threads");
	ld_proc_close(&proc);
	end_child(pid);
}

/*
 * A thread that cannot stop (here: blocked in vfork until its child exits,
 * a sleep PTRACE_INTERRUPT does not break) must not hang the freeze: it
 * fails after its deadline and the other threads run on.
 */
Test(proc, unstoppable_thread_times_out_and_releases, .timeout = 30)
{
	pid_t pid;
	uint64_t before[3], after[3], t0, dt;
	struct ld_proc proc;
	struct ld_error *err;
	int traced;

	sh = map_shared();
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		pthread_t t;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (int i = 0; i < 2; i++)
			pthread_create(&t, NULL, spin_worker,
				       (void *)(uintptr_t)i);
		if (vfork() == 0) {
			struct timespec ts = { 6, 0 };

			syscall(SYS_nanosleep, &ts, NULL);
			_exit(0);
		}
		for (;;)
			pause();
	}
	for (int i = 0; i < 5000 && !(atomic_load(&sh->cnt[0]) &&
				      atomic_load(&sh->cnt[1])); i++)
		msleep(1);
	msleep(20);	/* let the main thread get into vfork */
	err = ld_proc_open(&proc, pid);
	cr_assert_null(err, "%s", err ? err->message : "");
	t0 = ld_now_ns();
	err = ld_proc_freeze(&proc);
	dt = ld_now_ns() - t0;
	cr_assert_not_null(err, "froze a thread blocked in vfork?");
	cr_assert_eq(err->code, LD_EXIT_TARGET);
	cr_assert(strstr(err->message, "did not stop"), "%s", err->message);
	cr_log_info("%s (after %.2f s)", err->message, dt / 1e9);
	cr_assert(dt < 5000000000ull, "freeze took %llu ns",
		  (unsigned long long)dt);
	ld_error_free(err);
	cr_assert(!proc.frozen);
	snapshot(before, 2);
	msleep(30);
	snapshot(after, 2);
	for (int i = 0; i < 2; i++)
		cr_assert_gt(after[i], before[i], "thread %d left stopped", i);
	thread_states(pid, &traced);
	cr_assert_eq(traced, 0);
	ld_proc_close(&proc);
	end_child(pid);
}

Test(proc, killed_tracer_releases_threads)
{
	pid_t pid = start_thread_child(3, false);
	uint64_t before[4], after[4];
	int pfd[2], status, n, traced;
	pid_t tracer;
	char c;

	cr_assert(pipe(pfd) == 0);
	tracer = fork();
	cr_assert(tracer >= 0);
	if (tracer == 0) {
		struct ld_proc proc;

		if (ld_proc_open(&proc, pid) || ld_proc_freeze(&proc))
			_exit(1);
		if (write(pfd[1], "F", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(pfd[1]);
	cr_assert_eq(read(pfd[0], &c, 1), 1, "tracer failed to freeze");
	n = thread_states(pid, &traced);
	cr_assert_eq(traced, n);
	snapshot(before, 3);
	msleep(30);
	snapshot(after, 3);
	cr_assert(!memcmp(before, after, sizeof(before)));
	kill(tracer, SIGKILL);
	cr_assert_eq(waitpid(tracer, &status, 0), tracer);
	msleep(50);
	snapshot(after, 3);
	for (int i = 0; i < 4; i++)
		cr_assert_gt(after[i], before[i], "counter %d stuck", i);
	n = thread_states(pid, &traced);
	cr_assert_eq(traced, 0);
	end_child(pid);
}

Test(proc, async_release_detaches)
{
	pid_t pid = start_thread_child(2, false);
	uint64_t before[3], after[3];
	struct ld_proc proc;
	int traced;

	cr_assert_null(ld_proc_open(&proc, pid));
	cr_assert_null(ld_proc_freeze(&proc));
	snapshot(before, 2);
	ld_proc_release_all_async();
	msleep(30);
	snapshot(after, 2);
	for (int i = 0; i < 3; i++)
		cr_assert_gt(after[i], before[i]);
	thread_states(pid, &traced);
	cr_assert_eq(traced, 0);
	ld_proc_close(&proc);	/* thaw after async release is harmless */
	end_child(pid);
}

/* Wait until the child has handled want signals; false on timeout. */
static bool wait_sigs(uint64_t want)
{
	for (int i = 0; i < 1000; i++) {
		if (atomic_load(&sh->sigs) >= want)
			return true;
		msleep(1);
	}
	return false;
}

Test(proc, signals_are_not_lost, .timeout = 60)
{
	pid_t pid = start_thread_child(3, false);
	struct ld_proc proc;
	struct ld_error *err;
	uint64_t sent = 0;

	cr_assert_null(ld_proc_open(&proc, pid));
	for (int i = 0; i < 400; i++) {
		/*
		 * Just before the freeze (the thread sometimes takes the
		 * signal between our seize and interrupt: a signal-delivery
		 * stop whose signal must be given back), and during it.
		 */
		if (i % 2 == 0)
			kill(pid, SIGUSR1);
		err = ld_proc_freeze(&proc);
		cr_assert_null(err, "%s", err ? err->message : "");
		if (i % 2 == 1)
			kill(pid, SIGUSR1);
		ld_proc_thaw(&proc);
		sent++;
		cr_assert(wait_sigs(sent), "signal %" PRIu64 " lost (%" PRIu64 " handled)",
			  sent, atomic_load(&sh->sigs));
	}
	cr_assert_eq(atomic_load(&sh->sigs), sent);
	ld_proc_close(&proc);
	end_child(pid);
}

Test(proc, open_refuses_bad_targets)
{
	struct ld_proc proc;
	struct ld_error *err;
	pid_t gone, tid_pid;
	int status;

	gone = fork();
	cr_assert(gone >= 0);
	if (gone == 0)
		_exit(0);
	waitpid(gone, &status, 0);
	err = ld_proc_open(&proc, gone);
	cr_assert_not_null(err);
	cr_assert_eq(err->code, LD_EXIT_TARGET);
	cr_assert(strstr(err->message, "no process with pid"), "%s",
		  err->message);
	ld_error_free(err);

	err = ld_proc_open(&proc, getpid());
	cr_assert_not_null(err);
	cr_assert_eq(err->code, LD_EXIT_TARGET);
	ld_error_free(err);

	/* a thread id is not a process id */
	tid_pid = start_thread_child(1, false);
	{
		char path[64], name[256];
		struct dirent *de;
		DIR *d;
		int n;

		snprintf(path, sizeof(path), "/proc/%d/task", (int)tid_pid);
		n = count_entries(path, NULL, 0);
		cr_assert_eq(n, 2);
		d = opendir(path);
		cr_assert_not_null(d);
		name[0] = '\0';
		while ((de = readdir(d)))
			if (de->d_name[0] != '.' &&
			    atoi(de->d_name) != tid_pid)
				snprintf(name, sizeof(name), "%s", de->d_name);
		closedir(d);
		err = ld_proc_open(&proc, atoi(name));
		cr_assert_not_null(err);
		cr_assert(strstr(err->message, "is a thread of process"),
			  "%s", err->message);
		ld_error_free(err);
	}
	err = ld_proc_open(&proc, tid_pid);
	cr_assert_null(err, "%s", err ? err->message : "");
	ld_proc_close(&proc);
	end_child(tid_pid);
}
