// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vmcoreinfo.c - the guest's VMCOREINFO note from QEMU's vmcoreinfo device.
 *
 * QEMU keeps the device in a function-static pointer (vmcoreinfo_state in
 * vmcoreinfo_realize) for exactly this kind of tool; only DWARF (or a
 * symbol table that kept it) knows that pointer.  Without it, the device
 * is reached the way the guest reaches it: through the machine's fw_cfg
 * file "etc/vmcoreinfo" (fwcfg.c).  The guest writes the note's
 * guest-physical address and size there; QEMU stores them little-endian.
 * The note itself is in the guest's byte order.
 */
#include <endian.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwcfg.h"
#include "qom.h"
#include "vmcoreinfo.h"

#define VMCOREINFO_FORMAT_ELF 1
#define NOTE_NAME "VMCOREINFO"
/* QEMU's names: the device's QOM type and its fw_cfg file. */
#define VMCOREINFO_DEVICE "vmcoreinfo"
#define FW_CFG_VMCOREINFO_FILENAME "etc/vmcoreinfo"
/* The report's "vmcoreinfo": which way the device was found. */
#define SOURCE_SYMBOL "vmcoreinfo device (vmcoreinfo_state)"
#define SOURCE_FWCFG "vmcoreinfo device (fw_cfg " FW_CFG_VMCOREINFO_FILENAME ")"

static uint32_t guest_u32(const unsigned char *p, bool big_endian)
{
	return (uint32_t)ld_guest_uint(p, 4, big_endian);
}

static bool has_key(const char *text, size_t len, const char *key)
{
	size_t klen = strlen(key);

	for (size_t i = 0; i + klen <= len; i++)
		if ((i == 0 || text[i - 1] == '\n') && !memcmp(text + i, key, klen))
			return true;
	return false;
}

bool ld_vmcoreinfo_parse(const void *note, size_t len, bool big_endian,
			 struct ld_vmcoreinfo *out, char **why)
{
	const unsigned char *p = note;
	uint32_t namesz, descsz, type;
	size_t name_off = 12, desc_off;

	*why = NULL;
	memset(out, 0, sizeof(*out));
	if (len < 12) {
		*why = strdup("shorter than a note header");
		return false;
	}
	namesz = guest_u32(p, big_endian);
	descsz = guest_u32(p + 4, big_endian);
	type = guest_u32(p + 8, big_endian);
	if (namesz != sizeof(NOTE_NAME) ||
	    len - name_off < sizeof(NOTE_NAME) ||
	    memcmp(p + name_off, NOTE_NAME, sizeof(NOTE_NAME))) {
		*why = strdup("not a VMCOREINFO note");
		return false;
	}
	desc_off = name_off + ((namesz + 3) & ~3u);
	if (descsz == 0 || descsz > LD_VMCOREINFO_MAX || desc_off > len ||
	    descsz > len - desc_off) {
		if (asprintf(why, "note size %" PRIu32 " does not fit %zu bytes",
			     descsz, len) < 0)
			*why = NULL;
		return false;
	}
	if (!has_key((const char *)p + desc_off, descsz, "OSRELEASE=") ||
	    !has_key((const char *)p + desc_off, descsz, "PAGESIZE=")) {
		*why = strdup("note lacks OSRELEASE= or PAGESIZE=");
		return false;
	}
	out->desc = malloc(descsz);
	if (!out->desc) {
		*why = strdup("out of memory");
		return false;
	}
	memcpy(out->desc, p + desc_off, descsz);
	out->descsz = descsz;
	out->type = type;
	out->present = true;
	return true;
}

/*
 * The note the vmcoreinfo device at dev says the guest published: where
 * both routes to the device end.  source names the route, for the report.
 */
