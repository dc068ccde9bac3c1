// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_seed.c - record seed images for fuzz_memmap, fuzz_cpus and
 * fuzz_fwcfg from a live (fake) QEMU: every read the real walks make, with
 * its bytes, and the symbol addresses (format: fuzz_image.h).
 *
 *   fuzz_seed PID MEMMAP_OUT CPUS_OUT [FWCFG_OUT]
 *
 * FWCFG_OUT (a fake QEMU with --vmcoreinfo): the memory map, then the
 * vmcoreinfo device through fw_cfg and through vmcoreinfo_state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_NO_INIT	/* a plain program, not a fuzzer */
#include "arch.h"
#include "cpu.h"
#include "fuzz_image.h"
#include "layout_source.h"
#include "memmap.h"
#include "proc.h"
#include "vmcoreinfo.h"

struct recorder {
	struct ld_reader inner;
	FILE *out;
};

static void put_le(FILE *f, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		fputc((int)(v >> (8 * i)) & 0xff, f);
}

static struct ld_error *record_read(void *ctx, uint64_t addr, void *buf,
				    size_t len)
{
	struct recorder *r = ctx;
	struct ld_error *err = r->inner.read(r->inner.ctx, addr, buf, len);

	if (!err) {
		put_le(r->out, addr, 8);
		put_le(r->out, len, 4);
		fwrite(buf, 1, len, r->out);
	}
	return err;
}

static FILE *start_image(const char *path, const struct ld_layout *l)
{
	FILE *f = fopen(path, "wb");

	if (!f) {
		perror(path);
		exit(1);
	}
	fwrite(FUZZ_MAGIC, 1, 8, f);
	for (int s = 0; s < LS_COUNT; s++)
		put_le(f, l->have_symbol[s] ? l->symbol[s] : 0, 8);
	return f;
}

/* The device both ways, as fuzz_fwcfg walks it, with the map it needs. */
static struct ld_error *record_vmcoreinfo(struct recorder *rec,
					  const char *path,
					  const struct ld_layout *layout,
					  struct ld_proc *proc)
{
	struct ld_reader rd = { record_read, rec };
	const struct ld_arch *arch = ld_arch_lookup("X86_64");
	struct ld_memmap map = { 0 };
	struct ld_error *err;

	rec->inner = ld_proc_reader(proc);
	rec->out = start_image(path, layout);
	err = ld_memmap_read(layout, layout->symbol[LS_ADDRESS_SPACE_MEMORY],
			     &rd, &map);
	for (int route = 0; !err && route < 2; route++) {
		struct ld_warnings warn = { 0 };
		struct ld_vmcoreinfo vmci;
		struct ld_layout l = *layout;

		if (route == 0)
			l.have_symbol[LS_VMCOREINFO_STATE] = false;
		err = ld_vmcoreinfo_from_device(&l, &rd, &map, arch, &vmci, &warn);
		if (!err && (!vmci.present || warn.count))
			err = ld_error(LD_EXIT_FAILURE, "no clean note from the device (%s): a fake QEMU with --vmcoreinfo?",
				       route ? "vmcoreinfo_state" : "fw_cfg");
		ld_vmcoreinfo_free(&vmci);
		ld_warnings_free(&warn);
	}
	fclose(rec->out);
	ld_memmap_free(&map);
	return err;
}

static void die(struct ld_error *err)
{
	fprintf(stderr, "fuzz_seed: %s\n", err->message);
	exit(1);
}

int main(int argc, char **argv)
{
	struct ld_layout_origin origin;
	struct ld_layout layout;
	struct ld_proc proc = { 0 };
	struct ld_memmap map = { 0 };
	struct ld_cpus cpus = { 0 };
	struct recorder rec;
	struct ld_error *err;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: fuzz_seed PID MEMMAP_OUT CPUS_OUT [FWCFG_OUT]\n");
		return 2;
	}
	memset(&layout, 0, sizeof(layout));
	err = ld_proc_open(&proc, atoi(argv[1]));
	if (!err)
		err = ld_layout_resolve(proc.pid, NULL, NULL, false, &layout, &origin,
					NULL);
	if (!err)
		err = ld_proc_freeze(&proc);
	if (err)
		die(err);
	rec.inner = ld_proc_reader(&proc);
	rec.out = start_image(argv[2], &layout);
	err = ld_memmap_read(&layout, layout.symbol[LS_ADDRESS_SPACE_MEMORY],
			     &(struct ld_reader){ record_read, &rec }, &map);
	fclose(rec.out);
	if (!err) {
		rec.out = start_image(argv[3], &layout);
		err = ld_cpus_read_arch(&layout, ld_arch_lookup("X86_64"),
					&(struct ld_reader){ record_read, &rec },
					&cpus, NULL);
		fclose(rec.out);
	}
	if (!err && argc == 5)
		err = record_vmcoreinfo(&rec, argv[4], &layout, &proc);
	ld_proc_close(&proc);
	if (err)
		die(err);
	printf("fuzz_seed: %zu blocks, %zu vCPUs\n", map.count, (size_t)cpus.count);
	ld_memmap_free(&map);
	ld_cpus_free(&cpus);
	ld_layout_origin_free(&origin);
	return 0;
}
