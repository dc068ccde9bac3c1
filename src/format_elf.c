// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * format_elf.c - the ELF vmcore: headers and notes from elfcore.c, each
 * block at its PT_LOAD's offset, zero pages as holes on a file.  A
 * VMCOREINFO note found during the copy goes into the room kept for it
 * and a block that went away becomes PT_NULL, both by rewriting the head
 * once the copy is done (files only; a stream's head is out already).
 */
#include <elf.h>
#include <stdlib.h>

#include "elfcore.h"
#include "format_impl.h"

struct elf_format {
	struct ld_elf *elf;
	uint64_t *offsets;		/* per block */
	struct ld_file_writer *w;
	struct ld_offset_sink at;	/* the loads' offsets, through w */
	size_t head_len;
	bool dropped;			/* a block left out: rewrite the head */
};

static struct ld_error *write_head(struct ld_format *f, off_t off)
{
	struct elf_format *e = f->priv;
	const void *head;
	struct ld_error *err;

	err = ld_elf_render_head(e->elf, &head, &e->head_len);
	if (!err)
		err = ld_write_all(f->out->fd, head, e->head_len, off);
	return err;
}

static struct ld_error *elf_start(struct ld_format *f)
{
	const struct ld_memmap *map = f->in.map;
	struct elf_format *e = calloc(1, sizeof(*e));
	bool holes = f->out->seekable, aligned = true;
	size_t reserve = 0;
	struct ld_error *err;

	if (!e)
		return &ld_error_nomem;
	f->priv = e;
	if (f->in.vmcoreinfo_later && f->out->seekable)
		reserve = ld_elf_note_size("VMCOREINFO",
					   LD_VMCOREINFO_RESERVE_DESC);
	err = ld_format_build_notes(&f->in, true, reserve, &e->elf);
	for (size_t i = 0; !err && i < map->count; i++)
		err = ld_elf_add_load(e->elf, map->blocks[i].gpa,
				      map->blocks[i].size);
	if (!err)
		err = ld_elf_layout(e->elf);
	if (err)
		return ld_error_context(err, "building the ELF headers");
	e->offsets = calloc(map->count ? map->count : 1, sizeof(*e->offsets));
	if (!e->offsets)
		return &ld_error_nomem;
	for (size_t i = 0; i < map->count; i++) {
		e->offsets[i] = ld_elf_load_offset(e->elf, i);
		aligned &= e->offsets[i] % 4096 == 0;
	}
	e->w = ld_file_writer_new(f->out->fd, f->out->seekable, holes, 0);
	if (!e->w)
		return &ld_error_nomem;
	/* untouched pages can be holes only where they are file pages */
	e->at = (struct ld_offset_sink){ .w = e->w, .offsets = e->offsets };
	f->sink = (struct ld_page_sink){ .pages = ld_offset_pages, .ctx = &e->at,
					 .zero_fill = !(holes && aligned) };
	err = write_head(f, f->out->seekable ? 0 : -1);
	return err ? ld_error_context(err, "writing the ELF headers") : NULL;
}

static bool elf_drop_block(struct ld_format *f, size_t i)
{
	struct elf_format *e = f->priv;

	if (!f->out->seekable)
		return false;
	ld_elf_drop_load(e->elf, i);
	e->dropped = true;
	return true;
}

static struct ld_error *elf_finish(struct ld_format *f,
				   struct ld_vmcoreinfo *found,
				   struct ld_warnings *warnings)
{
	struct elf_format *e = f->priv;
	bool rewrite = e->dropped;
	struct ld_error *err;

	err = ld_file_writer_finish(e->w, ld_elf_file_size(e->elf));
	if (err)
		return err;
	if (found && found->present && f->out->seekable) {
		err = ld_elf_add_note(e->elf, "VMCOREINFO", found->type,
				      found->desc, found->descsz);
		if (err)	/* too large for the room kept */
			ld_format_skip_vmcoreinfo(found, err, warnings);
		else
			rewrite = true;
	}
	if (!rewrite)
		return NULL;
	err = write_head(f, 0);
	return err ? ld_error_context(err, "rewriting the ELF headers") : NULL;
}

static void elf_stats(const struct ld_format *f, struct ld_format_stats *st)
{
	const struct elf_format *e = f->priv;

	if (!e)
		return;
	if (e->w)
		ld_file_writer_stats(e->w, &st->write);
	/* the head goes out beside the writer (and is rewritten in place) */
	st->write.bytes_written += e->head_len;
}

static unsigned int elf_class(const struct ld_format *f)
{
	const struct elf_format *e = f->priv;

	return e && e->elf && ld_elf_class(e->elf) == ELFCLASS64 ? 64 : 32;
}

static void elf_free(struct ld_format *f)
{
	struct elf_format *e = f->priv;

	if (!e)
		return;
	ld_file_writer_free(e->w);
	free(e->offsets);
	ld_elf_free(e->elf);
	free(e);
}

const struct ld_format_ops ld_format_elf_ops = {
	.start = elf_start,
	.drop_block = elf_drop_block,
	.finish = elf_finish,
	.stats = elf_stats,
	.elf_class = elf_class,
	.free = elf_free,
};
