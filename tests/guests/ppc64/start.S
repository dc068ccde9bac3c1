/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ppc64 pseries entry: SLOF enters a -kernel image at its first byte in
 * big-endian, 64-bit real mode, r5 = its client interface (ePAPR/OF boot
 * protocol).  The payload runs 64-bit (MSR[SF]), the little-endian build
 * with MSR[LE]; calls into SLOF clear both for the call.
 */
#define MSR_LE	1

/*
 * Go on in the byte order this file was built for.  The first word is
 * "tdi 0,0,0x48" in this order (a no-op) and "b .+8" in the other one,
 * which lands on the trampoline: its words are spelt out big-endian
 * (.long in a little-endian file stores them byte-reversed, so a
 * big-endian CPU reads them right).  It flips MSR[LE] and rfids to 1:.
 */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FIX_ENDIAN					\
	tdi	0, 0, 0x48;				\
	b	1f;					\
	.long	0xa600607d;	/* mfmsr r11 */		\
	.long	0x01006b69;	/* xori r11,r11,1 */	\
	.long	0x00004039;	/* li r10,0 */		\
	.long	0x6401417d;	/* mtmsrd r10,1 */	\
	.long	0x05009f42;	/* bcl 20,31,$+4 */	\
	.long	0xa602487d;	/* mflr r10 */		\
	.long	0x14004a39;	/* addi r10,r10,20 */	\
	.long	0xa6035a7d;	/* mtsrr0 r10 */	\
	.long	0xa6037b7d;	/* mtsrr1 r11 */	\
	.long	0x2400004c;	/* rfid */		\
1:
#else
#define FIX_ENDIAN
#endif

	.section .text.start, "ax"
	.global _start
_start:
	FIX_ENDIAN
	/* Secondary vCPUs stay stopped in SLOF: only one CPU gets here. */
	lis	r1, (stack_top - 112)@ha
	addi	r1, r1, (stack_top - 112)@l
	lis	r2, (.TOC.)@ha
	addi	r2, r2, (.TOC.)@l
	li	r0, 0
	std	r0, 0(r1)
	/*
	 * Use the FPU and VMX once, so the dump's FPRs, FPSCR, AVRs and VSCR
	 * hold something: 1/3 raises Inexact (FPSCR), the quotient stays in
	 * f2; v2 = 30 in every byte, v6 = 0xff in every byte from an
	 * unsigned saturating add, which sets VSCR[SAT].  VSX (POWER7's
	 * ISA 2.06) copies v2 into vs3, whose low half only NT_PPC_VSX has.
	 */
	mfmsr	r9
	li	r10, 0x2000		/* MSR[FP] */
	oris	r10, r10, 0x0280	/* MSR[VEC], MSR[VSX] */
	or	r9, r9, r10
	li	r10, 1
	rldicr	r10, r10, 63, 0		/* MSR[SF]: SLOF enters in 32-bit mode */
	or	r9, r9, r10
	mtmsrd	r9
	isync
	lis	r9, one@ha
	addi	r9, r9, one@l
	lfd	f0, 0(r9)
	lfd	f1, 8(r9)
	fdiv	f2, f0, f1
	vspltisb v0, 15
	vspltisb v1, 15
	vaddsbs	v2, v0, v1	/* no saturation: 30 */
	vspltisb v5, -1
	vaddubs	v6, v5, v5	/* saturates: VSCR[SAT] */
	xxlor	vs3, vs34, vs34	/* v2 into vs3: FPR 3 and its low half */
	/* XER: SO, OV, CA, OV32, CA32 (kept apart by QEMU), byte count 0x7f */
	lis	r9, 0xe00c
	ori	r9, r9, 0x7f
	mtxer	r9
	mr	r3, r5		/* SLOF's client interface */
	bl	payload_main
	nop
2:	b	2b

/*
 * long of_call(void *args, u64 entry): call SLOF's client interface, which
 * runs big-endian, and return its r3.  SLOF keeps the non-volatile
 * registers; r2 and r13 are saved anyway.
 */
	.text
	.global of_call
	.balign 4
#if _CALL_ELF != 2
	.section .opd, "aw"
	.balign 8
of_call:
	.quad	.of_call, .TOC.@tocbase, 0
	.previous
	.global	.of_call
	.type	.of_call, @function
.of_call:
#else
	.type	of_call, @function
of_call:
#endif
	mflr	r0
	std	r0, 16(r1)
	stdu	r1, -144(r1)
	std	r2, 112(r1)
	std	r13, 120(r1)
	/*
	 * Into SLOF big-endian and in 32-bit mode (as Linux calls it): MSR[LE]
	 * and MSR[SF] clear for the call, back as they were when it returns
	 * to 3: (big-endian: the little-endian build turns LE on again first).
	 */
	mfmsr	r11
	std	r11, 128(r1)
	li	r12, 1
	rldicr	r12, r12, 63, 0		/* MSR[SF] */
	ori	r12, r12, MSR_LE
	andc	r11, r11, r12
	bcl	20, 31, 4f
4:	mflr	r12
	addi	r12, r12, 3f - 4b
	mtlr	r12
	mtsrr0	r4
	mtsrr1	r11
	rfid
3:	FIX_ENDIAN
	ld	r11, 128(r1)
	mtmsrd	r11
	isync
	ld	r2, 112(r1)
	ld	r13, 120(r1)
	addi	r1, r1, 144
	ld	r0, 16(r1)
	mtlr	r0
	blr

	.section .rodata
	.balign 8
one:
	.double	1.0, 3.0

	.section .bss
	.balign 16
stack:
	.space 32768
stack_top:
