/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * format_impl.h - what a format implements (format_elf.c, format_kdump.c)
 * and format.c dispatches to.
 */
#ifndef QLD_FORMAT_IMPL_H
#define QLD_FORMAT_IMPL_H

#include "format.h"

struct ld_format_ops {
	/* Plan, allocate f->priv, write the headers; set f->sink. */
	struct ld_error *(*start)(struct ld_format *f);
	bool (*drop_block)(struct ld_format *f, size_t i);
	struct ld_error *(*finish)(struct ld_format *f,
				   struct ld_vmcoreinfo *found,
				   struct ld_warnings *warnings);
	void (*stats)(const struct ld_format *f, struct ld_format_stats *st);
	unsigned int (*elf_class)(const struct ld_format *f);
	void (*free)(struct ld_format *f);
};

struct ld_format {
	const struct ld_format_ops *ops;
	struct ld_format_input in;
	struct ld_output *out;
	struct ld_page_sink sink;
	void *priv;
};

extern const struct ld_format_ops ld_format_elf_ops;
extern const struct ld_format_ops ld_format_kdump_ops;

/*
 * The CPU notes (and the VMCOREINFO note, when vmcoreinfo is present) as
 * an ld_elf of the dump's class builds them; reserve is note capacity to
 * keep.  Shared by both formats: kdump files carry the same note data.
 */
struct ld_error *ld_format_build_notes(const struct ld_format_input *in,
				       bool with_vmcoreinfo, size_t reserve,
				       struct ld_elf **out);

/*
 * A VMCOREINFO note found during the copy that the file has no place for
 * (err says why): a warning, the dump is kept; err and found are freed.
 */
void ld_format_skip_vmcoreinfo(struct ld_vmcoreinfo *found,
			       struct ld_error *err,
			       struct ld_warnings *warnings);

#endif /* QLD_FORMAT_IMPL_H */
