// SPDX-License-Identifier: GPL-2.0-or-later
/* test_cpu.c - vCPU registers: reading a synthetic env, the notes' bytes. */
#include <criterion/criterion.h>
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "cpu.h"
#include "elfcore.h"
#include "proc.h"
#include "layout.h"

/* ---- a fake target ------------------------------------------------------ */

#define BASE		0x7f0000000000ull
#define MEM_SIZE	(64u * 1024)
#define HEAD		0x10
#define CPU0		0x1000
#define CPU_STRIDE	0x4000
#define ENV		0x100	/* env inside the fake ArchCPU */
/* CPUState part: cpu_index at 8, node.tqe_next at 16. */

struct fake {
	unsigned char mem[MEM_SIZE];
	unsigned int reads;
	uint64_t fail_at;	/* reads covering this address fail */
};

static struct fake *fk;
static struct ld_layout L;

static struct ld_error *fake_read(void *ctx, uint64_t addr, void *buf,
				  size_t len)
{
	struct fake *f = ctx;

	f->reads++;
	if (addr < BASE || addr - BASE > MEM_SIZE ||
	    len > MEM_SIZE - (addr - BASE) ||
	    (f->fail_at && f->fail_at >= addr && f->fail_at < addr + len))
		return ld_error(LD_EXIT_COPY, "reading %zu bytes at 0x%llx: Bad address",
				len, (unsigned long long)addr);
	memcpy(buf, f->mem + (addr - BASE), len);
	return NULL;
}

static struct ld_reader rd;

static void field(enum ld_field f, uint64_t off, uint64_t size)
{
	L.offset[f] = off;
	L.size[f] = size;
	L.have[f] = true;
}

static void w64(uint64_t at, uint64_t v)
{
	memcpy(fk->mem + at, &v, 8);
}

static void w32(uint64_t at, uint32_t v)
{
	memcpy(fk->mem + at, &v, 4);
}

static void w16(uint64_t at, uint16_t v)
{
	memcpy(fk->mem + at, &v, 2);
}

static uint64_t cpu_at(int i)
{
	return CPU0 + (uint64_t)i * CPU_STRIDE;
}

/* Two vCPUs, cpu_index 0 and 1, listed in that order. */
static void setup_list(void)
{
	fk = calloc(1, sizeof(*fk));
	cr_assert_not_null(fk);
	memset(&L, 0, sizeof(L));
	rd.read = fake_read;
	rd.ctx = fk;
	field(LF_CPUS_FIRST, 0, 8);
	field(LF_CPU_INDEX, 8, 4);
	field(LF_CPU_NODE_NEXT, 16, 8);
	L.symbol[LS_CPUS] = BASE + HEAD;
	L.have_symbol[LS_CPUS] = true;
	w64(HEAD, BASE + cpu_at(0));
	w32(cpu_at(0) + 8, 0);
	w64(cpu_at(0) + 16, BASE + cpu_at(1));
	w32(cpu_at(1) + 8, 1);
	w64(cpu_at(1) + 16, 0);
}

static void teardown(void)
{
	free(fk);
}

/* x86: env-relative offsets of a made-up CPUX86State. */
#define X_REGS	0
#define X_EIP	128
#define X_EFL	136
#define X_SEGS	144
#define X_LDT	288
#define X_TR	312
#define X_GDT	336
#define X_IDT	360
#define X_CR	384
#define X_KGS	432
#define X_EFER	440

static void put_seg(uint64_t at, uint32_t sel, uint64_t base, uint32_t lim,
		    uint32_t flags)
{
	w32(at, sel);
	w64(at + 8, base);
	w32(at + 16, lim);
	w32(at + 20, flags);
}

static void setup_x86(void)
{
	setup_list();
	field(LF_X86CPU_ENV, ENV, 2000);
	field(LF_X86_REGS, X_REGS, 128);
	field(LF_X86_EIP, X_EIP, 8);
	field(LF_X86_EFLAGS, X_EFL, 8);
	field(LF_X86_SEGS, X_SEGS, 144);
	field(LF_X86_LDT, X_LDT, 24);
	field(LF_X86_TR, X_TR, 24);
	field(LF_X86_GDT, X_GDT, 24);
	field(LF_X86_IDT, X_IDT, 24);
	field(LF_X86_CR, X_CR, 40);
	field(LF_X86_KERNELGSBASE, X_KGS, 8);
	field(LF_X86_EFER, X_EFER, 8);
	field(LF_SEG_SIZEOF, 0, 24);
	field(LF_SEG_SELECTOR, 0, 4);
	field(LF_SEG_BASE, 8, 8);
	field(LF_SEG_LIMIT, 16, 4);
	field(LF_SEG_FLAGS, 20, 4);
	for (int c = 0; c < 2; c++) {
		uint64_t e = cpu_at(c) + ENV;

		for (int i = 0; i < 16; i++)
			w64(e + X_REGS + 8 * i,
			    0x1111000000000000ull + c * 0x100 + i);
		w64(e + X_EIP, 0xffffffff81000010ull + c);
		w64(e + X_EFL, 0x246);
		for (int s = 0; s < 6; s++)
			put_seg(e + X_SEGS + 24 * s, 0x10 + 8 * s,
				0x7f0000000000ull + 0x1000 * s, 0xfffff,
				0xa09b00 + s);
		put_seg(e + X_LDT, 0x50, 0x5000, 0x5f, 0x8200);
		put_seg(e + X_TR, 0x40, 0x4000, 0x67, 0x8b00);
		put_seg(e + X_GDT, 0, 0x3000, 0x7f, 0);
		put_seg(e + X_IDT, 0, 0x2000, 0xfff, 0);
		for (int i = 0; i < 5; i++)
			w64(e + X_CR + 8 * i, 0xc000 + i);
		w64(e + X_KGS, 0xffff888000000000ull);
		w64(e + X_EFER, 0xd01);	/* LMA */
	}
}

/* ---- reading notes back from the rendered head ------------------------- */

struct note {
	char name[8];
	uint32_t type;
	size_t descsz;
	const unsigned char *desc;
};

static uint64_t rd_be_le(const unsigned char *p, int n, bool be)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[be ? n - 1 - i : i] << (8 * i);
	return v;
}

/* CPU notes (not the padding note) of elf, in file order. */
static size_t notes_of(struct ld_elf *elf, const struct ld_arch *a,
		       struct note *out, size_t max)
{
	const unsigned char *h;
	bool be = ld_arch_is_be(a), c64 = a->elf_class == ELFCLASS64;
	uint64_t phoff, off, size, end;
	const void *buf;
	size_t len, n = 0;

	cr_assert_null(ld_elf_layout(elf));
	cr_assert_null(ld_elf_render_head(elf, &buf, &len));
	h = buf;
	phoff = c64 ? rd_be_le(h + 32, 8, be) : rd_be_le(h + 28, 4, be);
	cr_assert_eq(rd_be_le(h + phoff, 4, be), PT_NOTE);
	off = c64 ? rd_be_le(h + phoff + 8, 8, be) :
		    rd_be_le(h + phoff + 4, 4, be);
	size = c64 ? rd_be_le(h + phoff + 32, 8, be) :
		     rd_be_le(h + phoff + 16, 4, be);
	end = off + size;
	cr_assert_leq(end, len);
	while (off + 12 <= end) {
		uint32_t nsz = rd_be_le(h + off, 4, be);
		uint32_t dsz = rd_be_le(h + off + 4, 4, be);
		uint32_t type = rd_be_le(h + off + 8, 4, be);
		const char *name = (const char *)h + off + 12;
		uint64_t doff = off + 12 + ((nsz + 3) & ~3u);

		if (nsz && (!strcmp(name, "CORE") || !strcmp(name, "QEMU") ||
			    !strcmp(name, "LINUX"))) {
			cr_assert_lt(n, max);
			snprintf(out[n].name, sizeof(out[n].name), "%s", name);
			out[n].type = type;
			out[n].descsz = dsz;
			out[n].desc = h + doff;
			n++;
		}
		off = doff + ((dsz + 3) & ~3u);
	}
	return n;
}

