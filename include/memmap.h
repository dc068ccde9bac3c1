/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memmap.h - the QEMU memory model: turn address_space_memory's current
 * FlatView into the list of guest RAM blocks QEMU's own dump-guest-memory
 * (paging=false) would write.
 *
 * Everything is read through an ld_reader, so the walk can run against a
 * live process or against a buffer in a test.  What is read is untrusted:
 * every pointer, count, size and chain is bounded and validated.
 */
#ifndef QLD_MEMMAP_H
#define QLD_MEMMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "layout.h"
#include "reader.h"

#define LD_BLOCK_NAME_MAX 64

struct ld_block {
	uint64_t gpa;		/* guest-physical start */
	uint64_t size;		/* bytes */
	uint64_t host;		/* host virtual address in the target */
	char name[LD_BLOCK_NAME_MAX];	/* MemoryRegion name, for messages */
	char ramblock[LD_BLOCK_NAME_MAX];	/* its RAMBlock's idstr */
};

/* RAM left out that a reader might have expected: say what and why. */
struct ld_skipped {
	uint64_t gpa, size;
	char name[LD_BLOCK_NAME_MAX];
	const char *why;
};

#define LD_MAX_SKIPPED 32

struct ld_memmap {
	struct ld_block *blocks;
	size_t count;
	uint64_t total_bytes;
	unsigned int skipped_ram_device;	/* regions left out on purpose */
	unsigned int skipped_nonvolatile;
	/* Private (guest_memfd) or unknown sparse RAM, never read. */
	struct ld_skipped skipped[LD_MAX_SKIPPED];
	unsigned int nskipped;			/* may exceed LD_MAX_SKIPPED */
	unsigned int discard_managed;		/* virtio-mem regions replayed */
	uint64_t view;				/* the FlatView read */
};

/* Bounds on what a sane QEMU has; beyond them the target is corrupt. */
#define LD_MAX_FLAT_RANGES	65536u
#define LD_MAX_ALIAS_DEPTH	32u

/*
 * Walk the AddressSpace at as_addr.  On success *out holds the merged blocks
 * sorted by gpa (free with ld_memmap_free).
 */
struct ld_error *ld_memmap_read(const struct ld_layout *layout,
				uint64_t as_addr, const struct ld_reader *rd,
				struct ld_memmap *out);

/*
 * Guest-physical memory read through the map (blocks that touch are
 * crossed); ctx is a struct ld_memmap_ram.  Fits ld_guest_ram.read.
 */
struct ld_memmap_ram {
	const struct ld_memmap *map;
	const struct ld_reader *rd;	/* the target */
};

struct ld_error *ld_memmap_read_guest(void *ctx, uint64_t gpa, void *buf,
				      size_t len);

/* Host address of guest-physical [gpa, gpa+len) if one block holds it all. */
bool ld_memmap_gpa_to_host(const struct ld_memmap *map, uint64_t gpa,
			   uint64_t len, uint64_t *host);

/* Same blocks (gpa, size, host, name) and the same left out: --freeze=none. */
bool ld_memmap_equal(const struct ld_memmap *a, const struct ld_memmap *b);

void ld_memmap_free(struct ld_memmap *map);

#endif /* QLD_MEMMAP_H */
