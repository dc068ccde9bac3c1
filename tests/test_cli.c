// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_cli.c - the command line and the errors a user meets first: each bad
 * input gives one clear line, its documented exit code, and leaves the
 * target process running.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "runtool.h"

static void run(struct tool_run *r, const char *const *argv)
{
	cr_assert(tool_run(r, argv, NULL, -1, 60), "the tool timed out");
}

static void expect(const struct tool_run *r, int code, const char *needle)
{
	cr_expect_eq(r->status, code, "exit %d, want %d: %s", r->status, code,
		     r->err);
	cr_expect(strstr(r->err, needle), "message lacks '%s': %s", needle,
		  r->err);
}

Test(cli, help_and_version)
{
	struct tool_run r;
	static const char *const help[] = { "", "--help", NULL };
	static const char *const version[] = { "", "--version", NULL };
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/qld-help-XXXXXX");
	fd = mkstemp(path);
	cr_assert(fd >= 0);
	cr_assert(tool_run(&r, help, NULL, fd, 10));
	cr_expect_eq(r.status, 0);
	cr_assert(tool_run(&r, version, NULL, fd, 10));
	cr_expect_eq(r.status, 0);
	char buf[8192] = "";
	cr_assert(pread(fd, buf, sizeof(buf) - 1, 0) > 0);
	close(fd);
	unlink(path);
	cr_expect(strstr(buf, "--freeze=MODE"));
	cr_expect(strstr(buf, "--boost=WHEN"));
	cr_expect(strstr(buf, "--backtraces"));
	cr_expect(strstr(buf, "-f, --format FORMAT"));
	cr_expect(strstr(buf, "kdump-zstd"));
	cr_expect(strstr(buf, "--threads N"));
	cr_expect(strstr(buf, "-d, --dump-level N"));
	cr_expect(strstr(buf, "aarch64-le aarch64-be X86_64 386 s390 ppc64-le ppc64-be"));
	cr_expect(strstr(buf, "qemu-livedump " PACKAGE_VERSION));
}

Test(cli, usage_errors)
{
	struct tool_run r;
	static const char *const none[] = { "", NULL };
	static const char *const bad_arch[] = { "", "-p", "1", "-a", "mips", "-o", "x", NULL };
	static const char *const bad_pid[] = { "", "-p", "12ab", "-a", "386", "-o", "x", NULL };
	static const char *const bad_freeze[] = { "", "-p", "1", "-a", "386", "-o", "x", "--freeze=some", NULL };
	static const char *const bad_boost[] = { "", "-p", "1", "-o", "x", "--boost=sometimes", NULL };
	static const char *const unknown[] = { "", "--frobnicate", NULL };
	static const char *const bad_format[] = { "", "-p", "1", "-o", "x", "-f", "kdump-gzip", NULL };
	static const char *const bad_threads[] = { "", "-p", "1", "-o", "x", "-f", "kdump-zstd", "--threads", "0", NULL };
	static const char *const elf_threads[] = { "", "-p", "1", "-o", "x", "--threads", "2", NULL };
	static const char *const elf_flatten[] = { "", "-p", "1", "-o", "x", "-f", "elf", "--flatten", NULL };
	static const char *const bad_level[] = { "", "-p", "1", "-o", "x", "-d", "32", NULL };
	static const char *const word_level[] = { "", "-p", "1", "-o", "x", "--dump-level", "all", NULL };

	run(&r, bad_format);
	expect(&r, 2, "unknown format 'kdump-gzip' (known: elf, kdump-zlib, kdump-lzo, kdump-snappy, kdump-zstd)");
	run(&r, bad_threads);
	expect(&r, 2, "--threads takes 1 to 256, not '0'");
	run(&r, elf_threads);
	expect(&r, 2, "--flatten and --threads go with a kdump format");
	run(&r, elf_flatten);
	expect(&r, 2, "--flatten and --threads go with a kdump format");
	run(&r, bad_boost);
	expect(&r, 2, "--boost takes auto, always or never, not 'sometimes'");
	run(&r, bad_level);
	expect(&r, 2, "-d takes a dump level of 0 to 31, not '32'");
	run(&r, word_level);
	expect(&r, 2, "-d takes a dump level of 0 to 31, not 'all'");
	run(&r, none);
	expect(&r, 2, "missing -p PID");
	run(&r, bad_arch);
	expect(&r, 2, "unknown arch 'mips'");
	run(&r, bad_pid);
	expect(&r, 2, "invalid pid '12ab'");
	run(&r, bad_freeze);
	expect(&r, 2, "--freeze takes meta, full or none");
	run(&r, unknown);
	expect(&r, 2, "unknown option '--frobnicate'");
}

