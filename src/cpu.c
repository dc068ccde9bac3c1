// SPDX-License-Identifier: GPL-2.0-or-later
/* cpu.c - walk QEMU's vCPU list and write one NT_PRSTATUS per vCPU. */
#include <elf.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"

/*
 * Linux's struct elf_prstatus, as crash/gdb expect it in a vmcore:
 *
 *   elf_prstatus_common: pr_info (3 ints), short pr_cursig, unsigned long
 *   pr_sigpend and pr_sighold, pid_t pr_pid/ppid/pgrp/sid, four struct
 *   timevals of two longs.  With 8-byte longs that is pr_pid at 32 and 112
 *   bytes in all; with 4-byte longs pr_pid at 24 and 72 bytes.
 *   Then elf_gregset_t pr_reg, int pr_fpvalid, and tail padding to the
 *   struct's alignment (that of long).
 *
 *   x86_64:  112 + 27*8 (user_regs_struct) + 4 -> 332, padded to 336
 *   i386:     72 + 17*4 + 4                     = 144
 *   aarch64: 112 + 34*8 (x0-x30, sp, pc, pstate) + 4 -> 388, padded to 392
 *   ppc64:   112 + 48*8 (ELF_NGREG) + 4 -> 500, padded to 504
 *   s390x:   112 + 216 (psw 16, gprs 128, acrs 64, orig_gpr2 8) + 4 -> 332,
 *            padded to 336
 *
 * These match QEMU's own dump (its *_elf_prstatus structs).
 */
struct prstatus_layout {
	enum ld_arch_id id;
	size_t size;
	size_t pid_off;
	/*
	 * Fills pr_reg for one vCPU in the target byte order; NULL leaves
	 * the registers zero (until register layouts are resolved).
	 */
	struct ld_error *(*fill_regs)(const struct ld_arch *arch,
				      const struct ld_vcpu *cpu,
				      unsigned char *prstatus);
};

static const struct prstatus_layout prstatus_layouts[] = {
	{ LD_ARCH_AARCH64_LE, 392, 32, NULL },
	{ LD_ARCH_AARCH64_BE, 392, 32, NULL },
	{ LD_ARCH_X86_64, 336, 32, NULL },
	{ LD_ARCH_I386, 144, 24, NULL },
	{ LD_ARCH_S390, 336, 32, NULL },
	{ LD_ARCH_PPC64_LE, 504, 32, NULL },
	{ LD_ARCH_PPC64_BE, 504, 32, NULL },
};

/* The most of a CPUState (or list head) read to get at its few fields. */
#define CPU_READ_MAX	(1u << 20)

static const struct prstatus_layout *
prstatus_layout(const struct ld_arch *arch)
{
	for (size_t i = 0; i < sizeof(prstatus_layouts) /
			       sizeof(prstatus_layouts[0]); i++)
		if (prstatus_layouts[i].id == arch->id)
			return &prstatus_layouts[i];
	return NULL;
}

size_t ld_prstatus_size(const struct ld_arch *arch)
{
	const struct prstatus_layout *pl = prstatus_layout(arch);

	return pl ? pl->size : 0;
}

/* Bytes to read from the start of a struct to cover fields a and b. */
static uint64_t span(const struct ld_layout *layout, enum ld_field a,
		     enum ld_field b)
{
	uint64_t ea = layout->offset[a] + layout->size[a];
	uint64_t eb = layout->offset[b] + layout->size[b];

	if (ea < layout->offset[a] || eb < layout->offset[b])
		return UINT64_MAX;
	return ea > eb ? ea : eb;
}

static struct ld_error *read_head(const struct ld_layout *layout,
				  const struct ld_reader *rd, uint64_t addr,
				  uint64_t *first)
{
	uint64_t len = span(layout, LF_CPUS_FIRST, LF_CPUS_FIRST);
	struct ld_error *err;
	unsigned char *buf;

	if (len > CPU_READ_MAX)
		return ld_error(LD_EXIT_DEBUGINFO,
				"CPUTailQ.tqh_first at offset %llu is out of range",
				(unsigned long long)layout->offset[LF_CPUS_FIRST]);
	buf = malloc(len);
	if (!buf)
		return &ld_error_nomem;
	err = rd->read(rd->ctx, addr, buf, len);
	if (!err && !ld_layout_get(layout, LF_CPUS_FIRST, buf, len, first))
		err = ld_error(LD_EXIT_DEBUGINFO,
			       "CPUTailQ.tqh_first has an unusual size (%llu)",
			       (unsigned long long)layout->size[LF_CPUS_FIRST]);
	free(buf);
	return err;
}

static struct ld_error *read_cpu(const struct ld_layout *layout,
				 const struct ld_reader *rd, uint64_t addr,
				 uint64_t *next, int *cpu_index)
{
	uint64_t len = span(layout, LF_CPU_NODE_NEXT, LF_CPU_INDEX), idx;
	struct ld_error *err;
	unsigned char *buf;

	if (len > CPU_READ_MAX)
		return ld_error(LD_EXIT_DEBUGINFO,
				"CPUState fields beyond %u bytes", CPU_READ_MAX);
	if (layout->size[LF_CPU_INDEX] != 4)
		return ld_error(LD_EXIT_DEBUGINFO,
				"CPUState.cpu_index is %llu bytes, not an int",
				(unsigned long long)layout->size[LF_CPU_INDEX]);
	buf = malloc(len);
	if (!buf)
		return &ld_error_nomem;
	err = rd->read(rd->ctx, addr, buf, len);
	if (!err && (!ld_layout_get(layout, LF_CPU_NODE_NEXT, buf, len, next) ||
		     !ld_layout_get(layout, LF_CPU_INDEX, buf, len, &idx)))
		err = ld_error(LD_EXIT_DEBUGINFO,
			       "CPUState.node.tqe_next has an unusual size (%llu)",
			       (unsigned long long)layout->size[LF_CPU_NODE_NEXT]);
	free(buf);
	if (!err)
		*cpu_index = (int32_t)(uint32_t)idx;
	return err;
}

struct ld_error *ld_cpus_read(const struct ld_layout *layout,
			      const struct ld_reader *rd, struct ld_cpus *out)
{
	enum ld_symbol sym;
	uint64_t list, node;
	size_t alloc = 0;
	struct ld_error *err;

	memset(out, 0, sizeof(*out));
	if (!layout || !rd)
		return NULL;
	if (layout->have_symbol[LS_CPUS_QUEUE])
		sym = LS_CPUS_QUEUE;
	else if (layout->have_symbol[LS_CPUS])
		sym = LS_CPUS;
	else
		return NULL;
	/* CPU notes are optional: a build without these facts gets none. */
	if (!layout->have[LF_CPUS_FIRST] || !layout->have[LF_CPU_NODE_NEXT] ||
	    !layout->have[LF_CPU_INDEX])
		return NULL;

	list = layout->symbol[sym];
	out->source = ld_symbol_descs[sym].name;
	err = read_head(layout, rd, list, &node);
	if (err)
		return ld_error_context(err, "reading CPU list %s at 0x%llx",
					out->source, (unsigned long long)list);

	while (node) {
		struct ld_vcpu *v;
		uint64_t next = 0;
		int idx = 0;

		if (out->count == LD_MAX_VCPUS) {
			err = ld_error(LD_EXIT_MODEL,
				       "CPU list at 0x%llx (%s) has more than %u entries",
				       (unsigned long long)list, out->source,
				       LD_MAX_VCPUS);
			goto fail;
		}
		for (size_t i = 0; i < out->count; i++) {
			if (out->vcpus[i].addr != node)
				continue;
			err = ld_error(LD_EXIT_MODEL,
				       "CPU list at 0x%llx (%s) loops back to 0x%llx after %zu entries",
				       (unsigned long long)list, out->source,
				       (unsigned long long)node, out->count);
			goto fail;
		}
		err = read_cpu(layout, rd, node, &next, &idx);
		if (err) {
			err = ld_error_context(err,
					       "reading CPUState #%zu at 0x%llx in CPU list %s at 0x%llx",
					       out->count,
					       (unsigned long long)node,
					       out->source,
					       (unsigned long long)list);
			goto fail;
		}
		if (idx < 0 || (unsigned int)idx >= LD_MAX_VCPUS) {
			err = ld_error(LD_EXIT_MODEL,
				       "CPUState at 0x%llx in CPU list %s at 0x%llx has cpu_index %d, outside 0..%u",
				       (unsigned long long)node, out->source,
				       (unsigned long long)list, idx,
				       LD_MAX_VCPUS - 1);
			goto fail;
		}
		if (out->count == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			v = reallocarray(out->vcpus, alloc, sizeof(*v));
			if (!v) {
				err = &ld_error_nomem;
				goto fail;
			}
			out->vcpus = v;
		}
		out->vcpus[out->count++] = (struct ld_vcpu){ .addr = node,
							     .cpu_index = idx };
		node = next;
	}
	return NULL;

fail:
	ld_cpus_free(out);
	return err;
}

/* Store a 32-bit signed word in the target byte order at dst. */
static struct ld_error *put_sword(const struct ld_arch *arch, void *dst,
				  int32_t v)
{
	Elf_Data s = {
		.d_buf = &v,
		.d_type = ELF_T_SWORD,
		.d_size = sizeof(v),
		.d_version = EV_CURRENT,
	};
	Elf_Data d = {
		.d_buf = dst,
		.d_size = sizeof(v),
		.d_version = EV_CURRENT,
	};

	/* Words are the same in both classes; elf32 serves for both. */
	if (!elf32_xlatetof(&d, &s, arch->elf_data))
		return ld_error(LD_EXIT_FAILURE, "encoding a word for %s: %s",
				arch->name, elf_errmsg(-1));
	return NULL;
}

struct ld_error *ld_cpus_add_notes(const struct ld_arch *arch,
				   const struct ld_cpus *cpus,
				   struct ld_elf *elf)
{
	const struct prstatus_layout *pl = prstatus_layout(arch);
	struct ld_error *err = NULL;
	unsigned char *desc;

	if (!cpus->count)
		return NULL;
	if (!pl)
		return ld_error(LD_EXIT_FAILURE,
				"no NT_PRSTATUS layout for arch %s", arch->name);
	desc = malloc(pl->size);
	if (!desc)
		return &ld_error_nomem;
	for (size_t i = 0; i < cpus->count && !err; i++) {
		const struct ld_vcpu *cpu = &cpus->vcpus[i];

		memset(desc, 0, pl->size);
		/* QEMU numbers the notes' pr_pid from 1. */
		err = put_sword(arch, desc + pl->pid_off, cpu->cpu_index + 1);
		if (!err && pl->fill_regs)
			err = pl->fill_regs(arch, cpu, desc);
		if (!err)
			err = ld_elf_add_note(elf, "CORE", NT_PRSTATUS, desc,
					      pl->size);
		if (err)
			err = ld_error_context(err,
					       "NT_PRSTATUS of CPU %d (CPUState at 0x%llx)",
					       cpu->cpu_index,
					       (unsigned long long)cpu->addr);
	}
	free(desc);
	return err;
}

void ld_cpus_free(struct ld_cpus *cpus)
{
	if (!cpus)
		return;
	free(cpus->vcpus);
	memset(cpus, 0, sizeof(*cpus));
}
