// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kdump.c - the diskdump vmcore writer; see kdump.h.
 *
 * The order and size of every write follow QEMU's dump.c (create_header32/
 * 64, write_dump_bitmap, write_dump_pages with its two 4-block caches), so
 * that the flattened stream has QEMU's records, not only its bytes.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kdump.h"

#define FLAT_HEADER_SIZE 4096	/* MAX_SIZE_MDF_HEADER */
#define DH32_SIZE 452		/* sizeof(DiskDumpHeader32), packed */
#define DH64_SIZE 464
#define KH32_SIZE 80		/* sizeof(KdumpSubHeader32), packed */
#define KH64_SIZE 104
#define PD_SIZE 24		/* sizeof(PageDescriptor) */
#define NHDR_SIZE 12		/* Elf32_Nhdr and Elf64_Nhdr alike */
#define UTS_FIELD LD_UTS_FIELD
_Static_assert(sizeof(struct ld_utsname) == 6 * UTS_FIELD, "new_utsname");
#define CACHE_BLOCKS 4		/* QEMU's DataCache: 4 * page size */
/*
 * A plain file's bytes do not depend on how they are cut into writes:
 * bigger caches there (QEMU's size decides the flattened stream's records,
 * which are kept), and a flattened stream goes out in OUT_BUF pieces.
 */
#define FILE_CACHE (1u << 20)
#define OUT_BUF (1u << 20)
#define MAX_RANGES (1u << 20)
#define MAX_NOTES (64u << 20)
#define MAX_THREADS 256u
#define VMCI_NAME "VMCOREINFO"

/* PAGE_RAW_ZERO: a zero page stored as is (zero_as_data, no gain). */
enum page_kind { PAGE_ZERO, PAGE_COMP, PAGE_RAW, PAGE_RAW_ZERO };

struct page_res {
	uint8_t kind;
	uint32_t size;		/* PAGE_COMP: bytes in the slot's arena */
	size_t off;		/* into the arena */
};

enum slot_state { SLOT_FREE, SLOT_READY, SLOT_DONE };

struct slot {
	enum slot_state state;
	const uint8_t *in;	/* NULL: zero pages */
	const uint8_t *known_zero;	/* per page, or NULL: see ld_kdump.h */
	uint64_t pfn;		/* of the first page */
	size_t npages;
	uint8_t *arena;
	struct page_res *res;
};

struct cache {
	uint8_t *buf;
	size_t len, cap;
	uint64_t off;		/* file offset of buf[0] */
};

struct ld_kdump {
	struct ld_kdump_sink sink;
	const struct ld_arch *arch;
	bool be, class64, flattened;
	enum ld_kdump_compress compress;
	uint32_t bs, shift;
	struct ld_utsname uts;	/* the header's; QEMU's: machine only */
	bool uts_dirty;		/* changed since the header was written */
	struct ld_kdump_range *ranges;
	size_t nranges;
	uint32_t nr_cpus;
	uint64_t phys_base;

	uint8_t *notes;		/* capacity note_cap: CPU notes + VMCOREINFO */
	size_t notes_len;	/* CPU notes */
	size_t note_cap;
	size_t vmci_len;	/* desc bytes of the VMCOREINFO note, if any */
	bool have_vmci, vmci_at_start;

	uint64_t max_mapnr, num_pages, num_dumpable;
	uint8_t *bitmap2;	/* len_bitmap bytes: the pages dumped */
	bool zero_as_data;	/* zero pages compressed like any other */
	uint8_t *zeros;		/* bs zero bytes, for zero_as_data */
	unsigned int dump_level;
	uint32_t sub_hdr_blocks, bitmap_blocks;
	uint64_t len_bitmap, off_bitmap, off_note, off_page, off_data;
	uint64_t next_data;	/* file offset of the next page's data */

	uint64_t stream_pos;	/* flattened: bytes written */
	size_t ri;		/* cursor: range index and address */
	uint64_t pos;
	uint64_t pages_done;

	struct cache desc, data;
	struct cache out;	/* flattened: records not yet handed on */
	uint8_t pd_zero[PD_SIZE];
	struct ld_kdump_stats st;
	uint64_t written_phys_base;	/* in the sub-header written */
	bool failed, finished;

	/* The pool: slots are a ring, handed out by sequence number. */
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	bool lock_live, stop;
	unsigned int nthreads, nslots;
	size_t slice_pages;
	struct slot *slots;
	uint64_t next_fill, next_take, next_emit;
	pthread_t *th;
	unsigned int nstarted;
	struct ld_compressor **z;
	struct worker_arg { struct ld_kdump *k; unsigned int i; } *args;
};

/* --- byte order --------------------------------------------------------- */

static void put32(const struct ld_kdump *k, uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[k->be ? 3 - i : i] = (uint8_t)(v >> (8 * i));
}

static void put64(const struct ld_kdump *k, uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[k->be ? 7 - i : i] = (uint8_t)(v >> (8 * i));
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[7 - i] = (uint8_t)(v >> (8 * i));
}