static struct ld_error *from_state(const struct ld_layout *layout,
				   const struct ld_reader *rd,
				   const struct ld_memmap *map,
				   const struct ld_arch *arch, uint64_t dev,
				   const char *source, struct ld_vmcoreinfo *out,
				   struct ld_warnings *warn)
{
	static const enum ld_field fields[] = {
		LF_VMCI_HAS, LF_VMCI_GUEST_FORMAT, LF_VMCI_SIZE, LF_VMCI_PADDR,
	};
	unsigned char state[256];
	uint64_t has, format, size, paddr, host, span = 0;
	unsigned char *note;
	struct ld_error *err;
	char *why = NULL;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (!layout->have[fields[i]])
			return NULL;
		if (layout->offset[fields[i]] + layout->size[fields[i]] > span)
			span = layout->offset[fields[i]] + layout->size[fields[i]];
	}
	if (span > sizeof(state))
		return ld_error(LD_EXIT_DEBUGINFO, "implausible VMCoreInfoState layout");
	err = rd->read(rd->ctx, dev, state, span);
	if (err)
		return ld_error_context(err, "reading the vmcoreinfo device at 0x%"
					PRIx64, dev);
	ld_layout_get(layout, LF_VMCI_HAS, state, span, &has);
	ld_layout_get(layout, LF_VMCI_GUEST_FORMAT, state, span, &format);
	ld_layout_get(layout, LF_VMCI_SIZE, state, span, &size);
	ld_layout_get(layout, LF_VMCI_PADDR, state, span, &paddr);
	if (!has)
		return NULL;		/* the guest never published a note */
	format = le16toh((uint16_t)format);
	size = le32toh((uint32_t)size);
	paddr = le64toh(paddr);
	if (format != VMCOREINFO_FORMAT_ELF) {
		ld_warn(warn, "vmcoreinfo device: unknown guest format %"
			PRIu64 ", note not included", format);
		return NULL;
	}
	if (size < 12 || size > LD_VMCOREINFO_MAX ||
	    !ld_memmap_gpa_to_host(map, paddr, size, &host)) {
		ld_warn(warn, "vmcoreinfo device: note at guest 0x%" PRIx64
			" (%" PRIu64 " bytes) is not in guest RAM or too large, not included",
			paddr, size);
		return NULL;
	}
	note = malloc(size);
	if (!note)
		return &ld_error_nomem;
	err = rd->read(rd->ctx, host, note, size);
	if (err) {
		free(note);
		return ld_error_context(err, "reading the vmcoreinfo note at guest 0x%"
					PRIx64, paddr);
	}
	if (!ld_vmcoreinfo_parse(note, size, ld_arch_is_be(arch), out, &why)) {
		ld_warn(warn, "vmcoreinfo device: invalid note at guest 0x%"
			PRIx64 " (%s), not included", paddr, why ? why : "?");
	} else {
		out->source = strdup(source);
	}
	free(why);
	free(note);
	return NULL;
}

/*
 * current_machine -> fw_cfg -> "etc/vmcoreinfo" -> the device (0 if there
 * is none to be found this way).  The file's entry serves the device's
 * FWCfgVMCoreInfo to the guest (vmcoreinfo_realize), so its data is
 * VMCoreInfoState.vmcoreinfo and its callback's opaque is the device; all
 * of it must agree, and the device be of QOM type "vmcoreinfo", before the
 * state is read.  Anything that does not agree is a warning: the note is
 * then looked for in guest RAM.
 */
static void device_from_fwcfg(const struct ld_layout *layout,
			      const struct ld_reader *rd, uint64_t *dev,
			      struct ld_warnings *warn)
{
	static const char *const types[] = { VMCOREINFO_DEVICE, NULL };
	uint64_t off = layout->offset[LF_VMCI_VMCOREINFO];
	uint64_t size = layout->size[LF_VMCI_VMCOREINFO];
	struct ld_fwcfg_file f;
	struct ld_error *err;
	uint64_t state;
	bool found;
	int which;

	*dev = 0;
	if (!layout->have[LF_VMCI_VMCOREINFO] || !ld_fwcfg_can_walk(layout))
		return;			/* a layout without the facts */
	err = ld_fwcfg_find_file(layout, rd, FW_CFG_VMCOREINFO_FILENAME, &f,
				 &found);
	if (!err && !found)
		return;			/* no device, or not reachable so */
	if (!err && (f.len != size || f.size != size || f.data < off))
		err = ld_error(LD_EXIT_MODEL, "its entry (%" PRIu32 " bytes at 0x%"
			       PRIx64 ", directory size %" PRIu32 ") is no %"
			       PRIu64 "-byte VMCoreInfoState.vmcoreinfo",
			       f.len, f.data, f.size, size);
	state = f.data - off;
	if (!err && f.opaque != state)
		err = ld_error(LD_EXIT_MODEL, "its owner 0x%" PRIx64
			       " does not hold its data 0x%" PRIx64, f.opaque,
			       f.data);
	if (!err)
		err = ld_qom_ancestor(layout, rd, state, types, &which);
	if (!err && which < 0)
		err = ld_error(LD_EXIT_MODEL, "its owner 0x%" PRIx64
			       " is no " VMCOREINFO_DEVICE " device", state);
	if (err) {
		ld_warn(warn, "vmcoreinfo device through fw_cfg %s: %s; looking for the note in guest RAM instead",
			FW_CFG_VMCOREINFO_FILENAME, err->message);
		ld_error_free(err);
		return;
	}
	*dev = state;
}