static uint64_t d64(const struct note *n, size_t at, bool be)
{
	cr_assert_leq(at + 8, n->descsz);
	return rd_be_le(n->desc + at, 8, be);
}

static uint32_t d32(const struct note *n, size_t at, bool be)
{
	cr_assert_leq(at + 4, n->descsz);
	return rd_be_le(n->desc + at, 4, be);
}

static bool zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void read_cpus(const char *arch, struct ld_cpus *c)
{
	cr_assert_null(ld_cpus_read_arch(&L, ld_arch_lookup(arch), &rd, c, NULL));
}

/* ---- x86 ------------------------------------------------------------------ */

TestSuite(cpu_regs, .fini = teardown);

Test(cpu_regs, x86_64_prstatus_and_qemu_notes, .init = setup_x86)
{
	const struct ld_arch *a = ld_arch_lookup("X86_64");
	struct ld_elf *elf = ld_elf_new(a);
	struct ld_cpus c;
	struct note n[8];

	read_cpus("X86_64", &c);
	cr_assert_eq(c.count, 2);
	cr_assert_eq(c.regs, LD_REGS_X86);
	cr_assert_null(c.warning);
	/* One read for the head, then one per vCPU. */
	cr_assert_eq(fk->reads, 3);
	cr_assert_null(ld_cpus_add_notes(a, &c, ld_elf_note_sink(elf)));
	cr_assert_eq(notes_of(elf, a, n, 8), 4);
	/* All NT_PRSTATUS first, then all QEMU notes (write_elf64_notes). */
	for (int i = 0; i < 2; i++) {
		const struct note *p = &n[i], *q = &n[2 + i];
		uint64_t r0 = 0x1111000000000000ull + i * 0x100;

		cr_assert_str_eq(p->name, "CORE");
		cr_assert_eq(p->type, NT_PRSTATUS);
		cr_assert_eq(p->descsz, 336);
		cr_assert_eq(d32(p, 32, false), i + 1);
		cr_assert(zero(p->desc, 32));
		cr_assert(zero(p->desc + 36, 112 - 36));
		/* user_regs_struct: r15 r14 r13 r12 rbp rbx r11 ... */
		cr_assert_eq(d64(p, 112, false), r0 + 15);
		cr_assert_eq(d64(p, 112 + 4 * 8, false), r0 + 5);	/* rbp */
		cr_assert_eq(d64(p, 112 + 5 * 8, false), r0 + 3);	/* rbx */
		cr_assert_eq(d64(p, 112 + 10 * 8, false), r0 + 0);	/* rax */
		cr_assert_eq(d64(p, 112 + 11 * 8, false), r0 + 1);	/* rcx */
		cr_assert_eq(d64(p, 112 + 14 * 8, false), r0 + 7);	/* rdi */
		cr_assert_eq(d64(p, 112 + 15 * 8, false), 0);	/* orig_rax */
		cr_assert_eq(d64(p, 112 + 16 * 8, false),
			     0xffffffff81000010ull + i);		/* rip */
		cr_assert_eq(d64(p, 112 + 17 * 8, false), 0x18);	/* cs */
		cr_assert_eq(d64(p, 112 + 18 * 8, false), 0x246);
		cr_assert_eq(d64(p, 112 + 19 * 8, false), r0 + 4);	/* rsp */
		cr_assert_eq(d64(p, 112 + 20 * 8, false), 0x20);	/* ss */
		cr_assert_eq(d64(p, 112 + 21 * 8, false),
			     0x7f0000004000ull);			/* fs_base */
		cr_assert_eq(d64(p, 112 + 22 * 8, false),
			     0x7f0000005000ull);			/* gs_base */
		cr_assert_eq(d64(p, 112 + 23 * 8, false), 0x28);	/* ds */
		cr_assert_eq(d64(p, 112 + 24 * 8, false), 0x10);	/* es */
		cr_assert_eq(d64(p, 112 + 26 * 8, false), 0x38);	/* gs */
		cr_assert(zero(p->desc + 328, 8));

		cr_assert_str_eq(q->name, "QEMU");
		cr_assert_eq(q->type, 0);
		cr_assert_eq(q->descsz, 440);
		cr_assert_eq(d32(q, 0, false), 1);
		cr_assert_eq(d32(q, 4, false), 440);
		cr_assert_eq(d64(q, 8, false), r0 + 0);		/* rax */
		cr_assert_eq(d64(q, 16, false), r0 + 3);	/* rbx */
		cr_assert_eq(d64(q, 56, false), r0 + 4);	/* rsp */
		cr_assert_eq(d64(q, 64, false), r0 + 5);	/* rbp */
		cr_assert_eq(d64(q, 128, false), r0 + 15);	/* r15 */
		cr_assert_eq(d64(q, 136, false), 0xffffffff81000010ull + i);
		/* cs: selector, limit, flags, pad, base */
		cr_assert_eq(d32(q, 152, false), 0x18);
		cr_assert_eq(d32(q, 156, false), 0xfffff);
		cr_assert_eq(d32(q, 160, false), 0xa09b01);
		cr_assert_eq(d32(q, 164, false), 0);
		cr_assert_eq(d64(q, 168, false), 0x7f0000001000ull);
		/* ss is the 6th segment, then ldt tr gdt idt */
		cr_assert_eq(d32(q, 152 + 5 * 24, false), 0x20);
		cr_assert_eq(d32(q, 296, false), 0x50);
		cr_assert_eq(d64(q, 296 + 24 + 16, false), 0x4000);
		cr_assert_eq(d64(q, 296 + 72 + 16, false), 0x2000);
		cr_assert_eq(d32(q, 296 + 72 + 4, false), 0xfff);
		cr_assert_eq(d64(q, 392, false), 0xc000);
		cr_assert_eq(d64(q, 424, false), 0xc004);
		cr_assert_eq(d64(q, 432, false), 0xffff888000000000ull);
	}
	ld_elf_free(elf);
	ld_cpus_free(&c);
}

Test(cpu_regs, i386_prstatus, .init = setup_x86)
{
	const struct ld_arch *a = ld_arch_lookup("386");
	struct ld_elf *elf = ld_elf_new(a);
	struct ld_cpus c;
	struct note n[8];

	read_cpus("386", &c);
	cr_assert_null(ld_cpus_add_notes(a, &c, ld_elf_note_sink(elf)));
	cr_assert_eq(notes_of(elf, a, n, 8), 4);
	for (int i = 0; i < 2; i++) {
		const struct note *p = &n[i];
		uint32_t r0 = i * 0x100;

		cr_assert_eq(p->type, NT_PRSTATUS);
		cr_assert_eq(p->descsz, 144);
		cr_assert_eq(d32(p, 24, false), i + 1);
		cr_assert(zero(p->desc, 24));
		cr_assert(zero(p->desc + 28, 72 - 28));
		cr_assert_eq(d32(p, 72, false), r0 + 3);	/* ebx */
		cr_assert_eq(d32(p, 72 + 24, false), r0 + 0);	/* eax */
		cr_assert_eq(rd_be_le(p->desc + 72 + 28, 2, false), 0x28);
		cr_assert_eq(rd_be_le(p->desc + 72 + 30, 2, false), 0);
		cr_assert_eq(d32(p, 72 + 44, false), 0);	/* orig_eax */
		cr_assert_eq(d32(p, 72 + 48, false), 0x81000010u + i);
		cr_assert_eq(rd_be_le(p->desc + 72 + 52, 2, false), 0x18);
		cr_assert_eq(d32(p, 72 + 56, false), 0x246);
		cr_assert_eq(d32(p, 72 + 60, false), r0 + 4);	/* esp */
		cr_assert_eq(rd_be_le(p->desc + 72 + 64, 2, false), 0x20);
		cr_assert(zero(p->desc + 140, 4));
		cr_assert_str_eq(n[2 + i].name, "QEMU");
		cr_assert_eq(n[2 + i].descsz, 440);
	}
	ld_elf_free(elf);
	ld_cpus_free(&c);
}

