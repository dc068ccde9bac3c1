// SPDX-License-Identifier: GPL-2.0-or-later
/* cpu.c - QEMU's vCPU list, the vCPUs' registers and their ELF notes. */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu.h"

#ifndef NT_ARM_SVE
#define NT_ARM_SVE 0x405
#endif

/*
 * Linux's struct elf_prstatus, as crash/gdb expect it in a vmcore and as
 * QEMU 7.2 writes it (its *_elf_prstatus structs):
 *
 *   elf_prstatus_common: pr_info (3 ints), short pr_cursig, unsigned long
 *   pr_sigpend and pr_sighold, pid_t pr_pid/ppid/pgrp/sid, four struct
 *   timevals of two longs.  With 8-byte longs that is pr_pid at 32 and 112
 *   bytes in all; with 4-byte longs pr_pid at 24 and 72 bytes.
 *   Then elf_gregset_t pr_reg, int pr_fpvalid, and tail padding to the
 *   struct's alignment (that of long).
 *
 *   x86_64:  112 + 27*8 (user_regs_struct) + 4 -> 332, padded to 336
 *   i386:     72 + 17*4 + 4                     = 144
 *   aarch64: 112 + 34*8 (x0-x30, sp, pc, pstate) + 4 -> 388, padded to 392
 *   ppc64:   112 + 48*8 (ELF_NGREG) + 4 -> 500, padded to 504
 *   s390x:   112 + 216 (psw 16, gprs 128, acrs 64, orig_gpr2 8) + 4 -> 332,
 *            padded to 336
 */
struct prstatus_layout {
	enum ld_arch_id id;
	size_t size;
	size_t pid_off;
	size_t reg_off;		/* pr_reg */
	enum ld_regs_kind kind;	/* registers this arch's notes take */
};

static const struct prstatus_layout prstatus_layouts[] = {
	{ LD_ARCH_AARCH64_LE, 392, 32, 112, LD_REGS_ARM },
	{ LD_ARCH_AARCH64_BE, 392, 32, 112, LD_REGS_ARM },
	{ LD_ARCH_X86_64, 336, 32, 112, LD_REGS_X86 },
	{ LD_ARCH_I386, 144, 24, 72, LD_REGS_X86 },
	{ LD_ARCH_S390, 336, 32, 112, LD_REGS_NONE },
	{ LD_ARCH_PPC64_LE, 504, 32, 112, LD_REGS_NONE },
	{ LD_ARCH_PPC64_BE, 504, 32, 112, LD_REGS_NONE },
};

/* The most of a CPU (CPUState + register file) read per vCPU. */
#define CPU_READ_MAX	(1u << 20)

/* QEMU's "QEMU" note (target/i386/arch_dump.c QEMUCPUState), version 1. */
#define QEMU_NOTE_VERSION	1
#define QEMU_NOTE_SIZE		440
/* aarch64: user_fpsimd_state (vregs[64], fpsr, fpcr, pad[8]). */
#define ARM_FPREG_SIZE		528

/* Architectural bits (not QEMU's layout): EFER.LMA, ID_AA64PFR0 fields. */
#define X86_EFER_LMA		(1ull << 10)
#define X86_HF_LMA		(1u << 14)	/* QEMU's HF_LMA_MASK */
#define ARM_SCTLR_EE		(1ull << 25)
#define AA64PFR0_EL2(v)		(((v) >> 8) & 0xf)
#define AA64PFR0_EL3(v)		(((v) >> 12) & 0xf)
#define AA64PFR0_SVE(v)		(((v) >> 32) & 0xf)
#define ARM_SCR_NS		(1ull << 0)
#define ARM_SCR_EEL2		(1ull << 18)
#define ARM_HCR_TGE		(1ull << 27)
#define ARM_HCR_E2H		(1ull << 34)
#define ARM_FPSR_MASK		0xf800009fu
#define ARM_FPCR_MASK		0x07ff9f00u
#define ARM_FPCR_QC		(1u << 27)
#define ARM_VFP_FPSCR		1	/* index in vfp.xregs[] (QEMU's) */

/*
 * softfloat's float_flag_* (include/fpu/softfloat-types.h), which QEMU folds
 * into FPSR's cumulative exception bits (vfp_exceptbits_from_host).
 */
#define SF_INVALID		0x01
#define SF_DIVBYZERO		0x02
#define SF_OVERFLOW		0x04
#define SF_UNDERFLOW		0x08
#define SF_INEXACT		0x10
#define SF_INPUT_DENORMAL	0x20	/* _flushed since 10.0 */
#define SF_OUTPUT_DENORMAL	0x40	/* _flushed since 10.0 */
#define SF_INPUT_DENORMAL_USED	0x4000	/* 10.0 */
#define ARM_FPCR_AH		(1u << 1)
#define ARM_FPCR_FZ		(1u << 24)
#define ARM_FPSR_IDC		0x80u

/*
 * How QEMU keeps FPSR/FPCR (found from DWARF, not from the version):
 * up to 9.0 in vfp.xregs[ARM_VFP_FPSCR] with four float_status beside it;
 * from 10.0 in vfp.fpsr and vfp.fpcr, with vfp.fp_status[] indexed by
 * enum ARMFPStatusFlavour.
 */
enum arm_fp_scheme { ARM_FP_FPSCR, ARM_FP_SPLIT };

static const struct prstatus_layout *
prstatus_layout(const struct ld_arch *arch)
{
	for (size_t i = 0; i < sizeof(prstatus_layouts) /
			       sizeof(prstatus_layouts[0]); i++)
		if (prstatus_layouts[i].id == arch->id)
			return &prstatus_layouts[i];
	return NULL;
}

size_t ld_prstatus_size(const struct ld_arch *arch)
{
	const struct prstatus_layout *pl = prstatus_layout(arch);

	return pl ? pl->size : 0;
}

/* ---- what to read: the plan ------------------------------------------- */

/*
 * The register fields are read from one copy of the ArchCPU (X86CPU /
 * ARMCPU): CPUState is its first member, so the copy also holds the list
 * fields and the whole vCPU costs one read.  hi is the copy's length.
 */
struct plan {
	enum ld_regs_kind kind;
	const struct ld_layout *l;
	uint64_t env;		/* offset of env in the ArchCPU */
	uint64_t hi;
	uint64_t tl;		/* x86: target_ulong size */
	uint64_t zelem, pelem;	/* arm: sizeof(ARMVectorReg), ARMPredicateReg */
	enum arm_fp_scheme fp;	/* arm: where FPSR/FPCR live */
	bool have_pfr0;		/* arm: ID_AA64PFR0 found ... */
	uint64_t pfr0_off;	/* ... at this offset in the ARMCPU */
	bool sve_fields;	/* arm: everything the SVE note needs */
	const char *missing;	/* the first missing or odd field */
	char *warning;
};

static bool width_ok(uint64_t w)
{
	return w == 1 || w == 2 || w == 4 || w == 8;
}

/* Note a field needed at base+offset; false (and missing) if unusable. */
static bool need(struct plan *p, enum ld_field f, uint64_t base,
		 uint64_t size_want)
{
	const struct ld_layout *l = p->l;
	uint64_t end;

	if (!l->have[f] || (size_want && l->size[f] != size_want) ||
	    __builtin_add_overflow(base, l->offset[f], &end) ||
	    __builtin_add_overflow(end, l->size[f], &end) ||
	    end > CPU_READ_MAX) {
		if (!p->missing)
			p->missing = ld_field_descs[f].key;
		return false;
	}
	if (end > p->hi)
		p->hi = end;
	return true;
}