static uint64_t div_up(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

/* --- facts about QEMU ---------------------------------------------------- */

uint32_t ld_kdump_page_size(const struct ld_arch *arch)
{
	switch (arch->id) {
	/* arm: "aarch64 max pagesize"; ppc: pseries' 64 KiB. */
	case LD_ARCH_AARCH64_LE:
	case LD_ARCH_AARCH64_BE:
	case LD_ARCH_PPC64_LE:
	case LD_ARCH_PPC64_BE:
		return 1u << 16;
	default:
		return 4096;
	}
}

bool ld_kdump_page_size_from_guest(const struct ld_arch *arch)
{
	return arch->id == LD_ARCH_AARCH64_LE || arch->id == LD_ARCH_AARCH64_BE;
}

uint32_t ld_kdump_guest_page_size(const struct ld_arch *arch,
				  const char *vmcoreinfo, size_t len)
{
	uint64_t ps;

	if (ld_kdump_page_size_from_guest(arch) &&
	    ld_vmci_number(vmcoreinfo, len, "PAGESIZE", &ps) &&
	    ps >= 4096 && ps <= 65536 && !(ps & (ps - 1)))
		return (uint32_t)ps;
	return ld_kdump_page_size(arch);
}

const char *ld_kdump_qemu_uname_machine(const struct ld_arch *arch,
					const char *qemu_version)
{
	/*
	 * QEMU 7's target/i386/cpu.h defined ELF_MACHINE_UNAME; 10.0 and 10.2
	 * (their sources, and the e2e oracle) no longer do, so dump.c's
	 * "Unknown" is written for every arch.  8.x and 9.x are taken to be
	 * like 10 (not checked here).
	 */
	if (qemu_version && atoi(qemu_version) >= 1 && atoi(qemu_version) <= 7)
		return ld_kdump_uname_machine(arch);
	return "Unknown";
}

const char *ld_kdump_uname_machine(const struct ld_arch *arch)
{
	switch (arch->id) {
	/* qemu-system-x86_64's, whatever mode the guest is in. */
	case LD_ARCH_X86_64:
	case LD_ARCH_I386:
		return "x86_64";
	case LD_ARCH_S390:
		return "S390X";
	default:
		return "Unknown";
	}
}

/*
 * dump.c's vmcoreinfo_update_phys_base: the first line with the prefix
 * decides; its value is read as hex (also x86's decimal one, as QEMU
 * does) and must be the whole rest of the line, else the guess stays.
 */
uint64_t ld_kdump_qemu_phys_base(const struct ld_arch *arch,
				 const struct ld_kdump_range *ranges,
				 size_t nranges, const char *vmcoreinfo,
				 size_t len)
{
	const char *prefix = NULL;
	uint64_t base = 0;

	if (arch->id == LD_ARCH_AARCH64_LE || arch->id == LD_ARCH_AARCH64_BE) {
		/* arm's cpu_get_dump_info: the lowest RAM block. */
		for (size_t i = 0; i < nranges; i++)
			if (i == 0 || ranges[i].start < base)
				base = ranges[i].start;
		prefix = "NUMBER(PHYS_OFFSET)=";
	} else if (arch->id == LD_ARCH_X86_64) {
		prefix = "NUMBER(phys_base)=";
	}
	if (!prefix || !vmcoreinfo)
		return base;

	size_t plen = strlen(prefix);
	const char *p = vmcoreinfo, *end = vmcoreinfo + len;
	const char *nul = memchr(p, '\0', len);

	if (nul)	/* g_strsplit stops there */
		end = nul;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t ll = eol ? (size_t)(eol - p) : (size_t)(end - p);

		if (ll >= plen && !memcmp(p, prefix, plen)) {
			char num[32];
			size_t nl = ll - plen;
			char *ep;
			unsigned long long v;

			if (nl == 0 || nl >= sizeof(num))
				return base;
			memcpy(num, p + plen, nl);
			num[nl] = '\0';
			errno = 0;
			v = strtoull(num, &ep, 16);
			if (errno || ep == num || *ep)
				return base;
			return v;
		}
		p += ll + 1;
	}
	return base;
}

/* --- output -------------------------------------------------------------- */

static struct ld_error *out_flush(struct ld_kdump *k)
{
	struct ld_error *err;

	if (!k->out.len)
		return NULL;
	err = k->sink.write(k->sink.ctx, k->out.buf, k->out.len, k->out.off);
	k->out.off += k->out.len;
	k->out.len = 0;
	return err;
}

/*
 * To the sink.  The flattened stream is written in order: small pieces
 * (a record's header, then its data) are gathered first.
 */
static struct ld_error *sink_put(struct ld_kdump *k, const void *buf,
				 size_t len, uint64_t off)
{
	struct ld_error *err;

	k->st.bytes_out += len;
	if (!k->out.buf)
		return k->sink.write(k->sink.ctx, buf, len, off);
	if (k->out.len + len > k->out.cap) {
		err = out_flush(k);
		if (err)
			return err;
	}
	if (len > k->out.cap) {
		k->out.off += len;
		return k->sink.write(k->sink.ctx, buf, len, off);
	}
	memcpy(k->out.buf + k->out.len, buf, len);
	k->out.len += len;
	return NULL;
}

/* One write_buffer() of QEMU's: a flat record, or bytes at off. */
static struct ld_error *emit(struct ld_kdump *k, uint64_t off, const void *buf,
			     size_t len)
{
	struct ld_error *err;
	uint8_t hdr[16];

	if (!len)	/* readers reject empty flat records */
		return NULL;
	if (!k->flattened)
		return sink_put(k, buf, len, off);
	put_be64(hdr, off);
	put_be64(hdr + 8, len);
	err = sink_put(k, hdr, sizeof(hdr), k->stream_pos);
	if (err)
		return err;
	k->stream_pos += sizeof(hdr);
	err = sink_put(k, buf, len, k->stream_pos);
	if (err)
		return err;
	k->stream_pos += len;
	return NULL;
}

