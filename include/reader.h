/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reader.h - how modules read the target's memory: through a callback, so
 * the same walk runs against a live QEMU or against a buffer in a test.
 */
#ifndef QLD_READER_H
#define QLD_READER_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Reads target memory; returns an error naming addr on any failure. */
struct ld_reader {
	struct ld_error *(*read)(void *ctx, uint64_t addr, void *buf,
				 size_t len);
	void *ctx;
};

/*
 * Read a NUL-terminated string of at most max-1 chars into out (always
 * terminated, made printable: it is a label from an untrusted process).
 */
struct ld_error *ld_read_cstring(const struct ld_reader *rd, uint64_t addr,
				 char *out, size_t max);

#endif /* QLD_READER_H */
