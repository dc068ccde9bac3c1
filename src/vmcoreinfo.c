// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vmcoreinfo.c - the guest's VMCOREINFO note from QEMU's vmcoreinfo device.
 *
 * QEMU keeps the device in a function-static pointer (vmcoreinfo_state in
 * vmcoreinfo_realize) for exactly this kind of tool.  The guest writes the
 * note's guest-physical address and size through fw_cfg; QEMU stores them
 * little-endian.  The note itself is in the guest's byte order.
 */
#include <endian.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmcoreinfo.h"

#define VMCOREINFO_FORMAT_ELF 1
#define NOTE_NAME "VMCOREINFO"

static uint32_t guest_u32(const unsigned char *p, bool big_endian)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return big_endian ? be32toh(v) : le32toh(v);
}

static bool has_key(const char *text, size_t len, const char *key)
{
	size_t klen = strlen(key);

	for (size_t i = 0; i + klen <= len; i++)
		if ((i == 0 || text[i - 1] == '\n') && !memcmp(text + i, key, klen))
			return true;
	return false;
}

bool ld_vmcoreinfo_parse(const void *note, size_t len, bool big_endian,
			 struct ld_vmcoreinfo *out, char **why)
{
	const unsigned char *p = note;
	uint32_t namesz, descsz, type;
	size_t name_off = 12, desc_off;

	*why = NULL;
	memset(out, 0, sizeof(*out));
	if (len < 12) {
		*why = strdup("shorter than a note header");
		return false;
	}
	namesz = guest_u32(p, big_endian);
	descsz = guest_u32(p + 4, big_endian);
	type = guest_u32(p + 8, big_endian);
	if (namesz != sizeof(NOTE_NAME) ||
	    len - name_off < sizeof(NOTE_NAME) ||
	    memcmp(p + name_off, NOTE_NAME, sizeof(NOTE_NAME))) {
		*why = strdup("not a VMCOREINFO note");
		return false;
	}
	desc_off = name_off + ((namesz + 3) & ~3u);
	if (descsz == 0 || descsz > LD_VMCOREINFO_MAX || desc_off > len ||
	    descsz > len - desc_off) {
		if (asprintf(why, "note size %" PRIu32 " does not fit %zu bytes",
			     descsz, len) < 0)
			*why = NULL;
		return false;
	}
	if (!has_key((const char *)p + desc_off, descsz, "OSRELEASE=") ||
	    !has_key((const char *)p + desc_off, descsz, "PAGESIZE=")) {
		*why = strdup("note lacks OSRELEASE= or PAGESIZE=");
		return false;
	}
	out->desc = malloc(descsz);
	if (!out->desc) {
		*why = strdup("out of memory");
		return false;
	}
	memcpy(out->desc, p + desc_off, descsz);
	out->descsz = descsz;
	out->type = type;
	out->present = true;
	return true;
}

struct ld_error *ld_vmcoreinfo_from_device(const struct ld_layout *layout,
					   const struct ld_reader *rd,
					   const struct ld_memmap *map,
					   const struct ld_arch *arch,
					   struct ld_vmcoreinfo *out,
					   char **warning)
{
	static const enum ld_field fields[] = {
		LF_VMCI_HAS, LF_VMCI_GUEST_FORMAT, LF_VMCI_SIZE, LF_VMCI_PADDR,
	};
	unsigned char state[256];
	uint64_t dev, has, format, size, paddr, host, span = 0;
	unsigned char *note;
	struct ld_error *err;
	char *why = NULL;

	memset(out, 0, sizeof(*out));
	*warning = NULL;
	if (!layout->have_symbol[LS_VMCOREINFO_STATE])
		return NULL;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (!layout->have[fields[i]])
			return NULL;
		if (layout->offset[fields[i]] + layout->size[fields[i]] > span)
			span = layout->offset[fields[i]] + layout->size[fields[i]];
	}
	if (span > sizeof(state))
		return ld_error(LD_EXIT_DEBUGINFO, "implausible VMCoreInfoState layout");

	err = rd->read(rd->ctx, layout->symbol[LS_VMCOREINFO_STATE], &dev,
		       sizeof(dev));
	if (err)
		return ld_error_context(err, "reading vmcoreinfo_state");
	if (!dev)
		return NULL;		/* no vmcoreinfo device */
	err = rd->read(rd->ctx, dev, state, span);
	if (err)
		return ld_error_context(err, "reading the vmcoreinfo device at 0x%"
					PRIx64, dev);
	ld_layout_get(layout, LF_VMCI_HAS, state, span, &has);
	ld_layout_get(layout, LF_VMCI_GUEST_FORMAT, state, span, &format);
	ld_layout_get(layout, LF_VMCI_SIZE, state, span, &size);
	ld_layout_get(layout, LF_VMCI_PADDR, state, span, &paddr);
	if (!has)
		return NULL;		/* the guest never published a note */
	format = le16toh((uint16_t)format);
	size = le32toh((uint32_t)size);
	paddr = le64toh(paddr);
	if (format != VMCOREINFO_FORMAT_ELF) {
		if (asprintf(warning, "vmcoreinfo device: unknown guest format %"
			     PRIu64 ", note not included", format) < 0)
			*warning = NULL;
		return NULL;
	}
	if (size < 12 || size > LD_VMCOREINFO_MAX ||
	    !ld_memmap_gpa_to_host(map, paddr, size, &host)) {
		if (asprintf(warning, "vmcoreinfo device: note at guest 0x%" PRIx64
			     " (%" PRIu64 " bytes) is not in guest RAM or too large, not included",
			     paddr, size) < 0)
			*warning = NULL;
		return NULL;
	}
	note = malloc(size);
	if (!note)
		return &ld_error_nomem;
	err = rd->read(rd->ctx, host, note, size);
	if (err) {
		free(note);
		return ld_error_context(err, "reading the vmcoreinfo note at guest 0x%"
					PRIx64, paddr);
	}
	if (!ld_vmcoreinfo_parse(note, size, ld_arch_is_be(arch), out, &why)) {
		if (asprintf(warning, "vmcoreinfo device: invalid note at guest 0x%"
			     PRIx64 " (%s), not included", paddr,
			     why ? why : "?") < 0)
			*warning = NULL;
	} else {
		out->source = strdup("vmcoreinfo device");
	}
	free(why);
	free(note);
	return NULL;
}

void ld_vmcoreinfo_free(struct ld_vmcoreinfo *vmci)
{
	free(vmci->desc);
	free(vmci->source);
	memset(vmci, 0, sizeof(*vmci));
}