/* Like need() for fields the notes can do without. */
static bool want(struct plan *p, enum ld_field f, uint64_t base,
		 uint64_t size_want)
{
	const char *m = p->missing;
	bool ok = need(p, f, base, size_want);

	p->missing = m;
	return ok;
}

static bool plan_x86(struct plan *p)
{
	const struct ld_layout *l = p->l;
	static const enum ld_field segs[] = {
		LF_X86_LDT, LF_X86_TR, LF_X86_GDT, LF_X86_IDT,
	};
	uint64_t seg;
	bool ok;

	if (!need(p, LF_X86CPU_ENV, 0, 0))
		return false;
	p->env = l->offset[LF_X86CPU_ENV];
	ok = need(p, LF_X86_EIP, p->env, 0);
	p->tl = l->size[LF_X86_EIP];
	if (ok && p->tl != 4 && p->tl != 8) {
		p->missing = ld_field_descs[LF_X86_EIP].key;
		return false;
	}
	ok = ok && need(p, LF_X86_EFLAGS, p->env, p->tl);
	ok = ok && need(p, LF_X86_REGS, p->env, 0);
	if (ok && (l->size[LF_X86_REGS] % p->tl ||
		   l->size[LF_X86_REGS] / p->tl < 8 ||
		   l->size[LF_X86_REGS] / p->tl > 16)) {
		p->missing = ld_field_descs[LF_X86_REGS].key;
		return false;
	}
	ok = ok && need(p, LF_X86_CR, p->env, 0);
	if (ok && l->size[LF_X86_CR] < 5 * p->tl) {
		p->missing = ld_field_descs[LF_X86_CR].key;
		return false;
	}
	ok = ok && need(p, LF_SEG_SIZEOF, 0, 0) &&
	     need(p, LF_SEG_SELECTOR, 0, 4) && need(p, LF_SEG_LIMIT, 0, 4) &&
	     need(p, LF_SEG_FLAGS, 0, 4) && need(p, LF_SEG_BASE, 0, p->tl);
	if (!ok)
		return false;
	seg = l->size[LF_SEG_SIZEOF];
	if (!need(p, LF_X86_SEGS, p->env, 6 * seg))
		return false;
	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++)
		if (!need(p, segs[i], p->env, seg))
			return false;
	/* Only in 64-bit builds; QEMU then writes zero. */
	want(p, LF_X86_KERNELGSBASE, p->env, 8);
	want(p, LF_X86_EFER, p->env, 8);
	return true;
}

/* 9.0 and older: FPSCR in vfp.xregs, four float_status of their own. */
static bool plan_arm_fpscr(struct plan *p)
{
	const struct ld_layout *l = p->l;
	static const enum ld_field fp_status[] = {
		LF_ARM_FP_STATUS, LF_ARM_FP_STATUS_F16,
		LF_ARM_STD_FP_STATUS, LF_ARM_STD_FP_STATUS_F16,
	};

	if (l->size[LF_ARM_VFP_XREGS] < 4 * (ARM_VFP_FPSCR + 1)) {
		p->missing = ld_field_descs[LF_ARM_VFP_XREGS].key;
		return false;
	}
	for (size_t i = 0; i < sizeof(fp_status) / sizeof(fp_status[0]); i++) {
		if (!need(p, fp_status[i], p->env, 0))
			return false;
		if (l->size[fp_status[i]] < l->offset[LF_FLOAT_STATUS_FLAGS] +
					    l->size[LF_FLOAT_STATUS_FLAGS]) {
			p->missing = ld_field_descs[fp_status[i]].key;
			return false;
		}
	}
	p->fp = ARM_FP_FPSCR;
	return true;
}

/* The FPST_* index of fp_status[] that f names, if it fits the array. */
static bool fpst_ok(struct plan *p, enum ld_field f, uint64_t count)
{
	if (!p->l->have[f] || p->l->offset[f] >= count) {
		if (!p->missing)
			p->missing = ld_field_descs[f].key;
		return false;
	}
	return true;
}

/* 10.0 and newer: vfp.fpsr, vfp.fpcr and vfp.fp_status[FPST_COUNT]. */
static bool plan_arm_split(struct plan *p)
{
	const struct ld_layout *l = p->l;
	static const enum ld_field fpst[] = {
		LF_FPST_A32, LF_FPST_A64, LF_FPST_A32_F16, LF_FPST_A64_F16,
		LF_FPST_STD, LF_FPST_STD_F16,
	};
	uint64_t fs, count;
	bool ok = true;

	if (!need(p, LF_ARM_VFP_FPSR, p->env, 8) ||
	    !need(p, LF_ARM_VFP_FPCR, p->env, 8) ||
	    !need(p, LF_ARM_FP_STATUS, p->env, 0) ||
	    !need(p, LF_FLOAT_STATUS_SIZEOF, 0, 0))
		return false;
	fs = l->size[LF_FLOAT_STATUS_SIZEOF];
	if (!fs || l->size[LF_ARM_FP_STATUS] % fs ||
	    l->offset[LF_FLOAT_STATUS_FLAGS] + l->size[LF_FLOAT_STATUS_FLAGS] > fs) {
		p->missing = ld_field_descs[LF_ARM_FP_STATUS].key;
		return false;
	}
	count = l->size[LF_ARM_FP_STATUS] / fs;
	for (size_t i = 0; i < sizeof(fpst) / sizeof(fpst[0]); i++)
		ok = fpst_ok(p, fpst[i], count) && ok;
	if (ok)
		p->fp = ARM_FP_SPLIT;
	return ok;
}

/*
 * ID_AA64PFR0: a member up to 10.0, isar.idregs[ID_AA64PFR0_EL1_IDX]
 * from 10.1 (the index from DWARF's enum ARMIDRegisterIdx).
 */
static void plan_arm_pfr0(struct plan *p)
{
	const struct ld_layout *l = p->l;
	uint64_t idx = l->offset[LF_IDX_ID_AA64PFR0];

	if (want(p, LF_ARMCPU_ID_AA64PFR0, 0, 8)) {
		p->have_pfr0 = true;
		p->pfr0_off = l->offset[LF_ARMCPU_ID_AA64PFR0];
	} else if (l->have[LF_IDX_ID_AA64PFR0] &&
		   want(p, LF_ARMCPU_IDREGS, 0, 0) &&
		   idx < l->size[LF_ARMCPU_IDREGS] / 8) {
		p->have_pfr0 = true;
		p->pfr0_off = l->offset[LF_ARMCPU_IDREGS] + 8 * idx;
	}
}

