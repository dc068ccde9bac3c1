// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_fwcfg.c - the vmcoreinfo device on any image, both ways: through
 * fw_cfg (current_machine -> QOM types -> fw_cfg directory -> the entry of
 * etc/vmcoreinfo, as for a stripped QEMU) and through vmcoreinfo_state,
 * each ending in the note's checks, with the guest RAM map the same image
 * gives.
 */
#include "fuzz_image.h"
#include "memmap.h"
#include "vmcoreinfo.h"
#include "warnings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_image im;
	struct ld_reader rd = { fuzz_read, &im };
	const struct ld_arch *arch = ld_arch_lookup("X86_64");
	struct ld_layout layout;
	struct ld_memmap map;
	struct ld_error *err;

	if (!fuzz_image_parse(&im, data, size))
		return 0;
	fuzz_layout_for(&im, &layout);
	memset(&map, 0, sizeof(map));
	err = ld_memmap_read(&layout, layout.symbol[LS_ADDRESS_SPACE_MEMORY],
			     &rd, &map);
	if (err) {
		/* No RAM map: the note is then nowhere, the walk still runs. */
		ld_error_free(err);
		ld_memmap_free(&map);
		memset(&map, 0, sizeof(map));
	}
	for (int route = 0; route < 2; route++) {
		struct ld_warnings warn = { 0 };
		struct ld_vmcoreinfo vmci;
		struct ld_layout l = layout;

		/* route 0: a stripped QEMU, no vmcoreinfo_state */
		if (route == 0)
			l.have_symbol[LS_VMCOREINFO_STATE] = false;
		err = ld_vmcoreinfo_from_device(&l, &rd, &map, arch, &vmci, &warn);
		ld_error_free(err);
		ld_vmcoreinfo_free(&vmci);
		ld_warnings_free(&warn);
	}
	ld_memmap_free(&map);
	return 0;
}
