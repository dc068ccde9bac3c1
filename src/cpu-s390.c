// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpu-s390.c - s390x vCPUs (S390CPU.env) and the notes QEMU's
 * target/s390x/arch_dump.c writes for each, big-endian: "CORE"
 * NT_PRSTATUS and NT_FPREGSET, then "LINUX" prefix, control registers,
 * CPU timer, TOD clock comparator, TOD programmable register, the low
 * halves of v0-v15, v16-v31 and the guarded-storage control block.
 *
 * QEMU (7.2 to 10.2) writes the vector and guarded-storage notes for
 * every vCPU whether or not the CPU model has those facilities (zeros
 * then), so they are written here unconditionally too.  The one note
 * left out is the protected-virtualization CPU note (KVM PV guests only,
 * which no process_vm_readv can decrypt).  Every value is a plain copy
 * of a CPUS390XState member: unlike x86 and Arm there is no state QEMU
 * assembles at dump time.
 */
#include <elf.h>
#include <stdio.h>
#include <string.h>

#include "cpu_impl.h"

/* linux/elf.h's s390 note types (not all in every libc's elf.h). */
#define NT_S390_TIMER		0x301
#define NT_S390_TODCMP		0x302
#define NT_S390_TODPREG		0x303
#define NT_S390_CTRS		0x304
#define NT_S390_PREFIX		0x305
#define NT_S390_VXRS_LOW	0x309
#define NT_S390_VXRS_HIGH	0x30a
#define NT_S390_GS_CB		0x30b

/* QEMU's S390xElfPrstatus: pr_pid at 32, psw, gprs, acrs at 112. */
#define S390_PRSTATUS_SIZE	336
#define S390_FPREGSET_SIZE	136	/* fpc, pad, fprs[16] */

/*
 * Architectural facts (Principles of Operation), for the plausibility
 * check only: a z/Architecture PSW mask has bits 33-63 zero; a prefix is
 * 8 KiB aligned below 2 GiB; the TOD programmable register has 16 bits.
 */
#define S390_PSW_MASK_ZERO	0x7fffffffull
#define S390_PREFIX_MASK	0x7fffe000ull
#define S390_TODPR_MASK		0xffffull

/* ---- what to read ------------------------------------------------------ */

static bool plan_s390(struct plan *p)
{
	const struct ld_layout *l = p->l;

	if (!ld_plan_need(p, LF_S390CPU_ENV, 0, 0))
		return false;
	p->env = l->offset[LF_S390CPU_ENV];
	/* The sizes are the notes' own: a member of another shape is not it. */
	if (!(ld_plan_need(p, LF_S390_REGS, p->env, 16 * 8) &&
	      ld_plan_need(p, LF_S390_VREGS, p->env, 32 * 16) &&
	      ld_plan_need(p, LF_S390_AREGS, p->env, 16 * 4) &&
	      ld_plan_need(p, LF_S390_GSCB, p->env, 4 * 8) &&
	      ld_plan_need(p, LF_S390_FPC, p->env, 4) &&
	      ld_plan_need(p, LF_S390_PSW_MASK, p->env, 8) &&
	      ld_plan_need(p, LF_S390_PSW_ADDR, p->env, 8) &&
	      ld_plan_need(p, LF_S390_PSA, p->env, 0) &&
	      ld_plan_need(p, LF_S390_CREGS, p->env, 16 * 8) &&
	      ld_plan_need(p, LF_S390_CKC, p->env, 8) &&
	      ld_plan_need(p, LF_S390_CPUTM, p->env, 8) &&
	      ld_plan_need(p, LF_S390_TODPR, p->env, 4)))
		return false;
	/* psa is a uint64_t; QEMU's note takes its low 32 bits either way. */
	if (l->size[LF_S390_PSA] != 4 && l->size[LF_S390_PSA] != 8) {
		p->missing = ld_field_descs[LF_S390_PSA].key;
		return false;
	}
	return true;
}

/* ---- decoding ---------------------------------------------------------- */

/* n host-order words of width w at env's member f. */
static void get_array(const struct plan *p, const unsigned char *buf,
		      enum ld_field f, uint64_t w, void *dst, size_t n)
{
	uint64_t off = p->env + p->l->offset[f];

	for (size_t i = 0; i < n; i++) {
		uint64_t v = ld_plan_get(buf, off + i * w, w);

		if (w == 4)
			((uint32_t *)dst)[i] = (uint32_t)v;
		else
			((uint64_t *)dst)[i] = v;
	}
}

static struct ld_error *s390_decode(const struct plan *p,
				    const unsigned char *buf,
				    struct ld_vcpu *v, bool *incomplete)
{
	struct ld_s390_regs *r = &v->r.s390;

	(void)incomplete;
	memset(r, 0, sizeof(*r));
	r->psw_mask = ld_plan_env(p, buf, LF_S390_PSW_MASK);
	r->psw_addr = ld_plan_env(p, buf, LF_S390_PSW_ADDR);
	get_array(p, buf, LF_S390_REGS, 8, r->gprs, 16);
	get_array(p, buf, LF_S390_AREGS, 4, r->acrs, 16);
	get_array(p, buf, LF_S390_VREGS, 8, r->vregs, 64);
	get_array(p, buf, LF_S390_CREGS, 8, r->cregs, 16);
	get_array(p, buf, LF_S390_GSCB, 8, r->gscb, 4);
	r->fpc = ld_plan_env(p, buf, LF_S390_FPC);
	r->prefix = ld_plan_env(p, buf, LF_S390_PSA);
	r->cputm = ld_plan_env(p, buf, LF_S390_CPUTM);
	r->ckc = ld_plan_env(p, buf, LF_S390_CKC);
	r->todpr = ld_plan_env(p, buf, LF_S390_TODPR);
	return NULL;
}