static bool plan_arm(struct plan *p)
{
	const struct ld_layout *l = p->l;
	bool ok;

	if (!need(p, LF_ARMCPU_ENV, 0, 0))
		return false;
	p->env = l->offset[LF_ARMCPU_ENV];
	ok = need(p, LF_ARM_XREGS, p->env, 32 * 8) &&
	     need(p, LF_ARM_PC, p->env, 8) &&
	     need(p, LF_ARM_PSTATE, p->env, 0) &&
	     need(p, LF_ARM_AARCH64, p->env, 1) &&
	     need(p, LF_ARM_NF, p->env, 4) && need(p, LF_ARM_ZF, p->env, 4) &&
	     need(p, LF_ARM_CF, p->env, 4) && need(p, LF_ARM_VF, p->env, 4) &&
	     need(p, LF_ARM_DAIF, p->env, 8) &&
	     need(p, LF_ARM_BTYPE, p->env, 4) &&
	     need(p, LF_ARM_QC, p->env, 16) &&
	     need(p, LF_ARM_VEC_LEN, p->env, 4) &&
	     need(p, LF_ARM_VEC_STRIDE, p->env, 4) &&
	     need(p, LF_ARM_VFP_XREGS, p->env, 0) &&
	     need(p, LF_ARM_ZREGS, p->env, 0) &&
	     need(p, LF_FLOAT_STATUS_FLAGS, 0, 0);
	if (!ok)
		return false;
	/* uint32_t up to 10.1, uint64_t from 10.2. */
	if ((l->size[LF_ARM_PSTATE] != 4 && l->size[LF_ARM_PSTATE] != 8) ||
	    !width_ok(l->size[LF_FLOAT_STATUS_FLAGS])) {
		p->missing = ld_field_descs[l->size[LF_ARM_PSTATE] != 4 &&
				l->size[LF_ARM_PSTATE] != 8 ?
				LF_ARM_PSTATE : LF_FLOAT_STATUS_FLAGS].key;
		return false;
	}
	p->zelem = l->size[LF_ARM_ZREGS] / 32;
	if (l->size[LF_ARM_ZREGS] % 32 || p->zelem < 16 || p->zelem % 16 ||
	    p->zelem > 16 * LD_ARM_MAX_VQ) {
		p->missing = ld_field_descs[LF_ARM_ZREGS].key;
		return false;
	}
	if (l->have[LF_ARM_VFP_FPSR] ? !plan_arm_split(p) : !plan_arm_fpscr(p))
		return false;
	/* QEMU reads them too, but they are zero on A-profile cores. */
	want(p, LF_ARM_LTPSIZE, p->env, 4);
	want(p, LF_ARM_SVCR, p->env, 8);

	/* SVE: the feature bit, then what sve_vqm1_for_el() looks at. */
	plan_arm_pfr0(p);
	p->sve_fields = want(p, LF_ARM_PREGS, p->env, 0) &&
			want(p, LF_ARM_ZCR_EL, p->env, 32) &&
			want(p, LF_ARMCPU_SVE_MAX_VQ, 0, 4) &&
			want(p, LF_ARMCPU_SVE_VQ_MAP, 0, 4);
	if (p->sve_fields) {
		p->pelem = l->size[LF_ARM_PREGS] / 17;
		if (l->size[LF_ARM_PREGS] % 17 || p->pelem < 8)
			p->sve_fields = false;
	}
	want(p, LF_ARM_SMCR_EL, p->env, 32);
	want(p, LF_ARMCPU_SME_VQ_MAP, 0, 4);
	want(p, LF_ARM_HCR_EL2, p->env, 8);
	want(p, LF_ARM_SCR_EL3, p->env, 8);
	want(p, LF_ARM_SCTLR_EL, p->env, 32);
	return true;
}

/*
 * Decide what to read for arch.  A layout without the arch's register
 * fields gets placeholder notes and a warning naming the field.
 */
static struct ld_error *make_plan(const struct ld_layout *layout,
				  const struct ld_arch *arch, struct plan *p)
{
	const struct prstatus_layout *pl = arch ? prstatus_layout(arch) : NULL;
	bool ok = false;
	int n = 0;

	memset(p, 0, sizeof(*p));
	p->l = layout;
	if (!arch)
		return NULL;
	if (!pl || pl->kind == LD_REGS_NONE) {
		n = asprintf(&p->warning,
			     "CPU registers for %s are not read: placeholder notes",
			     arch->name);
		return n < 0 ? &ld_error_nomem : NULL;
	}
	if (pl->kind == LD_REGS_X86)
		ok = plan_x86(p);
	else
		ok = plan_arm(p);
	if (ok) {
		p->kind = pl->kind;
		return NULL;
	}
	p->hi = 0;
	n = asprintf(&p->warning,
		     "CPU registers for %s are not read: QEMU's layout lacks %s (or it has an unexpected size): placeholder notes",
		     arch->name, p->missing ? p->missing : "?");
	return n < 0 ? &ld_error_nomem : NULL;
}

/* ---- decoding a copy of the ArchCPU ----------------------------------- */

static uint64_t get(const unsigned char *buf, uint64_t off, uint64_t width)
{
	switch (width) {
	case 1: { uint8_t v; memcpy(&v, buf + off, 1); return v; }
	case 2: { uint16_t v; memcpy(&v, buf + off, 2); return v; }
	case 4: { uint32_t v; memcpy(&v, buf + off, 4); return v; }
	default: { uint64_t v; memcpy(&v, buf + off, 8); return v; }
	}
}

/* Field f of the register file (plan checked it lies inside the copy). */
static uint64_t env_get(const struct plan *p, const unsigned char *buf,
			enum ld_field f)
{
	return get(buf, p->env + p->l->offset[f], p->l->size[f]);
}

static uint64_t env_get_or0(const struct plan *p, const unsigned char *buf,
			    enum ld_field f, uint64_t size, uint64_t base)
{
	const struct ld_layout *l = p->l;

	if (!l->have[f] || l->size[f] != size ||
	    base + l->offset[f] + size > p->hi)
		return 0;
	return get(buf, base + l->offset[f], size);
}

static void x86_seg(const struct plan *p, const unsigned char *buf,
		    uint64_t off, struct ld_x86_seg *s)
{
	const struct ld_layout *l = p->l;

	s->selector = get(buf, off + l->offset[LF_SEG_SELECTOR], 4);
	s->limit = get(buf, off + l->offset[LF_SEG_LIMIT], 4);
	s->flags = get(buf, off + l->offset[LF_SEG_FLAGS], 4);
	s->base = get(buf, off + l->offset[LF_SEG_BASE], p->tl);
}

static void decode_x86(const struct plan *p, const unsigned char *buf,
		       struct ld_x86_regs *r)
{
	const struct ld_layout *l = p->l;
	uint64_t n = l->size[LF_X86_REGS] / p->tl, seg = l->size[LF_SEG_SIZEOF];
	static const enum ld_field segs[] = {
		LF_X86_LDT, LF_X86_TR, LF_X86_GDT, LF_X86_IDT,
	};
	struct ld_x86_seg *out[] = { &r->ldt, &r->tr, &r->gdt, &r->idt };

	memset(r, 0, sizeof(*r));
	for (uint64_t i = 0; i < n; i++)
		r->regs[i] = get(buf, p->env + l->offset[LF_X86_REGS] +
				 i * p->tl, p->tl);
	r->rip = env_get(p, buf, LF_X86_EIP);
	r->rflags = env_get(p, buf, LF_X86_EFLAGS);
	for (int i = 0; i < 6; i++)
		x86_seg(p, buf, p->env + l->offset[LF_X86_SEGS] + i * seg,
			&r->segs[i]);
	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++)
		x86_seg(p, buf, p->env + l->offset[segs[i]], out[i]);
	for (int i = 0; i < 5; i++)
		r->cr[i] = get(buf, p->env + l->offset[LF_X86_CR] + i * p->tl,
			       p->tl);
	r->kernel_gs_base = env_get_or0(p, buf, LF_X86_KERNELGSBASE, 8,
					p->env);
	r->have_efer = l->have[LF_X86_EFER] && l->size[LF_X86_EFER] == 8;
	r->efer = env_get_or0(p, buf, LF_X86_EFER, 8, p->env);
	/* QEMU's dump looks at hflags; EFER.LMA says the same. */
	if (l->have[LF_X86_HFLAGS] && l->size[LF_X86_HFLAGS] == 4)
		r->lma = env_get_or0(p, buf, LF_X86_HFLAGS, 4, p->env) & X86_HF_LMA;
	else
		r->lma = r->efer & X86_EFER_LMA;
}

/* QEMU's vfp_exceptbits_from_host(): softfloat flags -> FPSR bits. */
static uint32_t arm_exceptbits(uint32_t host, bool ah)
{
	uint32_t bits = 0;

	if (host & SF_INVALID)
		bits |= 0x01;
	if (host & SF_DIVBYZERO)
		bits |= 0x02;
	if (host & SF_OVERFLOW)
		bits |= 0x04;
	if (host & (SF_UNDERFLOW | SF_OUTPUT_DENORMAL))
		bits |= 0x08;
	if (host & SF_INEXACT)
		bits |= 0x10;
	if (host & SF_INPUT_DENORMAL)
		bits |= ARM_FPSR_IDC;
	/* FPCR.AH: denormal inputs used set IDC, flushed outputs IXC. */
	if (ah && (host & SF_INPUT_DENORMAL_USED))
		bits |= ARM_FPSR_IDC;
	if (ah && (host & SF_OUTPUT_DENORMAL))
		bits |= 0x10;
	return bits;
}

static uint32_t arm_qc(const struct plan *p, const unsigned char *buf)
{
	uint32_t qc = 0;

	for (int i = 0; i < 4; i++)
		qc |= get(buf, p->env + p->l->offset[LF_ARM_QC] + 4 * i, 4);
	return qc ? ARM_FPCR_QC : 0;
}

/* The exception flags of one float_status at byte offset off of env. */
static uint32_t arm_status_flags(const struct plan *p, const unsigned char *buf,
				 uint64_t off)
{
	const struct ld_layout *l = p->l;

	return get(buf, p->env + off + l->offset[LF_FLOAT_STATUS_FLAGS],
		   l->size[LF_FLOAT_STATUS_FLAGS]);
}

/* Up to 9.0: QEMU's vfp_get_fpscr(), split as vfp_get_fpsr/fpcr did. */
static void arm_fp_fpscr(const struct plan *p, const unsigned char *buf,
			 struct ld_arm_regs *r)
{
	const struct ld_layout *l = p->l;
	static const enum ld_field st[] = {
		LF_ARM_FP_STATUS, LF_ARM_STD_FP_STATUS,
		LF_ARM_FP_STATUS_F16, LF_ARM_STD_FP_STATUS_F16,
	};
	uint32_t fpscr, host = 0;

	fpscr = get(buf, p->env + l->offset[LF_ARM_VFP_XREGS] +
		    4 * ARM_VFP_FPSCR, 4);
	fpscr |= (uint32_t)env_get(p, buf, LF_ARM_VEC_LEN) << 16;
	fpscr |= (uint32_t)env_get(p, buf, LF_ARM_VEC_STRIDE) << 20;
	fpscr |= (uint32_t)env_get_or0(p, buf, LF_ARM_LTPSIZE, 4, p->env) << 16;
	for (int i = 0; i < 4; i++) {
		uint32_t f = arm_status_flags(p, buf, l->offset[st[i]]);

		/* FZ16 does not raise input-denormal (the f16 ones). */
		host |= i < 2 ? f : f & ~SF_INPUT_DENORMAL;
	}
	fpscr |= arm_exceptbits(host, false);
	fpscr |= arm_qc(p, buf);
	r->fpsr = fpscr & ARM_FPSR_MASK;
	r->fpcr = fpscr & ARM_FPCR_MASK;
}

/* From 10.0: QEMU's vfp_get_fpsr() and vfp_get_fpcr(). */
static void arm_fp_split(const struct plan *p, const unsigned char *buf,
			 struct ld_arm_regs *r)
{
	const struct ld_layout *l = p->l;
	uint64_t fs = l->size[LF_FLOAT_STATUS_SIZEOF];
	uint64_t base = l->offset[LF_ARM_FP_STATUS];
	uint32_t fpcr, a32 = 0, a64 = 0;

#define FPST_FLAGS(idx) arm_status_flags(p, buf, base + l->offset[idx] * fs)
	fpcr = (uint32_t)env_get(p, buf, LF_ARM_VFP_FPCR);
	a32 |= FPST_FLAGS(LF_FPST_A32) | FPST_FLAGS(LF_FPST_STD);
	/* FZ16 does not generate an input denormal exception. */
	a32 |= FPST_FLAGS(LF_FPST_A32_F16) & ~SF_INPUT_DENORMAL;
	a32 |= FPST_FLAGS(LF_FPST_STD_F16) & ~SF_INPUT_DENORMAL;
	a64 |= FPST_FLAGS(LF_FPST_A64);
	a64 |= FPST_FLAGS(LF_FPST_A64_F16) &
	       ~(SF_INPUT_DENORMAL | SF_INPUT_DENORMAL_USED);
#undef FPST_FLAGS
	/* Flushing only for FPCR.FIZ does not set IDC. */
	if ((fpcr & (ARM_FPCR_FZ | ARM_FPCR_AH)) != ARM_FPCR_FZ)
		a64 &= ~SF_INPUT_DENORMAL;
	r->fpsr = (uint32_t)env_get(p, buf, LF_ARM_VFP_FPSR) |
		  arm_exceptbits(a64, fpcr & ARM_FPCR_AH) |
		  arm_exceptbits(a32, false) | arm_qc(p, buf);
	r->fpcr = fpcr | (uint32_t)env_get(p, buf, LF_ARM_VEC_LEN) << 16 |
		  (uint32_t)env_get(p, buf, LF_ARM_VEC_STRIDE) << 20 |
		  (uint32_t)env_get_or0(p, buf, LF_ARM_LTPSIZE, 4, p->env) << 16;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/*
 * The current SVE vector length as QEMU's sve_vqm1_for_el_sm() computes it
 * (EL2/EL3 presence from ID_AA64PFR0, which QEMU clears with the
 * features; EL2 assumed AArch64).  0 when it cannot be known.
 */
static uint32_t arm_sve_vq(const struct plan *p, const unsigned char *buf,
			   const struct ld_arm_regs *r, uint64_t pfr0)
{
	const struct ld_layout *l = p->l;
	uint64_t svcr = env_get_or0(p, buf, LF_ARM_SVCR, 8, p->env);
	uint64_t hcr = env_get_or0(p, buf, LF_ARM_HCR_EL2, 8, p->env);
	uint64_t scr = env_get_or0(p, buf, LF_ARM_SCR_EL3, 8, p->env);
	bool sm = svcr & 1, el2 = AA64PFR0_EL2(pfr0), el3 = AA64PFR0_EL3(pfr0);
	enum ld_field crf = sm ? LF_ARM_SMCR_EL : LF_ARM_ZCR_EL;
	uint32_t map, len = p->zelem / 16 - 1, cr[4];
	bool el2_on, in_host = false;
	int el = r->aarch64 ? (r->pstate >> 2) & 3 : 0;

	if (sm && (!l->have[LF_ARM_SMCR_EL] || !l->have[LF_ARMCPU_SME_VQ_MAP]))
		return 0;
	map = sm ? env_get_or0(p, buf, LF_ARMCPU_SME_VQ_MAP, 4, 0) :
		   env_get_or0(p, buf, LF_ARMCPU_SVE_VQ_MAP, 4, 0);
	for (int i = 0; i < 4; i++)
		cr[i] = get(buf, p->env + l->offset[crf] + 8 * i, 8);
	el2_on = el2 && (!(el3 && !(scr & ARM_SCR_NS)) || (scr & ARM_SCR_EEL2));
	if (!(el & 1)) {
		uint64_t mask = el ? ARM_HCR_E2H : ARM_HCR_E2H | ARM_HCR_TGE;

		in_host = (hcr & mask) == mask && el2_on;
	}
	if (el <= 1 && !in_host)
		len = min_u32(len, cr[1] & 0xf);
	if (el <= 2 && el2_on)
		len = min_u32(len, cr[2] & 0xf);
	if (el3)
		len = min_u32(len, cr[3] & 0xf);
	map &= (uint32_t)((2ull << len) - 1);
	if (map)
		return 32 - __builtin_clz(map);
	if (sm && env_get_or0(p, buf, LF_ARMCPU_SME_VQ_MAP, 4, 0))
		return __builtin_ctz(env_get_or0(p, buf, LF_ARMCPU_SME_VQ_MAP,
						 4, 0)) + 1;
	return 0;
}

/* Host-order u64s -> little-endian bytes (QEMU's sve_bswap64 + memcpy). */
static void le64_bytes(unsigned char *dst, const unsigned char *src,
		       size_t n64, size_t bytes)
{
	for (size_t i = 0; i < n64; i++) {
		uint64_t v;

		memcpy(&v, src + 8 * i, 8);
		for (int b = 0; b < 8 && 8 * i + b < bytes; b++)
			dst[8 * i + b] = v >> (8 * b);
	}
}

static struct ld_error *decode_arm(const struct plan *p,
				   const unsigned char *buf,
				   struct ld_arm_regs *r, bool *sve_unknown)
{
	const struct ld_layout *l = p->l;
	uint64_t zoff = p->env + l->offset[LF_ARM_ZREGS], pfr0, max_vq;
	uint32_t nf, zf, cf, vf, vq;

	memset(r, 0, sizeof(*r));
	for (int i = 0; i < 32; i++)
		r->xregs[i] = get(buf, p->env + l->offset[LF_ARM_XREGS] + 8 * i,
				  8);
	r->pc = env_get(p, buf, LF_ARM_PC);
	r->aarch64 = env_get(p, buf, LF_ARM_AARCH64) != 0;
	if (l->have[LF_ARM_SCTLR_EL] && l->size[LF_ARM_SCTLR_EL] == 32)
		r->el1_be = get(buf, p->env + l->offset[LF_ARM_SCTLR_EL] + 8, 8) &
			    ARM_SCTLR_EE;
	nf = env_get(p, buf, LF_ARM_NF);
	zf = env_get(p, buf, LF_ARM_ZF);
	cf = env_get(p, buf, LF_ARM_CF);
	vf = env_get(p, buf, LF_ARM_VF);
	/* pstate_read(): NZCV live split out, DAIF and BTYPE too. */
	r->pstate = (nf & 0x80000000u) | ((uint64_t)(zf == 0) << 30) |
		    ((uint64_t)cf << 29) | ((vf & 0x80000000u) >> 3) |
		    env_get(p, buf, LF_ARM_PSTATE) |
		    env_get(p, buf, LF_ARM_DAIF) |
		    ((uint64_t)env_get(p, buf, LF_ARM_BTYPE) << 10);
	for (int i = 0; i < 32; i++) {
		r->vregs[2 * i] = get(buf, zoff + i * p->zelem, 8);
		r->vregs[2 * i + 1] = get(buf, zoff + i * p->zelem + 8, 8);
	}
	if (p->fp == ARM_FP_SPLIT)
		arm_fp_split(p, buf, r);
	else
		arm_fp_fpscr(p, buf, r);

	if (!p->have_pfr0) {
		*sve_unknown = true;
		return NULL;
	}
	pfr0 = get(buf, p->pfr0_off, 8);
	if (!AA64PFR0_SVE(pfr0))
		return NULL;
	max_vq = p->sve_fields ? get(buf, l->offset[LF_ARMCPU_SVE_MAX_VQ], 4) :
		 0;
	vq = p->sve_fields ? arm_sve_vq(p, buf, r, pfr0) : 0;
	if (!vq || vq > p->zelem / 16 || max_vq < 1 ||
	    max_vq > p->zelem / 16 || (vq * 2 + 7) / 8 * 8 > p->pelem) {
		*sve_unknown = true;
		return NULL;
	}
	r->sve = true;
	r->vq = vq;
	r->max_vq = max_vq;
	r->z = malloc(32 * vq * 16);
	r->p = malloc(17 * vq * 2);
	if (!r->z || !r->p) {
		free(r->z);
		free(r->p);
		r->z = r->p = NULL;
		return &ld_error_nomem;
	}
	for (int i = 0; i < 32; i++)
		le64_bytes(r->z + i * vq * 16, buf + zoff + i * p->zelem,
			   vq * 2, vq * 16);
	for (int i = 0; i < 17; i++)
		le64_bytes(r->p + i * vq * 2,
			   buf + p->env + l->offset[LF_ARM_PREGS] + i * p->pelem,
			   (vq * 2 + 7) / 8, vq * 2);
	return NULL;
}

/* ---- plausibility: values with architectural invariants -------------- */

/* EFLAGS bit 1 always reads 1 (QEMU sets it on every load); 22-63 are 0. */
static const char *x86_implausible(const struct ld_x86_regs *r)
{
	if (!(r->rflags & 2) || (r->rflags >> 22))
		return "EFLAGS has reserved bits wrong";
	for (int i = 0; i < 6; i++)
		if (r->segs[i].selector > 0xffff)
			return "a segment selector is wider than 16 bits";
	return NULL;
}

/* QEMU keeps CF as 0 or 1, and aarch64 is a bool. */
static const char *arm_implausible(const struct plan *p,
				   const unsigned char *buf)
{
	if (env_get(p, buf, LF_ARM_CF) > 1)
		return "CPUARMState.CF is neither 0 nor 1";
	if (env_get(p, buf, LF_ARM_AARCH64) > 1)
		return "CPUARMState.aarch64 is not a bool";
	return NULL;
}

struct ld_error *ld_cpus_check_strict(const struct ld_cpus *cpus,
				      const struct ld_arch *arch)
{
	const struct prstatus_layout *pl = prstatus_layout(arch);

	if (!cpus->count)
		return ld_error(LD_EXIT_MODEL, "no vCPU found in the CPU list");
	if (pl && pl->kind != LD_REGS_NONE && cpus->regs == LD_REGS_NONE)
		return ld_error(LD_EXIT_MODEL, "vCPU registers could not be read: %s",
				cpus->warning ? cpus->warning : "?");
	if (cpus->implausible)
		return ld_error(LD_EXIT_MODEL, "vCPU registers implausible: %s",
				cpus->implausible);
	if (cpus->incomplete)
		return ld_error(LD_EXIT_MODEL, "vCPU state incomplete: %s",
				cpus->warning ? cpus->warning : "?");
	return NULL;
}

/* ---- the list walk ----------------------------------------------------- */

/* Bytes to read from the start of a struct to cover fields a and b. */
static uint64_t span(const struct ld_layout *layout, enum ld_field a,
		     enum ld_field b)
{
	uint64_t ea = layout->offset[a] + layout->size[a];
	uint64_t eb = layout->offset[b] + layout->size[b];

	if (ea < layout->offset[a] || eb < layout->offset[b])
		return UINT64_MAX;
	return ea > eb ? ea : eb;
}

static struct ld_error *read_head(const struct ld_layout *layout,
				  const struct ld_reader *rd, uint64_t addr,
				  uint64_t *first)
{
	uint64_t len = span(layout, LF_CPUS_FIRST, LF_CPUS_FIRST);
	struct ld_error *err;
	unsigned char *buf;

	if (len > CPU_READ_MAX)
		return ld_error(LD_EXIT_DEBUGINFO,
				"CPUTailQ.tqh_first at offset %llu is out of range",
				(unsigned long long)layout->offset[LF_CPUS_FIRST]);
	buf = malloc(len);
	if (!buf)
		return &ld_error_nomem;
	err = rd->read(rd->ctx, addr, buf, len);
	if (!err && !ld_layout_get(layout, LF_CPUS_FIRST, buf, len, first))
		err = ld_error(LD_EXIT_DEBUGINFO,
			       "CPUTailQ.tqh_first has an unusual size (%llu)",
			       (unsigned long long)layout->size[LF_CPUS_FIRST]);
	free(buf);
	return err;
}

/*
 * Read one CPU: list fields from the first len bytes of buf (which the
 * caller sized to the plan, or to the list fields only).
 */
static struct ld_error *read_cpu(const struct ld_layout *layout,
				 const struct ld_reader *rd, uint64_t addr,
				 unsigned char *buf, uint64_t len,
				 uint64_t *next, int *cpu_index)
{
	struct ld_error *err;
	uint64_t idx;

	if (layout->size[LF_CPU_INDEX] != 4)
		return ld_error(LD_EXIT_DEBUGINFO,
				"CPUState.cpu_index is %llu bytes, not an int",
				(unsigned long long)layout->size[LF_CPU_INDEX]);
	err = rd->read(rd->ctx, addr, buf, len);
	if (err)
		return err;
	if (!ld_layout_get(layout, LF_CPU_NODE_NEXT, buf, len, next) ||
	    !ld_layout_get(layout, LF_CPU_INDEX, buf, len, &idx))
		return ld_error(LD_EXIT_DEBUGINFO,
				"CPUState.node.tqe_next has an unusual size (%llu)",
				(unsigned long long)layout->size[LF_CPU_NODE_NEXT]);
	*cpu_index = (int32_t)(uint32_t)idx;
	return NULL;
}

static void free_regs(struct ld_cpus *cpus)
{
	if (cpus->regs == LD_REGS_ARM)
		for (size_t i = 0; i < cpus->count; i++) {
			free(cpus->vcpus[i].r.arm.z);
			free(cpus->vcpus[i].r.arm.p);
			cpus->vcpus[i].r.arm.z = cpus->vcpus[i].r.arm.p = NULL;
		}
	cpus->regs = LD_REGS_NONE;
}

static void set_warning(struct ld_cpus *out, char *msg)
{
	if (!msg)
		return;
	free(out->warning);
	out->warning = msg;
}

struct ld_error *ld_cpus_read_arch(const struct ld_layout *layout,
				   const struct ld_arch *arch,
				   const struct ld_reader *rd,
				   struct ld_cpus *out,
				   struct ld_warnings *warn)
{
	uint64_t list, node, list_len, len;
	unsigned char *buf = NULL;
	size_t alloc = 0, aarch32 = 0;
	bool sve_unknown = false;
	enum ld_symbol sym;
	struct plan plan;
	struct ld_error *err;

	memset(out, 0, sizeof(*out));
	if (!layout || !rd)
		return NULL;
	if (!layout->have_symbol[LS_CPUS])
		return NULL;
	sym = LS_CPUS;
	/* CPU notes are optional: a build without these facts gets none. */
	if (!layout->have[LF_CPUS_FIRST] || !layout->have[LF_CPU_NODE_NEXT] ||
	    !layout->have[LF_CPU_INDEX])
		return NULL;
	list_len = span(layout, LF_CPU_NODE_NEXT, LF_CPU_INDEX);
	if (list_len > CPU_READ_MAX)
		return ld_error(LD_EXIT_DEBUGINFO,
				"CPUState fields beyond %u bytes", CPU_READ_MAX);

	err = make_plan(layout, arch, &plan);
	if (err)
		return err;
	out->warning = plan.warning;
	out->regs = plan.kind;
	len = plan.kind != LD_REGS_NONE && plan.hi > list_len ? plan.hi :
	      list_len;
	out->read_len = len;
	buf = malloc(len);
	if (!buf) {
		err = &ld_error_nomem;
		goto fail;
	}

	list = layout->symbol[sym];
	out->source = layout->symbol_name[sym] ? layout->symbol_name[sym] :
		      ld_symbol_descs[sym].name;
	err = read_head(layout, rd, list, &node);
	if (err) {
		err = ld_error_context(err, "reading CPU list %s at 0x%llx",
				       out->source, (unsigned long long)list);
		goto fail;
	}

	while (node) {
		struct ld_vcpu *v;
		uint64_t next = 0;
		int idx = 0;

		if (out->count == LD_MAX_VCPUS) {
			err = ld_error(LD_EXIT_MODEL,
				       "CPU list at 0x%llx (%s) has more than %u entries",
				       (unsigned long long)list, out->source,
				       LD_MAX_VCPUS);
			goto fail;
		}
		for (size_t i = 0; i < out->count; i++) {
			if (out->vcpus[i].addr != node)
				continue;
			err = ld_error(LD_EXIT_MODEL,
				       "CPU list at 0x%llx (%s) loops back to 0x%llx after %zu entries",
				       (unsigned long long)list, out->source,
				       (unsigned long long)node, out->count);
			goto fail;
		}
		err = read_cpu(layout, rd, node, buf, len, &next, &idx);
		if (err && len > list_len) {
			/* The register file is optional; the list is not. */
			char *w = NULL;

			if (asprintf(&w, "CPU registers are not read: %s: placeholder notes",
				     err->message) < 0)
				w = NULL;
			ld_error_free(err);
			set_warning(out, w);
			free_regs(out);
			len = out->read_len = list_len;
			err = read_cpu(layout, rd, node, buf, len, &next, &idx);
		}
		if (err) {
			err = ld_error_context(err,
					       "reading CPUState #%zu at 0x%llx in CPU list %s at 0x%llx",
					       out->count,
					       (unsigned long long)node,
					       out->source,
					       (unsigned long long)list);
			goto fail;
		}
		if (idx < 0 || (unsigned int)idx >= LD_MAX_VCPUS) {
			err = ld_error(LD_EXIT_MODEL,
				       "CPUState at 0x%llx in CPU list %s at 0x%llx has cpu_index %d, outside 0..%u",
				       (unsigned long long)node, out->source,
				       (unsigned long long)list, idx,
				       LD_MAX_VCPUS - 1);
			goto fail;
		}
		if (out->count == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			v = reallocarray(out->vcpus, alloc, sizeof(*v));
			if (!v) {
				err = &ld_error_nomem;
				goto fail;
			}
			out->vcpus = v;
		}
		v = &out->vcpus[out->count];
		memset(v, 0, sizeof(*v));
		v->addr = node;
		v->cpu_index = idx;
		out->count++;
		if (out->regs == LD_REGS_X86) {
			decode_x86(&plan, buf, &v->r.x86);
			if (!out->implausible)
				out->implausible = x86_implausible(&v->r.x86);
		} else if (out->regs == LD_REGS_ARM) {
			err = decode_arm(&plan, buf, &v->r.arm, &sve_unknown);
			if (err)
				goto fail;
			if (!out->implausible)
				out->implausible = arm_implausible(&plan, buf);
			aarch32 += !v->r.arm.aarch64;
		}
		node = next;
	}
	free(buf);
	buf = NULL;

