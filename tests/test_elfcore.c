// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_elfcore.c - the ELF vmcore writer and the vCPU notes, checked by
 * reading the produced bytes back with libelf (elf_memory), for every arch;
 * the CPU list walk runs against a fake target address space.
 */
#include <criterion/criterion.h>
#include <elf.h>
#include <gelf.h>
#include <libelf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "elfcore.h"

#define PAGE 4096u

static void assert_ok(struct ld_error *err)
{
	cr_assert_null(err, "unexpected error: %s", err ? err->message : "");
}

/* The error err, asserted non-NULL, with code and a message part. */
static void assert_err(struct ld_error *err, enum ld_exit code,
		       const char *part)
{
	cr_assert_not_null(err, "expected an error containing \"%s\"", part);
	cr_assert_eq(err->code, code, "code %d for \"%s\"", err->code,
		     err->message);
	cr_assert_not_null(strstr(err->message, part),
			   "\"%s\" lacks \"%s\"", err->message, part);
	ld_error_free(err);
}

/* A vmcore image in memory: the head, then (optionally) the loads. */
struct image {
	unsigned char *buf;
	size_t len;
	size_t head_len;
	Elf *e;
};

static void image_open(struct ld_elf *elf, struct image *img, bool loads)
{
	const void *head;
	size_t len;

	assert_ok(ld_elf_render_head(elf, &head, &len));
	img->head_len = len;
	img->len = loads ? ld_elf_file_size(elf) : len;
	cr_assert_geq(img->len, len);
	img->buf = calloc(1, img->len);
	cr_assert_not_null(img->buf);
	memcpy(img->buf, head, len);
	cr_assert_eq(elf_version(EV_CURRENT), EV_CURRENT);
	img->e = elf_memory((char *)img->buf, img->len);
	cr_assert_not_null(img->e, "elf_memory: %s", elf_errmsg(-1));
	cr_assert_eq(elf_kind(img->e), ELF_K_ELF);
}

static void image_close(struct image *img)
{
	elf_end(img->e);
	free(img->buf);
}

static size_t phdrnum(Elf *e)
{
	size_t n = 0;

	cr_assert_eq(elf_getphdrnum(e, &n), 0, "elf_getphdrnum: %s",
		     elf_errmsg(-1));
	return n;
}

struct note {
	char name[32];
	uint32_t type;
	const unsigned char *desc;
	size_t descsz;
};

/* Parse the PT_NOTE segment; asserts it parses exactly to its end. */
static size_t read_notes(struct image *img, struct note *out, size_t max)
{
	GElf_Phdr ph;
	Elf_Data *d;
	GElf_Nhdr nh;
	size_t off = 0, next, name_off, desc_off, n = 0;

	cr_assert_not_null(gelf_getphdr(img->e, 0, &ph));
	cr_assert_eq(ph.p_type, PT_NOTE);
	if (!ph.p_filesz)
		return 0;
	d = elf_getdata_rawchunk(img->e, ph.p_offset, ph.p_filesz,
				 ELF_T_NHDR);
	cr_assert_not_null(d, "rawchunk: %s", elf_errmsg(-1));
	while (off < d->d_size &&
	       (next = gelf_getnote(d, off, &nh, &name_off, &desc_off))) {
		cr_assert_lt(n, max);
		cr_assert_lt(nh.n_namesz, sizeof(out[n].name));
		memcpy(out[n].name, (char *)d->d_buf + name_off, nh.n_namesz);
		out[n].name[nh.n_namesz] = 0;
		out[n].type = nh.n_type;
		/* desc bytes are untranslated: straight from the image. */
		out[n].desc = img->buf + ph.p_offset + desc_off;
		out[n].descsz = nh.n_descsz;
		n++;
		off = next;
	}
	cr_assert_eq(off, ph.p_filesz, "notes end at %zu of %zu", off,
		     (size_t)ph.p_filesz);
	return n;
}

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static const struct {
	uint64_t paddr, size;
} test_loads[] = {
	{ 0x0, 0xa0000 },		/* low RAM below the VGA hole */
	{ 0xc0000, 100 },		/* not a page multiple */
	{ 0x100000, 3 * PAGE },
	{ 0xfffff000, PAGE },		/* ends exactly at 4 GiB */
};
#define NLOADS (sizeof(test_loads) / sizeof(test_loads[0]))