/* QEMU's dump is EM_386 when the first vCPU is not in long mode. */
Test(cpu_regs, x86_long_mode_decides_qemus_choice, .init = setup_x86)
{
	struct ld_arch_facts f = { .target = "x86_64", .max_block_end = 1 << 30 };
	struct ld_cpus c;
	bool class64;

	read_cpus("X86_64", &c);
	ld_cpus_arch_facts(&c, &f);
	cr_assert(f.have_vcpu && f.x86_lma);
	cr_assert_eq(ld_arch_qemu_choice(&f, &class64)->id, LD_ARCH_X86_64);
	cr_assert(class64);
	ld_cpus_free(&c);

	w64(cpu_at(0) + ENV + X_EFER, 0);
	read_cpus("X86_64", &c);
	ld_cpus_arch_facts(&c, &f);
	cr_assert(!f.x86_lma);
	cr_assert_eq(ld_arch_qemu_choice(&f, &class64)->id, LD_ARCH_I386);
	cr_assert(!class64);
	ld_cpus_free(&c);
}

Test(cpu_regs, missing_field_gives_placeholder_naming_it, .init = setup_x86)
{
	const struct ld_arch *a = ld_arch_lookup("X86_64");
	struct ld_elf *elf = ld_elf_new(a);
	struct ld_cpus c;
	struct note n[8];

	L.have[LF_X86_EIP] = false;
	read_cpus("X86_64", &c);
	cr_assert_eq(c.count, 2);
	cr_assert_eq(c.regs, LD_REGS_NONE);
	cr_assert(strstr(c.warning, "CPUX86State.eip"), "%s", c.warning);
	cr_assert(strstr(c.warning, "placeholder"));
	cr_assert_null(ld_cpus_add_notes(a, &c, ld_elf_note_sink(elf)));
	/* Only the zeroed NT_PRSTATUS with pr_pid, no QEMU notes. */
	cr_assert_eq(notes_of(elf, a, n, 8), 2);
	cr_assert_eq(d32(&n[1], 32, false), 2);
	cr_assert(zero(n[1].desc + 36, 300));
	ld_elf_free(elf);
	ld_cpus_free(&c);
}

Test(cpu_regs, odd_field_size_gives_placeholder, .init = setup_x86)
{
	struct ld_cpus c;

	L.size[LF_X86_REGS] = 100;	/* not n * target_ulong */
	read_cpus("X86_64", &c);
	cr_assert_eq(c.regs, LD_REGS_NONE);
	cr_assert(strstr(c.warning, "CPUX86State.regs"), "%s", c.warning);
	ld_cpus_free(&c);
}

Test(cpu_regs, other_arch_binary_gives_placeholder, .init = setup_x86)
{
	struct ld_cpus c;

	read_cpus("aarch64-le", &c);
	cr_assert_eq(c.count, 2);
	cr_assert_eq(c.regs, LD_REGS_NONE);
	cr_assert(strstr(c.warning, "ARMCPU.env"), "%s", c.warning);
	ld_cpus_free(&c);
}

Test(cpu_regs, unreadable_register_file_keeps_the_list, .init = setup_x86)
{
	struct ld_cpus c;

	/* CPU 1's env is unreadable, its list fields are not. */
	fk->fail_at = BASE + cpu_at(1) + ENV + X_CR;
	read_cpus("X86_64", &c);
	cr_assert_eq(c.count, 2);
	cr_assert_eq(c.vcpus[1].cpu_index, 1);
	cr_assert_eq(c.regs, LD_REGS_NONE);
	cr_assert(strstr(c.warning, "Bad address"), "%s", c.warning);
	ld_cpus_free(&c);
}

Test(cpu_regs, placeholder_without_the_register_fields, .init = setup_x86)
{
	/* An x86 layout has none of these arches' register fields. */
	static const char *const arches[] = { "ppc64-le", "ppc64-be", "s390" };

	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++) {
		const struct ld_arch *a = ld_arch_lookup(arches[i]);
		struct ld_elf *elf = ld_elf_new(a);
		struct ld_cpus c;
		struct note n[4];
		char want[128];

		read_cpus(arches[i], &c);
		/* The warning names the field the x86 layout lacks. */
		snprintf(want, sizeof(want),
			 "CPU registers for %s are not read: QEMU's layout lacks ",
			 arches[i]);
		cr_assert(c.warning && !strncmp(c.warning, want, strlen(want)) &&
			  strstr(c.warning, "placeholder notes"), "%s",
			  c.warning ? c.warning : "(none)");
		cr_assert_eq(c.regs, LD_REGS_NONE);
		/* Only the list is read. */
		cr_assert_null(ld_cpus_add_notes(a, &c, ld_elf_note_sink(elf)));
		cr_assert_eq(notes_of(elf, a, n, 4), 2);
		cr_assert_eq(n[0].type, NT_PRSTATUS);
		cr_assert_eq(d32(&n[0], 32, ld_arch_is_be(a)), 1);
		cr_assert_eq(d32(&n[1], 32, ld_arch_is_be(a)), 2);
		ld_elf_free(elf);
		ld_cpus_free(&c);
	}
}

Test(cpu_regs, list_only_read_has_no_registers, .init = setup_x86)
{
	struct ld_cpus c;

	cr_assert_null(ld_cpus_read(&L, &rd, &c));
	cr_assert_eq(c.count, 2);
	cr_assert_eq(c.regs, LD_REGS_NONE);
	cr_assert_null(c.warning);
	cr_assert_eq(c.read_len, 24);
	ld_cpus_free(&c);
}

/* ---- aarch64 ---------------------------------------------------------- */

#define A_X	0
#define A_PC	256
#define A_PST	264
#define A_A64	268
#define A_NF	272
#define A_ZF	276
#define A_CF	280
#define A_VF	284
#define A_DAIF	288
#define A_BT	296
#define A_SVCR	304
#define A_Z	320	/* 32 x 32 bytes: ARM_MAX_VQ 2 */
#define A_P	1344	/* 17 x 16 */
#define A_QC	1616
#define A_VL	1632
#define A_VS	1636
#define A_VX	1640
#define A_FS	1704	/* four float_status of 16 */
#define A_ZCR	1768
#define A_SMCR	1800
#define A_LTP	1832
#define A_HCR	1840
#define A_SCR	1848
/* ARMCPU (absolute) */
#define C_PFR0	(ENV + 1900)
#define C_MAXVQ	(ENV + 1908)
#define C_SVEMAP (ENV + 1912)
#define C_SMEMAP (ENV + 1916)

