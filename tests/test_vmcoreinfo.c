// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_vmcoreinfo.c - the guest kernel's VMCOREINFO note: parsing, and
 * finding it in guest RAM during the copy or by looking at page heads.
 */
#include <criterion/criterion.h>
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "vmcoreinfo.h"

#define TEXT "OSRELEASE=6.1.0-test\nPAGESIZE=4096\nSYMBOL(init_uts_ns)=ffffffff82a13f80\n"

/* Write a note the way a Linux guest of that byte order does. */
static size_t put_note(unsigned char *p, const char *text, bool be)
{
	uint32_t namesz = 11, descsz = strlen(text), type = 0;
	uint32_t w[3] = {
		be ? htobe32(namesz) : htole32(namesz),
		be ? htobe32(descsz) : htole32(descsz),
		be ? htobe32(type) : htole32(type),
	};

	memcpy(p, w, 12);
	memcpy(p + 12, "VMCOREINFO\0\0", 12);
	memcpy(p + 24, text, descsz);
	return 24 + ((descsz + 3) & ~3u);
}

Test(vmcoreinfo, parse_little_and_big_endian)
{
	unsigned char buf[512] = { 0 };
	struct ld_vmcoreinfo v;
	char *why;

	for (int be = 0; be <= 1; be++) {
		size_t n = put_note(buf, TEXT, be);

		cr_assert(ld_vmcoreinfo_parse(buf, n, be, &v, &why), "%s", why);
		cr_expect_eq(v.descsz, strlen(TEXT));
		cr_expect(!memcmp(v.desc, TEXT, v.descsz));
		ld_vmcoreinfo_free(&v);
		/* Read with the wrong byte order it is no note. */
		cr_expect_not(ld_vmcoreinfo_parse(buf, n, !be, &v, &why));
		free(why);
	}
}

Test(vmcoreinfo, parse_rejects_what_tools_cannot_use)
{
	unsigned char buf[512] = { 0 };
	struct ld_vmcoreinfo v;
	char *why = NULL;
	size_t n;

	n = put_note(buf, "PAGESIZE=4096\n", false);
	cr_expect_not(ld_vmcoreinfo_parse(buf, n, false, &v, &why));
	cr_expect(why && strstr(why, "OSRELEASE"), "%s", why);
	free(why);

	n = put_note(buf, TEXT, false);
	cr_expect_not(ld_vmcoreinfo_parse(buf, n - 8, false, &v, &why),
		      "truncated note");
	free(why);

	memcpy(buf + 12, "VMCOREINFX", 10);
	cr_expect_not(ld_vmcoreinfo_parse(buf, n, false, &v, &why));
	free(why);

	n = put_note(buf, TEXT, false);
	uint32_t huge = htole32(2u << 20);
	memcpy(buf + 4, &huge, 4);
	cr_expect_not(ld_vmcoreinfo_parse(buf, n, false, &v, &why), "over 1 MiB");
	free(why);
}

static unsigned char *guest(size_t pages)
{
	unsigned char *g = calloc(pages, 4096);

	cr_assert_not_null(g);
	for (size_t i = 0; i < pages * 4096; i++)
		g[i] = (unsigned char)(i * 13 + 1);
	return g;
}

static void feed(struct ld_vmcoreinfo_scan *s, const unsigned char *g,
		 size_t len, size_t piece, uint64_t gpa)
{
	for (size_t off = 0; off < len; off += piece)
		ld_vmcoreinfo_scan_inspect(s, gpa + off, g + off,
					   len - off < piece ? len - off : piece);
}

Test(vmcoreinfo, scan_finds_a_page_aligned_note)
{
	unsigned char *g = guest(64);
	struct ld_vmcoreinfo_scan *s = ld_vmcoreinfo_scan_new(false);
	struct ld_vmcoreinfo v;
	struct ld_warnings warn = { 0 };

	put_note(g + 5 * 4096, TEXT, false);
	/* Not page-aligned: Linux never puts it there, the scan ignores it. */
	put_note(g + 9 * 4096 + 64, "OSRELEASE=x\nPAGESIZE=4096\n", false);
	feed(s, g, 64 * 4096, 16 * 4096, 0x100000);
	ld_vmcoreinfo_scan_result(s, &v, &warn);
	cr_assert(v.present);
	cr_expect_eq(warn.count, 0);
	cr_expect(!memcmp(v.desc, TEXT, strlen(TEXT)));
	cr_expect(strstr(v.source, "0x105000"), "%s", v.source);
	ld_vmcoreinfo_free(&v);
	ld_vmcoreinfo_scan_free(s);
	free(g);
}

Test(vmcoreinfo, scan_joins_a_note_split_between_pieces)
{
	unsigned char *g = guest(8);
	struct ld_vmcoreinfo_scan *s = ld_vmcoreinfo_scan_new(true);
	struct ld_vmcoreinfo v;
	put_note(g + 3 * 4096, TEXT, true);
	/* Pieces of 4096 + 40 bytes: the note's text is cut in two. */
	ld_vmcoreinfo_scan_inspect(s, 0, g, 3 * 4096 + 40);
	ld_vmcoreinfo_scan_inspect(s, 3 * 4096 + 40, g + 3 * 4096 + 40,
				   5 * 4096 - 40);
	ld_vmcoreinfo_scan_result(s, &v, NULL);
	cr_assert(v.present);
	cr_expect_eq(v.descsz, strlen(TEXT));
	ld_vmcoreinfo_free(&v);
	ld_vmcoreinfo_scan_free(s);
	free(g);
}

/*
 * The kernel's byte order need not be the vmcore's: QEMU 7.2 dumps a
 * little-endian ppc64 kernel on POWER9 big-endian, so a scan made for a
 * big-endian vmcore must take the little-endian note (the prescan of page
 * heads goes through the same head check).
 */
Test(vmcoreinfo, scan_takes_a_note_in_the_other_byte_order)
{
	for (int be = 0; be <= 1; be++) {
		unsigned char *g = guest(16);
		struct ld_vmcoreinfo_scan *s = ld_vmcoreinfo_scan_new(be);
		struct ld_vmcoreinfo v;
		struct ld_warnings warn = { 0 };

		put_note(g + 6 * 4096, TEXT, !be);
		/* Split between pieces, so the carried note is parsed too. */
		ld_vmcoreinfo_scan_inspect(s, 0, g, 6 * 4096 + 30);
		ld_vmcoreinfo_scan_inspect(s, 6 * 4096 + 30, g + 6 * 4096 + 30,
					   10 * 4096 - 30);
		ld_vmcoreinfo_scan_result(s, &v, &warn);
		cr_assert(v.present, "scan for %s", be ? "BE" : "LE");
		cr_expect_eq(warn.count, 0);
		cr_expect_eq(v.descsz, strlen(TEXT));
		cr_expect(!memcmp(v.desc, TEXT, v.descsz));
		ld_vmcoreinfo_free(&v);
		ld_vmcoreinfo_scan_free(s);
		free(g);
	}
}

Test(vmcoreinfo, identical_copies_count_once_different_ones_give_none)
{
	unsigned char *g = guest(32);
	struct ld_vmcoreinfo_scan *s = ld_vmcoreinfo_scan_new(false);
	struct ld_vmcoreinfo v;
	struct ld_warnings warn = { 0 };
	const char *warning;

	put_note(g + 2 * 4096, TEXT, false);
	put_note(g + 7 * 4096, TEXT, false);
	feed(s, g, 32 * 4096, 4096, 0);
	ld_vmcoreinfo_scan_result(s, &v, &warn);
	cr_assert(v.present);
	cr_expect(strstr(v.source, "2 copies"), "%s", v.source);
	ld_vmcoreinfo_free(&v);
	ld_vmcoreinfo_scan_free(s);

	s = ld_vmcoreinfo_scan_new(false);
	put_note(g + 11 * 4096, "OSRELEASE=5.10.0-old\nPAGESIZE=4096\n", false);
	feed(s, g, 32 * 4096, 8192, 0);
	ld_vmcoreinfo_scan_result(s, &v, &warn);
	cr_expect_not(v.present);
	cr_assert_eq(warn.count, 1, "one warning to the sink");
	warning = warn.text[0];
	cr_expect(strstr(warning, "2 different VMCOREINFO notes"), "%s", warning);
	cr_expect(strstr(warning, "5.10.0-old") && strstr(warning, "6.1.0-test"),
		  "%s", warning);
	ld_warnings_free(&warn);
	ld_vmcoreinfo_scan_free(s);
	free(g);
}

/* The prescan reads page heads through a callback and bodies through rd. */
static struct ld_error *mem_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	memcpy(buf, (void *)(uintptr_t)addr, len);
	return NULL;
}

static size_t mem_heads(void *ctx, const uint64_t *addrs, size_t n,
			size_t head_len, void *heads, bool *ok)
{
	unsigned char *unreadable = ctx;

	for (size_t i = 0; i < n; i++) {
		ok[i] = (unsigned char *)(uintptr_t)addrs[i] != unreadable;
		if (ok[i])
			memcpy((unsigned char *)heads + i * head_len,
			       (void *)(uintptr_t)addrs[i], head_len);
	}
	return n;
}

Test(vmcoreinfo, prescan_looks_at_every_page_head)
{
	size_t pages = 3000;	/* more than one batch of heads */
	unsigned char *g = guest(pages);
	struct ld_block blocks[2] = {
		{ .gpa = 0, .size = 1000 * 4096, .host = (uintptr_t)g },
		{ .gpa = 0x40000000, .size = 2000 * 4096,
		  .host = (uintptr_t)g + 1000 * 4096 },
	};
	struct ld_memmap map = { .blocks = blocks, .count = 2 };
	struct ld_reader rd = { mem_read, NULL };
	struct ld_vmcoreinfo_scan *s = ld_vmcoreinfo_scan_new(false);
	struct ld_vmcoreinfo v;

	put_note(g + 2500 * 4096, TEXT, false);
	cr_assert_null(ld_vmcoreinfo_prescan(s, &map, &rd, mem_heads,
					     g + 7 * 4096));
	ld_vmcoreinfo_scan_result(s, &v, NULL);
	cr_assert(v.present);
	cr_expect(strstr(v.source, "0x405dc000"), "%s", v.source);
	ld_vmcoreinfo_free(&v);
	ld_vmcoreinfo_scan_free(s);
	free(g);
}
