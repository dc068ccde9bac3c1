// SPDX-License-Identifier: GPL-2.0-or-later
/* test_debuginfo.c - symbols and layouts from DWARF (debuginfo.c). */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "debuginfo.h"
#include "helpers.h"


/* No network in tests: libdw would ask debuginfod for /bin/true's DWARF. */
static void no_debuginfod(void)
{
	unsetenv("DEBUGINFOD_URLS");
}

TestSuite(debuginfo, .init = no_debuginfod);

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * Built for another host (tests/cross/run), the fixtures are run through
 * the emulator QLD_TEST_EXEC names and taken apart by that host's objcopy
 * (OBJCOPY).
 */
static const char *exec_prefix(void)
{
	const char *e = getenv("QLD_TEST_EXEC");

	return e ? e : "";
}

static const char *objcopy(void)
{
	const char *e = getenv("OBJCOPY");

	return e && e[0] ? e : "objcopy";
}

/* system() of a printf-formatted command; its exit status. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&cmd, fmt, ap);
	va_end(ap);
	cr_assert_geq(rc, 0);
	rc = system(cmd);
	free(cmd);
	return rc;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&s, fmt, ap);
	va_end(ap);
	cr_assert_geq(rc, 0);
	return s;
}

static int field_by_key(const char *key)
{
	for (int f = 0; f < LF_COUNT; f++)
		if (!strcmp(ld_field_descs[f].key, key))
			return f;
	return -1;
}

static void open_and_resolve(const char *binary, const char *debug,
			     struct ld_layout *layout, double *ms)
{
	struct ld_debuginfo *di = NULL;
	struct ld_error *err;
	double t0 = now_ms();

	err = ld_debuginfo_open_file(binary, debug, &di);
	cr_assert_null(err, "open %s: %s", binary, err ? err->message : "");
	cr_assert(ld_debuginfo_has_dwarf(di));
	err = ld_debuginfo_resolve(di, true, layout);
	cr_assert_null(err, "resolve %s: %s", binary,
		       err ? err->message : "");
	if (ms)
		*ms = now_ms() - t0;
	ld_debuginfo_close(di);
}

/*
 * Compare a layout with what the fixture's compiler says (offsetof and
 * sizeof), both ways: every printed key resolved alike, every resolved
 * key printed.
 */
static void check_against_fixture(const char *binary,
				  const struct ld_layout *layout)
{
	bool printed[LF_COUNT] = { false };
	char *cmd, key[128];
	unsigned long long off, size;
	int lines = 0;
	FILE *p;

	cmd = xasprintf("%s %s --print-offsets", exec_prefix(), binary);
	p = popen(cmd, "r");
	free(cmd);
	cr_assert_not_null(p);
	while (fscanf(p, "%127s %llu %llu", key, &off, &size) == 3) {
		int f = field_by_key(key);

		cr_assert_geq(f, 0, "fixture prints unknown key %s", key);
		cr_assert(layout->have[f], "%s: %s not resolved", binary, key);
		cr_expect_eq(layout->offset[f], off, "%s: %s offset %" PRIu64
			     ", compiler says %llu", binary, key,
			     layout->offset[f], off);
		cr_expect_eq(layout->size[f], size, "%s: %s size %" PRIu64
			     ", compiler says %llu", binary, key,
			     layout->size[f], size);
		printed[f] = true;
		lines++;
	}
	cr_assert_eq(pclose(p), 0, "%s --print-offsets failed", binary);
	cr_assert_gt(lines, 30);
	for (int f = 0; f < LF_COUNT; f++) {
		cr_expect(!layout->have[f] || printed[f],
			  "%s resolved but not in the fixture",
			  ld_field_descs[f].key);
		cr_expect(layout->have[f] || ld_field_descs[f].optional,
			  "required %s missing", ld_field_descs[f].key);
	}
}