static void setup_arm(void)
{
	setup_list();
	field(LF_ARMCPU_ENV, ENV, 1900);
	field(LF_ARM_XREGS, A_X, 256);
	field(LF_ARM_PC, A_PC, 8);
	field(LF_ARM_PSTATE, A_PST, 4);
	field(LF_ARM_AARCH64, A_A64, 1);
	field(LF_ARM_NF, A_NF, 4);
	field(LF_ARM_ZF, A_ZF, 4);
	field(LF_ARM_CF, A_CF, 4);
	field(LF_ARM_VF, A_VF, 4);
	field(LF_ARM_DAIF, A_DAIF, 8);
	field(LF_ARM_BTYPE, A_BT, 4);
	field(LF_ARM_SVCR, A_SVCR, 8);
	field(LF_ARM_ZREGS, A_Z, 32 * 32);
	field(LF_ARM_PREGS, A_P, 17 * 16);
	field(LF_ARM_QC, A_QC, 16);
	field(LF_ARM_VEC_LEN, A_VL, 4);
	field(LF_ARM_VEC_STRIDE, A_VS, 4);
	field(LF_ARM_VFP_XREGS, A_VX, 64);
	field(LF_ARM_FP_STATUS, A_FS, 16);
	field(LF_ARM_FP_STATUS_F16, A_FS + 16, 16);
	field(LF_ARM_STD_FP_STATUS, A_FS + 32, 16);
	field(LF_ARM_STD_FP_STATUS_F16, A_FS + 48, 16);
	field(LF_FLOAT_STATUS_FLAGS, 0, 2);
	field(LF_ARM_ZCR_EL, A_ZCR, 32);
	field(LF_ARM_SMCR_EL, A_SMCR, 32);
	field(LF_ARM_LTPSIZE, A_LTP, 4);
	field(LF_ARM_HCR_EL2, A_HCR, 8);
	field(LF_ARM_SCR_EL3, A_SCR, 8);
	field(LF_ARMCPU_ID_AA64PFR0, C_PFR0, 8);
	field(LF_ARMCPU_SVE_MAX_VQ, C_MAXVQ, 4);
	field(LF_ARMCPU_SVE_VQ_MAP, C_SVEMAP, 4);
	field(LF_ARMCPU_SME_VQ_MAP, C_SMEMAP, 4);
	for (int c = 0; c < 2; c++) {
		uint64_t base = cpu_at(c), e = base + ENV;

		for (int i = 0; i < 32; i++)
			w64(e + A_X + 8 * i, 0xa000000000000000ull +
			    c * 0x100 + i);
		w64(e + A_PC, 0x40200000ull + 4 * c);
		w32(e + A_PST, 0x5);		/* EL1h */
		w64(e + A_DAIF, 0x3c0);
		w32(e + A_BT, 2);
		w32(e + A_NF, 0x80000000u);
		w32(e + A_ZF, 0);		/* Z set */
		w32(e + A_CF, 1);
		w32(e + A_VF, 0x80000000u);
		fk->mem[e + A_A64] = 1;
		for (int i = 0; i < 32; i++)
			for (int d = 0; d < 4; d++)
				w64(e + A_Z + 32 * i + 8 * d,
				    0x0102030405060708ull * (d + 1) + i);
		for (int i = 0; i < 17; i++)
			w64(e + A_P + 16 * i, 0x1122334455667788ull + i);
		w32(e + A_VX + 4, 0x03000000);	/* FPSCR: DN, FZ */
		w32(e + A_QC + 8, 1);		/* QC */
		w16(e + A_FS, 0x50);		/* inexact, output denormal */
		w16(e + A_FS + 16, 0x20);	/* f16 input denormal: masked */
		w16(e + A_FS + 32, 0x20);	/* input denormal */
		w64(e + A_ZCR + 8, 1);		/* ZCR_EL1.LEN 1: vq 2 */
		w64(base + C_PFR0, 1ull << 32);	/* SVE, no EL2/EL3 */
		w32(base + C_MAXVQ, 2);
		w32(base + C_SVEMAP, 3);
	}
}

static void check_arm(const char *arch)
{
	const struct ld_arch *a = ld_arch_lookup(arch);
	bool be = ld_arch_is_be(a);
	struct ld_elf *elf = ld_elf_new(a);
	struct ld_cpus c;
	struct note n[8];

	read_cpus(arch, &c);
	cr_assert_eq(c.regs, LD_REGS_ARM);
	cr_assert_null(c.warning, "%s", c.warning);
	cr_assert_eq(fk->reads, 3);
	cr_assert_null(ld_cpus_add_notes(a, &c, ld_elf_note_sink(elf)));
	cr_assert_eq(notes_of(elf, a, n, 8), 6);
	for (int i = 0; i < 2; i++) {
		const struct note *p = &n[3 * i], *f = &n[3 * i + 1],
				  *s = &n[3 * i + 2];
		uint64_t x0 = 0xa000000000000000ull + i * 0x100;

		/* Each CPU's notes together: PRSTATUS, PRFPREG, SVE. */
		cr_assert_str_eq(p->name, "CORE");
		cr_assert_eq(p->type, NT_PRSTATUS);
		cr_assert_eq(p->descsz, 392);
		cr_assert_eq(d32(p, 32, be), i + 1);
		cr_assert(zero(p->desc, 32));
		cr_assert_eq(d64(p, 112, be), x0);
		cr_assert_eq(d64(p, 112 + 30 * 8, be), x0 + 30);
		cr_assert_eq(d64(p, 112 + 31 * 8, be), x0 + 31);	/* sp */
		cr_assert_eq(d64(p, 112 + 32 * 8, be), 0x40200000ull + 4 * i);
		/* N Z C V | EL1h | DAIF | BTYPE 2 */
		cr_assert_eq(d64(p, 112 + 33 * 8, be), 0xf0000bc5ull);
		cr_assert_eq(d32(p, 384, be), 1);		/* pr_fpvalid */
		cr_assert(zero(p->desc + 388, 4));

		cr_assert_str_eq(f->name, "CORE");
		cr_assert_eq(f->type, NT_PRFPREG);
		cr_assert_eq(f->descsz, 528);
		for (int r = 0; r < 32; r += 31) {
			uint64_t lo = 0x0102030405060708ull + r;
			uint64_t hi = 0x0102030405060708ull * 2 + r;

			/* Big-endian notes put the high half first. */
			cr_assert_eq(d64(f, 16 * r, be), be ? hi : lo);
			cr_assert_eq(d64(f, 16 * r + 8, be), be ? lo : hi);
		}
		cr_assert_eq(d32(f, 512, be), 0x08000098u);	/* fpsr */
		cr_assert_eq(d32(f, 516, be), 0x03000000u);	/* fpcr */
		cr_assert(zero(f->desc + 520, 8));

		/* vq 2: 16 + 32*32 + 17*4 -> fpsr at 1120, size 1136 */
		cr_assert_str_eq(s->name, "LINUX");
		cr_assert_eq(s->type, 0x405);
		cr_assert_eq(s->descsz, 1136);
		cr_assert_eq(d32(s, 0, be), 1136);
		cr_assert_eq(d32(s, 4, be), 1136);
		cr_assert_eq(rd_be_le(s->desc + 8, 2, be), 32);
		cr_assert_eq(rd_be_le(s->desc + 10, 2, be), 32);
		cr_assert_eq(rd_be_le(s->desc + 12, 2, be), 1);
		/* Z and P data stay little-endian, as QEMU copies them. */
		cr_assert_eq(rd_be_le(s->desc + 16 + 32 * 5 + 24, 8, false),
			     0x0102030405060708ull * 4 + 5);
		cr_assert_eq(rd_be_le(s->desc + 1040 + 4 * 16, 4, false),
			     0x55667788u + 16);
		cr_assert_eq(d32(s, 1120, be), 0x08000098u);
		cr_assert_eq(d32(s, 1124, be), 0x03000000u);
	}
	ld_elf_free(elf);
	ld_cpus_free(&c);
}

Test(cpu_regs, aarch64_le_notes, .init = setup_arm)
{
	check_arm("aarch64-le");
}

Test(cpu_regs, aarch64_be_notes, .init = setup_arm)
{
	check_arm("aarch64-be");
}

Test(cpu_regs, aarch64_without_sve, .init = setup_arm)
{
	const struct ld_arch *a = ld_arch_lookup("aarch64-le");
	struct ld_elf *elf = ld_elf_new(a);
	struct ld_cpus c;
	struct note n[8];

	for (int i = 0; i < 2; i++)
		w64(cpu_at(i) + C_PFR0, 0);
	read_cpus("aarch64-le", &c);
	cr_assert_null(ld_cpus_add_notes(a, &c, ld_elf_note_sink(elf)));
	cr_assert_eq(notes_of(elf, a, n, 8), 4);
	cr_assert_eq(n[1].type, NT_PRFPREG);
	cr_assert_eq(n[2].type, NT_PRSTATUS);
	ld_elf_free(elf);
	ld_cpus_free(&c);
}