static const char desc1[] = "abcdefg";	/* 8 with NUL: exact */
static const char desc2[] = "OSRELEASE=6.1\n";

static struct ld_elf *build(const struct ld_arch *a, size_t reserve)
{
	struct ld_elf *elf = ld_elf_new(a);

	cr_assert_not_null(elf);
	assert_ok(ld_elf_add_note(elf, "CORE", NT_PRSTATUS, desc1, 7));
	assert_ok(ld_elf_add_note(elf, "VMCOREINFO", 0, desc2,
				  strlen(desc2)));
	ld_elf_reserve_notes(elf, reserve);
	for (size_t i = 0; i < NLOADS; i++)
		assert_ok(ld_elf_add_load(elf, test_loads[i].paddr,
					  test_loads[i].size));
	assert_ok(ld_elf_layout(elf));
	return elf;
}

static void check_headers(const struct ld_arch *a, struct ld_elf *elf,
			  struct image *img)
{
	GElf_Ehdr eh;
	GElf_Phdr ph;
	uint64_t prev_end;
	size_t n;

	cr_assert_not_null(gelf_getehdr(img->e, &eh));
	cr_assert_eq(gelf_getclass(img->e), a->elf_class, "%s", a->name);
	cr_assert_eq(eh.e_ident[EI_CLASS], a->elf_class);
	cr_assert_eq(eh.e_ident[EI_DATA], a->elf_data, "%s", a->name);
	cr_assert_eq(eh.e_ident[EI_VERSION], EV_CURRENT);
	cr_assert_eq(eh.e_type, ET_CORE);
	cr_assert_eq(eh.e_machine, a->e_machine, "%s", a->name);
	cr_assert_eq(eh.e_version, EV_CURRENT);
	cr_assert_eq(eh.e_phoff, a->elf_class == ELFCLASS32 ?
			sizeof(Elf32_Ehdr) : sizeof(Elf64_Ehdr));
	cr_assert_eq(eh.e_ehsize, eh.e_phoff);
	cr_assert_eq(eh.e_phentsize, a->elf_class == ELFCLASS32 ?
			sizeof(Elf32_Phdr) : sizeof(Elf64_Phdr));
	cr_assert_eq(eh.e_shnum, 0);
	cr_assert_eq(eh.e_shoff, 0);
	/* The raw e_machine bytes (offset 18) in the target's order. */
	if (ld_arch_is_be(a)) {
		cr_assert_eq(img->buf[18], a->e_machine >> 8);
		cr_assert_eq(img->buf[19], a->e_machine & 0xff);
	} else {
		cr_assert_eq(img->buf[18], a->e_machine & 0xff);
		cr_assert_eq(img->buf[19], a->e_machine >> 8);
	}

	n = phdrnum(img->e);
	cr_assert_eq(n, 1 + NLOADS, "%s: %zu headers", a->name, n);
	cr_assert_eq(eh.e_phnum, n);

	cr_assert_not_null(gelf_getphdr(img->e, 0, &ph));
	cr_assert_eq(ph.p_type, PT_NOTE);
	cr_assert_eq(ph.p_offset, eh.e_phoff + n * eh.e_phentsize);
	cr_assert_eq(ph.p_vaddr, 0);
	cr_assert_eq(ph.p_paddr, 0);
	cr_assert_eq(ph.p_memsz, ph.p_filesz);
	cr_assert_leq(ph.p_offset + ph.p_filesz, img->head_len);
	prev_end = img->head_len;
	cr_assert_eq(img->head_len % PAGE, 0);
	cr_assert_gt(img->head_len, 0);

	for (size_t i = 0; i < NLOADS; i++) {
		cr_assert_not_null(gelf_getphdr(img->e, 1 + i, &ph));
		cr_assert_eq(ph.p_type, PT_LOAD);
		cr_assert_eq(ph.p_paddr, test_loads[i].paddr, "%s load %zu",
			     a->name, i);
		cr_assert_eq(ph.p_vaddr, test_loads[i].paddr);
		cr_assert_eq(ph.p_filesz, test_loads[i].size);
		cr_assert_eq(ph.p_memsz, test_loads[i].size);
		cr_assert_eq(ph.p_flags, 0);
		cr_assert_eq(ph.p_align, 0);
		cr_assert_eq(ph.p_offset, ld_elf_load_offset(elf, i));
		/* Back to back after the page-aligned head. */
		cr_assert_eq(ph.p_offset, prev_end, "%s load %zu", a->name, i);
		prev_end = ph.p_offset + ph.p_filesz;
	}
	cr_assert_eq(ld_elf_load_offset(elf, 0), img->head_len);
	cr_assert_eq(ld_elf_file_size(elf), prev_end);
}

Test(elfcore, every_arch_headers_loads_and_notes)
{
	for (unsigned int ai = 0; ai < ld_arch_count; ai++) {
		const struct ld_arch *a = &ld_arches[ai];
		struct ld_elf *elf = build(a, 100);
		struct image img;
		struct note notes[8];
		size_t n;

		image_open(elf, &img, true);
		check_headers(a, elf, &img);

		/* Loads read back at their offsets: fill, then fetch. */
		for (size_t i = 0; i < NLOADS; i++)
			memset(img.buf + ld_elf_load_offset(elf, i), 0x10 + i,
			       test_loads[i].size);
		for (size_t i = 0; i < NLOADS; i++) {
			GElf_Phdr ph;
			Elf_Data *d;

			gelf_getphdr(img.e, 1 + i, &ph);
			d = elf_getdata_rawchunk(img.e, ph.p_offset,
						 ph.p_filesz, ELF_T_BYTE);
			cr_assert_not_null(d);
			cr_assert_eq(((unsigned char *)d->d_buf)[0], 0x10 + i);
			cr_assert_eq(((unsigned char *)d->d_buf)
					[ph.p_filesz - 1], 0x10 + i);
		}

		n = read_notes(&img, notes, 8);
		cr_assert_eq(n, 3, "%s: %zu notes", a->name, n);
		cr_assert_str_eq(notes[0].name, "CORE");
		cr_assert_eq(notes[0].type, NT_PRSTATUS);
		cr_assert_eq(notes[0].descsz, 7);
		cr_assert_arr_eq(notes[0].desc, desc1, 7);
		cr_assert_str_eq(notes[1].name, "VMCOREINFO");
		cr_assert_eq(notes[1].type, 0);
		cr_assert_eq(notes[1].descsz, strlen(desc2));
		cr_assert_arr_eq(notes[1].desc, desc2, strlen(desc2));
		/* The reserved capacity is one padding note of zeros. */
		cr_assert_str_eq(notes[2].name, "NONE");
		cr_assert_eq(notes[2].type, 0);
		cr_assert_geq(notes[2].descsz, 100);
		cr_assert(all_zero(notes[2].desc, notes[2].descsz));
		image_close(&img);
		ld_elf_free(elf);
	}
}

Test(elfcore, notes_after_layout_use_the_reserved_capacity)
{
	static const char late[] = "late note, found during the copy";

	for (unsigned int ai = 0; ai < ld_arch_count; ai++) {
		const struct ld_arch *a = &ld_arches[ai];
		size_t need = ld_elf_note_size("VMCOREINFO", sizeof(late));
		struct ld_elf *elf = build(a, need);
		struct image img;
		struct note notes[8];
		GElf_Phdr ph0, ph1;
		uint64_t off0, size0;
		size_t n;

		image_open(elf, &img, false);
		gelf_getphdr(img.e, 0, &ph0);
		off0 = ld_elf_load_offset(elf, 0);
		size0 = ld_elf_file_size(elf);
		image_close(&img);

		/* Exactly the reserved size fits, even a second time no. */
		assert_ok(ld_elf_add_note(elf, "VMCOREINFO", 7, late,
					  sizeof(late)));
		assert_err(ld_elf_add_note(elf, "X", 1, late, sizeof(late)),
			   LD_EXIT_FAILURE, "does not fit");
		assert_err(ld_elf_add_load(elf, 0x200000000ull, PAGE),
			   LD_EXIT_FAILURE, "after the ELF layout");

		image_open(elf, &img, false);
		gelf_getphdr(img.e, 0, &ph1);
		/* Nothing moved: the head may already have been written. */
		cr_assert_eq(ph1.p_offset, ph0.p_offset);
		cr_assert_eq(ph1.p_filesz, ph0.p_filesz);
		cr_assert_eq(ld_elf_load_offset(elf, 0), off0);
		cr_assert_eq(ld_elf_file_size(elf), size0);
		n = read_notes(&img, notes, 8);
		cr_assert_eq(n, 4, "%s: %zu notes", a->name, n);
		cr_assert_str_eq(notes[2].name, "VMCOREINFO");
		cr_assert_eq(notes[2].type, 7);
		cr_assert_eq(notes[2].descsz, sizeof(late));
		cr_assert_arr_eq(notes[2].desc, late, sizeof(late));
		cr_assert_str_eq(notes[3].name, "NONE");
		cr_assert_eq(notes[3].descsz, 0);
		image_close(&img);
		ld_elf_free(elf);
	}
}

