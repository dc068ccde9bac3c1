// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_live.c - end to end against a running fake QEMU (tests/fixtures):
 * the tool attaches, freezes, dumps and releases a live process whose
 * FlatView, RAM contents and threads are known exactly (pattern.h).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixtures/pattern.h"
#include "helpers.h"
#include "proc.h"
#include "runtool.h"

#define NT_PRSTATUS_TYPE 1

static struct qld_fixture fx;
static char *dir;
static char out[4096];

static void start(const char *binary, const char *const *args)
{
	dir = tmpdir_make();
	cr_assert_not_null(dir);
	snprintf(out, sizeof(out), "%s/vmcore", dir);
	cr_assert(qld_fixture_start(&fx, binary, args) == 0,
		  "fixture %s did not start", binary);
}

static void finish(void)
{
	if (fx.pid > 0) {
		cr_expect(all_threads_running(fx.pid),
			  "the fake QEMU was left stopped");
		cr_expect(value_advances(fx.pid, fx.heartbeat, 2000),
			  "the fake QEMU's threads do not run after the tool");
		qld_fixture_stop(&fx);
	}
	tmpdir_remove(dir);
	dir = NULL;
}

static void dump(struct tool_run *r, const char *const *extra)
{
	char pid[16];
	const char *argv[32] = { "qemu-livedump", "-p", pid, "-a", "X86_64",
				 "-o", out };
	int n = 7;

	snprintf(pid, sizeof(pid), "%d", (int)fx.pid);
	for (int i = 0; extra && extra[i] && n < 31; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	cr_assert(tool_run(r, argv, NULL, -1, 60), "the tool timed out");
}

/* Every expected block is a PT_LOAD with the right bytes, nothing else. */
static void check_vmcore_notes(const char *path, bool vmcoreinfo, int vcpus,
			       unsigned int skip_pages)
{
	struct vmcore vc;
	size_t loads = 0;

	cr_assert(vmcore_open(&vc, path), "cannot open %s with libelf", path);
	GElf_Ehdr eh;
	cr_assert(gelf_getehdr(vc.elf, &eh));
	cr_expect_eq(eh.e_type, ET_CORE);
	cr_expect_eq(eh.e_machine, EM_X86_64);
	for (size_t i = 0; i < vc.phnum; i++) {
		GElf_Phdr ph;

		cr_assert(gelf_getphdr(vc.elf, i, &ph));
		if (i == 0)
			cr_expect_eq(ph.p_type, PT_NOTE, "PT_NOTE comes first");
		if (ph.p_type != PT_LOAD)
			continue;
		cr_assert_lt(loads, FAKE_EXPECTED_BLOCKS, "too many PT_LOADs");
		const struct fake_block *want = &fake_expected_blocks[loads++];

		cr_expect_eq(ph.p_paddr, want->gpa, "load %zu p_paddr", loads - 1);
		cr_expect_eq(ph.p_vaddr, want->gpa, "load %zu p_vaddr", loads - 1);
		cr_expect_eq(ph.p_filesz, want->size, "load %zu size", loads - 1);
		cr_expect_eq(ph.p_memsz, want->size);
		cr_assert_leq(ph.p_offset + ph.p_filesz, vc.size);
		for (uint64_t off = 0; off < ph.p_filesz; off += FAKE_PAGE_SIZE) {
			uint64_t gpa = ph.p_paddr + off;
			const uint8_t *page = vc.data + ph.p_offset + off;

			if ((skip_pages >= 1 && gpa == FAKE_VMCOREINFO_GPA) ||
			    (skip_pages >= 2 && gpa == FAKE_VMCOREINFO_GPA2))
				continue;
			long bad = fake_check_page(page, gpa, fx.token);
			cr_assert_eq(bad, -1, "guest page 0x%llx differs at byte %ld",
				     (unsigned long long)gpa, bad);
		}
	}
	cr_expect_eq(loads, FAKE_EXPECTED_BLOCKS, "PT_LOAD count");

	unsigned char prstatus[336];
	cr_expect_eq(vmcore_notes(&vc, "CORE", NT_PRSTATUS_TYPE, prstatus,
				  sizeof(prstatus)), vcpus);
	int32_t pr_pid;
	memcpy(&pr_pid, prstatus + 32, 4);
	cr_expect_eq(pr_pid, 1, "first vCPU is pr_pid 1, as QEMU numbers them");
	/* Registers from X86CPU.env (user_regs_struct at offset 112). */
	uint64_t reg[27];
	memcpy(reg, prstatus + 112, sizeof(reg));
	cr_expect_eq(reg[16], FAKE_X86_RIP(0), "rip 0x%llx", (unsigned long long)reg[16]);
	cr_expect_eq(reg[19], FAKE_X86_REG(0, 4), "rsp");
	cr_expect_eq(reg[10], FAKE_X86_REG(0, 0), "rax");
	cr_expect_eq(reg[0], FAKE_X86_REG(0, 15), "r15");
	cr_expect_eq(reg[22], FAKE_X86_GS_BASE(0), "gs_base");

	/* QEMU's own "QEMU" note (QEMUCPUState) follows, with cr3 for crash. */
	unsigned char qemu_note[440];
	cr_expect_eq(vmcore_notes(&vc, "QEMU", 0, qemu_note, sizeof(qemu_note)),
		     vcpus);
	uint32_t version;
	memcpy(&version, qemu_note, 4);
	cr_expect_eq(version, 1);
	/* version, size, 16 GPRs, rip, rflags, 10 segments, then cr[0..4]. */
	uint64_t cr3;
	memcpy(&cr3, qemu_note + 8 + 18 * 8 + 10 * 24 + 3 * 8, 8);
	cr_expect_eq(cr3, FAKE_X86_CR3(0), "cr3 0x%llx", (unsigned long long)cr3);

	char text[256] = "";
	int n = vmcore_notes(&vc, "VMCOREINFO", 0, text, sizeof(text) - 1);
	if (vmcoreinfo) {
		cr_expect_eq(n, 1);
		cr_expect(!strncmp(text, FAKE_VMCOREINFO_TEXT,
				   strlen(FAKE_VMCOREINFO_TEXT)),
			  "vmcoreinfo text: %s", text);
	} else {
		cr_expect_eq(n, 0);
	}
	vmcore_close(&vc);
}

static void check_vmcore(const char *path, bool vmcoreinfo, int vcpus)
{
	check_vmcore_notes(path, vmcoreinfo, vcpus, vmcoreinfo ? 1 : 0);
}

Test(live, dump_layout_a_meta)
{
	struct tool_run r;
	struct stat st;

	start("tests/fake-qemu-a", NULL);
	dump(&r, NULL);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_assert(stat(out, &st) == 0);
	cr_expect_eq(st.st_mode & 0777, 0600, "vmcore mode %o", st.st_mode & 0777);
	cr_expect(st.st_blocks * 512 < st.st_size, "zero pages became holes");
	cr_expect(strstr(r.err, "blocks 6"), "summary: %s", r.err);
	cr_expect(strstr(r.err, "frozen"), "summary mentions the freeze");
	check_vmcore(out, false, FAKE_DEFAULT_VCPUS);
	finish();
}

Test(live, dump_layout_b_full_freeze_with_vmcoreinfo)
{
	static const char *const args[] = { "--vcpus", "4", "--vmcoreinfo", NULL };
	static const char *const extra[] = { "--freeze=full", NULL };
	struct tool_run r;

	start("tests/fake-qemu-b", args);
	dump(&r, extra);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	check_vmcore(out, true, 4);
	finish();
}

/*
 * Dump to "-" with a pipe (through cat) as standard output, so the tool
 * cannot seek; the stream ends up in path.
 */
static void dump_through_pipe(struct tool_run *r, const char *path,
			      const char *const *extra)
{
	const char *argv[16] = { "qemu-livedump", "-p", NULL, "-a", "X86_64",
				 "-o", "-" };
	char pid[16];
	int fd, p[2], n = 7;
	pid_t cat;

	for (int i = 0; extra && extra[i] && n < 15; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	cr_assert(fd >= 0);
	cr_assert(pipe(p) == 0);
	cat = fork();
	if (cat == 0) {
		dup2(p[0], 0);
		dup2(fd, 1);
		close(p[1]);
		execlp("cat", "cat", (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	snprintf(pid, sizeof(pid), "%d", (int)fx.pid);
	argv[2] = pid;
	cr_assert(tool_run(r, argv, NULL, p[1], 60));
	close(p[1]);
	waitpid(cat, NULL, 0);
	close(fd);
	cr_assert_eq(r->status, 0, "%s", r->err);
}

Test(live, dump_to_a_pipe_is_the_same_stream)
{
	struct tool_run r;
	char piped[4096];

	start("tests/fake-qemu-a", NULL);
	dump(&r, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(piped, sizeof(piped), "%s/piped", dir);
	dump_through_pipe(&r, piped, NULL);
	check_vmcore(piped, false, FAKE_DEFAULT_VCPUS);

	/*
	 * Same guest bytes as the sparse file (check_vmcore checked both);
	 * the file also keeps room for a VMCOREINFO note found during the
	 * copy, the pipe does not need it (it looks before writing).
	 */
	struct vmcore a, b;
	cr_assert(vmcore_open(&a, out) && vmcore_open(&b, piped));
	cr_expect_eq(a.phnum, b.phnum);
	for (size_t i = 1; i < a.phnum; i++) {
		GElf_Phdr pa, pb;

		cr_assert(gelf_getphdr(a.elf, i, &pa) && gelf_getphdr(b.elf, i, &pb));
		cr_assert_eq(pa.p_filesz, pb.p_filesz);
		cr_expect(!memcmp(a.data + pa.p_offset, b.data + pb.p_offset,
				  pa.p_filesz), "load %zu differs", i);
	}
	vmcore_close(&a);
	vmcore_close(&b);
	finish();
}

/*
 * libkdumpfile (Debian's python3-libkdumpfile, through
 * tests/linux/kdump_check.py) reads every page of kdump equal to the ELF
 * dump elf, no page outside its loads, and the same VMCOREINFO.
 */
static char *read_text_file(const char *path);

static void expect_kdump_is_the_elf_dump(const char *kdump, const char *elf)
{
	const char *src = getenv("QLD_SRCDIR");
	char cmd[20000], log[4200];
	int rc;

	snprintf(log, sizeof(log), "%s.log", kdump);
	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/python3 '%s/tests/linux/kdump_check.py' '%s' '%s' > '%s' 2>&1",
		 src ? src : ".", kdump, elf, log);
	rc = system(cmd);
	char *text = read_text_file(log);

	cr_expect(WIFEXITED(rc) && WEXITSTATUS(rc) == 0,
		  "libkdumpfile on %s: %s", kdump, text ? text : "(no output)");
	free(text);
}

static void expect_private(const char *path)
{
	struct stat st;

	cr_assert(stat(path, &st) == 0, "%s missing", path);
	cr_expect_eq(st.st_mode & 0777, 0600, "%s is mode %o", path,
		     st.st_mode & 0777);
}

/* Every kdump format of the fake QEMU, to files and down a pipe. */
static void kdump_formats_read_back(const char *const *fake_args,
				    bool vmcoreinfo)
{
	static const char *const formats[] = {
		"kdump-zlib", "kdump-lzo", "kdump-snappy", "kdump-zstd",
	};
	char pid[16], path[4200], flat[4200], cmd[9000];
	struct tool_run r;

	start("tests/fake-qemu-a", fake_args);
	snprintf(pid, sizeof(pid), "%d", (int)fx.pid);
	dump(&r, NULL);		/* the ELF dump: the reference */
	cr_assert_eq(r.status, 0, "%s", r.err);
	for (size_t i = 0; i < 4; i++) {
		const char *argv[] = { "qemu-livedump", "-p", pid, "-a", "X86_64",
				       "-o", path, "-f", formats[i],
				       "--threads", i % 2 ? "3" : "1", NULL };

		snprintf(path, sizeof(path), "%s/dump.%s", dir, formats[i]);
		cr_assert(tool_run(&r, argv, NULL, -1, 60), "the tool timed out");
		cr_assert_eq(r.status, 0, "-f %s: %s", formats[i], r.err);
		expect_private(path);
		/* no VMCOREINFO: a warning that crash needs it */
		cr_expect(vmcoreinfo || strstr(r.err, "no VMCOREINFO note"),
			  "-f %s without VMCOREINFO gives no warning: %s",
			  formats[i], r.err);
		/* the fake's note is no kernel's: no utsname, said so */
		cr_expect(!vmcoreinfo || strstr(r.err, "only utsname.machine"),
			  "-f %s: %s", formats[i], r.err);
		expect_kdump_is_the_elf_dump(path, out);
	}
	/* a pipe gets the flattened stream; makedumpfile -R reassembles it */
	snprintf(flat, sizeof(flat), "%s/dump.flat", dir);
	const char *const zstd[] = { "-f", "kdump-zstd", NULL };

	dump_through_pipe(&r, flat, zstd);
	snprintf(path, sizeof(path), "%s/dump.flat.R", dir);
	snprintf(cmd, sizeof(cmd), "makedumpfile -R '%s' < '%s' > /dev/null 2>&1",
		 path, flat);
	cr_assert_eq(system(cmd), 0, "makedumpfile -R failed");
	expect_kdump_is_the_elf_dump(path, out);
	finish();
}

Test(live, kdump_formats_read_back_as_the_elf_dump)
{
	kdump_formats_read_back(NULL, false);
}

Test(live, kdump_formats_with_vmcoreinfo_found_in_guest_ram)
{
	static const char *const args[] = { "--vmcoreinfo-in-ram=1", NULL };

	kdump_formats_read_back(args, true);
}

/*
 * -d above 1 reads the guest kernel's struct pages: without VMCOREINFO it
 * is refused and nothing is left; with a note that is no kernel's (the
 * fake's) it warns and keeps every page.
 */
Test(live, dump_level_needs_a_linux_guest)
{
	static const char *const args[] = { "--vmcoreinfo-in-ram=1", NULL };
	char pid[16], path[4200];
	struct tool_run r;

	for (int with_note = 0; with_note < 2; with_note++) {
		start("tests/fake-qemu-a", with_note ? args : NULL);
		snprintf(pid, sizeof(pid), "%d", (int)fx.pid);
		snprintf(path, sizeof(path), "%s/dump.d31", dir);
		const char *argv[] = { "qemu-livedump", "-p", pid, "-a", "X86_64",
				       "-o", path, "-f", "kdump-zstd", "-d", "31",
				       NULL };

		cr_assert(tool_run(&r, argv, NULL, -1, 60), "the tool timed out");
		if (!with_note) {
			cr_expect_eq(r.status, 1, "status %d: %s", r.status, r.err);
			cr_expect(strstr(r.err, "dump level 31 needs the guest kernel's VMCOREINFO"),
				  "%s", r.err);
			cr_expect(access(path, F_OK) != 0, "%s left behind", path);
		} else {
			cr_assert_eq(r.status, 0, "%s", r.err);
			cr_expect(strstr(r.err, "cannot be classified"), "%s", r.err);
			dump(&r, NULL);	/* the ELF dump: the reference */
			cr_assert_eq(r.status, 0, "%s", r.err);
			expect_kdump_is_the_elf_dump(path, out);
		}
		finish();
	}
}

Test(live, json_report)
{
	char report[4096], buf[8192] = "";
	struct tool_run r;
	FILE *f;

	start("tests/fake-qemu-a", NULL);
	snprintf(report, sizeof(report), "%s/report.json", dir);
	const char *const extra[] = { "--report", report, "-q", NULL };
	dump(&r, extra);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect_eq(r.err[0], '\0', "-q prints nothing: %s", r.err);
	f = fopen(report, "r");
	cr_assert_not_null(f);
	cr_assert(fread(buf, 1, sizeof(buf) - 1, f) > 0);
	fclose(f);
	cr_expect(strstr(buf, "\"blocks\": 6"), "%s", buf);
	cr_expect(strstr(buf, "\"freeze_us\": "));
	cr_expect(strstr(buf, "\"bytes_copied\": "));
	cr_expect(strstr(buf, "\"duration_s\": "));
	cr_expect(strstr(buf, "\"exit_code\": 0"));
	cr_expect(strstr(buf, "\"layout_source\": \"dwarf\""));
	cr_expect(strstr(buf, "\"warnings_not_kept\": 0"), "%s", buf);
	{
		struct stat st, core;
		const char *w = strstr(buf, "\"bytes_written\": ");
		const char *h = strstr(buf, "\"bytes_hole\": ");
		unsigned long long written = 0, hole = 0;

		cr_assert_eq(stat(report, &st), 0);
		cr_expect_eq(st.st_mode & 0777, 0600, "report mode %o",
			     st.st_mode & 0777);
		/* every byte of the vmcore, headers included, is one or other */
		cr_assert(w && h && sscanf(w, "\"bytes_written\": %llu", &written) == 1 &&
			  sscanf(h, "\"bytes_hole\": %llu", &hole) == 1, "%s", buf);
		cr_assert_eq(stat(out, &core), 0);
		cr_expect_eq(written + hole, (unsigned long long)core.st_size,
			     "bytes_written %llu + bytes_hole %llu != %lld bytes of vmcore",
			     written, hole, (long long)core.st_size);
	}
	finish();
}

/*
 * Start the tool on the fixture with the test hook that keeps it frozen for
 * hold_ms, and return once the fixture's threads really are stopped.
 */
static pid_t spawn_until_frozen(const char *hold_ms, const char *extra_arg)
{
	static char env_hold[64];
	const char *const env[] = { env_hold, NULL };
	char pid[16];
	int waited = 0;
	pid_t tool;

	snprintf(env_hold, sizeof(env_hold),
		 "QEMU_LIVEDUMP_TEST_HOLD_FROZEN_MS=%s", hold_ms);
	snprintf(pid, sizeof(pid), "%d", (int)fx.pid);
	const char *const argv[] = { "qemu-livedump", "-p", pid, "-a", "X86_64",
				     "-o", out, extra_arg, NULL };
	tool = tool_spawn(argv, env);
	cr_assert(tool > 0);
	while (all_threads_running(fx.pid) && waited < 10000) {
		usleep(2000);
		waited += 2;
	}
	cr_assert(!all_threads_running(fx.pid), "the tool never froze the target");
	return tool;
}

/* The tool killed while the VM is frozen: ptrace's SEIZE lets it go. */
Test(live, sigkilled_tool_leaves_the_vm_running)
{
	pid_t tool;
	int st;

	start("tests/fake-qemu-a", NULL);
	tool = spawn_until_frozen("20000", NULL);
	cr_expect_not(value_advances(fx.pid, fx.heartbeat, 100),
		      "frozen means frozen");
	kill(tool, SIGKILL);
	waitpid(tool, &st, 0);
	cr_expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	cr_expect_eq(access(out, F_OK), -1, "no vmcore under the final name");
	cr_expect_eq(dir_entries(dir), 0, "no temporary files left behind");
	finish();
}

static void interrupted_by(int sig)
{
	pid_t tool;
	int st;

	start("tests/fake-qemu-a", NULL);
	tool = spawn_until_frozen("20000", NULL);
	kill(tool, sig);
	waitpid(tool, &st, 0);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 9,
		  "interrupted exit code 9, got status 0x%x", st);
	cr_expect_eq(access(out, F_OK), -1);
	cr_expect_eq(dir_entries(dir), 0);
	finish();
}

Test(live, sigint_releases_the_vm) { interrupted_by(SIGINT); }
Test(live, sigterm_releases_the_vm) { interrupted_by(SIGTERM); }
Test(live, sighup_releases_the_vm) { interrupted_by(SIGHUP); }

/* A corrupt QEMU: a clear error, exit code, no vmcore, VM untouched. */
static void corrupt(const char *kind, int code, const char *needle)
{
	char arg[64];
	struct tool_run r;

	snprintf(arg, sizeof(arg), "--corrupt=%s", kind);
	const char *const args[] = { arg, NULL };
	start("tests/fake-qemu-a", args);
	dump(&r, NULL);
	cr_expect_eq(r.status, code, "%s: exit %d: %s", kind, r.status, r.err);
	cr_expect(strstr(r.err, needle), "%s: message lacks '%s': %s", kind,
		  needle, r.err);
	cr_expect(!strchr(r.err, '\n') || strchr(r.err, '\n') == r.err + strlen(r.err) - 1,
		  "one line: %s", r.err);
	cr_expect_eq(access(out, F_OK), -1, "no vmcore after an error");
	cr_expect_eq(dir_entries(dir), 0);
	finish();
}

Test(live, corrupt_name) { corrupt("name", 6, "not \"memory\""); }
Test(live, corrupt_unsorted) { corrupt("unsorted", 6, "sorted and disjoint"); }
Test(live, corrupt_overlap) { corrupt("overlap", 6, "overlaps"); }
Test(live, corrupt_nr_huge) { corrupt("nr-huge", 6, "claims 100000000 ranges"); }
Test(live, corrupt_alias_cycle) { corrupt("cycle", 6, "loops back"); }
Test(live, corrupt_backpointer) { corrupt("backptr", 6, "points back to MemoryRegion"); }
Test(live, corrupt_null_map) { corrupt("null-map", 6, "no current_map"); }
Test(live, corrupt_bounds) { corrupt("bounds", 6, "outside RAMBlock"); }
Test(live, corrupt_no_ram_is_refused_not_an_empty_vmcore)
{
	corrupt("no-ram", 6, "no guest RAM that can be read");
}
Test(live, vanished_range_names_the_block) { corrupt("hole", 8, "ramC"); }
/* a fault in QEMU's structures is not a copy error */
Test(live, corrupt_wild_map_is_a_qemu_structures_error)
{
	corrupt("wild-map", 6, "reading QEMU structures at 0x");
}

/* No vmcoreinfo device: the kernel's note is found in guest RAM. */
Test(live, vmcoreinfo_found_in_guest_ram)
{
	static const char *const args[] = { "--vmcoreinfo-in-ram=1", NULL };
	char report[4096], buf[8192] = "";
	struct tool_run r;
	FILE *f;

	start("tests/fake-qemu-b", args);
	snprintf(report, sizeof(report), "%s/r.json", dir);
	const char *const extra[] = { "--report", report, NULL };
	dump(&r, extra);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	check_vmcore_notes(out, true, FAKE_DEFAULT_VCPUS, 1);
	f = fopen(report, "r");
	cr_assert_not_null(f);
	cr_assert(fread(buf, 1, sizeof(buf) - 1, f) > 0);
	fclose(f);
	cr_expect(strstr(buf, "\"vmcoreinfo\": \"guest RAM at 0x1000"), "%s", buf);
	finish();
}

Test(live, vmcoreinfo_found_in_guest_ram_when_writing_a_pipe)
{
	static const char *const args[] = { "--vmcoreinfo-in-ram=1", NULL };
	struct tool_run r;

	start("tests/fake-qemu-a", args);
	dump_through_pipe(&r, out, NULL);
	check_vmcore_notes(out, true, FAKE_DEFAULT_VCPUS, 1);
	finish();
}

Test(live, different_vmcoreinfo_notes_give_none_and_a_warning)
{
	static const char *const args[] = { "--vmcoreinfo-in-ram=2", NULL };
	struct tool_run r;

	start("tests/fake-qemu-a", args);
	dump(&r, NULL);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_expect(strstr(r.err, "warning: 2 different VMCOREINFO notes"), "%s", r.err);
	check_vmcore_notes(out, false, FAKE_DEFAULT_VCPUS, 2);
	finish();
}

/* --- the vmcoreinfo device of a stripped QEMU, through fw_cfg ----------- */

static char profile[4096];

/*
 * The fixture stripped of DWARF and .symtab, as Debian ships QEMU: its
 * dynamic symbols have current_machine but no vmcoreinfo_state (a
 * function-static), and its layouts come from a profile written from the
 * unstripped build.
 */
static void start_stripped(const char *binary_rel, const char *const *args)
{
	const char *oc = getenv("OBJCOPY");
	char stripped[4096], cmd[8400];
	/* Where the fixture is built (valgrind-live runs from elsewhere). */
	char *binary = qld_test_path(binary_rel);
	struct tool_run r;

	dir = tmpdir_make();
	cr_assert_not_null(dir);
	snprintf(out, sizeof(out), "%s/vmcore", dir);
	snprintf(stripped, sizeof(stripped), "%s/fake-qemu-stripped", dir);
	snprintf(profile, sizeof(profile), "%s/fake.profile", dir);
	snprintf(cmd, sizeof(cmd), "%s --strip-all '%s' '%s'",
		 oc && oc[0] ? oc : "objcopy", binary, stripped);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	const char *const write[] = { "", "--write-profile", profile,
				      "--binary", binary, NULL };
	cr_assert(tool_run(&r, write, NULL, -1, 60));
	cr_assert_eq(r.status, 0, "%s", r.err);
	free(binary);
	cr_assert(qld_fixture_start(&fx, stripped, args) == 0,
		  "fixture %s did not start", stripped);
}

/* Dump (with report) and read the report into buf. */
static void dump_reported(struct tool_run *r, const char *prof, char *buf,
			  size_t len)
{
	char report[4096];
	const char *extra[] = { "--report", report, NULL, NULL, NULL };
	size_t n;
	FILE *f;

	snprintf(report, sizeof(report), "%s/r.json", dir);
	if (prof) {
		extra[2] = "--profile";
		extra[3] = prof;
	}
	dump(r, extra);
	cr_assert_eq(r->status, 0, "exit %d: %s", r->status, r->err);
	f = fopen(report, "r");
	cr_assert_not_null(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

#define FWCFG_SOURCE "\"vmcoreinfo\": \"vmcoreinfo device (fw_cfg etc/vmcoreinfo)\""
#define RAM_SOURCE "\"vmcoreinfo\": \"guest RAM at 0x1000"

static void fwcfg_route(const char *binary)
{
	static const char *const args[] = { "--vmcoreinfo", NULL };
	char buf[16384];
	struct tool_run r;

	start_stripped(binary, args);
	dump_reported(&r, profile, buf, sizeof(buf));
	cr_expect(strstr(buf, "\"layout_source\": \"profile "), "%s", buf);
	cr_expect(strstr(buf, FWCFG_SOURCE), "%s", buf);
	cr_expect(!strstr(r.err, "warning"), "%s", r.err);
	check_vmcore(out, true, FAKE_DEFAULT_VCPUS);
	finish();
}

/* current_machine -> X86MachineState.fw_cfg -> etc/vmcoreinfo. */
Test(live, stripped_x86_qemu_vmcoreinfo_device_through_fw_cfg)
{
	fwcfg_route("tests/fake-qemu-a");
}

/* current_machine -> VirtMachineState.fw_cfg -> etc/vmcoreinfo. */
Test(live, stripped_arm_virt_qemu_vmcoreinfo_device_through_fw_cfg)
{
	fwcfg_route("tests/fake-qemu-b");
}

/* Where DWARF names vmcoreinfo_state, that is the way to the device. */
Test(live, vmcoreinfo_device_through_vmcoreinfo_state_with_dwarf)
{
	static const char *const args[] = { "--vmcoreinfo", NULL };
	char buf[16384];
	struct tool_run r;

	start("tests/fake-qemu-a", args);
	dump_reported(&r, NULL, buf, sizeof(buf));
	cr_expect(strstr(buf, "\"vmcoreinfo\": \"vmcoreinfo device (vmcoreinfo_state)\""),
		  "%s", buf);
	check_vmcore(out, true, FAKE_DEFAULT_VCPUS);
	finish();
}

/* A machine without the device: its note is looked for in RAM, quietly. */
Test(live, stripped_qemu_without_the_device_finds_the_note_in_ram)
{
	static const char *const args[] = { "--vmcoreinfo-in-ram=1", NULL };
	char buf[16384];
	struct tool_run r;

	start_stripped("tests/fake-qemu-a", args);
	dump_reported(&r, profile, buf, sizeof(buf));
	cr_expect(strstr(buf, RAM_SOURCE), "%s", buf);
	cr_expect(!strstr(r.err, "warning"), "%s", r.err);
	check_vmcore(out, true, FAKE_DEFAULT_VCPUS);
	finish();
}

/*
 * A fw_cfg chain that fails a check: no crash, no wrong note; the note is
 * found in guest RAM instead, with a warning that says why (warning NULL:
 * nothing is wrong, the device is just not reachable that way).
 */
static void fwcfg_corrupt(const char *kind, const char *warning)
{
	char arg[64], buf[16384];
	struct tool_run r;

	snprintf(arg, sizeof(arg), "--corrupt=%s", kind);
	const char *const args[] = { "--vmcoreinfo", arg, NULL };
	start_stripped("tests/fake-qemu-a", args);
	dump_reported(&r, profile, buf, sizeof(buf));
	cr_expect(strstr(buf, RAM_SOURCE), "%s: %s", kind, buf);
	if (warning) {
		cr_expect(strstr(r.err, "warning: vmcoreinfo device through fw_cfg etc/vmcoreinfo: "),
			  "%s: %s", kind, r.err);
		cr_expect(strstr(r.err, warning), "%s: no '%s' in: %s", kind,
			  warning, r.err);
		cr_expect(strstr(r.err, "looking for the note in guest RAM instead"),
			  "%s: %s", kind, r.err);
	} else {
		cr_expect(!strstr(r.err, "warning"), "%s: %s", kind, r.err);
	}
	check_vmcore(out, true, FAKE_DEFAULT_VCPUS);
	finish();
}

Test(live, fwcfg_huge_file_count_warns)
{
	fwcfg_corrupt("fwcfg-count", "lists 2147483647 files in 32 slots");
}
Test(live, fwcfg_wild_directory_pointer_warns)
{
	fwcfg_corrupt("fwcfg-wild", "reading FWCfgFiles.count");
}
Test(live, fwcfg_looping_type_chain_warns)
{
	fwcfg_corrupt("fwcfg-cycle", "more than 16 ancestors");
}
Test(live, fwcfg_selector_past_the_file_slots_warns)
{
	fwcfg_corrupt("fwcfg-select", "selector 0x1020 is outside the 32 file slots");
}
Test(live, fwcfg_entry_of_another_owner_warns)
{
	fwcfg_corrupt("fwcfg-owner", "does not hold its data");
}
Test(live, fwcfg_machine_of_another_kind_is_not_followed)
{
	fwcfg_corrupt("fwcfg-type", NULL);
}
Test(live, fwcfg_name_without_its_nul_is_not_the_file)
{
	fwcfg_corrupt("fwcfg-name", NULL);
}

/* Incident reports: where each QEMU thread was when frozen. */
Test(live, backtraces_of_every_thread_in_the_report)
{
	char report[4096], *buf = calloc(1, 1 << 20);
	struct tool_run r;
	FILE *f;

	cr_assert_not_null(buf);
	start("tests/fake-qemu-a", NULL);
	snprintf(report, sizeof(report), "%s/bt.json", dir);
	const char *const extra[] = { "--report", report, "--backtraces", NULL };
	dump(&r, extra);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_expect(strstr(r.err, "backtraces of 5 QEMU threads"), "%s", r.err);
	f = fopen(report, "r");
	cr_assert_not_null(f);
	cr_assert(fread(buf, 1, (1 << 20) - 1, f) > 0);
	fclose(f);
	cr_expect(strstr(buf, "\"threads\": ["), "%s", buf);
	cr_expect(strstr(buf, "\"freeze_priority\": \"SCHED_FIFO 1 (host busy: ") ||
		  strstr(buf, "\"freeze_priority\": \"normal ("), "%s", buf);
	cr_expect(strstr(buf, " worker+0x"), "the workers' frames are named: %s", buf);
	cr_expect(strstr(buf, " main+0x"), "%s", buf);
	cr_expect(strstr(buf, "\"name\": \"fake-qemu-a\""), "%s", buf);
	/* what each was doing, and where in the source (fake QEMU has DWARF) */
	cr_expect(strstr(buf, "\"doing\": \"sleeping, in ") ||
		  strstr(buf, "\"doing\": \"running, in "), "%s", buf);
	cr_expect(strstr(buf, "\"syscall\": "), "%s", buf);
	cr_expect(strstr(buf, " (fixtures/fake_qemu.c:"), "%s", buf);

	/* ... and as text beside the vmcore, private like it. */
	char threads[4200];
	struct stat st;

	snprintf(threads, sizeof(threads), "%s.threads.txt", out);
	cr_assert_eq(stat(threads, &st), 0, "no %s", threads);
	cr_expect_eq(st.st_mode & 0777, 0600);
	f = fopen(threads, "r");
	cr_assert_not_null(f);
	memset(buf, 0, 1 << 20);
	cr_assert(fread(buf, 1, (1 << 20) - 1, f) > 0);
	fclose(f);
	cr_expect(strstr(buf, "\nThread "), "%s", buf);
	cr_expect(strstr(buf, " worker+0x"), "%s", buf);
	cr_expect(strstr(buf, "  #0  0x"), "%s", buf);
	cr_expect(strstr(buf, "\" (sleeping, in ") || strstr(buf, "\" (running, in "),
		  "each thread's state and system call: %s", buf);
	cr_expect(strstr(buf, " worker+0x") && strstr(buf, " (fixtures/fake_qemu.c:"),
		  "file:line from DWARF: %s", buf);
	free(buf);
	finish();
}

/* The scheduling policy of every thread of process pid is want. */
static bool all_threads_policy(pid_t pid, int want, char *why, size_t len)
{
	char path[64];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d) {
		snprintf(why, len, "no %s", path);
		return false;
	}
	while ((de = readdir(d))) {
		int tid = atoi(de->d_name), pol;

		if (tid <= 0)
			continue;
		pol = sched_getscheduler(tid) & ~SCHED_RESET_ON_FORK;
		n++;
		if (pol != want) {
			snprintf(why, len, "thread %d has policy %d, want %d",
				 tid, pol, want);
			closedir(d);
			return false;
		}
	}
	closedir(d);
	snprintf(why, len, "%d threads", n);
	return n > 0;
}

/*
 * A busy host must not preempt the tool while the VM waits: SCHED_FIFO
 * (root may) from the freeze to the thaw, and only then.
 */
static void boost_while_frozen(const char *extra, int want)
{
	pid_t tool;
	int st;

	start("tests/fake-qemu-a", NULL);
	tool = spawn_until_frozen("1500", extra);
	cr_expect((sched_getscheduler(tool) & ~SCHED_RESET_ON_FORK) == want,
		  "the freezing thread's policy is %d while QEMU is stopped, want %d",
		  sched_getscheduler(tool), want);
	cr_assert_eq(waitpid(tool, &st, 0), tool);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x", st);
	finish();
}

Test(live, boost_always_is_sched_fifo_while_qemu_is_stopped)
{
	/* CI runs as root; elsewhere the kernel says no and we say why */
	boost_while_frozen("--boost=always", geteuid() == 0 ? SCHED_FIFO : SCHED_OTHER);
}

Test(live, boost_never_keeps_the_normal_priority)
{
	boost_while_frozen("--boost=never", SCHED_OTHER);
}

/* One CPU-bound child per CPU, and one more: no CPU is left idle. */
static int start_hogs(pid_t *hogs, int max)
{
	int n = (int)sysconf(_SC_NPROCESSORS_ONLN) + 1;

	if (n > max)
		n = max;
	for (int i = 0; i < n; i++) {
		hogs[i] = fork();
		if (hogs[i] == 0)
			for (;;)
				__asm__ volatile("" ::: "memory");
	}
	return n;
}

static void stop_hogs(pid_t *hogs, int n)
{
	for (int i = 0; i < n; i++) {
		kill(hogs[i], SIGKILL);
		waitpid(hogs[i], NULL, 0);
	}
}

Test(live, host_busy_is_read_from_loadavg)
{
	long r;

	/* the reader counts itself: "2/87" is one other, a CPU is idle */
	cr_expect_not(ld_host_busy("0.50 0.40 0.30 2/87 1234\n", 2, &r));
	cr_expect_eq(r, 1);
	cr_expect(ld_host_busy("4.10 3.20 3.00 3/87 1234\n", 2, &r));
	cr_expect_eq(r, 2);
	cr_expect(ld_host_busy("9.0 9.0 9.0 5/200 1\n", 2, &r));
	cr_expect_eq(r, 4);
	cr_expect_not(ld_host_busy("1.0 1.0 1.0 2/90 1\n", 2, &r));
	cr_expect_not(ld_host_busy("garbage", 2, &r), "unparsable: not busy");
	cr_expect_not(ld_host_busy("1 1 1 0/1 1", 2, &r));
	cr_expect_not(ld_host_busy("1 1 1 5/9 1", 0, &r));
}

Test(live, boost_auto_is_sched_fifo_on_a_busy_host)
{
	pid_t hogs[64];
	int n = start_hogs(hogs, 64);

	usleep(100 * 1000);
	boost_while_frozen("--freeze=meta", geteuid() == 0 ? SCHED_FIFO : SCHED_OTHER);
	stop_hogs(hogs, n);
}

/*
 * The tool writing the vmcore to a pipe that we read (or not: then it
 * waits in the middle of its copy), with the options args (NULL-ended).
 * Its stderr goes to errpath (NULL: /dev/null).  Returns its pid; *rfd is
 * our end.
 */
static pid_t spawn_to_pipe(const char *const *args, int *rfd,
			   const char *errpath)
{
	const char *argv[16] = { "qemu-livedump", "-q", "-p", NULL, "-a",
				 "X86_64", "-o", "-" };
	char pid[16];
	int p[2], n = 8;
	pid_t tool;

	for (int i = 0; args && args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;

	cr_assert(pipe(p) == 0);
	snprintf(pid, sizeof(pid), "%d", (int)fx.pid);
	tool = fork();
	if (tool == 0) {
		const char *b = getenv("QLD_BUILDDIR");
		char path[4096];
		int err = errpath ? open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600)
				  : open("/dev/null", O_WRONLY);

		snprintf(path, sizeof(path), "%s/src/qemu-livedump", b ? b : ".");
		dup2(p[1], 1);
		dup2(err, 2);
		close(p[0]);
		setenv("QEMU_LIVEDUMP_PROFILE_CACHE", "", 1);
		argv[3] = pid;
		execv(path, (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	*rfd = p[0];
	return tool;
}

static void copy_at_normal_priority(const char *freeze)
{
	bool full = !strcmp(freeze, "--freeze=full");
	char why[128], buf[65536];
	int rfd, st, waited = 0;
	pid_t tool;

	const char *const args[] = { freeze, NULL };

	start("tests/fake-qemu-a", NULL);
	tool = spawn_to_pipe(args, &rfd, NULL);
	/* The pipe is not drained: the tool waits in its copy, VM running. */
	cr_assert_gt(read(rfd, buf, 4096), 0, "the vmcore stream starts");
	usleep(200 * 1000);
	while (!full && !all_threads_running(fx.pid) && waited++ < 5000)
		usleep(1000);
	cr_expect(all_threads_running(fx.pid) == !full, "%s",
		  full ? "--freeze=full: the VM stays stopped for the copy" :
			 "the VM runs during the copy");
	cr_expect(all_threads_policy(tool, SCHED_OTHER, why, sizeof(why)),
		  "every thread of the tool copies at normal priority (%s): %s",
		  freeze, why);
	while (read(rfd, buf, sizeof(buf)) > 0)
		;
	close(rfd);
	cr_assert_eq(waitpid(tool, &st, 0), tool);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x", st);
	finish();
}

Test(live, the_copy_runs_at_normal_priority)
{
	copy_at_normal_priority("--freeze=meta");
}

Test(live, the_full_freeze_copy_runs_at_normal_priority)
{
	copy_at_normal_priority("--freeze=full");
}

/*
 * SIGINT/SIGTERM/SIGHUP in the middle of a --freeze=full copy, in format
 * (the kdump ones with their compression threads at work).
 */
static void interrupted_mid_copy_in(int sig, const char *format)
{
	const char *const args[] = { "--freeze=full", "-f", format, NULL };
	char buf[4096];
	int rfd, st;
	pid_t tool;

	start("tests/fake-qemu-a", NULL);
	tool = spawn_to_pipe(args, &rfd, NULL);
	cr_assert_gt(read(rfd, buf, sizeof(buf)), 0, "the copy started");
	usleep(100 * 1000);	/* blocked writing: the pipe is full */
	cr_expect_not(all_threads_running(fx.pid), "frozen for the copy");
	kill(tool, sig);
	cr_assert_eq(waitpid(tool, &st, 0), tool);
	close(rfd);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 9,
		  "signal %d mid-copy: exit code 9, got status 0x%x", sig, st);
	finish();	/* every thread runs again */
}

static void interrupted_mid_copy(int sig)
{
	interrupted_mid_copy_in(sig, "elf");
}

Test(live, sigint_mid_copy_releases_the_vm) { interrupted_mid_copy(SIGINT); }
Test(live, sigterm_mid_copy_releases_the_vm) { interrupted_mid_copy(SIGTERM); }
Test(live, sighup_mid_copy_releases_the_vm) { interrupted_mid_copy(SIGHUP); }
Test(live, sigint_mid_kdump_copy_releases_the_vm)
{
	interrupted_mid_copy_in(SIGINT, "kdump-zlib");
}
Test(live, sigterm_mid_kdump_copy_releases_the_vm)
{
	interrupted_mid_copy_in(SIGTERM, "kdump-zstd");
}

/* QEMU killed in the middle of a dump: one clear line, no file. */
Test(live, qemu_killed_mid_dump_is_one_clear_error)
{
	static const char *const env[] = { "QEMU_LIVEDUMP_TEST_HOLD_FROZEN_MS=400", NULL };
	char pid[16];
	struct tool_run r;
	pid_t killer;

	start("tests/fake-qemu-a", NULL);
	snprintf(pid, sizeof(pid), "%d", (int)fx.pid);
	killer = fork();
	if (killer == 0) {
		/* once the tool holds QEMU frozen, QEMU dies */
		for (int i = 0; i < 5000 && all_threads_running(fx.pid); i++)
			usleep(1000);
		kill(fx.pid, SIGKILL);
		_exit(0);
	}
	const char *argv[] = { "qemu-livedump", "-p", pid, "-a", "X86_64", "-o",
			       out, NULL };
	cr_assert(tool_run(&r, argv, env, -1, 60));
	waitpid(killer, NULL, 0);
	waitpid(fx.pid, NULL, 0);
	fx.pid = -1;	/* nothing left to check as running */
	cr_expect_eq(r.status, 3, "QEMU gone: exit 3 (target), got %d: %s",
		     r.status, r.err);
	cr_expect(strstr(r.err, "is gone"), "%s", r.err);
	cr_expect(!strchr(r.err, '\n') || strchr(r.err, '\n') == r.err + strlen(r.err) - 1,
		  "one line: %s", r.err);
	cr_expect_eq(access(out, F_OK), -1, "no vmcore");
	cr_expect_eq(dir_entries(dir), 0, "nothing left behind");
	finish();
}

/*
 * A full file system mid-dump: exit 7, ENOSPC said, nothing left.  The
 * file system is smaller than the dump (the fake's RAM compresses to
 * under 1 MiB).
 */
static void disk_full_in(const char *format, const char *size,
			 bool names_block)
{
	char mnt[4200], path[4300], pid[16], opts[64];
	struct tool_run r;

	start("tests/fake-qemu-a", NULL);
	snprintf(mnt, sizeof(mnt), "%s/small", dir);
	cr_assert_eq(mkdir(mnt, 0700), 0);
	snprintf(opts, sizeof(opts), "size=%s,mode=0700", size);
	if (mount("qld-small", mnt, "tmpfs", 0, opts)) {
		/* loud, not silent: CI runs as root and does mount */
		cr_expect_fail("cannot mount a %s tmpfs (%s): this test needs root",
			       size, strerror(errno));
		finish();
		return;
	}
	snprintf(path, sizeof(path), "%s/vmcore", mnt);
	snprintf(pid, sizeof(pid), "%d", (int)fx.pid);
	const char *argv[] = { "qemu-livedump", "-p", pid, "-a", "X86_64", "-o",
			       path, "-f", format, NULL };
	cr_assert(tool_run(&r, argv, NULL, -1, 60));
	cr_expect_eq(r.status, 7, "-f %s: exit %d: %s", format, r.status, r.err);
	cr_expect(strstr(r.err, "No space left on device"), "%s", r.err);
	cr_expect(!names_block || (strstr(r.err, "block ") &&
				   strstr(r.err, "offset")),
		  "names the block and the offset: %s", r.err);
	cr_expect_eq(dir_entries(mnt), 0, "nothing left on the full disk");
	umount(mnt);
	rmdir(mnt);
	finish();
}

Test(live, disk_full_names_the_block_and_leaves_nothing)
{
	disk_full_in("elf", "1m", true);
}

Test(live, disk_full_in_a_kdump_format_leaves_nothing)
{
	disk_full_in("kdump-snappy", "256k", false);
}

/* A second dump of the fixture to OUT.second, while a first one runs. */
static void second_dump(struct tool_run *r, char *second, size_t len,
			const char *freeze)
{
	char pid[16];

	snprintf(second, len, "%s.second", out);
	snprintf(pid, sizeof(pid), "%d", (int)fx.pid);
	const char *argv[] = { "qemu-livedump", "-p", pid, "-a", "X86_64", "-o",
			       second, freeze, NULL };

	cr_assert(tool_run(r, argv, NULL, -1, 30));
}

/* A second dump while a --freeze=full one holds QEMU: a clear "busy". */
Test(live, second_full_freeze_is_told_who_holds_qemu)
{
	char second[4200], want[64];
	struct tool_run r;
	pid_t first;
	int st;

	start("tests/fake-qemu-a", NULL);
	first = spawn_until_frozen("1500", "--freeze=full");
	second_dump(&r, second, sizeof(second), "--freeze=full");
	cr_expect_eq(r.status, 10, "busy: exit 10, got %d: %s", r.status, r.err);
	snprintf(want, sizeof(want), "already being traced by PID %d ", (int)first);
	cr_expect(strstr(r.err, want), "names the first run (%s): %s", want, r.err);
	cr_expect_eq(access(second, F_OK), -1, "no second vmcore");
	cr_assert_eq(waitpid(first, &st, 0), first);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		  "the first run completes (status 0x%x)", st);
	check_vmcore(out, false, FAKE_DEFAULT_VCPUS);
	finish();
}

/* Overlapping meta runs: the second waits out the first's short freeze. */
Test(live, overlapping_meta_runs_both_succeed)
{
	char second[4200];
	struct tool_run r;
	pid_t first;
	int st;

	start("tests/fake-qemu-a", NULL);
	first = spawn_until_frozen("60", "--freeze=meta");
	second_dump(&r, second, sizeof(second), "--freeze=meta");
	cr_expect_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_assert_eq(waitpid(first, &st, 0), first);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x", st);
	check_vmcore(out, false, FAKE_DEFAULT_VCPUS);
	check_vmcore(second, false, FAKE_DEFAULT_VCPUS);
	unlink(second);
	finish();
}

/* ...and two in a row. */
Test(live, meta_runs_in_a_row_both_succeed)
{
	struct tool_run r;

	start("tests/fake-qemu-a", NULL);
	dump(&r, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	const char *const force[] = { "--force", NULL };
	dump(&r, force);
	cr_expect_eq(r.status, 0, "%s", r.err);
	check_vmcore(out, false, FAKE_DEFAULT_VCPUS);
	finish();
}

/* Threads of pid whose state letter is state (0: every thread). */
static int threads_in_state(pid_t pid, char state)
{
	char path[320], buf[512];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char *close;
		FILE *f;
		size_t len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", (int)pid,
			 de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[len] = '\0';
		close = strrchr(buf, ')');
		if (close && close[1] == ' ' && (!state || close[2] == state))
			n++;
	}
	closedir(d);
	return n;
}

/* A QEMU stopped (SIGSTOP) before we came is left stopped, as found. */
static void stopped_qemu_is_left_stopped(const char *freeze)
{
	int nthreads, waited = 0;
	struct tool_run r;

	start("tests/fake-qemu-a", NULL);
	nthreads = threads_in_state(fx.pid, 0);
	cr_assert_eq(kill(fx.pid, SIGSTOP), 0);
	while (threads_in_state(fx.pid, 'T') < nthreads && waited++ < 2000)
		usleep(1000);
	cr_assert_eq(threads_in_state(fx.pid, 'T'), nthreads, "SIGSTOP took");
	const char *const extra[] = { freeze, NULL };
	dump(&r, extra);
	cr_expect_eq(r.status, 0, "%s: exit %d: %s", freeze, r.status, r.err);
	usleep(50 * 1000);
	cr_expect_eq(threads_in_state(fx.pid, 'T'), nthreads,
		     "%s: every thread still stopped after the dump", freeze);
	cr_expect_not(value_advances(fx.pid, fx.heartbeat, 200),
		      "%s: the stopped QEMU did not run", freeze);
	check_vmcore(out, false, FAKE_DEFAULT_VCPUS);
	kill(fx.pid, SIGCONT);
	finish();	/* running again: heartbeat advances */
}

Test(live, sigstopped_qemu_is_left_stopped_meta)
{
	stopped_qemu_is_left_stopped("--freeze=meta");
}

Test(live, sigstopped_qemu_is_left_stopped_full)
{
	stopped_qemu_is_left_stopped("--freeze=full");
}

Test(live, sigstopped_qemu_is_left_stopped_none)
{
	stopped_qemu_is_left_stopped("--freeze=none");
}

/* ^Z must not suspend the tool, or a frozen VM would stay frozen. */
Test(live, sigtstp_does_not_suspend_a_freeze)
{
	pid_t tool;
	int st;

	start("tests/fake-qemu-a", NULL);
	tool = spawn_until_frozen("300", "--freeze=full");
	kill(tool, SIGTSTP);
	cr_assert_eq(waitpid(tool, &st, WUNTRACED), tool);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		  "the dump completes despite ^Z (status 0x%x)", st);
	check_vmcore(out, false, FAKE_DEFAULT_VCPUS);
	finish();
}

/* -a 386 with RAM above 4 GiB: ELFCLASS64 + EM_386, like QEMU's dump. */
Test(live, i386_guest_with_high_memory)
{
	struct tool_run r;
	struct vmcore vc;
	GElf_Ehdr eh;
	char pid[16];

	start("tests/fake-qemu-a", NULL);
	snprintf(pid, sizeof(pid), "%d", (int)fx.pid);
	const char *const argv[] = { "qemu-livedump", "-p", pid, "-a", "386",
				     "-o", out, NULL };
	cr_assert(tool_run(&r, argv, NULL, -1, 60));
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(vmcore_open(&vc, out));
	cr_assert(gelf_getehdr(vc.elf, &eh));
	cr_expect_eq(eh.e_ident[EI_CLASS], ELFCLASS64);
	cr_expect_eq(eh.e_machine, EM_386);
	cr_expect_eq(vc.phnum, 1 + FAKE_EXPECTED_BLOCKS);
	/* i386 NT_PRSTATUS: 144 bytes, eip at 72 + 12 * 4. */
	unsigned char prstatus[144];
	cr_expect_eq(vmcore_notes(&vc, "CORE", 1, prstatus, sizeof(prstatus)),
		     FAKE_DEFAULT_VCPUS);
	vmcore_close(&vc);
	finish();
}

/* Postcopy-like RAM: --freeze=full refuses (it could hang), meta works. */
Test(live, userfaultfd_memory_refuses_a_full_freeze)
{
	static const char *const args[] = { "--uffd", NULL };
	static const char *const full[] = { "--freeze=full", NULL };
	struct tool_run r;

	start("tests/fake-qemu-a", args);
	dump(&r, full);
	cr_expect_eq(r.status, 1, "exit %d: %s", r.status, r.err);
	cr_expect(strstr(r.err, "userfaultfd"), "%s", r.err);
	cr_expect(strstr(r.err, "--freeze=meta"), "%s", r.err);
	cr_expect_eq(access(out, F_OK), -1);
	dump(&r, NULL);
	cr_assert_eq(r.status, 0, "meta mode: %s", r.err);
	check_vmcore(out, false, FAKE_DEFAULT_VCPUS);
	finish();
}

/*
 * --freeze=none: no thread is ever stopped (the tool never attaches), the
 * map is read until two reads agree, and the vmcore is what a frozen read
 * gives: every block and byte, the vCPU notes with a warning.
 */
Test(live, freeze_none_stops_nothing)
{
	static const char *const extra[] = { "--freeze=none", "--report",
					     NULL, NULL };
	const char *args[4];
	char report[4096], buf[16384];
	struct tool_run r;
	FILE *f;
	size_t n;

	start("tests/fake-qemu-b", NULL);
	snprintf(report, sizeof(report), "%s/r.json", dir);
	memcpy(args, extra, sizeof(args));
	args[2] = report;
	dump(&r, args);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_expect(strstr(r.err, "vCPU registers are QEMU's copy read while the vCPUs ran"),
		  "%s", r.err);
	check_vmcore(out, false, FAKE_DEFAULT_VCPUS);
	f = fopen(report, "r");
	cr_assert_not_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	cr_expect(strstr(buf, "\"freeze_mode\": \"none\""), "%s", buf);
	cr_expect(strstr(buf, "\"freeze_us\": 0,"), "%s", buf);
	cr_expect(strstr(buf, "\"threads_frozen\": 0,"), "%s", buf);
	finish();
}

/* A map that keeps changing is refused after a bounded number of reads. */
Test(live, freeze_none_refuses_a_map_that_never_settles)
{
	static const char *const args[] = { "--churn-map", NULL };
	static const char *const extra[] = { "--freeze=none", NULL };
	struct tool_run r;

	start("tests/fake-qemu-a", args);
	dump(&r, extra);
	cr_expect_eq(r.status, 6, "exit %d: %s", r.status, r.err);
	cr_expect(strstr(r.err, "did not settle"), "%s", r.err);
	cr_expect(strstr(r.err, "--freeze=meta"), "%s", r.err);
	cr_expect_eq(access(out, F_OK), -1);
	/* With the map read frozen, the same QEMU dumps fine. */
	dump(&r, NULL);
	cr_expect_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	finish();
}

/* All of a small text file, NUL-terminated (malloc'd; "" if unreadable). */
static char *read_text_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *text = calloc(1, 65536);
	size_t n = 0;

	cr_assert_not_null(text);
	if (f) {
		n = fread(text, 1, 65535, f);
		fclose(f);
	}
	text[n] = 0;
	return text;
}

/* Wait up to timeout_ms for a line starting with want on fd. */
static bool read_line_from(int fd, const char *want, int timeout_ms)
{
	char line[256];
	size_t len = 0;

	while (timeout_ms > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 10) == 1) {
			if (read(fd, line + len, 1) != 1)
				return false;
			if (line[len] == '\n') {
				if (!strncmp(line, want, strlen(want)))
					return true;
				len = 0;
			} else if (len + 1 < sizeof(line)) {
				len++;
			}
		} else {
			timeout_ms -= 10;
		}
	}
	return false;
}

/*
 * Guest RAM unmapped while a meta-mode copy runs, as QEMU frees a DIMM
 * after its unplug: the stream stalls (we do not read it) before the
 * copier reaches ramC, the fake QEMU unmaps ramC, then we read on.  The
 * headers are out already, so ramC is zeros in the stream, a warning
 * names it, the dump succeeds and every other block is intact.
 */
Test(live, ram_unplugged_mid_copy_is_named_and_zero_in_a_stream)
{
	static const char *const args[] = { "--unplug-on-usr1", NULL };
	char stream[4096], errpath[4096], buf[65536], *errtext;
	int rfd, fd, st, waited = 0;
	ssize_t n;
	pid_t tool;

	start("tests/fake-qemu-a", args);
	snprintf(stream, sizeof(stream), "%s/stream", dir);
	snprintf(errpath, sizeof(errpath), "%s/stderr", dir);
	tool = spawn_to_pipe((const char *const[]){ "--freeze=meta", NULL },
			     &rfd, errpath);
	fd = open(stream, O_WRONLY | O_CREAT | O_EXCL, 0600);
	cr_assert(fd >= 0);
	n = read(rfd, buf, 4096);
	cr_assert_gt(n, 0, "the vmcore stream starts");
	cr_assert_eq(write(fd, buf, (size_t)n), n);
	while (!all_threads_running(fx.pid) && waited++ < 5000)
		usleep(1000);
	cr_assert(all_threads_running(fx.pid), "the VM runs during the copy");
	cr_assert(kill(fx.pid, SIGUSR1) == 0);
	cr_assert(read_line_from(fx.out_fd, "unplugged", 5000),
		  "the fake QEMU unmapped ramC");
	while ((n = read(rfd, buf, sizeof(buf))) > 0)
		cr_assert_eq(write(fd, buf, (size_t)n), n);
	close(rfd);
	close(fd);
	cr_assert_eq(waitpid(tool, &st, 0), tool);
	errtext = read_text_file(errpath);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		  "status 0x%x: %s", st, errtext);
	cr_expect(strstr(errtext, "'ramC'") && strstr(errtext, "went away") &&
		  strstr(errtext, "zeros in this vmcore"),
		  "the warning names ramC and says what the stream holds: %s",
		  errtext);
	free(errtext);

	struct vmcore vc;
	size_t loads = 0;

	cr_assert(vmcore_open(&vc, stream));
	for (size_t i = 1; i < vc.phnum; i++) {
		GElf_Phdr ph;

		cr_assert(gelf_getphdr(vc.elf, i, &ph));
		cr_assert_eq(ph.p_type, PT_LOAD, "a stream keeps every load");
		cr_assert_eq(ph.p_paddr, fake_expected_blocks[loads].gpa);
		loads++;
		cr_assert_leq(ph.p_offset + ph.p_filesz, vc.size);
		for (uint64_t off = 0; off < ph.p_filesz; off += FAKE_PAGE_SIZE) {
			uint64_t gpa = ph.p_paddr + off;
			const uint8_t *page = vc.data + ph.p_offset + off;

			if (gpa >= 0x100000000ull) {
				for (size_t k = 0; k < FAKE_PAGE_SIZE; k++)
					cr_assert_eq(page[k], 0,
						     "ramC page 0x%llx is not zeros",
						     (unsigned long long)gpa);
				continue;
			}
			cr_assert_eq(fake_check_page(page, gpa, fx.token), -1,
				     "guest page 0x%llx differs",
				     (unsigned long long)gpa);
		}
	}
	cr_expect_eq(loads, FAKE_EXPECTED_BLOCKS);
	vmcore_close(&vc);
	finish();
}