Test(cpu_regs, aarch64_sve_length_follows_zcr, .init = setup_arm)
{
	const struct ld_arch *a = ld_arch_lookup("aarch64-le");
	struct ld_elf *elf = ld_elf_new(a);
	struct ld_cpus c;
	struct note n[8];

	w64(cpu_at(0) + ENV + A_ZCR + 8, 0);	/* vq 1 */
	read_cpus("aarch64-le", &c);
	cr_assert_eq(c.vcpus[0].r.arm.vq, 1);
	cr_assert_eq(c.vcpus[1].r.arm.vq, 2);
	cr_assert_null(ld_cpus_add_notes(a, &c, ld_elf_note_sink(elf)));
	cr_assert_eq(notes_of(elf, a, n, 8), 6);
	/* QEMU's size for -cpu max at vq 1: 592. */
	cr_assert_eq(n[2].descsz, 592);
	cr_assert_eq(d32(&n[2], 4, false), 1136);	/* max_size */
	ld_elf_free(elf);
	ld_cpus_free(&c);
}

Test(cpu_regs, aarch64_zf_nonzero_clears_z, .init = setup_arm)
{
	struct ld_cpus c;

	w32(cpu_at(0) + ENV + A_ZF, 5);
	w32(cpu_at(0) + ENV + A_NF, 0x7fffffff);
	read_cpus("aarch64-le", &c);
	cr_assert_eq(c.vcpus[0].r.arm.pstate, 0x30000bc5u);
	ld_cpus_free(&c);
}

Test(cpu_regs, aarch32_vcpu_is_said_and_left_zero, .init = setup_arm)
{
	const struct ld_arch *a = ld_arch_lookup("aarch64-le");
	struct ld_elf *elf = ld_elf_new(a);
	struct ld_cpus c;
	struct note n[8];

	fk->mem[cpu_at(1) + ENV + A_A64] = 0;
	read_cpus("aarch64-le", &c);
	cr_assert(strstr(c.warning, "AArch32"), "%s", c.warning);
	cr_assert_null(ld_cpus_add_notes(a, &c, ld_elf_note_sink(elf)));
	cr_assert_eq(notes_of(elf, a, n, 8), 6);
	cr_assert(zero(n[3].desc + 112, 272));
	cr_assert_eq(d32(&n[3], 384, false), 1);
	ld_elf_free(elf);
	ld_cpus_free(&c);
}

Test(cpu_regs, aarch64_missing_fpsr_source_gives_placeholder,
     .init = setup_arm)
{
	struct ld_cpus c;

	L.have[LF_ARM_FP_STATUS_F16] = false;
	read_cpus("aarch64-be", &c);
	cr_assert_eq(c.regs, LD_REGS_NONE);
	cr_assert(strstr(c.warning, "CPUARMState.vfp.fp_status_f16"), "%s",
		  c.warning);
	ld_cpus_free(&c);
}

Test(cpu_regs, aarch64_sve_unknown_is_said, .init = setup_arm)
{
	struct ld_cpus c;

	L.have[LF_ARMCPU_SVE_MAX_VQ] = false;
	read_cpus("aarch64-le", &c);
	cr_assert_eq(c.regs, LD_REGS_ARM);
	cr_assert_not(c.vcpus[0].r.arm.sve);
	cr_assert(strstr(c.warning, "SVE"), "%s", c.warning);
	ld_cpus_free(&c);
}

/* ---- s390x ---------------------------------------------------------------- */

/* env-relative offsets of a made-up CPUS390XState. */
#define S_REGS	0
#define S_VREGS	128
#define S_AREGS	640
#define S_GSCB	704
#define S_FPC	736
#define S_MASK	744
#define S_ADDR	752
#define S_PSA	760
#define S_CREGS	768
#define S_CKC	896
#define S_CPUTM	904
#define S_TODPR	912

static uint64_t s390_val(int c, int what, int i)
{
	return 0x5000000000000000ull | (uint64_t)c << 40 |
	       (uint64_t)what << 16 | (uint64_t)i;
}

static void setup_s390(void)
{
	setup_list();
	field(LF_S390CPU_ENV, ENV, 920);
	field(LF_S390_REGS, S_REGS, 128);
	field(LF_S390_VREGS, S_VREGS, 512);
	field(LF_S390_AREGS, S_AREGS, 64);
	field(LF_S390_GSCB, S_GSCB, 32);
	field(LF_S390_FPC, S_FPC, 4);
	field(LF_S390_PSW_MASK, S_MASK, 8);
	field(LF_S390_PSW_ADDR, S_ADDR, 8);
	field(LF_S390_PSA, S_PSA, 8);
	field(LF_S390_CREGS, S_CREGS, 128);
	field(LF_S390_CKC, S_CKC, 8);
	field(LF_S390_CPUTM, S_CPUTM, 8);
	field(LF_S390_TODPR, S_TODPR, 4);
	for (int c = 0; c < 2; c++) {
		uint64_t e = cpu_at(c) + ENV;

		for (int i = 0; i < 16; i++) {
			w64(e + S_REGS + 8 * i, s390_val(c, 1, i));
			w32(e + S_AREGS + 4 * i, 0xa0000000u + 0x100 * c + i);
			w64(e + S_CREGS + 8 * i, s390_val(c, 3, i));
		}
		for (int i = 0; i < 64; i++)	/* vregs[i / 2][i % 2] */
			w64(e + S_VREGS + 8 * i, s390_val(c, 2, i));
		for (int i = 0; i < 4; i++)
			w64(e + S_GSCB + 8 * i, s390_val(c, 4, i));
		w32(e + S_FPC, 0x00080000u + c);
		w64(e + S_MASK, 0x0000200180000000ull);
		w64(e + S_ADDR, 0x2054a + 2 * c);
		w64(e + S_PSA, 0x8000 + 0x2000 * c);
		w64(e + S_CKC, 0xfedcba9876543210ull + c);
		w64(e + S_CPUTM, 0x000003e8000375ccull + c);
		w32(e + S_TODPR, 0x1234 + c);
	}
}

