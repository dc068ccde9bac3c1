// SPDX-License-Identifier: GPL-2.0-or-later
/* textfile.c - small text files written atomically; see textfile.h. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "textfile.h"

struct ld_error *ld_write_text_file(const char *path, mode_t mode,
				    const char *what,
				    void (*render)(FILE *f, const void *ctx),
				    const void *ctx)
{
	char *tmp = NULL;
	FILE *f = NULL;
	int fd, err;

	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0)
		return &ld_error_nomem;
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = errno;
		free(tmp);
		return ld_error_errno(LD_EXIT_OUTPUT, err, "creating %s %s",
				      what, path);
	}
	if (fchmod(fd, mode) || !(f = fdopen(fd, "w"))) {
		err = errno;
		close(fd);
		goto fail;
	}
	render(f, ctx);
	if (fflush(f) || ferror(f) || fsync(fileno(f))) {
		err = errno ? errno : EIO;
		fclose(f);
		goto fail;
	}
	if (fclose(f) || rename(tmp, path)) {
		err = errno;
		goto fail;
	}
	free(tmp);
	return NULL;
fail:
	unlink(tmp);
	free(tmp);
	return ld_error_errno(LD_EXIT_OUTPUT, err, "writing %s %s", what, path);
}
