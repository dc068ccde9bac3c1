// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_memmap.c - the QEMU memory model walk against structures built in
 * this process and read through a fake reader that only lets registered
 * objects be read (anything else "faults"), so corrupt inputs are cheap to
 * make.  The layout is filled from this file's own offsetof(): the tool's
 * resolver is tested elsewhere against DWARF.
 */
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "memmap.h"

typedef unsigned __int128 T128;

#define BIG_ENDIAN_HOST (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)

struct t_mr {
	char parent_obj[40];
	uint8_t ram, ram_device, nonvolatile, readonly;
	void *ram_block;
	struct t_mr *alias;
	uint64_t alias_offset;
	const char *name;
	void *rdm;
};

struct t_rb {
	char rcu[16];
	struct t_mr *mr;
	uint8_t *host;
	uint64_t offset, used_length, max_length;
	char idstr[256];
	int guest_memfd;
};

/* QOM as far as the tool follows it, and a virtio-mem device. */
struct t_type { const char *name; size_t class_size; };
struct t_class { struct t_type *type; void *interfaces; };
struct t_object { struct t_class *klass; void *free, *properties; };
struct t_vmem {
	struct t_object parent_obj;
	char virtio_filler[200];
	int32_t bitmap_size;
	unsigned long *bitmap;
	uint64_t addr, size, block_size;
};

struct t_fr {
	struct t_mr *mr;
	uint64_t offset_in_region;
	T128 start, size;
	uint8_t flags[4];
};

struct t_fv {
	unsigned ref;
	struct t_fr *ranges;
	unsigned nr, nr_allocated;
};

struct t_as {
	void *rcu[2];
	const char *name;
	void *root;
	struct t_fv *current_map;
};

#define SET(f, type, member) do { \
	L.offset[f] = offsetof(type, member); \
	L.size[f] = sizeof(((type *)0)->member); \
	L.have[f] = true; } while (0)
#define SETSIZE(f, type) do { L.size[f] = sizeof(type); L.have[f] = true; } while (0)

static struct ld_layout L;

/* Readable objects: the fake reader refuses anything else. */
static struct { const void *p; size_t len; } readable[256];
static unsigned int nreadable;

static void allow(const void *p, size_t len)
{
	cr_assert(nreadable < 256);
	readable[nreadable].p = p;
	readable[nreadable++].len = len;
}

static struct ld_error *fake_read(void *ctx, uint64_t addr, void *buf,
				  size_t len)
{
	(void)ctx;
	for (unsigned int i = 0; i < nreadable; i++) {
		uint64_t base = (uintptr_t)readable[i].p;

		if (addr >= base && addr - base <= readable[i].len &&
		    len <= readable[i].len - (addr - base)) {
			memcpy(buf, (void *)(uintptr_t)addr, len);
			return NULL;
		}
	}
	return ld_error(LD_EXIT_COPY, "reading 0x%llx (%zu bytes): Bad address",
			(unsigned long long)addr, len);
}

static const struct ld_reader reader = { fake_read, NULL };

/* A small machine: two RAM regions, one I/O region, one ROM. */
static struct t_as as;
static struct t_fv fv;
static struct t_fr fr[16];
static struct t_mr mr_ram, mr_ram2, mr_io, mr_rom, mr_alias, mr_dev, mr_nv;
static struct t_rb rb_ram, rb_ram2, rb_rom, rb_dev, rb_nv;
static uint8_t host_mem[4 << 20];	/* never read: addresses only */

static void setup_layout(void)
{
	memset(&L, 0, sizeof(L));
	SET(LF_AS_NAME, struct t_as, name);
	SET(LF_AS_CURRENT_MAP, struct t_as, current_map);
	SET(LF_FV_RANGES, struct t_fv, ranges);
	SET(LF_FV_NR, struct t_fv, nr);
	SETSIZE(LF_FR_SIZEOF, struct t_fr);
	SET(LF_FR_MR, struct t_fr, mr);
	SET(LF_FR_OFFSET_IN_REGION, struct t_fr, offset_in_region);
	SET(LF_FR_ADDR_START, struct t_fr, start);
	SET(LF_FR_ADDR_SIZE, struct t_fr, size);
	SETSIZE(LF_MR_SIZEOF, struct t_mr);
	SET(LF_MR_RAM, struct t_mr, ram);
	SET(LF_MR_RAM_DEVICE, struct t_mr, ram_device);
	SET(LF_MR_NONVOLATILE, struct t_mr, nonvolatile);
	SET(LF_MR_RAM_BLOCK, struct t_mr, ram_block);
	SET(LF_MR_ALIAS, struct t_mr, alias);
	SET(LF_MR_ALIAS_OFFSET, struct t_mr, alias_offset);
	SET(LF_MR_NAME, struct t_mr, name);
	SET(LF_MR_RDM, struct t_mr, rdm);
	SETSIZE(LF_RB_SIZEOF, struct t_rb);
	SET(LF_RB_MR, struct t_rb, mr);
	SET(LF_RB_HOST, struct t_rb, host);
	SET(LF_RB_USED_LENGTH, struct t_rb, used_length);
	SETSIZE(LF_INT128_SIZEOF, T128);
	/* A native __int128 keeps its halves in this host's byte order. */
	L.offset[LF_INT128_LO] = BIG_ENDIAN_HOST ? 8 : 0;
	L.size[LF_INT128_LO] = 8;
	L.have[LF_INT128_LO] = true;
	L.offset[LF_INT128_HI] = BIG_ENDIAN_HOST ? 0 : 8;
	L.size[LF_INT128_HI] = 8;
	L.have[LF_INT128_HI] = true;
}

static void ram_region(struct t_mr *mr, struct t_rb *rb, const char *name,
		       uint8_t *host, uint64_t len)
{
	memset(mr, 0, sizeof(*mr));
	memset(rb, 0, sizeof(*rb));
	mr->ram = 1;
	mr->ram_block = rb;
	mr->name = name;
	rb->mr = mr;
	rb->host = host;
	rb->used_length = rb->max_length = len;
	rb->guest_memfd = -1;
	allow(mr, sizeof(*mr));
	allow(rb, sizeof(*rb));
	allow(name, strlen(name) + 1);
}

static void range(unsigned int i, struct t_mr *mr, uint64_t off,
		  uint64_t start, uint64_t size)
{
	fr[i].mr = mr;
	fr[i].offset_in_region = off;
	fr[i].start = start;
	fr[i].size = size;
}

/*
 * [0, 0xa0000) ram, [0xa0000, 0xc0000) io, [0xc0000, 0x100000) ram,
 * [0x100000, 0x200000) ram (merges with the previous), [0x200000, 0x300000)
 * ram2 (host-contiguous with ram: must not merge), [0x300000, 0x340000)
 * alias of ram2 at +0x80000, [0x340000, 0x350000) device RAM,
 * [0x350000, 0x360000) nonvolatile, [0xfffc0000, 4G) ROM.
 */
static void setup_machine(void)
{
	nreadable = 0;
	setup_layout();
	memset(fr, 0, sizeof(fr));
	ram_region(&mr_ram, &rb_ram, "pc.ram", host_mem, 0x200000);
	ram_region(&mr_ram2, &rb_ram2, "ram2", host_mem + 0x200000, 0x100000);
	ram_region(&mr_rom, &rb_rom, "pc.bios", host_mem + 0x300000, 0x40000);
	ram_region(&mr_dev, &rb_dev, "vfio-bar", host_mem + 0x340000, 0x10000);
	ram_region(&mr_nv, &rb_nv, "nvdimm", host_mem + 0x350000, 0x10000);
	mr_dev.ram_device = 1;
	mr_nv.nonvolatile = 1;
	memset(&mr_io, 0, sizeof(mr_io));
	mr_io.name = "vga";
	allow(&mr_io, sizeof(mr_io));
	allow("vga", 4);
	memset(&mr_alias, 0, sizeof(mr_alias));
	mr_alias.ram = 1;
	mr_alias.alias = &mr_ram2;
	mr_alias.alias_offset = 0x40000;
	mr_alias.name = "alias";
	allow(&mr_alias, sizeof(mr_alias));
	allow("alias", 6);

	range(0, &mr_ram, 0, 0, 0xa0000);
	range(1, &mr_io, 0, 0xa0000, 0x20000);
	range(2, &mr_ram, 0xc0000, 0xc0000, 0x40000);
	range(3, &mr_ram, 0x100000, 0x100000, 0x100000);
	range(4, &mr_ram2, 0, 0x200000, 0x100000);
	range(5, &mr_alias, 0x40000, 0x300000, 0x40000);
	range(6, &mr_dev, 0, 0x340000, 0x10000);
	range(7, &mr_nv, 0, 0x350000, 0x10000);
	range(8, &mr_rom, 0, 0xfffc0000, 0x40000);
	fv.ranges = fr;
	fv.nr = 9;
	allow(fr, sizeof(fr));
	allow(&fv, sizeof(fv));
	as.name = "memory";
	as.current_map = &fv;
	allow(&as, sizeof(as));
	allow("memory", 7);
}

