// SPDX-License-Identifier: GPL-2.0-or-later
/* progress.c - the progress line on a terminal; see progress.h. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"	/* ld_now_ns */
#include "progress.h"

#define REDRAW_NS (200ull * 1000 * 1000)
#define MiB (1024.0 * 1024.0)

void ld_progress_init(struct ld_progress *p, int fd, bool want)
{
	memset(p, 0, sizeof(*p));
	p->fd = fd;
	p->on = want && isatty(fd);
	p->t0_ns = ld_now_ns();
}

static void put(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(fd, s, len);

		if (n <= 0)
			return;		/* a progress line is not worth an error */
		s += n;
		len -= n;
	}
}

void ld_progress_update(void *progress, uint64_t done, uint64_t total)
{
	struct ld_progress *p = progress;
	uint64_t now = ld_now_ns();
	double secs, rate, pct;
	char line[160], eta[32];
	int n;

	if (!p->on || (p->drawn && now - p->last_ns < REDRAW_NS))
		return;
	p->last_ns = now;
	secs = (now - p->t0_ns) / 1e9;
	rate = secs > 0 ? done / MiB / secs : 0;
	pct = total ? 100.0 * done / total : 100.0;
	if (rate > 0 && total > done)
		snprintf(eta, sizeof(eta), "%.0f s left",
			 (total - done) / MiB / rate);
	else
		snprintf(eta, sizeof(eta), "ETA ?");
	/* \r and erase-to-end: the same line, however long the last was. */
	n = snprintf(line, sizeof(line),
		     "\r\033[Kqemu-livedump: %.0f/%.0f MiB (%.1f%%), %.0f MiB/s, %s",
		     done / MiB, total / MiB, pct, rate, eta);
	if (n > 0)
		put(p->fd, line, (size_t)n < sizeof(line) ? (size_t)n :
			       sizeof(line) - 1);
	p->drawn = true;
}

void ld_progress_clear(struct ld_progress *p)
{
	static const char erase[] = "\r\033[K";

	if (p->on && p->drawn)
		put(p->fd, erase, sizeof(erase) - 1);
	p->drawn = false;
}
