// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * format_kdump.c - the diskdump formats: the snapshot turned into
 * kdump.h's parameters (RAM ranges, the CPU notes as the ELF would carry
 * them, VMCOREINFO, QEMU's phys_base), pages handed to its compressors.
 * A regular file gets the plain diskdump file, a stream (or --flatten)
 * makedumpfile's flattened form.
 */
#include <elf.h>
#include <inttypes.h>
#include <stdlib.h>

#include "elfcore.h"
#include "format_impl.h"
#include "guestlinux.h"
#include "kdump.h"

struct kdump_format {
	struct ld_kdump *k;
	struct ld_file_writer *w;
	struct ld_kdump_range *ranges;
	size_t nranges;
	bool flattened;
};

/* QEMU's 64-bit header structs: the arch's class, widened (x86). */
static bool kdump_class64(const struct ld_format *f)
{
	return f->in.class64 || f->in.arch->elf_class == ELFCLASS64;
}

static const enum ld_kdump_compress compression[] = {
	[LD_FORMAT_KDUMP_ZLIB] = LD_KDUMP_ZLIB,
	[LD_FORMAT_KDUMP_LZO] = LD_KDUMP_LZO,
	[LD_FORMAT_KDUMP_SNAPPY] = LD_KDUMP_SNAPPY,
	[LD_FORMAT_KDUMP_ZSTD] = LD_KDUMP_ZSTD,
};

static struct ld_error *kdump_write(void *ctx, const void *buf, size_t len,
				    uint64_t off)
{
	struct kdump_format *kf = ctx;

	return ld_file_writer_write(kf->w, buf, len, off, NULL);
}

static struct ld_error *kdump_pages(void *ctx, size_t block, uint64_t pos,
				    const unsigned char *data, size_t len,
				    const unsigned char *untouched)
{
	struct ld_format *f = ctx;
	struct kdump_format *kf = f->priv;

	/* Without zero_fill, dump pages are the 4 KiB units (see start). */
	return ld_kdump_pages_hinted(kf->k, f->in.map->blocks[block].gpa + pos,
				     data, len, f->sink.zero_fill ? NULL :
				     untouched);
}

/*
 * The guest kernel's utsname for the header, as makedumpfile writes it
 * (QEMU fills in only the machine; libkdumpfile, and drgn through it,
 * then never learn the arch).  False, with a warning, if it cannot be had.
 */
static bool guest_utsname(const struct ld_format *f, const char *vmci,
			  size_t len, struct ld_warnings *warnings,
			  struct ld_utsname *uts)
{
	struct ld_memmap_ram mr = { f->in.map, f->in.target };
	struct ld_guest_ram ram = { ld_memmap_read_guest, &mr };
	struct ld_error *err;

	if (!f->in.target)
		return false;
	err = ld_guestlinux_utsname(f->in.arch, vmci, len, &ram, uts);
	if (!err)
		return true;
	ld_warn(warnings,
		"the kdump header has only utsname.machine, as QEMU writes it: %s; drgn (libkdumpfile 0.5) cannot open such a file",
		err->message);
	ld_error_free(err);
	return false;
}

/* The blocks as whole dump pages, or an error naming one that is not. */
static struct ld_error *plan_ranges(struct ld_format *f, uint32_t page)
{
	const struct ld_memmap *map = f->in.map;
	struct kdump_format *kf = f->priv;

	kf->ranges = calloc(map->count ? map->count : 1, sizeof(*kf->ranges));
	if (!kf->ranges)
		return &ld_error_nomem;
	for (size_t i = 0; i < map->count; i++) {
		const struct ld_block *b = &map->blocks[i];

		if (b->gpa % page || b->size % page)
			return ld_error(LD_EXIT_USAGE,
					"RAM block '%.*s' [gpa 0x%" PRIx64 "+0x%" PRIx64 "] is not made of whole %u KiB dump pages: the kdump formats cannot hold it (-f elf can)",
					LD_BLOCK_NAME_MAX, b->name, b->gpa,
					b->size, page / 1024);
		kf->ranges[i].start = b->gpa;
		kf->ranges[i].end = b->gpa + b->size;
	}
	kf->nranges = map->count;
	return NULL;
}

/* makedumpfile's dump level: the filter's pages, zero pages with bit 1. */
static struct ld_error *set_dump_level(const struct ld_format *f,
				       struct ld_kdump_params *p)
{
	const struct ld_page_filter *pf = f->in.filter;

	p->dump_level = f->in.dump_level;
	p->zero_as_data = !(f->in.dump_level & LD_DL_ZERO);
	if (!pf || !pf->excluded)
		return NULL;
	if (1ull << pf->page_shift != p->page_size)
		return ld_error(LD_EXIT_FAILURE,
				"dump level %u: the guest kernel's %llu-byte pages are not the dump's %u-byte pages",
				f->in.dump_level, 1ull << pf->page_shift,
				p->page_size);
	p->excluded = pf->excluded;
	p->excluded_pages = pf->max_pfn;
	return NULL;
}

static struct ld_error *kdump_start(struct ld_format *f)
{
	const struct ld_vmcoreinfo *vi = f->in.vmcoreinfo;
	bool have_vi = vi && vi->present;
	struct kdump_format *kf = calloc(1, sizeof(*kf));
	struct ld_kdump_params p = { 0 };
	struct ld_utsname uts;
	struct ld_elf *notes = NULL;
	struct ld_error *err;

