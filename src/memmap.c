// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memmap.c - the QEMU memory model: walk address_space_memory's FlatView and
 * build the guest RAM block list that QEMU's dump-guest-memory (paging=false)
 * would write (softmmu/memory_mapping.c: guest_phys_block_add_section).
 *
 * Rules carried over from QEMU:
 *   - only RAM regions count; ram_device (VFIO BARs...) and nonvolatile
 *     (NVDIMM...) regions are left out;
 *   - the host address is the RAMBlock's host pointer plus the offset
 *     accumulated along the alias chain plus offset_in_region;
 *   - a range joins its predecessor only when contiguous in guest-physical
 *     and host-virtual space and backed by the same MemoryRegion.
 * Regions managed by a RamDiscardManager (virtio-mem) contribute only their
 * populated parts, as QEMU's dump does (discard.c reads which); reading the
 * rest would allocate memory in the VM.  A manager of a kind we cannot read,
 * and RAMBlocks backed by guest_memfd (private memory of a confidential VM,
 * not readable through the host mapping), are left out and listed.
 *
 * Everything read is untrusted: counts and chains are bounded, the ranges
 * must be sorted and disjoint, and each RAMBlock must point back at its
 * MemoryRegion and be large enough for the range that uses it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discard.h"
#include "memmap.h"

#define MAX_STRUCT_BYTES	65536u	/* no QEMU struct we read is larger */
#define MAX_MR_CACHE		1024u	/* distinct MemoryRegions remembered */
#define MAX_DISCARD		64u	/* distinct RamDiscardManagers */

struct region {
	uint64_t addr;
	bool ram, ram_device, nonvolatile;
	uint64_t ram_block, alias, alias_offset, name, rdm;
};

struct walk {
	const struct ld_layout *layout;
	const struct ld_reader *rd;
	struct region *regions;		/* cache: one read per MemoryRegion */
	size_t nregions;
	unsigned char *buf;		/* scratch for one struct */
	struct ld_memmap *map;
	size_t cap;
	struct ld_discard discards[MAX_DISCARD];	/* read once each */
	size_t ndiscards;
	uint64_t prev_mr;		/* MemoryRegion of the last block */
};

static struct ld_error *rd_read(const struct ld_reader *rd, uint64_t addr,
				void *buf, size_t len)
{
	return rd->read(rd->ctx, addr, buf, len);
}

/* Size of a struct as DWARF tells it, bounded. */
static struct ld_error *struct_size(const struct ld_layout *layout,
				    enum ld_field sizeof_field, size_t *size)
{
	uint64_t s = layout->size[sizeof_field];

	if (!layout->have[sizeof_field] || s == 0 || s > MAX_STRUCT_BYTES)
		return ld_error(LD_EXIT_DEBUGINFO, "implausible %s = %" PRIu64,
				ld_field_descs[sizeof_field].key, s);
	*size = s;
	return NULL;
}

static struct ld_error *get_field(const struct ld_layout *layout,
				  enum ld_field f, const void *buf, size_t len,
				  uint64_t *value)
{
	if (!ld_layout_get(layout, f, buf, len, value))
		return ld_error(LD_EXIT_DEBUGINFO,
				"layout of %s (offset %" PRIu64 ", size %" PRIu64
				") does not fit its struct", ld_field_descs[f].key,
				layout->offset[f], layout->size[f]);
	return NULL;
}

/* Span of bytes covering all the given fields of one struct. */
static size_t fields_span(const struct ld_layout *layout,
			  const enum ld_field *fields, size_t n)
{
	size_t span = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t end;

		if (!layout->have[fields[i]])
			continue;
		end = layout->offset[fields[i]] + layout->size[fields[i]];
		if (end > span)
			span = end;
	}
	return span;
}

