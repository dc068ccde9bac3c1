/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * layout.h - what the tool needs to know about a QEMU build: the addresses of
 * a few globals and the size and offset of every struct member it reads.
 *
 * The facts come from DWARF (debuginfo.c) or from a layout profile made from
 * DWARF elsewhere (profile.c); nothing here is hard-coded.  Each fact has a
 * stable key ("FlatRange.addr.start") used in profiles and error messages,
 * and up to LD_MAX_VARIANTS ways to find it in DWARF: QEMU renames and
 * moves things between releases, the key stays.  The table serves every
 * QEMU from 7.2 to 10.2.
 */
#ifndef QLD_LAYOUT_H
#define QLD_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ld_field {
	/* AddressSpace address_space_memory */
	LF_AS_NAME,			/* char *name */
	LF_AS_CURRENT_MAP,		/* FlatView *current_map */
	/* FlatView */
	LF_FV_RANGES,			/* FlatRange *ranges */
	LF_FV_NR,			/* unsigned nr */
	/* FlatRange (an array element: its size matters) */
	LF_FR_SIZEOF,
	LF_FR_MR,			/* MemoryRegion *mr */
	LF_FR_OFFSET_IN_REGION,		/* hwaddr offset_in_region */
	LF_FR_ADDR_START,		/* Int128 addr.start */
	LF_FR_ADDR_SIZE,		/* Int128 addr.size */
	/* MemoryRegion */
	LF_MR_SIZEOF,
	LF_MR_RAM,			/* bool ram */
	LF_MR_RAM_DEVICE,		/* bool ram_device */
	LF_MR_NONVOLATILE,		/* bool nonvolatile */
	LF_MR_RAM_BLOCK,		/* RAMBlock *ram_block */
	LF_MR_ALIAS,			/* MemoryRegion *alias */
	LF_MR_ALIAS_OFFSET,		/* hwaddr alias_offset */
	LF_MR_NAME,			/* const char *name */
	LF_MR_RDM,			/* RamDiscardManager *rdm (optional) */
	/* RAMBlock */
	LF_RB_SIZEOF,
	LF_RB_MR,			/* MemoryRegion *mr */
	LF_RB_HOST,			/* uint8_t *host */
	LF_RB_OFFSET,			/* ram_addr_t offset */
	LF_RB_USED_LENGTH,		/* ram_addr_t used_length */
	LF_RB_MAX_LENGTH,		/* ram_addr_t max_length */
	LF_RB_IDSTR,			/* char idstr[256] */
	LF_RB_GUEST_MEMFD,		/* int guest_memfd (>= 9.0, optional) */
	/* RamDiscardManager (optional): the QOM type of MemoryRegion.rdm */
	LF_OBJECT_CLASS,		/* ObjectClass *Object.class */
	LF_OBJECTCLASS_TYPE,		/* TypeImpl *ObjectClass.type */
	LF_TYPEIMPL_NAME,		/* const char *TypeImpl.name */
	LF_TYPEIMPL_PARENT_TYPE,	/* TypeImpl *TypeImpl.parent_type */
	/* ... and when it is a virtio-mem device, its plugged blocks */
	LF_VMEM_BITMAP,			/* unsigned long *VirtIOMEM.bitmap */
	LF_VMEM_BITMAP_SIZE,		/* int32_t VirtIOMEM.bitmap_size */
	LF_VMEM_BLOCK_SIZE,		/* uint64_t VirtIOMEM.block_size */
	/* Int128: native __int128 or struct { lo, hi } */
	LF_INT128_SIZEOF,
	LF_INT128_LO,
	LF_INT128_HI,
	/* CPU list (optional: only for CPU notes) */
	LF_CPUS_FIRST,			/* CPUTailQ.tqh_first */
	LF_CPU_NODE_NEXT,		/* CPUState.node.tqe_next */
	LF_CPU_INDEX,			/* CPUState.cpu_index */
	/* vmcoreinfo device (optional) */
	LF_VMCI_HAS,			/* VMCoreInfoState.has_vmcoreinfo */
	LF_VMCI_GUEST_FORMAT,		/* ...vmcoreinfo.guest_format */
	LF_VMCI_SIZE,			/* ...vmcoreinfo.size */
	LF_VMCI_PADDR,			/* ...vmcoreinfo.paddr */
	LF_VMCI_VMCOREINFO,		/* FWCfgVMCoreInfo ...vmcoreinfo */
	/* ... reached through fw_cfg when vmcoreinfo_state is not exported
	   (optional, fwcfg.c): the machine's fw_cfg device */
	LF_X86MS_FW_CFG,		/* FWCfgState *X86MachineState.fw_cfg */
	LF_VIRTMS_FW_CFG,		/* FWCfgState *VirtMachineState.fw_cfg */
	LF_FWCFG_FILE_SLOTS,		/* uint16_t FWCfgState.file_slots */
	LF_FWCFG_ENTRIES,		/* FWCfgEntry *FWCfgState.entries[2] */
	LF_FWCFG_FILES,			/* FWCfgFiles *FWCfgState.files */
	LF_FWCFGFILES_COUNT,		/* uint32_t FWCfgFiles.count (BE) */
	LF_FWCFGFILES_F,		/* FWCfgFile FWCfgFiles.f[] */
	LF_FWCFGFILE_SIZEOF,		/* sizeof(FWCfgFile), the guest ABI's */
	LF_FWCFGFILE_SIZE,		/* uint32_t FWCfgFile.size (BE) */
	LF_FWCFGFILE_SELECT,		/* uint16_t FWCfgFile.select (BE) */
	LF_FWCFGFILE_NAME,		/* char FWCfgFile.name[56] */
	LF_FWCFGENTRY_SIZEOF,		/* sizeof(FWCfgEntry) */
	LF_FWCFGENTRY_LEN,		/* uint32_t FWCfgEntry.len */
	LF_FWCFGENTRY_DATA,		/* uint8_t *FWCfgEntry.data */
	LF_FWCFGENTRY_OPAQUE,		/* void *FWCfgEntry.callback_opaque */

	/* x86 vCPU registers (optional: X86CPU's env, see cpu.c) */
	LF_X86CPU_ENV,			/* X86CPU.env (CPUX86State) */
	LF_X86_REGS,			/* target_ulong regs[CPU_NB_REGS] */
	LF_X86_EIP,			/* target_ulong eip */
	LF_X86_EFLAGS,			/* target_ulong eflags */
	LF_X86_SEGS,			/* SegmentCache segs[6] */
	LF_X86_LDT,			/* SegmentCache ldt */
	LF_X86_TR,			/* SegmentCache tr */
	LF_X86_GDT,			/* SegmentCache gdt */
	LF_X86_IDT,			/* SegmentCache idt */
	LF_X86_CR,			/* target_ulong cr[5] */
	LF_X86_KERNELGSBASE,		/* target_ulong kernelgsbase (64-bit) */
	LF_X86_EFER,			/* uint64_t efer */
	LF_X86_HFLAGS,			/* uint32_t hflags (HF_LMA: long mode) */
	LF_SEG_SIZEOF,			/* sizeof(SegmentCache) */
	LF_SEG_SELECTOR,		/* uint32_t selector */
	LF_SEG_BASE,			/* target_ulong base */
	LF_SEG_LIMIT,			/* uint32_t limit */
	LF_SEG_FLAGS,			/* uint32_t flags */
	/* Arm vCPU registers (optional: ARMCPU's env, see cpu.c) */
	LF_ARMCPU_ENV,			/* ARMCPU.env (CPUARMState) */
	LF_ARM_XREGS,			/* uint64_t xregs[32] */
	LF_ARM_PC,			/* uint64_t pc */
	LF_ARM_PSTATE,			/* uint32_t pstate */
	LF_ARM_AARCH64,			/* bool aarch64 */
	LF_ARM_NF,			/* uint32_t NF, ZF, CF, VF */
	LF_ARM_ZF,
	LF_ARM_CF,
	LF_ARM_VF,
	LF_ARM_DAIF,			/* uint64_t daif */
	LF_ARM_BTYPE,			/* uint32_t btype */
	LF_ARM_SVCR,			/* uint64_t svcr (PSTATE.SM/ZA) */
	LF_ARM_ZREGS,			/* ARMVectorReg vfp.zregs[32] */
	LF_ARM_PREGS,			/* ARMPredicateReg vfp.pregs[17] */
	LF_ARM_QC,			/* uint32_t vfp.qc[4] */
	LF_ARM_VEC_LEN,			/* int vfp.vec_len */
	LF_ARM_VEC_STRIDE,		/* int vfp.vec_stride */
	LF_ARM_VFP_XREGS,		/* uint32_t vfp.xregs[16] */
	LF_ARM_FP_STATUS,		/* float_status vfp.fp_status: one
					   (<= 9.2) or an array (>= 10.0) */
	LF_ARM_FP_STATUS_F16,		/* ... vfp.fp_status_f16 (<= 9.2) */
	LF_ARM_STD_FP_STATUS,		/* ... vfp.standard_fp_status */
	LF_ARM_STD_FP_STATUS_F16,	/* ... vfp.standard_fp_status_f16 */
	LF_ARM_VFP_FPSR,		/* uint64_t vfp.fpsr (>= 9.1) */
	LF_ARM_VFP_FPCR,		/* uint64_t vfp.fpcr (>= 9.1) */
	LF_FLOAT_STATUS_SIZEOF,		/* sizeof(float_status) */
	/* Indexes of vfp.fp_status[] (enum ARMFPStatusFlavour, >= 10.0) */
	LF_FPST_A32,
	LF_FPST_A64,
	LF_FPST_A32_F16,
	LF_FPST_A64_F16,
	LF_FPST_STD,
	LF_FPST_STD_F16,
	LF_ARM_ZCR_EL,			/* uint64_t vfp.zcr_el[4] */
	LF_ARM_SMCR_EL,			/* uint64_t vfp.smcr_el[4] */
	LF_ARM_LTPSIZE,			/* uint32_t v7m.ltpsize */
	LF_ARM_HCR_EL2,			/* uint64_t cp15.hcr_el2 */
	LF_ARM_SCTLR_EL,		/* uint64_t cp15.sctlr_el[4] (EE: BE) */
	LF_ARM_TTBR1_EL,		/* uint64_t cp15.ttbr1_el[4] (the kernel's
					   page tables) */
	LF_ARM_SCR_EL3,			/* uint64_t cp15.scr_el3 */
	LF_FLOAT_STATUS_FLAGS,		/* float_status.float_exception_flags */
	LF_ARMCPU_SVE_MAX_VQ,		/* ARMCPU.sve_max_vq */
	LF_ARMCPU_SVE_VQ_MAP,		/* ARMCPU.sve_vq.map */
	LF_ARMCPU_SME_VQ_MAP,		/* ARMCPU.sme_vq.map */
	LF_ARMCPU_ID_AA64PFR0,		/* ARMCPU.isar.id_aa64pfr0 (<= 10.0) */
	LF_ARMCPU_IDREGS,		/* uint64_t ARMCPU.isar.idregs[] (10.1+) */
	LF_IDX_ID_AA64PFR0,		/* its index: ID_AA64PFR0_EL1_IDX */
	/* ppc64 vCPU registers (optional: PowerPCCPU's env, see cpu-ppc.c) */
	LF_PPCCPU_ENV,			/* PowerPCCPU.env (CPUPPCState) */
	LF_PPC_GPR,			/* target_ulong gpr[32] */
	LF_PPC_LR,			/* target_ulong lr */
	LF_PPC_CTR,			/* target_ulong ctr */
	LF_PPC_CRF,			/* uint32_t crf[8] */
	LF_PPC_XER,			/* target_ulong xer (SO, OV, CA split out) */
	LF_PPC_SO,			/* target_ulong so, ov, ca, ov32, ca32 */
	LF_PPC_OV,
	LF_PPC_CA,
	LF_PPC_OV32,
	LF_PPC_CA32,
	LF_PPC_MSR,			/* target_ulong msr */
	LF_PPC_NIP,			/* target_ulong nip */
	LF_PPC_SPR,			/* target_ulong spr[1024] (HID0, LPCR) */
	LF_PPC_VSCR,			/* uint32_t vscr */
	LF_PPC_VSR,			/* ppc_vsr_t vsr[64] (FPRs, VSRs, AVRs) */
	LF_PPC_VSCR_SAT,		/* ppc_vsr_t vscr_sat */
	LF_PPC_SPE_ACC,			/* uint64_t spe_acc */
	LF_PPC_SPE_FSCR,		/* uint32_t spe_fscr */
	LF_PPC_FPSCR,			/* target_ulong fpscr */
	LF_PPC_INSNS_FLAGS2,		/* uint64_t insns_flags2 (PPC2_ISA300) */
	LF_PPC_HAS_HV_MODE,		/* bool has_hv_mode */
	LF_PPC_MSR_MASK,		/* target_ulong msr_mask (MSR[HV]) */
	LF_PPC_PRSTATUS_PID,		/* arch_dump.c's PPCElfPrstatus.pid:
					   QEMU writes pr_pid (>= 9.1) */
	/* s390x vCPU registers (optional: S390CPU's env, see cpu-s390.c) */
	LF_S390CPU_ENV,			/* S390CPU.env (CPUS390XState) */
	LF_S390_REGS,			/* uint64_t regs[16] */
	LF_S390_VREGS,			/* uint64_t vregs[32][2]: FPR i is
					   vregs[i][0] */
	LF_S390_AREGS,			/* uint32_t aregs[16] */
	LF_S390_GSCB,			/* uint64_t gscb[4] */
	LF_S390_FPC,			/* uint32_t fpc */
	LF_S390_PSW_MASK,		/* uint64_t psw.mask */
	LF_S390_PSW_ADDR,		/* uint64_t psw.addr */
	LF_S390_PSA,			/* uint64_t psa (the prefix) */
	LF_S390_CREGS,			/* uint64_t cregs[16] */
	LF_S390_CKC,			/* uint64_t ckc */
	LF_S390_CPUTM,			/* uint64_t cputm */
	LF_S390_TODPR,			/* uint32_t todpr */

	LF_COUNT
};

