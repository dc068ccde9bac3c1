// SPDX-License-Identifier: GPL-2.0-or-later
/* format.c - choose a vmcore format by name and dispatch to it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elfcore.h"
#include "format_impl.h"
#include "kdump.h"

struct format_entry {
	const char *name;
	enum ld_format_id id;
	const struct ld_format_ops *ops;
};

static const struct format_entry formats[] = {
	{ "elf", LD_FORMAT_ELF, &ld_format_elf_ops },
	{ "kdump-zlib", LD_FORMAT_KDUMP_ZLIB, &ld_format_kdump_ops },
	{ "kdump-lzo", LD_FORMAT_KDUMP_LZO, &ld_format_kdump_ops },
	{ "kdump-snappy", LD_FORMAT_KDUMP_SNAPPY, &ld_format_kdump_ops },
	{ "kdump-zstd", LD_FORMAT_KDUMP_ZSTD, &ld_format_kdump_ops },
};

#define NR_FORMATS (sizeof(formats) / sizeof(formats[0]))

static const struct format_entry *entry_of(enum ld_format_id id)
{
	for (size_t i = 0; i < NR_FORMATS; i++)
		if (formats[i].id == id)
			return &formats[i];
	return NULL;
}

bool ld_format_lookup(const char *name, enum ld_format_id *id)
{
	for (size_t i = 0; i < NR_FORMATS; i++) {
		if (!strcmp(name, formats[i].name)) {
			*id = formats[i].id;
			return true;
		}
	}
	return false;
}

const char *ld_format_name(enum ld_format_id id)
{
	const struct format_entry *e = entry_of(id);

	return e ? e->name : "?";
}

/* The table's names, so that a new format is named where it is added. */
const char *ld_format_names(void)
{
	static char names[128];

	if (!names[0])
		for (size_t i = 0; i < NR_FORMATS; i++)
			snprintf(names + strlen(names),
				 sizeof(names) - strlen(names), "%s%s",
				 i ? ", " : "", formats[i].name);
	return names;
}

bool ld_format_is_kdump(enum ld_format_id id)
{
	return id != LD_FORMAT_ELF;
}

bool ld_format_layout_needs_vmcoreinfo(enum ld_format_id id,
				       const struct ld_arch *arch)
{
	return ld_format_is_kdump(id) && ld_kdump_page_size_from_guest(arch);
}

struct ld_error *ld_format_build_notes(const struct ld_format_input *in,
				       bool with_vmcoreinfo, size_t reserve,
				       struct ld_elf **out)
{
	struct ld_elf *elf = ld_elf_new(in->arch);
	const struct ld_vmcoreinfo *vi = in->vmcoreinfo;
	struct ld_error *err;

	if (!elf)
		return &ld_error_nomem;
	if (in->class64)
		ld_elf_force_class64(elf);
	ld_elf_reserve_notes(elf, reserve);
	err = ld_cpus_add_notes_for(in->arch, in->cpus, in->qemu_version,
				    ld_elf_note_sink(elf));
	if (!err && with_vmcoreinfo && vi && vi->present)
		err = ld_elf_add_note(elf, "VMCOREINFO", vi->type, vi->desc,
				      vi->descsz);
	if (err) {
		ld_elf_free(elf);
		return err;
	}
	*out = elf;
	return NULL;
}

void ld_format_skip_vmcoreinfo(struct ld_vmcoreinfo *found,
			       struct ld_error *err,
			       struct ld_warnings *warnings)
{
	ld_warn(warnings, "VMCOREINFO note found in guest RAM but not included: %s",
		err->message);
	ld_error_free(err);
	ld_vmcoreinfo_free(found);
}

struct ld_error *ld_format_start(const struct ld_format_input *in,
				 struct ld_output *out, struct ld_format **fp)
{
	const struct format_entry *e = entry_of(in->id);
	struct ld_format *f;
	struct ld_error *err;

	*fp = NULL;
	if (!e)
		return ld_error(LD_EXIT_USAGE, "unknown output format %d",
				(int)in->id);
	f = calloc(1, sizeof(*f));
	if (!f)
		return &ld_error_nomem;
	f->in = *in;
	f->out = out;
	f->ops = e->ops;
	err = f->ops->start(f);
	if (err) {
		ld_format_free(f);
		return err;
	}
	*fp = f;
	return NULL;
}

const struct ld_page_sink *ld_format_sink(struct ld_format *f)
{
	return &f->sink;
}

bool ld_format_drop_block(struct ld_format *f, size_t i)
{
	return f->ops->drop_block(f, i);
}

struct ld_error *ld_format_finish(struct ld_format *f,
				  struct ld_vmcoreinfo *found,
				  struct ld_warnings *warnings)
{
	return f->ops->finish(f, found, warnings);
}

void ld_format_get_stats(const struct ld_format *f, struct ld_format_stats *st)
{
	memset(st, 0, sizeof(*st));
	f->ops->stats(f, st);
}

unsigned int ld_format_class(const struct ld_format *f)
{
	return f->ops->elf_class(f);
}

void ld_format_free(struct ld_format *f)
{
	if (!f)
		return;
	if (f->ops)
		f->ops->free(f);
	free(f);
}
