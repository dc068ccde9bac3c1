// SPDX-License-Identifier: GPL-2.0-or-later
/* compress.c - per-page compression for the kdump writer; see compress.h. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <lzo/lzo1x.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "compress.h"

struct ld_compressor {
	enum ld_kdump_compress kind;
	z_stream zs;
	bool zs_live;
	void *lzo_wrk;
	ZSTD_CCtx *zctx;
};

bool ld_compress_valid(enum ld_kdump_compress c)
{
	return c == LD_KDUMP_ZLIB || c == LD_KDUMP_LZO || c == LD_KDUMP_SNAPPY ||
	       c == LD_KDUMP_ZSTD;
}

const char *ld_compress_name(enum ld_kdump_compress c)
{
	switch (c) {
	case LD_KDUMP_ZLIB: return "zlib";
	case LD_KDUMP_LZO: return "lzo";
	case LD_KDUMP_SNAPPY: return "snappy";
	case LD_KDUMP_ZSTD: return "zstd";
	}
	return "?";
}

uint32_t ld_compress_flag(enum ld_kdump_compress c)
{
	switch (c) {
	case LD_KDUMP_ZLIB: return LD_DUMP_DH_COMPRESSED_ZLIB;
	case LD_KDUMP_LZO: return LD_DUMP_DH_COMPRESSED_LZO;
	case LD_KDUMP_SNAPPY: return LD_DUMP_DH_COMPRESSED_SNAPPY;
	case LD_KDUMP_ZSTD: return LD_DUMP_DH_COMPRESSED_ZSTD;
	}
	return 0;
}

size_t ld_compress_bound(enum ld_kdump_compress c, size_t len)
{
	switch (c) {
	case LD_KDUMP_ZLIB: return compressBound(len);
	/* The LZO FAQ's worst case, as QEMU sizes it. */
	case LD_KDUMP_LZO: return len + len / 16 + 64 + 3;
	case LD_KDUMP_SNAPPY: return snappy_max_compressed_length(len);
	case LD_KDUMP_ZSTD: return ZSTD_compressBound(len);
	}
	return 0;
}

static int lzo_status = LZO_E_ERROR;
static pthread_once_t lzo_once = PTHREAD_ONCE_INIT;

static void lzo_init_once(void)
{
	lzo_status = lzo_init();
}

struct ld_error *ld_compressor_new(enum ld_kdump_compress c,
				   struct ld_compressor **out)
{
	struct ld_compressor *z;

	*out = NULL;
	if (!ld_compress_valid(c))
		return ld_error(LD_EXIT_FAILURE, "unknown compression %d", (int)c);
	z = calloc(1, sizeof(*z));
	if (!z)
		return &ld_error_nomem;
	z->kind = c;
	switch (c) {
	case LD_KDUMP_ZLIB:
		/*
		 * compress2() is deflateInit(level) + one deflate(Z_FINISH) +
		 * deflateEnd(); deflateReset between pages gives the same bytes
		 * without the allocations.
		 */
		if (deflateInit(&z->zs, Z_BEST_SPEED) != Z_OK) {
			free(z);
			return ld_error(LD_EXIT_FAILURE, "zlib: deflateInit failed");
		}
		z->zs_live = true;
		break;
	case LD_KDUMP_LZO:
		pthread_once(&lzo_once, lzo_init_once);
		if (lzo_status != LZO_E_OK) {
			free(z);
			return ld_error(LD_EXIT_FAILURE, "lzo_init failed (%d)",
					lzo_status);
		}
		z->lzo_wrk = malloc(LZO1X_1_MEM_COMPRESS);
		if (!z->lzo_wrk) {
			free(z);
			return &ld_error_nomem;
		}
		break;
	case LD_KDUMP_SNAPPY:
		break;
	case LD_KDUMP_ZSTD:
		z->zctx = ZSTD_createCCtx();
		if (!z->zctx) {
			free(z);
			return &ld_error_nomem;
		}
		break;
	}
	*out = z;
	return NULL;
}

void ld_compressor_free(struct ld_compressor *z)
{
	if (!z)
		return;
	if (z->zs_live)
		deflateEnd(&z->zs);
	free(z->lzo_wrk);
	ZSTD_freeCCtx(z->zctx);
	free(z);
}

bool ld_compress_page(struct ld_compressor *z, const void *in, size_t len,
		      void *out, size_t *out_len)
{
	size_t cap = ld_compress_bound(z->kind, len);

	switch (z->kind) {
	case LD_KDUMP_ZLIB:
		if (deflateReset(&z->zs) != Z_OK)
			return false;
		z->zs.next_in = (Bytef *)in;
		z->zs.avail_in = (uInt)len;
		z->zs.next_out = out;
		z->zs.avail_out = (uInt)cap;
		if (deflate(&z->zs, Z_FINISH) != Z_STREAM_END)
			return false;
		*out_len = z->zs.total_out;
		return true;
	case LD_KDUMP_LZO: {
		lzo_uint n = cap;

		if (lzo1x_1_compress(in, len, out, &n, z->lzo_wrk) != LZO_E_OK)
			return false;
		*out_len = n;
		return true;
	}
	case LD_KDUMP_SNAPPY:
		*out_len = cap;
		return snappy_compress(in, len, out, out_len) == SNAPPY_OK;
	case LD_KDUMP_ZSTD: {
		size_t n = ZSTD_compressCCtx(z->zctx, out, cap, in, len,
					     LD_ZSTD_LEVEL);

		if (ZSTD_isError(n))
			return false;
		*out_len = n;
		return true;
	}
	}
	return false;
}
