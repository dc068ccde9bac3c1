// SPDX-License-Identifier: GPL-2.0-or-later
/* reader.c - reading the target through an ld_reader; see reader.h. */
#include <string.h>

#include "reader.h"

/*
 * Read a NUL-terminated string of at most max-1 chars.  Reads in pieces that
 * never cross a page boundary, so a short string at the end of a mapping
 * does not fail.
 */
struct ld_error *ld_read_cstring(const struct ld_reader *rd, uint64_t addr,
				 char *out, size_t max)
{
	size_t got = 0;

	while (got + 1 < max) {
		size_t to_page = 4096 - ((addr + got) & 4095);
		size_t n = max - 1 - got;
		struct ld_error *err;

		if (n > to_page)
			n = to_page;
		err = rd->read(rd->ctx, addr + got, out + got, n);
		if (err && n > 1) {
			/* Maybe the string ends just before a hole: go bytewise. */
			ld_error_free(err);
			n = 1;
			err = rd->read(rd->ctx, addr + got, out + got, n);
		}
		if (err)
			return err;
		if (memchr(out + got, '\0', n))
			break;
		got += n;
	}
	out[max - 1] = '\0';	/* truncated: good enough for a label */
	ld_make_printable(out);
	return NULL;
}

