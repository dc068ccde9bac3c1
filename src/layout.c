// SPDX-License-Identifier: GPL-2.0-or-later
/* layout.c - the facts the tool needs about a QEMU build; see layout.h. */
#include <string.h>

#include "layout.h"

#define FIELD(id, t, p) [id] = { #t "." p, #t, p, false }
#define SIZEOF(id, t) [id] = { "sizeof(" #t ")", #t, NULL, false }
#define OPT_FIELD(id, t, p) [id] = { #t "." p, #t, p, true }

const struct ld_field_desc ld_field_descs[LF_COUNT] = {
	FIELD(LF_AS_NAME, AddressSpace, "name"),
	FIELD(LF_AS_CURRENT_MAP, AddressSpace, "current_map"),
	FIELD(LF_FV_RANGES, FlatView, "ranges"),
	FIELD(LF_FV_NR, FlatView, "nr"),
	SIZEOF(LF_FR_SIZEOF, FlatRange),
	FIELD(LF_FR_MR, FlatRange, "mr"),
	FIELD(LF_FR_OFFSET_IN_REGION, FlatRange, "offset_in_region"),
	FIELD(LF_FR_ADDR_START, FlatRange, "addr.start"),
	FIELD(LF_FR_ADDR_SIZE, FlatRange, "addr.size"),
	SIZEOF(LF_MR_SIZEOF, MemoryRegion),
	FIELD(LF_MR_RAM, MemoryRegion, "ram"),
	FIELD(LF_MR_RAM_DEVICE, MemoryRegion, "ram_device"),
	FIELD(LF_MR_NONVOLATILE, MemoryRegion, "nonvolatile"),
	FIELD(LF_MR_RAM_BLOCK, MemoryRegion, "ram_block"),
	FIELD(LF_MR_ALIAS, MemoryRegion, "alias"),
	FIELD(LF_MR_ALIAS_OFFSET, MemoryRegion, "alias_offset"),
	FIELD(LF_MR_NAME, MemoryRegion, "name"),
	OPT_FIELD(LF_MR_RDM, MemoryRegion, "rdm"),
	SIZEOF(LF_RB_SIZEOF, RAMBlock),
	FIELD(LF_RB_MR, RAMBlock, "mr"),
	FIELD(LF_RB_HOST, RAMBlock, "host"),
	FIELD(LF_RB_OFFSET, RAMBlock, "offset"),
	FIELD(LF_RB_USED_LENGTH, RAMBlock, "used_length"),
	FIELD(LF_RB_MAX_LENGTH, RAMBlock, "max_length"),
	FIELD(LF_RB_IDSTR, RAMBlock, "idstr"),
	SIZEOF(LF_INT128_SIZEOF, Int128),
	/* Filled from the Int128 type's shape, not looked up by path. */
	[LF_INT128_LO] = { "Int128.lo", "Int128", "lo", false },
	[LF_INT128_HI] = { "Int128.hi", "Int128", "hi", false },
	OPT_FIELD(LF_CPUS_FIRST, CPUTailQ, "tqh_first"),
	OPT_FIELD(LF_CPU_NODE_NEXT, CPUState, "node.tqe_next"),
	OPT_FIELD(LF_CPU_INDEX, CPUState, "cpu_index"),
	OPT_FIELD(LF_VMCI_HAS, VMCoreInfoState, "has_vmcoreinfo"),
	OPT_FIELD(LF_VMCI_GUEST_FORMAT, VMCoreInfoState, "vmcoreinfo.guest_format"),
	OPT_FIELD(LF_VMCI_SIZE, VMCoreInfoState, "vmcoreinfo.size"),
	OPT_FIELD(LF_VMCI_PADDR, VMCoreInfoState, "vmcoreinfo.paddr"),
};

const struct ld_symbol_desc ld_symbol_descs[LS_COUNT] = {
	[LS_ADDRESS_SPACE_MEMORY] = { "address_space_memory", false },
	[LS_CPUS] = { "cpus", true },
	[LS_CPUS_QUEUE] = { "cpus_queue", true },
	[LS_VMCOREINFO_STATE] = { "vmcoreinfo_state", true },
};

int ld_layout_first_missing(const struct ld_layout *layout)
{
	for (int f = 0; f < LF_COUNT; f++)
		if (!layout->have[f] && !ld_field_descs[f].optional)
			return f;
	return -1;
}

bool ld_layout_get(const struct ld_layout *layout, enum ld_field f,
		   const void *buf, size_t buflen, uint64_t *value)
{
	uint64_t off = layout->offset[f], size = layout->size[f];
	const unsigned char *p = buf;

	if (!layout->have[f] || off > buflen || size > buflen - off)
		return false;
	switch (size) {
	case 1: { uint8_t v; memcpy(&v, p + off, 1); *value = v; return true; }
	case 2: { uint16_t v; memcpy(&v, p + off, 2); *value = v; return true; }
	case 4: { uint32_t v; memcpy(&v, p + off, 4); *value = v; return true; }
	case 8: { uint64_t v; memcpy(&v, p + off, 8); *value = v; return true; }
	default:
		return false;
	}
}

bool ld_layout_get_int128(const struct ld_layout *layout, enum ld_field f,
			  const void *buf, size_t buflen, uint64_t *value,
			  bool *fits)
{
	uint64_t off = layout->offset[f], lo, hi;
	const unsigned char *p = buf;

	if (!layout->have[f] || !layout->have[LF_INT128_LO] ||
	    !layout->have[LF_INT128_HI] || layout->size[f] != 16 ||
	    layout->size[LF_INT128_LO] != 8 || layout->size[LF_INT128_HI] != 8 ||
	    layout->offset[LF_INT128_LO] > 8 || layout->offset[LF_INT128_HI] > 8 ||
	    off > buflen || buflen - off < 16)
		return false;
	memcpy(&lo, p + off + layout->offset[LF_INT128_LO], 8);
	memcpy(&hi, p + off + layout->offset[LF_INT128_HI], 8);
	*value = lo;
	*fits = hi == 0;
	return true;
}