static struct ld_error *cache_flush(struct ld_kdump *k, struct cache *c)
{
	struct ld_error *err;

	if (!c->len)
		return NULL;
	err = emit(k, c->off, c->buf, c->len);
	c->off += c->len;
	c->len = 0;
	return err;
}

/* QEMU's write_cache(): flush first when buf would not fit. */
static struct ld_error *cache_put(struct ld_kdump *k, struct cache *c,
				  const void *buf, size_t len)
{
	if (c->len + len > c->cap) {
		struct ld_error *err = cache_flush(k, c);

		if (err)
			return err;
	}
	memcpy(c->buf + c->len, buf, len);
	c->len += len;
	return NULL;
}

/* --- headers ------------------------------------------------------------- */

static size_t note_size(size_t namesz, size_t descsz)
{
	return NHDR_SIZE + ((namesz + 3) & ~(size_t)3) +
	       ((descsz + 3) & ~(size_t)3);
}

static size_t vmci_note_size(size_t descsz)
{
	return note_size(sizeof(VMCI_NAME), descsz);
}

static void build_vmci_note(struct ld_kdump *k, const void *text, size_t len)
{
	uint8_t *p = k->notes + k->notes_len;

	memset(p, 0, vmci_note_size(len));
	put32(k, p, sizeof(VMCI_NAME));
	put32(k, p + 4, (uint32_t)len);
	put32(k, p + 8, 0);	/* Linux's n_type for it */
	memcpy(p + NHDR_SIZE, VMCI_NAME, sizeof(VMCI_NAME));
	memcpy(p + NHDR_SIZE + 12, text, len);
	k->vmci_len = len;
	k->have_vmci = true;
}

static size_t notes_size_now(const struct ld_kdump *k)
{
	return k->notes_len + (k->have_vmci ? vmci_note_size(k->vmci_len) : 0);
}

static void build_dh(struct ld_kdump *k, uint8_t *dh)
{
	size_t ts = k->class64 ? 22 : 10;
	uint8_t *f = dh + 12 + 6 * UTS_FIELD + ts;

	memcpy(dh, "KDUMP   ", 8);
	put32(k, dh + 8, 6);	/* header_version */
	memcpy(dh + 12, &k->uts, 6 * UTS_FIELD);
	put32(k, f, ld_compress_flag(k->compress));	/* status */
	put32(k, f + 4, k->bs);
	put32(k, f + 8, k->sub_hdr_blocks);
	put32(k, f + 12, k->bitmap_blocks);
	put32(k, f + 16, k->max_mapnr > UINT_MAX ? UINT_MAX :
			 (uint32_t)k->max_mapnr);
	/* total_ram_blocks, device_blocks, written_blocks, current_cpu: 0 */
	put32(k, f + 36, k->nr_cpus);
}

static size_t kh_size(const struct ld_kdump *k)
{
	return k->class64 ? KH64_SIZE : KH32_SIZE;
}

static void build_kh(struct ld_kdump *k, uint8_t *kh)
{
	uint64_t off_vmci = 0, size_vmci = 0;
	uint64_t nsize = notes_size_now(k);

	if (k->have_vmci) {
		/* The desc of the note after the CPU notes. */
		off_vmci = k->off_note + k->notes_len + NHDR_SIZE + 12;
		size_vmci = k->vmci_len;
	}
	memset(kh, 0, kh_size(k));
	if (k->class64) {
		put64(k, kh, k->phys_base);
		put32(k, kh + 8, k->dump_level);
		put64(k, kh + 32, off_vmci);
		put64(k, kh + 40, size_vmci);
		put64(k, kh + 48, k->off_note);
		put64(k, kh + 56, nsize);
		put64(k, kh + 96, k->max_mapnr);
	} else {
		put32(k, kh, (uint32_t)k->phys_base);
		put32(k, kh + 4, k->dump_level);
		put64(k, kh + 20, off_vmci);
		put32(k, kh + 28, (uint32_t)size_vmci);
		put64(k, kh + 32, k->off_note);
		put32(k, kh + 40, (uint32_t)nsize);
		put64(k, kh + 72, k->max_mapnr);
	}
}

/* Chunk c (bs bytes) of the bitmap: one bit per pfn in the ranges. */
static void build_bitmap_chunk(const struct ld_kdump *k, uint64_t c,
			       uint8_t *buf, size_t *ri)
{
	uint64_t bits = (uint64_t)k->bs * 8;
	uint64_t lo = c * bits, hi = lo + bits;

	memset(buf, 0, k->bs);
	while (*ri < k->nranges) {
		uint64_t s = k->ranges[*ri].start >> k->shift;
		uint64_t e = k->ranges[*ri].end >> k->shift;

		if (s >= hi)
			break;
		if (s < lo)
			s = lo;
		if (e > hi)
			e = hi;
		for (uint64_t pfn = s; pfn < e; pfn++) {
			uint64_t b = pfn - lo;

			buf[b / 8] |= (uint8_t)(1u << (b % 8));
		}
		if ((k->ranges[*ri].end >> k->shift) > hi)
			break;
		(*ri)++;
	}
}

static struct ld_error *write_heads(struct ld_kdump *k)
{
	uint8_t dh[DH64_SIZE] = { 0 }, kh[KH64_SIZE];
	struct ld_error *err;
	uint64_t nchunks = k->len_bitmap / k->bs;
	size_t ri = 0;
	uint8_t *chunk;

	if (k->flattened) {
		uint8_t *mh = calloc(1, FLAT_HEADER_SIZE);

		if (!mh)
			return &ld_error_nomem;
		memcpy(mh, "makedumpfile", 12);
		put_be64(mh + 16, 1);	/* TYPE_FLAT_HEADER */
		put_be64(mh + 24, 1);	/* VERSION_FLAT_HEADER */
		err = sink_put(k, mh, FLAT_HEADER_SIZE, 0);
		free(mh);
		if (err)
			return err;
		k->stream_pos = FLAT_HEADER_SIZE;
	}
	build_dh(k, dh);
	err = emit(k, 0, dh, k->class64 ? DH64_SIZE : DH32_SIZE);
	if (err)
		return err;
	build_kh(k, kh);
	k->written_phys_base = k->phys_base;
	err = emit(k, k->bs, kh, kh_size(k));
	if (err)
		return err;
	err = emit(k, k->off_note, k->notes, notes_size_now(k));
	if (err)
		return err;

	/* set_dump_bitmap: each block of bitmap 1, then the same of 2. */
	chunk = malloc(k->bs);
	if (!chunk)
		return &ld_error_nomem;
	for (uint64_t c = 0; c < nchunks && !err; c++) {
		build_bitmap_chunk(k, c, chunk, &ri);
		err = emit(k, k->off_bitmap + c * k->bs, chunk, k->bs);
		if (!err)
			err = emit(k, k->off_bitmap + k->len_bitmap + c * k->bs,
				   k->bitmap2 + c * k->bs, k->bs);
	}
	if (!err) {
		/* Every zero page's descriptor points at this one. */
		memset(chunk, 0, k->bs);
		err = cache_put(k, &k->data, chunk, k->bs);
	}
	free(chunk);
	return err;
}

/* --- validation and layout ------------------------------------------------ */

static struct ld_error *check_params(const struct ld_kdump_params *p,
				     uint32_t bs)
{
	if (!p->arch)
		return ld_error(LD_EXIT_FAILURE, "kdump: no arch");
	if (!ld_compress_valid(p->compress))
		return ld_error(LD_EXIT_FAILURE, "kdump: unknown compression %d",
				(int)p->compress);
	if (bs < 4096 || bs > (1u << 20) || (bs & (bs - 1)))
		return ld_error(LD_EXIT_FAILURE,
				"kdump: page size %u is not a power of two in 4 KiB..1 MiB",
				bs);
	if (!p->nranges || !p->ranges)
		return ld_error(LD_EXIT_FAILURE, "kdump: no guest RAM to dump");
	if (p->nranges > MAX_RANGES)
		return ld_error(LD_EXIT_FAILURE, "kdump: %zu ranges (at most %u)",
				p->nranges, MAX_RANGES);
	for (size_t i = 0; i < p->nranges; i++) {
		const struct ld_kdump_range *r = &p->ranges[i];

		if ((r->start | r->end) & (bs - 1))
			return ld_error(LD_EXIT_FAILURE,
					"kdump: range 0x%llx-0x%llx is not aligned to the %u-byte dump page",
					(unsigned long long)r->start,
					(unsigned long long)r->end, bs);
		if (r->start >= r->end || r->end > (1ull << 62))
			return ld_error(LD_EXIT_FAILURE,
					"kdump: bad range 0x%llx-0x%llx",
					(unsigned long long)r->start,
					(unsigned long long)r->end);
		if (i && r->start < p->ranges[i - 1].end)
			return ld_error(LD_EXIT_FAILURE,
					"kdump: range 0x%llx-0x%llx overlaps or precedes the one before",
					(unsigned long long)r->start,
					(unsigned long long)r->end);
	}
	if (p->notes_len > MAX_NOTES || (p->notes_len && !p->notes))
		return ld_error(LD_EXIT_FAILURE, "kdump: bad notes (%zu bytes)",
				p->notes_len);
	if (p->notes_len % 4)
		return ld_error(LD_EXIT_FAILURE,
				"kdump: notes length %zu is not a multiple of 4",
				p->notes_len);
	if (p->vmcoreinfo && p->vmcoreinfo_len > LD_KDUMP_VMCOREINFO_MAX)
		return ld_error(LD_EXIT_FAILURE, "kdump: VMCOREINFO of %zu bytes",
				p->vmcoreinfo_len);
	if (p->vmcoreinfo_reserve > LD_KDUMP_VMCOREINFO_MAX)
		return ld_error(LD_EXIT_FAILURE,
				"kdump: VMCOREINFO room of %zu bytes",
				p->vmcoreinfo_reserve);
	if (p->machine && strlen(p->machine) >= UTS_FIELD)
		return ld_error(LD_EXIT_FAILURE, "kdump: machine name too long");
	return NULL;
}

static bool test_pfn(const uint64_t *bits, uint64_t pfn)
{
	return bits[pfn / 64] >> (pfn % 64) & 1;
}

/* Bitmap 2: every page of the ranges but those excluded. */
static struct ld_error *build_bitmap2(struct ld_kdump *k,
				      const struct ld_kdump_params *p)
{
	k->bitmap2 = calloc(1, k->len_bitmap);
	if (!k->bitmap2)
		return &ld_error_nomem;
	k->num_dumpable = 0;
	for (size_t i = 0; i < k->nranges; i++) {
		for (uint64_t pfn = k->ranges[i].start >> k->shift;
		     pfn < k->ranges[i].end >> k->shift; pfn++) {
			if (p->excluded && pfn < p->excluded_pages &&
			    test_pfn(p->excluded, pfn))
				continue;
			k->bitmap2[pfn / 8] |= (uint8_t)(1u << (pfn % 8));
			k->num_dumpable++;
		}
	}
	return NULL;
}

static struct ld_error *layout(struct ld_kdump *k,
			       const struct ld_kdump_params *p)
{
	struct ld_error *err;
	uint64_t sub, blocks;

	k->max_mapnr = k->ranges[k->nranges - 1].end >> k->shift;
	k->num_pages = 0;
	for (size_t i = 0; i < k->nranges; i++)
		k->num_pages += (k->ranges[i].end - k->ranges[i].start) >> k->shift;
	k->len_bitmap = div_up(div_up(k->max_mapnr, 8), k->bs) * k->bs;
	err = build_bitmap2(k, p);
	if (err)
		return err;
	sub = div_up(kh_size(k) + k->note_cap, k->bs);
	blocks = k->len_bitmap / k->bs * 2;
	if (sub > UINT32_MAX || blocks > UINT32_MAX ||
	    (!k->class64 && k->note_cap > UINT32_MAX))
		return ld_error(LD_EXIT_FAILURE,
				"kdump: dump too large for the header fields");
	k->sub_hdr_blocks = (uint32_t)sub;
	k->bitmap_blocks = (uint32_t)blocks;
	k->off_note = k->bs + kh_size(k);
	k->off_bitmap = (1 + sub) * k->bs;
	k->off_page = (1 + sub + blocks) * k->bs;
	k->off_data = k->off_page + PD_SIZE * k->num_dumpable;
	k->next_data = k->off_data + k->bs;

	put64(k, k->pd_zero, k->off_data);
	put32(k, k->pd_zero + 8, k->bs);
	put32(k, k->pd_zero + 12, 0);
	put64(k, k->pd_zero + 16, 0);
	return NULL;
}

/* --- the pool ------------------------------------------------------------- */

/* Cheap: the first word, then the page against itself shifted. */
static bool is_zero(const uint8_t *p, size_t len)
{
	static const uint8_t z[16];

	return !memcmp(p, z, sizeof(z)) && !memcmp(p, p + 16, len - 16);
}

static void compress_slot(struct ld_kdump *k, struct ld_compressor *z,
			  struct slot *s)
{
	size_t bound = ld_compress_bound(k->compress, k->bs);
	size_t off = 0;

	for (size_t i = 0; i < s->npages; i++) {
		struct page_res *r = &s->res[i];
		const uint8_t *pg = s->in ? s->in + i * k->bs : NULL;
		bool zero = !pg || (s->known_zero && s->known_zero[i]) ||
			    is_zero(pg, k->bs);
		size_t n;

		if (zero && !k->zero_as_data) {
			r->kind = PAGE_ZERO;
			continue;
		}
		if (zero)
			pg = k->zeros;
		if (ld_compress_page(z, pg, k->bs, s->arena + off, &n) &&
		    n < k->bs) {
			r->kind = PAGE_COMP;
			r->size = (uint32_t)n;
			r->off = off;
			off += bound;
		} else {
			r->kind = zero ? PAGE_RAW_ZERO : PAGE_RAW;
		}
	}
}

static void *worker(void *arg)
{
	struct worker_arg *a = arg;
	struct ld_kdump *k = a->k;

	pthread_mutex_lock(&k->lock);
	for (;;) {
		if (k->next_take < k->next_fill) {
			struct slot *s = &k->slots[k->next_take % k->nslots];

			k->next_take++;
			pthread_mutex_unlock(&k->lock);
			compress_slot(k, k->z[a->i], s);
			pthread_mutex_lock(&k->lock);
			s->state = SLOT_DONE;
			pthread_cond_broadcast(&k->done);
			continue;
		}
		if (k->stop)
			break;
		pthread_cond_wait(&k->work, &k->lock);
	}
	pthread_mutex_unlock(&k->lock);
	return NULL;
}

static unsigned int online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : (unsigned int)n;
}

static struct ld_error *start_pool(struct ld_kdump *k, unsigned int threads)
{
	size_t bound = ld_compress_bound(k->compress, k->bs);
	struct ld_error *err;
	int rc;

	k->nthreads = threads ? threads : online_cpus();
	if (k->nthreads > MAX_THREADS)
		k->nthreads = MAX_THREADS;
	k->st.threads = k->nthreads;
	k->slice_pages = LD_KDUMP_SLICE / k->bs ? LD_KDUMP_SLICE / k->bs : 1;
	/* Two slots a thread: one being compressed while one is written. */
	k->nslots = 2 * k->nthreads;

	if (pthread_mutex_init(&k->lock, NULL))
		return ld_error(LD_EXIT_FAILURE, "kdump: mutex");
	pthread_cond_init(&k->work, NULL);
	pthread_cond_init(&k->done, NULL);
	k->lock_live = true;

