// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_cpus.c - the vCPU list walk and register reads on any image. */
#include "arch.h"
#include "cpu.h"
#include "fuzz_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_image im;
	struct ld_reader rd = { fuzz_read, &im };
	struct ld_layout layout;
	struct ld_cpus cpus;
	struct ld_error *err;
	/* the fake QEMU is an x86_64 one; the arch's decode runs too */
	const struct ld_arch *arch = ld_arch_lookup("X86_64");

	if (!fuzz_image_parse(&im, data, size))
		return 0;
	fuzz_layout_for(&im, &layout);
	memset(&cpus, 0, sizeof(cpus));
	err = ld_cpus_read_arch(&layout, arch, &rd, &cpus, NULL);
	ld_error_free(err);
	ld_cpus_free(&cpus);
	return 0;
}
