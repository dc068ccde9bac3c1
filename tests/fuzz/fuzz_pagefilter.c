// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_pagefilter.c - the dump level's walk of a guest kernel's page
 * tables, mem_section and struct pages (pagefilter.c, guestpaging.c) on
 * any guest RAM and any VMCOREINFO.
 *
 * Input: byte 0 picks the arch (bit 0: aarch64, else x86_64) and whether
 * the VMCOREINFO is the input's (bit 1: bytes 1..N up to the first NUL)
 * or a plausible 6.1 one pointing into the input; the rest is guest RAM,
 * repeated over 16 MiB at gpa 0 (so every table the walk reads is input).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pagefilter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_SIZE (16u << 20)

struct input {
	const uint8_t *ram;
	size_t size;
};

static struct ld_error *input_ram(void *ctx, uint64_t gpa, void *buf,
				  size_t len)
{
	const struct input *in = ctx;
	uint8_t *out = buf;

	if (!in->size || gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return ld_error(LD_EXIT_COPY, "not guest RAM");
	for (size_t i = 0; i < len; i++)
		out[i] = in->ram[(gpa + i) % in->size];
	return NULL;
}

/* Debian 12's 6.1 facts, the kernel's tables and maps inside the input. */
static const char x86_facts[] =
	"OSRELEASE=6.1.0-57-cloud-amd64\nPAGESIZE=4096\n"
	"SYMBOL(init_top_pgt)=ffffffff80001000\nNUMBER(phys_base)=0\n"
	"NUMBER(pgtable_l5_enabled)=0\n"
	"SYMBOL(mem_section)=ffff888000003000\nLENGTH(mem_section)=2048\n"
	"SIZE(mem_section)=16\nOFFSET(mem_section.section_mem_map)=0\n"
	"NUMBER(SECTION_SIZE_BITS)=27\nNUMBER(MAX_PHYSMEM_BITS)=46\n";
static const char arm_facts[] =
	"OSRELEASE=6.1.0-57-arm64\nPAGESIZE=4096\nNUMBER(VA_BITS)=48\n"
	"SYMBOL(swapper_pg_dir)=ffff800000001000\n"
	"NUMBER(kimage_voffset)=0xffff800000000000\n"
	"SYMBOL(mem_section)=ffff000000003000\nLENGTH(mem_section)=1024\n"
	"SIZE(mem_section)=16\nOFFSET(mem_section.section_mem_map)=0\n"
	"NUMBER(SECTION_SIZE_BITS)=27\nNUMBER(MAX_PHYSMEM_BITS)=48\n";
static const char page_facts[] =
	"SIZE(page)=64\nOFFSET(page.flags)=0\nOFFSET(page._refcount)=52\n"
	"OFFSET(page.mapping)=24\nOFFSET(page.lru)=8\n"
	"OFFSET(page._mapcount)=48\nOFFSET(page.private)=40\n"
	"OFFSET(page.compound_dtor)=16\nOFFSET(page.compound_order)=17\n"
	"OFFSET(page.compound_head)=8\nLENGTH(zone.free_area)=11\n"
	"NUMBER(PG_lru)=4\nNUMBER(PG_private)=13\nNUMBER(PG_swapcache)=10\n"
	"NUMBER(PG_swapbacked)=19\nNUMBER(PG_slab)=9\nNUMBER(PG_hwpoison)=22\n"
	"NUMBER(PG_head_mask)=65536\n"
	"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\nNUMBER(HUGETLB_PAGE_DTOR)=2\n"
	"NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[8192];
	bool arm, own;
	struct input in;
	struct ld_block block = { .gpa = 0, .size = RAM_SIZE };
	struct ld_memmap map = { .blocks = &block, .count = 1,
				 .total_bytes = RAM_SIZE };
	struct ld_guest_ram ram;
	struct ld_page_filter f;
	struct ld_warnings w = { 0 };
	struct ld_error *err;
	size_t tlen = 0;

	if (size < 2)
		return 0;
	arm = data[0] & 1;
	own = data[0] & 2;
	data++;
	size--;
	if (own) {
		const uint8_t *nul = memchr(data, 0, size);

		tlen = nul ? (size_t)(nul - data) : size;
		if (tlen >= sizeof(text))
			tlen = sizeof(text) - 1;
		memcpy(text, data, tlen);
		text[tlen] = '\0';
		data += tlen + (tlen < size);
		size -= tlen + (tlen < size);
	} else {
		tlen = (size_t)snprintf(text, sizeof(text), "%s%s",
					arm ? arm_facts : x86_facts, page_facts);
	}
	in = (struct input){ data, size };
	ram = (struct ld_guest_ram){ input_ram, &in };
	struct ld_page_filter_input pin = {
		.arch = ld_arch_lookup(arm ? "aarch64-le" : "X86_64"),
		.level = 31, .vmcoreinfo = text, .vmcoreinfo_len = tlen,
		.map = &map, .ram = &ram,
	};

	err = ld_page_filter_build(&pin, &f, &w);
	if (!err) {
		unsigned char marks[64];

		ld_page_filter_mark(&f, 0, sizeof(marks), marks);
		ld_page_filter_free(&f);
	}
	ld_error_free(err);
	ld_warnings_free(&w);
	return 0;
}