/* Address of a symbol as nm prints it (as linked), or 0. */
static uint64_t nm_address(const char *binary, const char *prefix)
{
	char *cmd, line[512], name[256], type;
	unsigned long long addr;
	uint64_t found = 0;
	FILE *p;

	cmd = xasprintf("nm %s", binary);
	p = popen(cmd, "r");
	free(cmd);
	cr_assert_not_null(p);
	while (fgets(line, sizeof(line), p))
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) == 3 &&
		    !strncmp(name, prefix, strlen(prefix)))
			found = addr;
	pclose(p);
	return found;
}

static void check_binary(const char *rel)
{
	char *bin = qld_test_path(rel);
	struct ld_debuginfo *di = NULL;
	struct ld_layout layout;
	struct ld_error *err;
	double ms;

	open_and_resolve(bin, NULL, &layout, &ms);
	cr_log_info("%s: open+resolve %.1f ms", rel, ms);
	check_against_fixture(bin, &layout);

	cr_assert(layout.have_symbol[LS_ADDRESS_SPACE_MEMORY]);
	cr_expect_eq(layout.symbol[LS_ADDRESS_SPACE_MEMORY],
		     nm_address(bin, "address_space_memory"));
	cr_assert(layout.have_symbol[LS_CPUS]);
	/* Layout B names the list as QEMU >= 8.2 does. */
	const char *cpus = strstr(rel, "-b") ? "cpus_queue" : "cpus";
	cr_expect_eq(layout.symbol[LS_CPUS], nm_address(bin, cpus));
	cr_expect_str_eq(layout.symbol_name[LS_CPUS], cpus);
	/* Function-static: from DWARF; nm knows it as vmcoreinfo_state.N. */
	cr_assert(layout.have_symbol[LS_VMCOREINFO_STATE]);
	cr_expect_eq(layout.symbol[LS_VMCOREINFO_STATE],
		     nm_address(bin, "vmcoreinfo_state."));

	err = ld_debuginfo_open_file(bin, NULL, &di);
	cr_assert_null(err);
	cr_assert_not_null(ld_debuginfo_build_id(di));
	cr_expect_geq(strlen(ld_debuginfo_build_id(di)), 16);
	cr_expect_eq(strspn(ld_debuginfo_build_id(di), "0123456789abcdef"),
		     strlen(ld_debuginfo_build_id(di)));
	ld_debuginfo_close(di);
	free(bin);
}

Test(debuginfo, layout_a_matches_compiler)
{
	check_binary("tests/fake-qemu-a");
}

Test(debuginfo, layout_b_matches_compiler)
{
	check_binary("tests/fake-qemu-b");
}

Test(debuginfo, layouts_differ)
{
	char *a = qld_test_path("tests/fake-qemu-a");
	char *b = qld_test_path("tests/fake-qemu-b");
	struct ld_layout la, lb;

	open_and_resolve(a, NULL, &la, NULL);
	open_and_resolve(b, NULL, &lb, NULL);
	cr_expect_neq(la.offset[LF_FR_ADDR_START], lb.offset[LF_FR_ADDR_START]);
	cr_expect_neq(la.offset[LF_MR_RAM], lb.offset[LF_MR_RAM]);
	cr_expect_neq(la.offset[LF_RB_HOST], lb.offset[LF_RB_HOST]);
	cr_expect_neq(la.size[LF_RB_IDSTR], lb.size[LF_RB_IDSTR]);
	/* A: native __int128, halves placed by byte order; B: struct. */
	cr_expect_eq(la.size[LF_INT128_SIZEOF], 16);
	cr_expect_eq(lb.size[LF_INT128_SIZEOF], 16);
	cr_expect(la.have[LF_INT128_LO] && la.have[LF_INT128_HI]);
	cr_expect(lb.have[LF_INT128_LO] && lb.have[LF_INT128_HI]);
	cr_expect_eq(la.size[LF_FR_ADDR_START], 16);
	cr_expect_eq(lb.size[LF_FR_ADDR_START], 16);
	/* B is like older QEMUs without RamDiscardManager: optional. */
	cr_expect(la.have[LF_MR_RDM]);
	cr_expect(!lb.have[LF_MR_RDM]);
	free(a);
	free(b);
}