	if (!kf)
		return &ld_error_nomem;
	f->priv = kf;
	p.page_size = ld_kdump_guest_page_size(f->in.arch,
					       have_vi ? vi->desc : NULL,
					       have_vi ? vi->descsz : 0);
	err = plan_ranges(f, p.page_size);
	if (err)
		return err;
	kf->flattened = f->in.flatten || !f->out->seekable;
	kf->w = ld_file_writer_new(f->out->fd, f->out->seekable, false, 0);
	if (!kf->w)
		return &ld_error_nomem;
	err = ld_format_build_notes(&f->in, false, 0, &notes);
	if (err)
		return ld_error_context(err, "building the CPU notes");
	p.arch = f->in.arch;
	p.machine = ld_kdump_qemu_uname_machine(p.arch, f->in.qemu_version);
	p.class64 = kdump_class64(f);
	p.compress = compression[f->in.id];
	p.flattened = kf->flattened;
	p.ranges = kf->ranges;
	p.nranges = kf->nranges;
	p.nr_cpus = (uint32_t)f->in.cpus->count;
	ld_elf_notes(notes, &p.notes, &p.notes_len);
	if (have_vi) {
		p.vmcoreinfo = vi->desc;
		p.vmcoreinfo_len = vi->descsz;
		if (guest_utsname(f, vi->desc, vi->descsz, f->in.warnings, &uts))
			p.uts = &uts;
	} else if (f->in.vmcoreinfo_later) {
		p.vmcoreinfo_reserve = LD_KDUMP_VMCOREINFO_RESERVE;
	}
	p.phys_base = ld_kdump_qemu_phys_base(p.arch, kf->ranges, kf->nranges,
					      have_vi ? vi->desc : NULL,
					      have_vi ? vi->descsz : 0);
	p.threads = f->in.threads;
	err = set_dump_level(f, &p);
	if (err)
		return err;
	err = ld_kdump_start(&p, (struct ld_kdump_sink){ kdump_write, kf },
			     &kf->k);
	ld_elf_free(notes);	/* ld_kdump_start copied them */
	if (err)
		return ld_error_context(err, "writing the kdump headers");
	/*
	 * Untouched pages need neither zeros written into the buffer nor a
	 * look at them: the marks say they are zero.  The marks are per 4 KiB,
	 * so bigger dump pages (aarch64 without VMCOREINFO) get the zeros.
	 */
	f->sink = (struct ld_page_sink){ .pages = kdump_pages, .ctx = f,
					 .zero_fill = p.page_size != 4096 };
	return NULL;
}

/* A diskdump's bitmaps and descriptors are out: the pages stay zeros. */
static bool kdump_drop_block(struct ld_format *f, size_t i)
{
	(void)f;
	(void)i;
	return false;
}

static struct ld_error *kdump_finish(struct ld_format *f,
				     struct ld_vmcoreinfo *found,
				     struct ld_warnings *warnings)
{
	struct kdump_format *kf = f->priv;
	struct ld_error *err;

	if (found && found->present) {
		err = ld_kdump_set_vmcoreinfo(kf->k, found->desc, found->descsz);
		if (err) {
			ld_format_skip_vmcoreinfo(found, err, warnings);
		} else {
			struct ld_utsname uts;

			if (guest_utsname(f, found->desc, found->descsz,
					  warnings, &uts))
				ld_kdump_set_utsname(kf->k, &uts);
			ld_kdump_set_phys_base(kf->k,
				ld_kdump_qemu_phys_base(f->in.arch, kf->ranges,
							kf->nranges, found->desc,
							found->descsz));
		}
	}
	if (!(found && found->present) &&
	    !(f->in.vmcoreinfo && f->in.vmcoreinfo->present))
		ld_warn(warnings,
			"no VMCOREINFO note for this %s dump: crash cannot open it without one (libkdumpfile and makedumpfile need the kernel's vmlinux); -f elf keeps every reader",
			ld_format_name(f->in.id));
	err = ld_kdump_finish(kf->k);
	if (!err)
		err = ld_file_writer_finish(kf->w, 0);
	return err;
}

static void kdump_stats(const struct ld_format *f, struct ld_format_stats *st)
{
	const struct kdump_format *kf = f->priv;
	struct ld_kdump_stats ks;

	if (!kf)
		return;
	if (kf->w)
		ld_file_writer_stats(kf->w, &st->write);
	st->flattened = kf->flattened;
	if (!kf->k)
		return;
	ld_kdump_get_stats(kf->k, &ks);
	st->pages = ks.pages;
	st->zero_pages = ks.zero_pages;
	st->compressed_pages = ks.compressed_pages;
	st->raw_pages = ks.raw_pages;
	st->threads = ks.threads;
}

static unsigned int kdump_class(const struct ld_format *f)
{
	return kdump_class64(f) ? 64 : 32;
}

static void kdump_free(struct ld_format *f)
{
	struct kdump_format *kf = f->priv;

	if (!kf)
		return;
	ld_kdump_free(kf->k);
	ld_file_writer_free(kf->w);
	free(kf->ranges);
	free(kf);
}

const struct ld_format_ops ld_format_kdump_ops = {
	.start = kdump_start,
	.drop_block = kdump_drop_block,
	.finish = kdump_finish,
	.stats = kdump_stats,
	.elf_class = kdump_class,
	.free = kdump_free,
};