Test(elfcore, late_note_filling_the_area_exactly_leaves_no_padding)
{
	const struct ld_arch *a = ld_arch_lookup("s390x");
	struct ld_elf *elf = ld_elf_new(a);
	struct image img;
	struct note notes[4];
	unsigned char big[64] = { 1, 2, 3 };
	size_t n;

	cr_assert_not_null(elf);
	ld_elf_reserve_notes(elf, 1);	/* rounds to 4, + padding room */
	assert_ok(ld_elf_layout(elf));
	/* 4 + 20 bytes of room: header 12 + "AB\0" 4 + desc 8. */
	assert_err(ld_elf_add_note(elf, "AB", 2, big, 9), LD_EXIT_FAILURE,
		   "does not fit");
	/* Would leave 4 bytes, too few for a padding note. */
	assert_err(ld_elf_add_note(elf, "AB", 2, big, 4), LD_EXIT_FAILURE,
		   "does not fit");
	assert_ok(ld_elf_add_note(elf, "AB", 2, big, 8));
	image_open(elf, &img, false);
	n = read_notes(&img, notes, 4);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(notes[0].name, "AB");
	cr_assert_arr_eq(notes[0].desc, big, 8);
	image_close(&img);
	ld_elf_free(elf);
}

Test(elfcore, without_reserve_the_note_area_is_just_the_notes)
{
	const struct ld_arch *a = ld_arch_lookup("X86_64");
	struct ld_elf *elf = build(a, 0);
	struct image img;
	struct note notes[4];
	GElf_Phdr ph;

	image_open(elf, &img, false);
	gelf_getphdr(img.e, 0, &ph);
	cr_assert_eq(ph.p_filesz, ld_elf_note_size("CORE", 7) +
			ld_elf_note_size("VMCOREINFO", strlen(desc2)));
	cr_assert_eq(read_notes(&img, notes, 4), 2);
	image_close(&img);
	assert_err(ld_elf_add_note(elf, "A", 1, NULL, 0), LD_EXIT_FAILURE,
		   "does not fit");
	ld_elf_free(elf);
}

Test(elfcore, note_size_is_padded_to_4)
{
	cr_assert_eq(ld_elf_note_size("CORE", 336), 12 + 8 + 336);
	cr_assert_eq(ld_elf_note_size("VMCOREINFO", 1), 12 + 12 + 4);
	cr_assert_eq(ld_elf_note_size("", 0), 12 + 4);
}

Test(elfcore, no_loads_head_is_the_whole_file)
{
	for (unsigned int ai = 0; ai < ld_arch_count; ai++) {
		struct ld_elf *elf = ld_elf_new(&ld_arches[ai]);
		struct image img;

		assert_ok(ld_elf_layout(elf));
		image_open(elf, &img, false);
		cr_assert_eq(img.head_len, ld_elf_file_size(elf));
		cr_assert_eq(img.head_len % PAGE, 0);
		cr_assert_eq(phdrnum(img.e), 1);
		image_close(&img);
		ld_elf_free(elf);
	}
}