	/* Differences from QEMU's own notes the reader should know of. */
	out->incomplete = sve_unknown;
	if (out->regs == LD_REGS_ARM && (aarch32 || sve_unknown) &&
	    !out->warning) {
		if (asprintf(&out->warning, "%s",
			     aarch32 ? "a vCPU is in AArch32 state: its NT_PRSTATUS registers are left zero" :
			     "the SVE state of a vCPU cannot be read: no NT_ARM_SVE note for it") < 0)
			out->warning = NULL;
	}
	if (out->warning)
		ld_warn(warn, "%s", out->warning);
	return NULL;

fail:
	free(buf);
	ld_cpus_free(out);
	return err;
}

bool ld_cpus_same_list(const struct ld_cpus *a, const struct ld_cpus *b)
{
	if (a->count != b->count || a->regs != b->regs)
		return false;
	for (size_t i = 0; i < a->count; i++)
		if (a->vcpus[i].addr != b->vcpus[i].addr ||
		    a->vcpus[i].cpu_index != b->vcpus[i].cpu_index)
			return false;
	return true;
}

void ld_cpus_arch_facts(const struct ld_cpus *cpus,
			struct ld_arch_facts *facts)
{
	facts->have_vcpu = cpus->count && cpus->regs != LD_REGS_NONE;
	if (!facts->have_vcpu)
		return;
	if (cpus->regs == LD_REGS_X86)
		facts->x86_lma = cpus->vcpus[0].r.x86.lma;
	else if (cpus->regs == LD_REGS_ARM)
		facts->arm_el1_be = cpus->vcpus[0].r.arm.el1_be;
}

struct ld_error *ld_cpus_read(const struct ld_layout *layout,
			      const struct ld_reader *rd, struct ld_cpus *out)
{
	return ld_cpus_read_arch(layout, NULL, rd, out, NULL);
}

/* ---- notes ------------------------------------------------------------- */

static void put16(const struct ld_arch *a, unsigned char *d, uint16_t v)
{
	for (int i = 0; i < 2; i++)
		d[ld_arch_is_be(a) ? 1 - i : i] = v >> (8 * i);
}

static void put32(const struct ld_arch *a, unsigned char *d, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		d[ld_arch_is_be(a) ? 3 - i : i] = v >> (8 * i);
}

static void put64(const struct ld_arch *a, unsigned char *d, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		d[ld_arch_is_be(a) ? 7 - i : i] = v >> (8 * i);
}

/* QEMU's R_* and segment indexes. */
enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI };
enum { S_ES, S_CS, S_SS, S_DS, S_FS, S_GS };

/* x86_64_user_regs_struct (orig_rax 0, as QEMU writes it). */
static void fill_x86_64(const struct ld_arch *a, const struct ld_x86_regs *r,
			unsigned char *regs)
{
	const uint64_t v[27] = {
		r->regs[15], r->regs[14], r->regs[13], r->regs[12],
		r->regs[R_EBP], r->regs[R_EBX], r->regs[11], r->regs[10],
		r->regs[9], r->regs[8], r->regs[R_EAX], r->regs[R_ECX],
		r->regs[R_EDX], r->regs[R_ESI], r->regs[R_EDI], 0,
		r->rip, r->segs[S_CS].selector, r->rflags,
		r->regs[R_ESP], r->segs[S_SS].selector,
		r->segs[S_FS].base, r->segs[S_GS].base,
		r->segs[S_DS].selector, r->segs[S_ES].selector,
		r->segs[S_FS].selector, r->segs[S_GS].selector,
	};

	for (int i = 0; i < 27; i++)
		put64(a, regs + 8 * i, v[i]);
}

/* x86_user_regs_struct: 32-bit registers, 16-bit selectors. */
static void fill_i386(const struct ld_arch *a, const struct ld_x86_regs *r,
		      unsigned char *regs)
{
	static const struct { int off, reg; } g[] = {
		{ 0, R_EBX }, { 4, R_ECX }, { 8, R_EDX }, { 12, R_ESI },
		{ 16, R_EDI }, { 20, R_EBP }, { 24, R_EAX }, { 60, R_ESP },
	};
	static const struct { int off, seg; } s[] = {
		{ 28, S_DS }, { 32, S_ES }, { 36, S_FS }, { 40, S_GS },
		{ 52, S_CS }, { 64, S_SS },
	};

	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++)
		put32(a, regs + g[i].off, (uint32_t)r->regs[g[i].reg]);
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		put16(a, regs + s[i].off, r->segs[s[i].seg].selector);
	put32(a, regs + 48, (uint32_t)r->rip);
	put32(a, regs + 56, (uint32_t)r->rflags);
}

static void put_seg(const struct ld_arch *a, unsigned char *d,
		    const struct ld_x86_seg *s)
{
	put32(a, d, s->selector);
	put32(a, d + 4, s->limit);
	put32(a, d + 8, s->flags);
	put64(a, d + 16, s->base);
}

/* QEMUCPUState, version 1 with kernel_gs_base. */
static void fill_qemu_note(const struct ld_arch *a,
			   const struct ld_x86_regs *r, unsigned char *d)
{
	static const int gpr[16] = {
		R_EAX, R_EBX, R_ECX, R_EDX, R_ESI, R_EDI, R_ESP, R_EBP,
		8, 9, 10, 11, 12, 13, 14, 15,
	};
	static const int seg[6] = { S_CS, S_DS, S_ES, S_FS, S_GS, S_SS };
	const struct ld_x86_seg *sys[4] = { &r->ldt, &r->tr, &r->gdt, &r->idt };

	memset(d, 0, QEMU_NOTE_SIZE);
	put32(a, d, QEMU_NOTE_VERSION);
	put32(a, d + 4, QEMU_NOTE_SIZE);
	for (int i = 0; i < 16; i++)
		put64(a, d + 8 + 8 * i, r->regs[gpr[i]]);
	put64(a, d + 136, r->rip);
	put64(a, d + 144, r->rflags);
	for (int i = 0; i < 6; i++)
		put_seg(a, d + 152 + 24 * i, &r->segs[seg[i]]);
	for (int i = 0; i < 4; i++)
		put_seg(a, d + 296 + 24 * i, sys[i]);
	for (int i = 0; i < 5; i++)
		put64(a, d + 392 + 8 * i, r->cr[i]);
	put64(a, d + 432, r->kernel_gs_base);
}