static void read_target(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };

	cr_assert_eq(process_vm_readv(pid, &local, 1, &remote, 1, 0),
		     (ssize_t)len, "reading %zu bytes at 0x%" PRIx64, len,
		     addr);
}

static uint64_t read_field(pid_t pid, const struct ld_layout *l,
			   enum ld_field f, uint64_t base)
{
	size_t len = l->offset[f] + l->size[f];
	unsigned char *buf;
	uint64_t v = 0;

	cr_assert(l->have[f] && l->size[f] <= 8 && l->offset[f] < 65536);
	buf = calloc(1, len);
	cr_assert_not_null(buf);
	read_target(pid, base + l->offset[f], buf + l->offset[f], l->size[f]);
	cr_assert(ld_layout_get(l, f, buf, len, &v));
	free(buf);
	return v;
}

/* Live: run-time addresses, proven by following real pointers. */
static void check_live(const char *rel)
{
	const char *args[] = { "--vmcoreinfo", "--vcpus", "3", NULL };
	struct ld_debuginfo *di = NULL;
	struct qld_fixture fx;
	struct ld_layout l;
	struct ld_error *err;
	uint64_t vmci, cpu, v;
	double t0;

	cr_assert_eq(qld_fixture_start(&fx, rel, args), 0);
	t0 = now_ms();
	err = ld_debuginfo_open_pid(fx.pid, NULL, &di);
	cr_assert_null(err, "%s", err ? err->message : "");
	err = ld_debuginfo_resolve(di, true, &l);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_log_info("%s live: open+resolve %.1f ms", rel, now_ms() - t0);
	cr_assert_not_null(ld_debuginfo_build_id(di));
	ld_debuginfo_close(di);

	cr_assert(l.have_symbol[LS_ADDRESS_SPACE_MEMORY]);
	cr_expect_eq(l.symbol[LS_ADDRESS_SPACE_MEMORY], fx.as,
		     "address_space_memory at 0x%" PRIx64 ", fixture says 0x%"
		     PRIx64, l.symbol[LS_ADDRESS_SPACE_MEMORY], fx.as);

	/* vmcoreinfo_state -> VMCoreInfoState with the note's address. */
	cr_assert(l.have_symbol[LS_VMCOREINFO_STATE]);
	read_target(fx.pid, l.symbol[LS_VMCOREINFO_STATE], &vmci, 8);
	cr_assert_neq(vmci, 0);
	cr_expect_eq(read_field(fx.pid, &l, LF_VMCI_HAS, vmci), 1);
	cr_expect_eq(read_field(fx.pid, &l, LF_VMCI_GUEST_FORMAT, vmci), 1);
	cr_expect_eq(read_field(fx.pid, &l, LF_VMCI_PADDR, vmci), 0x1000);
	cr_expect_gt(read_field(fx.pid, &l, LF_VMCI_SIZE, vmci), 24);

	/* cpus -> 3 CPUStates with cpu_index 0, 1, 2. */
	cr_assert(l.have_symbol[LS_CPUS]);
	cpu = read_field(fx.pid, &l, LF_CPUS_FIRST, l.symbol[LS_CPUS]);
	for (unsigned i = 0; i < 3; i++) {
		cr_assert_neq(cpu, 0, "cpu %u missing", i);
		v = read_field(fx.pid, &l, LF_CPU_INDEX, cpu);
		cr_expect_eq(v, i);
		cpu = read_field(fx.pid, &l, LF_CPU_NODE_NEXT, cpu);
	}
	cr_expect_eq(cpu, 0);

	/* The AddressSpace is named "memory". */
	{
		uint64_t name = read_field(fx.pid, &l, LF_AS_NAME,
					   l.symbol[LS_ADDRESS_SPACE_MEMORY]);
		char buf[7] = { 0 };

		read_target(fx.pid, name, buf, 7);
		cr_expect_str_eq(buf, "memory");
	}
	cr_assert(WIFEXITED(qld_fixture_stop(&fx)));
}

