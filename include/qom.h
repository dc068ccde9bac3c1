/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qom.h - QEMU's object model as far as the tool follows it: the type of an
 * object (Object.class -> ObjectClass.type -> TypeImpl.name) and its
 * ancestry (TypeImpl.parent_type), read from the target and never trusted:
 * every walk is bounded, every pointer read through an ld_reader.  Also the
 * one read of a pointer-or-integer member these walks are made of.
 */
#ifndef QLD_QOM_H
#define QLD_QOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "layout.h"
#include "reader.h"

/*
 * Types deeper than this are taken for a corrupt chain (QEMU's deepest,
 * a versioned machine type, has about six ancestors).
 */
#define LD_QOM_MAX_DEPTH 16

/* Member f (up to 8 bytes: a pointer or integer) of the struct at addr. */
struct ld_error *ld_read_member(const struct ld_layout *layout,
				const struct ld_reader *rd, uint64_t addr,
				enum ld_field f, uint64_t *value);

/*
 * obj's QOM type name into type (always terminated, printable).  Without
 * the layout facts it is "?" and no error; a broken chain is an error.
 */
struct ld_error *ld_qom_type_name(const struct ld_layout *layout,
				  const struct ld_reader *rd, uint64_t obj,
				  char *type, size_t len);

/*
 * Which of names (NULL-terminated) obj's type is or derives from, nearest
 * first: *which is its index, or -1 if none (also when the layout lacks
 * a fact of the walk: the caller checks ld_qom_can_walk first if it must
 * know).  A chain that breaks or runs past LD_QOM_MAX_DEPTH is an error.
 */
struct ld_error *ld_qom_ancestor(const struct ld_layout *layout,
				 const struct ld_reader *rd, uint64_t obj,
				 const char *const *names, int *which);

/* Whether the layout has every fact ld_qom_ancestor reads. */
bool ld_qom_can_walk(const struct ld_layout *layout);

#endif /* QLD_QOM_H */
