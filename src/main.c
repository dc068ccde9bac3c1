// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * main.c - qemu-livedump: parse the command line and run the dump:
 *
 *   resolve symbols and layouts (VM running)
 *   -> open the output (VM running)
 *   -> freeze QEMU's threads, read the memory map, CPU list, vmcoreinfo
 *   -> release the threads (--freeze=meta) and stream guest RAM
 *   -> publish the vmcore, print the summary.
 *
 * Every failure comes back here as an ld_error and is printed once.
 */
#include <elf.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "backtrace.h"
#include "copier.h"
#include "cpu.h"
#include "debuginfo.h"
#include "discover.h"
#include "elfcore.h"
#include "error.h"
#include "format.h"
#include "guestpaging.h"
#include "layout.h"
#include "layout_source.h"
#include "memmap.h"
#include "output.h"
#include "pagefilter.h"
#include "proc.h"
#include "profile.h"
#include "progress.h"
#include "report.h"
#include "vmcoreinfo.h"

enum freeze_mode { FREEZE_META, FREEZE_FULL, FREEZE_NONE };

static const char *const freeze_names[] = {
	[FREEZE_META] = "meta", [FREEZE_FULL] = "full", [FREEZE_NONE] = "none",
};

/*
 * --freeze=none: how often to read the map before giving up on it, and
 * how far apart two reads must be to count as agreeing: long enough for a
 * map change in progress (or a descheduled QEMU thread) to show.
 */
#define SETTLE_TRIES 16
#define SETTLE_GAP_NS (5 * 1000 * 1000)

struct options {
	pid_t pid;
	const struct ld_arch *arch;	/* -a, or (in run) the one chosen */
	bool arch_given;
	const char *output;
	const char *debuginfo;
	const char *report;
	const char *profile;		/* --profile */
	const char *write_profile;	/* --write-profile: the mode */
	const char *binary;		/* --binary, with --write-profile */
	const char *for_binary[8];	/* --for-binary: build-ids to record */
	unsigned int nfor_binary;
	bool list_profiles;
	bool list;			/* --list: the QEMUs of this host */
	bool json;			/* --json, with --list */
	const char *name;		/* -n/--name: select by -name */
	bool backtraces;		/* --backtraces */
	enum ld_boost_mode boost;	/* --boost */
	enum freeze_mode freeze;
	enum ld_format_id format;	/* -f */
	bool flatten;			/* --flatten */
	unsigned int threads;		/* --threads, 0: one per CPU */
	unsigned int dump_level;	/* -d, makedumpfile's */
	bool dump_level_given;
	bool force;
	bool quiet;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	/* Release the VM first: nothing else matters as much. */
	ld_proc_release_all_async();
	ld_output_abort_async();
	stop_requested = sig;
	/* a write blocked on a stalled pipe must give up too */
	ld_copy_interrupt_async();
}

static void install_signal_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };

	/* No SA_RESTART: blocking calls return EINTR and we unwind. */
	sigemptyset(&sa.sa_mask);
	ld_write_set_stop(&stop_requested);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Suspending the tool (^Z) would suspend a VM frozen by it with it. */
	signal(SIGTSTP, SIG_IGN);
}

static struct ld_error *check_stop(void)
{
	if (stop_requested)
		return ld_error(LD_EXIT_INTERRUPTED, "interrupted by signal %d",
				(int)stop_requested);
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: qemu-livedump -p PID -o OUTPUT [-a ARCH] [OPTIONS]\n"
"Write a vmcore of the guest RAM of a running QEMU process, freezing\n"
"QEMU only while its memory map is read.\n"
"\n"
"  -p, --pid PID          the QEMU process\n"
"  -n, --name NAME        the QEMU process whose -name is NAME (libvirt's\n"
"                         guest=NAME too)\n"
"  -a, --arch ARCH        write this guest architecture (default: what QEMU's\n"
"                         own dump would write, from its target and vCPU 0):");
	for (unsigned int i = 0; i < ld_arch_count; i++)
		fprintf(f, " %s", ld_arches[i].name);
	fprintf(f, "\n"
"  -o, --output FILE      the vmcore to write (- for standard output)\n"
"      --force            overwrite OUTPUT if it exists\n"
"  -f, --format FORMAT    elf (default: every reader, the destination's speed)\n"
"                         or makedumpfile's compressed diskdump, which crash,\n"
"                         drgn and makedumpfile read, bound by the CPU:\n"
"                         kdump-zstd (smallest, 1/6 of QEMU's kdump-zlib time),\n"
"                         kdump-lzo, kdump-snappy (fastest, 1/3 larger),\n"
"                         kdump-zlib (slowest, every old reader); a file gets\n"
"                         the plain diskdump file, a pipe the flattened\n"
"                         stream (makedumpfile -R turns it into the file)\n"
"      --flatten          kdump: write the flattened stream into a file too\n"
"      --threads N        kdump: compression threads (default: one per CPU)\n"
"  -d, --dump-level N     leave out pages as makedumpfile -d N does: sum of\n"
"                         1 zero, 2 page cache, 4 private cache, 8 user data,\n"
"                         16 free pages (31: all; above 1 needs a Linux guest\n"
"                         whose VMCOREINFO is found); ELF: those pages read as\n"
"                         zeros (holes).  Default: 1 for kdump (QEMU's and\n"
"                         makedumpfile's: zero pages share one), 0 for elf\n"
"      --freeze=MODE      meta (default): stop QEMU only to read its memory map;\n"
"                         full: keep it stopped for the whole copy (consistent);\n"
"                         none: stop nothing, read the map until two reads agree\n"
"                         (vCPU registers: QEMU's copy, as it changes)\n"
"      --boost=WHEN       run SCHED_FIFO while QEMU is stopped, where permitted:\n"
"                         auto (default: when no CPU is idle), always, never\n"
"      --debuginfo FILE   separate debug info for QEMU's binary\n"
"      --profile FILE     struct layouts from this profile (QEMU without DWARF)\n"
"      --report FILE      write a JSON report of the run\n"
"      --backtraces       add backtraces of QEMU's threads to the report\n"
"                         (taken while frozen: lengthens the freeze)\n"
"  -q, --quiet            no summary and no progress line on stderr (the\n"
"                         progress line is drawn only on a terminal)\n"
"  -h, --help             this help\n"
"  -V, --version          the version\n"
"\n"
"Finding the VM:\n"
"  qemu-livedump --list [--json]\n"
"                         every QEMU of this host: pid, name, version, target,\n"
"                         RAM, machine, whether traced, where layouts come from\n"
"                         (nothing is stopped or read from the VMs)\n"
"\n"
"Layout profiles (for distribution QEMU binaries, which are stripped):\n"
"  qemu-livedump --write-profile FILE --binary QEMU [--debuginfo F]\n"
"                [--for-binary STOCK_QEMU]...\n"
"                         write the layouts of a QEMU build that has DWARF;\n"
"                         --for-binary also records that binary's build-id\n"
"  qemu-livedump --list-profiles\n"
"                         shipped and cached profiles (layouts taken from DWARF\n"
"                         are cached by build-id: $QEMU_LIVEDUMP_PROFILE_CACHE,\n"
"                         default %s)\n"
"\n"
"Exit status: 0 ok, 1 failure, 2 usage, 3 no such or not a QEMU process,\n"
"4 permission, 5 debuginfo, 6 QEMU structures invalid, 7 output, 8 copy,\n"
"9 interrupted.  See qemu-livedump(1).\n",
		ld_profile_cache_dir() ? ld_profile_cache_dir() : "none");
}

static struct ld_error *parse_pid(const char *s, pid_t *pid)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v <= 0 || v > INT_MAX)
		return ld_error(LD_EXIT_USAGE, "invalid pid '%s'", s);
	*pid = (pid_t)v;
	return NULL;
}

static struct ld_error *parse_options(int argc, char **argv,
				      struct options *o, bool *done)
{
	enum {
		OPT_FORCE = 256, OPT_FREEZE, OPT_DEBUGINFO, OPT_REPORT,
		OPT_PROFILE, OPT_WRITE_PROFILE, OPT_BINARY, OPT_FOR_BINARY,
		OPT_LIST_PROFILES, OPT_BACKTRACES, OPT_BOOST, OPT_LIST, OPT_JSON,
		OPT_FLATTEN, OPT_THREADS,
	};
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "arch", required_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "format", required_argument, NULL, 'f' },
		{ "flatten", no_argument, NULL, OPT_FLATTEN },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "dump-level", required_argument, NULL, 'd' },
		{ "freeze", required_argument, NULL, OPT_FREEZE },
		{ "debuginfo", required_argument, NULL, OPT_DEBUGINFO },
		{ "report", required_argument, NULL, OPT_REPORT },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "write-profile", required_argument, NULL, OPT_WRITE_PROFILE },
		{ "binary", required_argument, NULL, OPT_BINARY },
		{ "for-binary", required_argument, NULL, OPT_FOR_BINARY },
		{ "list-profiles", no_argument, NULL, OPT_LIST_PROFILES },
		{ "backtraces", no_argument, NULL, OPT_BACKTRACES },
		{ "boost", required_argument, NULL, OPT_BOOST },
		{ "list", no_argument, NULL, OPT_LIST },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "name", required_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ld_error *err;
	int c;

	*done = false;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:a:o:f:d:n:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			err = parse_pid(optarg, &o->pid);
			if (err)
				return err;
			break;
		case 'a':
			o->arch = ld_arch_lookup(optarg);
			o->arch_given = true;
			if (!o->arch)
				return ld_error(LD_EXIT_USAGE,
						"unknown arch '%s' (known: aarch64-le, aarch64-be, X86_64, 386, s390, ppc64-le, ppc64-be)",
						optarg);
			break;
		case 'o':
			o->output = optarg;
			break;
		case OPT_FORCE:
			o->force = true;
			break;
		case 'f':
			if (!ld_format_lookup(optarg, &o->format))
				return ld_error(LD_EXIT_USAGE,
						"unknown format '%s' (known: %s)",
						optarg, ld_format_names());
			break;
		case OPT_FLATTEN:
			o->flatten = true;
			break;
		case OPT_THREADS: {
			char *end;
			unsigned long n;

			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || !n || n > 256)
				return ld_error(LD_EXIT_USAGE,
						"--threads takes 1 to 256, not '%s'",
						optarg);
			o->threads = (unsigned int)n;
			break;
		}
		case 'd': {
			char *end;
			unsigned long n;

			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || n > LD_DL_MAX)
				return ld_error(LD_EXIT_USAGE,
						"-d takes a dump level of 0 to 31, not '%s'",
						optarg);
			o->dump_level = (unsigned int)n;
			o->dump_level_given = true;
			break;
		}
		case OPT_FREEZE:
			if (!strcmp(optarg, "meta"))
				o->freeze = FREEZE_META;
			else if (!strcmp(optarg, "full"))
				o->freeze = FREEZE_FULL;
			else if (!strcmp(optarg, "none"))
				o->freeze = FREEZE_NONE;
			else
				return ld_error(LD_EXIT_USAGE,
						"--freeze takes meta, full or none, not '%s'",
						optarg);
			break;
		case OPT_DEBUGINFO:
			o->debuginfo = optarg;
			break;
		case OPT_REPORT:
			o->report = optarg;
			break;
		case OPT_PROFILE:
			o->profile = optarg;
			break;
		case OPT_WRITE_PROFILE:
			o->write_profile = optarg;
			break;
		case OPT_BINARY:
			o->binary = optarg;
			break;
		case OPT_FOR_BINARY:
			if (o->nfor_binary == 8)
				return ld_error(LD_EXIT_USAGE, "at most 8 --for-binary");
			o->for_binary[o->nfor_binary++] = optarg;
			break;
		case OPT_LIST_PROFILES:
			o->list_profiles = true;
			break;
		case OPT_BOOST:
			if (!strcmp(optarg, "auto"))
				o->boost = LD_BOOST_AUTO;
			else if (!strcmp(optarg, "always"))
				o->boost = LD_BOOST_ALWAYS;
			else if (!strcmp(optarg, "never"))
				o->boost = LD_BOOST_NEVER;
			else
				return ld_error(LD_EXIT_USAGE,
						"--boost takes auto, always or never, not '%s'",
						optarg);
			break;
		case OPT_BACKTRACES:
			o->backtraces = true;
			break;
		case OPT_LIST:
			o->list = true;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case 'n':
			o->name = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			*done = true;
			return NULL;
		case 'V':
			printf("%s\n", PACKAGE_STRING);
			*done = true;
			return NULL;
		case ':':
			return ld_error(LD_EXIT_USAGE, "option %s needs a value",
					argv[optind - 1]);
		default:
			return ld_error(LD_EXIT_USAGE, "unknown option '%s'",
					argv[optind - 1]);
		}
	}
	if (optind < argc)
		return ld_error(LD_EXIT_USAGE, "unexpected argument '%s'",
				argv[optind]);
	if (o->list_profiles || o->list)
		return NULL;
	if (o->json)
		return ld_error(LD_EXIT_USAGE, "--json goes with --list");
	if (o->write_profile) {
		if (!o->binary)
			return ld_error(LD_EXIT_USAGE, "--write-profile needs --binary QEMU");
		return NULL;
	}
	if (o->binary || o->nfor_binary)
		return ld_error(LD_EXIT_USAGE, "--binary and --for-binary go with --write-profile");
	if (o->backtraces && o->freeze == FREEZE_NONE)
		return ld_error(LD_EXIT_USAGE,
				"--backtraces needs QEMU's threads stopped: not with --freeze=none");
	if (o->pid && o->name)
		return ld_error(LD_EXIT_USAGE, "-p and -n name the VM twice: give one");
	if (!o->pid && !o->name)
		return ld_error(LD_EXIT_USAGE, "missing -p PID or -n NAME");
	if (!o->output)
		return ld_error(LD_EXIT_USAGE, "missing -o OUTPUT");
	if ((o->flatten || o->threads) && !ld_format_is_kdump(o->format))
		return ld_error(LD_EXIT_USAGE,
				"--flatten and --threads go with a kdump format (-f kdump-...)");
	/* makedumpfile's default for its compressed files, QEMU's for ELF. */
	if (!o->dump_level_given)
		o->dump_level = ld_format_is_kdump(o->format) ? LD_DL_ZERO : 0;
	return NULL;
}

/* Everything read from QEMU while it is frozen. */
struct snapshot {
	struct ld_memmap map;
	struct ld_cpus cpus;
	struct ld_vmcoreinfo vmcoreinfo;
	struct ld_warnings warnings;	/* said while reading it */
};

static void snapshot_free(struct snapshot *s)
{
	ld_memmap_free(&s->map);
	ld_cpus_free(&s->cpus);
	ld_vmcoreinfo_free(&s->vmcoreinfo);
	ld_warnings_free(&s->warnings);
}

/* Test hook: keep the VM frozen longer, to test that a killed tool frees it. */
static void hold_frozen_for_tests(void)
{
	const char *ms = getenv("QEMU_LIVEDUMP_TEST_HOLD_FROZEN_MS");
	struct timespec ts;
	long v;

	if (!ms)
		return;
	v = strtol(ms, NULL, 10);
	if (v <= 0 || v > 600000)
		return;
	ts.tv_sec = v / 1000;
	ts.tv_nsec = (v % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) && errno == EINTR && !stop_requested)
		;
}

static struct ld_error *read_snapshot(const struct options *o,
				      struct ld_proc *proc,
				      const struct ld_layout *layout,
				      struct snapshot *snap)
{
	struct ld_reader rd = ld_proc_reader(proc);
	struct ld_error *err;

	err = ld_memmap_read(layout, layout->symbol[LS_ADDRESS_SPACE_MEMORY],
			     &rd, &snap->map);
	/* An empty vmcore would look like a dump and hold nothing. */
	if (!err && !snap->map.count)
		err = ld_error(LD_EXIT_MODEL,
			       "QEMU's memory map has no guest RAM that can be read (left out: %u device, %u non-volatile, %u private or sparse regions): nothing to dump",
			       snap->map.skipped_ram_device,
			       snap->map.skipped_nonvolatile, snap->map.nskipped);
	if (!err)
		err = ld_cpus_read_arch(layout, o->arch, &rd, &snap->cpus,
					&snap->warnings);
	if (!err)
		err = ld_vmcoreinfo_from_device(layout, &rd, &snap->map,
						o->arch, &snap->vmcoreinfo,
						&snap->warnings);
	if (!err)
		hold_frozen_for_tests();
	if (!err)
		err = check_stop();
	return err;
}

struct heads_ctx {
	pid_t pid;
	struct ld_untouched untouched;	/* never-touched pages: not read */
};

static size_t proc_heads(void *ctx, const uint64_t *addrs, size_t n,
			 size_t head_len, void *heads, bool *ok)
{
	struct heads_ctx *h = ctx;

	return ld_proc_read_touched_heads(h->pid, &h->untouched, addrs, n,
					  head_len, heads, ok);
}

/* Whether a note is the running kernel's, by the vCPUs' page tables. */
struct running_kernel {
	const struct ld_arch *arch;
	struct ld_memmap_ram mr;
	struct ld_guest_ram ram;
	uint64_t *roots;
	size_t nroots;
};

static bool note_is_running_kernel(void *ctx, const char *desc, size_t len)
{
	struct running_kernel *rk = ctx;

	return ld_guest_kernel_is_running(rk->arch, desc, len, &rk->ram,
					  rk->roots, rk->nroots);
}

/*
 * Without the vmcoreinfo device, the kernel's own note is looked for in
 * guest RAM: during the copy when the output can be rewritten afterwards
 * (room for it is kept in the note area), or before the headers by
 * looking at page heads (stopping at the running kernel's note where a
 * vCPU can tell) when the output is a pipe.
 */
static struct ld_error *prescan_vmcoreinfo(const struct ld_arch *arch,
					   struct ld_proc *proc,
					   struct snapshot *snap,
					   struct ld_vmcoreinfo_scan *scan)
{
	struct ld_reader rd = ld_proc_reader(proc);
	struct heads_ctx h = { .pid = proc->pid };
	struct running_kernel rk = {
		.arch = arch, .mr = { &snap->map, &rd },
		.roots = calloc(snap->cpus.count + 1, sizeof(uint64_t)),
	};
	struct ld_prescan_source src = {
		.rd = &rd, .read_heads = proc_heads, .heads_ctx = &h,
		.confirm_ctx = &rk,
	};
	struct ld_error *err;

	if (!rk.roots)
		return &ld_error_nomem;
	rk.ram = (struct ld_guest_ram){ ld_memmap_read_guest, &rk.mr };
	for (size_t i = 0; i < snap->cpus.count; i++)
		if (ld_cpus_mmu_root(&snap->cpus, i, &rk.roots[rk.nroots]))
			rk.nroots++;
	/* Without a vCPU to tell the running kernel by, every page is seen. */
	if (rk.nroots)
		src.confirm = note_is_running_kernel;
	/* A page the guest never touched holds no note: not read at all. */
	ld_untouched_open(&h.untouched, proc->pid, 1024 * 4096);
	err = ld_vmcoreinfo_prescan(scan, &snap->map, &src);
	ld_untouched_close(&h.untouched);
	free(rk.roots);
	if (!err)
		ld_vmcoreinfo_scan_result(scan, &snap->vmcoreinfo,
					  &snap->warnings);
	return err;
}

/*
 * Guest RAM unmapped by QEMU after the freeze (a DIMM unplugged and freed
 * during a meta-mode copy).  Its contents are gone, not zero: an ELF file
 * leaves the block out (PT_NULL) once the copy is done; a stream or a
 * kdump file has its headers written already, so the rest of the block is
 * zeros there, and the warning says so.  Either way the rest of the
 * vmcore is unaffected.
 */
struct vanished {
	const struct ld_memmap *map;
	struct ld_warnings *warnings;
	struct ld_format *format;
};

static void on_vanished(void *ctx, size_t i, uint64_t gpa)
{
	struct vanished *v = ctx;
	const struct ld_block *b = &v->map->blocks[i];
	bool dropped = ld_format_drop_block(v->format, i);

	ld_warn(v->warnings,
		"guest RAM '%.*s' [gpa 0x%" PRIx64 "+0x%" PRIx64 "] went away during the copy (unplugged?), at gpa 0x%" PRIx64 ": %s",
		LD_BLOCK_NAME_MAX, b->name, b->gpa, b->size, gpa,
		dropped ? "left out of the vmcore (its program header is PT_NULL)" :
			  "its bytes from there on are zeros in this vmcore (its headers were already written)");
}

/*
 * The dump level's pages to leave out, from the guest's struct pages
 * (VM running again in meta mode: as of now, not of the copy).
 */
static struct ld_error *build_filter(const struct options *o,
				     struct snapshot *snap,
				     const struct ld_reader *rd,
				     struct ld_page_filter *filter,
				     struct ld_report *rep)
{
	struct ld_memmap_ram mr = { &snap->map, rd };
	struct ld_guest_ram ram = { ld_memmap_read_guest, &mr };
	struct ld_page_filter_input in = {
		.arch = o->arch, .level = o->dump_level,
		.vmcoreinfo = snap->vmcoreinfo.present ? snap->vmcoreinfo.desc : NULL,
		.vmcoreinfo_len = snap->vmcoreinfo.present ? snap->vmcoreinfo.descsz : 0,
		.map = &snap->map, .ram = &ram,
	};
	struct ld_error *err = ld_page_filter_build(&in, filter, &snap->warnings);

	rep->dump_level.walked = filter->excluded != NULL;
	rep->dump_level.struct_pages = filter->struct_pages;
	rep->dump_level.walk_s = filter->ns / 1e9;
	memcpy(rep->dump_level.excluded, filter->count,
	       sizeof(rep->dump_level.excluded));
	return err;
}

static struct ld_error *write_vmcore(const struct options *o,
				     struct ld_proc *proc,
				     struct snapshot *snap, bool class64,
				     struct ld_output *out,
				     struct ld_report *rep)
{
	struct ld_copy_opts copts = { .stop = &stop_requested };
	struct ld_reader rd = ld_proc_reader(proc);
	struct ld_format_input in = {
		.id = o->format, .arch = o->arch, .class64 = class64,
		.map = &snap->map, .cpus = &snap->cpus,
		.vmcoreinfo = &snap->vmcoreinfo, .flatten = o->flatten,
		.threads = o->threads, .qemu_version = rep->qemu_version,
		.target = &rd, .dump_level = o->dump_level,
		.warnings = &snap->warnings,
	};
	struct ld_page_filter filter = { 0 };
	bool walks = ld_dump_level_walks(o->dump_level);
	struct vanished gone = { .map = &snap->map, .warnings = &snap->warnings };
	struct ld_progress progress;
	struct ld_copy_stats stats = { 0 };
	struct ld_format_stats fst;
	struct ld_vmcoreinfo_scan *scan = NULL;
	struct ld_format *fmt = NULL;
	struct ld_error *err = NULL;