Test(debuginfo, live_layout_a)
{
	check_live("tests/fake-qemu-a");
}

Test(debuginfo, live_layout_b)
{
	check_live("tests/fake-qemu-b");
}

/* QEMU upgraded under a running VM: the deleted binary is what counts. */
Test(debuginfo, live_deleted_executable)
{
	char *a = qld_test_path("tests/fake-qemu-a");
	char *dir = strdup("/tmp/qld-di-XXXXXX"), *copy;
	struct ld_debuginfo *di = NULL;
	struct qld_fixture fx;
	struct ld_layout l;
	struct ld_error *err;

	cr_assert_not_null(mkdtemp(dir));
	copy = xasprintf("%s/qemu-system-x86_64", dir);
	cr_assert_eq(run("cp %s %s", a, copy), 0);
	cr_assert_eq(qld_fixture_start(&fx, copy, NULL), 0);
	/* Replace it by another build, then delete that too. */
	cr_assert_eq(unlink(copy), 0);
	cr_assert_eq(run("cp %s/tests/fake-qemu-b %s && rm %s",
			 getenv("QLD_BUILDDIR"), copy, copy), 0);

	err = ld_debuginfo_open_pid(fx.pid, NULL, &di);
	cr_assert_null(err, "%s", err ? err->message : "");
	err = ld_debuginfo_resolve(di, true, &l);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_expect_eq(l.symbol[LS_ADDRESS_SPACE_MEMORY], fx.as);
	/* Layout A's offsets, not B's. */
	cr_expect(l.have[LF_MR_RDM]);
	check_against_fixture(a, &l);
	ld_debuginfo_close(di);
	qld_fixture_stop(&fx);
	cr_expect_eq(rmdir(dir), 0);
	free(copy);
	free(dir);
	free(a);
}

Test(debuginfo, not_qemu)
{
	struct ld_debuginfo *di = NULL;
	struct ld_layout l;
	struct ld_error *err;

	err = ld_debuginfo_open_file("/bin/true", NULL, &di);
	cr_assert_null(err, "%s", err ? err->message : "");
	for (int want = 0; want < 2; want++) {
		err = ld_debuginfo_resolve(di, want, &l);
		cr_assert_not_null(err);
		cr_expect_eq(err->code, LD_EXIT_TARGET);
		cr_expect_not_null(strstr(err->message, "address_space_memory"),
				   "%s", err->message);
		cr_expect_not_null(strstr(err->message, "/bin/true"));
		ld_error_free(err);
	}
	ld_debuginfo_close(di);
}

/*
 * A build with the globals but not the types (an unknown fork, a rename
 * the table does not know yet): the error names the fact, every spelling
 * tried and why, and nothing is guessed.
 */
Test(debuginfo, missing_fact_names_what_was_tried)
{
	char dir[] = "/tmp/qld-missing-XXXXXX";
	struct ld_debuginfo *di = NULL;
	struct ld_layout l;
	struct ld_error *err;
	char *src, *bin;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	src = xasprintf("%s/q.c", dir);
	bin = xasprintf("%s/q", dir);
	f = fopen(src, "w");
	cr_assert_not_null(f);
	fputs("struct AddressSpace { char *name; void *current_map; };\n"
	      "struct AddressSpace address_space_memory;\n"
	      "int main(void) { return address_space_memory.name != 0; }\n", f);
	fclose(f);
	cr_assert_eq(run("cc -g -O0 -o %s %s", bin, src), 0);
	err = ld_debuginfo_open_file(bin, NULL, &di);
	cr_assert_null(err, "%s", err ? err->message : "");
	err = ld_debuginfo_resolve(di, true, &l);
	cr_assert_not_null(err);
	cr_expect_eq(err->code, LD_EXIT_DEBUGINFO);
	cr_expect_not_null(strstr(err->message,
				  "FlatView.ranges not found in DWARF of"),
			   "%s", err->message);
	cr_expect_not_null(strstr(err->message,
				  "(tried FlatView.ranges: no definition of the type)"),
			   "%s", err->message);
	ld_error_free(err);
	ld_debuginfo_close(di);
	cr_expect_eq(run("rm -rf %s", dir), 0);
	free(src);
	free(bin);
}

Test(debuginfo, missing_files_and_processes)
{
	struct ld_debuginfo *di = NULL;
	struct ld_error *err;

	err = ld_debuginfo_open_file("/nonexistent/qemu", NULL, &di);
	cr_assert_not_null(err);
	cr_expect_eq(err->code, LD_EXIT_TARGET);
	cr_expect_not_null(strstr(err->message, "/nonexistent/qemu"));
	cr_expect_null(di);
	ld_error_free(err);

	/* pid_max is at most 2^22: this pid cannot exist. */
	err = ld_debuginfo_open_pid(1 << 23, NULL, &di);
	cr_assert_not_null(err);
	cr_expect_eq(err->code, LD_EXIT_TARGET);
	ld_error_free(err);

	/* A named debuginfo file that is not there. */
	{
		char *a = qld_test_path("tests/fake-qemu-a");
		char *dir = strdup("/tmp/qld-di-XXXXXX"), *stripped;

		cr_assert_not_null(mkdtemp(dir));
		stripped = xasprintf("%s/a.stripped", dir);
		cr_assert_eq(run("%s --strip-debug %s %s", objcopy(), a, stripped), 0);
		err = ld_debuginfo_open_file(stripped, "/nonexistent/a.debug",
					     &di);
		cr_assert_not_null(err);
		cr_expect_eq(err->code, LD_EXIT_DEBUGINFO);
		cr_expect_not_null(strstr(err->message, "/nonexistent/a.debug"),
				   "%s", err->message);
		ld_error_free(err);
		cr_expect_eq(run("rm -rf %s", dir), 0);
		free(stripped);
		free(dir);
		free(a);
	}
}

/* objcopy --only-keep-debug / --strip-debug, then --debuginfo FILE. */
Test(debuginfo, separate_debuginfo)
{
	char *a = qld_test_path("tests/fake-qemu-a");
	char *b = qld_test_path("tests/fake-qemu-b");
	char *dir = strdup("/tmp/qld-di-XXXXXX"), *stripped, *debug, *bdebug;
	struct ld_layout full, split, sym;
	struct ld_debuginfo *di = NULL;
	struct ld_error *err;

	cr_assert_not_null(mkdtemp(dir));
	stripped = xasprintf("%s/a.stripped", dir);
	debug = xasprintf("%s/a.debug", dir);
	bdebug = xasprintf("%s/b.debug", dir);
	cr_assert_eq(run("%s --only-keep-debug %s %s && "
			 "%s --strip-debug %s %s && "
			 "%s --only-keep-debug %s %s", objcopy(), a, debug,
			 objcopy(), a, stripped, objcopy(), b, bdebug), 0);

	open_and_resolve(a, NULL, &full, NULL);
	open_and_resolve(stripped, debug, &split, NULL);
	for (int f = 0; f < LF_COUNT; f++) {
		cr_expect_eq(full.have[f], split.have[f]);
		cr_expect_eq(full.offset[f], split.offset[f], "%s",
			     ld_field_descs[f].key);
		cr_expect_eq(full.size[f], split.size[f], "%s",
			     ld_field_descs[f].key);
	}
	for (int s = 0; s < LS_COUNT; s++) {
		cr_expect_eq(full.have_symbol[s], split.have_symbol[s]);
		cr_expect_eq(full.symbol[s], split.symbol[s], "%s",
			     ld_symbol_descs[s].name);
	}

	/* Stripped alone: symbols yes, layouts no. */
	err = ld_debuginfo_open_file(stripped, NULL, &di);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_expect(!ld_debuginfo_has_dwarf(di));
	err = ld_debuginfo_resolve(di, true, &sym);
	cr_assert_not_null(err);
	cr_expect_eq(err->code, LD_EXIT_DEBUGINFO, "%s", err->message);
	ld_error_free(err);
	err = ld_debuginfo_resolve(di, false, &sym);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_expect(sym.have_symbol[LS_ADDRESS_SPACE_MEMORY]);
	cr_expect_eq(sym.symbol[LS_ADDRESS_SPACE_MEMORY],
		     full.symbol[LS_ADDRESS_SPACE_MEMORY]);
	/* GCC's "vmcoreinfo_state.N" stands in for DWARF here. */
	cr_expect_eq(sym.symbol[LS_VMCOREINFO_STATE],
		     full.symbol[LS_VMCOREINFO_STATE]);
	for (int f = 0; f < LF_COUNT; f++)
		cr_expect(!sym.have[f]);
	ld_debuginfo_close(di);

	/* Another build's debuginfo is refused, not silently used. */
	err = ld_debuginfo_open_file(stripped, bdebug, &di);
	cr_assert_not_null(err);
	cr_expect_eq(err->code, LD_EXIT_DEBUGINFO);
	cr_expect_not_null(strstr(err->message, "does not belong"), "%s",
			   err->message);
	ld_error_free(err);

	cr_expect_eq(run("rm -rf %s", dir), 0);
	free(stripped);
	free(debug);
	free(bdebug);
	free(dir);
	free(a);
	free(b);
}