static struct ld_error *walk(struct ld_memmap *map)
{
	return ld_memmap_read(&L, (uintptr_t)&as, &reader, map);
}

static void expect_error(enum ld_exit code, const char *needle)
{
	struct ld_memmap map;
	struct ld_error *err = walk(&map);

	cr_assert_not_null(err, "expected an error containing '%s'", needle);
	cr_expect_eq(err->code, code, "code %d for: %s", err->code, err->message);
	cr_expect(strstr(err->message, needle), "message '%s' lacks '%s'",
		  err->message, needle);
	cr_expect_eq(map.count, 0);
	cr_expect_null(map.blocks);
	ld_error_free(err);
}

TestSuite(memmap, .init = setup_machine);

Test(memmap, blocks_follow_qemu_rules)
{
	struct ld_memmap map;
	struct ld_error *err = walk(&map);
	static const struct { uint64_t gpa, size, host_off; const char *name; } want[] = {
		{ 0, 0xa0000, 0, "pc.ram" },
		{ 0xc0000, 0x140000, 0xc0000, "pc.ram" },
		{ 0x200000, 0x100000, 0x200000, "ram2" },
		{ 0x300000, 0x40000, 0x280000, "alias" },
		{ 0xfffc0000, 0x40000, 0x300000, "pc.bios" },
	};

	cr_assert_null(err, "%s", err ? err->message : "");
	cr_assert_eq(map.count, 5);
	for (size_t i = 0; i < 5; i++) {
		cr_expect_eq(map.blocks[i].gpa, want[i].gpa, "block %zu gpa", i);
		cr_expect_eq(map.blocks[i].size, want[i].size, "block %zu size", i);
		cr_expect_eq(map.blocks[i].host,
			     (uintptr_t)host_mem + want[i].host_off, "block %zu host", i);
		cr_expect_str_eq(map.blocks[i].name, want[i].name);
	}
	cr_expect_eq(map.total_bytes, 0xa0000 + 0x140000 + 0x100000 + 0x40000 + 0x40000);
	cr_expect_eq(map.skipped_ram_device, 1);
	cr_expect_eq(map.skipped_nonvolatile, 1);

	uint64_t host;
	cr_expect(ld_memmap_gpa_to_host(&map, 0x1000, 16, &host));
	cr_expect_eq(host, (uintptr_t)host_mem + 0x1000);
	cr_expect(ld_memmap_gpa_to_host(&map, 0x300010, 8, &host));
	cr_expect_eq(host, (uintptr_t)host_mem + 0x280010);
	cr_expect_not(ld_memmap_gpa_to_host(&map, 0xa0000, 16, &host));
	cr_expect_not(ld_memmap_gpa_to_host(&map, 0x9fff8, 16, &host),
		      "a range crossing a block end is refused");
	ld_memmap_free(&map);
}