Test(cli, arch_aliases_accepted)
{
	struct tool_run r;
	static const char *const x86[] = { "", "-p", "999999999", "-a", "x86_64", "-o", "/tmp/x", NULL };

	run(&r, x86);
	expect(&r, 3, "no process with pid 999999999");
}

Test(cli, no_such_process)
{
	struct tool_run r;
	static const char *const argv[] = { "", "-p", "2147483000", "-a", "X86_64", "-o", "/tmp/qld-none", NULL };

	run(&r, argv);
	expect(&r, 3, "no process");
	cr_expect_eq(access("/tmp/qld-none", F_OK), -1);
}

/* A process that is not QEMU: refused before anything is frozen. */
Test(cli, not_a_qemu_process)
{
	struct tool_run r;
	char pid[16];
	pid_t child = fork();

	if (child == 0) {
		execlp("sleep", "sleep", "30", (char *)NULL);
		_exit(127);
	}
	usleep(100000);
	snprintf(pid, sizeof(pid), "%d", (int)child);
	const char *const argv[] = { "", "-p", pid, "-a", "X86_64", "-o", "/tmp/qld-notqemu", NULL };
	run(&r, argv);
	expect(&r, 3, "address_space_memory");
	cr_expect(all_threads_running(child));
	cr_expect_eq(access("/tmp/qld-notqemu", F_OK), -1);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
}

/* Same binary without DWARF: says what is missing and how to fix it. */
Test(cli, no_debuginfo)
{
	struct tool_run r;
	struct qld_fixture fx;
	char *dir = tmpdir_make(), stripped[4096], cmd[8192], pid[16], out[4096];
	char *src = qld_test_path("tests/fake-qemu-a");

	snprintf(stripped, sizeof(stripped), "%s/fake-qemu-stripped", dir);
	snprintf(cmd, sizeof(cmd), "objcopy --strip-debug '%s' '%s'", src, stripped);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(qld_fixture_start(&fx, stripped, NULL), 0);
	snprintf(pid, sizeof(pid), "%d", (int)fx.pid);
	snprintf(out, sizeof(out), "%s/vmcore", dir);
	const char *const argv[] = { "", "-p", pid, "-a", "X86_64", "-o", out, NULL };
	run(&r, argv);
	expect(&r, 5, "no DWARF debug info");
	cr_expect(strstr(r.err, "--debuginfo"), "%s", r.err);
	cr_expect(all_threads_running(fx.pid));
	cr_expect(value_advances(fx.pid, fx.heartbeat, 2000));
	cr_expect_eq(access(out, F_OK), -1);

	/* ... and works when the debug info is named. */
	char debug[4096];
	snprintf(debug, sizeof(debug), "%s/fake.debug", dir);
	snprintf(cmd, sizeof(cmd), "objcopy --only-keep-debug '%s' '%s'", src, debug);
	cr_assert_eq(system(cmd), 0);
	const char *const argv2[] = { "", "-p", pid, "-a", "X86_64", "-o", out,
				      "--debuginfo", debug, NULL };
	run(&r, argv2);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_eq(access(out, F_OK), 0);
	qld_fixture_stop(&fx);
	free(src);
	tmpdir_remove(dir);
}

static void with_fixture_output_error(const char *out, bool force, int code,
				      const char *needle)
{
	struct tool_run r;
	struct qld_fixture fx;
	char pid[16];

	cr_assert_eq(qld_fixture_start(&fx, "tests/fake-qemu-a", NULL), 0);
	snprintf(pid, sizeof(pid), "%d", (int)fx.pid);
	const char *const argv[] = { "", "-p", pid, "-a", "X86_64", "-o", out,
				     force ? "--force" : NULL, NULL };
	run(&r, argv);
	expect(&r, code, needle);
	cr_expect(all_threads_running(fx.pid));
	cr_expect(value_advances(fx.pid, fx.heartbeat, 2000));
	qld_fixture_stop(&fx);
}

Test(cli, output_directory_missing)
{
	with_fixture_output_error("/nonexistent-qld-dir/vmcore", false, 7,
				  "/nonexistent-qld-dir");
}

Test(cli, output_exists_without_force)
{
	char *dir = tmpdir_make(), out[4096];
	struct stat st;

	snprintf(out, sizeof(out), "%s/vmcore", dir);
	FILE *f = fopen(out, "w");
	cr_assert_not_null(f);
	fputs("precious", f);
	fclose(f);
	with_fixture_output_error(out, false, 7, "--force");
	cr_assert_eq(stat(out, &st), 0);
	cr_expect_eq(st.st_size, 8, "the existing file is untouched");
	tmpdir_remove(dir);
}

