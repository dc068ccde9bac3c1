// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_profile.c - the layout profile parser on any text. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	char path[64];
	struct ld_profile p;
	struct ld_error *err;

	/* ld_profile_read takes a path: a memfd behind /proc/self/fd */
	if (fd < 0)
		fd = memfd_create("profile", 0);
	if (fd < 0 || ftruncate(fd, 0) ||
	    pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	err = ld_profile_read(path, &p);
	ld_profile_free(&p);
	ld_error_free(err);
	return 0;
}