static void check_xnum(const char *arch)
{
	const struct ld_arch *a = ld_arch_lookup(arch);
	const size_t count = 70000;
	struct ld_elf *elf = ld_elf_new(a);
	struct image img;
	GElf_Ehdr eh;
	GElf_Shdr sh;
	GElf_Phdr ph;
	size_t shnum;

	cr_assert_not_null(elf);
	assert_ok(ld_elf_add_note(elf, "CORE", NT_PRSTATUS, desc1, 7));
	for (size_t i = 0; i < count; i++)
		assert_ok(ld_elf_add_load(elf, (uint64_t)i * 2 * PAGE, PAGE));
	assert_ok(ld_elf_layout(elf));
	image_open(elf, &img, false);

	cr_assert_not_null(gelf_getehdr(img.e, &eh));
	cr_assert_eq(eh.e_phnum, PN_XNUM);
	/* Before anything loads section 0: what a plain reader does. */
	cr_assert_eq(phdrnum(img.e), count + 1);
	cr_assert_neq(eh.e_shoff, 0);
	cr_assert_eq(eh.e_shstrndx, SHN_UNDEF);
	cr_assert_eq(elf_getshdrnum(img.e, &shnum), 0);
	cr_assert_eq(shnum, 1);
	cr_assert_not_null(gelf_getshdr(elf_getscn(img.e, 0), &sh));
	cr_assert_eq(sh.sh_type, SHT_NULL);
	cr_assert_eq(sh.sh_info, count + 1, "%s: sh_info %u", arch,
		     (unsigned int)sh.sh_info);
	cr_assert_eq(phdrnum(img.e), count + 1);

	/* The section header sits between the phdrs and the notes. */
	cr_assert_eq(eh.e_shoff, eh.e_phoff + (count + 1) * eh.e_phentsize);
	cr_assert_not_null(gelf_getphdr(img.e, 0, &ph));
	cr_assert_eq(ph.p_type, PT_NOTE);
	cr_assert_eq(ph.p_offset, eh.e_shoff + eh.e_shentsize);
	cr_assert_not_null(gelf_getphdr(img.e, count, &ph));
	cr_assert_eq(ph.p_type, PT_LOAD);
	cr_assert_eq(ph.p_paddr, (uint64_t)(count - 1) * 2 * PAGE);
	cr_assert_eq(ph.p_offset, img.head_len + (count - 1) * PAGE);
	cr_assert_eq(ld_elf_file_size(elf), img.head_len + count * PAGE);
	image_close(&img);
	ld_elf_free(elf);
}

Test(elfcore, pn_xnum_64) { check_xnum("X86_64"); }
Test(elfcore, pn_xnum_32) { check_xnum("386"); }
Test(elfcore, pn_xnum_big_endian) { check_xnum("ppc64-be"); }

/* Header bytes of the file as laid out: class and machine. */
static void expect_class(struct ld_elf *elf, unsigned char cls)
{
	const unsigned char *head;
	size_t len;

	assert_ok(ld_elf_render_head(elf, (const void **)&head, &len));
	cr_assert_geq(len, 20);
	cr_expect_eq(head[EI_CLASS], cls);
	cr_expect_eq(head[18] | head[19] << 8, EM_386);
	cr_expect_eq(ld_elf_class(elf), cls);
}

/* 386: ELFCLASS32 while everything fits, else ELFCLASS64 + EM_386 (QEMU's way). */
Test(elfcore, i386_widens_to_elf64_for_memory_above_4g)
{
	const struct ld_arch *a = ld_arch_lookup("i386");
	struct ld_elf *elf = ld_elf_new(a);
	struct image img;
	GElf_Phdr ph;

	assert_ok(ld_elf_add_load(elf, 0, 0xa0000));
	assert_ok(ld_elf_add_load(elf, 0xfffc0000, 0x40000));	/* ends at 4 GiB */
	assert_ok(ld_elf_layout(elf));
	expect_class(elf, ELFCLASS32);
	ld_elf_free(elf);

	elf = ld_elf_new(a);
	assert_ok(ld_elf_add_note(elf, "CORE", 1, "abcd", 4));
	assert_ok(ld_elf_add_load(elf, 0, 0xa0000));
	assert_ok(ld_elf_add_load(elf, 0x100000000ull, PAGE));
	assert_ok(ld_elf_layout(elf));
	expect_class(elf, ELFCLASS64);
	image_open(elf, &img, false);
	cr_assert(gelf_getphdr(img.e, 2, &ph));
	cr_expect_eq(ph.p_paddr, 0x100000000ull);
	cr_expect_eq(ph.p_vaddr, 0x100000000ull);
	image_close(&img);
	ld_elf_free(elf);

	/* Starting below 4 GiB but ending above it widens too. */
	elf = ld_elf_new(a);
	assert_ok(ld_elf_add_load(elf, 0xfffff000, 2 * PAGE));
	assert_ok(ld_elf_layout(elf));
	expect_class(elf, ELFCLASS64);
	ld_elf_free(elf);
}