Test(cli, output_exists_with_force_is_replaced)
{
	char *dir = tmpdir_make(), out[4096], pid[16];
	struct qld_fixture fx;
	struct tool_run r;
	struct stat st;

	snprintf(out, sizeof(out), "%s/vmcore", dir);
	FILE *f = fopen(out, "w");
	cr_assert_not_null(f);
	fputs("old", f);
	fclose(f);
	chmod(out, 0644);
	cr_assert_eq(qld_fixture_start(&fx, "tests/fake-qemu-a", NULL), 0);
	snprintf(pid, sizeof(pid), "%d", (int)fx.pid);
	const char *const argv[] = { "", "-p", pid, "-a", "X86_64", "-o", out, "--force", NULL };
	run(&r, argv);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(stat(out, &st), 0);
	cr_expect_gt(st.st_size, 1 << 20);
	cr_expect_eq(st.st_mode & 0777, 0600);
	cr_expect_eq(dir_entries(dir), 1);
	qld_fixture_stop(&fx);
	tmpdir_remove(dir);
}

/* /proc takes no new files, whoever we are. */
Test(cli, output_directory_not_writable)
{
	with_fixture_output_error("/proc/qld-vmcore", false, 7, "/proc/qld-vmcore");
}

/* Not allowed to trace: the message explains ptrace_scope / CAP_SYS_PTRACE. */
Test(cli, permission_denied)
{
	struct qld_fixture fx;
	struct passwd *nobody = getpwnam("nobody");
	char pid[16], errfile[] = "/tmp/qld-perm-XXXXXX";
	int st, fd;

	cr_assert_not_null(nobody, "no user 'nobody' on this machine");
	cr_assert_eq(geteuid(), 0, "this test drops root: run the suite as root");
	cr_assert_eq(qld_fixture_start(&fx, "tests/fake-qemu-a", NULL), 0);
	snprintf(pid, sizeof(pid), "%d", (int)fx.pid);
	fd = mkstemp(errfile);
	cr_assert(fd >= 0);
	fchmod(fd, 0666);
	pid_t child = fork();
	if (child == 0) {
		char *tool = qld_test_path("src/qemu-livedump");

		dup2(fd, 2);
		if (setgid(nobody->pw_gid) || setuid(nobody->pw_uid))
			_exit(126);
		execl(tool, "qemu-livedump", "-p", pid, "-a", "X86_64", "-o",
		      "/tmp/qld-perm-vmcore", (char *)NULL);
		_exit(127);
	}
	waitpid(child, &st, 0);
	char buf[4096] = "";
	cr_assert(pread(fd, buf, sizeof(buf) - 1, 0) > 0);
	close(fd);
	unlink(errfile);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 4, "exit status 0x%x: %s", st, buf);
	cr_expect(strstr(buf, "CAP_SYS_PTRACE"), "%s", buf);
	cr_expect(strstr(buf, "ptrace_scope"), "%s", buf);
	cr_expect(all_threads_running(fx.pid));
	cr_expect_eq(access("/tmp/qld-perm-vmcore", F_OK), -1);
	qld_fixture_stop(&fx);
}

