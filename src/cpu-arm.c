// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpu-arm.c - aarch64 vCPUs (ARMCPU.env) and the notes QEMU's
 * target/arm/arch_dump.c writes: per CPU "CORE" NT_PRSTATUS, "CORE"
 * NT_PRFPREG and, for SVE CPUs, "LINUX" NT_ARM_SVE, in the byte order of
 * the guest's EL1 (aarch64-le or aarch64-be).
 */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_impl.h"

#ifndef NT_ARM_SVE
#define NT_ARM_SVE 0x405
#endif

/* aarch64: user_fpsimd_state (vregs[64], fpsr, fpcr, pad[8]). */
#define ARM_FPREG_SIZE		528

/* Architectural bits (not QEMU's layout): SCTLR, ID_AA64PFR0 fields. */
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

/* ---- what to read ------------------------------------------------------ */

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
		if (!ld_plan_need(p, fp_status[i], p->env, 0))
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

	if (!ld_plan_need(p, LF_ARM_VFP_FPSR, p->env, 8) ||
	    !ld_plan_need(p, LF_ARM_VFP_FPCR, p->env, 8) ||
	    !ld_plan_need(p, LF_ARM_FP_STATUS, p->env, 0) ||
	    !ld_plan_need(p, LF_FLOAT_STATUS_SIZEOF, 0, 0))
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

	if (ld_plan_want(p, LF_ARMCPU_ID_AA64PFR0, 0, 8)) {
		p->have_pfr0 = true;
		p->pfr0_off = l->offset[LF_ARMCPU_ID_AA64PFR0];
	} else if (l->have[LF_IDX_ID_AA64PFR0] &&
		   ld_plan_want(p, LF_ARMCPU_IDREGS, 0, 0) &&
		   idx < l->size[LF_ARMCPU_IDREGS] / 8) {
		p->have_pfr0 = true;
		p->pfr0_off = l->offset[LF_ARMCPU_IDREGS] + 8 * idx;
	}
}

static bool plan_arm(struct plan *p)
{
	const struct ld_layout *l = p->l;
	bool ok;

	if (!ld_plan_need(p, LF_ARMCPU_ENV, 0, 0))
		return false;
	p->env = l->offset[LF_ARMCPU_ENV];
	ok = ld_plan_need(p, LF_ARM_XREGS, p->env, 32 * 8) &&
	     ld_plan_need(p, LF_ARM_PC, p->env, 8) &&
	     ld_plan_need(p, LF_ARM_PSTATE, p->env, 0) &&
	     ld_plan_need(p, LF_ARM_AARCH64, p->env, 1) &&
	     ld_plan_need(p, LF_ARM_NF, p->env, 4) && ld_plan_need(p, LF_ARM_ZF, p->env, 4) &&
	     ld_plan_need(p, LF_ARM_CF, p->env, 4) && ld_plan_need(p, LF_ARM_VF, p->env, 4) &&
	     ld_plan_need(p, LF_ARM_DAIF, p->env, 8) &&
	     ld_plan_need(p, LF_ARM_BTYPE, p->env, 4) &&
	     ld_plan_need(p, LF_ARM_QC, p->env, 16) &&
	     ld_plan_need(p, LF_ARM_VEC_LEN, p->env, 4) &&
	     ld_plan_need(p, LF_ARM_VEC_STRIDE, p->env, 4) &&
	     ld_plan_need(p, LF_ARM_VFP_XREGS, p->env, 0) &&
	     ld_plan_need(p, LF_ARM_ZREGS, p->env, 0) &&
	     ld_plan_need(p, LF_FLOAT_STATUS_FLAGS, 0, 0);
	if (!ok)
		return false;
	/* uint32_t up to 10.1, uint64_t from 10.2. */
	if ((l->size[LF_ARM_PSTATE] != 4 && l->size[LF_ARM_PSTATE] != 8) ||
	    !ld_plan_width_ok(l->size[LF_FLOAT_STATUS_FLAGS])) {
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
	ld_plan_want(p, LF_ARM_LTPSIZE, p->env, 4);
	ld_plan_want(p, LF_ARM_SVCR, p->env, 8);

	/* SVE: the feature bit, then what sve_vqm1_for_el() looks at. */
	plan_arm_pfr0(p);
	p->sve_fields = ld_plan_want(p, LF_ARM_PREGS, p->env, 0) &&
			ld_plan_want(p, LF_ARM_ZCR_EL, p->env, 32) &&
			ld_plan_want(p, LF_ARMCPU_SVE_MAX_VQ, 0, 4) &&
			ld_plan_want(p, LF_ARMCPU_SVE_VQ_MAP, 0, 4);
	if (p->sve_fields) {
		p->pelem = l->size[LF_ARM_PREGS] / 17;
		if (l->size[LF_ARM_PREGS] % 17 || p->pelem < 8)
			p->sve_fields = false;
	}
	ld_plan_want(p, LF_ARM_SMCR_EL, p->env, 32);
	ld_plan_want(p, LF_ARMCPU_SME_VQ_MAP, 0, 4);
	ld_plan_want(p, LF_ARM_HCR_EL2, p->env, 8);
	ld_plan_want(p, LF_ARM_SCR_EL3, p->env, 8);
	ld_plan_want(p, LF_ARM_SCTLR_EL, p->env, 32);
	ld_plan_want(p, LF_ARM_TTBR1_EL, p->env, 32);
	return true;
}

/* ---- decoding ---------------------------------------------------------- */

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
		qc |= ld_plan_get(buf, p->env + p->l->offset[LF_ARM_QC] + 4 * i, 4);
	return qc ? ARM_FPCR_QC : 0;
}