Test(elfcore, i386_widens_for_a_file_over_4g)
{
	struct ld_elf *elf = ld_elf_new(ld_arch_lookup("386"));

	/* Each fits, but together the file passes 4 GiB. */
	assert_ok(ld_elf_add_load(elf, 0, 0xc0000000ull));
	assert_ok(ld_elf_add_load(elf, 0xc0000000ull, 0x40000000ull));
	assert_ok(ld_elf_layout(elf));
	expect_class(elf, ELFCLASS64);
	cr_expect_gt(ld_elf_file_size(elf), 1ull << 32);
	ld_elf_free(elf);
}

Test(elfcore, wrapping_load_is_refused)
{
	struct ld_elf *elf = ld_elf_new(ld_arch_lookup("X86_64"));

	assert_err(ld_elf_add_load(elf, UINT64_MAX - 10, PAGE),
		   LD_EXIT_FAILURE, "wraps");
	ld_elf_free(elf);
}

/* --- CPU notes ----------------------------------------------------------- */

static size_t expected_prstatus(enum ld_arch_id id)
{
	switch (id) {
	case LD_ARCH_X86_64:
	case LD_ARCH_S390:
		return 336;
	case LD_ARCH_I386:
		return 144;
	case LD_ARCH_AARCH64_LE:
	case LD_ARCH_AARCH64_BE:
		return 392;
	case LD_ARCH_PPC64_LE:
	case LD_ARCH_PPC64_BE:
		return 504;
	}
	return 0;
}

Test(cpu, prstatus_notes_for_every_arch)
{
	struct ld_vcpu v[3] = {
		{ .addr = 0x1000, .cpu_index = 0 },
		{ .addr = 0x2000, .cpu_index = 5 },
		{ .addr = 0x3000, .cpu_index = 300 },
	};
	struct ld_cpus cpus = { .vcpus = v, .count = 3, .source = "cpus" };

	for (unsigned int ai = 0; ai < ld_arch_count; ai++) {
		const struct ld_arch *a = &ld_arches[ai];
		size_t size = ld_prstatus_size(a);
		size_t pid_off = a->elf_class == ELFCLASS32 ? 24 : 32;
		struct ld_elf *elf = ld_elf_new(a);
		struct image img;
		struct note notes[8];
		size_t n;

		cr_assert_eq(size, expected_prstatus(a->id), "%s: %zu",
			     a->name, size);
		assert_ok(ld_cpus_add_notes(a, &cpus, ld_elf_note_sink(elf)));
		assert_ok(ld_elf_layout(elf));
		image_open(elf, &img, false);
		n = read_notes(&img, notes, 8);
		cr_assert_eq(n, 3, "%s", a->name);
		for (size_t i = 0; i < n; i++) {
			const unsigned char *d = notes[i].desc;
			uint32_t pid = v[i].cpu_index + 1;
			unsigned char want[4];

			cr_assert_str_eq(notes[i].name, "CORE");
			cr_assert_eq(notes[i].type, NT_PRSTATUS);
			cr_assert_eq(notes[i].descsz, size);
			/* pr_pid, raw, in the target byte order. */
			for (int b = 0; b < 4; b++)
				want[b] = ld_arch_is_be(a) ?
					pid >> (24 - 8 * b) : pid >> (8 * b);
			cr_assert_arr_eq(d + pid_off, want, 4, "%s cpu %zu",
					 a->name, i);
			cr_assert(all_zero(d, pid_off));
			cr_assert(all_zero(d + pid_off + 4,
					   size - pid_off - 4));
		}
		image_close(&img);
		ld_elf_free(elf);
	}
}

Test(cpu, no_cpus_no_notes)
{
	struct ld_cpus cpus = { 0 };
	struct ld_elf *elf = ld_elf_new(ld_arch_lookup("X86_64"));

	assert_ok(ld_cpus_add_notes(ld_arch_lookup("X86_64"), &cpus, ld_elf_note_sink(elf)));
	assert_ok(ld_elf_layout(elf));
	ld_elf_free(elf);
}

