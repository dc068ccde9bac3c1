/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * output.h - the vmcore file: created 0600 under a name nobody sees until it
 * is complete, published atomically, never overwriting without --force.
 *
 * Regular files are written through an O_TMPFILE descriptor in the target
 * directory (falling back to a hidden temporary name where the file system
 * has no O_TMPFILE), so a killed tool leaves no truncated vmcore behind.
 * "-" means standard output (a pipe or a file given by the shell).
 *
 * If the tool dies (even by SIGKILL), the final close of an unfinished
 * file -- freeing its blocks, waiting for its writeback -- happens in a
 * small keeper process, not in the dying tool, whose exit is what releases
 * QEMU's threads.
 */
#ifndef QLD_OUTPUT_H
#define QLD_OUTPUT_H

#include <stdbool.h>

#include "error.h"

struct ld_output {
	int fd;
	bool seekable;		/* holes and pwrite allowed */
	bool is_stdout;
	bool force;
	int dirfd;
	char *final_path;
	char *tmp_path;		/* named temporary, when O_TMPFILE fails */
	/*
	 * A child holding a duplicate of fd until we are gone (see
	 * start_keeper in output.c), and our end of the pipe it waits on.
	 */
	int keeper_pid;
	int keeper_pipe;
};

/*
 * Check the destination and open the file to write.  An existing path is
 * refused unless force.
 */
struct ld_error *ld_output_open(struct ld_output *out, const char *path,
				bool force);

/* Flush and publish under the final name. */
struct ld_error *ld_output_commit(struct ld_output *out);

/* Drop the unfinished file.  Safe after commit (does nothing then). */
void ld_output_abort(struct ld_output *out);

/* For signal handlers: unlink the named temporary, if any. */
void ld_output_abort_async(void);

#endif /* QLD_OUTPUT_H */