	k->slots = calloc(k->nslots, sizeof(*k->slots));
	k->z = calloc(k->nthreads, sizeof(*k->z));
	k->th = calloc(k->nthreads, sizeof(*k->th));
	k->args = calloc(k->nthreads, sizeof(*k->args));
	if (!k->slots || !k->z || !k->th || !k->args)
		return &ld_error_nomem;
	for (unsigned int i = 0; i < k->nslots; i++) {
		k->slots[i].arena = malloc(k->slice_pages * bound);
		k->slots[i].res = calloc(k->slice_pages, sizeof(struct page_res));
		if (!k->slots[i].arena || !k->slots[i].res)
			return &ld_error_nomem;
	}
	for (unsigned int i = 0; i < k->nthreads; i++) {
		err = ld_compressor_new(k->compress, &k->z[i]);
		if (err)
			return ld_error_context(err, "kdump");
	}
	for (unsigned int i = 0; i < k->nthreads; i++) {
		k->args[i].k = k;
		k->args[i].i = i;
		rc = pthread_create(&k->th[i], NULL, worker, &k->args[i]);
		if (rc)
			return ld_error_errno(LD_EXIT_FAILURE, rc,
					      "kdump: starting compression thread");
		k->nstarted++;
	}
	return NULL;
}

static void stop_pool(struct ld_kdump *k)
{
	if (!k->lock_live)
		return;
	pthread_mutex_lock(&k->lock);
	k->stop = true;
	pthread_cond_broadcast(&k->work);
	pthread_mutex_unlock(&k->lock);
	for (unsigned int i = 0; i < k->nstarted; i++)
		pthread_join(k->th[i], NULL);
	k->nstarted = 0;
}

/* --- the API -------------------------------------------------------------- */

struct ld_error *ld_kdump_start(const struct ld_kdump_params *p,
				struct ld_kdump_sink sink,
				struct ld_kdump **out)
{
	struct ld_kdump *k;
	struct ld_error *err;
	uint32_t bs;

	*out = NULL;
	if (!p || !sink.write)
		return ld_error(LD_EXIT_FAILURE, "kdump: no parameters or sink");
	bs = p->page_size ? p->page_size :
	     (p->arch ? ld_kdump_page_size(p->arch) : 0);
	err = check_params(p, bs);
	if (err)
		return err;

	k = calloc(1, sizeof(*k));
	if (!k)
		return &ld_error_nomem;
	k->sink = sink;
	k->arch = p->arch;
	k->be = ld_arch_is_be(p->arch);
	k->class64 = p->class64;
	k->flattened = p->flattened;
	k->compress = p->compress;
	k->bs = bs;
	k->shift = (uint32_t)__builtin_ctz(bs);
	if (p->uts)
		k->uts = *p->uts;
	else
		strcpy(k->uts.machine, p->machine ? p->machine :
		       ld_kdump_uname_machine(p->arch));
	k->nr_cpus = p->nr_cpus;
	k->phys_base = p->phys_base;
	k->nranges = p->nranges;
	k->ranges = malloc(p->nranges * sizeof(*k->ranges));
	if (!k->ranges) {
		ld_kdump_free(k);
		return &ld_error_nomem;
	}
	memcpy(k->ranges, p->ranges, p->nranges * sizeof(*k->ranges));
	k->pos = k->ranges[0].start;

	k->notes_len = p->notes_len;
	k->vmci_at_start = p->vmcoreinfo != NULL;
	k->note_cap = p->notes_len +
		      (p->vmcoreinfo ? vmci_note_size(p->vmcoreinfo_len) :
		       p->vmcoreinfo_reserve ?
		       vmci_note_size(p->vmcoreinfo_reserve) : 0);
	k->notes = calloc(1, k->note_cap ? k->note_cap : 1);
	k->desc.cap = k->data.cap = CACHE_BLOCKS * (size_t)bs;
	if (!k->flattened && FILE_CACHE > k->desc.cap)
		k->desc.cap = k->data.cap = FILE_CACHE / bs * bs;
	k->desc.buf = malloc(k->desc.cap);
	k->data.buf = malloc(k->data.cap);
	if (k->flattened) {
		k->out.cap = OUT_BUF;
		k->out.buf = malloc(k->out.cap);
	}
	if (!k->notes || !k->desc.buf || !k->data.buf ||
	    (k->flattened && !k->out.buf)) {
		ld_kdump_free(k);
		return &ld_error_nomem;
	}
	if (p->notes_len)
		memcpy(k->notes, p->notes, p->notes_len);
	if (p->vmcoreinfo)
		build_vmci_note(k, p->vmcoreinfo, p->vmcoreinfo_len);

	k->zero_as_data = p->zero_as_data;
	k->zeros = calloc(1, bs);
	if (!k->zeros) {
		ld_kdump_free(k);
		return &ld_error_nomem;
	}
	k->dump_level = p->dump_level;
	err = layout(k, p);
	if (!err) {
		k->desc.off = k->off_page;
		k->data.off = k->off_data;
		err = start_pool(k, p->threads);
	}
	if (!err)
		err = write_heads(k);
	if (err) {
		ld_kdump_free(k);
		return ld_error_context(err, "writing the kdump headers");
	}
	*out = k;
	return NULL;
}

