/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * notesink.h - where ELF notes go: the CPU model builds the notes' bytes,
 * a container (the ELF writer, the kdump header) takes them.
 */
#ifndef QLD_NOTESINK_H
#define QLD_NOTESINK_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct ld_note_sink {
	/* One note: name, type, desc in the target's byte order. */
	struct ld_error *(*add)(void *ctx, const char *name, uint32_t type,
				const void *desc, size_t descsz);
	void *ctx;
};

#endif /* QLD_NOTESINK_H */