static struct ld_error *read_region(struct walk *w, uint64_t addr,
				    const struct region **out)
{
	const struct ld_layout *l = w->layout;
	struct region r = { .addr = addr };
	uint64_t v;
	size_t size = 0;
	struct ld_error *err;

	for (size_t i = 0; i < w->nregions; i++) {
		if (w->regions[i].addr == addr) {
			*out = &w->regions[i];
			return NULL;
		}
	}
	if (w->nregions == MAX_MR_CACHE)
		return ld_error(LD_EXIT_MODEL,
				"more than %u distinct MemoryRegions in the flat view",
				MAX_MR_CACHE);
	err = struct_size(l, LF_MR_SIZEOF, &size);
	if (!err)
		err = rd_read(w->rd, addr, w->buf, size);
	if (err)
		return ld_error_context(err, "reading MemoryRegion at 0x%" PRIx64,
					addr);

#define MR_GET(field, dst)						\
	do {								\
		err = get_field(l, field, w->buf, size, &v);		\
		if (err)						\
			return err;					\
		dst = v;						\
	} while (0)
	MR_GET(LF_MR_RAM, r.ram);
	MR_GET(LF_MR_RAM_DEVICE, r.ram_device);
	MR_GET(LF_MR_NONVOLATILE, r.nonvolatile);
	MR_GET(LF_MR_RAM_BLOCK, r.ram_block);
	MR_GET(LF_MR_ALIAS, r.alias);
	MR_GET(LF_MR_ALIAS_OFFSET, r.alias_offset);
	MR_GET(LF_MR_NAME, r.name);
#undef MR_GET
	if (l->have[LF_MR_RDM]) {
		err = get_field(l, LF_MR_RDM, w->buf, size, &v);
		if (err)
			return err;
		r.rdm = v;
	}
	w->regions[w->nregions] = r;
	*out = &w->regions[w->nregions++];
	return NULL;
}

/*
 * Follow the alias chain from mr to the region that owns the RAM.  Adds
 * every alias_offset to *offset.  Any region on the way that is device RAM
 * makes the whole range device RAM (never read it).
 */
static struct ld_error *resolve_alias(struct walk *w, const struct region *mr,
				      uint64_t *offset,
				      const struct region **target,
				      bool *device)
{
	uint64_t seen[LD_MAX_ALIAS_DEPTH + 1];
	unsigned int depth = 0;
	struct ld_error *err;

	*device = mr->ram_device;
	seen[depth++] = mr->addr;
	while (mr->alias) {
		if (depth > LD_MAX_ALIAS_DEPTH)
			return ld_error(LD_EXIT_MODEL,
					"alias chain from MemoryRegion 0x%" PRIx64
					" is deeper than %u", seen[0],
					LD_MAX_ALIAS_DEPTH);
		for (unsigned int i = 0; i < depth; i++)
			if (seen[i] == mr->alias)
				return ld_error(LD_EXIT_MODEL,
						"alias chain from MemoryRegion 0x%"
						PRIx64 " loops back to 0x%" PRIx64,
						seen[0], mr->alias);
		if (__builtin_add_overflow(*offset, mr->alias_offset, offset))
			return ld_error(LD_EXIT_MODEL,
					"alias offset overflows at MemoryRegion 0x%"
					PRIx64, mr->addr);
		err = read_region(w, mr->alias, &mr);
		if (err)
			return err;
		seen[depth++] = mr->addr;
		*device |= mr->ram_device;
	}
	*target = mr;
	return NULL;
}

