/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * untouched.h - which of QEMU's guest RAM the guest never touched.
 *
 * Private anonymous memory that /proc/PID/pagemap reports neither present
 * nor swapped reads as zeros, so it need not be read.  Only there: a file,
 * shared or userfaultfd-managed mapping has contents that pagemap cannot
 * see (smaps tells the mappings apart).  Never an error: without pagemap
 * every page simply counts as touched.
 */
#ifndef QLD_UNTOUCHED_H
#define QLD_UNTOUCHED_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ld_vma {
	uint64_t start, end;
};

struct ld_untouched {
	int fd;			/* /proc/PID/pagemap, -1: none known */
	uint64_t page;		/* host page size */
	struct ld_vma *vmas;	/* qualifying mappings, sorted */
	size_t nvmas;
	uint64_t *ent;		/* pagemap entries of one range */
	size_t cap;
};

/* Learn pid's qualifying mappings, for ranges of at most batch bytes. */
void ld_untouched_open(struct ld_untouched *u, pid_t pid, size_t batch);

/*
 * Set marks[k] = mark for each 4 KiB unit k of [host, host + len) (both
 * 4 KiB aligned, len at most the batch) whose host page is untouched and
 * whose mark is still 0 (a caller's own marks stay).  Returns the number
 * marked.
 */
size_t ld_untouched_scan(struct ld_untouched *u, uint64_t host, size_t len,
			 unsigned char *marks, unsigned char mark);

void ld_untouched_close(struct ld_untouched *u);

#endif /* QLD_UNTOUCHED_H */