/* Where [gpa, gpa+len) fits the cursor, or why not. */
static struct ld_error *check_batch(const struct ld_kdump *k, uint64_t gpa,
				    size_t len)
{
	size_t ri = k->ri;
	uint64_t pos = k->pos, left = len;

	if (len % k->bs)
		return ld_error(LD_EXIT_FAILURE,
				"kdump: %zu bytes at 0x%llx are not whole %u-byte pages",
				len, (unsigned long long)gpa, k->bs);
	if (pos == k->ranges[ri].end && ri + 1 < k->nranges)
		pos = k->ranges[++ri].start;
	if (pos == k->ranges[ri].end)
		return ld_error(LD_EXIT_FAILURE,
				"kdump: pages at 0x%llx after the last range",
				(unsigned long long)gpa);
	if (gpa != pos)
		return ld_error(LD_EXIT_FAILURE,
				"kdump: pages at 0x%llx, expected 0x%llx",
				(unsigned long long)gpa,
				(unsigned long long)pos);
	if (!len)
		return NULL;
	while (left) {
		uint64_t room = k->ranges[ri].end - pos;

		if (left <= room)
			break;
		left -= room;
		if (ri + 1 >= k->nranges || k->ranges[ri + 1].start !=
		    k->ranges[ri].end)
			return ld_error(LD_EXIT_FAILURE,
					"kdump: pages 0x%llx-0x%llx run past guest RAM at 0x%llx",
					(unsigned long long)gpa,
					(unsigned long long)(gpa + len),
					(unsigned long long)k->ranges[ri].end);
		pos = k->ranges[++ri].start;
	}
	return NULL;
}

static void advance(struct ld_kdump *k, uint64_t len)
{
	while (len) {
		uint64_t room;

		if (k->pos == k->ranges[k->ri].end && k->ri + 1 < k->nranges)
			k->pos = k->ranges[++k->ri].start;
		room = k->ranges[k->ri].end - k->pos;
		room = room < len ? room : len;
		k->pos += room;
		len -= room;
	}
}

/* Whether pfn is in bitmap 2 (not left out by the dump level). */
static bool dumped(const struct ld_kdump *k, uint64_t pfn)
{
	return k->bitmap2[pfn / 8] >> (pfn % 8) & 1;
}

static struct ld_error *emit_slot(struct ld_kdump *k, struct slot *s)
{
	struct ld_error *err = NULL;

	for (size_t i = 0; i < s->npages && !err; i++) {
		const struct page_res *r = &s->res[i];
		uint8_t pd[PD_SIZE];
		uint32_t size, flags;

		if (!dumped(k, s->pfn + i)) {
			k->st.excluded++;
			continue;
		}
		if (r->kind == PAGE_ZERO) {
			k->st.zero_pages++;
			err = cache_put(k, &k->desc, k->pd_zero, PD_SIZE);
			continue;
		}
		if (r->kind == PAGE_COMP) {
			size = r->size;
			flags = ld_compress_flag(k->compress);
			err = cache_put(k, &k->data, s->arena + r->off, size);
			k->st.compressed_pages++;
		} else {
			size = k->bs;
			flags = 0;
			err = cache_put(k, &k->data, r->kind == PAGE_RAW_ZERO ?
					k->zeros : s->in + i * k->bs, size);
			k->st.raw_pages++;
		}
		if (err)
			break;
		put64(k, pd, k->next_data);
		put32(k, pd + 8, size);
		put32(k, pd + 12, flags);
		put64(k, pd + 16, 0);
		k->next_data += size;
		err = cache_put(k, &k->desc, pd, PD_SIZE);
	}
	k->st.pages += s->npages;
	return err;
}

/*
 * A batch with no page to dump (a dump level left them all out): past it
 * without the pool.
 */
static bool skip_left_out(struct ld_kdump *k, uint64_t pfn, uint64_t npages)
{
	for (uint64_t i = 0; i < npages; i++)
		if (dumped(k, pfn + i))
			return false;
	k->st.pages += npages;
	k->st.excluded += npages;
	return true;
}

static struct ld_error *failed_error(void)
{
	return ld_error(LD_EXIT_OUTPUT,
			"kdump: an earlier write failed; the dump is incomplete");
}

struct ld_error *ld_kdump_pages(struct ld_kdump *k, uint64_t gpa,
				const void *data, size_t len)
{
	return ld_kdump_pages_hinted(k, gpa, data, len, NULL);
}