/* The exception flags of one float_status at byte offset off of env. */
static uint32_t arm_status_flags(const struct plan *p, const unsigned char *buf,
				 uint64_t off)
{
	const struct ld_layout *l = p->l;

	return ld_plan_get(buf, p->env + off + l->offset[LF_FLOAT_STATUS_FLAGS],
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

	fpscr = ld_plan_get(buf, p->env + l->offset[LF_ARM_VFP_XREGS] +
		    4 * ARM_VFP_FPSCR, 4);
	fpscr |= (uint32_t)ld_plan_env(p, buf, LF_ARM_VEC_LEN) << 16;
	fpscr |= (uint32_t)ld_plan_env(p, buf, LF_ARM_VEC_STRIDE) << 20;
	fpscr |= (uint32_t)ld_plan_env_or0(p, buf, LF_ARM_LTPSIZE, 4, p->env) << 16;
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
	fpcr = (uint32_t)ld_plan_env(p, buf, LF_ARM_VFP_FPCR);
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
	r->fpsr = (uint32_t)ld_plan_env(p, buf, LF_ARM_VFP_FPSR) |
		  arm_exceptbits(a64, fpcr & ARM_FPCR_AH) |
		  arm_exceptbits(a32, false) | arm_qc(p, buf);
	r->fpcr = fpcr | (uint32_t)ld_plan_env(p, buf, LF_ARM_VEC_LEN) << 16 |
		  (uint32_t)ld_plan_env(p, buf, LF_ARM_VEC_STRIDE) << 20 |
		  (uint32_t)ld_plan_env_or0(p, buf, LF_ARM_LTPSIZE, 4, p->env) << 16;
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
	uint64_t svcr = ld_plan_env_or0(p, buf, LF_ARM_SVCR, 8, p->env);
	uint64_t hcr = ld_plan_env_or0(p, buf, LF_ARM_HCR_EL2, 8, p->env);
	uint64_t scr = ld_plan_env_or0(p, buf, LF_ARM_SCR_EL3, 8, p->env);
	bool sm = svcr & 1, el2 = AA64PFR0_EL2(pfr0), el3 = AA64PFR0_EL3(pfr0);
	enum ld_field crf = sm ? LF_ARM_SMCR_EL : LF_ARM_ZCR_EL;
	uint32_t map, len = p->zelem / 16 - 1, cr[4];
	bool el2_on, in_host = false;
	int el = r->aarch64 ? (r->pstate >> 2) & 3 : 0;

	if (sm && (!l->have[LF_ARM_SMCR_EL] || !l->have[LF_ARMCPU_SME_VQ_MAP]))
		return 0;
	map = sm ? ld_plan_env_or0(p, buf, LF_ARMCPU_SME_VQ_MAP, 4, 0) :
		   ld_plan_env_or0(p, buf, LF_ARMCPU_SVE_VQ_MAP, 4, 0);
	for (int i = 0; i < 4; i++)
		cr[i] = ld_plan_get(buf, p->env + l->offset[crf] + 8 * i, 8);
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
	if (sm && ld_plan_env_or0(p, buf, LF_ARMCPU_SME_VQ_MAP, 4, 0))
		return __builtin_ctz(ld_plan_env_or0(p, buf, LF_ARMCPU_SME_VQ_MAP,
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
		r->xregs[i] = ld_plan_get(buf, p->env + l->offset[LF_ARM_XREGS] + 8 * i,
				  8);
	r->pc = ld_plan_env(p, buf, LF_ARM_PC);
	r->aarch64 = ld_plan_env(p, buf, LF_ARM_AARCH64) != 0;
	if (l->have[LF_ARM_SCTLR_EL] && l->size[LF_ARM_SCTLR_EL] == 32)
		r->el1_be = ld_plan_get(buf, p->env + l->offset[LF_ARM_SCTLR_EL] + 8, 8) &
			    ARM_SCTLR_EE;
	r->have_ttbr1 = l->have[LF_ARM_TTBR1_EL] &&
			l->size[LF_ARM_TTBR1_EL] == 32;
	if (r->have_ttbr1)
		r->ttbr1 = ld_plan_get(buf, p->env + l->offset[LF_ARM_TTBR1_EL] + 8,
				       8);
	nf = ld_plan_env(p, buf, LF_ARM_NF);
	zf = ld_plan_env(p, buf, LF_ARM_ZF);
	cf = ld_plan_env(p, buf, LF_ARM_CF);
	vf = ld_plan_env(p, buf, LF_ARM_VF);
	/* pstate_read(): NZCV live split out, DAIF and BTYPE too. */
	r->pstate = (nf & 0x80000000u) | ((uint64_t)(zf == 0) << 30) |
		    ((uint64_t)cf << 29) | ((vf & 0x80000000u) >> 3) |
		    ld_plan_env(p, buf, LF_ARM_PSTATE) |
		    ld_plan_env(p, buf, LF_ARM_DAIF) |
		    ((uint64_t)ld_plan_env(p, buf, LF_ARM_BTYPE) << 10);
	for (int i = 0; i < 32; i++) {
		r->vregs[2 * i] = ld_plan_get(buf, zoff + i * p->zelem, 8);
		r->vregs[2 * i + 1] = ld_plan_get(buf, zoff + i * p->zelem + 8, 8);
	}
	if (p->fp == ARM_FP_SPLIT)
		arm_fp_split(p, buf, r);
	else
		arm_fp_fpscr(p, buf, r);

	if (!p->have_pfr0) {
		*sve_unknown = true;
		return NULL;
	}
	pfr0 = ld_plan_get(buf, p->pfr0_off, 8);
	if (!AA64PFR0_SVE(pfr0))
		return NULL;
	max_vq = p->sve_fields ? ld_plan_get(buf, l->offset[LF_ARMCPU_SVE_MAX_VQ], 4) :
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

/* QEMU keeps CF as 0 or 1, and aarch64 is a bool. */
static const char *arm_implausible(const struct plan *p,
				   const unsigned char *buf)
{
	if (ld_plan_env(p, buf, LF_ARM_CF) > 1)
		return "CPUARMState.CF is neither 0 nor 1";
	if (ld_plan_env(p, buf, LF_ARM_AARCH64) > 1)
		return "CPUARMState.aarch64 is not a bool";
	return NULL;
}

/* ---- notes ------------------------------------------------------------- */

static void fill_aarch64(const struct ld_arch *a, const struct ld_arm_regs *r,
			 unsigned char *desc)
{
	unsigned char *regs = desc + 112;

	ld_put32(a, desc + 112 + 34 * 8, 1);	/* pr_fpvalid */
	if (!r->aarch64)
		return;		/* QEMU would map the AArch32 bank: not done */
	for (int i = 0; i < 31; i++)
		ld_put64(a, regs + 8 * i, r->xregs[i]);
	ld_put64(a, regs + 31 * 8, r->xregs[31]);
	ld_put64(a, regs + 32 * 8, r->pc);
	ld_put64(a, regs + 33 * 8, r->pstate);
}

static void fill_fpreg(const struct ld_arch *a, const struct ld_arm_regs *r,
		       unsigned char *d)
{
	memset(d, 0, ARM_FPREG_SIZE);
	for (int i = 0; i < 32; i++) {
		/* High half first in big-endian notes, as QEMU swaps them. */
		int lo = ld_arch_is_be(a) ? 1 : 0;

		ld_put64(a, d + 16 * i + 8 * lo, r->vregs[2 * i]);
		ld_put64(a, d + 16 * i + 8 * (1 - lo), r->vregs[2 * i + 1]);
	}
	ld_put32(a, d + 512, r->fpsr);
	ld_put32(a, d + 516, r->fpcr);
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
				const struct ld_note_sink *sink)
{
	size_t size = sve_size(r->vq);
	unsigned char *d = calloc(1, size);
	struct ld_error *err;

	if (!d)
		return &ld_error_nomem;
	ld_put32(a, d, size);
	ld_put32(a, d + 4, sve_size(r->max_vq));
	ld_put16(a, d + 8, r->vq * 16);
	ld_put16(a, d + 10, r->max_vq * 16);
	ld_put16(a, d + 12, 1);	/* SVE_PT_REGS_SVE */
	for (int i = 0; i < 32; i++)
		memcpy(d + sve_zoff(r->vq, i), r->z + (size_t)i * r->vq * 16,
		       r->vq * 16);
	for (int i = 0; i < 17; i++)
		memcpy(d + sve_poff(r->vq, i), r->p + (size_t)i * r->vq * 2,
		       r->vq * 2);
	ld_put32(a, d + sve_fpsr_off(r->vq), r->fpsr);
	ld_put32(a, d + sve_fpsr_off(r->vq) + 4, r->fpcr);
	err = sink->add(sink->ctx, "LINUX", NT_ARM_SVE, d, size);
	free(d);
	return err;
}

/* ---- the arch's entries --------------------------------------------------- */

static struct ld_error *arm_decode(const struct plan *p,
				   const unsigned char *buf, struct ld_vcpu *v,
				   bool *incomplete)
{
	return decode_arm(p, buf, &v->r.arm, incomplete);
}

static const char *arm_check(const struct plan *p, const unsigned char *buf,
			     const struct ld_vcpu *v)
{
	(void)v;
	return arm_implausible(p, buf);
}

static const char *arm_shortfall(const struct ld_cpus *cpus, bool incomplete)
{
	for (size_t i = 0; i < cpus->count; i++)
		if (!cpus->vcpus[i].r.arm.aarch64)
			return "a vCPU is in AArch32 state: its NT_PRSTATUS registers are left zero";
	return incomplete ? "the SVE state of a vCPU cannot be read: no NT_ARM_SVE note for it" :
			    NULL;
}

static void arm_facts(const struct ld_vcpu *first, struct ld_arch_facts *f)
{
	f->arm_el1_be = first->r.arm.el1_be;
}

static void arm_free_regs(struct ld_vcpu *v)
{
	free(v->r.arm.z);
	free(v->r.arm.p);
	v->r.arm.z = v->r.arm.p = NULL;
}

/* Each CPU's notes together: NT_PRSTATUS, NT_PRFPREG, NT_ARM_SVE. */
static struct ld_error *arm_notes(const struct ld_arch *a,
				  const struct ld_vcpu *v,
				  unsigned char *prstatus,
				  const struct ld_note_sink *sink)
{
	unsigned char fp[ARM_FPREG_SIZE];
	struct ld_error *err;

	fill_aarch64(a, &v->r.arm, prstatus);
	err = sink->add(sink->ctx, "CORE", NT_PRSTATUS, prstatus,
			ld_cpu_aarch64.prstatus_size);
	if (err)
		return err;
	fill_fpreg(a, &v->r.arm, fp);
	err = sink->add(sink->ctx, "CORE", NT_PRFPREG, fp, sizeof(fp));
	if (!err && v->r.arm.sve)
		err = add_sve(a, &v->r.arm, sink);
	return err;
}

/* aarch64: 112 + 34*8 (x0-x30, sp, pc, pstate) + 4 -> 388, padded to 392. */
/* TTBR1_EL1's table: BADDR without ASID (63:48) and CnP (0). */
static bool arm_mmu_root(const struct ld_vcpu *v, uint64_t *root)
{
	if (!v->r.arm.aarch64 || !v->r.arm.have_ttbr1)
		return false;
	*root = v->r.arm.ttbr1 & 0x0000fffffffff000ull;
	return *root != 0;
}

const struct ld_cpu_arch ld_cpu_aarch64 = {
	.kind = LD_REGS_ARM, .prstatus_size = 392, .pid_off = 32,
	.reg_off = 112, .plan = plan_arm, .decode = arm_decode,
	.implausible = arm_check, .shortfall = arm_shortfall,
	.facts = arm_facts, .mmu_root = arm_mmu_root,
	.free_regs = arm_free_regs, .notes = arm_notes,
};
