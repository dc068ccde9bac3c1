// SPDX-License-Identifier: GPL-2.0-or-later
/* qom.c - the QOM type of an object in the target; see qom.h. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "qom.h"

#define TYPE_NAME_MAX 64

struct ld_error *ld_read_member(const struct ld_layout *l,
				const struct ld_reader *rd, uint64_t addr,
				enum ld_field f, uint64_t *value)
{
	unsigned char buf[8];
	uint64_t off = l->offset[f], size = l->size[f];
	struct ld_error *err;

	if (!l->have[f] || size == 0 || size > sizeof(buf))
		return ld_error(LD_EXIT_DEBUGINFO, "implausible layout of %s",
				ld_field_descs[f].key);
	if (__builtin_add_overflow(addr, off, &addr))
		return ld_error(LD_EXIT_MODEL, "%s of 0x%" PRIx64 " overflows",
				ld_field_descs[f].key, addr);
	err = rd->read(rd->ctx, addr, buf, size);
	if (err)
		return ld_error_context(err, "reading %s", ld_field_descs[f].key);
	/* ld_layout_get wants the struct from offset 0: shift the view. */
	{
		struct ld_layout one = { 0 };

		one.size[f] = size;
		one.have[f] = true;
		if (!ld_layout_get(&one, f, buf, size, value))
			return ld_error(LD_EXIT_DEBUGINFO, "%s has an unusual width",
					ld_field_descs[f].key);
	}
	return NULL;
}

static bool have_type_facts(const struct ld_layout *l)
{
	return l->have[LF_OBJECT_CLASS] && l->have[LF_OBJECTCLASS_TYPE] &&
	       l->have[LF_TYPEIMPL_NAME];
}

bool ld_qom_can_walk(const struct ld_layout *l)
{
	return have_type_facts(l) && l->have[LF_TYPEIMPL_PARENT_TYPE];
}

/* Object -> ObjectClass -> TypeImpl. */
static struct ld_error *type_impl(const struct ld_layout *l,
				  const struct ld_reader *rd, uint64_t obj,
				  uint64_t *impl)
{
	uint64_t klass;
	struct ld_error *err;

	err = ld_read_member(l, rd, obj, LF_OBJECT_CLASS, &klass);
	if (!err && !klass)
		err = ld_error(LD_EXIT_MODEL, "object has no class");
	if (!err)
		err = ld_read_member(l, rd, klass, LF_OBJECTCLASS_TYPE, impl);
	if (!err && !*impl)
		err = ld_error(LD_EXIT_MODEL, "class has no type");
	return err;
}

static struct ld_error *impl_name(const struct ld_layout *l,
				  const struct ld_reader *rd, uint64_t impl,
				  char *type, size_t len)
{
	uint64_t name;
	struct ld_error *err;

	err = ld_read_member(l, rd, impl, LF_TYPEIMPL_NAME, &name);
	if (!err && !name)
		err = ld_error(LD_EXIT_MODEL, "type has no name");
	if (!err)
		err = ld_read_cstring(rd, name, type, len);
	return err;
}

struct ld_error *ld_qom_type_name(const struct ld_layout *l,
				  const struct ld_reader *rd, uint64_t obj,
				  char *type, size_t len)
{
	uint64_t impl;
	struct ld_error *err;

	snprintf(type, len, "?");
	if (!have_type_facts(l))
		return NULL;
	err = type_impl(l, rd, obj, &impl);
	if (!err)
		err = impl_name(l, rd, impl, type, len);
	return err;
}

struct ld_error *ld_qom_ancestor(const struct ld_layout *l,
				 const struct ld_reader *rd, uint64_t obj,
				 const char *const *names, int *which)
{
	char type[TYPE_NAME_MAX];
	uint64_t impl;
	struct ld_error *err;

	*which = -1;
	if (!ld_qom_can_walk(l))
		return NULL;
	err = type_impl(l, rd, obj, &impl);
	/* The root type ("object") has no parent: NULL ends the chain. */
	for (int depth = 0; !err && impl; depth++) {
		if (depth == LD_QOM_MAX_DEPTH)
			return ld_error(LD_EXIT_MODEL,
					"QOM type of 0x%" PRIx64 " has more than %d ancestors",
					obj, LD_QOM_MAX_DEPTH);
		err = impl_name(l, rd, impl, type, sizeof(type));
		for (int i = 0; !err && names[i]; i++) {
			if (!strcmp(type, names[i])) {
				*which = i;
				return NULL;
			}
		}
		if (!err)
			err = ld_read_member(l, rd, impl, LF_TYPEIMPL_PARENT_TYPE,
					     &impl);
	}
	return ld_error_context(err, "QOM type of 0x%" PRIx64, obj);
}
