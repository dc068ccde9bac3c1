// SPDX-License-Identifier: GPL-2.0-or-later
/* untouched.c - QEMU's never-touched guest RAM, from smaps and pagemap. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "untouched.h"

#define UNIT		4096u
#define MAX_VMAS	65536u	/* bound on what we keep of smaps */
#define PM_PRESENT	(1ull << 63)
#define PM_SWAPPED	(1ull << 62)

/* VmFlags that make not-present pages something else than zeros. */
static bool flags_disqualify(const char *line)
{
	static const char *const bad[] = { "um", "pf", "io", "mm" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ld_vmflags_has(line, bad[i]))
			return true;
	return false;
}

/* Parse one smaps header line; true if it is one. */
static bool smaps_header(const char *line, struct ld_vma *v, bool *ok)
{
	unsigned long long start, end, pgoff, inode;
	unsigned int maj, min;
	char perms[8];
	int n = 0;
	const char *path;

	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end,
		   perms, &pgoff, &maj, &min, &inode, &n) < 7 || !n)
		return false;
	path = line + n;
	v->start = start;
	v->end = end;
	/* readable, private, anonymous: no device, inode or file name */
	*ok = start < end && strlen(perms) == 4 && perms[0] == 'r' &&
	      perms[3] == 'p' && !maj && !min && !inode &&
	      (*path == '\n' || !*path || !strncmp(path, "[anon:", 6));
	return true;
}

void ld_untouched_close(struct ld_untouched *u)
{
	if (u->fd >= 0)
		close(u->fd);
	free(u->vmas);
	free(u->ent);
	memset(u, 0, sizeof(*u));
	u->fd = -1;
}

/*
 * Learn the qualifying mappings.  Never an error: without pagemap
 * (permissions, no /proc) everything is simply read.
 */
void ld_untouched_open(struct ld_untouched *u, pid_t pid, size_t batch)
{
	char path[64], *line = NULL;
	size_t linecap = 0, cap = 0;
	struct ld_vma cur = { 0, 0 };
	bool cur_ok = false, have = false;
	long pg = sysconf(_SC_PAGESIZE);
	FILE *f;

	memset(u, 0, sizeof(*u));
	u->fd = -1;
	if (pg < (long)UNIT || pg % UNIT)
		return;
	u->page = (uint64_t)pg;
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	for (;;) {
		ssize_t n = getline(&line, &linecap, f);
		struct ld_vma v = { 0, 0 };
		bool ok = false;

		if (n > 0 && !strncmp(line, "VmFlags:", 8)) {
			if (have && flags_disqualify(line))
				cur_ok = false;
			continue;
		}
		if (n > 0 && !smaps_header(line, &v, &ok))
			continue;
		/* a header or the end: settle the previous mapping */
		if (have && cur_ok) {
			if (u->nvmas == MAX_VMAS)
				break;
			if (u->nvmas == cap) {
				size_t nc = cap ? cap * 2 : 64;
				struct ld_vma *nv = realloc(u->vmas,
							 nc * sizeof(*nv));

				if (!nv)
					break;
				u->vmas = nv;
				cap = nc;
			}
			u->vmas[u->nvmas++] = cur;
		}
		if (n <= 0)
			break;
		cur = v;
		cur_ok = ok;
		have = true;
	}
	free(line);
	if (ferror(f) || !feof(f))
		u->nvmas = 0;	/* incomplete view: trust none of it */
	fclose(f);
	u->cap = batch / u->page + 2;
	u->ent = calloc(u->cap, sizeof(*u->ent));
	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	if (u->nvmas && u->ent)
		u->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (u->fd < 0)
		ld_untouched_close(u);
}

size_t ld_untouched_scan(struct ld_untouched *u, uint64_t host, size_t len,
			 unsigned char *skip, unsigned char mark)
{
	uint64_t end = host + len;
	size_t lo = 0, hi = u->nvmas, marked = 0;

	if (u->fd < 0 || !len)
		return 0;
	/* first mapping ending after host */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (u->vmas[mid].end <= host)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < u->nvmas && u->vmas[i].start < end; i++) {
		uint64_t a = u->vmas[i].start > host ? u->vmas[i].start : host;
		uint64_t b = u->vmas[i].end < end ? u->vmas[i].end : end;
		uint64_t first = a / u->page, last = (b - 1) / u->page;
		size_t n = (size_t)(last - first + 1);
		ssize_t r;

		if (a >= b || n > u->cap)
			continue;
		r = pread(u->fd, u->ent, n * sizeof(*u->ent),
			  (off_t)(first * sizeof(*u->ent)));
		if (r != (ssize_t)(n * sizeof(*u->ent)))
			continue;	/* no answer: read these pages */
		for (uint64_t x = a; x < b; x += UNIT) {
			uint64_t e = u->ent[x / u->page - first];

			if (!(e & (PM_PRESENT | PM_SWAPPED)) &&
			    !skip[(x - host) / UNIT]) {
				skip[(x - host) / UNIT] = mark;
				marked++;
			}
		}
	}
	return marked;
}

