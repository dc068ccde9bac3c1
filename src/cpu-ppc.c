// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpu-ppc.c - ppc64 vCPUs (PowerPCCPU.env) and the notes QEMU's
 * target/ppc/arch_dump.c writes: per CPU, "CORE" NT_PRSTATUS, NT_PRFPREG,
 * NT_PPC_VMX, NT_PPC_VSX and NT_PPC_SPE, all five for every CPU model (QEMU
 * does not ask whether the CPU has AltiVec, VSX or SPE), in the byte order
 * QEMU derives from the first vCPU (ppc64-be or ppc64-le).
 *
 * Two rules changed after 7.2, and DWARF tells which a build has: from 9.1
 * arch_dump.c's PPCElfPrstatus has a pid member and QEMU writes pr_pid;
 * from 8.1 the byte order asks for the hypervisor interrupt order only when
 * env.msr_mask still has MSR[HV] (pseries clears it).  The pid member is
 * the one fact DWARF shows, so both newer rules go with it (8.1 to 9.0 get
 * 7.2's byte-order rule: not checked on those releases).
 */
#include <elf.h>
#include <string.h>

#include "cpu_impl.h"

#ifndef NT_PPC_VMX
#define NT_PPC_VMX	0x100
#endif
#ifndef NT_PPC_SPE
#define NT_PPC_SPE	0x101
#endif
#ifndef NT_PPC_VSX
#define NT_PPC_VSX	0x102
#endif

/* The descs as QEMU packs them (arch_dump.c's structs, QEMU_PACKED). */
#define PPC_PRSTATUS_SIZE	504	/* 112 + 44 regs * 8 + 40 */
#define PPC_FPREG_SIZE		264	/* fpr[32], fpscr */
#define PPC_VMX_SIZE		544	/* avr[32], vscr, vrsave: 16 bytes each */
#define PPC_VSX_SIZE		256	/* vsr[32] low doublewords */
#define PPC_SPE_SIZE		140	/* evr[32] u32, acc u64, fscr u32 */

/* pt_regs slots of pr_reg (Linux's order, which QEMU follows). */
#define PR_NIP		32
#define PR_MSR		33
#define PR_CTR		35
#define PR_LINK		36
#define PR_XER		37
#define PR_CCR		38

/* Architectural bits (Power ISA; not QEMU's layout). */
#define PPC_SPR_LPCR		0x13e
#define PPC_SPR_HID0		0x3f0
#define PPC_MSR_ILE		(1ull << 16)
#define PPC_MSR_HV		(1ull << 60)
#define PPC_LPCR_ILE		(1ull << 25)	/* PPC_BIT(38) */
#define PPC_HID0_HILE		(1ull << 44)	/* PPC_BIT(19), POWER8 */
#define PPC_HID0_POWER9_HILE	(1ull << 59)	/* PPC_BIT(4), ISA 3.0 */
#define PPC_XER_SO		31
#define PPC_XER_OV		30
#define PPC_XER_CA		29
#define PPC_XER_OV32		19
#define PPC_XER_CA32		18
#define PPC_VSCR_SAT		0

/*
 * QEMU's PPC2_ISA300 flag of insns_flags2.  An anonymous enum, so DWARF
 * cannot name it; its value is part of QEMU's migration stream
 * (env.insns_flags2 is migrated), so it does not move between releases.
 */
#define QEMU_PPC2_ISA300	0x80000ull

/*
 * ppc_vsr_t's two doublewords as QEMU names them (VsrD(0) holds the FPR,
 * VsrD(1) the VSX low half): host-endian elements, so on a little-endian
 * host VsrD(0) is the second u64 of the 16 bytes.
 */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define VSR_D0	8
#define VSR_D1	0
#else
#define VSR_D0	0
#define VSR_D1	8
#endif

/* ---- what to read ------------------------------------------------------ */

static bool plan_ppc(struct plan *p)
{
	const struct ld_layout *l = p->l;
	static const enum ld_field ulong[] = {
		LF_PPC_LR, LF_PPC_CTR, LF_PPC_XER, LF_PPC_SO, LF_PPC_OV,
		LF_PPC_CA, LF_PPC_OV32, LF_PPC_CA32, LF_PPC_MSR, LF_PPC_NIP,
		LF_PPC_FPSCR,
	};

	if (!ld_plan_need(p, LF_PPCCPU_ENV, 0, 0))
		return false;
	p->env = l->offset[LF_PPCCPU_ENV];
	/* qemu-system-ppc64: target_ulong is 64 bits. */
	for (size_t i = 0; i < sizeof(ulong) / sizeof(ulong[0]); i++)
		if (!ld_plan_need(p, ulong[i], p->env, 8))
			return false;
	/* Where PPCElfPrstatus puts the pid: struct elf_prstatus' pr_pid. */
	p->ppc_pid = l->have[LF_PPC_PRSTATUS_PID];
	if (p->ppc_pid && (l->offset[LF_PPC_PRSTATUS_PID] != 32 ||
			   l->size[LF_PPC_PRSTATUS_PID] != 4)) {
		p->missing = ld_field_descs[LF_PPC_PRSTATUS_PID].key;
		return false;
	}
	if (p->ppc_pid && !ld_plan_need(p, LF_PPC_MSR_MASK, p->env, 8))
		return false;
	return ld_plan_need(p, LF_PPC_GPR, p->env, 32 * 8) &&
	       ld_plan_need(p, LF_PPC_CRF, p->env, 8 * 4) &&
	       ld_plan_need(p, LF_PPC_SPR, p->env, 1024 * 8) &&
	       ld_plan_need(p, LF_PPC_VSCR, p->env, 4) &&
	       ld_plan_need(p, LF_PPC_VSR, p->env, 64 * 16) &&
	       ld_plan_need(p, LF_PPC_VSCR_SAT, p->env, 16) &&
	       ld_plan_need(p, LF_PPC_SPE_ACC, p->env, 8) &&
	       ld_plan_need(p, LF_PPC_SPE_FSCR, p->env, 4) &&
	       ld_plan_need(p, LF_PPC_INSNS_FLAGS2, p->env, 8) &&
	       ld_plan_need(p, LF_PPC_HAS_HV_MODE, p->env, 1);
}

/* ---- decoding ---------------------------------------------------------- */

static uint64_t env_u64(const struct plan *p, const unsigned char *buf,
			enum ld_field f, uint64_t off)
{
	return ld_plan_get(buf, p->env + p->l->offset[f] + off, 8);
}

/*
 * QEMU's ppc_interrupts_little_endian(cpu, hv), which cpu_get_dump_info()
 * asks for the ELF byte order.  7.2 passes env->has_hv_mode as hv, which
 * comes from the CPU class's MSR mask before pseries clears MSR[HV] from
 * it, so a pseries POWER8/9/10 guest goes by HID0's HILE bit, which only
 * a hypervisor sets: such dumps are big-endian even for a little-endian
 * guest.  Newer QEMUs pass env->msr_mask's MSR[HV] instead (clear on
 * pseries, so LPCR[ILE] decides there).  Without hv QEMU looks at
 * LPCR[ILE] when the class's LPCR mask has that bit, else at MSR[ILE].
 * LPCR[ILE] can only be set when the mask has it, and no class has both
 * (the 64-bit server CPUs have no MSR[ILE] in their MSR mask, the 32-bit
 * ones that have it no LPCR[ILE]), so "either bit" gives QEMU's answer
 * without reading the class.
 */
static bool ppc_ile(const struct plan *p, const unsigned char *buf)
{
	bool hv = ld_plan_env(p, buf, LF_PPC_HAS_HV_MODE) != 0;
	uint64_t hid0 = env_u64(p, buf, LF_PPC_SPR, 8 * PPC_SPR_HID0);
	uint64_t lpcr = env_u64(p, buf, LF_PPC_SPR, 8 * PPC_SPR_LPCR);
	uint64_t msr = ld_plan_env(p, buf, LF_PPC_MSR);

	if (p->ppc_pid)
		hv = hv && (ld_plan_env(p, buf, LF_PPC_MSR_MASK) & PPC_MSR_HV);

	if (hv)
		return hid0 & (ld_plan_env(p, buf, LF_PPC_INSNS_FLAGS2) &
			       QEMU_PPC2_ISA300 ? PPC_HID0_POWER9_HILE :
			       PPC_HID0_HILE);
	return (lpcr & PPC_LPCR_ILE) || (msr & PPC_MSR_ILE);
}

static struct ld_error *ppc_decode(const struct plan *p,
				   const unsigned char *buf, struct ld_vcpu *v,
				   bool *incomplete)
{
	struct ld_ppc_regs *r = &v->r.ppc;
	uint64_t vsr = p->env + p->l->offset[LF_PPC_VSR];
	uint64_t sat = p->env + p->l->offset[LF_PPC_VSCR_SAT];
	uint64_t crf = p->env + p->l->offset[LF_PPC_CRF];

	(void)incomplete;
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < 32; i++)
		r->gpr[i] = env_u64(p, buf, LF_PPC_GPR, 8 * i);
	r->nip = ld_plan_env(p, buf, LF_PPC_NIP);
	r->msr = ld_plan_env(p, buf, LF_PPC_MSR);
	r->ctr = ld_plan_env(p, buf, LF_PPC_CTR);
	r->lr = ld_plan_env(p, buf, LF_PPC_LR);
	/* cpu_read_xer(): the split-out bits back in; OV32/CA32 on ISA 3.0. */
	r->xer = ld_plan_env(p, buf, LF_PPC_XER) |
		 ld_plan_env(p, buf, LF_PPC_SO) << PPC_XER_SO |
		 ld_plan_env(p, buf, LF_PPC_OV) << PPC_XER_OV |
		 ld_plan_env(p, buf, LF_PPC_CA) << PPC_XER_CA;
	if (ld_plan_env(p, buf, LF_PPC_INSNS_FLAGS2) & QEMU_PPC2_ISA300)
		r->xer |= ld_plan_env(p, buf, LF_PPC_OV32) << PPC_XER_OV32 |
			  ld_plan_env(p, buf, LF_PPC_CA32) << PPC_XER_CA32;
	for (int i = 0; i < 8; i++)
		r->cr |= (ld_plan_get(buf, crf + 4 * i, 4) & 15) << (4 * (7 - i));
	for (int i = 0; i < 32; i++) {
		r->fpr[i] = ld_plan_get(buf, vsr + 16 * i + VSR_D0, 8);
		r->vsrl[i] = ld_plan_get(buf, vsr + 16 * i + VSR_D1, 8);
		r->avr_hi[i] = ld_plan_get(buf, vsr + 16 * (32 + i) + VSR_D0, 8);
		r->avr_lo[i] = ld_plan_get(buf, vsr + 16 * (32 + i) + VSR_D1, 8);
	}
	/* ppc_get_vscr(): SAT lives apart, any bit of vscr_sat sets it. */
	r->vscr = ld_plan_env(p, buf, LF_PPC_VSCR);
	if (ld_plan_get(buf, sat, 8) | ld_plan_get(buf, sat + 8, 8))
		r->vscr |= 1u << PPC_VSCR_SAT;
	r->fpscr = ld_plan_env(p, buf, LF_PPC_FPSCR);
	r->spe_acc = ld_plan_env(p, buf, LF_PPC_SPE_ACC);
	r->spe_fscr = ld_plan_env(p, buf, LF_PPC_SPE_FSCR);
	r->ile = ppc_ile(p, buf);
	r->pid = p->ppc_pid;
	return NULL;
}