/* Host address of [offset, offset+len) inside the RAMBlock of region rb_mr. */
static struct ld_error *ramblock_host(struct walk *w, const struct region *mr,
				      uint64_t offset, uint64_t len,
				      uint64_t *host, bool *private,
				      char *idstr, size_t idlen)
{
	const struct ld_layout *l = w->layout;
	static const enum ld_field rb_fields[] = {
		LF_RB_MR, LF_RB_HOST, LF_RB_USED_LENGTH, LF_RB_GUEST_MEMFD,
		LF_RB_IDSTR,
	};
	uint64_t rb_mr, rb_host, used, end, memfd;
	size_t span = fields_span(l, rb_fields, 5);
	struct ld_error *err;

	if (!mr->ram_block)
		return ld_error(LD_EXIT_MODEL,
				"RAM MemoryRegion 0x%" PRIx64 " has no RAMBlock",
				mr->addr);
	if (span == 0 || span > MAX_STRUCT_BYTES)
		return ld_error(LD_EXIT_DEBUGINFO, "implausible RAMBlock layout");
	err = rd_read(w->rd, mr->ram_block, w->buf, span);
	if (!err)
		err = get_field(l, LF_RB_MR, w->buf, span, &rb_mr);
	if (!err)
		err = get_field(l, LF_RB_HOST, w->buf, span, &rb_host);
	if (!err)
		err = get_field(l, LF_RB_USED_LENGTH, w->buf, span, &used);
	*private = false;
	if (!err && l->have[LF_RB_GUEST_MEMFD]) {
		/* An int, -1 when the block has no private memory (9.0+). */
		err = get_field(l, LF_RB_GUEST_MEMFD, w->buf, span, &memfd);
		*private = !err && (l->size[LF_RB_GUEST_MEMFD] == 4 ?
				    (int32_t)memfd >= 0 : (int64_t)memfd >= 0);
	}
	if (err)
		return ld_error_context(err, "reading RAMBlock at 0x%" PRIx64,
					mr->ram_block);
	/* Only a label for the report: copied bounded, made printable. */
	idstr[0] = '\0';
	if (l->size[LF_RB_IDSTR] && l->offset[LF_RB_IDSTR] < span) {
		size_t n = l->size[LF_RB_IDSTR] < idlen ? l->size[LF_RB_IDSTR] :
			   idlen - 1;

		memcpy(idstr, w->buf + l->offset[LF_RB_IDSTR], n);
		idstr[n] = '\0';
		ld_make_printable(idstr);
	}
	if (rb_mr != mr->addr)
		return ld_error(LD_EXIT_MODEL,
				"RAMBlock at 0x%" PRIx64 " points back to MemoryRegion 0x%"
				PRIx64 ", not 0x%" PRIx64, mr->ram_block, rb_mr,
				mr->addr);
	if (!rb_host)
		return ld_error(LD_EXIT_MODEL,
				"RAMBlock at 0x%" PRIx64 " has no host memory",
				mr->ram_block);
	if (__builtin_add_overflow(offset, len, &end) || end > used)
		return ld_error(LD_EXIT_MODEL,
				"range [0x%" PRIx64 ", +0x%" PRIx64 ") lies outside RAMBlock at 0x%"
				PRIx64 " (used_length 0x%" PRIx64 ")",
				offset, len, mr->ram_block, used);
	if (__builtin_add_overflow(rb_host, offset, host) ||
	    __builtin_add_overflow(*host, len, &end))
		return ld_error(LD_EXIT_MODEL,
				"host address of RAMBlock 0x%" PRIx64 " overflows",
				mr->ram_block);
	return NULL;
}

/* The MemoryRegion's name, or where it is. */
static void region_name(struct walk *w, const struct region *mr, char *out,
			size_t len)
{
	struct ld_error *err = NULL;

	out[0] = '\0';
	if (mr->name)
		err = ld_read_cstring(w->rd, mr->name, out, len);
	if (err || !out[0])
		snprintf(out, len, "mr@0x%" PRIx64, mr->addr);
	ld_error_free(err);
}

static struct ld_error *add_block(struct walk *w, uint64_t gpa, uint64_t size,
				  uint64_t host, const struct region *mr,
				  const char *ramblock)
{
	struct ld_memmap *map = w->map;
	struct ld_block *b;

	if (map->count) {
		struct ld_block *prev = &map->blocks[map->count - 1];

		if (prev->gpa + prev->size == gpa &&
		    prev->host + prev->size == host && w->prev_mr == mr->addr) {
			prev->size += size;
			map->total_bytes += size;
			return NULL;
		}
	}
	if (map->count == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		struct ld_block *nb = realloc(map->blocks, cap * sizeof(*nb));

		if (!nb)
			return &ld_error_nomem;
		map->blocks = nb;
		w->cap = cap;
	}
	b = &map->blocks[map->count++];
	memset(b, 0, sizeof(*b));
	b->gpa = gpa;
	b->size = size;
	b->host = host;
	region_name(w, mr, b->name, sizeof(b->name));
	snprintf(b->ramblock, sizeof(b->ramblock), "%s", ramblock);
	map->total_bytes += size;
	w->prev_mr = mr->addr;
	return NULL;
}

static void skip_ram(struct walk *w, const struct region *mr, uint64_t gpa,
		     uint64_t size, const char *why)
{
	struct ld_memmap *map = w->map;

	if (map->nskipped < LD_MAX_SKIPPED) {
		struct ld_skipped *s = &map->skipped[map->nskipped];

		s->gpa = gpa;
		s->size = size;
		s->why = why;
		region_name(w, mr, s->name, sizeof(s->name));
	}
	map->nskipped++;
}

