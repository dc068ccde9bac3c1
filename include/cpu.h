/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cpu.h - QEMU's vCPU list, the vCPUs' registers and the per-CPU ELF notes
 * of the vmcore.  cpu.c walks the list; one file per arch (cpu-x86.c,
 * cpu-arm.c, cpu-ppc.c, cpu-s390.c, behind src/cpu_impl.h) says what to
 * read, how to decode it into the plain register structs below, and which
 * notes QEMU builds from them (into any ld_note_sink).
 *
 * The list and each vCPU's register file (X86CPU.env / ARMCPU.env /
 * S390CPU.env) are read while the target is frozen, one read per vCPU,
 * bounded and cycle-checked.
 * The notes are the ones QEMU 7.2's dump-guest-memory writes for the arch:
 *
 *   X86_64      per CPU "CORE" NT_PRSTATUS (x86_64), then per CPU "QEMU"
 *   386         per CPU "CORE" NT_PRSTATUS (i386), then per CPU "QEMU"
 *   aarch64-*   per CPU "CORE" NT_PRSTATUS, "CORE" NT_PRFPREG and, for SVE
 *               CPUs, "LINUX" NT_ARM_SVE
 *   ppc64-*     per CPU "CORE" NT_PRSTATUS, NT_PRFPREG, NT_PPC_VMX,
 *               NT_PPC_VSX and NT_PPC_SPE (all five, whatever the CPU has)
 *   s390        per CPU "CORE" NT_PRSTATUS, NT_FPREGSET, then "LINUX"
 *               prefix, control registers, CPU timer, TOD comparator, TOD
 *               programmable register, vector registers low and high,
 *               guarded-storage control block
 *
 * When the layout lacks a register field the arch needs, every vCPU gets the
 * placeholder note and ld_cpus.warning names the field.
 */
#ifndef QLD_CPU_H
#define QLD_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "error.h"
#include "layout.h"
#include "notesink.h"
#include "reader.h"
#include "warnings.h"

#define LD_MAX_VCPUS 4096u
#define LD_ARM_MAX_VQ 16u	/* SVE vector length, in quadwords */

struct ld_x86_seg {
	uint32_t selector, limit, flags;
	uint64_t base;
};

/* CPUX86State's registers, zero-extended to 64 bits. */
struct ld_x86_regs {
	uint64_t regs[16];	/* QEMU's order: rax rcx rdx rbx rsp rbp rsi rdi
				   r8..r15 (r8-r15 zero for qemu-system-i386) */
	uint64_t rip, rflags;
	struct ld_x86_seg segs[6];	/* es cs ss ds fs gs */
	struct ld_x86_seg ldt, tr, gdt, idt;
	uint64_t cr[5];
	uint64_t kernel_gs_base;
	uint64_t efer;
	bool have_efer;
	bool lma;		/* in long mode, as QEMU's dump decides it */
};

/* CPUARMState's registers as QEMU's note code derives them. */
struct ld_arm_regs {
	uint64_t xregs[32];	/* xregs[31] is SP in AArch64 state */
	uint64_t pc;
	uint64_t pstate;	/* assembled like QEMU's pstate_read() */
	bool aarch64;		/* false: AArch32 state (registers not written) */
	bool el1_be;		/* SCTLR_EL1.EE: QEMU's dump is then big-endian */
	uint64_t ttbr1;		/* TTBR1_EL1 (not in any note) */
	bool have_ttbr1;
	uint64_t vregs[64];	/* q0..q31, low then high half */
	uint32_t fpsr, fpcr;
	bool sve;		/* has SVE: gets an NT_ARM_SVE note */
	uint32_t vq, max_vq;	/* current and maximum VL in quadwords */
	unsigned char *z;	/* 32 * vq * 16 bytes, as QEMU holds them */
	unsigned char *p;	/* 17 * vq * 2 bytes */
};

/* CPUPPCState's registers as QEMU's target/ppc/arch_dump.c takes them. */
struct ld_ppc_regs {
	uint64_t gpr[32];
	uint64_t nip, msr, ctr, lr;
	uint64_t xer;		/* assembled like QEMU's cpu_read_xer() */
	uint32_t cr;		/* crf[0..7] packed, crf[0] in the top nibble */
	uint64_t fpr[32];	/* doubleword 0 of vsr[0..31] */
	uint64_t vsrl[32];	/* doubleword 1 of vsr[0..31] */
	uint64_t avr_hi[32], avr_lo[32];	/* vsr[32..63]: dwords 0, 1 */
	uint32_t vscr;		/* with SAT folded in (ppc_get_vscr()) */
	uint64_t fpscr;
	uint64_t spe_acc;
	uint32_t spe_fscr;
	bool ile;		/* QEMU's dump of this vCPU is little-endian */
	bool pid;		/* QEMU writes pr_pid (else it stays 0) */
};