Test(cpu_regs, s390_notes_as_qemu_writes_them, .init = setup_s390)
{
	static const struct { const char *name; uint32_t type, size; } want[] = {
		{ "CORE", NT_PRSTATUS, 336 }, { "CORE", NT_FPREGSET, 136 },
		{ "LINUX", 0x305, 4 }, { "LINUX", 0x304, 128 },
		{ "LINUX", 0x301, 8 }, { "LINUX", 0x302, 8 },
		{ "LINUX", 0x303, 4 }, { "LINUX", 0x309, 128 },
		{ "LINUX", 0x30a, 256 }, { "LINUX", 0x30b, 32 },
	};
	const struct ld_arch *a = ld_arch_lookup("s390x");
	struct ld_elf *elf = ld_elf_new(a);
	struct ld_cpus c;
	struct note n[24];

	read_cpus("s390", &c);
	cr_assert_eq(c.regs, LD_REGS_S390);
	cr_assert_null(c.warning, "%s", c.warning);
	cr_assert_null(c.implausible, "%s", c.implausible);
	cr_assert_eq(fk->reads, 3);
	cr_assert_null(ld_cpus_check_strict(&c, a));
	cr_assert_null(ld_cpus_add_notes_for(a, &c, "7.2.22",
					     ld_elf_note_sink(elf)));
	cr_assert_eq(notes_of(elf, a, n, 24), 20);
	for (int i = 0; i < 2; i++) {
		const struct note *m = &n[10 * i];
		uint32_t pid;

		for (int k = 0; k < 10; k++) {
			cr_assert_str_eq(m[k].name, want[k].name);
			cr_assert_eq(m[k].type, want[k].type, "note %d", k);
			cr_assert_eq(m[k].descsz, want[k].size, "note %d", k);
		}
		/* pr_pid: QEMU 7.2 leaves it in its host's order. */
		memcpy(&pid, m[0].desc + 32, 4);
		cr_assert_eq(pid, (uint32_t)i + 1);
		cr_assert(zero(m[0].desc, 32));
		cr_assert(zero(m[0].desc + 36, 76));
		cr_assert_eq(d64(&m[0], 112, true), 0x0000200180000000ull);
		cr_assert_eq(d64(&m[0], 120, true), 0x2054aull + 2 * i);
		for (int r = 0; r < 16; r++) {
			cr_assert_eq(d64(&m[0], 128 + 8 * r, true),
				     s390_val(i, 1, r));
			cr_assert_eq(d32(&m[0], 256 + 4 * r, true),
				     0xa0000000u + 0x100 * i + r);
			/* FPR r is vregs[r][0]. */
			cr_assert_eq(d64(&m[1], 8 + 8 * r, true),
				     s390_val(i, 2, 2 * r));
			cr_assert_eq(d64(&m[3], 8 * r, true), s390_val(i, 3, r));
			/* Low halves of v0-v15, then v16-v31 whole. */
			cr_assert_eq(d64(&m[7], 8 * r, true),
				     s390_val(i, 2, 2 * r + 1));
			cr_assert_eq(d64(&m[8], 16 * r, true),
				     s390_val(i, 2, 32 + 2 * r));
			cr_assert_eq(d64(&m[8], 16 * r + 8, true),
				     s390_val(i, 2, 33 + 2 * r));
		}
		cr_assert(zero(m[0].desc + 320, 16));
		cr_assert_eq(d32(&m[1], 0, true), 0x00080000u + i);
		cr_assert(zero(m[1].desc + 4, 4));
		cr_assert_eq(d32(&m[2], 0, true), 0x8000u + 0x2000 * i);
		cr_assert_eq(d64(&m[4], 0, true), 0x000003e8000375ccull + i);
		cr_assert_eq(d64(&m[5], 0, true), 0xfedcba9876543210ull + i);
		cr_assert_eq(d32(&m[6], 0, true), 0x1234u + i);
		for (int r = 0; r < 4; r++)
			cr_assert_eq(d64(&m[9], 8 * r, true), s390_val(i, 4, r));
	}
	ld_elf_free(elf);
	ld_cpus_free(&c);
}

/* From 9.1 QEMU converts pr_pid too; an unknown version is taken so. */
Test(cpu_regs, s390_pid_order_follows_the_qemu_version, .init = setup_s390)
{
	static const struct { const char *version; bool host; } v[] = {
		{ "7.2.22", true }, { "8.2.2", true }, { "9.0.4", true },
		{ "9.1.0", false }, { "10.0.13", false }, { NULL, false },
		{ "garbage", false },
	};
	const struct ld_arch *a = ld_arch_lookup("s390");
	struct ld_cpus c;

	read_cpus("s390", &c);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct ld_elf *elf = ld_elf_new(a);
		struct note n[24];
		uint32_t pid;

		cr_assert_null(ld_cpus_add_notes_for(a, &c, v[i].version,
						     ld_elf_note_sink(elf)));
		cr_assert_eq(notes_of(elf, a, n, 24), 20);
		memcpy(&pid, n[10].desc + 32, 4);
		if (v[i].host)
			cr_assert_eq(pid, 2, "%s", v[i].version);
		else
			cr_assert_eq(d32(&n[10], 32, true), 2, "%s",
				     v[i].version ? v[i].version : "NULL");
		ld_elf_free(elf);
	}
	ld_cpus_free(&c);
}

Test(cpu_regs, s390_missing_field_gives_placeholder_naming_it,
     .init = setup_s390)
{
	const struct ld_arch *a = ld_arch_lookup("s390");
	struct ld_elf *elf = ld_elf_new(a);
	struct ld_cpus c;
	struct note n[4];
	struct ld_error *err;

	L.have[LF_S390_GSCB] = false;
	read_cpus("s390", &c);
	cr_assert_eq(c.regs, LD_REGS_NONE);
	cr_assert(strstr(c.warning, "CPUS390XState.gscb"), "%s", c.warning);
	err = ld_cpus_check_strict(&c, a);
	cr_assert_not_null(err);
	ld_error_free(err);
	cr_assert_null(ld_cpus_add_notes(a, &c, ld_elf_note_sink(elf)));
	cr_assert_eq(notes_of(elf, a, n, 4), 2);
	cr_assert_eq(n[0].type, NT_PRSTATUS);
	ld_elf_free(elf);
	ld_cpus_free(&c);
}

Test(cpu_regs, s390_member_of_another_size_is_not_used, .init = setup_s390)
{
	struct ld_cpus c;

	L.size[LF_S390_VREGS] = 256;	/* 16 registers, not 32 */
	read_cpus("s390", &c);
	cr_assert_eq(c.regs, LD_REGS_NONE);
	cr_assert(strstr(c.warning, "CPUS390XState.vregs"), "%s", c.warning);
	ld_cpus_free(&c);
}

Test(cpu_regs, s390_values_no_cpu_holds_are_implausible, .init = setup_s390)
{
	static const struct { uint64_t at, v; unsigned w; const char *says; } bad[] = {
		{ S_PSA, 0x8800, 8, "psa" },		/* not 8 KiB aligned */
		{ S_MASK, 0x0000000180000001ull, 8, "psw.mask" },
		{ S_TODPR, 0x10000, 4, "todpr" },
	};
	const struct ld_arch *a = ld_arch_lookup("s390");

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ld_cpus c;
		uint64_t at = cpu_at(1) + ENV + bad[i].at;
		unsigned char saved[8];
		struct ld_error *err;

		memcpy(saved, fk->mem + at, 8);
		if (bad[i].w == 8)
			w64(at, bad[i].v);
		else
			w32(at, (uint32_t)bad[i].v);
		read_cpus("s390", &c);
		cr_assert_eq(c.regs, LD_REGS_S390);
		cr_assert_not_null(c.implausible);
		cr_assert(strstr(c.implausible, bad[i].says), "%s",
			  c.implausible);
		err = ld_cpus_check_strict(&c, a);
		cr_assert_not_null(err);
		ld_error_free(err);
		ld_cpus_free(&c);
		memcpy(fk->mem + at, saved, 8);
	}
}

/* ---- accelerator ------------------------------------------------------ */

Test(cpu_accel, detect)
{
	int fd;

	cr_assert_str_eq(ld_detect_accel(getpid()), "tcg");
	cr_assert_str_eq(ld_detect_accel(0x7ffffff0), "unknown");
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		cr_assert_str_eq(ld_detect_accel(getpid()), "kvm");
		close(fd);
	}
}

/* ---- ppc64 ------------------------------------------------------------- */

/* env-relative offsets of a made-up CPUPPCState. */
#define P_GPR	0
#define P_LR	256
#define P_CTR	264
#define P_CRF	272
#define P_XER	304
#define P_SO	312
#define P_OV	320
#define P_CA	328
#define P_OV32	336
#define P_CA32	344
#define P_MSR	352
#define P_NIP	360
#define P_SPR	368	/* 1024 x 8 */
#define P_VSCR	8560
#define P_VSR	8576	/* 64 x 16 */
#define P_SAT	9600
#define P_ACC	9616
#define P_FSCR	9624
#define P_FPSCR	9632
#define P_IF2	9640
#define P_HV	9648
#define P_MSRM	9656