/* guest-physical [gpa, +size) of region mr at offset off in it. */
static struct ld_error *add_ram_range(struct walk *w, const struct region *mr,
				      uint64_t gpa, uint64_t size, uint64_t off)
{
	const struct region *target = NULL;
	char idstr[LD_BLOCK_NAME_MAX];
	uint64_t host = 0;
	bool device, private = false;
	struct ld_error *err;

	err = resolve_alias(w, mr, &off, &target, &device);
	if (err)
		return err;
	if (device || !target->ram) {
		w->map->skipped_ram_device += device;
		return NULL;
	}
	if (size == 0)
		return NULL;
	err = ramblock_host(w, target, off, size, &host, &private, idstr,
			    sizeof(idstr));
	if (err)
		return err;
	if (private) {
		skip_ram(w, mr, gpa, size,
			 "guest_memfd: private memory of a confidential VM, not readable by the host");
		return NULL;
	}
	return add_block(w, gpa, size, host, mr, idstr);
}

static struct ld_error *find_discard(struct walk *w, uint64_t rdm,
				     const struct ld_discard **out)
{
	struct ld_error *err;

	for (size_t i = 0; i < w->ndiscards; i++) {
		if (w->discards[i].rdm == rdm) {
			*out = &w->discards[i];
			return NULL;
		}
	}
	if (w->ndiscards == MAX_DISCARD)
		return ld_error(LD_EXIT_MODEL,
				"more than %u RamDiscardManagers", MAX_DISCARD);
	err = ld_discard_read(w->layout, w->rd, rdm, &w->discards[w->ndiscards]);
	if (err)
		return err;
	*out = &w->discards[w->ndiscards++];
	return NULL;
}

struct populated_ctx {
	struct walk *w;
	const struct region *mr;
	uint64_t gpa, off;	/* the FlatRange's start, in both spaces */
};

static struct ld_error *add_populated(void *ctx, uint64_t off, uint64_t size)
{
	struct populated_ctx *pc = ctx;

	return add_ram_range(pc->w, pc->mr, pc->gpa + (off - pc->off), size,
			     off);
}

/* A sparse region: only what its RamDiscardManager says is populated. */
static struct ld_error *add_discard_managed(struct walk *w,
					    const struct region *mr,
					    uint64_t gpa, uint64_t size,
					    uint64_t off)
{
	struct populated_ctx pc = { w, mr, gpa, off };
	const struct ld_discard *d = NULL;
	struct ld_error *err;

	err = find_discard(w, mr->rdm, &d);
	if (err)
		return err;
	if (!d->populated_known) {
		skip_ram(w, mr, gpa, size, !strcmp(d->type, "?") ?
			 "RamDiscardManager of unknown type: populated parts unknown" :
			 "RamDiscardManager that is not virtio-mem: populated parts unknown");
		return NULL;
	}
	w->map->discard_managed++;
	return ld_discard_for_each_populated(d, off, size, add_populated, &pc);
}

static struct ld_error *check_address_space(struct walk *w, uint64_t as_addr,
					    uint64_t *view)
{
	static const enum ld_field as_fields[] = { LF_AS_NAME, LF_AS_CURRENT_MAP };
	const struct ld_layout *l = w->layout;
	size_t span = fields_span(l, as_fields, 2);
	uint64_t name_ptr;
	char name[16];
	struct ld_error *err;

	if (span == 0 || span > MAX_STRUCT_BYTES)
		return ld_error(LD_EXIT_DEBUGINFO, "implausible AddressSpace layout");
	err = rd_read(w->rd, as_addr, w->buf, span);
	if (!err)
		err = get_field(l, LF_AS_NAME, w->buf, span, &name_ptr);
	if (!err)
		err = get_field(l, LF_AS_CURRENT_MAP, w->buf, span, view);
	if (err)
		return err;
	if (!name_ptr)
		return ld_error(LD_EXIT_MODEL, "AddressSpace has no name");
	err = ld_read_cstring(w->rd, name_ptr, name, sizeof(name));
	if (err)
		return ld_error_context(err, "reading the AddressSpace name");
	if (strcmp(name, "memory"))
		return ld_error(LD_EXIT_MODEL,
				"AddressSpace is named \"%s\", not \"memory\": wrong symbol or layout",
				name);
	if (!*view)
		return ld_error(LD_EXIT_MODEL, "AddressSpace has no current_map (FlatView)");
	return NULL;
}

