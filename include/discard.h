/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * discard.h - sparse RAM regions: a MemoryRegion with a RamDiscardManager
 * (virtio-mem) has only some parts populated, and QEMU's dump writes only
 * those (ram_discard_manager_replay_populated).  This module reads the
 * manager's state while QEMU is frozen and replays its populated parts the
 * way QEMU's virtio-mem does.  Managers of other kinds (10.1's
 * RamBlockAttributes of confidential VMs) are named, not read.
 */
#ifndef QLD_DISCARD_H
#define QLD_DISCARD_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "layout.h"
#include "reader.h"

/* Bounds: the largest bitmap a sane virtio-mem device has (1 TiB in 4 KiB
   blocks, 16 TiB in 64 KiB ones). */
#define LD_DISCARD_MAX_BITS	(1u << 28)

struct ld_discard {
	uint64_t rdm;		/* the manager object in the target */
	char type[64];		/* its QOM type ("virtio-mem") */
	bool populated_known;	/* a virtio-mem whose bitmap was read */
	uint64_t block_size;
	uint64_t nbits;
	uint64_t *bitmap;	/* copied, host order (unsigned long words) */
};

/*
 * Read the manager at rdm.  Missing layout facts leave populated_known
 * false (type may still be known); corrupt values are errors.
 */
struct ld_error *ld_discard_read(const struct ld_layout *layout,
				 const struct ld_reader *rd, uint64_t rdm,
				 struct ld_discard *out);

typedef struct ld_error *(*ld_populated_fn)(void *ctx, uint64_t offset,
					    uint64_t size);

/*
 * Call fn for each populated piece of [offset, offset + size) of the
 * region (offsets within the region), in order, as QEMU's
 * virtio_mem_for_each_plugged_section() does.
 */
struct ld_error *ld_discard_for_each_populated(const struct ld_discard *d,
					       uint64_t offset, uint64_t size,
					       ld_populated_fn fn, void *ctx);

void ld_discard_free(struct ld_discard *d);

#endif /* QLD_DISCARD_H */