static void fill_aarch64(const struct ld_arch *a, const struct ld_arm_regs *r,
			 unsigned char *desc)
{
	unsigned char *regs = desc + 112;

	put32(a, desc + 112 + 34 * 8, 1);	/* pr_fpvalid */
	if (!r->aarch64)
		return;		/* QEMU would map the AArch32 bank: not done */
	for (int i = 0; i < 31; i++)
		put64(a, regs + 8 * i, r->xregs[i]);
	put64(a, regs + 31 * 8, r->xregs[31]);
	put64(a, regs + 32 * 8, r->pc);
	put64(a, regs + 33 * 8, r->pstate);
}

static void fill_fpreg(const struct ld_arch *a, const struct ld_arm_regs *r,
		       unsigned char *d)
{
	memset(d, 0, ARM_FPREG_SIZE);
	for (int i = 0; i < 32; i++) {
		/* High half first in big-endian notes, as QEMU swaps them. */
		int lo = ld_arch_is_be(a) ? 1 : 0;

		put64(a, d + 16 * i + 8 * lo, r->vregs[2 * i]);
		put64(a, d + 16 * i + 8 * (1 - lo), r->vregs[2 * i + 1]);
	}
	put32(a, d + 512, r->fpsr);
	put32(a, d + 516, r->fpcr);
}

/* Layout of the NT_ARM_SVE desc for vq (user_sve_header + SVE_PT_REGS). */
static size_t round16(size_t v)
{
	return (v + 15) & ~(size_t)15;
}

static size_t sve_zoff(uint32_t vq, int n)
{
	return 16 + (size_t)vq * 16 * n;
}

static size_t sve_poff(uint32_t vq, int n)
{
	return sve_zoff(vq, 32) + (size_t)vq * 2 * n;
}

static size_t sve_fpsr_off(uint32_t vq)
{
	return round16(sve_poff(vq, 17));
}

static size_t sve_size(uint32_t vq)
{
	return round16(sve_fpsr_off(vq) + 8);
}

static struct ld_error *add_sve(const struct ld_arch *a,
				const struct ld_arm_regs *r,
				struct ld_elf *elf)
{
	size_t size = sve_size(r->vq);
	unsigned char *d = calloc(1, size);
	struct ld_error *err;

	if (!d)
		return &ld_error_nomem;
	put32(a, d, size);
	put32(a, d + 4, sve_size(r->max_vq));
	put16(a, d + 8, r->vq * 16);
	put16(a, d + 10, r->max_vq * 16);
	put16(a, d + 12, 1);	/* SVE_PT_REGS_SVE */
	for (int i = 0; i < 32; i++)
		memcpy(d + sve_zoff(r->vq, i), r->z + (size_t)i * r->vq * 16,
		       r->vq * 16);
	for (int i = 0; i < 17; i++)
		memcpy(d + sve_poff(r->vq, i), r->p + (size_t)i * r->vq * 2,
		       r->vq * 2);
	put32(a, d + sve_fpsr_off(r->vq), r->fpsr);
	put32(a, d + sve_fpsr_off(r->vq) + 4, r->fpcr);
	err = ld_elf_add_note(elf, "LINUX", NT_ARM_SVE, d, size);
	free(d);
	return err;
}

static struct ld_error *cpu_context(struct ld_error *err,
				    const struct ld_vcpu *cpu, const char *what)
{
	return ld_error_context(err, "%s of CPU %d (CPUState at 0x%llx)", what,
				cpu->cpu_index, (unsigned long long)cpu->addr);
}

struct ld_error *ld_cpus_add_notes(const struct ld_arch *arch,
				   const struct ld_cpus *cpus,
				   struct ld_elf *elf)
{
	const struct prstatus_layout *pl = prstatus_layout(arch);
	enum ld_regs_kind kind = cpus->regs;
	unsigned char desc[ARM_FPREG_SIZE];	/* the largest fixed desc */
	struct ld_error *err = NULL;

	if (!cpus->count)
		return NULL;
	if (!pl)
		return ld_error(LD_EXIT_FAILURE,
				"no NT_PRSTATUS layout for arch %s", arch->name);
	if (kind != pl->kind)
		kind = LD_REGS_NONE;	/* registers of another arch */
	for (size_t i = 0; i < cpus->count && !err; i++) {
		const struct ld_vcpu *cpu = &cpus->vcpus[i];

		memset(desc, 0, pl->size);
		/* QEMU numbers the notes' pr_pid from 1. */
		put32(arch, desc + pl->pid_off, cpu->cpu_index + 1);
		if (kind == LD_REGS_X86 && arch->id == LD_ARCH_X86_64)
			fill_x86_64(arch, &cpu->r.x86, desc + pl->reg_off);
		else if (kind == LD_REGS_X86)
			fill_i386(arch, &cpu->r.x86, desc + pl->reg_off);
		else if (kind == LD_REGS_ARM)
			fill_aarch64(arch, &cpu->r.arm, desc);
		err = ld_elf_add_note(elf, "CORE", NT_PRSTATUS, desc, pl->size);
		if (err) {
			err = cpu_context(err, cpu, "NT_PRSTATUS");
			break;
		}
		if (kind != LD_REGS_ARM)
			continue;
		/* aarch64: each CPU's notes together, FP and SVE after. */
		fill_fpreg(arch, &cpu->r.arm, desc);
		err = ld_elf_add_note(elf, "CORE", NT_PRFPREG, desc,
				      ARM_FPREG_SIZE);
		if (!err && cpu->r.arm.sve)
			err = add_sve(arch, &cpu->r.arm, elf);
		if (err)
			err = cpu_context(err, cpu, "NT_PRFPREG/NT_ARM_SVE");
	}
	/* x86: all "QEMU" notes after all NT_PRSTATUS (write_elf64_notes). */
	for (size_t i = 0; kind == LD_REGS_X86 && i < cpus->count && !err;
	     i++) {
		unsigned char q[QEMU_NOTE_SIZE];

		fill_qemu_note(arch, &cpus->vcpus[i].r.x86, q);
		err = ld_elf_add_note(elf, "QEMU", 0, q, sizeof(q));
		if (err)
			err = cpu_context(err, &cpus->vcpus[i], "QEMU note");
	}
	return err;
}

/* ---- accelerator ------------------------------------------------------- */

const char *ld_detect_accel(pid_t pid)
{
	char dir[64], link[384], target[256];
	const char *accel = "tcg";
	struct dirent *de;
	unsigned int n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	if (!d)
		return "unknown";
	/* Bounded: a QEMU has a few hundred descriptors at most. */
	while ((de = readdir(d)) && n++ < 65536) {
		ssize_t len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, de->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (!strcmp(target, "/dev/kvm") ||
		    !strncmp(target, "anon_inode:kvm-vm", 17) ||
		    !strncmp(target, "anon_inode:kvm-vcpu", 19)) {
			accel = "kvm";
			break;
		}
	}
	closedir(d);
	return accel;
}

void ld_cpus_free(struct ld_cpus *cpus)
{
	if (!cpus)
		return;
	if (cpus->vcpus)
		free_regs(cpus);
	free(cpus->vcpus);
	free(cpus->warning);
	memset(cpus, 0, sizeof(*cpus));
}