/* Without the QOM facts the manager's kind is unknown: left out, listed. */
Test(memmap, unknown_discard_managers_are_listed_and_left_out)
{
	struct ld_memmap map;
	struct ld_error *err;

	mr_ram2.rdm = (void *)0x1234;
	err = walk(&map);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_expect_eq(map.count, 4);
	cr_assert_eq(map.nskipped, 1);
	cr_expect_eq(map.skipped[0].gpa, 0x200000);
	cr_expect_eq(map.skipped[0].size, 0x100000);
	cr_expect_str_eq(map.skipped[0].name, "ram2");
	cr_expect(strstr(map.skipped[0].why, "RamDiscardManager"), "%s",
		  map.skipped[0].why);
	ld_memmap_free(&map);
}

static struct t_type vmem_type = { "virtio-mem", 0 };
static struct t_class vmem_class = { &vmem_type, NULL };
static struct t_vmem vmem;
static unsigned long vmem_bitmap[2];

/* ram2 (1 MiB at gpa 2 MiB) managed by a virtio-mem of 256 KiB blocks. */
static void setup_virtio_mem(uint64_t bits, const char *type)
{
	SET(LF_OBJECT_CLASS, struct t_object, klass);
	SET(LF_OBJECTCLASS_TYPE, struct t_class, type);
	SET(LF_TYPEIMPL_NAME, struct t_type, name);
	SET(LF_VMEM_BITMAP, struct t_vmem, bitmap);
	SET(LF_VMEM_BITMAP_SIZE, struct t_vmem, bitmap_size);
	SET(LF_VMEM_BLOCK_SIZE, struct t_vmem, block_size);
	memset(&vmem, 0, sizeof(vmem));
	vmem_type.name = type;
	vmem.parent_obj.klass = &vmem_class;
	vmem.block_size = 0x40000;
	vmem.bitmap_size = 4;
	vmem.bitmap = vmem_bitmap;
	vmem_bitmap[0] = bits;
	mr_ram2.rdm = &vmem;
	allow(&vmem, sizeof(vmem));
	allow(&vmem_class, sizeof(vmem_class));
	allow(&vmem_type, sizeof(vmem_type));
	allow(type, strlen(type) + 1);
	allow(vmem_bitmap, sizeof(vmem_bitmap));
}

/* Only the plugged blocks, merged where contiguous, as QEMU's dump does. */
Test(memmap, virtio_mem_contributes_its_plugged_blocks)
{
	struct ld_memmap map;
	struct ld_error *err;

	setup_virtio_mem(0xd, "virtio-mem");	/* blocks 0, 2, 3 */
	err = walk(&map);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_expect_eq(map.nskipped, 0);
	cr_expect_eq(map.discard_managed, 1);
	cr_assert_eq(map.count, 6);
	cr_expect_eq(map.blocks[2].gpa, 0x200000);
	cr_expect_eq(map.blocks[2].size, 0x40000);
	cr_expect_eq(map.blocks[2].host, (uintptr_t)host_mem + 0x200000);
	cr_expect_eq(map.blocks[3].gpa, 0x280000);
	cr_expect_eq(map.blocks[3].size, 0x80000);
	cr_expect_eq(map.blocks[3].host, (uintptr_t)host_mem + 0x280000);
	cr_expect_str_eq(map.blocks[3].name, "ram2");
	ld_memmap_free(&map);

	/* Nothing plugged: nothing of ram2 at all. */
	vmem_bitmap[0] = 0;
	err = walk(&map);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_expect_eq(map.count, 4);
	ld_memmap_free(&map);
}

/* A FlatRange over part of the region: the runs are cut to it. */
Test(memmap, virtio_mem_runs_are_cut_to_the_range)
{
	struct ld_memmap map;
	struct ld_error *err;

	setup_virtio_mem(0xf, "virtio-mem");
	range(4, &mr_ram2, 0x20000, 0x220000, 0xc0000);
	err = walk(&map);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_assert_eq(map.count, 5);
	cr_expect_eq(map.blocks[2].gpa, 0x220000);
	cr_expect_eq(map.blocks[2].size, 0xc0000);
	cr_expect_eq(map.blocks[2].host, (uintptr_t)host_mem + 0x220000);
	ld_memmap_free(&map);
}