/* A user who may trace QEMU (its own, here: no Yama) dumps it, no root. */
Test(cli, non_root_user_who_may_trace_qemu_dumps_it)
{
	static char drop[64];
	const char *const args[] = { drop, NULL };
	struct passwd *nobody = getpwnam("nobody");
	struct qld_fixture fx;
	char pid[16], dir[] = "/tmp/qld-user-XXXXXX", out[64], err[4096] = "";
	char errfile[] = "/tmp/qld-user-err-XXXXXX";
	struct stat st;
	int status, fd;
	FILE *f;

	cr_assert_not_null(nobody, "no user 'nobody' on this machine");
	cr_assert_eq(geteuid(), 0, "this test drops root: run the suite as root");
	f = fopen("/proc/sys/kernel/yama/ptrace_scope", "r");
	if (f) {
		int scope = -1;

		if (fscanf(f, "%d", &scope) != 1)
			scope = -1;
		fclose(f);
		/* loud, not silent: with scope >= 1 only CAP_SYS_PTRACE may */
		cr_assert_eq(scope, 0, "kernel.yama.ptrace_scope is %d: a non-root user cannot trace a QEMU it did not start; run with ptrace_scope 0 for this test", scope);
	}
	snprintf(drop, sizeof(drop), "--drop-to=%u:%u", (unsigned)nobody->pw_uid,
		 (unsigned)nobody->pw_gid);
	cr_assert_eq(qld_fixture_start(&fx, "tests/fake-qemu-a", args), 0);
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(chown(dir, nobody->pw_uid, nobody->pw_gid), 0);
	snprintf(out, sizeof(out), "%s/vmcore", dir);
	snprintf(pid, sizeof(pid), "%d", (int)fx.pid);
	fd = mkstemp(errfile);
	cr_assert(fd >= 0);
	pid_t child = fork();
	if (child == 0) {
		char *tool = qld_test_path("src/qemu-livedump");

		dup2(fd, 2);
		setenv("QEMU_LIVEDUMP_PROFILE_CACHE", "", 1);
		if (setgroups(0, NULL) || setgid(nobody->pw_gid) ||
		    setuid(nobody->pw_uid))
			_exit(126);
		execl(tool, "qemu-livedump", "-p", pid, "-a", "X86_64", "-o", out,
		      (char *)NULL);
		_exit(127);
	}
	waitpid(child, &status, 0);
	cr_assert(pread(fd, err, sizeof(err) - 1, 0) >= 0);
	close(fd);
	unlink(errfile);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "exit status 0x%x: %s", status, err);
	cr_expect(stat(out, &st) == 0 && st.st_uid == nobody->pw_uid &&
		  (st.st_mode & 0777) == 0600, "the vmcore is the user's, 0600");
	cr_expect(all_threads_running(fx.pid));
	unlink(out);
	rmdir(dir);
	qld_fixture_stop(&fx);
}

/*
 * The stripped-QEMU path without a real QEMU: a profile written from the
 * fixture's DWARF lets the tool dump the same fixture stripped of it.
 */
Test(cli, stripped_binary_dumped_through_a_profile)
{
	struct tool_run r;
	struct qld_fixture fx;
	char *dir = tmpdir_make(), stripped[4096], cmd[8192], pid[16];
	char out[4096], profile[4096], report[4096], buf[8192] = "";
	char *src = qld_test_path("tests/fake-qemu-b");
	FILE *f;

	snprintf(stripped, sizeof(stripped), "%s/fake-qemu-stripped", dir);
	snprintf(profile, sizeof(profile), "%s/fake.profile", dir);
	snprintf(out, sizeof(out), "%s/vmcore", dir);
	snprintf(report, sizeof(report), "%s/r.json", dir);
	snprintf(cmd, sizeof(cmd), "objcopy --strip-debug '%s' '%s'", src, stripped);
	cr_assert_eq(system(cmd), 0);

	const char *const write[] = { "", "--write-profile", profile, "--binary",
				      src, NULL };
	run(&r, write);
	cr_assert_eq(r.status, 0, "%s", r.err);

	cr_assert_eq(qld_fixture_start(&fx, stripped, NULL), 0);
	snprintf(pid, sizeof(pid), "%d", (int)fx.pid);
	const char *const dump[] = { "", "-p", pid, "-a", "X86_64", "-o", out,
				     "--profile", profile, "--report", report, NULL };
	run(&r, dump);
	cr_expect_eq(r.status, 0, "%s", r.err);
	f = fopen(report, "r");
	cr_assert_not_null(f);
	cr_assert(fread(buf, 1, sizeof(buf) - 1, f) > 0);
	fclose(f);
	cr_expect(strstr(buf, "\"layout_source\": \"profile "), "%s", buf);
	cr_expect(strstr(buf, "\"blocks\": 6"), "%s", buf);

	/* The other layout's profile does not fit: refused, VM untouched. */
	char other[4096];
	snprintf(other, sizeof(other), "%s/other.profile", dir);
	char *a = qld_test_path("tests/fake-qemu-a");
	const char *const write_a[] = { "", "--write-profile", other, "--binary",
					a, NULL };
	run(&r, write_a);
	cr_assert_eq(r.status, 0, "%s", r.err);
	unlink(out);
	const char *const wrong[] = { "", "-p", pid, "-a", "X86_64", "-o", out,
				      "--profile", other, NULL };
	run(&r, wrong);
	cr_expect_eq(r.status, 5, "a profile of another build: %s", r.err);
	cr_expect(strstr(r.err, "is for QEMU"), "%s", r.err);
	cr_expect_eq(access(out, F_OK), -1);
	cr_expect(all_threads_running(fx.pid));
	cr_expect(value_advances(fx.pid, fx.heartbeat, 2000));
	qld_fixture_stop(&fx);
	free(a);
	free(src);
	tmpdir_remove(dir);
}

