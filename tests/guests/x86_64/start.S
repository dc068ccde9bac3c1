/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x86_64 multiboot (v1) entry: 32-bit protected mode, paging off, EBX = MBI.
 * Identity-map the first 64 GiB with 2 MiB pages, enter long mode, call C.
 */
#define NPD	64			/* page directories: 64 x 1 GiB */

	.section .multiboot, "a"
	.balign 4
	.long 0x1BADB002
	.long 0x00000002		/* want mem_* and mmap_* */
	.long -(0x1BADB002 + 0x00000002)

	.section .text.start, "ax"
	.code32
	.global _start
_start:
	cli
	movl	$stack_top, %esp
	movl	%ebx, %ebp		/* multiboot info, survives below */

	/* The loader may not clear .bss: zero the page tables ourselves. */
	movl	$pt_start, %edi
	movl	$pt_end, %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx
	xorl	%eax, %eax
	rep stosl

	movl	$pdpt, %eax
	orl	$3, %eax
	movl	%eax, pml4

	movl	$pdpt, %edi
	movl	$pd, %eax
	orl	$3, %eax
	movl	$NPD, %ecx
1:	movl	%eax, (%edi)
	addl	$4096, %eax
	addl	$8, %edi
	loop	1b

	/* PD entry k maps k * 2 MiB: present, writable, large page. */
	movl	$pd, %edi
	xorl	%ebx, %ebx
2:	movl	%ebx, %eax
	shll	$21, %eax
	orl	$0x83, %eax
	movl	%eax, (%edi)
	movl	%ebx, %eax
	shrl	$11, %eax
	movl	%eax, 4(%edi)
	addl	$8, %edi
	incl	%ebx
	cmpl	$(NPD * 512), %ebx
	jb	2b

	movl	%cr4, %eax
	orl	$0x20, %eax		/* PAE */
	movl	%eax, %cr4
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	$0xC0000080, %ecx	/* EFER */
	rdmsr
	orl	$0x100, %eax		/* LME */
	wrmsr
	movl	%cr0, %eax
	orl	$0x80000001, %eax	/* PG | PE */
	movl	%eax, %cr0
	lgdt	gdt_desc
	ljmp	$0x08, $long_entry

	.code64
long_entry:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	movl	$stack_top, %esp
	movl	%ebp, %edi		/* arg 0: MBI physical address */
	call	payload_main
3:	hlt
	jmp	3b

	.section .rodata
	.balign 8
gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt

	.section .bss
	.balign 4096
pt_start:
pml4:	.space 4096
pdpt:	.space 4096
pd:	.space 4096 * NPD
pt_end:
	.balign 16
	.space 16384
stack_top:
