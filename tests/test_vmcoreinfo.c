// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_vmcoreinfo.c - the guest kernel's VMCOREINFO note: parsing, and
 * finding it in guest RAM during the copy or by looking at page heads.
 */
#include <criterion/criterion.h>
#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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
	struct ld_prescan_source src = {
		.rd = &rd, .read_heads = mem_heads, .heads_ctx = g + 7 * 4096,
	};

	cr_assert_null(ld_vmcoreinfo_prescan(s, &map, &src));
	ld_vmcoreinfo_scan_result(s, &v, NULL);
	cr_assert(v.present);
	cr_expect(strstr(v.source, "0x405dc000"), "%s", v.source);
	ld_vmcoreinfo_free(&v);
	ld_vmcoreinfo_scan_free(s);
	free(g);
}

/* Counts the heads read; confirms only notes naming "6.1.0-test". */
struct counted {
	size_t heads;
	unsigned int offered;
};

static size_t counted_heads(void *ctx, const uint64_t *addrs, size_t n,
			    size_t head_len, void *heads, bool *ok)
{
	struct counted *c = ctx;

	c->heads += n;
	return mem_heads(NULL, addrs, n, head_len, heads, ok);
}

static bool confirm_test_kernel(void *ctx, const char *desc, size_t len)
{
	struct counted *c = ctx;

	c->offered++;
	return memmem(desc, len, "OSRELEASE=6.1.0-test\n", 21) != NULL;
}

/*
 * With a way to tell the running kernel's note, the prescan looks at the
 * bottom of every block first (where Linux allocates it), stops at the
 * running kernel's note and takes it over a stale one seen before it;
 * without one it looks at every page, and two notes give none.
 */
Test(vmcoreinfo, prescan_stops_at_the_running_kernels_note)
{
	/* Two blocks of 300 MiB: past the first pass's 256 MiB each. */
	size_t size = 300ull << 20;
	unsigned char *g = mmap(NULL, 2 * size, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				-1, 0);
	struct ld_block blocks[2];
	struct ld_memmap map = { .blocks = blocks, .count = 2 };
	struct ld_reader rd = { mem_read, NULL };
	struct counted c = { 0 };
	struct ld_prescan_source src = {
		.rd = &rd, .read_heads = counted_heads, .heads_ctx = &c,
		.confirm = confirm_test_kernel, .confirm_ctx = &c,
	};
	struct ld_vmcoreinfo_scan *s;
	struct ld_vmcoreinfo v;
	struct ld_warnings warn = { 0 };

	cr_assert_neq(g, MAP_FAILED);
	blocks[0] = (struct ld_block){ .gpa = 0, .size = size,
				       .host = (uintptr_t)g };
	blocks[1] = (struct ld_block){ .gpa = 0x100000000ull, .size = size,
				       .host = (uintptr_t)g + size };
	/* A stale note at the bottom of block 0, the running one 4 MiB into
	   block 1, one more past the first pass. */
	put_note(g + 0x10000, "OSRELEASE=5.10.0-old\nPAGESIZE=4096\n", false);
	put_note(g + size + (4 << 20), TEXT, false);
	put_note(g + (280 << 20), "OSRELEASE=4.19.0-older\nPAGESIZE=4096\n",
		 false);

	s = ld_vmcoreinfo_scan_new(false);
	cr_assert_null(ld_vmcoreinfo_prescan(s, &map, &src));
	ld_vmcoreinfo_scan_result(s, &v, &warn);
	cr_assert(v.present);
	cr_expect(!memcmp(v.desc, TEXT, v.descsz));
	cr_expect(strstr(v.source, "0x100400000") &&
		  strstr(v.source, "running kernel") &&
		  strstr(v.source, "1 other note left aside"), "%s", v.source);
	cr_expect_eq(warn.count, 0);
	/* Block 0's first 256 MiB, then block 1 up to the note's batch. */
	cr_expect_leq(c.heads, (256u << 20) / 4096 + (8u << 20) / 4096,
		      "%zu heads read", c.heads);
	cr_expect_eq(c.offered, 2);
	ld_vmcoreinfo_free(&v);
	ld_vmcoreinfo_scan_free(s);

	/* Nothing to tell the running kernel by: every page, no note. */
	memset(&c, 0, sizeof(c));
	src.confirm = NULL;
	s = ld_vmcoreinfo_scan_new(false);
	cr_assert_null(ld_vmcoreinfo_prescan(s, &map, &src));
	ld_vmcoreinfo_scan_result(s, &v, &warn);
	cr_expect_not(v.present);
	cr_expect_eq(c.heads, 2 * size / 4096);
	cr_expect(warn.count == 1 && strstr(warn.text[0], "3 different"),
		  "%s", warn.count ? warn.text[0] : "no warning");
	ld_warnings_free(&warn);
	ld_vmcoreinfo_scan_free(s);

	/* A confirm() that never agrees changes nothing either. */
	memset(&c, 0, sizeof(c));
	src.confirm = confirm_test_kernel;
	memset(g + size + (4 << 20), 0, 4096);
	s = ld_vmcoreinfo_scan_new(false);
	cr_assert_null(ld_vmcoreinfo_prescan(s, &map, &src));
	ld_vmcoreinfo_scan_result(s, &v, &warn);
	cr_expect_not(v.present);
	cr_expect_eq(c.heads, 2 * size / 4096);
	cr_expect_eq(c.offered, 2);
	ld_warnings_free(&warn);
	ld_vmcoreinfo_scan_free(s);
	munmap(g, 2 * size);
}
