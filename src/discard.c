// SPDX-License-Identifier: GPL-2.0-or-later
/* discard.c - populated parts of sparse RAM regions; see discard.h. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discard.h"
#include "qom.h"

#define TYPE_VIRTIO_MEM "virtio-mem"

static bool have_all(const struct ld_layout *l, const enum ld_field *f,
		     size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!l->have[f[i]])
			return false;
	return true;
}

static struct ld_error *read_virtio_mem(const struct ld_layout *l,
					const struct ld_reader *rd,
					struct ld_discard *d)
{
	static const enum ld_field vmem[] = {
		LF_VMEM_BITMAP, LF_VMEM_BITMAP_SIZE, LF_VMEM_BLOCK_SIZE,
	};
	uint64_t bitmap, nbits, block_size, words;
	struct ld_error *err;

	if (!have_all(l, vmem, 3))
		return NULL;
	err = ld_read_member(l, rd, d->rdm, LF_VMEM_BITMAP, &bitmap);
	if (!err)
		err = ld_read_member(l, rd, d->rdm, LF_VMEM_BITMAP_SIZE, &nbits);
	if (!err)
		err = ld_read_member(l, rd, d->rdm, LF_VMEM_BLOCK_SIZE, &block_size);
	if (err)
		return err;
	/* bitmap_size is an int32_t. */
	if (l->size[LF_VMEM_BITMAP_SIZE] == 4)
		nbits = (uint64_t)(int64_t)(int32_t)nbits;
	if (block_size < 4096 || (block_size & (block_size - 1)))
		return ld_error(LD_EXIT_MODEL,
				"virtio-mem at 0x%" PRIx64 ": block size 0x%" PRIx64
				" is not a power of two >= 4 KiB", d->rdm, block_size);
	if (nbits > LD_DISCARD_MAX_BITS || (nbits && !bitmap) ||
	    nbits > UINT64_MAX / block_size)
		return ld_error(LD_EXIT_MODEL,
				"virtio-mem at 0x%" PRIx64 ": implausible bitmap (%" PRIu64
				" bits at 0x%" PRIx64 ")", d->rdm, nbits, bitmap);
	words = (nbits + 63) / 64;
	d->bitmap = calloc(words ? words : 1, sizeof(uint64_t));
	if (!d->bitmap)
		return &ld_error_nomem;
	if (words) {
		err = rd->read(rd->ctx, bitmap, d->bitmap, words * 8);
		if (err)
			return ld_error_context(err, "reading the virtio-mem bitmap at 0x%"
						PRIx64, bitmap);
	}
	d->nbits = nbits;
	d->block_size = block_size;
	d->populated_known = true;
	return NULL;
}

struct ld_error *ld_discard_read(const struct ld_layout *layout,
				 const struct ld_reader *rd, uint64_t rdm,
				 struct ld_discard *out)
{
	struct ld_error *err;

	memset(out, 0, sizeof(*out));
	out->rdm = rdm;
	err = ld_qom_type_name(layout, rd, rdm, out->type, sizeof(out->type));
	if (!err && !strcmp(out->type, TYPE_VIRTIO_MEM))
		err = read_virtio_mem(layout, rd, out);
	if (err) {
		ld_discard_free(out);
		return ld_error_context(err, "RamDiscardManager at 0x%" PRIx64, rdm);
	}
	return NULL;
}

static bool test_bit(const struct ld_discard *d, uint64_t bit)
{
	return (d->bitmap[bit / 64] >> (bit % 64)) & 1;
}

/*
 * find_next_bit / find_next_zero_bit of QEMU's bitops, bounded by nbits;
 * whole words at a time where they cannot hold the answer (this runs with
 * the VM frozen).
 */
static uint64_t next_bit(const struct ld_discard *d, uint64_t from, bool set)
{
	const uint64_t skip = set ? 0 : UINT64_MAX;

	while (from < d->nbits) {
		if (from % 64 == 0 && d->bitmap[from / 64] == skip) {
			from += 64;
			continue;
		}
		if (test_bit(d, from) == set)
			return from;
		from++;
	}
	return d->nbits;
}

struct ld_error *ld_discard_for_each_populated(const struct ld_discard *d,
					       uint64_t offset, uint64_t size,
					       ld_populated_fn fn, void *ctx)
{
	uint64_t first, last, end;

	if (!d->populated_known || __builtin_add_overflow(offset, size, &end))
		return ld_error(LD_EXIT_MODEL, "populated parts of 0x%" PRIx64
				" unknown", d->rdm);
	first = next_bit(d, offset / d->block_size, true);
	while (first < d->nbits) {
		uint64_t run_start = first * d->block_size, run_end, s, e;
		struct ld_error *err;

		last = next_bit(d, first + 1, false) - 1;
		run_end = (last + 1) * d->block_size;
		/* Intersect with the range; the first miss ends it, as in QEMU. */
		s = run_start > offset ? run_start : offset;
		e = run_end < end ? run_end : end;
		if (e <= s)
			break;
		err = fn(ctx, s, e - s);
		if (err)
			return err;
		first = next_bit(d, last + 2, true);
	}
	return NULL;
}

void ld_discard_free(struct ld_discard *d)
{
	free(d->bitmap);
	d->bitmap = NULL;
	d->populated_known = false;
}