/*
 * Values the architecture rules out, whether QEMU runs the vCPU under
 * TCG (which masks them so: SPX, SCKPF) or KVM: a layout that puts these
 * members elsewhere shows here.
 */
static const char *s390_implausible(const struct plan *p,
				    const unsigned char *buf,
				    const struct ld_vcpu *v)
{
	const struct ld_s390_regs *r = &v->r.s390;

	(void)p;
	(void)buf;
	if (r->psw_mask & S390_PSW_MASK_ZERO)
		return "CPUS390XState.psw.mask has bits 33-63 set";
	if (r->prefix & ~S390_PREFIX_MASK)
		return "CPUS390XState.psa is not an 8 KiB aligned address below 2 GiB";
	if (r->todpr & ~S390_TODPR_MASK)
		return "CPUS390XState.todpr has more than 16 bits";
	return NULL;
}

/* ---- notes ------------------------------------------------------------- */

static struct ld_error *add(const struct ld_note_sink *sink, const char *name,
			    uint32_t type, const unsigned char *d, size_t n)
{
	return sink->add(sink->ctx, name, type, d, n);
}

static struct ld_error *s390_notes(const struct ld_arch *a,
				   const struct ld_vcpu *v,
				   unsigned char *prstatus,
				   const struct ld_note_sink *sink)
{
	const struct ld_s390_regs *r = &v->r.s390;
	unsigned char d[256];
	struct ld_error *err;

	/* pr_pid is in place already (cpu.c, s390_pid_host_order()). */
	ld_put64(a, prstatus + 112, r->psw_mask);
	ld_put64(a, prstatus + 120, r->psw_addr);
	for (int i = 0; i < 16; i++) {
		ld_put64(a, prstatus + 128 + 8 * i, r->gprs[i]);
		ld_put32(a, prstatus + 256 + 4 * i, r->acrs[i]);
	}
	err = add(sink, "CORE", NT_PRSTATUS, prstatus, S390_PRSTATUS_SIZE);
	if (err)
		return err;

	memset(d, 0, S390_FPREGSET_SIZE);
	ld_put32(a, d, r->fpc);
	for (int i = 0; i < 16; i++)
		ld_put64(a, d + 8 + 8 * i, r->vregs[i][0]);
	if ((err = add(sink, "CORE", NT_FPREGSET, d, S390_FPREGSET_SIZE)))
		return err;

	/* The prefix note is the low word of psa. */
	ld_put32(a, d, (uint32_t)r->prefix);
	if ((err = add(sink, "LINUX", NT_S390_PREFIX, d, 4)))
		return err;
	for (int i = 0; i < 16; i++)
		ld_put64(a, d + 8 * i, r->cregs[i]);
	if ((err = add(sink, "LINUX", NT_S390_CTRS, d, 128)))
		return err;
	ld_put64(a, d, r->cputm);
	if ((err = add(sink, "LINUX", NT_S390_TIMER, d, 8)))
		return err;
	ld_put64(a, d, r->ckc);
	if ((err = add(sink, "LINUX", NT_S390_TODCMP, d, 8)))
		return err;
	ld_put32(a, d, r->todpr);
	if ((err = add(sink, "LINUX", NT_S390_TODPREG, d, 4)))
		return err;
	/* v0-v15 low halves (the high ones are the FPRs above). */
	for (int i = 0; i < 16; i++)
		ld_put64(a, d + 8 * i, r->vregs[i][1]);
	if ((err = add(sink, "LINUX", NT_S390_VXRS_LOW, d, 128)))
		return err;
	for (int i = 0; i < 16; i++) {
		ld_put64(a, d + 16 * i, r->vregs[16 + i][0]);
		ld_put64(a, d + 16 * i + 8, r->vregs[16 + i][1]);
	}
	if ((err = add(sink, "LINUX", NT_S390_VXRS_HIGH, d, 256)))
		return err;
	for (int i = 0; i < 4; i++)
		ld_put64(a, d + 8 * i, r->gscb[i]);
	return add(sink, "LINUX", NT_S390_GS_CB, d, 32);
}

/*
 * QEMU up to 9.0 stores pr_pid as a plain int, in its host's order; 9.1
 * converts it like every other field (an upstream fix of June 2024; 7.2's
 * and 10.0.13's sources read so, 8.x and 9.0 stable releases are not
 * checked).  No struct layout changes with it, so the version decides;
 * an unknown version is taken to be current.
 */
static bool s390_pid_host_order(const char *qemu_version)
{
	unsigned int major = 0, minor = 0;

	if (!qemu_version || sscanf(qemu_version, "%u.%u", &major, &minor) != 2)
		return false;
	return major < 9 || (major == 9 && minor < 1);
}

/*
 * s390x: QEMU's own prstatus (pad to 32, pr_pid, pad to 112, psw, gprs,
 * acrs, 16 bytes of pad): 336 bytes, the size of Linux's.
 */
const struct ld_cpu_arch ld_cpu_s390x = {
	.kind = LD_REGS_S390, .prstatus_size = S390_PRSTATUS_SIZE,
	.pid_off = 32, .reg_off = 112, .plan = plan_s390,
	.decode = s390_decode, .implausible = s390_implausible,
	.notes = s390_notes, .pid_host_order = s390_pid_host_order,
};