struct ld_error *ld_vmcoreinfo_from_device(const struct ld_layout *layout,
					   const struct ld_reader *rd,
					   const struct ld_memmap *map,
					   const struct ld_arch *arch,
					   struct ld_vmcoreinfo *out,
					   struct ld_warnings *warn)
{
	struct ld_error *err;
	uint64_t dev = 0;

	memset(out, 0, sizeof(*out));
	if (layout->have_symbol[LS_VMCOREINFO_STATE]) {
		err = rd->read(rd->ctx, layout->symbol[LS_VMCOREINFO_STATE],
			       &dev, sizeof(dev));
		if (err)
			return ld_error_context(err, "reading vmcoreinfo_state");
		if (!dev)
			return NULL;	/* no vmcoreinfo device */
		return from_state(layout, rd, map, arch, dev, SOURCE_SYMBOL,
				  out, warn);
	}
	/* Stripped QEMU: vmcoreinfo_state is not exported, current_machine is. */
	device_from_fwcfg(layout, rd, &dev, warn);
	if (!dev)
		return NULL;
	return from_state(layout, rd, map, arch, dev, SOURCE_FWCFG, out, warn);
}

void ld_vmcoreinfo_free(struct ld_vmcoreinfo *vmci)
{
	free(vmci->desc);
	free(vmci->source);
	memset(vmci, 0, sizeof(*vmci));
}

/* --- the kernel's note in guest RAM -------------------------------------- */

#define SCAN_PAGE 4096u
#define NOTE_HEAD 24u	/* namesz, descsz, type, "VMCOREINFO\0" + pad */

struct candidate {
	uint64_t gpa;
	char *desc;
	size_t descsz;
	uint32_t type;
	unsigned int copies;
	bool checked;		/* offered to the prescan's confirm() */
};

struct ld_vmcoreinfo_scan {
	bool big_endian;
	struct candidate cand[LD_VMCOREINFO_MAX_CANDIDATES];
	unsigned int ncand;
	bool overflow;		/* more distinct notes than remembered */
	int confirmed;		/* the running kernel's candidate, or -1 */
	/* A note that runs past the end of one inspected piece. */
	unsigned char *carry;
	size_t carry_len, carry_need;
	uint64_t carry_gpa, carry_next;
};

struct ld_vmcoreinfo_scan *ld_vmcoreinfo_scan_new(bool big_endian)
{
	struct ld_vmcoreinfo_scan *s = calloc(1, sizeof(*s));

	if (s) {
		s->big_endian = big_endian;
		s->confirmed = -1;
	}
	return s;
}

/*
 * The byte order of a VMCOREINFO note head: the one the scan was made for
 * first, else the other, as the guest kernel's order need not be the
 * vmcore's: QEMU 7.2 writes a big-endian ELF for a little-endian ppc64
 * kernel on POWER8 and later (its HID0[HILE] rule, cpu-ppc.c).  namesz 11
 * read the wrong way round is 0x0b000000, so only one order can match.
 * Returns false if the head is no VMCOREINFO note in either order.
 */
static bool head_order(const struct ld_vmcoreinfo_scan *s,
		       const unsigned char *head, bool *big_endian)
{
	if (memcmp(head + 12, NOTE_NAME, sizeof(NOTE_NAME)))
		return false;
	for (int flip = 0; flip <= 1; flip++) {
		bool be = flip ? !s->big_endian : s->big_endian;

		if (guest_u32(head, be) == sizeof(NOTE_NAME)) {
			*big_endian = be;
			return true;
		}
	}
	return false;
}

/* Bytes of a note starting with this head, or 0 if it is no VMCOREINFO. */
static size_t note_length(const struct ld_vmcoreinfo_scan *s,
			  const unsigned char *head)
{
	uint32_t descsz;
	bool be;

	if (!head_order(s, head, &be))
		return 0;
	descsz = guest_u32(head + 4, be);
	if (descsz == 0 || descsz > LD_VMCOREINFO_RESERVE_DESC)
		return 0;
	return NOTE_HEAD + ((descsz + 3) & ~3u);
}

