// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_memmap.c - the memory-model walk (FlatView -> blocks) on any image. */
#include "fuzz_image.h"
#include "memmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_image im;
	struct ld_reader rd = { fuzz_read, &im };
	struct ld_layout layout;
	struct ld_memmap map;
	struct ld_error *err;

	if (!fuzz_image_parse(&im, data, size))
		return 0;
	fuzz_layout_for(&im, &layout);
	memset(&map, 0, sizeof(map));
	err = ld_memmap_read(&layout, layout.symbol[LS_ADDRESS_SPACE_MEMORY],
			     &rd, &map);
	ld_error_free(err);
	ld_memmap_free(&map);
	return 0;
}
