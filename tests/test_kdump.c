// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_kdump.c - the diskdump writer: every compression for every arch,
 * read back by a parser of its own (not the writer's code), the flattened
 * stream reassembled here and by makedumpfile -R, and the plain file read
 * by libkdumpfile (tests/kdump_read.py).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lzo/lzo1x.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "arch.h"
#include "kdump.h"

/* --- a sink in memory ----------------------------------------------------- */

struct mem {
	uint8_t *buf;
	size_t len, cap;
	bool append_only;	/* flattened: off must be the end */
	int fail_at;		/* fail the n-th write (1-based), 0 never */
	int writes;
};

static struct ld_error *mem_write(void *ctx, const void *buf, size_t len,
				  uint64_t off)
{
	struct mem *m = ctx;

	if (m->fail_at && ++m->writes == m->fail_at)
		return ld_error(LD_EXIT_OUTPUT, "test: disk full");
	if (m->append_only)
		cr_assert_eq(off, m->len, "flattened write at %llu, stream at %zu",
			     (unsigned long long)off, m->len);
	if (off + len > m->cap) {
		size_t cap = m->cap ? m->cap : 65536;

		while (cap < off + len)
			cap *= 2;
		m->buf = realloc(m->buf, cap);
		cr_assert(m->buf);
		memset(m->buf + m->cap, 0, cap - m->cap);
		m->cap = cap;
	}
	memcpy(m->buf + off, buf, len);
	if (off + len > m->len)
		m->len = off + len;
	return NULL;
}

static struct ld_kdump_sink mem_sink(struct mem *m)
{
	return (struct ld_kdump_sink){ .write = mem_write, .ctx = m };
}

/* --- guest RAM --------------------------------------------------------------- */

/* In pages; [300,304) is all zero and fed as data == NULL. */
static const uint64_t page_ranges[][2] = {
	{ 0, 40 }, { 64, 100 }, { 100, 131 }, { 300, 304 }, { 33000, 33010 },
};
#define NRANGES (sizeof(page_ranges) / sizeof(page_ranges[0]))

static uint32_t hash32(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (uint32_t)x;
}

static void fill_page(uint64_t pfn, uint8_t *p, size_t bs)
{
	uint64_t s = pfn * 0x9e3779b97f4a7c15ull + 1;

	memset(p, 0, bs);
	if (pfn >= 300 && pfn < 304)
		return;
	switch (hash32(pfn) % 4) {
	case 0:		/* zero */
		break;
	case 1:		/* text: compresses */
		for (size_t i = 0; i < bs; i++)
			p[i] = "kdump page text "[(i + pfn) % 16];
		break;
	case 2:		/* noise: stored raw */
		for (size_t i = 0; i < bs; i++) {
			s ^= s << 13;
			s ^= s >> 7;
			s ^= s << 17;
			p[i] = (uint8_t)s;
		}
		break;
	default:	/* a few bytes: compresses, not zero */
		p[bs - 1] = (uint8_t)pfn | 1;
		memcpy(p + 100, &pfn, sizeof(pfn));
		break;
	}
}

static bool in_ranges(uint64_t pfn)
{
	for (size_t i = 0; i < NRANGES; i++)
		if (pfn >= page_ranges[i][0] && pfn < page_ranges[i][1])
			return true;
	return false;
}

/* --- byte order for the parser ------------------------------------------ */

static uint64_t get(const uint8_t *p, int n, bool be)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[be ? n - 1 - i : i] << (8 * i);
	return v;
}

static void put(uint8_t *p, int n, bool be, uint64_t v)
{
	for (int i = 0; i < n; i++)
		p[be ? n - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

/* A CORE note and a QEMU note, in the target's byte order. */
/*
 * Two notes of no type a reader decodes: libkdumpfile, once the header's
 * utsname tells it the arch, parses an NT_PRSTATUS and crashes on one of
 * the wrong size.
 */
static size_t make_notes(uint8_t *buf, bool be)
{
	size_t o = 0;

	for (int n = 0; n < 2; n++) {
		put(buf + o, 4, be, 5);
		put(buf + o + 4, 4, be, 20);
		put(buf + o + 8, 4, be, n ? 0x7f00 : 0x7f01);
		memcpy(buf + o + 12, n ? "QEMU\0\0\0" : "CORE\0\0\0", 8);
		for (int i = 0; i < 20; i++)
			buf[o + 20 + i] = (uint8_t)(n * 50 + i);
		o += 40;
	}
	return o;
}

/*
 * PAGESIZE matches the dump's block size: libkdumpfile refuses a dump
 * whose VMCOREINFO says otherwise ("Wrong page size").
 */
static const char *vmci_text_for(uint32_t bs)
{
	static char text[256];

	snprintf(text, sizeof(text),
		 "OSRELEASE=6.1.0-test\nPAGESIZE=%u\nNUMBER(phys_base)=1000000\n"
		 "NUMBER(PHYS_OFFSET)=0x40000000\n", bs);
	return text;
}

/* --- one dump ---------------------------------------------------------------- */

struct run {
	const struct ld_arch *arch;
	bool class64;
	enum ld_kdump_compress comp;
	bool flattened;
	uint32_t bs;
	bool vmci_start, vmci_late;
	size_t reserve;
	unsigned int threads;
	/* The guest's utsname in the header: given at start, or set late. */
	bool uts_start, uts_late;
	/* The dump level: 0 means 1 (QEMU's); pfns left out, or NULL. */
	unsigned int level;
	const uint64_t *excluded;
	uint64_t excluded_pages;
	struct ld_kdump_stats st;
};

static unsigned int level_of(const struct run *r)
{
	return r->level ? r->level : 1;
}

static bool left_out(const struct run *r, uint64_t pfn)
{
	return r->excluded && pfn < r->excluded_pages &&
	       (r->excluded[pfn / 64] >> (pfn % 64) & 1);
}

/* A guest kernel's utsname, as ld_guestlinux_utsname reads it. */
static struct ld_utsname test_uts(const struct ld_arch *arch)
{
	struct ld_utsname u = { "Linux", "guest", "6.1.0-test", "#1 SMP",
				"", "(none)" };

	/* a real kernel's uname -m (QEMU writes "Unknown" for arm) */
	strcpy(u.machine, arch->id == LD_ARCH_AARCH64_LE ||
	       arch->id == LD_ARCH_AARCH64_BE ? "aarch64" :
	       ld_kdump_uname_machine(arch));
	return u;
}

static void feed(struct ld_kdump *k, uint32_t bs)
{
	size_t batch_cycle[] = { 7, 1, 13, 64, 3 };
	size_t bi = 0;
	uint8_t *buf = malloc(200 * (size_t)bs);

	cr_assert(buf);
	/* Touching ranges ([64,100) and [100,131)) go in shared batches. */
	for (size_t r = 0; r < NRANGES;) {
		uint64_t s = page_ranges[r][0], e = page_ranges[r][1];

		while (r + 1 < NRANGES && page_ranges[r + 1][0] == e)
			e = page_ranges[++r][1];
		r++;
		for (uint64_t pfn = s; pfn < e;) {
			size_t n = batch_cycle[bi++ % 5];
			struct ld_error *err;

			if (n > e - pfn)
				n = e - pfn;
			for (size_t i = 0; i < n; i++)
				fill_page(pfn + i, buf + i * bs, bs);
			err = ld_kdump_pages(k, pfn * bs,
					     s == 300 ? NULL : buf, n * bs);
			cr_assert_null(err, "pages at pfn %llu: %s",
				       (unsigned long long)pfn,
				       err ? err->message : "");
			pfn += n;
		}
	}
	free(buf);
}

static void dump(struct run *r, struct mem *out)
{
	struct ld_kdump_range ranges[NRANGES];
	uint8_t notes[128];
	bool be = ld_arch_is_be(r->arch);
	struct ld_kdump_params p = { 0 };
	struct ld_kdump *k;
	struct ld_error *err;
	const char *vmci_text = vmci_text_for(r->bs);

	for (size_t i = 0; i < NRANGES; i++) {
		ranges[i].start = page_ranges[i][0] * r->bs;
		ranges[i].end = page_ranges[i][1] * r->bs;
	}
	p.arch = r->arch;
	p.class64 = r->class64;
	p.compress = r->comp;
	p.flattened = r->flattened;
	p.page_size = r->bs;
	p.ranges = ranges;
	p.nranges = NRANGES;
	p.nr_cpus = 2;
	p.dump_level = level_of(r);
	p.zero_as_data = !(level_of(r) & 1);
	p.excluded = r->excluded;
	p.excluded_pages = r->excluded_pages;
	p.notes = notes;
	p.notes_len = make_notes(notes, be);
	if (r->vmci_start) {
		p.vmcoreinfo = vmci_text;
		p.vmcoreinfo_len = strlen(vmci_text);
	}
	p.vmcoreinfo_reserve = r->reserve;
	p.phys_base = ld_kdump_qemu_phys_base(r->arch, ranges, NRANGES,
					      r->vmci_start ? vmci_text : NULL,
					      strlen(vmci_text));
	p.threads = r->threads;
	struct ld_utsname uts = test_uts(r->arch);

	if (r->uts_start)
		p.uts = &uts;
	memset(out, 0, sizeof(*out));
	out->append_only = r->flattened;

	err = ld_kdump_start(&p, mem_sink(out), &k);
	cr_assert_null(err, "start: %s", err ? err->message : "");
	feed(k, r->bs);
	if (r->vmci_late) {
		err = ld_kdump_set_vmcoreinfo(k, vmci_text, strlen(vmci_text));
		cr_assert_null(err, "late vmcoreinfo: %s", err ? err->message : "");
	}
	if (r->uts_late)
		ld_kdump_set_utsname(k, &uts);
	err = ld_kdump_finish(k);
	cr_assert_null(err, "finish: %s", err ? err->message : "");
	ld_kdump_get_stats(k, &r->st);
	ld_kdump_free(k);
}

/* --- the independent reader --------------------------------------------- */

static uint32_t comp_flag(enum ld_kdump_compress c)
{
	return c == LD_KDUMP_ZLIB ? 1 : c == LD_KDUMP_LZO ? 2 :
	       c == LD_KDUMP_SNAPPY ? 4 : 0x20;
}

static void decompress(enum ld_kdump_compress c, const uint8_t *in, size_t n,
		       uint8_t *out, size_t bs)
{
	switch (c) {
	case LD_KDUMP_ZLIB: {
		uLongf ol = bs;

		cr_assert_eq(uncompress(out, &ol, in, n), Z_OK);
		cr_assert_eq(ol, bs);
		break;
	}
	case LD_KDUMP_LZO: {
		lzo_uint ol = bs;

		cr_assert_eq(lzo1x_decompress_safe(in, n, out, &ol, NULL), LZO_E_OK);
		cr_assert_eq(ol, bs);
		break;
	}
	case LD_KDUMP_SNAPPY: {
		size_t ol = bs;

		cr_assert_eq(snappy_uncompress((const char *)in, n, (char *)out, &ol),
			     SNAPPY_OK);
		cr_assert_eq(ol, bs);
		break;
	}
	case LD_KDUMP_ZSTD:
		cr_assert_eq(ZSTD_decompress(out, bs, in, n), bs);
		break;
	}
}

static void check_file(const struct run *r, const uint8_t *f, size_t len)
{
	bool be = ld_arch_is_be(r->arch);
	size_t bs = r->bs;
	size_t ts = r->class64 ? 22 : 10;
	const uint8_t *fl = f + 12 + 390 + ts;
	uint8_t expect_notes[256], *page, *got;
	size_t nlen = make_notes(expect_notes, be);
	bool vmci = r->vmci_start || r->vmci_late;
	uint64_t max_mapnr = page_ranges[NRANGES - 1][1];
	uint64_t npages = 0, zeros = 0;
	const char *vmci_text = vmci_text_for(r->bs);

	cr_assert_gt(len, 2 * bs);
	cr_assert_eq(memcmp(f, "KDUMP   ", 8), 0);
	cr_assert_eq(get(f + 8, 4, be), 6);
	if (r->uts_start || r->uts_late) {
		struct ld_utsname want = test_uts(r->arch);

		cr_assert_eq(memcmp(f + 12, &want, 390), 0,
			     "the header's utsname is the guest's");
	} else {
		/* QEMU's: utsname.machine only */
		cr_assert_str_eq((const char *)f + 12 + 4 * 65,
				 ld_kdump_uname_machine(r->arch));
		for (size_t i = 0; i < 390; i++)
			if (i < 4 * 65 || i >= 5 * 65)
				cr_assert_eq(f[12 + i], 0);
	}
	cr_assert_eq(get(fl, 4, be), comp_flag(r->comp));
	cr_assert_eq(get(fl + 4, 4, be), bs);
	uint64_t sub = get(fl + 8, 4, be), bmb = get(fl + 12, 4, be);
	cr_assert_eq(get(fl + 16, 4, be), max_mapnr);
	cr_assert_eq(get(fl + 36, 4, be), 2);	/* nr_cpus */

	/* What QEMU's create_header computes. */
	size_t khs = r->class64 ? 104 : 80;
	size_t vnote = 12 + 12 + ((strlen(vmci_text) + 3) & ~3u);
	size_t cap = nlen + (r->vmci_start ? vnote :
			     r->reserve ? 24 + ((r->reserve + 3) & ~3u) : 0);
	uint64_t bitmap_len = ((max_mapnr + 7) / 8 + bs - 1) / bs * bs;

	cr_assert_eq(sub, (khs + cap + bs - 1) / bs);
	cr_assert_eq(bmb, bitmap_len / bs * 2);

	const uint8_t *kh = f + bs;
	uint64_t phys_base, dump_level, off_vmci, size_vmci, off_note, note_sz,
		 mapnr64;

	if (r->class64) {
		phys_base = get(kh, 8, be);
		dump_level = get(kh + 8, 4, be);
		off_vmci = get(kh + 32, 8, be);
		size_vmci = get(kh + 40, 8, be);
		off_note = get(kh + 48, 8, be);
		note_sz = get(kh + 56, 8, be);
		mapnr64 = get(kh + 96, 8, be);
	} else {
		phys_base = get(kh, 4, be);
		dump_level = get(kh + 4, 4, be);
		off_vmci = get(kh + 20, 8, be);
		size_vmci = get(kh + 28, 4, be);
		off_note = get(kh + 32, 8, be);
		note_sz = get(kh + 40, 4, be);
		mapnr64 = get(kh + 72, 8, be);
	}
	cr_assert_eq(dump_level, level_of(r));
	cr_assert_eq(mapnr64, max_mapnr);
	cr_assert_eq(off_note, bs + khs);
	cr_assert_eq(note_sz, nlen + (vmci ? vnote : 0));
	cr_assert_eq(memcmp(f + off_note, expect_notes, nlen), 0);
	if (r->arch->id == LD_ARCH_AARCH64_LE || r->arch->id == LD_ARCH_AARCH64_BE)
		cr_assert_eq(phys_base, r->vmci_start ? 0x40000000 : 0);
	else if (r->arch->id == LD_ARCH_X86_64)
		cr_assert_eq(phys_base, r->vmci_start ? 0x1000000 : 0);
	else
		cr_assert_eq(phys_base, 0);
	if (vmci) {
		const uint8_t *n = f + off_note + nlen;

		cr_assert_eq(get(n, 4, be), 11);
		cr_assert_eq(get(n + 4, 4, be), strlen(vmci_text));
		cr_assert_eq(memcmp(n + 12, "VMCOREINFO", 11), 0);
		cr_assert_eq(off_vmci, off_note + nlen + 24);
		cr_assert_eq(size_vmci, strlen(vmci_text));
		cr_assert_eq(memcmp(f + off_vmci, vmci_text, size_vmci), 0);
	} else {
		cr_assert_eq(off_vmci, 0);
		cr_assert_eq(size_vmci, 0);
	}

	/* Bitmaps: 1 a bit per page in the ranges, 2 without those left out. */
	const uint8_t *bm1 = f + (1 + sub) * bs, *bm2 = bm1 + bitmap_len;
	uint64_t ndumped = 0;

	for (uint64_t pfn = 0; pfn < bitmap_len * 8; pfn++) {
		bool bit = bm1[pfn / 8] >> (pfn % 8) & 1;
		bool bit2 = bm2[pfn / 8] >> (pfn % 8) & 1;

		cr_assert_eq(bit, pfn < max_mapnr && in_ranges(pfn), "pfn %llu",
			     (unsigned long long)pfn);
		cr_assert_eq(bit2, bit && !left_out(r, pfn), "pfn %llu",
			     (unsigned long long)pfn);
		npages += bit;
		ndumped += bit2;
	}

	/* Descriptors and pages. */
	const uint8_t *pd = f + (1 + sub + bmb) * bs;
	uint64_t data0 = (1 + sub + bmb) * bs + 24 * ndumped;

	page = malloc(bs);
	got = malloc(bs);
	for (size_t i = 0; i < bs; i++)
		cr_assert_eq(f[data0 + i], 0, "the shared zero page");
	for (uint64_t pfn = 0; pfn < max_mapnr; pfn++) {
		if (!in_ranges(pfn) || left_out(r, pfn))
			continue;
		uint64_t off = get(pd, 8, be);
		uint32_t size = (uint32_t)get(pd + 8, 4, be);
		uint32_t flags = (uint32_t)get(pd + 12, 4, be);

		cr_assert_eq(get(pd + 16, 8, be), 0);
		pd += 24;
		fill_page(pfn, page, bs);
		cr_assert_leq(off + size, len);
		if (off == data0) {
			cr_assert_eq(size, bs);
			cr_assert_eq(flags, 0);
			memset(got, 0, bs);
			zeros++;
		} else if (flags == 0) {
			cr_assert_eq(size, bs);
			cr_assert_gt(off, data0);
			memcpy(got, f + off, bs);
		} else {
			cr_assert_eq(flags, comp_flag(r->comp));
			cr_assert_lt(size, bs);
			decompress(r->comp, f + off, size, got, bs);
		}
		cr_assert_eq(memcmp(got, page, bs), 0, "page %llu",
			     (unsigned long long)pfn);
		/*
		 * A zero page always shares, and only a zero page does; at a
		 * level without bit 1 none does (makedumpfile -d 0).
		 */
		bool is_zero = true;

		for (size_t i = 0; i < bs && is_zero; i++)
			is_zero = !page[i];
		cr_assert_eq(off == data0, is_zero && (level_of(r) & 1),
			     "pfn %llu", (unsigned long long)pfn);
	}
	cr_assert_eq(r->st.pages, npages);
	cr_assert_eq(r->st.zero_pages, zeros);
	cr_assert_eq(r->st.excluded, npages - ndumped);
	cr_assert_eq(r->st.zero_pages + r->st.compressed_pages + r->st.raw_pages,
		     ndumped);
	cr_assert_gt(r->st.compressed_pages, 0);
	cr_assert_gt(r->st.raw_pages, 0);
	free(page);
	free(got);
}

/* makedumpfile's flattened format, applied by offset as -R does. */
static void reassemble(const uint8_t *s, size_t len, struct mem *out)
{
	size_t pos = 4096;

	memset(out, 0, sizeof(*out));
	cr_assert_geq(len, 4096 + 16);
	cr_assert_eq(memcmp(s, "makedumpfile\0\0\0\0", 16), 0);
	cr_assert_eq(get(s + 16, 8, true), 1);
	cr_assert_eq(get(s + 24, 8, true), 1);
	for (size_t i = 32; i < 4096; i++)
		cr_assert_eq(s[i], 0);
	for (;;) {
		cr_assert_leq(pos + 16, len);
		uint64_t off = get(s + pos, 8, true), n = get(s + pos + 8, 8, true);

		pos += 16;
		if (off == UINT64_MAX) {
			cr_assert_eq(n, UINT64_MAX);
			break;
		}
		cr_assert_gt(n, 0);
		cr_assert_leq(pos + n, len);
		mem_write(out, s + pos, n, off);
		pos += n;
	}
	cr_assert_eq(pos, len, "bytes after the end marker");
}

static void check_run(struct run *r)
{
	struct mem plain, flat, re;
	struct run rf = *r;

	r->flattened = false;
	dump(r, &plain);
	check_file(r, plain.buf, plain.len);
	rf.flattened = true;
	dump(&rf, &flat);
	reassemble(flat.buf, flat.len, &re);
	cr_assert_eq(re.len, plain.len, "%s %s: reassembled %zu, plain %zu",
		     r->arch->name, ld_compress_name(r->comp), re.len, plain.len);
	cr_assert_eq(memcmp(re.buf, plain.buf, plain.len), 0);
	free(plain.buf);
	free(flat.buf);
	free(re.buf);
}

static const enum ld_kdump_compress comps[] = {
	LD_KDUMP_ZLIB, LD_KDUMP_LZO, LD_KDUMP_SNAPPY, LD_KDUMP_ZSTD,
};

Test(kdump, every_arch_and_compression)
{
	for (unsigned int a = 0; a < ld_arch_count; a++) {
		const struct ld_arch *arch = &ld_arches[a];

		for (size_t c = 0; c < 4; c++) {
			struct run r = {
				.arch = arch, .comp = comps[c],
				.class64 = arch->elf_class == 2,
				.bs = ld_kdump_page_size(arch),
				.vmci_start = c % 2 == 0, .threads = 3,
			};

			check_run(&r);
		}
	}
}

/* EM_386 dumped with QEMU's 64-bit headers (RAM above 4 GiB). */
Test(kdump, dump_levels_leave_pages_out)
{
	static uint64_t bits[64];
	struct run r = { .arch = ld_arch_lookup("X86_64"), .class64 = true,
			 .comp = LD_KDUMP_ZSTD, .bs = 4096, .vmci_start = true,
			 .level = 31, .excluded = bits, .excluded_pages = 64 * 64 };

	/* Every third page, and a run of 100 across ranges and holes. */
	for (uint64_t pfn = 0; pfn < 64 * 64; pfn++)
		if (pfn % 3 == 0 || (pfn >= 40 && pfn < 140))
			bits[pfn / 64] |= 1ull << (pfn % 64);
	check_run(&r);
	/* Without bit 1 zero pages are stored like any other page. */
	r.level = 30;
	check_run(&r);
	r.excluded = NULL;
	r.level = 16;
	r.comp = LD_KDUMP_ZLIB;
	check_run(&r);
}

Test(kdump, i386_class64)
{
	struct run r = {
		.arch = ld_arch_lookup("386"), .comp = LD_KDUMP_ZLIB,
		.class64 = true, .bs = 4096, .vmci_start = true, .threads = 2,
	};

	check_run(&r);
}

Test(kdump, late_vmcoreinfo_fills_the_room)
{
	for (size_t c = 0; c < 4; c++) {
		struct run r = {
			.arch = ld_arch_lookup("aarch64-be"), .comp = comps[c],
			.class64 = true, .bs = 65536, .vmci_late = true,
			.reserve = LD_KDUMP_VMCOREINFO_RESERVE, .threads = 2,
			.uts_late = c & 1, .flattened = c >= 2,
		};

		check_run(&r);
	}
	struct run r32 = {
		.arch = ld_arch_lookup("386"), .comp = LD_KDUMP_LZO,
		.class64 = false, .bs = 4096, .vmci_late = true, .reserve = 4096,
		.threads = 1,
	};

	check_run(&r32);
}

Test(kdump, same_bytes_for_any_thread_count)
{
	struct mem m1, m4;
	struct run r1 = {
		.arch = ld_arch_lookup("X86_64"), .comp = LD_KDUMP_ZSTD,
		.class64 = true, .bs = 4096, .flattened = true, .threads = 1,
	};
	struct run r4 = r1;

	r4.threads = 7;
	dump(&r1, &m1);
	dump(&r4, &m4);
	cr_assert_eq(m1.len, m4.len);
	cr_assert_eq(memcmp(m1.buf, m4.buf, m1.len), 0);
	free(m1.buf);
	free(m4.buf);
}

/* --- QEMU's phys_base ----------------------------------------------------- */

Test(kdump, qemu_phys_base)
{
	struct ld_kdump_range rr[] = { { 0x40000000, 0x80000000 },
				       { 0x100000000ull, 0x140000000ull } };
	const struct ld_arch *arm = ld_arch_lookup("aarch64-le");
	const struct ld_arch *x86 = ld_arch_lookup("X86_64");
	const char *t;

	cr_assert_eq(ld_kdump_qemu_phys_base(arm, rr, 2, NULL, 0), 0x40000000);
	t = "A=1\nNUMBER(PHYS_OFFSET)=0x48000000\n";
	cr_assert_eq(ld_kdump_qemu_phys_base(arm, rr, 2, t, strlen(t)), 0x48000000);
	/* Not a number: the guess stays, and only the first line counts. */
	t = "NUMBER(PHYS_OFFSET)=zz\nNUMBER(PHYS_OFFSET)=0x1000\n";
	cr_assert_eq(ld_kdump_qemu_phys_base(arm, rr, 2, t, strlen(t)), 0x40000000);
	/* x86's value is decimal in Linux; QEMU reads it as hex. */
	t = "NUMBER(phys_base)=16777216\n";
	cr_assert_eq(ld_kdump_qemu_phys_base(x86, rr, 2, t, strlen(t)),
		     0x16777216);
	cr_assert_eq(ld_kdump_qemu_phys_base(x86, rr, 2, NULL, 0), 0);
	cr_assert_eq(ld_kdump_qemu_phys_base(ld_arch_lookup("386"), rr, 2, t,
					     strlen(t)), 0);
	cr_assert_eq(ld_kdump_qemu_phys_base(ld_arch_lookup("s390"), rr, 2, t,
					     strlen(t)), 0);
	/* The text ends at its length, or at a NUL. */
	t = "NUMBER(phys_base)=10\0" "00";
	cr_assert_eq(ld_kdump_qemu_phys_base(x86, rr, 2, t, 23), 0x10);
	cr_assert_eq(ld_kdump_qemu_phys_base(x86, rr, 2, t, 18), 0);
}

/* QEMU 7 names the x86 machine in the header; QEMU 10 names none. */
Test(kdump, qemu_uname_machine_by_version)
{
	const struct ld_arch *x86 = ld_arch_lookup("X86_64");
	const struct ld_arch *arm = ld_arch_lookup("aarch64-le");

	cr_expect_str_eq(ld_kdump_qemu_uname_machine(x86, "7.2.22"), "x86_64");
	cr_expect_str_eq(ld_kdump_qemu_uname_machine(ld_arch_lookup("386"),
						     "7.2.22"), "x86_64");
	cr_expect_str_eq(ld_kdump_qemu_uname_machine(arm, "7.2.22"), "Unknown");
	cr_expect_str_eq(ld_kdump_qemu_uname_machine(x86, "10.0.13"), "Unknown");
	cr_expect_str_eq(ld_kdump_qemu_uname_machine(x86, "10.2.2"), "Unknown");
	cr_expect_str_eq(ld_kdump_qemu_uname_machine(x86, NULL), "Unknown");
	cr_expect_str_eq(ld_kdump_qemu_uname_machine(x86, "garbage"), "Unknown");
}

/* --- bad input is an error value ------------------------------------------ */

static struct ld_kdump_params base_params(struct ld_kdump_range *rr, size_t n)
{
	struct ld_kdump_params p = {
		.arch = ld_arch_lookup("X86_64"), .class64 = true,
		.compress = LD_KDUMP_ZLIB, .ranges = rr, .nranges = n,
		.nr_cpus = 1, .threads = 2,
	};

	return p;
}

static void expect_start_error(struct ld_kdump_params *p, const char *what)
{
	struct mem m = { 0 };
	struct ld_kdump *k = (void *)1;
	struct ld_error *err = ld_kdump_start(p, mem_sink(&m), &k);

	cr_assert_not_null(err, "%s accepted", what);
	cr_assert_null(k);
	ld_error_free(err);
	free(m.buf);
}

Test(kdump, bad_params)
{
	struct ld_kdump_range unaligned[] = { { 0, 4096 }, { 8192, 9000 } };
	struct ld_kdump_range overlap[] = { { 0, 8192 }, { 4096, 12288 } };
	struct ld_kdump_range unsorted[] = { { 8192, 12288 }, { 0, 4096 } };
	struct ld_kdump_range empty[] = { { 4096, 4096 } };
	struct ld_kdump_range ok[] = { { 0, 4096 } };
	struct ld_kdump_params p;

	p = base_params(unaligned, 2);
	expect_start_error(&p, "unaligned range");
	p = base_params(overlap, 2);
	expect_start_error(&p, "overlapping ranges");
	p = base_params(unsorted, 2);
	expect_start_error(&p, "unsorted ranges");
	p = base_params(empty, 1);
	expect_start_error(&p, "empty range");
	p = base_params(ok, 0);
	expect_start_error(&p, "no ranges");
	p = base_params(ok, 1);
	p.page_size = 12288;
	expect_start_error(&p, "page size not a power of two");
	p = base_params(ok, 1);
	p.compress = (enum ld_kdump_compress)9;
	expect_start_error(&p, "unknown compression");
	p = base_params(ok, 1);
	p.vmcoreinfo = "x";
	p.vmcoreinfo_len = LD_KDUMP_VMCOREINFO_MAX + 1;
	expect_start_error(&p, "huge VMCOREINFO");
	p = base_params(ok, 1);
	p.notes = "abc";
	p.notes_len = 3;
	expect_start_error(&p, "notes not a multiple of 4");
}

Test(kdump, bad_pages)
{
	struct ld_kdump_range rr[] = { { 0, 4 * 4096 }, { 8 * 4096, 10 * 4096 },
				       { 10 * 4096, 11 * 4096 } };
	struct ld_kdump_params p = base_params(rr, 3);
	static uint8_t buf[8 * 4096];
	struct mem m = { 0 };
	struct ld_kdump *k;
	struct ld_error *err;

	cr_assert_null(ld_kdump_start(&p, mem_sink(&m), &k));
	err = ld_kdump_pages(k, 4096, buf, 4096);
	cr_assert_not_null(err, "skipping a page");
	ld_error_free(err);
	err = ld_kdump_pages(k, 0, buf, 100);
	cr_assert_not_null(err, "part of a page");
	ld_error_free(err);
	err = ld_kdump_pages(k, 0, buf, 5 * 4096);
	cr_assert_not_null(err, "a batch over a hole");
	ld_error_free(err);
	cr_assert_null(ld_kdump_pages(k, 0, buf, 4 * 4096));
	err = ld_kdump_pages(k, 0, buf, 4096);
	cr_assert_not_null(err, "going back");
	ld_error_free(err);
	/* Touching ranges may share a batch. */
	cr_assert_null(ld_kdump_pages(k, 8 * 4096, buf, 2 * 4096));
	err = ld_kdump_finish(k);
	cr_assert_not_null(err, "finish with a page missing");
	ld_error_free(err);
	ld_kdump_free(k);
	free(m.buf);

	memset(&m, 0, sizeof(m));
	cr_assert_null(ld_kdump_start(&p, mem_sink(&m), &k));
	cr_assert_null(ld_kdump_pages(k, 0, buf, 4 * 4096));
	cr_assert_null(ld_kdump_pages(k, 8 * 4096, buf, 3 * 4096));
	err = ld_kdump_pages(k, 11 * 4096, buf, 4096);
	cr_assert_not_null(err, "past the last range");
	ld_error_free(err);
	/* No room was kept: a late VMCOREINFO is refused, the file stays. */
	err = ld_kdump_set_vmcoreinfo(k, "OSRELEASE=1\n", 12);
	cr_assert_not_null(err);
	ld_error_free(err);
	cr_assert_null(ld_kdump_finish(k));
	ld_kdump_free(k);
	free(m.buf);
}

/* Pages said to be zero are zero, whatever the buffer holds there. */
Test(kdump, known_zero_pages_are_not_looked_at)
{
	struct ld_kdump_range rr[] = { { 0, 8 * 4096 } };
	struct ld_kdump_params p = base_params(rr, 1);
	static const uint8_t known_zero[8] = { 0, 0, 1, 0, 0, 1, 0, 0 };
	uint8_t *zeros = malloc(8 * 4096), *garbage = malloc(8 * 4096);
	struct mem a = { 0 }, b = { 0 };
	struct ld_kdump_stats st;
	struct ld_kdump *k;

	for (size_t i = 0; i < 8 * 4096; i++)
		zeros[i] = garbage[i] = (uint8_t)(i * 7 / 5);
	memset(zeros + 2 * 4096, 0, 4096);
	memset(zeros + 5 * 4096, 0, 4096);
	memset(garbage + 2 * 4096, 0xaa, 4096);
	memset(garbage + 5 * 4096, 0x55, 4096);

	cr_assert_null(ld_kdump_start(&p, mem_sink(&a), &k));
	cr_assert_null(ld_kdump_pages(k, 0, zeros, 8 * 4096));
	cr_assert_null(ld_kdump_finish(k));
	ld_kdump_free(k);

	cr_assert_null(ld_kdump_start(&p, mem_sink(&b), &k));
	cr_assert_null(ld_kdump_pages_hinted(k, 0, garbage, 4 * 4096,
					     known_zero));
	cr_assert_null(ld_kdump_pages_hinted(k, 4 * 4096, garbage + 4 * 4096,
					     4 * 4096, known_zero + 4));
	cr_assert_null(ld_kdump_finish(k));
	ld_kdump_get_stats(k, &st);
	ld_kdump_free(k);

	cr_assert_eq(st.zero_pages, 2);
	cr_assert_eq(a.len, b.len);
	cr_assert_eq(memcmp(a.buf, b.buf, a.len), 0,
		     "the hinted dump is the dump of the zeroed pages");
	free(a.buf);
	free(b.buf);
	free(zeros);
	free(garbage);
}

Test(kdump, sink_failure_is_an_error)
{
	struct ld_kdump_range rr[] = { { 0, 64 * 4096 } };
	struct ld_kdump_params p = base_params(rr, 1);
	uint8_t *buf = malloc(64 * 4096);

	for (size_t i = 0; i < 64 * 4096; i++)
		buf[i] = (uint8_t)(i * 7 / 5);
	/* Fail each write in turn, until a dump needs fewer writes. */
	for (int at = 1;; at++) {
		struct mem m = { .fail_at = at };
		struct ld_kdump *k = NULL;
		struct ld_error *err = ld_kdump_start(&p, mem_sink(&m), &k);

		if (!err)
			err = ld_kdump_pages(k, 0, buf, 64 * 4096);
		if (!err)
			err = ld_kdump_finish(k);
		if (!err) {
			cr_assert_lt(m.writes, at, "write %d failed silently", at);
			cr_assert_gt(at, 5);
			ld_kdump_free(k);
			free(m.buf);
			break;
		}
		ld_error_free(err);
		if (k) {
			err = ld_kdump_finish(k);
			cr_assert_not_null(err);
			ld_error_free(err);
		}
		ld_kdump_free(k);
		free(m.buf);
	}
	free(buf);
}

/* --- the real readers ----------------------------------------------------- */

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/qld-kdump-test-XXXXXX";
	char *d = mkdtemp(tmpl);

	cr_assert(d);
	return strdup(d);
}

static void write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "w");

	cr_assert(f, "%s", path);
	cr_assert_eq(fwrite(buf, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	uint8_t *buf;
	long n;

	cr_assert(f, "%s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static bool have_program(const char *path)
{
	return access(path, X_OK) == 0;
}

static void rm_rf(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

Test(kdump, makedumpfile_R_gives_the_plain_file)
{
	char *dir;

	cr_assert(have_program("/usr/sbin/makedumpfile") ||
		  have_program("/usr/bin/makedumpfile"),
		  "makedumpfile is not installed (tests/install-deps.sh installs it)");
	dir = tmpdir();
	for (size_t c = 0; c < 4; c++) {
		struct run r = {
			.arch = ld_arch_lookup(c % 2 ? "aarch64-le" : "X86_64"),
			.comp = comps[c], .class64 = true,
			.vmci_late = c == 1, .vmci_start = c == 2,
			.reserve = c == 1 ? LD_KDUMP_VMCOREINFO_RESERVE : 0,
			.threads = 2,
		};
		struct mem plain, flat;
		char fpath[300], opath[300], cmd[4096];
		size_t olen;
		uint8_t *o;
		int rc;

		r.bs = ld_kdump_page_size(r.arch);
		dump(&r, &plain);
		r.flattened = true;
		dump(&r, &flat);
		snprintf(fpath, sizeof(fpath), "%s/flat.%zu", dir, c);
		snprintf(opath, sizeof(opath), "%s/out.%zu", dir, c);
		write_file(fpath, flat.buf, flat.len);
		snprintf(cmd, sizeof(cmd),
			 "makedumpfile -R '%s' < '%s' > '%s.log' 2>&1", opath,
			 fpath, opath);
		rc = system(cmd);
		cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 0,
			  "makedumpfile -R failed (%d), see %s.log", rc, opath);
		o = read_file(opath, &olen);
		cr_assert_eq(olen, plain.len, "%s: -R made %zu bytes, plain is %zu",
			     ld_compress_name(r.comp), olen, plain.len);
		cr_assert_eq(memcmp(o, plain.buf, olen), 0);
		free(o);
		free(plain.buf);
		free(flat.buf);
	}
	rm_rf(dir);
	free(dir);
}

/*
 * libkdumpfile (python3-libkdumpfile, Debian's python) opens the plain
 * file and reads every page of the ranges back.
 */
Test(kdump, libkdumpfile_reads_the_pages)
{
	const char *srcdir = getenv("QLD_SRCDIR");
	char script[300];
	char *dir;
	int rc;

	/* make check sets QLD_SRCDIR; run by hand, the configured source. */
	if (srcdir)
		snprintf(script, sizeof(script), "%s/tests/kdump_read.py", srcdir);
	else
		snprintf(script, sizeof(script), "%s/../tests/kdump_read.py",
			 LD_SOURCE_PROFILE_DIR);
	cr_assert(have_program("/usr/bin/python3"), "/usr/bin/python3 missing");
	rc = system("/usr/bin/python3 -c 'import kdumpfile' 2>/dev/null");
	cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 0,
		  "python3-libkdumpfile is not installed (tests/install-deps.sh installs it)");
	cr_assert(access(script, R_OK) == 0, "%s not found (set QLD_SRCDIR)",
		  script);
	dir = tmpdir();
	const char *arches[] = { "X86_64", "aarch64-le" };

	for (size_t a = 0; a < 2; a++) {
		for (size_t c = 0; c < 4; c++) {
			struct run r = {
				.arch = ld_arch_lookup(arches[a]), .comp = comps[c],
				.class64 = true, .vmci_start = c != 3,
				.vmci_late = c == 3,
				.reserve = LD_KDUMP_VMCOREINFO_RESERVE,
				.threads = 2, .uts_start = c == 0,
				.uts_late = c == 3,
			};
			struct mem plain;
			char path[300], rpath[310], cmd[4096];
			FILE *rf;
			uint8_t *pg;

			r.bs = ld_kdump_page_size(r.arch);
			dump(&r, &plain);
			snprintf(path, sizeof(path), "%s/dump.%zu.%zu", dir, a, c);
			write_file(path, plain.buf, plain.len);
			/* The expected RAM: "start end" lines, then the bytes. */
			snprintf(rpath, sizeof(rpath), "%s.ram", path);
			rf = fopen(rpath, "w");
			cr_assert(rf);
			pg = malloc(r.bs);
			for (size_t i = 0; i < NRANGES; i++)
				for (uint64_t pfn = page_ranges[i][0];
				     pfn < page_ranges[i][1]; pfn++) {
					fill_page(pfn, pg, r.bs);
					fprintf(rf, "%llu %u\n",
						(unsigned long long)(pfn * r.bs), r.bs);
					fwrite(pg, 1, r.bs, rf);
				}
			free(pg);
			cr_assert_eq(fclose(rf), 0);
			snprintf(cmd, sizeof(cmd),
				 "/usr/bin/python3 '%s' '%s' '%s' '%s' %s > '%s.log' 2>&1",
				 script, path, rpath, vmci_text_for(r.bs),
				 r.uts_start || r.uts_late ?
				 test_uts(r.arch).machine : "", path);
			rc = system(cmd);
			cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 0,
				  "libkdumpfile on %s %s failed, see %s.log",
				  arches[a], ld_compress_name(r.comp), path);
			free(plain.buf);
		}
	}
	rm_rf(dir);
	free(dir);
}
