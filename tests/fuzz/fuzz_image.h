/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_image.h - the fuzzers' view of a target: the input is QEMU's memory.
 *
 * An image is "QLDIMG1\0", LS_COUNT little-endian u64 symbol addresses,
 * then records (u64 address, u32 length, the bytes) up to the end.  A read
 * is served from the one record that holds all of it, else it faults, as
 * process_vm_readv on an unmapped address does.  Seeds are recorded from
 * a live fake QEMU (fuzz_seed.c), so every pointer in them leads where it
 * did, and the fuzzer starts deep in the walks.  The layouts are the fake
 * QEMU's, from the profile named by $QLD_FUZZ_PROFILE (tests/fuzz/run).
 */
#ifndef QLD_FUZZ_IMAGE_H
#define QLD_FUZZ_IMAGE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "layout.h"
#include "profile.h"
#include "reader.h"

#define FUZZ_MAGIC "QLDIMG1"
#define FUZZ_MAX_RECORDS 4096

struct fuzz_record {
	uint64_t addr;
	const uint8_t *bytes;
	uint32_t len;
};

struct fuzz_image {
	uint64_t symbol[LS_COUNT];
	struct fuzz_record rec[FUZZ_MAX_RECORDS];
	unsigned int nrec;
};

static uint64_t fuzz_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* False when data is not an image at all. */
static int fuzz_image_parse(struct fuzz_image *im, const uint8_t *data,
			    size_t size)
{
	size_t off = 8 + 8 * LS_COUNT;

	im->nrec = 0;
	if (size < off || memcmp(data, FUZZ_MAGIC, 8))
		return 0;
	for (int s = 0; s < LS_COUNT; s++)
		im->symbol[s] = fuzz_le64(data + 8 + 8 * s);
	while (off + 12 <= size && im->nrec < FUZZ_MAX_RECORDS) {
		struct fuzz_record *r = &im->rec[im->nrec++];
		uint32_t len = (uint32_t)data[off + 8] | (uint32_t)data[off + 9] << 8 |
			       (uint32_t)data[off + 10] << 16 |
			       (uint32_t)data[off + 11] << 24;

		r->addr = fuzz_le64(data + off);
		off += 12;
		if (len > size - off)
			len = (uint32_t)(size - off);
		r->bytes = data + off;
		r->len = len;
		off += len;
	}
	return 1;
}

static struct ld_error *fuzz_read(void *ctx, uint64_t addr, void *buf,
				  size_t len)
{
	const struct fuzz_image *im = ctx;

	/* The walks must bound their reads: a gigabyte is a finding. */
	if (len > (64u << 20))
		abort();
	for (unsigned int i = 0; i < im->nrec; i++) {
		const struct fuzz_record *r = &im->rec[i];

		if (addr >= r->addr && addr - r->addr <= r->len &&
		    len <= r->len - (addr - r->addr)) {
			memcpy(buf, r->bytes + (addr - r->addr), len);
			return NULL;
		}
	}
	return ld_error(LD_EXIT_MODEL,
			"reading QEMU structures at 0x%llx (%zu bytes): Bad address",
			(unsigned long long)addr, len);
}

/* The fake QEMU's layouts, once; the symbols come from each image. */
static struct ld_layout fuzz_fields;

static void fuzz_load_layout(void)
{
	static struct ld_profile p;
	const char *path = getenv("QLD_FUZZ_PROFILE");
	struct ld_error *err;

	if (!path) {
		fprintf(stderr, "QLD_FUZZ_PROFILE is not set (tests/fuzz/run sets it)\n");
		exit(2);
	}
	err = ld_profile_read(path, &p);
	if (err) {
		fprintf(stderr, "%s: %s\n", path, err->message);
		exit(2);
	}
	fuzz_fields = p.layout;
}

/* The layout for one image: its symbol addresses. */
static void fuzz_layout_for(const struct fuzz_image *im, struct ld_layout *l)
{
	*l = fuzz_fields;
	for (int s = 0; s < LS_COUNT; s++) {
		l->symbol[s] = im->symbol[s];
		l->have_symbol[s] = im->symbol[s] != 0;
		l->symbol_name[s] = "fuzz";
	}
}

#ifndef FUZZ_NO_INIT
/* libFuzzer's hook: the harnesses that read images need the layouts. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_load_layout();
	return 0;
}
#endif

#endif /* QLD_FUZZ_IMAGE_H */
