// SPDX-License-Identifier: GPL-2.0-or-later
/* error.c - error values with context; see error.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

struct ld_error ld_error_nomem = {
	.code = LD_EXIT_FAILURE,
	.errnum = ENOMEM,
	.message = "out of memory",
};

static struct ld_error *error_vnew(enum ld_exit code, int errnum,
				   const char *fmt, va_list ap)
{
	struct ld_error *err = calloc(1, sizeof(*err));
	char *msg = NULL;

	if (!err || vasprintf(&msg, fmt, ap) < 0) {
		free(err);
		return &ld_error_nomem;
	}
	if (errnum) {
		char *full = NULL;

		if (asprintf(&full, "%s: %s", msg, strerror(errnum)) < 0) {
			free(msg);
			free(err);
			return &ld_error_nomem;
		}
		free(msg);
		msg = full;
	}
	err->code = code;
	err->errnum = errnum;
	err->message = msg;
	return err;
}

struct ld_error *ld_error(enum ld_exit code, const char *fmt, ...)
{
	struct ld_error *err;
	va_list ap;

	va_start(ap, fmt);
	err = error_vnew(code, 0, fmt, ap);
	va_end(ap);
	return err;
}

struct ld_error *ld_error_errno(enum ld_exit code, int errnum,
				const char *fmt, ...)
{
	struct ld_error *err;
	va_list ap;

	va_start(ap, fmt);
	err = error_vnew(code, errnum, fmt, ap);
	va_end(ap);
	return err;
}

struct ld_error *ld_error_context(struct ld_error *err, const char *fmt, ...)
{
	char *ctx = NULL, *full = NULL;
	va_list ap;

	if (!err || err == &ld_error_nomem)
		return err;
	va_start(ap, fmt);
	if (vasprintf(&ctx, fmt, ap) < 0)
		ctx = NULL;
	va_end(ap);
	if (!ctx)
		return err;	/* keep the original message rather than none */
	if (asprintf(&full, "%s: %s", ctx, err->message) >= 0) {
		free(err->message);
		err->message = full;
	}
	free(ctx);
	return err;
}

void ld_error_free(struct ld_error *err)
{
	if (!err || err == &ld_error_nomem)
		return;
	free(err->message);
	free(err);
}

void ld_make_printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}