/* QEMU keeps the split XER bits as 0 or 1 and each CR field in 4 bits. */
static const char *ppc_implausible(const struct plan *p,
				   const unsigned char *buf,
				   const struct ld_vcpu *v)
{
	static const enum ld_field bits[] = {
		LF_PPC_SO, LF_PPC_OV, LF_PPC_CA, LF_PPC_OV32, LF_PPC_CA32,
	};
	uint64_t crf = p->env + p->l->offset[LF_PPC_CRF];

	(void)v;
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (ld_plan_env(p, buf, bits[i]) > 1)
			return "a split-out XER bit of CPUPPCState is neither 0 nor 1";
	for (int i = 0; i < 8; i++)
		if (ld_plan_get(buf, crf + 4 * i, 4) > 15)
			return "a CPUPPCState.crf field holds more than 4 bits";
	if (ld_plan_env(p, buf, LF_PPC_HAS_HV_MODE) > 1)
		return "CPUPPCState.has_hv_mode is not a bool";
	return NULL;
}

/* ---- notes ------------------------------------------------------------- */

static void ppc_facts(const struct ld_vcpu *first, struct ld_arch_facts *f)
{
	f->ppc_ile = first->r.ppc.ile;
}

static struct ld_error *ppc_notes(const struct ld_arch *a,
				  const struct ld_vcpu *v,
				  unsigned char *prstatus,
				  const struct ld_note_sink *sink)
{
	const struct ld_ppc_regs *r = &v->r.ppc;
	unsigned char d[PPC_VMX_SIZE];	/* the largest of the other four */
	unsigned char *reg = prstatus + 112;
	bool be = ld_arch_is_be(a);
	struct ld_error *err;

	/* Up to 9.0 QEMU's ppc notes leave pr_pid (all the head) zero. */
	if (!r->pid)
		memset(prstatus, 0, 112);
	for (int i = 0; i < 32; i++)
		ld_put64(a, reg + 8 * i, r->gpr[i]);
	ld_put64(a, reg + 8 * PR_NIP, r->nip);
	ld_put64(a, reg + 8 * PR_MSR, r->msr);
	ld_put64(a, reg + 8 * PR_CTR, r->ctr);
	ld_put64(a, reg + 8 * PR_LINK, r->lr);
	ld_put64(a, reg + 8 * PR_XER, r->xer);
	ld_put64(a, reg + 8 * PR_CCR, r->cr);
	err = sink->add(sink->ctx, "CORE", NT_PRSTATUS, prstatus,
			PPC_PRSTATUS_SIZE);
	if (err)
		return err;

	memset(d, 0, sizeof(d));
	for (int i = 0; i < 32; i++)
		ld_put64(a, d + 8 * i, r->fpr[i]);
	ld_put64(a, d + 256, r->fpscr);
	err = sink->add(sink->ctx, "CORE", NT_PRFPREG, d, PPC_FPREG_SIZE);
	if (err)
		return err;

	/* Each AVR as one 128-bit value in the dump's byte order. */
	memset(d, 0, sizeof(d));
	for (int i = 0; i < 32; i++) {
		ld_put64(a, d + 16 * i, be ? r->avr_hi[i] : r->avr_lo[i]);
		ld_put64(a, d + 16 * i + 8, be ? r->avr_lo[i] : r->avr_hi[i]);
	}
	/* vscr.u32[3]: the last word of its 16 bytes; vrsave stays zero. */
	ld_put32(a, d + 512 + 12, r->vscr);
	err = sink->add(sink->ctx, "CORE", NT_PPC_VMX, d, PPC_VMX_SIZE);
	if (err)
		return err;

	memset(d, 0, sizeof(d));
	for (int i = 0; i < 32; i++)
		ld_put64(a, d + 8 * i, r->vsrl[i]);
	err = sink->add(sink->ctx, "CORE", NT_PPC_VSX, d, PPC_VSX_SIZE);
	if (err)
		return err;

	/* evr[] stays zero: QEMU writes only the accumulator and SPEFSCR. */
	memset(d, 0, sizeof(d));
	ld_put64(a, d + 128, r->spe_acc);
	ld_put32(a, d + 136, r->spe_fscr);
	return sink->add(sink->ctx, "CORE", NT_PPC_SPE, d, PPC_SPE_SIZE);
}

const struct ld_cpu_arch ld_cpu_ppc64 = {
	.kind = LD_REGS_PPC, .prstatus_size = PPC_PRSTATUS_SIZE,
	.pid_off = 32, .reg_off = 112, .plan = plan_ppc,
	.decode = ppc_decode, .implausible = ppc_implausible,
	.facts = ppc_facts, .notes = ppc_notes,
};
