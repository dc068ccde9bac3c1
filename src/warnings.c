// SPDX-License-Identifier: GPL-2.0-or-later
/* warnings.c - the run's warnings; see warnings.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "warnings.h"

static void add(struct ld_warnings *w, char *msg)
{
	if (w->count == LD_WARNINGS_MAX) {
		free(msg);
		w->dropped++;
		return;
	}
	if (w->count == w->cap) {
		unsigned int ncap = w->cap ? 2 * w->cap : 8;
		char **n = realloc(w->text, ncap * sizeof(*n));

		if (!n) {
			free(msg);
			w->dropped++;
			return;
		}
		w->text = n;
		w->cap = ncap;
	}
	w->text[w->count++] = msg;
}

void ld_warn(struct ld_warnings *w, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	if (!w)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg) {
		w->dropped++;
		return;
	}
	add(w, msg);
}

void ld_warnings_move(struct ld_warnings *dst, struct ld_warnings *src)
{
	for (unsigned int i = 0; i < src->count; i++)
		add(dst, src->text[i]);
	dst->dropped += src->dropped;
	free(src->text);
	src->text = NULL;
	src->count = src->cap = src->dropped = 0;
}

void ld_warnings_free(struct ld_warnings *w)
{
	for (unsigned int i = 0; i < w->count; i++)
		free(w->text[i]);
	free(w->text);
	w->text = NULL;
	w->count = w->cap = w->dropped = 0;
}
