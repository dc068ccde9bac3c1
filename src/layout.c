// SPDX-License-Identifier: GPL-2.0-or-later
/* layout.c - the facts the tool needs about a QEMU build; see layout.h. */
#include <stdio.h>
#include <string.h>

#include "layout.h"

/* Variants are "Type", "path" pairs, tried in order. */
#define V(t, p) { #t, p }
#define FIELD(id, t, p, ...) \
	[id] = { #t "." p, LK_MEMBER, false, false, { V(t, p), __VA_ARGS__ } }
#define OPT_FIELD(id, t, p, ...) \
	[id] = { #t "." p, LK_MEMBER, true, false, { V(t, p), __VA_ARGS__ } }
/* A flexible array member ("f[]"): only its offset means anything. */
#define OPT_FLEX(id, t, p) \
	[id] = { #t "." p, LK_MEMBER, true, true, { V(t, p) } }
#define SIZEOF(id, t) \
	[id] = { "sizeof(" #t ")", LK_SIZEOF, false, false, { V(t, NULL) } }
#define OPT_SIZEOF(id, t) \
	[id] = { "sizeof(" #t ")", LK_SIZEOF, true, false, { V(t, NULL) } }
#define OPT_ENUM(id, t, e) \
	[id] = { #t "." #e, LK_ENUMERATOR, true, false, { V(t, #e) } }

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
	OPT_FIELD(LF_RB_GUEST_MEMFD, RAMBlock, "guest_memfd"),
	OPT_FIELD(LF_OBJECT_CLASS, Object, "class"),
	OPT_FIELD(LF_OBJECTCLASS_TYPE, ObjectClass, "type"),
	OPT_FIELD(LF_TYPEIMPL_NAME, TypeImpl, "name"),
	OPT_FIELD(LF_TYPEIMPL_PARENT_TYPE, TypeImpl, "parent_type"),
	OPT_FIELD(LF_VMEM_BITMAP, VirtIOMEM, "bitmap"),
	OPT_FIELD(LF_VMEM_BITMAP_SIZE, VirtIOMEM, "bitmap_size"),
	OPT_FIELD(LF_VMEM_BLOCK_SIZE, VirtIOMEM, "block_size"),
	SIZEOF(LF_INT128_SIZEOF, Int128),
	/* Filled from the Int128 type's shape, not looked up by path. */
	FIELD(LF_INT128_LO, Int128, "lo"),
	FIELD(LF_INT128_HI, Int128, "hi"),
	OPT_FIELD(LF_CPUS_FIRST, CPUTailQ, "tqh_first"),
	OPT_FIELD(LF_CPU_NODE_NEXT, CPUState, "node.tqe_next"),
	OPT_FIELD(LF_CPU_INDEX, CPUState, "cpu_index"),
	OPT_FIELD(LF_VMCI_HAS, VMCoreInfoState, "has_vmcoreinfo"),
	OPT_FIELD(LF_VMCI_GUEST_FORMAT, VMCoreInfoState, "vmcoreinfo.guest_format"),
	OPT_FIELD(LF_VMCI_SIZE, VMCoreInfoState, "vmcoreinfo.size"),
	OPT_FIELD(LF_VMCI_PADDR, VMCoreInfoState, "vmcoreinfo.paddr"),
	OPT_FIELD(LF_VMCI_VMCOREINFO, VMCoreInfoState, "vmcoreinfo"),
	OPT_FIELD(LF_X86MS_FW_CFG, X86MachineState, "fw_cfg"),
	OPT_FIELD(LF_VIRTMS_FW_CFG, VirtMachineState, "fw_cfg"),
	OPT_FIELD(LF_FWCFG_FILE_SLOTS, FWCfgState, "file_slots"),
	OPT_FIELD(LF_FWCFG_ENTRIES, FWCfgState, "entries"),
	OPT_FIELD(LF_FWCFG_FILES, FWCfgState, "files"),
	OPT_FIELD(LF_FWCFGFILES_COUNT, FWCfgFiles, "count"),
	OPT_FLEX(LF_FWCFGFILES_F, FWCfgFiles, "f"),
	OPT_SIZEOF(LF_FWCFGFILE_SIZEOF, FWCfgFile),
	OPT_FIELD(LF_FWCFGFILE_SIZE, FWCfgFile, "size"),
	OPT_FIELD(LF_FWCFGFILE_SELECT, FWCfgFile, "select"),
	OPT_FIELD(LF_FWCFGFILE_NAME, FWCfgFile, "name"),
	OPT_SIZEOF(LF_FWCFGENTRY_SIZEOF, FWCfgEntry),
	OPT_FIELD(LF_FWCFGENTRY_LEN, FWCfgEntry, "len"),
	OPT_FIELD(LF_FWCFGENTRY_DATA, FWCfgEntry, "data"),
	OPT_FIELD(LF_FWCFGENTRY_OPAQUE, FWCfgEntry, "callback_opaque"),
	OPT_FIELD(LF_X86CPU_ENV, X86CPU, "env"),
	OPT_FIELD(LF_X86_REGS, CPUX86State, "regs"),
	OPT_FIELD(LF_X86_EIP, CPUX86State, "eip"),
	OPT_FIELD(LF_X86_EFLAGS, CPUX86State, "eflags"),
	OPT_FIELD(LF_X86_SEGS, CPUX86State, "segs"),
	OPT_FIELD(LF_X86_LDT, CPUX86State, "ldt"),
	OPT_FIELD(LF_X86_TR, CPUX86State, "tr"),
	OPT_FIELD(LF_X86_GDT, CPUX86State, "gdt"),
	OPT_FIELD(LF_X86_IDT, CPUX86State, "idt"),
	OPT_FIELD(LF_X86_CR, CPUX86State, "cr"),
	OPT_FIELD(LF_X86_KERNELGSBASE, CPUX86State, "kernelgsbase"),
	OPT_FIELD(LF_X86_EFER, CPUX86State, "efer"),
	OPT_FIELD(LF_X86_HFLAGS, CPUX86State, "hflags"),
	OPT_SIZEOF(LF_SEG_SIZEOF, SegmentCache),
	OPT_FIELD(LF_SEG_SELECTOR, SegmentCache, "selector"),
	OPT_FIELD(LF_SEG_BASE, SegmentCache, "base"),
	OPT_FIELD(LF_SEG_LIMIT, SegmentCache, "limit"),
	OPT_FIELD(LF_SEG_FLAGS, SegmentCache, "flags"),
	OPT_FIELD(LF_ARMCPU_ENV, ARMCPU, "env"),
	OPT_FIELD(LF_ARM_XREGS, CPUARMState, "xregs"),
	OPT_FIELD(LF_ARM_PC, CPUARMState, "pc"),
	OPT_FIELD(LF_ARM_PSTATE, CPUARMState, "pstate"),
	OPT_FIELD(LF_ARM_AARCH64, CPUARMState, "aarch64"),
	OPT_FIELD(LF_ARM_NF, CPUARMState, "NF"),
	OPT_FIELD(LF_ARM_ZF, CPUARMState, "ZF"),
	OPT_FIELD(LF_ARM_CF, CPUARMState, "CF"),
	OPT_FIELD(LF_ARM_VF, CPUARMState, "VF"),
	OPT_FIELD(LF_ARM_DAIF, CPUARMState, "daif"),
	OPT_FIELD(LF_ARM_BTYPE, CPUARMState, "btype"),
	OPT_FIELD(LF_ARM_SVCR, CPUARMState, "svcr"),
	OPT_FIELD(LF_ARM_ZREGS, CPUARMState, "vfp.zregs"),
	OPT_FIELD(LF_ARM_PREGS, CPUARMState, "vfp.pregs"),
	OPT_FIELD(LF_ARM_QC, CPUARMState, "vfp.qc"),
	OPT_FIELD(LF_ARM_VEC_LEN, CPUARMState, "vfp.vec_len"),
	OPT_FIELD(LF_ARM_VEC_STRIDE, CPUARMState, "vfp.vec_stride"),
	OPT_FIELD(LF_ARM_VFP_XREGS, CPUARMState, "vfp.xregs"),
	OPT_FIELD(LF_ARM_FP_STATUS, CPUARMState, "vfp.fp_status"),
	OPT_FIELD(LF_ARM_FP_STATUS_F16, CPUARMState, "vfp.fp_status_f16"),
	OPT_FIELD(LF_ARM_STD_FP_STATUS, CPUARMState, "vfp.standard_fp_status"),
	OPT_FIELD(LF_ARM_STD_FP_STATUS_F16, CPUARMState,
		  "vfp.standard_fp_status_f16"),
	OPT_FIELD(LF_ARM_ZCR_EL, CPUARMState, "vfp.zcr_el"),
	OPT_FIELD(LF_ARM_SMCR_EL, CPUARMState, "vfp.smcr_el"),
	OPT_FIELD(LF_ARM_LTPSIZE, CPUARMState, "v7m.ltpsize"),
	OPT_FIELD(LF_ARM_HCR_EL2, CPUARMState, "cp15.hcr_el2"),
	OPT_FIELD(LF_ARM_SCTLR_EL, CPUARMState, "cp15.sctlr_el"),
	OPT_FIELD(LF_ARM_TTBR1_EL, CPUARMState, "cp15.ttbr1_el"),
	OPT_FIELD(LF_ARM_SCR_EL3, CPUARMState, "cp15.scr_el3"),
	OPT_FIELD(LF_ARM_VFP_FPSR, CPUARMState, "vfp.fpsr"),
	OPT_FIELD(LF_ARM_VFP_FPCR, CPUARMState, "vfp.fpcr"),
	OPT_SIZEOF(LF_FLOAT_STATUS_SIZEOF, float_status),
	OPT_ENUM(LF_FPST_A32, ARMFPStatusFlavour, FPST_A32),
	OPT_ENUM(LF_FPST_A64, ARMFPStatusFlavour, FPST_A64),
	OPT_ENUM(LF_FPST_A32_F16, ARMFPStatusFlavour, FPST_A32_F16),
	OPT_ENUM(LF_FPST_A64_F16, ARMFPStatusFlavour, FPST_A64_F16),
	OPT_ENUM(LF_FPST_STD, ARMFPStatusFlavour, FPST_STD),
	OPT_ENUM(LF_FPST_STD_F16, ARMFPStatusFlavour, FPST_STD_F16),
	OPT_FIELD(LF_FLOAT_STATUS_FLAGS, float_status, "float_exception_flags"),
	OPT_FIELD(LF_ARMCPU_SVE_MAX_VQ, ARMCPU, "sve_max_vq"),
	OPT_FIELD(LF_ARMCPU_SVE_VQ_MAP, ARMCPU, "sve_vq.map"),
	OPT_FIELD(LF_ARMCPU_SME_VQ_MAP, ARMCPU, "sme_vq.map"),
	OPT_FIELD(LF_ARMCPU_ID_AA64PFR0, ARMCPU, "isar.id_aa64pfr0"),
	OPT_FIELD(LF_ARMCPU_IDREGS, ARMCPU, "isar.idregs"),
	OPT_ENUM(LF_IDX_ID_AA64PFR0, ARMIDRegisterIdx, ID_AA64PFR0_EL1_IDX),
	OPT_FIELD(LF_PPCCPU_ENV, PowerPCCPU, "env"),
	OPT_FIELD(LF_PPC_GPR, CPUPPCState, "gpr"),
	OPT_FIELD(LF_PPC_LR, CPUPPCState, "lr"),
	OPT_FIELD(LF_PPC_CTR, CPUPPCState, "ctr"),
	OPT_FIELD(LF_PPC_CRF, CPUPPCState, "crf"),
	OPT_FIELD(LF_PPC_XER, CPUPPCState, "xer"),
	OPT_FIELD(LF_PPC_SO, CPUPPCState, "so"),
	OPT_FIELD(LF_PPC_OV, CPUPPCState, "ov"),
	OPT_FIELD(LF_PPC_CA, CPUPPCState, "ca"),
	OPT_FIELD(LF_PPC_OV32, CPUPPCState, "ov32"),
	OPT_FIELD(LF_PPC_CA32, CPUPPCState, "ca32"),
	OPT_FIELD(LF_PPC_MSR, CPUPPCState, "msr"),
	OPT_FIELD(LF_PPC_NIP, CPUPPCState, "nip"),
	OPT_FIELD(LF_PPC_SPR, CPUPPCState, "spr"),
	OPT_FIELD(LF_PPC_VSCR, CPUPPCState, "vscr"),
	OPT_FIELD(LF_PPC_VSR, CPUPPCState, "vsr"),
	OPT_FIELD(LF_PPC_VSCR_SAT, CPUPPCState, "vscr_sat"),
	OPT_FIELD(LF_PPC_SPE_ACC, CPUPPCState, "spe_acc"),
	OPT_FIELD(LF_PPC_SPE_FSCR, CPUPPCState, "spe_fscr"),
	OPT_FIELD(LF_PPC_FPSCR, CPUPPCState, "fpscr"),
	OPT_FIELD(LF_PPC_INSNS_FLAGS2, CPUPPCState, "insns_flags2"),
	OPT_FIELD(LF_PPC_HAS_HV_MODE, CPUPPCState, "has_hv_mode"),
	OPT_FIELD(LF_PPC_MSR_MASK, CPUPPCState, "msr_mask"),
	OPT_FIELD(LF_PPC_PRSTATUS_PID, PPCElfPrstatus, "pid"),
	OPT_FIELD(LF_S390CPU_ENV, S390CPU, "env"),
	OPT_FIELD(LF_S390_REGS, CPUS390XState, "regs"),
	OPT_FIELD(LF_S390_VREGS, CPUS390XState, "vregs"),
	OPT_FIELD(LF_S390_AREGS, CPUS390XState, "aregs"),
	OPT_FIELD(LF_S390_GSCB, CPUS390XState, "gscb"),
	OPT_FIELD(LF_S390_FPC, CPUS390XState, "fpc"),
	OPT_FIELD(LF_S390_PSW_MASK, CPUS390XState, "psw.mask"),
	OPT_FIELD(LF_S390_PSW_ADDR, CPUS390XState, "psw.addr"),
	OPT_FIELD(LF_S390_PSA, CPUS390XState, "psa"),
	OPT_FIELD(LF_S390_CREGS, CPUS390XState, "cregs"),
	OPT_FIELD(LF_S390_CKC, CPUS390XState, "ckc"),
	OPT_FIELD(LF_S390_CPUTM, CPUS390XState, "cputm"),
	OPT_FIELD(LF_S390_TODPR, CPUS390XState, "todpr"),
};

const struct ld_symbol_desc ld_symbol_descs[LS_COUNT] = {
	[LS_ADDRESS_SPACE_MEMORY] = { "address_space_memory", false,
				      { "address_space_memory" } },
	/* Renamed in 8.2. */
	[LS_CPUS] = { "cpus", true, { "cpus_queue", "cpus" } },
	[LS_VMCOREINFO_STATE] = { "vmcoreinfo_state", true,
				  { "vmcoreinfo_state" } },
	[LS_CURRENT_MACHINE] = { "current_machine", true,
				 { "current_machine" } },
};

const char *ld_field_variants_text(enum ld_field f)
{
	static char text[256];
	const struct ld_field_desc *d = &ld_field_descs[f];
	size_t used = 0;

	text[0] = '\0';
	for (int v = 0; v < LD_MAX_VARIANTS && d->variants[v].type; v++) {
		const struct ld_fact_variant *fv = &d->variants[v];
		int n;

		if (d->kind == LK_SIZEOF)
			n = snprintf(text + used, sizeof(text) - used,
				     "%ssizeof(%s)", v ? " or " : "", fv->type);
		else
			n = snprintf(text + used, sizeof(text) - used,
				     "%s%s.%s", v ? " or " : "", fv->type,
				     fv->path);
		if (n < 0 || (size_t)n >= sizeof(text) - used)
			break;
		used += n;
	}
	return text;
}

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