static struct ld_error *walk_ranges(struct walk *w, uint64_t view)
{
	static const enum ld_field fv_fields[] = { LF_FV_RANGES, LF_FV_NR };
	const struct ld_layout *l = w->layout;
	size_t span = fields_span(l, fv_fields, 2), frsize = 0;
	uint64_t ranges, nr, prev_end = 0;
	unsigned char *array = NULL;
	struct ld_error *err;

	err = struct_size(l, LF_FR_SIZEOF, &frsize);
	if (err)
		return err;
	if (span == 0 || span > MAX_STRUCT_BYTES)
		return ld_error(LD_EXIT_DEBUGINFO, "implausible FlatView layout");
	err = rd_read(w->rd, view, w->buf, span);
	if (!err)
		err = get_field(l, LF_FV_RANGES, w->buf, span, &ranges);
	if (!err)
		err = get_field(l, LF_FV_NR, w->buf, span, &nr);
	if (err)
		return ld_error_context(err, "reading FlatView at 0x%" PRIx64, view);
	if (nr > LD_MAX_FLAT_RANGES)
		return ld_error(LD_EXIT_MODEL,
				"FlatView at 0x%" PRIx64 " claims %" PRIu64
				" ranges (more than %u): corrupt", view, nr,
				LD_MAX_FLAT_RANGES);
	if (nr && !ranges)
		return ld_error(LD_EXIT_MODEL,
				"FlatView at 0x%" PRIx64 " has %" PRIu64
				" ranges but no array", view, nr);
	if (!nr)
		return NULL;

	/* One read for the whole array keeps the freeze short. */
	array = malloc(nr * frsize);
	if (!array)
		return &ld_error_nomem;
	err = rd_read(w->rd, ranges, array, nr * frsize);
	if (err) {
		free(array);
		return ld_error_context(err, "reading %" PRIu64
					" FlatRanges at 0x%" PRIx64, nr, ranges);
	}
	for (uint64_t i = 0; i < nr && !err; i++) {
		const unsigned char *fr = array + i * frsize;
		uint64_t mr_addr, off, start, size;
		bool start_fits, size_fits;
		const struct region *mr;
		unsigned __int128 end;

		err = get_field(l, LF_FR_MR, fr, frsize, &mr_addr);
		if (!err)
			err = get_field(l, LF_FR_OFFSET_IN_REGION, fr, frsize, &off);
		if (err)
			break;
		if (!ld_layout_get_int128(l, LF_FR_ADDR_START, fr, frsize,
					  &start, &start_fits) ||
		    !ld_layout_get_int128(l, LF_FR_ADDR_SIZE, fr, frsize,
					  &size, &size_fits)) {
			err = ld_error(LD_EXIT_DEBUGINFO,
				       "implausible Int128 layout in FlatRange");
			break;
		}
		/* A range may end exactly at 2^64 (size 2^64 only from 0). */
		end = (unsigned __int128)start + size +
		      (size_fits ? 0 : (unsigned __int128)1 << 64);
		if (!start_fits || end > (unsigned __int128)1 << 64 ||
		    (!size_fits && size != 0)) {
			err = ld_error(LD_EXIT_MODEL,
				       "FlatRange %" PRIu64 " has an impossible extent", i);
			break;
		}
		if (i && start < prev_end) {
			err = ld_error(LD_EXIT_MODEL,
				       "FlatRange %" PRIu64 " at 0x%" PRIx64
				       " overlaps or precedes the previous range (ending at 0x%"
				       PRIx64 "): ranges must be sorted and disjoint",
				       i, start, prev_end);
			break;
		}
		prev_end = end == (unsigned __int128)1 << 64 ? UINT64_MAX
							      : (uint64_t)end;
		if (!mr_addr) {
			err = ld_error(LD_EXIT_MODEL,
				       "FlatRange %" PRIu64 " has no MemoryRegion", i);
			break;
		}
		err = read_region(w, mr_addr, &mr);
		if (err || !mr->ram)
			continue;
		if (!size_fits) {
			err = ld_error(LD_EXIT_MODEL,
				       "RAM FlatRange %" PRIu64 " covers all of memory", i);
			break;
		}
		if (mr->nonvolatile) {
			w->map->skipped_nonvolatile++;
			continue;
		}
		if (mr->rdm)
			err = add_discard_managed(w, mr, start, size, off);
		else
			err = add_ram_range(w, mr, start, size, off);
		if (err)
			err = ld_error_context(err, "FlatRange %" PRIu64
					       " [0x%" PRIx64 ", +0x%" PRIx64 ")",
					       i, start, size);
	}
	free(array);
	return err;
}