struct ld_error *ld_kdump_pages_hinted(struct ld_kdump *k, uint64_t gpa,
				       const void *data, size_t len,
				       const uint8_t *known_zero)
{
	const uint8_t *in = data;
	uint64_t npages, queued = 0;
	struct ld_error *err = NULL;

	if (k->failed || k->finished)
		return k->finished ? ld_error(LD_EXIT_FAILURE,
					      "kdump: pages after finish") :
		       failed_error();
	err = check_batch(k, gpa, len);
	if (err)
		return err;
	npages = len / k->bs;
	if (skip_left_out(k, gpa >> k->shift, npages)) {
		advance(k, len);
		k->pages_done += npages;
		return NULL;
	}

	pthread_mutex_lock(&k->lock);
	while (k->next_emit < k->next_fill || queued < npages) {
		while (!err && queued < npages &&
		       k->next_fill - k->next_emit < k->nslots) {
			struct slot *s = &k->slots[k->next_fill % k->nslots];
			uint64_t n = npages - queued;

			if (n > k->slice_pages)
				n = k->slice_pages;
			/* A batch spans ranges only where they touch. */
			s->pfn = (gpa >> k->shift) + queued;
			s->in = in ? in + queued * k->bs : NULL;
			s->known_zero = known_zero ? known_zero + queued : NULL;
			s->npages = n;
			s->state = SLOT_READY;
			queued += n;
			k->next_fill++;
			pthread_cond_signal(&k->work);
		}
		if (k->next_emit == k->next_fill)
			break;

		struct slot *s = &k->slots[k->next_emit % k->nslots];

		while (s->state != SLOT_DONE)
			pthread_cond_wait(&k->done, &k->lock);
		pthread_mutex_unlock(&k->lock);
		/* After an error the rest is only drained: data is theirs. */
		if (!err)
			err = emit_slot(k, s);
		pthread_mutex_lock(&k->lock);
		s->state = SLOT_FREE;
		k->next_emit++;
		if (err)
			queued = npages;
	}
	pthread_mutex_unlock(&k->lock);
	if (err) {
		k->failed = true;
		return ld_error_context(err, "writing kdump pages at 0x%llx",
					(unsigned long long)gpa);
	}
	advance(k, len);
	k->pages_done += npages;
	return NULL;
}

struct ld_error *ld_kdump_set_vmcoreinfo(struct ld_kdump *k, const void *text,
					 size_t len)
{
	if (k->vmci_at_start)
		return NULL;
	if (k->finished)
		return ld_error(LD_EXIT_FAILURE, "kdump: VMCOREINFO after finish");
	if (!text || len > LD_KDUMP_VMCOREINFO_MAX ||
	    k->notes_len + vmci_note_size(len) > k->note_cap)
		return ld_error(LD_EXIT_FAILURE,
				"kdump: no room for a VMCOREINFO of %zu bytes (%zu kept)",
				len, k->note_cap - k->notes_len > NHDR_SIZE + 12 ?
				k->note_cap - k->notes_len - NHDR_SIZE - 12 : 0);
	build_vmci_note(k, text, len);
	return NULL;
}

void ld_kdump_set_utsname(struct ld_kdump *k, const struct ld_utsname *uts)
{
	k->uts = *uts;
	k->uts_dirty = true;
}

void ld_kdump_set_phys_base(struct ld_kdump *k, uint64_t phys_base)
{
	k->phys_base = phys_base;
}

struct ld_error *ld_kdump_finish(struct ld_kdump *k)
{
	struct ld_error *err;
	uint8_t kh[KH64_SIZE];

	if (k->failed)
		return failed_error();
	if (k->finished)
		return ld_error(LD_EXIT_FAILURE, "kdump: finished twice");
	k->finished = true;
	if (k->pages_done != k->num_pages)
		return ld_error(LD_EXIT_FAILURE,
				"kdump: %llu of %llu pages written, next at 0x%llx",
				(unsigned long long)k->pages_done,
				(unsigned long long)k->num_pages,
				(unsigned long long)k->pos);
	err = cache_flush(k, &k->desc);
	if (!err)
		err = cache_flush(k, &k->data);
	if (!err && k->have_vmci && !k->vmci_at_start) {
		/* Found during the copy: into the room, and say so. */
		err = emit(k, k->off_note + k->notes_len,
			   k->notes + k->notes_len, vmci_note_size(k->vmci_len));
		if (!err) {
			build_kh(k, kh);
			err = emit(k, k->bs, kh, kh_size(k));
		}
	} else if (!err && k->phys_base != k->written_phys_base) {
		build_kh(k, kh);
		err = emit(k, k->bs, kh, kh_size(k));
	}
	if (!err && k->uts_dirty) {
		uint8_t dh[DH64_SIZE];

		memset(dh, 0, sizeof(dh));
		build_dh(k, dh);
		err = emit(k, 0, dh, k->class64 ? DH64_SIZE : DH32_SIZE);
	}
	if (!err && k->flattened) {
		uint8_t end[16];

		memset(end, 0xff, sizeof(end));	/* END_FLAG_FLAT_HEADER */
		err = sink_put(k, end, sizeof(end), k->stream_pos);
		if (!err)
			k->stream_pos += sizeof(end);
	}
	if (!err)
		err = out_flush(k);
	if (err) {
		k->failed = true;
		return ld_error_context(err, "finishing the kdump file");
	}
	stop_pool(k);
	return NULL;
}

void ld_kdump_get_stats(const struct ld_kdump *k, struct ld_kdump_stats *st)
{
	*st = k->st;
}

void ld_kdump_free(struct ld_kdump *k)
{
	if (!k)
		return;
	stop_pool(k);
	if (k->lock_live) {
		pthread_mutex_destroy(&k->lock);
		pthread_cond_destroy(&k->work);
		pthread_cond_destroy(&k->done);
	}
	for (unsigned int i = 0; k->slots && i < k->nslots; i++) {
		free(k->slots[i].arena);
		free(k->slots[i].res);
	}
	for (unsigned int i = 0; k->z && i < k->nthreads; i++)
		ld_compressor_free(k->z[i]);
	free(k->slots);
	free(k->z);
	free(k->th);
	free(k->args);
	free(k->ranges);
	free(k->bitmap2);
	free(k->zeros);
	free(k->notes);
	free(k->desc.buf);
	free(k->data.buf);
	free(k->out.buf);
	free(k);
}
