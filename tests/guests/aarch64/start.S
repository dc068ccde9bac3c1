/* SPDX-License-Identifier: GPL-2.0-or-later */
/* aarch64 entry: QEMU jumps here at EL1, MMU off, for an ELF -kernel. */
	.section .text.start, "ax"
	.global _start
_start:
#ifdef __AARCH64EB__
	/*
	 * The big-endian build: EL1 data accesses big-endian (SCTLR_EL1.EE),
	 * before the first one.  QEMU sets it too for a big-endian ELF.
	 */
	mrs	x1, sctlr_el1
	orr	x1, x1, #(1 << 25)
	msr	sctlr_el1, x1
	isb
#endif
	/* Only the first CPU works; any other CPU that runs parks. */
	mrs	x1, mpidr_el1
	and	x1, x1, #0xffffff
	cbnz	x1, park
	ldr	x0, =stack_top
	mov	sp, x0
	/*
	 * Use the FPU once: 1/3 raises Inexact, which QEMU keeps in softfloat
	 * state until FPSR is read, so the dump's FPSR tests how that state
	 * is folded in; the quotient stays in d2.
	 */
	mov	x2, #(3 << 20)		/* CPACR_EL1.FPEN: no FP traps */
	msr	cpacr_el1, x2
	isb
	fmov	d0, #1.0
	fmov	d1, #3.0
	fdiv	d2, d0, d1
	bl	payload_main
park:
	wfe
	b	park

	.section .bss
	.balign 16
stack:
	.space 16384
stack_top:
