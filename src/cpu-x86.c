// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpu-x86.c - x86 vCPUs (X86CPU.env) and the notes QEMU's
 * target/i386/arch_dump.c writes: per CPU "CORE" NT_PRSTATUS (x86_64 or
 * i386 layout), then per CPU "QEMU" (QEMUCPUState).
 */
#include <elf.h>
#include <string.h>

#include "cpu_impl.h"

/* QEMU's "QEMU" note (target/i386/arch_dump.c QEMUCPUState), version 1. */
#define QEMU_NOTE_VERSION	1
#define QEMU_NOTE_SIZE		440

/* Architectural bits (not QEMU's layout). */
#define X86_EFER_LMA		(1ull << 10)
#define X86_HF_LMA		(1u << 14)	/* QEMU's HF_LMA_MASK */
#define X86_CR0_PG		(1ull << 31)
#define X86_CR3_ADDR		0x000ffffffffff000ull	/* bits 51..12 */

/* ---- what to read ------------------------------------------------------ */

static bool plan_x86(struct plan *p)
{
	const struct ld_layout *l = p->l;
	static const enum ld_field segs[] = {
		LF_X86_LDT, LF_X86_TR, LF_X86_GDT, LF_X86_IDT,
	};
	uint64_t seg;
	bool ok;

	if (!ld_plan_need(p, LF_X86CPU_ENV, 0, 0))
		return false;
	p->env = l->offset[LF_X86CPU_ENV];
	ok = ld_plan_need(p, LF_X86_EIP, p->env, 0);
	p->tl = l->size[LF_X86_EIP];
	if (ok && p->tl != 4 && p->tl != 8) {
		p->missing = ld_field_descs[LF_X86_EIP].key;
		return false;
	}
	ok = ok && ld_plan_need(p, LF_X86_EFLAGS, p->env, p->tl);
	ok = ok && ld_plan_need(p, LF_X86_REGS, p->env, 0);
	if (ok && (l->size[LF_X86_REGS] % p->tl ||
		   l->size[LF_X86_REGS] / p->tl < 8 ||
		   l->size[LF_X86_REGS] / p->tl > 16)) {
		p->missing = ld_field_descs[LF_X86_REGS].key;
		return false;
	}
	ok = ok && ld_plan_need(p, LF_X86_CR, p->env, 0);
	if (ok && l->size[LF_X86_CR] < 5 * p->tl) {
		p->missing = ld_field_descs[LF_X86_CR].key;
		return false;
	}
	ok = ok && ld_plan_need(p, LF_SEG_SIZEOF, 0, 0) &&
	     ld_plan_need(p, LF_SEG_SELECTOR, 0, 4) && ld_plan_need(p, LF_SEG_LIMIT, 0, 4) &&
	     ld_plan_need(p, LF_SEG_FLAGS, 0, 4) && ld_plan_need(p, LF_SEG_BASE, 0, p->tl);
	if (!ok)
		return false;
	seg = l->size[LF_SEG_SIZEOF];
	if (!ld_plan_need(p, LF_X86_SEGS, p->env, 6 * seg))
		return false;
	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++)
		if (!ld_plan_need(p, segs[i], p->env, seg))
			return false;
	/* Only in 64-bit builds; QEMU then writes zero. */
	ld_plan_want(p, LF_X86_KERNELGSBASE, p->env, 8);
	ld_plan_want(p, LF_X86_EFER, p->env, 8);
	return true;
}

/* ---- decoding ---------------------------------------------------------- */

static void x86_seg(const struct plan *p, const unsigned char *buf,
		    uint64_t off, struct ld_x86_seg *s)
{
	const struct ld_layout *l = p->l;

	s->selector = ld_plan_get(buf, off + l->offset[LF_SEG_SELECTOR], 4);
	s->limit = ld_plan_get(buf, off + l->offset[LF_SEG_LIMIT], 4);
	s->flags = ld_plan_get(buf, off + l->offset[LF_SEG_FLAGS], 4);
	s->base = ld_plan_get(buf, off + l->offset[LF_SEG_BASE], p->tl);
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
		r->regs[i] = ld_plan_get(buf, p->env + l->offset[LF_X86_REGS] +
				 i * p->tl, p->tl);
	r->rip = ld_plan_env(p, buf, LF_X86_EIP);
	r->rflags = ld_plan_env(p, buf, LF_X86_EFLAGS);
	for (int i = 0; i < 6; i++)
		x86_seg(p, buf, p->env + l->offset[LF_X86_SEGS] + i * seg,
			&r->segs[i]);
	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++)
		x86_seg(p, buf, p->env + l->offset[segs[i]], out[i]);
	for (int i = 0; i < 5; i++)
		r->cr[i] = ld_plan_get(buf, p->env + l->offset[LF_X86_CR] + i * p->tl,
			       p->tl);
	r->kernel_gs_base = ld_plan_env_or0(p, buf, LF_X86_KERNELGSBASE, 8,
					p->env);
	r->have_efer = l->have[LF_X86_EFER] && l->size[LF_X86_EFER] == 8;
	r->efer = ld_plan_env_or0(p, buf, LF_X86_EFER, 8, p->env);
	/* QEMU's dump looks at hflags; EFER.LMA says the same. */
	if (l->have[LF_X86_HFLAGS] && l->size[LF_X86_HFLAGS] == 4)
		r->lma = ld_plan_env_or0(p, buf, LF_X86_HFLAGS, 4, p->env) & X86_HF_LMA;
	else
		r->lma = r->efer & X86_EFER_LMA;
}

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

