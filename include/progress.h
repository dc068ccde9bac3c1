/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * progress.h - one progress line on a terminal while guest RAM is copied:
 * bytes, percent, rate and time left, redrawn a few times a second and
 * cleared at the end.  Nothing at all when the stream is not a terminal.
 */
#ifndef QLD_PROGRESS_H
#define QLD_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct ld_progress {
	int fd;			/* where the line goes (stderr) */
	bool on;		/* a terminal, and not -q */
	bool drawn;		/* a line is on screen */
	uint64_t t0_ns, last_ns;
};

/* on only when fd is a terminal and the caller wants it. */
void ld_progress_init(struct ld_progress *p, int fd, bool want);

/* done of total bytes; redraws at most every 200 ms (the first at once). */
void ld_progress_update(void *progress, uint64_t done, uint64_t total);

/* Erase the line, so what is printed next starts clean. */
void ld_progress_clear(struct ld_progress *p);

#endif /* QLD_PROGRESS_H */
