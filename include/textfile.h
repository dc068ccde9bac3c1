/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * textfile.h - small text files (JSON reports, layout profiles) written
 * through a temporary name and renamed, so readers never see half a file.
 */
#ifndef QLD_TEXTFILE_H
#define QLD_TEXTFILE_H

#include <stdio.h>
#include <sys/types.h>

#include "error.h"

/*
 * Create path (mode) with the text render() prints; what names the file in
 * error messages ("report", "profile").
 */
struct ld_error *ld_write_text_file(const char *path, mode_t mode,
				    const char *what,
				    void (*render)(FILE *f, const void *ctx),
				    const void *ctx);

#endif /* QLD_TEXTFILE_H */
