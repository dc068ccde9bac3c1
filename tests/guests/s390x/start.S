/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * s390x entry: QEMU's IPL of an ELF -kernel starts CPU 0 here in 64-bit
 * addressing mode, DAT off, every interruption disabled; the other CPUs
 * stay stopped (nothing sends them a SIGP), so -smp N works as it is.
 *
 * Before the C part runs, this puts known values into the state QEMU's
 * dump writes notes of, so that comparing the tool's notes with QEMU's
 * checks every field rather than zeros: access registers, control
 * registers (CR0 AFP, and the vector enablement when the vector facility
 * is installed), FPRs and the FPC (1/3 leaves IEEE inexact in the FPC),
 * vector registers, the CPU timer, clock comparator, TOD programmable
 * register and the prefix.  No interruption is enabled, so the timers
 * never interrupt anything.
 */
#define CR0_AFP		0x40000		/* additional FP registers */
#define CR0_VX		0x20000		/* vector enablement */
#define PREFIX		0x8000		/* CPU 0's lowcore, in the reserved window */

	.section .text.start, "ax"
	.global _start
_start:
	larl	%r15, stack_top
	aghi	%r15, -160		/* the ABI's register save area */
	xc	0(8, %r15), 0(%r15)	/* back chain: none */

	/* Facility list (4 doublewords): the vector facility is bit 129. */
	larl	%r9, facilities
	lghi	%r0, 3
	stfle	0(%r9)

	larl	%r1, cr0
	stctg	%c0, %c0, 0(%r1)
	lg	%r2, 0(%r1)
	oilh	%r2, CR0_AFP >> 16
	tm	16(%r9), 0x40
	jz	1f
	oilh	%r2, CR0_VX >> 16
1:	stg	%r2, 0(%r1)
	lctlg	%c0, %c0, 0(%r1)

	larl	%r1, aregs
	lam	%a0, %a15, 0(%r1)

	/* FPRs and the FPC: 1/3 is inexact (masked: only the flag is set). */
	larl	%r1, fpdata
	lfpc	24(%r1)
	ld	%f0, 0(%r1)
	ld	%f1, 8(%r1)
	ldr	%f2, %f0
	ddbr	%f2, %f1
	ld	%f9, 16(%r1)		/* an AFP-only register */

	tm	16(%r9), 0x40
	jz	2f
	llihf	%r2, 0x11111111
	oilf	%r2, 0x22222222
	llihf	%r3, 0x33333333
	oilf	%r3, 0x44444444
	.machine push
	.machine z13
	vlvgp	%v1, %r2, %r3		/* low half: in NT_S390_VXRS_LOW */
	vlvgp	%v17, %r3, %r2		/* in NT_S390_VXRS_HIGH */
	.machine pop
2:
	larl	%r1, timers
	spt	0(%r1)
	sckc	8(%r1)
	lghi	%r0, 0x1234
	sckpf

	/* CPU 0's lowcore moves to PREFIX (inside the reserved window). */
	spx	16(%r1)

	brasl	%r14, payload_main
3:	j	3b

	.section .rodata
	.balign	8
fpdata:	.double	1.0, 3.0, -2.5
	.long	0			/* FPC: no trap enabled */
	.balign	8
timers:	.quad	0x0000100000000000	/* CPU timer */
	.quad	0xfedcba9876543210	/* clock comparator */
	.long	PREFIX
	.balign	4
aregs:	.long	0xa0000000, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7
	.long	0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf000000

	.section .bss
	.balign	8
facilities:
	.space	32
cr0:	.space	8
	.balign	16
stack:	.space	16384
stack_top:
