// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_vmcoreinfo.c - the VMCOREINFO note parser, and the scan of guest RAM
 * for it, on any bytes (the input is guest RAM; its last byte picks the
 * guest byte order, so that a note can sit at the start of a page); the
 * same bytes as the note's text for what guestlinux.c and the kdump
 * header take from it (the utsname read from the input as guest RAM).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guestlinux.h"
#include "kdump.h"
#include "vmcoreinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	const uint8_t *data;
	size_t size;
};

/* The input as guest RAM at every gpa: its bytes repeated. */
static struct ld_error *input_ram(void *ctx, uint64_t gpa, void *buf,
				  size_t len)
{
	const struct input *in = ctx;
	uint8_t *out = buf;

	if (!in->size)
		return ld_error(LD_EXIT_COPY, "no guest RAM");
	for (size_t i = 0; i < len; i++)
		out[i] = in->data[(gpa + i) % in->size];
	return NULL;
}

static void guest_facts(const uint8_t *data, size_t size)
{
	static const char *const arches[] = { "X86_64", "aarch64-le", "s390" };
	struct input in = { data, size };
	struct ld_guest_ram ram = { input_ram, &in };
	const char *text = (const char *)data;

	for (size_t a = 0; a < 3; a++) {
		const struct ld_arch *arch = ld_arch_lookup(arches[a]);
		struct ld_utsname uts;
		struct ld_error *err;
		uint64_t pa;

		(void)ld_kdump_guest_page_size(arch, text, size);
		(void)ld_guestlinux_kimage_pa(arch, text, size,
					      0xffffffff81000000ull, &pa);
		err = ld_guestlinux_utsname(arch, text, size, &ram, &uts);
		ld_error_free(err);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool be = size && (data[size - 1] & 1);
	struct ld_vmcoreinfo vmci;
	struct ld_vmcoreinfo_scan *scan;
	struct ld_warnings warn = { 0 };
	char *why = NULL;

	guest_facts(data, size);
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
