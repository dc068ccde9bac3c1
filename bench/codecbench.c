// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * codecbench.c - how fast one core runs each of the tool's page encoders
 * (src/compress.c, the calls QEMU and makedumpfile make) on 4 KiB pages,
 * against copying the same pages: what bounds the kdump formats on a
 * machine with few cores (bench/run --codecs).
 *
 *   codecbench FILE MIB
 *
 * Reads the first MIB MiB of FILE (the bench guest's page-cache data) and
 * prints one line per method: "name MB/s ratio", ratio = output / input,
 * a page that does not shrink counted at its size as the format stores it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compress.h"

#define PAGE 4096u

static double seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Best of three passes: the machine's other work shows as noise only. */
static void run(const char *name, struct ld_compressor *z,
		enum ld_kdump_compress c, const unsigned char *buf, size_t len)
{
	size_t cap = z ? ld_compress_bound(c, PAGE) : PAGE;
	unsigned char *out = malloc(cap);
	double best = 1e30;
	size_t total = 0;

	if (!out)
		exit(1);
	for (int pass = 0; pass < 3; pass++) {
		double t = seconds();

		total = 0;
		for (size_t off = 0; off + PAGE <= len; off += PAGE) {
			size_t n = cap;

			if (!z) {
				memcpy(out, buf + off, PAGE);
				n = PAGE;
			} else if (!ld_compress_page(z, buf + off, PAGE, out, &n) ||
				   n > PAGE) {
				n = PAGE;
			}
			total += n;
		}
		t = seconds() - t;
		if (t < best)
			best = t;
	}
	printf("%s %.0f %.3f\n", name, len / best / 1e6, (double)total / len);
	free(out);
}

int main(int argc, char **argv)
{
	static const enum ld_kdump_compress methods[] = {
		LD_KDUMP_ZLIB, LD_KDUMP_LZO, LD_KDUMP_SNAPPY, LD_KDUMP_ZSTD,
	};
	unsigned char *buf;
	size_t len;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: codecbench FILE MIB\n");
		return 2;
	}
	len = strtoull(argv[2], NULL, 0) << 20;
	buf = malloc(len);
	f = fopen(argv[1], "rb");
	if (!buf || !f) {
		perror(argv[1]);
		return 1;
	}
	len = fread(buf, 1, len, f) / PAGE * PAGE;
	fclose(f);
	run("memcpy", NULL, LD_KDUMP_ZLIB, buf, len);
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		struct ld_compressor *z;
		struct ld_error *err = ld_compressor_new(methods[i], &z);

		if (err) {
			printf("%s unavailable 0\n", ld_compress_name(methods[i]));
			ld_error_free(err);
			continue;
		}
		run(ld_compress_name(methods[i]), z, methods[i], buf, len);
		ld_compressor_free(z);
	}
	free(buf);
	return 0;
}