/* Read a whole small file into buf (NUL-terminated). */
static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f, "%s", path);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/*
 * After DWARF, the layouts are cached by build-id: the same build stripped
 * (what a distribution ships) is then dumped with neither DWARF nor
 * network, and --list-profiles shows the cached profile.
 */
Test(cli, dwarf_layouts_are_cached_for_the_stripped_build)
{
	struct tool_run r;
	struct qld_fixture fx;
	char *dir = tmpdir_make(), stripped[4096], cmd[8192], pid[16];
	char out[4096], report[4096], env_cache[4200], cache[4096];
	char buf[16384];
	char *src = qld_test_path("tests/fake-qemu-b");

	snprintf(cache, sizeof(cache), "%s/cache", dir);
	snprintf(env_cache, sizeof(env_cache), "QEMU_LIVEDUMP_PROFILE_CACHE=%s",
		 cache);
	snprintf(out, sizeof(out), "%s/vmcore", dir);
	snprintf(report, sizeof(report), "%s/r.json", dir);
	const char *const env[] = { env_cache, NULL };

	cr_assert_eq(qld_fixture_start(&fx, src, NULL), 0);
	snprintf(pid, sizeof(pid), "%d", (int)fx.pid);
	const char *const dump[] = { "", "-p", pid, "-a", "X86_64", "-o", out,
				     "--report", report, NULL };
	cr_assert(tool_run(&r, dump, env, -1, 60));
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.err, "layouts cached as"), "%s", r.err);
	qld_fixture_stop(&fx);
	slurp(report, buf, sizeof(buf));
	cr_expect(strstr(buf, "\"layout_source\": \"dwarf\""), "%s", buf);
	cr_expect(strstr(buf, "\"layout_cached\": \""), "%s", buf);
	cr_expect(strstr(buf, "\"qemu_version\": \"1.2.1 (fake)\""), "%s", buf);

	snprintf(stripped, sizeof(stripped), "%s/fake-qemu-stripped", dir);
	snprintf(cmd, sizeof(cmd), "objcopy --strip-debug '%s' '%s'", src, stripped);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(qld_fixture_start(&fx, stripped, NULL), 0);
	snprintf(pid, sizeof(pid), "%d", (int)fx.pid);
	unlink(out);
	cr_assert(tool_run(&r, dump, env, -1, 60));
	cr_expect_eq(r.status, 0, "%s", r.err);
	slurp(report, buf, sizeof(buf));
	cr_expect(strstr(buf, "\"layout_source\": \"profile "), "%s", buf);
	cr_expect(strstr(buf, "/cache/"), "%s", buf);
	cr_expect(strstr(buf, ".profile (build-id)\""), "%s", buf);
	cr_expect(strstr(buf, "\"blocks\": 6"), "%s", buf);
	cr_expect(all_threads_running(fx.pid));
	qld_fixture_stop(&fx);

	const char *const list[] = { "", "--list-profiles", NULL };
	int fd = open(report, O_RDWR | O_TRUNC);
	cr_assert(fd >= 0);
	cr_assert(tool_run(&r, list, env, fd, 10));
	close(fd);
	cr_expect_eq(r.status, 0);
	slurp(report, buf, sizeof(buf));
	cr_expect(strstr(buf, cache), "%s", buf);
	cr_expect(strstr(buf, "QEMU 1.2.1 (fake)"), "%s", buf);
	free(src);
	tmpdir_remove(dir);
}

/* Rewrite a profile: new version and build-id, optionally one field. */
static void edit_profile(const char *in, const char *out, const char *version,
			 const char *field, long delta)
{
	char line[512];
	FILE *fi = fopen(in, "r"), *fo = fopen(out, "w");

	cr_assert(fi && fo);
	while (fgets(line, sizeof(line), fi)) {
		char key[128];
		long off, size;

		if (!strncmp(line, "qemu-version ", 13)) {
			fprintf(fo, "qemu-version %s\n", version);
		} else if (!strncmp(line, "build-id ", 9)) {
			fprintf(fo, "build-id 00ff00ff\n");
		} else if (field && sscanf(line, "field %127s %ld %ld", key, &off,
					   &size) == 3 && !strcmp(key, field)) {
			fprintf(fo, "field %s %ld %ld\n", key, off + delta, size);
		} else {
			fputs(line, fo);
		}
	}
	fclose(fi);
	fclose(fo);
}

/*
 * A point release with no profile of its own: the profile of another
 * release of the same series is used only after strict checks, and says
 * so; one that does not fit is refused before anything is written.
 */
