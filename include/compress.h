/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * compress.h - one page at a time through zlib, LZO, snappy or zstd, the
 * way QEMU's dump.c (and makedumpfile for zstd) calls them.
 *
 * A compressor holds one thread's state (zlib stream, LZO work memory, zstd
 * context) so that pages are compressed without an allocation each; it is
 * used by one thread at a time.  Output must be byte-for-byte what QEMU's
 * calls produce: zlib compress2(Z_BEST_SPEED), lzo1x_1_compress,
 * snappy_compress.
 */
#ifndef QLD_COMPRESS_H
#define QLD_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum ld_kdump_compress {
	LD_KDUMP_ZLIB,
	LD_KDUMP_LZO,
	LD_KDUMP_SNAPPY,
	LD_KDUMP_ZSTD,
};

/* makedumpfile's DUMP_DH_COMPRESSED_* flags (diskdump_mod.h). */
#define LD_DUMP_DH_COMPRESSED_ZLIB	0x1u
#define LD_DUMP_DH_COMPRESSED_LZO	0x2u
#define LD_DUMP_DH_COMPRESSED_SNAPPY	0x4u
#define LD_DUMP_DH_COMPRESSED_ZSTD	0x20u

/* zstd level: makedumpfile readers accept any; 1 is the fastest regular one. */
#define LD_ZSTD_LEVEL 1

struct ld_compressor;

/* True for a known method; name is "zlib", "lzo", "snappy" or "zstd". */
bool ld_compress_valid(enum ld_kdump_compress c);
const char *ld_compress_name(enum ld_kdump_compress c);
uint32_t ld_compress_flag(enum ld_kdump_compress c);

/* Output capacity ld_compress_page needs for len input bytes. */
size_t ld_compress_bound(enum ld_kdump_compress c, size_t len);

struct ld_error *ld_compressor_new(enum ld_kdump_compress c,
				   struct ld_compressor **out);
void ld_compressor_free(struct ld_compressor *z);

/*
 * Compress in[0..len) into out (capacity ld_compress_bound(len)).  False if
 * the library failed: the caller then stores the page uncompressed, as QEMU
 * does.
 */
bool ld_compress_page(struct ld_compressor *z, const void *in, size_t len,
		      void *out, size_t *out_len);

#endif /* QLD_COMPRESS_H */
