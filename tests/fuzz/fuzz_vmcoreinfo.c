// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_vmcoreinfo.c - the VMCOREINFO note parser, and the scan of guest RAM
 * for it, on any bytes (the input is guest RAM; its last byte picks the
 * guest byte order, so that a note can sit at the start of a page).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmcoreinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool be = size && (data[size - 1] & 1);
	struct ld_vmcoreinfo vmci;
	struct ld_vmcoreinfo_scan *scan;
	struct ld_warnings warn = { 0 };
	char *why = NULL;

	memset(&vmci, 0, sizeof(vmci));
	if (size > 1 && ld_vmcoreinfo_parse(data, size - 1, be, &vmci, &why))
		ld_vmcoreinfo_free(&vmci);
	free(why);

	/* as the copier feeds it: page-sized pieces at rising addresses */
	scan = ld_vmcoreinfo_scan_new(be);
	if (!scan)
		return 0;
	for (size_t off = 0; off < size; off += 4096) {
		size_t n = size - off < 4096 ? size - off : 4096;

		ld_vmcoreinfo_scan_inspect(scan, 0x100000 + off, data + off, n);
	}
	memset(&vmci, 0, sizeof(vmci));
	ld_vmcoreinfo_scan_result(scan, &vmci, &warn);
	ld_vmcoreinfo_free(&vmci);
	ld_warnings_free(&warn);
	ld_vmcoreinfo_scan_free(scan);
	return 0;
}