/* A ppc_vsr_t as QEMU holds it on this host: VsrD(0), VsrD(1). */
static void w_vsr(uint64_t at, uint64_t d0, uint64_t d1)
{
	bool le = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;

	w64(at + (le ? 8 : 0), d0);
	w64(at + (le ? 0 : 8), d1);
}

static void setup_ppc(void)
{
	setup_list();
	field(LF_PPCCPU_ENV, ENV, 9664);
	field(LF_PPC_GPR, P_GPR, 256);
	field(LF_PPC_LR, P_LR, 8);
	field(LF_PPC_CTR, P_CTR, 8);
	field(LF_PPC_CRF, P_CRF, 32);
	field(LF_PPC_XER, P_XER, 8);
	field(LF_PPC_SO, P_SO, 8);
	field(LF_PPC_OV, P_OV, 8);
	field(LF_PPC_CA, P_CA, 8);
	field(LF_PPC_OV32, P_OV32, 8);
	field(LF_PPC_CA32, P_CA32, 8);
	field(LF_PPC_MSR, P_MSR, 8);
	field(LF_PPC_NIP, P_NIP, 8);
	field(LF_PPC_SPR, P_SPR, 8192);
	field(LF_PPC_VSCR, P_VSCR, 4);
	field(LF_PPC_VSR, P_VSR, 1024);
	field(LF_PPC_VSCR_SAT, P_SAT, 16);
	field(LF_PPC_SPE_ACC, P_ACC, 8);
	field(LF_PPC_SPE_FSCR, P_FSCR, 4);
	field(LF_PPC_FPSCR, P_FPSCR, 8);
	field(LF_PPC_INSNS_FLAGS2, P_IF2, 8);
	field(LF_PPC_HAS_HV_MODE, P_HV, 1);
	for (int c = 0; c < 2; c++) {
		uint64_t e = cpu_at(c) + ENV;

		for (int i = 0; i < 32; i++)
			w64(e + P_GPR + 8 * i, 0xc000000000000000ull +
			    c * 0x100 + i);
		w64(e + P_LR, 0x4003a0);
		w64(e + P_CTR, 0x6f4);
		for (int i = 0; i < 8; i++)
			w32(e + P_CRF + 4 * i, i);	/* CR 0x01234567 */
		w64(e + P_XER, 0x7f);		/* byte count */
		w64(e + P_SO, 1);
		w64(e + P_CA, 1);
		w64(e + P_OV32, 1);
		w64(e + P_MSR, 0x8000000002002001ull + c * 0x10);
		w64(e + P_NIP, 0x400d00 + 4 * c);
		for (int i = 0; i < 32; i++) {
			w_vsr(e + P_VSR + 16 * i, 0x3ff0000000000000ull + i,
			      0x5500000000000000ull + i);
			w_vsr(e + P_VSR + 16 * (32 + i),
			      0x0102030405060708ull + i,
			      0x1112131415161718ull + i);
		}
		w32(e + P_VSCR, 0x10000);	/* NJ */
		fk->mem[e + P_SAT + 15] = 1;	/* SAT */
		w64(e + P_ACC, 0xacc);
		w32(e + P_FSCR, 0xf5c);
		w64(e + P_FPSCR, 0x82004000);
		w64(e + P_IF2, 0x80000);	/* ISA 3.0 */
		fk->mem[e + P_HV] = 1;
		/* HID0 and LPCR: the byte order's sources; none set. */
	}
}

static void check_ppc(const char *arch)
{
	const struct ld_arch *a = ld_arch_lookup(arch);
	bool be = ld_arch_is_be(a);
	struct ld_elf *elf = ld_elf_new(a);
	struct ld_cpus c;
	struct note n[12];

	read_cpus(arch, &c);
	cr_assert_eq(c.regs, LD_REGS_PPC);
	cr_assert_null(c.warning, "%s", c.warning);
	cr_assert_null(c.implausible, "%s", c.implausible);
	cr_assert_eq(fk->reads, 3);
	cr_assert_null(ld_cpus_add_notes(a, &c, ld_elf_note_sink(elf)));
	cr_assert_eq(notes_of(elf, a, n, 12), 10);
	for (int i = 0; i < 2; i++) {
		const struct note *p = &n[5 * i], *f = &n[5 * i + 1],
				  *v = &n[5 * i + 2], *x = &n[5 * i + 3],
				  *s = &n[5 * i + 4];
		uint64_t r0 = 0xc000000000000000ull + i * 0x100;

		/* Each CPU's five notes together, all "CORE". */
		for (int k = 0; k < 5; k++)
			cr_assert_str_eq(n[5 * i + k].name, "CORE");
		cr_assert_eq(p->type, NT_PRSTATUS);
		cr_assert_eq(p->descsz, 504);
		/* QEMU's ppc notes leave pr_pid zero. */
		cr_assert(zero(p->desc, 112));
		cr_assert_eq(d64(p, 112, be), r0);
		cr_assert_eq(d64(p, 112 + 31 * 8, be), r0 + 31);
		cr_assert_eq(d64(p, 112 + 32 * 8, be), 0x400d00ull + 4 * i);
		cr_assert_eq(d64(p, 112 + 33 * 8, be),
			     0x8000000002002001ull + i * 0x10);
		cr_assert_eq(d64(p, 112 + 34 * 8, be), 0);	/* orig_gpr3 */
		cr_assert_eq(d64(p, 112 + 35 * 8, be), 0x6f4);
		cr_assert_eq(d64(p, 112 + 36 * 8, be), 0x4003a0);
		/* SO, CA and (ISA 3.0) OV32 folded back into XER */
		cr_assert_eq(d64(p, 112 + 37 * 8, be), 0xa008007full);
		cr_assert_eq(d64(p, 112 + 38 * 8, be), 0x01234567);
		cr_assert(zero(p->desc + 112 + 39 * 8, 504 - 112 - 39 * 8));

		cr_assert_eq(f->type, NT_PRFPREG);
		cr_assert_eq(f->descsz, 264);
		cr_assert_eq(d64(f, 0, be), 0x3ff0000000000000ull);
		cr_assert_eq(d64(f, 31 * 8, be), 0x3ff0000000000000ull + 31);
		cr_assert_eq(d64(f, 256, be), 0x82004000);

		cr_assert_eq(v->type, 0x100);	/* NT_PPC_VMX */
		cr_assert_eq(v->descsz, 544);
		for (int r = 0; r < 32; r += 31) {
			uint64_t hi = 0x0102030405060708ull + r;
			uint64_t lo = 0x1112131415161718ull + r;

			/* One 128-bit value in the note's byte order. */
			cr_assert_eq(d64(v, 16 * r, be), be ? hi : lo);
			cr_assert_eq(d64(v, 16 * r + 8, be), be ? lo : hi);
		}
		cr_assert(zero(v->desc + 512, 12));
		cr_assert_eq(d32(v, 524, be), 0x10001);	/* NJ | SAT */
		cr_assert(zero(v->desc + 528, 16));	/* vrsave */

		cr_assert_eq(x->type, 0x102);	/* NT_PPC_VSX */
		cr_assert_eq(x->descsz, 256);
		cr_assert_eq(d64(x, 0, be), 0x5500000000000000ull);
		cr_assert_eq(d64(x, 31 * 8, be), 0x5500000000000000ull + 31);

		cr_assert_eq(s->type, 0x101);	/* NT_PPC_SPE */
		cr_assert_eq(s->descsz, 140);
		cr_assert(zero(s->desc, 128));
		cr_assert_eq(d64(s, 128, be), 0xacc);
		cr_assert_eq(d32(s, 136, be), 0xf5c);
	}
	ld_elf_free(elf);
	ld_cpus_free(&c);
}

Test(cpu_regs, ppc64_be_notes, .init = setup_ppc)
{
	check_ppc("ppc64-be");
}

Test(cpu_regs, ppc64_le_notes, .init = setup_ppc)
{
	check_ppc("ppc64-le");
}

