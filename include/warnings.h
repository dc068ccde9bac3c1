/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * warnings.h - the one place a run's warnings go.
 *
 * Modules are handed a sink and add to it; main gives every warning to the
 * summary and the report.  A sink may be NULL (tests, --list): the warning
 * is then dropped on purpose.  Past LD_WARNINGS_MAX the texts are not kept
 * but counted, and the count is said ("N more warnings"): nothing is lost
 * silently, and a hostile QEMU cannot make us allocate without bound.
 */
#ifndef QLD_WARNINGS_H
#define QLD_WARNINGS_H

#define LD_WARNINGS_MAX 256

struct ld_warnings {
	char **text;
	unsigned int count, cap;
	unsigned int dropped;	/* beyond LD_WARNINGS_MAX, or out of memory */
};

void ld_warn(struct ld_warnings *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Move every warning of src to the end of dst (src is left empty). */
void ld_warnings_move(struct ld_warnings *dst, struct ld_warnings *src);

void ld_warnings_free(struct ld_warnings *w);

#endif /* QLD_WARNINGS_H */