Test(memmap, other_discard_managers_are_not_read)
{
	struct ld_memmap map;
	struct ld_error *err;

	setup_virtio_mem(0xf, "ram-block-attributes");
	err = walk(&map);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_expect_eq(map.count, 4);
	cr_assert_eq(map.nskipped, 1);
	cr_expect(strstr(map.skipped[0].why, "not virtio-mem"), "%s",
		  map.skipped[0].why);
	ld_memmap_free(&map);
}

Test(memmap, corrupt_virtio_mem_is_refused)
{
	setup_virtio_mem(0xf, "virtio-mem");
	vmem.block_size = 3000;
	expect_error(LD_EXIT_MODEL, "block size");
	vmem.block_size = 0x40000;
	vmem.bitmap_size = -1;
	expect_error(LD_EXIT_MODEL, "implausible bitmap");
	vmem.bitmap_size = 4;
	vmem.bitmap = (void *)0x10;
	expect_error(LD_EXIT_COPY, "virtio-mem bitmap");
	vmem.bitmap = vmem_bitmap;
	vmem.parent_obj.klass = NULL;
	expect_error(LD_EXIT_MODEL, "no class");
}

/* Confidential VMs: private memory is not in the host mapping. */
Test(memmap, guest_memfd_blocks_are_listed_and_never_read)
{
	struct ld_memmap map;
	struct ld_error *err;

	SET(LF_RB_GUEST_MEMFD, struct t_rb, guest_memfd);
	rb_ram2.guest_memfd = 12;
	err = walk(&map);
	cr_assert_null(err, "%s", err ? err->message : "");
	/* ram2 directly, and through the alias at 0x300000. */
	cr_expect_eq(map.count, 3);
	cr_assert_eq(map.nskipped, 2);
	cr_expect_eq(map.skipped[0].gpa, 0x200000);
	cr_expect_str_eq(map.skipped[0].name, "ram2");
	cr_expect(strstr(map.skipped[0].why, "guest_memfd"), "%s",
		  map.skipped[0].why);
	cr_expect_str_eq(map.skipped[1].name, "alias");
	ld_memmap_free(&map);
}

Test(memmap, device_ram_behind_an_alias_is_never_used)
{
	struct ld_memmap map;
	struct ld_error *err;

	mr_alias.alias = &mr_dev;
	mr_alias.alias_offset = 0;
	err = walk(&map);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_expect_eq(map.count, 4);
	cr_expect_eq(map.skipped_ram_device, 2);
	ld_memmap_free(&map);
}

Test(memmap, empty_view_gives_no_blocks)
{
	struct ld_memmap map;
	struct ld_error *err;

	fv.nr = 0;
	err = walk(&map);
	cr_assert_null(err);
	cr_expect_eq(map.count, 0);
	ld_memmap_free(&map);
}

Test(memmap, whole_space_io_range_is_accepted)
{
	struct ld_memmap map;
	struct ld_error *err;

	fv.nr = 1;
	fr[0].mr = &mr_io;
	fr[0].start = 0;
	fr[0].size = (T128)1 << 64;
	err = walk(&map);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_expect_eq(map.count, 0);
	ld_memmap_free(&map);
}

Test(memmap, wrong_address_space_name)
{
	as.name = "io";
	allow("io", 3);
	expect_error(LD_EXIT_MODEL, "not \"memory\"");
}

/* Bytes from a corrupt target never reach messages unescaped. */
Test(memmap, garbage_name_is_printed_safely)
{
	static const char garbage[] = "P\x1ap\x15\xfbU\n";

	as.name = garbage;
	allow(garbage, sizeof(garbage));
	expect_error(LD_EXIT_MODEL, "named \"P?p??U?\"");
}

Test(memmap, unreadable_address_space)
{
	nreadable = 0;
	expect_error(LD_EXIT_COPY, "Bad address");
}

Test(memmap, no_flat_view)
{
	as.current_map = NULL;
	expect_error(LD_EXIT_MODEL, "no current_map");
}

Test(memmap, huge_range_count)
{
	fv.nr = 100000000;
	expect_error(LD_EXIT_MODEL, "claims 100000000 ranges");
}