	/*
	 * Without the vmcoreinfo device, the kernel's own note is looked for
	 * in guest RAM: during the copy when the output can be rewritten
	 * afterwards (room for it is kept), or before the headers by looking
	 * at the head of every page when the output is a stream, the
	 * format's layout depends on the note or the dump level needs it.
	 */
	rep->dump_level.level = o->dump_level;
	if (!snap->vmcoreinfo.present) {
		scan = ld_vmcoreinfo_scan_new(ld_arch_is_be(o->arch));
		if (!scan)
			return &ld_error_nomem;
		if (out->seekable && !walks &&
		    !ld_format_layout_needs_vmcoreinfo(o->format, o->arch)) {
			in.vmcoreinfo_later = true;
			copts.inspect = ld_vmcoreinfo_scan_inspect;
			copts.inspect_ctx = scan;
		} else {
			err = prescan_vmcoreinfo(o->arch, proc, snap, scan);
		}
	}
	if (!err && walks)
		err = build_filter(o, snap, &rd, &filter, rep);
	if (filter.excluded) {
		in.filter = &filter;
		copts.leave_out = ld_page_filter_mark;
		copts.leave_out_ctx = &filter;
	}
	if (!err)
		err = ld_format_start(&in, out, &fmt);
	if (err) {
		err = ld_error_context(err, "writing %s", o->output);
		goto out;
	}
	rep->format = ld_format_name(o->format);
	rep->elf_class = ld_format_class(fmt);
	rep->elf_machine = o->arch->e_machine;
	gone.format = fmt;
	copts.vanished = on_vanished;
	copts.vanished_ctx = &gone;
	/* A line on a terminal only: logs and pipes stay clean. */
	ld_progress_init(&progress, STDERR_FILENO, !o->quiet);
	copts.progress = ld_progress_update;
	copts.progress_ctx = &progress;
	err = ld_copy_blocks(proc->pid, &snap->map, ld_format_sink(fmt), &copts,
			     &stats);
	ld_progress_clear(&progress);
	if (!err) {
		if (copts.inspect)
			ld_vmcoreinfo_scan_result(scan, &snap->vmcoreinfo,
						  &snap->warnings);
		err = ld_format_finish(fmt, copts.inspect ? &snap->vmcoreinfo :
					    NULL, &snap->warnings);
		if (err)
			err = ld_error_context(err, "finishing %s", o->output);
	}
	ld_format_get_stats(fmt, &fst);
	rep->bytes_total = stats.bytes_total;
	rep->bytes_written = fst.write.bytes_written;
	rep->bytes_hole = fst.write.bytes_hole;
	rep->copy_s = stats.ns / 1e9;
	if (ld_format_is_kdump(o->format)) {
		rep->kdump.present = true;
		rep->kdump.flattened = fst.flattened;
		rep->kdump.threads = fst.threads;
		rep->kdump.pages = fst.pages;
		rep->kdump.zero_pages = fst.zero_pages;
		rep->kdump.compressed_pages = fst.compressed_pages;
		rep->kdump.raw_pages = fst.raw_pages;
		/* makedumpfile's count of zero pages: those sharing one. */
		rep->dump_level.excluded[LD_EXCL_ZERO] = fst.zero_pages;
	}
out:
	ld_page_filter_free(&filter);
	ld_format_free(fmt);
	ld_vmcoreinfo_scan_free(scan);
	return err;
}

/*
 * Layouts and where they came from, into the report; *di keeps QEMU's
 * debuginfo handle for --backtraces (NULL otherwise: its DWARF is not
 * held in memory during the copy for nothing).
 */
static struct ld_error *resolve_layout(const struct options *o,
				       struct ld_layout *layout,
				       struct ld_report *rep, bool *other_build,
				       bool *dwarf, char *target,
				       size_t target_len,
				       struct ld_debuginfo **di)
{
	struct ld_layout_origin origin;
	struct ld_error *err;

	err = ld_layout_resolve(o->pid, o->debuginfo, o->profile,
				o->backtraces, layout, &origin,
				&rep->warnings);
	*di = origin.di;
	origin.di = NULL;
	ld_report_set(&rep->layout_source, origin.source);
	ld_report_set(&rep->layout_cached, origin.cached);
	ld_report_set(&rep->qemu_root, origin.root);
	if (origin.id.version[0])
		ld_report_set(&rep->qemu_version, origin.id.version);
	if (origin.id.build_id[0])
		ld_report_set(&rep->qemu_build_id, origin.id.build_id);
	*other_build = origin.other_build;
	*dwarf = origin.dwarf;
	snprintf(target, target_len, "%s", origin.id.target);
	ld_layout_origin_free(&origin);
	return err;
}

/* The family whose registers to read: -a's, or the one of QEMU's target. */
static struct ld_error *arch_to_read(const struct options *o,
				     const char *target,
				     const struct ld_arch **arch)
{
	*arch = o->arch ? o->arch : ld_arch_for_target(target);
	if (!*arch)
		return ld_error(LD_EXIT_USAGE,
				"cannot tell the guest architecture of %s%s: name it with -a",
				target[0] ? "qemu-system-" : "this QEMU", target);
	return NULL;
}

/*
 * The arch and ELF class QEMU's own dump would choose, from the first
 * vCPU and the blocks.  Without -a that is what is written; with -a what
 * was asked is written, and a difference is said.
 */
static void choose_arch(struct options *eff, const char *target,
			const struct snapshot *snap, struct ld_report *rep,
			bool *class64)
{
	struct ld_arch_facts facts = { .target = target };
	const struct ld_arch *qemu;

	for (size_t i = 0; i < snap->map.count; i++) {
		uint64_t end = snap->map.blocks[i].gpa + snap->map.blocks[i].size;

		if (end > facts.max_block_end)
			facts.max_block_end = end;
	}
	ld_cpus_arch_facts(&snap->cpus, &facts);
	qemu = ld_arch_qemu_choice(&facts, class64);
	if (!eff->arch_given && qemu) {
		eff->arch = qemu;
	} else if (qemu && qemu != eff->arch) {
		ld_warn(&rep->warnings, "QEMU's own dump of this VM would be %s: writing %s as asked",
			       qemu->name, eff->arch->name);
	}
	*class64 = ld_arch_class64(eff->arch, &facts);
	rep->arch = eff->arch->name;
	rep->arch_source = eff->arch_given ? "-a" :
			   facts.have_vcpu ? "QEMU's target and first vCPU" :
					     "QEMU's target";
}

static int write_profile(const struct options *o)
{
	struct ld_debuginfo *di = NULL;
	struct ld_layout layout = { 0 };
	struct ld_binary_id id, other;
	const char *extra[9] = { NULL };
	char ids[8][96];
	struct ld_error *err;
	int code = 0;

	err = ld_debuginfo_open_file(o->binary, o->debuginfo, &di);
	if (!err && !ld_debuginfo_has_dwarf(di))
		err = ld_error(LD_EXIT_DEBUGINFO, "%s has no DWARF: a profile needs a debug build",
			       o->binary);
	if (!err)
		err = ld_debuginfo_resolve(di, true, &layout);
	if (!err)
		err = ld_binary_identify(o->binary, o->binary, &id);
	for (unsigned int i = 0; !err && i < o->nfor_binary; i++) {
		err = ld_binary_identify(o->for_binary[i], o->for_binary[i], &other);
		if (!err && (!ld_same_qemu_version(other.version, id.version) ||
			     strcmp(other.target, id.target) ||
			     strcmp(other.host_arch, id.host_arch) ||
			     strcmp(other.host_byte_order, id.host_byte_order)))
			err = ld_error(LD_EXIT_DEBUGINFO,
				       "%s is QEMU %s (qemu-system-%s, %s), not the same build as %s (QEMU %s, qemu-system-%s, %s)",
				       o->for_binary[i], other.version, other.target,
				       other.host_arch, o->binary, id.version,
				       id.target, id.host_arch);
		if (!err && !other.build_id[0])
			err = ld_error(LD_EXIT_DEBUGINFO, "%s has no build-id", o->for_binary[i]);
		if (!err) {
			snprintf(ids[i], sizeof(ids[i]), "%s", other.build_id);
			extra[i] = ids[i];
		}
	}
	if (!err)
		err = ld_profile_write(o->write_profile, &id, extra, &layout);
	if (err) {
		fprintf(stderr, "qemu-livedump: %s\n", err->message);
		code = err->code;
		ld_error_free(err);
	} else if (!o->quiet) {
		fprintf(stderr, "qemu-livedump: wrote %s (QEMU %s, qemu-system-%s, host %s %s-endian)\n",
			o->write_profile, id.version, id.target, id.host_arch,
			id.host_byte_order);
	}
	ld_debuginfo_close(di);
	return code;
}

/*
 * Memory registered with userfaultfd (postcopy migration) is filled in by
 * one of QEMU's own threads: with every thread frozen, reading a missing
 * page would wait forever, and the VM with it.
 */
static struct ld_error *check_full_freeze_is_safe(pid_t pid)
{
	bool uffd;
	struct ld_error *err = ld_proc_has_vmflag(pid, "um", &uffd);

	if (err)
		return err;
	if (uffd)
		return ld_error(LD_EXIT_FAILURE,
				"QEMU has memory registered with userfaultfd (postcopy migration?): --freeze=full could wait for it forever with the VM stopped; use --freeze=meta");
	return NULL;
}

/*
 * --backtraces, after the thaw: file:line of QEMU's frames where DWARF is
 * at hand, through the debuginfo handle the layouts were resolved with.
 * Separate DWARF is looked for only if the layouts came from it (then it
 * is local by now): a stripped QEMU described by a profile must not send
 * us to debuginfod for a backtrace.
 */
static void add_backtrace_sources(const struct options *o,
				  struct ld_debuginfo *di, bool dwarf,
				  struct ld_report *rep)
{
	if (!di) {
		ld_warn(&rep->warnings, "backtraces without file:line: QEMU's debuginfo is not open");
		return;
	}
	if (!dwarf && !o->debuginfo)
		ld_debuginfo_no_search(di);
	ld_backtrace_add_source(&rep->backtraces, di);
}

/* --backtraces beside a vmcore file: OUT.threads.txt, for people. */
static struct ld_error *write_threads_file(const struct options *o,
					   const struct ld_report *rep)
{
	char *path = NULL;
	struct ld_error *err;

	if (asprintf(&path, "%s.threads.txt", o->output) < 0)
		return &ld_error_nomem;
	err = ld_report_write_threads(rep, path);
	free(path);
	return err;
}

/* Where the vCPU registers of the notes came from, for the report. */
static const char *cpu_notes_source(const struct options *o,
				    const struct ld_cpus *cpus,
				    const char *accel)
{
	if (!cpus->count)
		return "none: no vCPU list";
	if (cpus->regs == LD_REGS_NONE)
		return "placeholders: registers not read";
	if (o->freeze == FREEZE_NONE)
		return "QEMU's copy, read while the vCPUs ran";
	if (!strcmp(accel, "kvm"))
		return "KVM: QEMU's last synchronised copy";
	if (!strcmp(accel, "tcg"))
		return "TCG: live, read with the vCPUs stopped";
	return "QEMU's copy, read with the vCPUs stopped";
}

/* The blocks for the incident record (the snapshot goes first). */
static void record_blocks(struct ld_report *rep, const struct ld_memmap *map)
{
	rep->mem_blocks = map->count ? calloc(map->count, sizeof(*rep->mem_blocks))
				     : NULL;
	if (!rep->mem_blocks)
		return;
	memcpy(rep->mem_blocks, map->blocks, map->count * sizeof(*map->blocks));
	rep->nmem_blocks = map->count;
}

/* Name, machine and binary, from /proc: what the on-call engineer sees. */
static void record_vm(struct ld_report *rep, pid_t pid)
{
	struct ld_qemu_proc q = { .pid = pid };

	ld_discover_cmdline(&q);
	ld_report_set(&rep->vm_name, q.name[0] ? q.name : NULL);
	ld_report_set(&rep->machine, q.machine[0] ? q.machine : NULL);
	ld_report_set(&rep->qemu_binary, q.binary[0] ? q.binary : NULL);
}

static bool same_snapshot(const struct snapshot *a, const struct snapshot *b)
{
	return ld_memmap_equal(&a->map, &b->map) &&
	       ld_cpus_same_list(&a->cpus, &b->cpus) &&
	       a->vmcoreinfo.present == b->vmcoreinfo.present &&
	       a->vmcoreinfo.descsz == b->vmcoreinfo.descsz;
}

/*
 * --freeze=none: nothing is stopped, so QEMU may change its map while it
 * is read (a pointer freed under us gives an error, a half-updated view
 * a different result).  Accept the map only when two reads in a row agree.
 */
static struct ld_error *read_snapshot_settled(const struct options *o,
					      struct ld_proc *proc,
					      const struct ld_layout *layout,
					      struct snapshot *snap,
					      unsigned int *tries)
{
	struct snapshot prev = { 0 }, cur;
	struct ld_error *err = NULL, *last = NULL;
	bool have_prev = false;

	for (*tries = 1; *tries <= SETTLE_TRIES; (*tries)++) {
		struct timespec gap = { 0, SETTLE_GAP_NS };

		if (*tries > 1)
			nanosleep(&gap, NULL);
		memset(&cur, 0, sizeof(cur));
		err = read_snapshot(o, proc, layout, &cur);
		if (err && err->code == LD_EXIT_INTERRUPTED)
			break;
		if (err) {
			ld_error_free(last);
			last = err;
			err = NULL;
			snapshot_free(&cur);
			if (have_prev)
				snapshot_free(&prev);
			have_prev = false;
			continue;
		}
		if (have_prev && same_snapshot(&prev, &cur)) {
			snapshot_free(&prev);
			*snap = cur;
			ld_error_free(last);
			return NULL;
		}
		if (have_prev)
			snapshot_free(&prev);
		prev = cur;
		have_prev = true;
	}
	if (have_prev)
		snapshot_free(&prev);
	if (err)
		return err;
	if (last)
		err = ld_error(LD_EXIT_MODEL,
			       "QEMU's memory map did not settle: no two reads in a row agreed in %d tries (last: %s); use --freeze=meta",
			       SETTLE_TRIES, last->message);
	else
		err = ld_error(LD_EXIT_MODEL,
			       "QEMU's memory map did not settle: no two reads in a row agreed in %d tries; use --freeze=meta",
			       SETTLE_TRIES);
	ld_error_free(last);
	return err;
}

static struct ld_error *run(const struct options *opts,
			    struct ld_report *rep, struct ld_output *out)
{
	struct options eff = *opts, *o = &eff;	/* o->arch: chosen below */
	struct ld_proc proc = { 0 };
	struct ld_layout layout = { 0 };
	struct snapshot snap = { 0 };
	struct ld_debuginfo *di = NULL;	/* --backtraces only */
	bool other_build = false, class64 = false, dwarf = false;
	char target[32] = "";
	uint64_t t0;
	struct ld_error *err;

	err = ld_proc_open(&proc, o->pid);
	if (err)
		return err;
	record_vm(rep, o->pid);

	/* All the slow lookups happen while the VM still runs. */
	t0 = ld_now_ns();
	err = resolve_layout(o, &layout, rep, &other_build, &dwarf, target,
			     sizeof(target), &di);
	rep->debuginfo_us = (ld_now_ns() - t0) / 1000;
	if (!err)
		err = arch_to_read(o, target, &eff.arch);
	if (!err) {
		err = ld_output_open(out, o->output, o->force);
		if (err && !strstr(err->message, o->output))
			err = ld_error_context(err, "output %s", o->output);
	}
	if (!err && o->freeze == FREEZE_FULL)
		err = check_full_freeze_is_safe(o->pid);
	if (!err)
		err = check_stop();
	if (err)
		goto out;