Test(cli, point_release_uses_the_series_profile_strictly)
{
	struct tool_run r;
	struct qld_fixture fx;
	char *dir = tmpdir_make(), stripped[4096], cmd[8192], pid[16];
	char out[4096], report[4096], profile[4096], cache[4096];
	char env_cache[4200], edited[4200], buf[16384];
	char *src = qld_test_path("tests/fake-qemu-b");

	snprintf(cache, sizeof(cache), "%s/profiles", dir);
	cr_assert_eq(mkdir(cache, 0700), 0);
	snprintf(env_cache, sizeof(env_cache), "QEMU_LIVEDUMP_PROFILE_CACHE=%s",
		 cache);
	snprintf(profile, sizeof(profile), "%s/orig.profile", dir);
	snprintf(edited, sizeof(edited), "%s/series.profile", cache);
	snprintf(out, sizeof(out), "%s/vmcore", dir);
	snprintf(report, sizeof(report), "%s/r.json", dir);
	const char *const env[] = { env_cache, NULL };
	const char *const write[] = { "", "--write-profile", profile, "--binary",
				      src, NULL };
	run(&r, write);
	cr_assert_eq(r.status, 0, "%s", r.err);
	edit_profile(profile, edited, "1.2.0 (older point release)", NULL, 0);

	snprintf(stripped, sizeof(stripped), "%s/fake-qemu-stripped", dir);
	snprintf(cmd, sizeof(cmd), "objcopy --strip-debug '%s' '%s'", src, stripped);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(qld_fixture_start(&fx, stripped, NULL), 0);
	snprintf(pid, sizeof(pid), "%d", (int)fx.pid);
	const char *const dump[] = { "", "-p", pid, "-a", "X86_64", "-o", out,
				     "--report", report, NULL };
	cr_assert(tool_run(&r, dump, env, -1, 60));
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.err, "validated against 1.2.1"), "%s", r.err);
	slurp(report, buf, sizeof(buf));
	cr_expect(strstr(buf, "layouts from the 1.2.0 profile, validated against 1.2.1"),
		  "%s", buf);
	cr_expect(strstr(buf, "same series"), "%s", buf);
	cr_expect(strstr(buf, "\"vcpus\": 2"), "%s", buf);

	/* EFLAGS read from the wrong place: the strict check refuses. */
	edit_profile(profile, edited, "1.2.0 (older point release)",
		     "CPUX86State.eflags", 8);
	unlink(out);
	cr_assert(tool_run(&r, dump, env, -1, 60));
	cr_expect_eq(r.status, 6, "%s", r.err);
	cr_expect(strstr(r.err, "do not fit this QEMU"), "%s", r.err);
	cr_expect(strstr(r.err, "EFLAGS"), "%s", r.err);
	cr_expect_eq(access(out, F_OK), -1);

	/* Another series is not even tried. */
	edit_profile(profile, edited, "1.3.0", NULL, 0);
	cr_assert(tool_run(&r, dump, env, -1, 60));
	cr_expect_eq(r.status, 5, "%s", r.err);
	cr_expect(strstr(r.err, "no layout profile fits"), "%s", r.err);
	cr_expect_eq(access(out, F_OK), -1);
	cr_expect(all_threads_running(fx.pid));
	cr_expect(value_advances(fx.pid, fx.heartbeat, 2000));
	qld_fixture_stop(&fx);
	free(src);
	tmpdir_remove(dir);
}

/*
 * A confidential VM's private RAM (a RAMBlock with a guest_memfd) is not
 * in QEMU's host mapping: the tool leaves it out, names it, and never
 * reads it (the fake makes any read of it fault).
 */
Test(cli, guest_memfd_ram_is_named_and_never_read)
{
	struct tool_run r;
	struct qld_fixture fx;
	char *dir = tmpdir_make(), pid[16], out[4096], report[4096];
	char buf[16384];
	static const char *const args[] = { "--guest-memfd", NULL };

	snprintf(out, sizeof(out), "%s/vmcore", dir);
	snprintf(report, sizeof(report), "%s/r.json", dir);
	cr_assert_eq(qld_fixture_start(&fx, "tests/fake-qemu-b", args), 0);
	snprintf(pid, sizeof(pid), "%d", (int)fx.pid);
	const char *const dump[] = { "", "-p", pid, "-a", "X86_64", "-o", out,
				     "--report", report, NULL };
	run(&r, dump);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.err, "of ramC left out, never read: guest_memfd"),
		  "%s", r.err);
	slurp(report, buf, sizeof(buf));
	/* ramC (4 GiB) is gone, the other five blocks are there. */
	cr_expect(strstr(buf, "\"blocks\": 5"), "%s", buf);
	cr_expect(strstr(buf, "guest_memfd"), "%s", buf);
	cr_expect(all_threads_running(fx.pid));
	qld_fixture_stop(&fx);
	tmpdir_remove(dir);
}