enum ld_symbol {
	LS_ADDRESS_SPACE_MEMORY,	/* AddressSpace address_space_memory */
	LS_CPUS,			/* CPUTailQ cpus_queue (QEMU >= 8.2),
					   cpus before */
	LS_VMCOREINFO_STATE,		/* VMCoreInfoState *vmcoreinfo_state,
					   function-static: DWARF only */
	LS_CURRENT_MACHINE,		/* MachineState *current_machine:
					   exported by stripped builds too */
	LS_COUNT
};

#define LD_MAX_VARIANTS 3

enum ld_fact_kind {
	LK_MEMBER,		/* offset and size of a member path */
	LK_SIZEOF,		/* size of a type */
	LK_ENUMERATOR,		/* the value of a named enumerator */
};

/* One way DWARF may spell a fact. */
struct ld_fact_variant {
	const char *type;	/* struct/union/typedef/enum name: "FlatRange" */
	const char *path;	/* member path "addr.start", or enumerator */
};

/* Static description of a field: where DWARF finds it. */
struct ld_field_desc {
	const char *key;	/* "FlatRange.addr.start": profile key */
	enum ld_fact_kind kind;
	bool optional;		/* the dump works without it */
	bool flexible;		/* a flexible array member: size 0 */
	/* Tried in order, the first that resolves wins; type NULL ends. */
	struct ld_fact_variant variants[LD_MAX_VARIANTS];
};