/* The first vCPU's byte order as QEMU 7.2's cpu_get_dump_info() sees it. */
static bool ppc_ile_of_first(void)
{
	struct ld_arch_facts f = { .target = "ppc64" };
	struct ld_cpus c;

	read_cpus("ppc64-be", &c);
	cr_assert_eq(c.regs, LD_REGS_PPC);
	ld_cpus_arch_facts(&c, &f);
	cr_assert(f.have_vcpu);
	ld_cpus_free(&c);
	return f.ppc_ile;
}

Test(cpu_regs, ppc64_byte_order_follows_qemus_rule, .init = setup_ppc)
{
	uint64_t e = cpu_at(0) + ENV, hid0 = e + P_SPR + 8 * 0x3f0,
		 lpcr = e + P_SPR + 8 * 0x13e;

	/* HV-capable CPU (pseries POWER9): MSR[LE], MSR[ILE], LPCR[ILE]
	 * do not count, only HID0[HILE]. */
	w64(e + P_MSR, 0x8000000000010001ull);
	w64(lpcr, 1ull << 25);
	cr_assert(!ppc_ile_of_first());
	w64(hid0, 1ull << 59);		/* POWER9's HILE */
	cr_assert(ppc_ile_of_first());
	/* Before ISA 3.0 HILE is another bit. */
	w64(e + P_IF2, 0);
	cr_assert(!ppc_ile_of_first());
	w64(hid0, 1ull << 44);
	cr_assert(ppc_ile_of_first());
	/* Without HV mode: LPCR[ILE] (POWER7), else MSR[ILE] (970). */
	fk->mem[e + P_HV] = 0;
	cr_assert(ppc_ile_of_first());
	w64(lpcr, 0);
	cr_assert(ppc_ile_of_first());
	w64(e + P_MSR, 0x8000000000000001ull);	/* LE alone does not */
	cr_assert(!ppc_ile_of_first());
	/* The other vCPUs do not count. */
	w64(cpu_at(1) + ENV + P_SPR + 8 * 0x13e, 1ull << 25);
	cr_assert(!ppc_ile_of_first());
}

/* QEMU >= 9.1 (PPCElfPrstatus.pid in DWARF): pr_pid, and MSR[HV] of
 * msr_mask (clear on pseries) gates HID0. */
Test(cpu_regs, ppc64_newer_rules_follow_prstatus_pid, .init = setup_ppc)
{
	const struct ld_arch *a = ld_arch_lookup("ppc64-le");
	uint64_t e = cpu_at(0) + ENV, lpcr = e + P_SPR + 8 * 0x13e;
	struct ld_elf *elf;
	struct ld_cpus c;
	struct note n[12];

	field(LF_PPC_PRSTATUS_PID, 32, 4);
	/* msr_mask is needed then. */
	read_cpus("ppc64-be", &c);
	cr_assert_eq(c.regs, LD_REGS_NONE);
	cr_assert(strstr(c.warning, "CPUPPCState.msr_mask"), "%s", c.warning);
	ld_cpus_free(&c);
	field(LF_PPC_MSR_MASK, P_MSRM, 8);
	/* has_hv_mode but no MSR[HV] in msr_mask (pseries): LPCR[ILE]. */
	w64(lpcr, 1ull << 25);
	cr_assert(ppc_ile_of_first());
	w64(lpcr, 0);
	w64(e + P_SPR + 8 * 0x3f0, 1ull << 59);
	cr_assert(!ppc_ile_of_first());
	w64(e + P_MSRM, 1ull << 60);	/* powernv: HID0 again */
	cr_assert(ppc_ile_of_first());

	elf = ld_elf_new(a);
	read_cpus("ppc64-le", &c);
	cr_assert_eq(c.regs, LD_REGS_PPC);
	cr_assert_null(ld_cpus_add_notes(a, &c, ld_elf_note_sink(elf)));
	cr_assert_eq(notes_of(elf, a, n, 12), 10);
	cr_assert_eq(d32(&n[0], 32, false), 1);
	cr_assert_eq(d32(&n[5], 32, false), 2);
	cr_assert(zero(n[0].desc, 32));
	cr_assert(zero(n[0].desc + 36, 76));
	ld_elf_free(elf);
	ld_cpus_free(&c);

	/* Anywhere but pr_pid is not what QEMU's struct says. */
	field(LF_PPC_PRSTATUS_PID, 36, 4);
	read_cpus("ppc64-be", &c);
	cr_assert_eq(c.regs, LD_REGS_NONE);
	ld_cpus_free(&c);
}

Test(cpu_regs, ppc64_missing_field_gives_placeholder, .init = setup_ppc)
{
	struct ld_cpus c;

	L.have[LF_PPC_VSR] = false;
	read_cpus("ppc64-be", &c);
	cr_assert_eq(c.regs, LD_REGS_NONE);
	cr_assert(strstr(c.warning, "CPUPPCState.vsr"), "%s", c.warning);
	ld_cpus_free(&c);
}

Test(cpu_regs, ppc64_implausible_cr_is_said, .init = setup_ppc)
{
	struct ld_error *err;
	struct ld_cpus c;

	w32(cpu_at(1) + ENV + P_CRF + 12, 0x10);
	read_cpus("ppc64-be", &c);
	cr_assert_eq(c.regs, LD_REGS_PPC);
	cr_assert(c.implausible && strstr(c.implausible, "crf"));
	err = ld_cpus_check_strict(&c, ld_arch_lookup("ppc64-be"));
	cr_assert(err && strstr(err->message, "implausible"));
	ld_error_free(err);
	ld_cpus_free(&c);
}

/* cpu_get_dump_info()'s rules, as target/{i386,arm}/arch_dump.c have them. */
Test(arch_choice, qemus_rules)
{
	struct ld_arch_facts f = { .target = "x86_64", .have_vcpu = true };
	bool class64;

	/* A pc guest's BIOS block ends exactly at 4 GiB: ELFCLASS64. */
	f.max_block_end = 0x100000000ull;
	cr_assert_eq(ld_arch_qemu_choice(&f, &class64)->id, LD_ARCH_I386);
	cr_assert(class64);
	f.max_block_end = 0xffffffffull;
	ld_arch_qemu_choice(&f, &class64);
	cr_assert(!class64);
	f.x86_lma = true;
	cr_assert_eq(ld_arch_qemu_choice(&f, &class64)->id, LD_ARCH_X86_64);
	cr_assert(class64);
	/* qemu-system-i386 has no long mode. */
	f.target = "i386";
	cr_assert_eq(ld_arch_qemu_choice(&f, &class64)->id, LD_ARCH_I386);

	f.target = "aarch64";
	cr_assert_eq(ld_arch_qemu_choice(&f, &class64)->id, LD_ARCH_AARCH64_LE);
	cr_assert(class64);
	f.arm_el1_be = true;
	cr_assert_eq(ld_arch_qemu_choice(&f, &class64)->id, LD_ARCH_AARCH64_BE);

	f.target = "s390x";
	cr_assert_eq(ld_arch_qemu_choice(&f, &class64)->id, LD_ARCH_S390);
	/* ppc64: the first vCPU's interrupt byte order; big-endian without. */
	f.target = "ppc64";
	cr_assert_eq(ld_arch_for_target("ppc64")->id, LD_ARCH_PPC64_BE);
	cr_assert_eq(ld_arch_qemu_choice(&f, &class64)->id, LD_ARCH_PPC64_BE);
	cr_assert(class64);
	f.ppc_ile = true;
	cr_assert_eq(ld_arch_qemu_choice(&f, &class64)->id, LD_ARCH_PPC64_LE);
	f.have_vcpu = false;
	cr_assert_eq(ld_arch_qemu_choice(&f, &class64)->id, LD_ARCH_PPC64_BE);
	cr_assert_null(ld_arch_for_target("riscv64"));
}
