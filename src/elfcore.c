// SPDX-License-Identifier: GPL-2.0-or-later
/* elfcore.c - the ELF vmcore writer: headers and notes; see elfcore.h. */
/*
 * File layout (offsets from 0; E/P/S = sizeof Ehdr/Phdr/Shdr of the class,
 * 52/32/40 for ELFCLASS32, 64/56/64 for ELFCLASS64):
 *
 *   0                  Elf_Ehdr      e_phoff = E
 *   E                  Elf_Phdr[n]   [0] PT_NOTE, [1..] one PT_LOAD per
 *                                    ld_elf_add_load, in the order added
 *   E + n*P            Elf_Shdr[0]   only when n >= PN_XNUM (see below)
 *   note_off           notes         note_cap bytes: the added notes, then
 *                                    one padding note filling what is left
 *   note_off+note_cap  zeros         up to the next multiple of page_size
 *   load_off[0]        load 0        load_off[i+1] = load_off[i] + size[i]
 *   ...                              file size = end of the last load
 *
 * Headers, like QEMU 7.2's dump-guest-memory (paging=false):
 *   PT_NOTE: p_offset = note_off, p_filesz = p_memsz = note_cap, addresses 0.
 *   PT_LOAD: p_paddr = p_vaddr = guest-physical start, p_filesz = p_memsz =
 *            size, p_flags = 0, p_align = 0.
 *   n >= PN_XNUM: e_phnum = PN_XNUM, e_shoff -> one all-zero SHN_UNDEF
 *            section header whose sh_info holds n; e_shnum = 1 (gABI: only
 *            e_shnum >= SHN_LORESERVE needs the sh_size escape),
 *            e_shstrndx = SHN_UNDEF.  Otherwise there is no section table.
 *
 * Notes use the standard format with 4-byte alignment for both classes (as
 * QEMU and Linux write them): n_namesz (with NUL), n_descsz, n_type, name
 * padded to 4, desc padded to 4; header words in the target byte order.
 *
 * The padding note is named "NONE" with type 0 and a zero desc.  Type 0 is
 * no note type of any namespace, so readers (gdb, crash, makedumpfile,
 * libelf users) skip it, and the PT_NOTE segment always parses to its end.
 * Capacity reserved with ld_elf_reserve_notes gets PAD_MIN extra bytes, so
 * that notes totalling the reserved size always fit and the leftover is
 * either 0 or large enough for a padding note.
 *
 * Every header and note header is encoded with libelf's xlatetof for the
 * target class and byte order.
 */
#include <elf.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "elfcore.h"

#define NOTE_ALIGN	4u
#define NHDR_SIZE	12u		/* three 32-bit words in both classes */
#define PAD_NAME	"NONE"
/* The smallest padding note: header + "NONE\0" padded to 8, empty desc. */
#define PAD_MIN		(NHDR_SIZE + 8u)

struct elf_load {
	uint64_t paddr;
	uint64_t size;
	uint64_t offset;	/* set by ld_elf_layout */
	bool dropped;		/* written as PT_NULL: its memory went away */
};

struct ld_elf {
	const struct ld_arch *arch;
	bool is64;

	unsigned char *notes;	/* encoded notes, in the target byte order */
	size_t notes_len;
	size_t notes_alloc;
	size_t reserved;

	struct elf_load *loads;
	size_t nloads;
	size_t loads_alloc;

	struct ld_note_sink sink;	/* ld_elf_note_sink() */

	bool laid_out;
	uint64_t phnum;		/* PT_NOTE + loads */
	uint64_t shoff;		/* 0 without a section table */
	uint64_t note_off;
	uint64_t note_cap;
	uint64_t head_size;	/* page-aligned end of the notes */
	uint64_t file_size;

	unsigned char *head;	/* last ld_elf_render_head result */
};

static pthread_once_t libelf_once = PTHREAD_ONCE_INIT;
static bool libelf_ok;

static void libelf_init(void)
{
	libelf_ok = elf_version(EV_CURRENT) != EV_NONE;
}

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) / a * a;
}

static size_t ehdr_size(const struct ld_elf *elf)
{
	return elf->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
}

static size_t phdr_size(const struct ld_elf *elf)
{
	return elf->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
}

static size_t shdr_size(const struct ld_elf *elf)
{
	return elf->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
}

/*
 * Encode count host-order objects of type t (in the host struct of the
 * class) into dst in the target byte order.
 */
static struct ld_error *xlate(const struct ld_elf *elf, Elf_Type t,
			      void *dst, const void *src, size_t srclen)
{
	Elf_Data s = {
		.d_buf = (void *)src,
		.d_type = t,
		.d_size = srclen,
		.d_version = EV_CURRENT,
	};
	Elf_Data d = {
		.d_buf = dst,
		.d_size = srclen,
		.d_version = EV_CURRENT,
	};
	unsigned int enc = elf->arch->elf_data;
	Elf_Data *r;

	r = elf->is64 ? elf64_xlatetof(&d, &s, enc) :
			elf32_xlatetof(&d, &s, enc);
	if (!r || d.d_size != srclen)
		return ld_error(LD_EXIT_FAILURE,
				"encoding ELF data for %s: %s",
				elf->arch->name, elf_errmsg(-1));
	return NULL;
}

struct ld_elf *ld_elf_new(const struct ld_arch *arch)
{
	struct ld_elf *elf;

	pthread_once(&libelf_once, libelf_init);
	if (!libelf_ok || !arch)
		return NULL;
	elf = calloc(1, sizeof(*elf));
	if (!elf)
		return NULL;
	elf->arch = arch;
	elf->is64 = arch->elf_class != ELFCLASS32;
	return elf;
}

static struct ld_error *sink_add(void *ctx, const char *name, uint32_t type,
				 const void *desc, size_t descsz)
{
	return ld_elf_add_note(ctx, name, type, desc, descsz);
}

const struct ld_note_sink *ld_elf_note_sink(struct ld_elf *elf)
{
	elf->sink = (struct ld_note_sink){ sink_add, elf };
	return &elf->sink;
}

void ld_elf_free(struct ld_elf *elf)
{
	if (!elf)
		return;
	free(elf->notes);
	free(elf->loads);
	free(elf->head);
	free(elf);
}

size_t ld_elf_note_size(const char *name, size_t descsz)
{
	size_t namesz = strlen(name) + 1;

	if (namesz > UINT32_MAX || descsz > UINT32_MAX)
		return SIZE_MAX;
	return NHDR_SIZE + align_up(namesz, NOTE_ALIGN) +
	       align_up(descsz, NOTE_ALIGN);
}

/*
 * Encode one note at dst (size bytes, from ld_elf_note_size).  A NULL desc
 * stands for descsz zero bytes.
 */
static struct ld_error *encode_note(const struct ld_elf *elf,
				    unsigned char *dst, size_t size,
				    const char *name, uint32_t type,
				    const void *desc, size_t descsz)
{
	size_t namesz = strlen(name) + 1;
	uint32_t words[3] = { namesz, descsz, type };
	unsigned char *p = dst + NHDR_SIZE;

	memset(dst, 0, size);
	memcpy(p, name, namesz);
	p += align_up(namesz, NOTE_ALIGN);
	if (desc && descsz)
		memcpy(p, desc, descsz);
	return xlate(elf, ELF_T_WORD, dst, words, sizeof(words));
}

/* Whether a note of size sz may go into the fixed area after layout. */
static bool fits_after_layout(const struct ld_elf *elf, size_t sz)
{
	uint64_t left = elf->note_cap - elf->notes_len;

	/* The leftover must stay empty or hold a padding note. */
	return sz == left || (sz <= left && left - sz >= PAD_MIN);
}

struct ld_error *ld_elf_add_note(struct ld_elf *elf, const char *name,
				 uint32_t type, const void *desc,
				 size_t descsz)
{
	size_t sz = ld_elf_note_size(name, descsz);
	struct ld_error *err;

	if (sz == SIZE_MAX)
		return ld_error(LD_EXIT_FAILURE,
				"ELF note \"%.32s\" type %u: size %zu too large",
				name, type, descsz);
	if (elf->laid_out) {
		if (!fits_after_layout(elf, sz))
			return ld_error(LD_EXIT_FAILURE,
					"ELF note \"%.32s\" type %u (%zu bytes) does not fit the %llu bytes left in the note area",
					name, type, sz,
					(unsigned long long)(elf->note_cap -
							     elf->notes_len));
	}
	if (elf->notes_len + sz > elf->notes_alloc) {
		size_t n = elf->notes_alloc ? elf->notes_alloc : 1024;
		unsigned char *p;

		while (n < elf->notes_len + sz)
			n *= 2;
		p = realloc(elf->notes, n);
		if (!p)
			return &ld_error_nomem;
		elf->notes = p;
		elf->notes_alloc = n;
	}
	err = encode_note(elf, elf->notes + elf->notes_len, sz, name, type,
			  desc, descsz);
	if (err)
		return ld_error_context(err, "ELF note \"%.32s\" type %u",
					name, type);
	elf->notes_len += sz;
	return NULL;
}

void ld_elf_reserve_notes(struct ld_elf *elf, size_t bytes)
{
	const size_t max = (size_t)1 << 32;

	/* The area is fixed once laid out; capacity comes from layout only. */
	if (elf->laid_out)
		return;
	/* Saturate: 4 GiB already makes ld_elf_layout fail. */
	if (bytes > max - elf->reserved)
		elf->reserved = max;
	else
		elf->reserved += bytes;
}

struct ld_error *ld_elf_add_load(struct ld_elf *elf, uint64_t paddr,
				 uint64_t size)
{
	if (elf->laid_out)
		return ld_error(LD_EXIT_FAILURE,
				"adding PT_LOAD 0x%llx+0x%llx after the ELF layout was fixed",
				(unsigned long long)paddr,
				(unsigned long long)size);
	if (paddr + size < paddr)
		return ld_error(LD_EXIT_FAILURE,
				"PT_LOAD 0x%llx+0x%llx wraps around the address space",
				(unsigned long long)paddr,
				(unsigned long long)size);
	/* sh_info holds the header count: 32 bits, PT_NOTE included. */
	if (elf->nloads >= UINT32_MAX - 1)
		return ld_error(LD_EXIT_FAILURE,
				"too many PT_LOAD segments (%zu)", elf->nloads);
	if (elf->nloads == elf->loads_alloc) {
		size_t n = elf->loads_alloc ? elf->loads_alloc * 2 : 64;
		struct elf_load *p = reallocarray(elf->loads, n, sizeof(*p));

		if (!p)
			return &ld_error_nomem;
		elf->loads = p;
		elf->loads_alloc = n;
	}
	elf->loads[elf->nloads++] = (struct elf_load){ .paddr = paddr,
						       .size = size };
	return NULL;
}

static struct ld_error *too_big_32(const struct ld_elf *elf, const char *what,
				   uint64_t start, uint64_t len)
{
	return ld_error(LD_EXIT_FAILURE,
			"%s 0x%llx-0x%llx does not fit a 32-bit ELF (arch %s); use a 64-bit arch such as X86_64",
			what, (unsigned long long)start,
			(unsigned long long)(start + len), elf->arch->name);
}

static struct ld_error *layout_once(struct ld_elf *elf)
{
	const uint64_t lim32 = (uint64_t)1 << 32;
	uint64_t page = elf->arch->page_size ? elf->arch->page_size : 4096;
	uint64_t off, cap;

	if (elf->laid_out)
		return NULL;
	elf->phnum = 1 + (uint64_t)elf->nloads;
	off = ehdr_size(elf) + elf->phnum * phdr_size(elf);
	elf->shoff = 0;
	if (elf->phnum >= PN_XNUM) {
		elf->shoff = off;
		off += shdr_size(elf);
	}
	elf->note_off = off;

	cap = elf->notes_len;
	if (elf->reserved)
		cap += align_up(elf->reserved, NOTE_ALIGN) + PAD_MIN;
	if (cap > UINT32_MAX)
		return ld_error(LD_EXIT_FAILURE,
				"ELF note area of %llu bytes is too large",
				(unsigned long long)cap);
	elf->note_cap = cap;
	elf->head_size = align_up(off + cap, page);

	off = elf->head_size;
	for (size_t i = 0; i < elf->nloads; i++) {
		struct elf_load *l = &elf->loads[i];

		if (off + l->size < off)
			return ld_error(LD_EXIT_FAILURE,
					"ELF file size overflows at PT_LOAD %zu (0x%llx+0x%llx)",
					i, (unsigned long long)l->paddr,
					(unsigned long long)l->size);
		if (!elf->is64) {
			if (l->paddr >= lim32 || l->size > lim32 - l->paddr)
				return too_big_32(elf, "guest-physical",
						  l->paddr, l->size);
			if (off + l->size > lim32)
				return too_big_32(elf, "file offset", off,
						  l->size);
		}
		l->offset = off;
		off += l->size;
	}
	if (!elf->is64 && elf->head_size > lim32)
		return too_big_32(elf, "file offset", 0, elf->head_size);
	elf->file_size = off;
	elf->laid_out = true;
	return NULL;
}

struct ld_error *ld_elf_layout(struct ld_elf *elf)
{
	struct ld_error *err = layout_once(elf);

	/*
	 * A 32-bit arch whose guest RAM or file does not fit 32 bits: do what
	 * QEMU's dump does for such x86 guests and write an ELFCLASS64 file
	 * with the arch's e_machine (EM_386) rather than refuse.
	 */
	if (err && !elf->is64 && !elf->laid_out) {
		ld_error_free(err);
		elf->is64 = true;
		err = layout_once(elf);
	}
	return err;
}

void ld_elf_force_class64(struct ld_elf *elf)
{
	if (!elf->laid_out)
		elf->is64 = true;
}

unsigned char ld_elf_class(const struct ld_elf *elf)
{
	return elf->is64 ? ELFCLASS64 : ELFCLASS32;
}

uint64_t ld_elf_load_offset(const struct ld_elf *elf, size_t i)
{
	if (!elf->laid_out || i >= elf->nloads)
		return 0;
	return elf->loads[i].offset;
}

uint64_t ld_elf_file_size(const struct ld_elf *elf)
{
	return elf->laid_out ? elf->file_size : 0;
}

static void fill_ehdr(const struct ld_elf *elf, GElf_Ehdr *eh)
{
	memset(eh, 0, sizeof(*eh));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ld_elf_class(elf);
	eh->e_ident[EI_DATA] = elf->arch->elf_data;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh->e_type = ET_CORE;
	eh->e_machine = elf->arch->e_machine;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = ehdr_size(elf);
	eh->e_ehsize = ehdr_size(elf);
	eh->e_phentsize = phdr_size(elf);
	eh->e_phnum = elf->phnum >= PN_XNUM ? PN_XNUM : elf->phnum;
	if (elf->shoff) {
		eh->e_shoff = elf->shoff;
		eh->e_shentsize = shdr_size(elf);
		eh->e_shnum = 1;
	}
	eh->e_shstrndx = SHN_UNDEF;
}

static struct ld_error *render_ehdr(const struct ld_elf *elf,
				    unsigned char *dst)
{
	GElf_Ehdr g;

	fill_ehdr(elf, &g);
	if (elf->is64)
		return xlate(elf, ELF_T_EHDR, dst, &g, sizeof(Elf64_Ehdr));

	Elf32_Ehdr e = {
		.e_type = g.e_type,
		.e_machine = g.e_machine,
		.e_version = g.e_version,
		.e_phoff = g.e_phoff,
		.e_shoff = g.e_shoff,
		.e_flags = g.e_flags,
		.e_ehsize = g.e_ehsize,
		.e_phentsize = g.e_phentsize,
		.e_phnum = g.e_phnum,
		.e_shentsize = g.e_shentsize,
		.e_shnum = g.e_shnum,
		.e_shstrndx = g.e_shstrndx,
	};

	memcpy(e.e_ident, g.e_ident, EI_NIDENT);
	return xlate(elf, ELF_T_EHDR, dst, &e, sizeof(e));
}

/* Program header i (0 = PT_NOTE) in host order, class-neutral. */
static void fill_phdr(const struct ld_elf *elf, size_t i, GElf_Phdr *ph)
{
	memset(ph, 0, sizeof(*ph));
	if (i == 0) {
		ph->p_type = PT_NOTE;
		ph->p_offset = elf->note_off;
		ph->p_filesz = elf->note_cap;
		ph->p_memsz = elf->note_cap;
		return;
	}
	const struct elf_load *l = &elf->loads[i - 1];

	/* PT_NULL: readers skip it; the rest still says what it was */
	ph->p_type = l->dropped ? PT_NULL : PT_LOAD;
	ph->p_offset = l->offset;
	ph->p_vaddr = l->paddr;
	ph->p_paddr = l->paddr;
	ph->p_filesz = l->size;
	ph->p_memsz = l->size;
}

/* Encode the program headers in chunks to bound the temporary buffer. */
static struct ld_error *render_phdrs(const struct ld_elf *elf,
				     unsigned char *dst)
{
	enum { CHUNK = 1024 };
	union {
		Elf64_Phdr p64[CHUNK];
		Elf32_Phdr p32[CHUNK];
	} *tmp = malloc(sizeof(*tmp));
	struct ld_error *err = NULL;

	if (!tmp)
		return &ld_error_nomem;
	for (uint64_t i = 0; i < elf->phnum && !err; i += CHUNK) {
		size_t n = elf->phnum - i < CHUNK ? elf->phnum - i : CHUNK;

		for (size_t j = 0; j < n; j++) {
			GElf_Phdr g;

			fill_phdr(elf, i + j, &g);
			if (elf->is64) {
				tmp->p64[j] = g;	/* GElf_Phdr is Elf64 */
			} else {
				/* Layout checked that these fit. */
				tmp->p32[j] = (Elf32_Phdr){
					.p_type = g.p_type,
					.p_offset = g.p_offset,
					.p_vaddr = g.p_vaddr,
					.p_paddr = g.p_paddr,
					.p_filesz = g.p_filesz,
					.p_memsz = g.p_memsz,
					.p_flags = g.p_flags,
					.p_align = g.p_align,
				};
			}
		}
		err = xlate(elf, ELF_T_PHDR, dst + i * phdr_size(elf), tmp,
			    n * phdr_size(elf));
	}
	free(tmp);
	return err;
}

static struct ld_error *render_shdr0(const struct ld_elf *elf,
				     unsigned char *dst)
{
	/* The real header count, PN_XNUM's escape (gABI "Sections"). */
	if (elf->is64) {
		Elf64_Shdr s = { .sh_type = SHT_NULL,
				 .sh_info = (Elf64_Word)elf->phnum };

		return xlate(elf, ELF_T_SHDR, dst, &s, sizeof(s));
	}
	Elf32_Shdr s = { .sh_type = SHT_NULL,
			 .sh_info = (Elf32_Word)elf->phnum };

	return xlate(elf, ELF_T_SHDR, dst, &s, sizeof(s));
}

struct ld_error *ld_elf_render_head(struct ld_elf *elf, const void **buf,
				    size_t *len)
{
	struct ld_error *err;
	unsigned char *h;
	uint64_t left;

	if (!elf->laid_out)
		return ld_error(LD_EXIT_FAILURE,
				"rendering ELF headers before the layout is fixed");
	if (elf->head_size > SIZE_MAX)
		return &ld_error_nomem;
	h = calloc(1, elf->head_size);
	if (!h)
		return ld_error_errno(LD_EXIT_FAILURE, ENOMEM,
				      "allocating %llu bytes of ELF headers",
				      (unsigned long long)elf->head_size);
	err = render_ehdr(elf, h);
	if (!err)
		err = render_phdrs(elf, h + ehdr_size(elf));
	if (!err && elf->shoff)
		err = render_shdr0(elf, h + elf->shoff);
	if (!err && elf->notes_len)
		memcpy(h + elf->note_off, elf->notes, elf->notes_len);
	left = elf->note_cap - elf->notes_len;
	if (!err && left) {
		/* ld_elf_layout and ld_elf_add_note keep left >= PAD_MIN. */
		err = encode_note(elf, h + elf->note_off + elf->notes_len,
				  left, PAD_NAME, 0, NULL, left - PAD_MIN);
	}
	if (err) {
		free(h);
		return ld_error_context(err, "rendering ELF headers");
	}
	free(elf->head);
	elf->head = h;
	*buf = h;
	*len = elf->head_size;
	return NULL;
}

void ld_elf_drop_load(struct ld_elf *elf, size_t i)
{
	if (i < elf->nloads)
		elf->loads[i].dropped = true;
}

void ld_elf_notes(const struct ld_elf *elf, const void **buf, size_t *len)
{
	*buf = elf->notes;
	*len = elf->notes_len;
}