struct ld_error *ld_memmap_read(const struct ld_layout *layout,
				uint64_t as_addr, const struct ld_reader *rd,
				struct ld_memmap *out)
{
	struct walk w = { .layout = layout, .rd = rd, .map = out };
	uint64_t view = 0;
	struct ld_error *err;

	memset(out, 0, sizeof(*out));
	w.buf = malloc(MAX_STRUCT_BYTES);
	w.regions = calloc(MAX_MR_CACHE, sizeof(*w.regions));
	if (!w.buf || !w.regions) {
		err = &ld_error_nomem;
		goto out;
	}
	err = check_address_space(&w, as_addr, &view);
	out->view = view;
	if (!err)
		err = walk_ranges(&w, view);
	if (err)
		err = ld_error_context(err, "address_space_memory at 0x%" PRIx64,
				       as_addr);
out:
	for (size_t i = 0; i < w.ndiscards; i++)
		ld_discard_free(&w.discards[i]);
	free(w.buf);
	free(w.regions);
	if (err)
		ld_memmap_free(out);
	return err;
}

bool ld_memmap_gpa_to_host(const struct ld_memmap *map, uint64_t gpa,
			   uint64_t len, uint64_t *host)
{
	for (size_t i = 0; i < map->count; i++) {
		const struct ld_block *b = &map->blocks[i];

		if (gpa >= b->gpa && gpa - b->gpa <= b->size &&
		    len <= b->size - (gpa - b->gpa)) {
			*host = b->host + (gpa - b->gpa);
			return true;
		}
	}
	return false;
}

struct ld_error *ld_memmap_read_guest(void *ctx, uint64_t gpa, void *buf,
				      size_t len)
{
	const struct ld_memmap_ram *ram = ctx;
	unsigned char *p = buf;

	while (len) {
		const struct ld_block *b = NULL;
		struct ld_error *err;
		size_t n;

		for (size_t i = 0; i < ram->map->count && !b; i++)
			if (gpa >= ram->map->blocks[i].gpa &&
			    gpa - ram->map->blocks[i].gpa < ram->map->blocks[i].size)
				b = &ram->map->blocks[i];
		if (!b)
			return ld_error(LD_EXIT_COPY,
					"gpa 0x%" PRIx64 " is not guest RAM", gpa);
		n = b->size - (gpa - b->gpa) < len ?
		    (size_t)(b->size - (gpa - b->gpa)) : len;
		err = ram->rd->read(ram->rd->ctx, b->host + (gpa - b->gpa), p, n);
		if (err)
			return err;
		p += n;
		gpa += n;
		len -= n;
	}
	return NULL;
}

bool ld_memmap_equal(const struct ld_memmap *a, const struct ld_memmap *b)
{
	if (a->view != b->view || a->count != b->count ||
	    a->nskipped != b->nskipped ||
	    a->skipped_ram_device != b->skipped_ram_device ||
	    a->skipped_nonvolatile != b->skipped_nonvolatile ||
	    a->discard_managed != b->discard_managed)
		return false;
	for (size_t i = 0; i < a->count; i++) {
		const struct ld_block *x = &a->blocks[i], *y = &b->blocks[i];

		if (x->gpa != y->gpa || x->size != y->size ||
		    x->host != y->host || strcmp(x->name, y->name))
			return false;
	}
	for (unsigned int i = 0; i < a->nskipped && i < LD_MAX_SKIPPED; i++)
		if (a->skipped[i].gpa != b->skipped[i].gpa ||
		    a->skipped[i].size != b->skipped[i].size)
			return false;
	return true;
}

void ld_memmap_free(struct ld_memmap *map)
{
	free(map->blocks);
	memset(map, 0, sizeof(*map));
}