static void remember(struct ld_vmcoreinfo_scan *s, uint64_t gpa,
		     const unsigned char *note, size_t len)
{
	struct ld_vmcoreinfo v;
	char *why = NULL;
	bool be;

	if (len < NOTE_HEAD || !head_order(s, note, &be) ||
	    !ld_vmcoreinfo_parse(note, len, be, &v, &why)) {
		free(why);
		return;
	}
	for (unsigned int i = 0; i < s->ncand; i++) {
		struct candidate *c = &s->cand[i];

		if (c->descsz == v.descsz && !memcmp(c->desc, v.desc, v.descsz)) {
			c->copies++;
			ld_vmcoreinfo_free(&v);
			return;
		}
	}
	if (s->ncand == LD_VMCOREINFO_MAX_CANDIDATES) {
		s->overflow = true;
		ld_vmcoreinfo_free(&v);
		return;
	}
	s->cand[s->ncand++] = (struct candidate){
		.gpa = gpa, .desc = v.desc, .descsz = v.descsz,
		.type = v.type, .copies = 1,
	};
}

void ld_vmcoreinfo_scan_inspect(void *scan, uint64_t gpa, const void *data,
				size_t len)
{
	struct ld_vmcoreinfo_scan *s = scan;
	const unsigned char *p = data;
	uint64_t off;

	/* Finish a note that began in the previous piece. */
	if (s->carry_need) {
		size_t take = s->carry_need - s->carry_len;

		if (gpa != s->carry_next) {
			s->carry_need = 0;	/* not contiguous: give up */
		} else {
			if (take > len)
				take = len;
			memcpy(s->carry + s->carry_len, p, take);
			s->carry_len += take;
			s->carry_next += take;
			if (s->carry_len == s->carry_need) {
				remember(s, s->carry_gpa, s->carry, s->carry_len);
				s->carry_need = 0;
			}
		}
	}
	off = (SCAN_PAGE - gpa % SCAN_PAGE) % SCAN_PAGE;
	for (; off + NOTE_HEAD <= len; off += SCAN_PAGE) {
		size_t n = note_length(s, p + off);

		if (!n)
			continue;
		if (off + n <= len) {
			remember(s, gpa + off, p + off, n);
			continue;
		}
		/* Runs past this piece: keep what we have. */
		if (!s->carry)
			s->carry = malloc(NOTE_HEAD + LD_VMCOREINFO_RESERVE_DESC);
		if (!s->carry)
			return;
		memcpy(s->carry, p + off, len - off);
		s->carry_len = len - off;
		s->carry_need = n;
		s->carry_gpa = gpa + off;
		s->carry_next = gpa + len;
	}
}

/* The prescan's working memory: one batch of page heads. */
enum { PRESCAN_BATCH = 1024 };

struct prescan {
	struct ld_vmcoreinfo_scan *scan;
	const struct ld_prescan_source *src;
	uint64_t addrs[PRESCAN_BATCH], gpas[PRESCAN_BATCH];
	unsigned char heads[PRESCAN_BATCH * NOTE_HEAD];
	bool ok[PRESCAN_BATCH];
	unsigned char note[NOTE_HEAD + LD_VMCOREINFO_RESERVE_DESC];
};

/* Offer notes not seen by confirm() yet; true once one is confirmed. */
static bool confirm_new(struct prescan *ps)
{
	struct ld_vmcoreinfo_scan *s = ps->scan;

	for (unsigned int i = 0; i < s->ncand; i++) {
		struct candidate *c = &s->cand[i];

		if (c->checked)
			continue;
		c->checked = true;
		if (ps->src->confirm(ps->src->confirm_ctx, c->desc, c->descsz)) {
			s->confirmed = (int)i;
			return true;
		}
	}
	return false;
}

/*
 * The page heads of [from, to) of blk, batch by batch; true if the
 * running kernel's note was confirmed (the scan is done).
 */
static bool prescan_range(struct prescan *ps, const struct ld_block *blk,
			  uint64_t from, uint64_t to)
{
	uint64_t g = (from + SCAN_PAGE - 1) / SCAN_PAGE * SCAN_PAGE;

	while (g + NOTE_HEAD <= to) {
		size_t n = 0;

		while (n < PRESCAN_BATCH && g + NOTE_HEAD <= to) {
			ps->gpas[n] = g;
			ps->addrs[n++] = blk->host + (g - blk->gpa);
			g += SCAN_PAGE;
		}
		ps->src->read_heads(ps->src->heads_ctx, ps->addrs, n, NOTE_HEAD,
				    ps->heads, ps->ok);
		for (size_t i = 0; i < n; i++) {
			size_t len;
			struct ld_error *e;

			if (!ps->ok[i])
				continue;
			len = note_length(ps->scan, ps->heads + i * NOTE_HEAD);
			if (!len || ps->gpas[i] - blk->gpa + len > blk->size)
				continue;
			e = ps->src->rd->read(ps->src->rd->ctx, ps->addrs[i],
					      ps->note, len);
			if (e) {
				ld_error_free(e);
				continue;
			}
			remember(ps->scan, ps->gpas[i], ps->note, len);
		}
		if (ps->src->confirm && confirm_new(ps))
			return true;
	}
	return false;
}