/* ---- notes ------------------------------------------------------------- */

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
		ld_put64(a, regs + 8 * i, v[i]);
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
		ld_put32(a, regs + g[i].off, (uint32_t)r->regs[g[i].reg]);
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		ld_put16(a, regs + s[i].off, r->segs[s[i].seg].selector);
	ld_put32(a, regs + 48, (uint32_t)r->rip);
	ld_put32(a, regs + 56, (uint32_t)r->rflags);
}

static void put_seg(const struct ld_arch *a, unsigned char *d,
		    const struct ld_x86_seg *s)
{
	ld_put32(a, d, s->selector);
	ld_put32(a, d + 4, s->limit);
	ld_put32(a, d + 8, s->flags);
	ld_put64(a, d + 16, s->base);
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
	ld_put32(a, d, QEMU_NOTE_VERSION);
	ld_put32(a, d + 4, QEMU_NOTE_SIZE);
	for (int i = 0; i < 16; i++)
		ld_put64(a, d + 8 + 8 * i, r->regs[gpr[i]]);
	ld_put64(a, d + 136, r->rip);
	ld_put64(a, d + 144, r->rflags);
	for (int i = 0; i < 6; i++)
		put_seg(a, d + 152 + 24 * i, &r->segs[seg[i]]);
	for (int i = 0; i < 4; i++)
		put_seg(a, d + 296 + 24 * i, sys[i]);
	for (int i = 0; i < 5; i++)
		ld_put64(a, d + 392 + 8 * i, r->cr[i]);
	ld_put64(a, d + 432, r->kernel_gs_base);
}

/* ---- the arch's entries --------------------------------------------------- */

static struct ld_error *x86_decode(const struct plan *p,
				   const unsigned char *buf, struct ld_vcpu *v,
				   bool *incomplete)
{
	(void)incomplete;
	decode_x86(p, buf, &v->r.x86);
	return NULL;
}

static const char *x86_check(const struct plan *p, const unsigned char *buf,
			     const struct ld_vcpu *v)
{
	(void)p;
	(void)buf;
	return x86_implausible(&v->r.x86);
}

static void x86_facts(const struct ld_vcpu *first, struct ld_arch_facts *f)
{
	f->x86_lma = first->r.x86.lma;
}

/* Long mode with paging: CR3's table (PCID and flag bits off). */
static bool x86_mmu_root(const struct ld_vcpu *v, uint64_t *root)
{
	if (!v->r.x86.lma || !(v->r.x86.cr[0] & X86_CR0_PG))
		return false;
	*root = v->r.x86.cr[3] & X86_CR3_ADDR;
	return true;
}

/* NT_PRSTATUS in the x86_64 or the i386 layout, as the arch says. */
static struct ld_error *x86_notes(const struct ld_arch *a,
				  const struct ld_vcpu *v,
				  unsigned char *prstatus,
				  const struct ld_note_sink *sink)
{
	bool is64 = a->id == LD_ARCH_X86_64;
	const struct ld_cpu_arch *ca = is64 ? &ld_cpu_x86_64 : &ld_cpu_i386;

	if (is64)
		fill_x86_64(a, &v->r.x86, prstatus + ca->reg_off);
	else
		fill_i386(a, &v->r.x86, prstatus + ca->reg_off);
	return sink->add(sink->ctx, "CORE", NT_PRSTATUS, prstatus,
			 ca->prstatus_size);
}

/* All "QEMU" notes after all NT_PRSTATUS (QEMU's write_elf64_notes). */
static struct ld_error *x86_qemu_notes(const struct ld_arch *a,
				       const struct ld_cpus *cpus,
				       const struct ld_note_sink *sink)
{
	struct ld_error *err = NULL;

	for (size_t i = 0; i < cpus->count && !err; i++) {
		unsigned char q[QEMU_NOTE_SIZE];

		fill_qemu_note(a, &cpus->vcpus[i].r.x86, q);
		err = sink->add(sink->ctx, "QEMU", 0, q, sizeof(q));
		if (err)
			err = ld_error_context(err, "QEMU note of CPU %d (CPUState at 0x%llx)",
					       cpus->vcpus[i].cpu_index,
					       (unsigned long long)cpus->vcpus[i].addr);
	}
	return err;
}

/* x86_64: 112 + 27*8 (user_regs_struct) + 4 -> 332, padded to 336. */
const struct ld_cpu_arch ld_cpu_x86_64 = {
	.kind = LD_REGS_X86, .prstatus_size = 336, .pid_off = 32,
	.reg_off = 112, .plan = plan_x86, .decode = x86_decode,
	.implausible = x86_check, .facts = x86_facts,
	.mmu_root = x86_mmu_root,
	.notes = x86_notes, .notes_after = x86_qemu_notes,
};

/* i386: 72 + 17*4 + 4 = 144. */
const struct ld_cpu_arch ld_cpu_i386 = {
	.kind = LD_REGS_X86, .prstatus_size = 144, .pid_off = 24,
	.reg_off = 72, .plan = plan_x86, .decode = x86_decode,
	.implausible = x86_check, .facts = x86_facts,
	.notes = x86_notes, .notes_after = x86_qemu_notes,
};