struct ld_symbol_desc {
	const char *name;	/* stable key, for messages */
	bool optional;
	/* Names in QEMU, tried in order (newest first); NULL ends. */
	const char *names[LD_MAX_VARIANTS];
};

extern const struct ld_field_desc ld_field_descs[LF_COUNT];
extern const struct ld_symbol_desc ld_symbol_descs[LS_COUNT];

/*
 * One QEMU build's facts.  For members: offset from the start of the named
 * type and the member's byte size.  For LF_*_SIZEOF: size holds sizeof and
 * offset is 0.  For enumerators: offset holds the value, size is 0.  Symbol addresses are run-time addresses in the target.
 */
struct ld_layout {
	uint64_t offset[LF_COUNT];
	uint64_t size[LF_COUNT];
	bool have[LF_COUNT];
	uint64_t symbol[LS_COUNT];
	bool have_symbol[LS_COUNT];
	const char *symbol_name[LS_COUNT];	/* the variant found */
};

/* Index of the first required field that is missing, or -1. */
int ld_layout_first_missing(const struct ld_layout *layout);

/*
 * "A.b or C.d" -- every variant of field f, for messages.  Static
 * storage: valid until the next call.
 */
const char *ld_field_variants_text(enum ld_field f);

/*
 * Read the unsigned integer of field f from a buffer holding a copy of its
 * struct (host byte order: the target runs on this host).  Returns false if
 * the field is missing, does not fit in buflen or has an unusual width.
 */
bool ld_layout_get(const struct ld_layout *layout, enum ld_field f,
		   const void *buf, size_t buflen, uint64_t *value);

/*
 * Read an Int128 field as a 64-bit value; *fits is false when the high half
 * is not zero (then *value holds the low half).
 */
bool ld_layout_get_int128(const struct ld_layout *layout, enum ld_field f,
			  const void *buf, size_t buflen, uint64_t *value,
			  bool *fits);

#endif /* QLD_LAYOUT_H */