/* Where the first pass stops in each block. */
#define PRESCAN_BOTTOM (256ull << 20)

struct ld_error *ld_vmcoreinfo_prescan(struct ld_vmcoreinfo_scan *scan,
				       const struct ld_memmap *map,
				       const struct ld_prescan_source *src)
{
	struct prescan *ps = malloc(sizeof(*ps));
	bool done = false;

	if (!ps)
		return &ld_error_nomem;
	ps->scan = scan;
	ps->src = src;
	/* The bottom of every block, then the rest of each. */
	for (int pass = 0; pass < 2 && !done; pass++) {
		for (size_t b = 0; b < map->count && !done; b++) {
			const struct ld_block *blk = &map->blocks[b];
			uint64_t end = blk->gpa + blk->size;
			/* On a page boundary: each head in one pass. */
			uint64_t mid = blk->size > PRESCAN_BOTTOM ?
				       (blk->gpa + PRESCAN_BOTTOM) / SCAN_PAGE *
				       SCAN_PAGE : end;

			done = pass ? prescan_range(ps, blk, mid, end) :
				      prescan_range(ps, blk, blk->gpa, mid);
		}
	}
	free(ps);
	return NULL;
}

/* Candidate i becomes the result; its text moves into out. */
static void take_candidate(struct ld_vmcoreinfo_scan *s, unsigned int i,
			   struct ld_vmcoreinfo *out)
{
	struct candidate *c = &s->cand[i];
	unsigned int others = s->ncand - 1;
	int n;

	out->desc = c->desc;
	out->descsz = c->descsz;
	out->type = c->type;
	out->present = true;
	c->desc = NULL;
	if ((int)i == s->confirmed)
		n = asprintf(&out->source, "guest RAM at 0x%" PRIx64 " (the running kernel's: a vCPU runs on its page tables; %u other note%s left aside)",
			     c->gpa, others, others == 1 ? "" : "s");
	else
		n = asprintf(&out->source, "guest RAM at 0x%" PRIx64 " (%u copies)",
			     c->gpa, c->copies);
	if (n < 0)
		out->source = NULL;
}

void ld_vmcoreinfo_scan_result(struct ld_vmcoreinfo_scan *s,
			       struct ld_vmcoreinfo *out,
			       struct ld_warnings *warn)
{
	char list[512] = "";
	size_t used = 0;

	memset(out, 0, sizeof(*out));
	if (!s->ncand)
		return;
	if (s->confirmed >= 0) {
		take_candidate(s, (unsigned int)s->confirmed, out);
		return;
	}
	if (s->ncand == 1 && !s->overflow) {
		take_candidate(s, 0, out);
		return;
	}
	for (unsigned int i = 0; i < s->ncand && used < sizeof(list) - 1; i++) {
		const char *rel = memmem(s->cand[i].desc, s->cand[i].descsz,
					 "OSRELEASE=", 10);
		int relen = 0;

		if (rel) {
			rel += 10;
			while (rel + relen < s->cand[i].desc + s->cand[i].descsz &&
			       rel[relen] != '\n' && relen < 64)
				relen++;
		}
		char release[65];

		snprintf(release, sizeof(release), "%.*s", relen, rel ? rel : "");
		ld_make_printable(release);
		int w = snprintf(list + used, sizeof(list) - used, "%s0x%" PRIx64 " (%s)",
				 i ? ", " : "", s->cand[i].gpa, release);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	ld_warn(warn, "%u different VMCOREINFO notes in guest RAM%s: %s; none included (crash/drgn will need the kernel's vmlinux and may not work)",
		s->ncand, s->overflow ? " (and more)" : "", list);
}

void ld_vmcoreinfo_scan_free(struct ld_vmcoreinfo_scan *s)
{
	if (!s)
		return;
	for (unsigned int i = 0; i < s->ncand; i++)
		free(s->cand[i].desc);
	free(s->carry);
	free(s);
}