/* --- the CPU list walk --------------------------------------------------- */

/* CPUState as the fake target has it: a QTAILQ entry after the index. */
struct t_cpu {
	char parent_obj[40];
	int32_t cpu_index;
	int32_t pad;
	uint64_t node_next;	/* CPUState *, a target address */
	uint64_t node_prev;
};

struct fake_mem {
	uint64_t base;
	unsigned char bytes[4096];
};

static struct ld_error *fake_read(void *ctx, uint64_t addr, void *buf,
				  size_t len)
{
	struct fake_mem *m = ctx;

	if (addr < m->base || addr - m->base > sizeof(m->bytes) ||
	    len > sizeof(m->bytes) - (addr - m->base))
		return ld_error(LD_EXIT_COPY,
				"reading %zu bytes at 0x%llx: Bad address", len,
				(unsigned long long)addr);
	memcpy(buf, m->bytes + (addr - m->base), len);
	return NULL;
}

#define FAKE_BASE	0x7f0000000000ull
#define HEAD_OFF	0x10
#define CPU_OFF(i)	(0x100 + (i) * 0x100)

static struct fake_mem mem;
static struct ld_layout layout;
static const struct ld_reader rd = { fake_read, &mem };

static void set_field(enum ld_field f, uint64_t off, uint64_t size)
{
	layout.offset[f] = off;
	layout.size[f] = size;
	layout.have[f] = true;
}

static void put_cpu(int i, int32_t index, uint64_t next)
{
	struct t_cpu c = { .cpu_index = index, .node_next = next };

	memcpy(mem.bytes + CPU_OFF(i), &c, sizeof(c));
}

static uint64_t cpu_addr(int i)
{
	return FAKE_BASE + CPU_OFF(i);
}

/* Three CPUs in list order 2, 0, 1 (cpu_index 7, 0, 3). */
static void setup_list(void)
{
	uint64_t first = cpu_addr(2);

	memset(&mem, 0, sizeof(mem));
	memset(&layout, 0, sizeof(layout));
	mem.base = FAKE_BASE;
	set_field(LF_CPUS_FIRST, 0, 8);
	set_field(LF_CPU_NODE_NEXT, offsetof(struct t_cpu, node_next), 8);
	set_field(LF_CPU_INDEX, offsetof(struct t_cpu, cpu_index), 4);
	layout.symbol[LS_CPUS] = FAKE_BASE + HEAD_OFF;
	layout.have_symbol[LS_CPUS] = true;
	layout.symbol_name[LS_CPUS] = "cpus_queue";
	memcpy(mem.bytes + HEAD_OFF, &first, 8);
	put_cpu(2, 7, cpu_addr(0));
	put_cpu(0, 0, cpu_addr(1));
	put_cpu(1, 3, 0);
}

Test(cpu, read_follows_the_list_in_order, .init = setup_list)
{
	struct ld_cpus cpus;

	assert_ok(ld_cpus_read(&layout, &rd, &cpus));
	cr_assert_eq(cpus.count, 3);
	cr_assert_str_eq(cpus.source, "cpus_queue");
	cr_assert_eq(cpus.vcpus[0].addr, cpu_addr(2));
	cr_assert_eq(cpus.vcpus[0].cpu_index, 7);
	cr_assert_eq(cpus.vcpus[1].addr, cpu_addr(0));
	cr_assert_eq(cpus.vcpus[1].cpu_index, 0);
	cr_assert_eq(cpus.vcpus[2].addr, cpu_addr(1));
	cr_assert_eq(cpus.vcpus[2].cpu_index, 3);
	ld_cpus_free(&cpus);
	cr_assert_null(cpus.vcpus);
	cr_assert_eq(cpus.count, 0);
}

Test(cpu, read_falls_back_to_cpus, .init = setup_list)
{
	struct ld_cpus cpus;

	layout.symbol_name[LS_CPUS] = "cpus";
	assert_ok(ld_cpus_read(&layout, &rd, &cpus));
	cr_assert_eq(cpus.count, 3);
	cr_assert_str_eq(cpus.source, "cpus");
	ld_cpus_free(&cpus);
}

Test(cpu, empty_list, .init = setup_list)
{
	struct ld_cpus cpus;

	memset(mem.bytes + HEAD_OFF, 0, 8);
	assert_ok(ld_cpus_read(&layout, &rd, &cpus));
	cr_assert_eq(cpus.count, 0);
}

Test(cpu, cycle_is_an_error, .init = setup_list)
{
	struct ld_cpus cpus;
	char want[128];

	put_cpu(1, 3, cpu_addr(0));	/* last -> second */
	snprintf(want, sizeof(want),
		 "CPU list at 0x%llx (cpus_queue) loops back to 0x%llx",
		 FAKE_BASE + HEAD_OFF, (unsigned long long)cpu_addr(0));
	assert_err(ld_cpus_read(&layout, &rd, &cpus), LD_EXIT_MODEL, want);
	cr_assert_eq(cpus.count, 0);
	cr_assert_null(cpus.vcpus);

	put_cpu(1, 3, cpu_addr(1));	/* self loop */
	assert_err(ld_cpus_read(&layout, &rd, &cpus), LD_EXIT_MODEL,
		   "loops back");
}

Test(cpu, bad_cpu_index_is_an_error, .init = setup_list)
{
	struct ld_cpus cpus;

	put_cpu(0, -1, cpu_addr(1));
	assert_err(ld_cpus_read(&layout, &rd, &cpus), LD_EXIT_MODEL,
		   "cpu_index -1");
	put_cpu(0, LD_MAX_VCPUS, cpu_addr(1));
	assert_err(ld_cpus_read(&layout, &rd, &cpus), LD_EXIT_MODEL,
		   "cpu_index 4096");
	put_cpu(0, LD_MAX_VCPUS - 1, cpu_addr(1));
	assert_ok(ld_cpus_read(&layout, &rd, &cpus));
	cr_assert_eq(cpus.vcpus[1].cpu_index, LD_MAX_VCPUS - 1);
	ld_cpus_free(&cpus);
}

Test(cpu, unreadable_node_is_an_error_with_context, .init = setup_list)
{
	struct ld_cpus cpus;

	put_cpu(0, 0, 0x1000);
	assert_err(ld_cpus_read(&layout, &rd, &cpus), LD_EXIT_COPY,
		   "reading CPUState #2 at 0x1000 in CPU list cpus_queue");
	cr_assert_eq(cpus.count, 0);
}

Test(cpu, missing_symbol_or_fields_give_no_cpus, .init = setup_list)
{
	struct ld_cpus cpus;

	layout.have[LF_CPU_INDEX] = false;
	assert_ok(ld_cpus_read(&layout, &rd, &cpus));
	cr_assert_eq(cpus.count, 0);
	cr_assert_null(cpus.source);

	layout.have[LF_CPU_INDEX] = true;
	layout.have_symbol[LS_CPUS] = false;
	assert_ok(ld_cpus_read(&layout, &rd, &cpus));
	cr_assert_eq(cpus.count, 0);
	cr_assert_null(cpus.source);
	cr_assert_null(cpus.vcpus);

	assert_ok(ld_cpus_read(NULL, &rd, &cpus));
	cr_assert_eq(cpus.count, 0);
}

Test(cpu, read_then_notes, .init = setup_list)
{
	const struct ld_arch *a = ld_arch_lookup("aarch64-be");
	struct ld_cpus cpus;
	struct ld_elf *elf = ld_elf_new(a);
	struct image img;
	struct note notes[4];

	assert_ok(ld_cpus_read(&layout, &rd, &cpus));
	assert_ok(ld_cpus_add_notes(a, &cpus, ld_elf_note_sink(elf)));
	assert_ok(ld_elf_layout(elf));
	image_open(elf, &img, false);
	cr_assert_eq(read_notes(&img, notes, 4), 3);
	/* List order; pr_pid = cpu_index + 1 big-endian: 8, 1, 4. */
	cr_assert_eq(notes[0].desc[35], 8);
	cr_assert_eq(notes[1].desc[35], 1);
	cr_assert_eq(notes[2].desc[35], 4);
	cr_assert_eq(notes[2].desc[32], 0);
	image_close(&img);
	ld_elf_free(elf);
	ld_cpus_free(&cpus);
}
