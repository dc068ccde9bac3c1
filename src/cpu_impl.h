/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cpu_impl.h - what an architecture's file (cpu-x86.c, cpu-arm.c,
 * cpu-ppc.c, cpu-s390.c) implements for cpu.c: which fields of the
 * ArchCPU to read (the plan), how to decode a copy of it into the plain
 * register structs of cpu.h, and which notes QEMU writes from them.
 */
#ifndef QLD_CPU_IMPL_H
#define QLD_CPU_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cpu.h"

/* The most of a CPU (CPUState + register file) read per vCPU. */
#define CPU_READ_MAX	(1u << 20)

/*
 * How QEMU keeps FPSR/FPCR (found from DWARF, not from the version):
 * up to 9.0 in vfp.xregs[ARM_VFP_FPSCR] with four float_status beside it;
 * from 10.0 in vfp.fpsr and vfp.fpcr, with vfp.fp_status[] indexed by
 * enum ARMFPStatusFlavour.
 */
enum arm_fp_scheme { ARM_FP_FPSCR, ARM_FP_SPLIT };

/*
 * The register fields are read from one copy of the ArchCPU (X86CPU /
 * ARMCPU): CPUState is its first member, so the copy also holds the list
 * fields and the whole vCPU costs one read.  hi is the copy's length.
 */
struct plan {
	const struct ld_layout *l;
	uint64_t env;		/* offset of env in the ArchCPU */
	uint64_t hi;
	const char *missing;	/* the first missing or odd field */
	/* x86 */
	uint64_t tl;		/* target_ulong size */
	/* arm */
	uint64_t zelem, pelem;	/* sizeof(ARMVectorReg), ARMPredicateReg */
	enum arm_fp_scheme fp;	/* where FPSR/FPCR live */
	bool have_pfr0;		/* ID_AA64PFR0 found ... */
	uint64_t pfr0_off;	/* ... at this offset in the ARMCPU */
	bool sve_fields;	/* everything the SVE note needs */
	/* ppc64 */
	bool ppc_pid;		/* arch_dump.c writes pr_pid: the newer rules */
};

/* Note a field needed at base+offset; false (and missing) if unusable. */
bool ld_plan_need(struct plan *p, enum ld_field f, uint64_t base,
		  uint64_t size_want);
/* Like ld_plan_need() for fields the notes can do without. */
bool ld_plan_want(struct plan *p, enum ld_field f, uint64_t base,
		  uint64_t size_want);

static inline bool ld_plan_width_ok(uint64_t w)
{
	return w == 1 || w == 2 || w == 4 || w == 8;
}

/* A host-order value of width bytes at buf + off. */
static inline uint64_t ld_plan_get(const unsigned char *buf, uint64_t off,
				   uint64_t width)
{
	switch (width) {
	case 1: { uint8_t v; memcpy(&v, buf + off, 1); return v; }
	case 2: { uint16_t v; memcpy(&v, buf + off, 2); return v; }
	case 4: { uint32_t v; memcpy(&v, buf + off, 4); return v; }
	default: { uint64_t v; memcpy(&v, buf + off, 8); return v; }
	}
}

/* Field f of the register file (the plan checked it lies in the copy). */
static inline uint64_t ld_plan_env(const struct plan *p,
				   const unsigned char *buf, enum ld_field f)
{
	return ld_plan_get(buf, p->env + p->l->offset[f], p->l->size[f]);
}

/* Field f at base if the layout has it with that size, else 0. */
static inline uint64_t ld_plan_env_or0(const struct plan *p,
				       const unsigned char *buf,
				       enum ld_field f, uint64_t size,
				       uint64_t base)
{
	const struct ld_layout *l = p->l;

	if (!l->have[f] || l->size[f] != size ||
	    base + l->offset[f] + size > p->hi)
		return 0;
	return ld_plan_get(buf, base + l->offset[f], size);
}

/* Note bytes in the target's byte order. */
static inline void ld_put16(const struct ld_arch *a, unsigned char *d,
			    uint16_t v)
{
	for (int i = 0; i < 2; i++)
		d[ld_arch_is_be(a) ? 1 - i : i] = v >> (8 * i);
}

static inline void ld_put32(const struct ld_arch *a, unsigned char *d,
			    uint32_t v)
{
	for (int i = 0; i < 4; i++)
		d[ld_arch_is_be(a) ? 3 - i : i] = v >> (8 * i);
}

static inline void ld_put64(const struct ld_arch *a, unsigned char *d,
			    uint64_t v)
{
	for (int i = 0; i < 8; i++)
		d[ld_arch_is_be(a) ? 7 - i : i] = v >> (8 * i);
}

/*
 * Linux's struct elf_prstatus, as crash/gdb expect it in a vmcore and as
 * QEMU writes it: elf_prstatus_common (pr_info, pr_cursig, pr_sigpend,
 * pr_sighold, pr_pid..., four timevals): with 8-byte longs pr_pid at 32
 * and 112 bytes in all, with 4-byte longs pr_pid at 24 and 72 bytes; then
 * elf_gregset_t pr_reg, int pr_fpvalid, tail padding to long.
 */
#define PRSTATUS_MAX	512	/* the largest desc of the table */

/* One architecture's vCPUs: what to read, how to decode, which notes. */
struct ld_cpu_arch {
	enum ld_regs_kind kind;	/* LD_REGS_NONE: placeholder notes */
	size_t prstatus_size, pid_off, reg_off;
	/* Note the fields to read in p; false: one is missing (p->missing). */
	bool (*plan)(struct plan *p);
	/* A copy of the ArchCPU -> v->r; *incomplete: state left out. */
	struct ld_error *(*decode)(const struct plan *p,
				   const unsigned char *buf,
				   struct ld_vcpu *v, bool *incomplete);
	/* A value no real vCPU holds (why), or NULL. */
	const char *(*implausible)(const struct plan *p,
				   const unsigned char *buf,
				   const struct ld_vcpu *v);
	/* Why the notes of this list fall short of QEMU's, or NULL. */
	const char *(*shortfall)(const struct ld_cpus *cpus, bool incomplete);
	/* v's kernel page-table root (ld_cpus_mmu_root), or NULL. */
	bool (*mmu_root)(const struct ld_vcpu *v, uint64_t *root);
	/* What QEMU's ELF header rule looks at, from the first vCPU. */
	void (*facts)(const struct ld_vcpu *first, struct ld_arch_facts *f);
	void (*free_regs)(struct ld_vcpu *v);
	/* v's notes; prstatus is the desc with pr_pid set, to fill and add. */
	struct ld_error *(*notes)(const struct ld_arch *a,
				  const struct ld_vcpu *v,
				  unsigned char *prstatus,
				  const struct ld_note_sink *sink);
	/* Notes after every vCPU's (x86: the "QEMU" notes), or NULL. */
	struct ld_error *(*notes_after)(const struct ld_arch *a,
					const struct ld_cpus *cpus,
					const struct ld_note_sink *sink);
	/*
	 * Whether the QEMU of this version ("7.2.22"; NULL: unknown) stores
	 * pr_pid in its host's order rather than the target's, or NULL:
	 * never.  A fix in a function body, which no layout shows.
	 */
	bool (*pid_host_order)(const char *qemu_version);
};

extern const struct ld_cpu_arch ld_cpu_x86_64, ld_cpu_i386;
extern const struct ld_cpu_arch ld_cpu_aarch64;
extern const struct ld_cpu_arch ld_cpu_ppc64;
extern const struct ld_cpu_arch ld_cpu_s390x;

#endif /* QLD_CPU_IMPL_H */