	if (o->freeze == FREEZE_NONE) {
		unsigned int tries = 0;

		err = read_snapshot_settled(o, &proc, &layout, &snap, &tries);
		if (!err && snap.cpus.regs != LD_REGS_NONE)
			ld_warn(&rep->warnings, "--freeze=none: vCPU registers are QEMU's copy read while the vCPUs ran (%u reads of the map)",
				       tries);
	} else {
		if (o->backtraces)
			ld_backtrace_sample_states(o->pid, &rep->backtraces);
		proc.boost_mode = o->boost;
		err = ld_proc_freeze(&proc);
		if (!err)
			err = read_snapshot(o, &proc, &layout, &snap);
		if (!err && o->backtraces)
			err = ld_backtrace_threads(&proc, &rep->backtraces);
		rep->threads = proc.ntids;
		ld_report_set(&rep->freeze_priority, proc.boost);
		/* the long copy of --freeze=full runs at normal priority */
		if (o->freeze == FREEZE_FULL)
			ld_proc_end_boost(&proc);
	}
	if (err || o->freeze != FREEZE_FULL)
		ld_proc_thaw(&proc);
	if (!err && other_build) {
		err = ld_cpus_check_strict(&snap.cpus, o->arch);
		if (err)
			err = ld_error_context(err, "the layouts of another point release do not fit this QEMU (%s; %s)",
					       rep->qemu_version ? rep->qemu_version : "?",
					       rep->layout_source);
	}
	if (err)
		goto out;

	choose_arch(&eff, target, &snap, rep, &class64);
	rep->blocks = snap.map.count;
	record_blocks(rep, &snap.map);
	rep->vcpus = snap.cpus.count;
	rep->accel = ld_detect_accel(o->pid);
	rep->cpu_notes_source = cpu_notes_source(o, &snap.cpus, rep->accel);
	if (!strcmp(rep->accel, "kvm") && snap.cpus.regs != LD_REGS_NONE)
		ld_warn(&rep->warnings, "%s", "vCPU registers come from QEMU's last synchronised copy under KVM");
	rep->skipped_ram_device = snap.map.skipped_ram_device;
	rep->skipped_nonvolatile = snap.map.skipped_nonvolatile;
	for (unsigned int i = 0; i < snap.map.nskipped && i < LD_MAX_SKIPPED; i++) {
		const struct ld_skipped *sk = &snap.map.skipped[i];

		ld_warn(&rep->warnings, "RAM [0x%" PRIx64 ", +0x%" PRIx64 ") of %s left out, never read: %s",
			       sk->gpa, sk->size, sk->name, sk->why);
	}
	if (snap.map.nskipped > LD_MAX_SKIPPED)
		ld_warn(&rep->warnings, "%u more RAM ranges left out likewise",
			       snap.map.nskipped - LD_MAX_SKIPPED);
	err = write_vmcore(o, &proc, &snap, class64, out, rep);
	rep->vmcoreinfo = snap.vmcoreinfo.present;
	if (snap.vmcoreinfo.present)
		ld_report_set(&rep->vmcoreinfo_source, snap.vmcoreinfo.source);
	ld_proc_thaw(&proc);
	if (o->backtraces && rep->backtraces.count)
		add_backtrace_sources(o, di, dwarf, rep);
	if (!err)
		err = check_stop();
	if (!err)
		err = ld_output_commit(out);
	if (!err && o->backtraces && strcmp(o->output, "-"))
		err = write_threads_file(o, rep);
out:
	ld_proc_thaw(&proc);
	rep->freeze_us = proc.freeze_ns / 1000;
	/* what reading QEMU warned of, failed or not */
	ld_warnings_move(&rep->warnings, &snap.warnings);
	snapshot_free(&snap);
	ld_debuginfo_close(di);
	ld_proc_close(&proc);
	return err;
}

static int list_qemus(const struct options *o)
{
	struct ld_qemu_proc *qemus;
	size_t n;
	struct ld_error *err = ld_discover(&qemus, &n);
	int code;

	if (err) {
		fprintf(stderr, "qemu-livedump: %s\n", err->message);
		code = err->code;
		ld_error_free(err);
		return code;
	}
	ld_discover_print(stdout, qemus, n, o->json);
	free(qemus);
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = { .freeze = FREEZE_META };
	struct ld_output out = { .fd = -1, .dirfd = -1 };
	struct ld_report rep = { 0 };
	struct ld_error *err;
	uint64_t t0 = ld_now_ns();
	bool done;
	int code;

	err = parse_options(argc, argv, &o, &done);
	if (err) {
		fprintf(stderr, "qemu-livedump: %s\n", err->message);
		fprintf(stderr, "Try 'qemu-livedump --help'.\n");
		code = err->code;
		ld_error_free(err);
		return code;
	}
	if (done)
		return 0;
	if (o.list_profiles) {
		ld_profile_list(stdout);
		return 0;
	}
	if (o.list)
		return list_qemus(&o);
	if (o.name) {
		err = ld_discover_by_name(o.name, &o.pid);
		if (err) {
			fprintf(stderr, "qemu-livedump: %s\n", err->message);
			code = err->code;
			ld_error_free(err);
			return code;
		}
	}
	if (o.write_profile)
		return write_profile(&o);

	install_signal_handlers();
	rep.pid = o.pid;
	rep.arch = o.arch ? o.arch->name : NULL;
	rep.output = o.output;
	rep.report_path = o.report;
	rep.freeze_mode = freeze_names[o.freeze];
	rep.accel = "unknown";

	err = run(&o, &rep, &out);
	if (err)
		ld_output_abort(&out);
	rep.duration_s = (ld_now_ns() - t0) / 1e9;
	code = err ? (int)err->code : 0;
	rep.exit_code = code;
	rep.error = err ? err->message : NULL;

	ld_report_print_warnings(&rep, stderr);
	if (err)
		fprintf(stderr, "qemu-livedump: %s\n", err->message);
	else if (!o.quiet)
		ld_report_print_summary(&rep, stderr);
	if (o.report) {
		struct ld_error *rerr = ld_report_write_json(&rep, o.report);

		if (rerr) {
			fprintf(stderr, "qemu-livedump: %s\n", rerr->message);
			if (!code)
				code = rerr->code;
			ld_error_free(rerr);
		}
	}
	ld_error_free(err);
	ld_report_free(&rep);
	return code;
}