/*
 * No -a: the arch is what QEMU's own dump would write, from the binary's
 * target (qemu-system-x86_64) and the first vCPU (in long mode here).
 */
Test(cli, arch_from_qemus_target_and_first_vcpu)
{
	struct tool_run r;
	struct qld_fixture fx;
	char *dir = tmpdir_make(), bin[4096], cmd[8192], pid[16], out[4096];
	char report[4096], buf[16384];
	char *src = qld_test_path("tests/fake-qemu-a");

	snprintf(bin, sizeof(bin), "%s/qemu-system-x86_64", dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", src, bin);
	cr_assert_eq(system(cmd), 0);
	snprintf(out, sizeof(out), "%s/vmcore", dir);
	snprintf(report, sizeof(report), "%s/r.json", dir);
	cr_assert_eq(qld_fixture_start(&fx, bin, NULL), 0);
	snprintf(pid, sizeof(pid), "%d", (int)fx.pid);
	const char *const dump[] = { "", "-p", pid, "-o", out, "--report",
				     report, NULL };
	run(&r, dump);
	cr_expect_eq(r.status, 0, "%s", r.err);
	slurp(report, buf, sizeof(buf));
	cr_expect(strstr(buf, "\"arch\": \"X86_64\""), "%s", buf);
	cr_expect(strstr(buf, "\"arch_source\": \"QEMU's target and first vCPU\""),
		  "%s", buf);

	/* -a 386 is written as asked, and the difference said. */
	unlink(out);
	const char *const asked[] = { "", "-p", pid, "-o", out, "-a", "386",
				      NULL };
	run(&r, asked);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.err, "QEMU's own dump of this VM would be X86_64: writing 386 as asked"),
		  "%s", r.err);
	qld_fixture_stop(&fx);

	/* A binary whose target cannot be told: -a is needed. */
	cr_assert_eq(qld_fixture_start(&fx, "tests/fake-qemu-a", NULL), 0);
	snprintf(pid, sizeof(pid), "%d", (int)fx.pid);
	unlink(out);
	run(&r, dump);
	expect(&r, 2, "cannot tell the guest architecture of this QEMU: name it with -a");
	cr_expect(all_threads_running(fx.pid));
	qld_fixture_stop(&fx);
	free(src);
	tmpdir_remove(dir);
}

/*
 * --list finds QEMU processes by their binary's name and says what each
 * is from its command line and binary; -n selects one by its -name, and
 * no match or several are clear errors listing the candidates.
 */