/* Facts a QEMU release does not have (LF_COUNT ends the list). */
static const enum ld_field absent_in_7_2[] = {
	LF_RB_GUEST_MEMFD, LF_ARM_VFP_FPSR, LF_ARM_VFP_FPCR,
	/* 7.2 has FPST_STD(_F16), not the others. */
	LF_FPST_A32, LF_FPST_A64, LF_FPST_A32_F16, LF_FPST_A64_F16,
	LF_ARMCPU_IDREGS, LF_IDX_ID_AA64PFR0, LF_COUNT,
};
/* ... and ppc64 has no virtio-mem in 7.2. */
static const enum ld_field absent_in_7_2_ppc64[] = {
	LF_RB_GUEST_MEMFD, LF_VMEM_BITMAP, LF_VMEM_BITMAP_SIZE,
	LF_VMEM_BLOCK_SIZE, LF_PPC_PRSTATUS_PID, LF_COUNT,
};
static const enum ld_field absent_in_10_0[] = {
	LF_ARM_FP_STATUS_F16, LF_ARM_STD_FP_STATUS, LF_ARM_STD_FP_STATUS_F16,
	LF_ARMCPU_IDREGS, LF_IDX_ID_AA64PFR0, LF_COUNT,
};
static const enum ld_field absent_in_10_0_ppc64[] = {
	LF_VMEM_BITMAP, LF_VMEM_BITMAP_SIZE, LF_VMEM_BLOCK_SIZE, LF_COUNT,
};
/* qemu-system-s390x 7.2 has no virtio-mem (s390x got it in 10.0). */
static const enum ld_field absent_in_7_2_s390x[] = {
	LF_RB_GUEST_MEMFD, LF_VMEM_BITMAP, LF_VMEM_BITMAP_SIZE,
	LF_VMEM_BLOCK_SIZE, LF_COUNT,
};
/* 10.0's s390x has virtio-mem, and RAMBlock.guest_memfd. */
static const enum ld_field absent_in_10_0_s390x[] = { LF_COUNT };
/* 10.1 moved the ID registers into isar.idregs[]. */
static const enum ld_field absent_in_10_2[] = {
	LF_ARM_FP_STATUS_F16, LF_ARM_STD_FP_STATUS, LF_ARM_STD_FP_STATUS_F16,
	LF_ARMCPU_ID_AA64PFR0, LF_COUNT,
};