/* CPUS390XState's registers, as QEMU's s390x notes take them. */
struct ld_s390_regs {
	uint64_t psw_mask, psw_addr;
	uint64_t gprs[16];
	uint32_t acrs[16];
	uint32_t fpc;
	uint64_t vregs[32][2];	/* [i][0]: high half (FPR i for i < 16) */
	uint64_t cregs[16];
	uint64_t gscb[4];
	uint64_t prefix;	/* psa */
	uint64_t cputm, ckc;
	uint32_t todpr;
};

struct ld_vcpu {
	uint64_t addr;		/* CPUState (= its ArchCPU) in the target */
	int cpu_index;
	union {
		struct ld_x86_regs x86;
		struct ld_arm_regs arm;
		struct ld_ppc_regs ppc;
		struct ld_s390_regs s390;
	} r;			/* per ld_cpus.regs */
};

enum ld_regs_kind {
	LD_REGS_NONE,		/* placeholder notes */
	LD_REGS_X86,
	LD_REGS_ARM,
	LD_REGS_PPC,
	LD_REGS_S390,
};

struct ld_cpus {
	struct ld_vcpu *vcpus;
	size_t count;
	const char *source;	/* "cpus" or "cpus_queue" */
	enum ld_regs_kind regs;	/* what vcpus[].r holds */
	uint64_t read_len;	/* bytes read per vCPU */
	char *warning;		/* why the notes fall short of QEMU's (also
				   given to the warnings sink), or NULL */
	/* A register value no real vCPU holds (why, for messages), or NULL. */
	const char *implausible;
	/* Some state QEMU's dump would include could not be read (SVE). */
	bool incomplete;
	const struct ld_cpu_arch *ops;	/* the arch that read vcpus[].r */
};

/*
 * Walk the CPU list and read each vCPU's registers for arch.  Without the
 * list symbol or its layout, count is 0 (no CPU notes).  Missing register
 * fields are not an error: regs is LD_REGS_NONE and warning says why (to
 * warn as well; warn may be NULL).
 */
struct ld_error *ld_cpus_read_arch(const struct ld_layout *layout,
				   const struct ld_arch *arch,
				   const struct ld_reader *rd,
				   struct ld_cpus *out,
				   struct ld_warnings *warn);

/* The list only (arch NULL): every vCPU gets placeholder notes. */
struct ld_error *ld_cpus_read(const struct ld_layout *layout,
			      const struct ld_reader *rd, struct ld_cpus *out);

/*
 * For layouts taken from another build (a profile of another point
 * release): the vCPUs must be read with real registers, and every value
 * with an architectural invariant must keep it.  An error says what broke.
 */
struct ld_error *ld_cpus_check_strict(const struct ld_cpus *cpus,
				      const struct ld_arch *arch);

/* The same vCPUs (addresses, indexes) in the same order: --freeze=none. */
bool ld_cpus_same_list(const struct ld_cpus *a, const struct ld_cpus *b);

/* What QEMU's dump decides its ELF header by, from the first vCPU. */
void ld_cpus_arch_facts(const struct ld_cpus *cpus,
			struct ld_arch_facts *facts);

/*
 * The guest-physical address of the page-table root vCPU i translates
 * kernel addresses with (x86_64: CR3 in long mode, arm64: TTBR1_EL1),
 * as the vCPU holds it.  False where the arch or the layout cannot tell.
 */
bool ld_cpus_mmu_root(const struct ld_cpus *cpus, size_t i, uint64_t *root);

/* Size of NT_PRSTATUS's desc for arch (0 if unknown). */
size_t ld_prstatus_size(const struct ld_arch *arch);

/* The CPU notes of every vCPU into sink, in QEMU's order. */
struct ld_error *ld_cpus_add_notes(const struct ld_arch *arch,
				   const struct ld_cpus *cpus,
				   const struct ld_note_sink *sink);

/*
 * The same as the QEMU of version qemu_version ("7.2.22", NULL: unknown,
 * taken to be current) writes them: s390x's pr_pid is in QEMU's host
 * order up to 9.0.
 */
struct ld_error *ld_cpus_add_notes_for(const struct ld_arch *arch,
				       const struct ld_cpus *cpus,
				       const char *qemu_version,
				       const struct ld_note_sink *sink);

void ld_cpus_free(struct ld_cpus *cpus);

#endif /* QLD_CPU_H */