Test(cli, list_and_select_by_name)
{
	struct tool_run r;
	struct qld_fixture fa, fb;
	char *dir = tmpdir_make(), bin[4096], cmd[8192], out[4096];
	char listing[4096], buf[32768];
	char *src = qld_test_path("tests/fake-qemu-b");
	static const char *const args_a[] = {
		"-name", "guest=qld-test-vm,debug-threads=on", "-m",
		"size=2G,slots=2,maxmem=8G", "-machine", "pc-q35-10.0,accel=kvm",
		NULL };
	static const char *const args_b[] = { "-name", "qld-test-other", NULL };
	int fd;

	snprintf(bin, sizeof(bin), "%s/qemu-system-x86_64", dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", src, bin);
	cr_assert_eq(system(cmd), 0);
	snprintf(out, sizeof(out), "%s/vmcore", dir);
	snprintf(listing, sizeof(listing), "%s/list", dir);
	cr_assert_eq(qld_fixture_start(&fa, bin, args_a), 0);
	cr_assert_eq(qld_fixture_start(&fb, bin, args_b), 0);

	const char *const json[] = { "", "--list", "--json", NULL };
	fd = open(listing, O_RDWR | O_CREAT | O_TRUNC, 0600);
	cr_assert(fd >= 0);
	cr_assert(tool_run(&r, json, NULL, fd, 30));
	close(fd);
	cr_expect_eq(r.status, 0, "%s", r.err);
	slurp(listing, buf, sizeof(buf));
	cr_expect(strstr(buf, "\"name\": \"qld-test-vm\""), "%s", buf);
	cr_expect(strstr(buf, "\"ram_bytes\": 2147483648"), "%s", buf);
	cr_expect(strstr(buf, "\"machine\": \"pc-q35-10.0\""), "%s", buf);
	cr_expect(strstr(buf, "\"accel\": \"kvm\""), "%s", buf);
	cr_expect(strstr(buf, "\"qemu_version\": \"1.2.1 (fake)\""), "%s", buf);
	cr_expect(strstr(buf, "\"layouts\": \"dwarf\""), "%s", buf);
	cr_expect(strstr(buf, "\"name\": \"qld-test-other\""), "%s", buf);
	cr_expect(strstr(buf, "\"tracer_pid\": 0"), "%s", buf);

	const char *const by_name[] = { "", "-n", "qld-test-vm", "-o", out,
					"--report", listing, NULL };
	run(&r, by_name);
	cr_expect_eq(r.status, 0, "%s", r.err);
	slurp(listing, buf, sizeof(buf));
	snprintf(cmd, sizeof(cmd), "\"pid\": %d,", (int)fa.pid);
	cr_expect(strstr(buf, cmd), "dumped the wrong VM: %s", buf);

	const char *const none[] = { "", "-n", "qld-no-such-vm", "-o", out, NULL };
	run(&r, none);
	expect(&r, 3, "no QEMU process is named 'qld-no-such-vm'");
	cr_expect(strstr(r.err, "(qld-test-other)"), "%s", r.err);

	const char *const both[] = { "", "-n", "x", "-p", "1", "-o", out, NULL };
	run(&r, both);
	expect(&r, 2, "-p and -n name the VM twice");

	/* Two VMs of one name: neither is guessed. */
	struct qld_fixture fc;
	cr_assert_eq(qld_fixture_start(&fc, bin, args_a), 0);
	unlink(out);
	run(&r, by_name);
	expect(&r, 3, "more than one QEMU process is named 'qld-test-vm'");
	cr_expect_eq(access(out, F_OK), -1);
	qld_fixture_stop(&fc);
	cr_expect(all_threads_running(fa.pid) && all_threads_running(fb.pid));
	qld_fixture_stop(&fa);
	qld_fixture_stop(&fb);
	free(src);
	tmpdir_remove(dir);
}

/*
 * On a terminal (script(1) gives the tool one), a progress line is drawn
 * and erased before the summary; on a pipe, or with -q, there is none.
 */
Test(cli, progress_line_on_a_terminal_only)
{
	struct tool_run r;
	struct qld_fixture fx;
	char *dir = tmpdir_make(), pid[16], out[4096], ts[4096], cmd[16384];
	char buf[16384];
	char *tool = qld_test_path("src/qemu-livedump");

	snprintf(out, sizeof(out), "%s/vmcore", dir);
	snprintf(ts, sizeof(ts), "%s/typescript", dir);
	cr_assert_eq(qld_fixture_start(&fx, "tests/fake-qemu-a", NULL), 0);
	snprintf(pid, sizeof(pid), "%d", (int)fx.pid);
	snprintf(cmd, sizeof(cmd),
		 "QEMU_LIVEDUMP_PROFILE_CACHE= script -qec '%s -p %s -a X86_64 -o %s' %s >/dev/null 2>&1",
		 tool, pid, out, ts);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	slurp(ts, buf, sizeof(buf));
	cr_expect(strstr(buf, "\r\033[Kqemu-livedump: "), "no progress line: %s", buf);
	cr_expect(strstr(buf, " MiB ("), "%s", buf);
	cr_expect(strstr(buf, "MiB/s, "), "%s", buf);
	/* Erased, then the summary starts on a clean line. */
	cr_expect(strstr(buf, "\r\033[Kqemu-livedump: pid "), "%s", buf);

	/* -q on a terminal: nothing at all. */
	unlink(out);
	snprintf(cmd, sizeof(cmd),
		 "QEMU_LIVEDUMP_PROFILE_CACHE= script -qec '%s -q -p %s -a X86_64 -o %s' %s >/dev/null 2>&1",
		 tool, pid, out, ts);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	slurp(ts, buf, sizeof(buf));
	cr_expect(!strstr(buf, "MiB/s, "), "progress despite -q: %s", buf);

	/* A pipe: no escape sequences in the log. */
	unlink(out);
	const char *const dump[] = { "", "-p", pid, "-a", "X86_64", "-o", out, NULL };
	run(&r, dump);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(!strstr(r.err, "\033[K") && !strstr(r.err, "\r"),
		  "terminal control on a pipe: %s", r.err);
	qld_fixture_stop(&fx);
	free(tool);
	tmpdir_remove(dir);
}