Test(memmap, ranges_array_missing)
{
	fv.ranges = NULL;
	expect_error(LD_EXIT_MODEL, "no array");
}

Test(memmap, ranges_past_the_readable_array)
{
	fv.nr = 17;
	expect_error(LD_EXIT_COPY, "reading 17 FlatRanges");
}

Test(memmap, unsorted_ranges)
{
	struct t_fr tmp = fr[2];

	fr[2] = fr[3];
	fr[3] = tmp;
	expect_error(LD_EXIT_MODEL, "sorted and disjoint");
}

Test(memmap, overlapping_ranges)
{
	fr[3].start = 0xf0000;
	expect_error(LD_EXIT_MODEL, "overlaps");
}

Test(memmap, start_beyond_64_bits)
{
	fr[8].start = (T128)1 << 64;
	expect_error(LD_EXIT_MODEL, "impossible extent");
}

Test(memmap, ram_range_covering_everything)
{
	fv.nr = 1;
	fr[0].size = (T128)1 << 64;
	expect_error(LD_EXIT_MODEL, "covers all of memory");
}

Test(memmap, range_without_region)
{
	fr[4].mr = NULL;
	expect_error(LD_EXIT_MODEL, "FlatRange 4 has no MemoryRegion");
}

Test(memmap, unreadable_region)
{
	fr[4].mr = (struct t_mr *)(uintptr_t)0x10;
	expect_error(LD_EXIT_COPY, "reading MemoryRegion at 0x10");
}

Test(memmap, alias_cycle)
{
	static struct t_mr a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.ram = b.ram = 1;
	a.alias = &b;
	b.alias = &a;
	allow(&a, sizeof(a));
	allow(&b, sizeof(b));
	mr_alias.alias = &a;
	expect_error(LD_EXIT_MODEL, "loops back");
}

Test(memmap, alias_chain_too_deep)
{
	static struct t_mr chain[LD_MAX_ALIAS_DEPTH + 2];

	for (unsigned int i = 0; i < LD_MAX_ALIAS_DEPTH + 2; i++) {
		memset(&chain[i], 0, sizeof(chain[i]));
		chain[i].ram = 1;
		chain[i].alias = i + 1 < LD_MAX_ALIAS_DEPTH + 2 ? &chain[i + 1] : &mr_ram2;
		allow(&chain[i], sizeof(chain[i]));
	}
	mr_alias.alias = &chain[0];
	expect_error(LD_EXIT_MODEL, "deeper than");
}

Test(memmap, ramblock_pointing_elsewhere)
{
	rb_ram2.mr = &mr_ram;
	expect_error(LD_EXIT_MODEL, "points back to MemoryRegion");
}

Test(memmap, ram_region_without_ramblock)
{
	mr_ram2.ram_block = NULL;
	expect_error(LD_EXIT_MODEL, "has no RAMBlock");
}

Test(memmap, ramblock_without_host_memory)
{
	rb_ram2.host = NULL;
	expect_error(LD_EXIT_MODEL, "has no host memory");
}

Test(memmap, range_larger_than_its_ramblock)
{
	fr[4].size = 0x100001;
	fr[5].start = 0x300001;
	expect_error(LD_EXIT_MODEL, "outside RAMBlock");
}

Test(memmap, alias_offset_past_the_ramblock)
{
	mr_alias.alias_offset = 0x100000;
	expect_error(LD_EXIT_MODEL, "outside RAMBlock");
}

Test(memmap, error_names_the_range)
{
	rb_rom.host = NULL;
	expect_error(LD_EXIT_MODEL, "FlatRange 8 [0xfffc0000");
}

Test(memmap, implausible_layout)
{
	L.size[LF_FR_SIZEOF] = 0;
	expect_error(LD_EXIT_DEBUGINFO, "sizeof(FlatRange)");
}

Test(memmap, field_outside_its_struct)
{
	L.offset[LF_MR_RAM] = 4096;
	expect_error(LD_EXIT_DEBUGINFO, "MemoryRegion.ram");
}