static bool listed(const enum ld_field *list, int f)
{
	for (; *list != LF_COUNT; list++)
		if ((int)*list == f)
			return true;
	return false;
}

/* The target whose CPU a fact's type describes ("x86_64", ...), or NULL. */
static const char *cpu_target_of(const char *type)
{
	static const char *const t[][2] = {
		{ "X86CPU", "x86_64" }, { "CPUX86State", "x86_64" },
		{ "SegmentCache", "x86_64" },
		{ "ARMCPU", "aarch64" }, { "CPUARMState", "aarch64" },
		{ "ARMFPStatusFlavour", "aarch64" },
		{ "ARMIDRegisterIdx", "aarch64" },
		{ "PowerPCCPU", "ppc64" }, { "CPUPPCState", "ppc64" },
		{ "PPCElfPrstatus", "ppc64" },
		{ "S390CPU", "s390x" }, { "CPUS390XState", "s390x" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(type, t[i][0]))
			return t[i][1];
	return NULL;
}

/*
 * The target whose machine a fact's type is (the fw_cfg walk's machines),
 * or NULL: present in that target's binary; another target's may compile
 * it in too (10.0's qemu-system-ppc64 has X86MachineState) or not.
 */
static const char *machine_target_of(const char *type)
{
	if (!strcmp(type, "X86MachineState"))
		return "x86_64";
	if (!strcmp(type, "VirtMachineState"))
		return "aarch64";
	return NULL;
}

/*
 * The real thing, when tests/build-debug-qemu.sh has built it: dir is the
 * build's directory in the cache, absent the facts that release lacks.
 */
static void check_real_qemu(const char *dir, const char *name,
			    const enum ld_field *absent)
{
	const char *cache = getenv("QLD_QEMU_CACHE");
	static char bin[4096];	/* static: the skip message outlives us */
	struct ld_layout l;
	double ms;

	snprintf(bin, sizeof(bin), "%s/%s/bin/%s",
		 cache ? cache : "/var/cache/qemu-livedump", dir, name);
	if (access(bin, R_OK)) {
		/* CI builds it first (tests/run-all): there, missing is a failure. */
		cr_assert(!getenv("QLD_REQUIRE_DEBUG_QEMU"),
			  "no debug QEMU at %s (tests/build-debug-qemu.sh)", bin);
		cr_skip_test("SKIPPED: no debug QEMU at %s (run tests/build-debug-qemu.sh): real-QEMU DWARF not checked",
			     bin);
	}
	open_and_resolve(bin, NULL, &l, &ms);
	cr_log_info("%s/%s: open+resolve %.1f ms", dir, name, ms);
	cr_expect_eq(ld_layout_first_missing(&l), -1);
	cr_expect(l.have_symbol[LS_ADDRESS_SPACE_MEMORY]);
	/* The vmcoreinfo device needs fw_cfg: pseries and s390x have none. */
	cr_expect_eq(l.have_symbol[LS_VMCOREINFO_STATE],
		     !strstr(name, "ppc64") && !strstr(name, "s390x"));
	cr_expect(l.have_symbol[LS_CPUS]);
	/* hw/core/machine.c's, in every system emulator. */
	cr_expect(l.have_symbol[LS_CURRENT_MACHINE]);
	for (int f = 0; f < LF_COUNT; f++) {
		const char *type = ld_field_descs[f].variants[0].type;
		const char *tgt = cpu_target_of(type);
		const char *machine = machine_target_of(type);

		if (machine && !strstr(name, machine))
			continue;

		/* Each binary has its own target's CPU, not the others'. */
		if ((tgt && !strstr(name, tgt)) || listed(absent, f)) {
			cr_expect_not(l.have[f], "%s found in %s/%s",
				      ld_field_descs[f].key, dir, name);
			continue;
		}
		cr_expect(l.have[f], "%s missing in %s/%s",
			  ld_field_descs[f].key, dir, name);
	}
	cr_expect_eq(l.size[LF_FR_ADDR_START], 16);
	cr_expect_eq(l.size[LF_INT128_SIZEOF], 16);
	/*
	 * QEMU's Int128 is a native __int128 on x86_64: halves in the
	 * binary's (little-endian) order, also when this test runs on a
	 * big-endian host (tests/cross/run).
	 */
	cr_expect_eq(l.offset[LF_INT128_LO], 0);
	cr_expect_eq(l.offset[LF_INT128_HI], 8);
	cr_expect_eq(l.size[LF_RB_IDSTR], 256);
	cr_expect_eq(l.size[LF_MR_RAM], 1);
	cr_expect_eq(l.size[LF_CPU_NODE_NEXT], 8);
	cr_expect_eq(l.size[LF_VMCI_PADDR], 8);
	/* fw_cfg's guest ABI, and what the walk reads of it. */
	cr_expect_eq(l.size[LF_VMCI_VMCOREINFO], 16);
	cr_expect_eq(l.size[LF_FWCFGFILE_SIZEOF], 64);
	cr_expect_eq(l.size[LF_FWCFGFILE_NAME], 56);
	cr_expect_eq(l.offset[LF_FWCFGFILES_F], 4);
	cr_expect_eq(l.size[LF_FWCFGFILES_F], 0);
	cr_expect_eq(l.size[LF_FWCFG_ENTRIES], 16);
}

Test(debuginfo, real_qemu_x86_64, .timeout = 60)
{
	check_real_qemu("qemu-debug", "qemu-system-x86_64", absent_in_7_2);
}

Test(debuginfo, real_qemu_aarch64, .timeout = 60)
{
	check_real_qemu("qemu-debug", "qemu-system-aarch64", absent_in_7_2);
}

/* tests/build-debug-qemu.sh 10.0.13 misc: PPCElfPrstatus.pid (9.1 on) */
Test(debuginfo, real_qemu_10_0_ppc64, .timeout = 60)
{
	check_real_qemu("qemu-debug-10.0.13-misc", "qemu-system-ppc64",
			absent_in_10_0_ppc64);
}

/* tests/build-debug-qemu.sh 7.2 misc */
Test(debuginfo, real_qemu_ppc64, .timeout = 60)
{
	check_real_qemu("qemu-debug-misc", "qemu-system-ppc64",
			absent_in_7_2_ppc64);
}

/* QEMU 10.x: cpus_queue, fp_status[] and the FPST_* indexes. */
Test(debuginfo, real_qemu_10_0_x86_64, .timeout = 60)
{
	check_real_qemu("qemu-debug-10.0.13", "qemu-system-x86_64",
			absent_in_10_0);
}

Test(debuginfo, real_qemu_10_0_aarch64, .timeout = 60)
{
	check_real_qemu("qemu-debug-10.0.13", "qemu-system-aarch64",
			absent_in_10_0);
}

Test(debuginfo, real_qemu_10_2_x86_64, .timeout = 60)
{
	check_real_qemu("qemu-debug-10.2.2", "qemu-system-x86_64",
			absent_in_10_2);
}

Test(debuginfo, real_qemu_10_2_aarch64, .timeout = 60)
{
	check_real_qemu("qemu-debug-10.2.2", "qemu-system-aarch64",
			absent_in_10_2);
}

/* The 7.2 build's misc group (tests/build-debug-qemu.sh 7.2 misc). */
Test(debuginfo, real_qemu_s390x, .timeout = 60)
{
	check_real_qemu("qemu-debug-misc", "qemu-system-s390x",
			absent_in_7_2_s390x);
}

Test(debuginfo, real_qemu_10_0_s390x, .timeout = 60)
{
	check_real_qemu("qemu-debug-10.0.13-misc", "qemu-system-s390x",
			absent_in_10_0_s390x);
}
