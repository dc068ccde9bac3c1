/* SPDX-License-Identifier: GPL-2.0-or-later */
/* aarch64 entry: QEMU jumps here at EL1, MMU off, for an ELF -kernel. */
	.section .text.start, "ax"
	.global _start
_start:
	/* Only the first CPU works; any other CPU that runs parks. */
	mrs	x1, mpidr_el1
	and	x1, x1, #0xffffff
	cbnz	x1, park
	ldr	x0, =stack_top
	mov	sp, x0
	bl	payload_main
park:
	wfe
	b	park

	.section .bss
	.balign 16
stack:
	.space 16384
stack_top:
