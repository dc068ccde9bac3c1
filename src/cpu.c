// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpu.c - QEMU's vCPU list and what is common to every arch: the plan of
 * what to read, the bounded walk, and the notes in QEMU's order.  The
 * arches (cpu-*.c) say what to read, how to decode it and which notes.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_impl.h"

static const struct {
	enum ld_arch_id id;
	const struct ld_cpu_arch *ops;
} cpu_arches[] = {
	{ LD_ARCH_AARCH64_LE, &ld_cpu_aarch64 },
	{ LD_ARCH_AARCH64_BE, &ld_cpu_aarch64 },
	{ LD_ARCH_X86_64, &ld_cpu_x86_64 },
	{ LD_ARCH_I386, &ld_cpu_i386 },
	{ LD_ARCH_S390, &ld_cpu_s390x },
	{ LD_ARCH_PPC64_LE, &ld_cpu_ppc64 },
	{ LD_ARCH_PPC64_BE, &ld_cpu_ppc64 },
};

static const struct ld_cpu_arch *cpu_arch(const struct ld_arch *arch)
{
	for (size_t i = 0; arch && i < sizeof(cpu_arches) /
					sizeof(cpu_arches[0]); i++)
		if (cpu_arches[i].id == arch->id)
			return cpu_arches[i].ops;
	return NULL;
}

size_t ld_prstatus_size(const struct ld_arch *arch)
{
	const struct ld_cpu_arch *ca = cpu_arch(arch);

	return ca ? ca->prstatus_size : 0;
}

/* ---- what to read: the plan ------------------------------------------- */

bool ld_plan_need(struct plan *p, enum ld_field f, uint64_t base,
		  uint64_t size_want)
{
	const struct ld_layout *l = p->l;
	uint64_t end;

	if (!l->have[f] || (size_want && l->size[f] != size_want) ||
	    __builtin_add_overflow(base, l->offset[f], &end) ||
	    __builtin_add_overflow(end, l->size[f], &end) ||
	    end > CPU_READ_MAX) {
		if (!p->missing)
			p->missing = ld_field_descs[f].key;
		return false;
	}
	if (end > p->hi)
		p->hi = end;
	return true;
}

bool ld_plan_want(struct plan *p, enum ld_field f, uint64_t base,
		  uint64_t size_want)
{
	const char *m = p->missing;
	bool ok = ld_plan_need(p, f, base, size_want);

	p->missing = m;
	return ok;
}

/*
 * Decide what to read for arch.  A layout without the arch's register
 * fields gets placeholder notes and a warning naming the field; *kind
 * says what the vCPUs' registers will hold.
 */
static struct ld_error *make_plan(const struct ld_layout *layout,
				  const struct ld_cpu_arch *ca,
				  const struct ld_arch *arch, struct plan *p,
				  enum ld_regs_kind *kind, char **warning)
{
	int n = 0;

	memset(p, 0, sizeof(*p));
	p->l = layout;
	*kind = LD_REGS_NONE;
	*warning = NULL;
	if (!arch)
		return NULL;
	if (!ca || ca->kind == LD_REGS_NONE) {
		n = asprintf(warning,
			     "CPU registers for %s are not read: placeholder notes",
			     arch->name);
		return n < 0 ? &ld_error_nomem : NULL;
	}
	if (ca->plan(p)) {
		*kind = ca->kind;
		return NULL;
	}
	p->hi = 0;
	n = asprintf(warning,
		     "CPU registers for %s are not read: QEMU's layout lacks %s (or it has an unexpected size): placeholder notes",
		     arch->name, p->missing ? p->missing : "?");
	return n < 0 ? &ld_error_nomem : NULL;
}

/* ---- plausibility: values with architectural invariants -------------- */

struct ld_error *ld_cpus_check_strict(const struct ld_cpus *cpus,
				      const struct ld_arch *arch)
{
	const struct ld_cpu_arch *ca = cpu_arch(arch);

	if (!cpus->count)
		return ld_error(LD_EXIT_MODEL, "no vCPU found in the CPU list");
	if (ca && ca->kind != LD_REGS_NONE && cpus->regs == LD_REGS_NONE)
		return ld_error(LD_EXIT_MODEL, "vCPU registers could not be read: %s",
				cpus->warning ? cpus->warning : "?");
	if (cpus->implausible)
		return ld_error(LD_EXIT_MODEL, "vCPU registers implausible: %s",
				cpus->implausible);
	if (cpus->incomplete)
		return ld_error(LD_EXIT_MODEL, "vCPU state incomplete: %s",
				cpus->warning ? cpus->warning : "?");
	return NULL;
}

/* ---- the list walk ----------------------------------------------------- */

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

/*
 * Read one CPU: list fields from the first len bytes of buf (which the
 * caller sized to the plan, or to the list fields only).
 */
static struct ld_error *read_cpu(const struct ld_layout *layout,
				 const struct ld_reader *rd, uint64_t addr,
				 unsigned char *buf, uint64_t len,
				 uint64_t *next, int *cpu_index)
{
	struct ld_error *err;
	uint64_t idx;

	if (layout->size[LF_CPU_INDEX] != 4)
		return ld_error(LD_EXIT_DEBUGINFO,
				"CPUState.cpu_index is %llu bytes, not an int",
				(unsigned long long)layout->size[LF_CPU_INDEX]);
	err = rd->read(rd->ctx, addr, buf, len);
	if (err)
		return err;
	if (!ld_layout_get(layout, LF_CPU_NODE_NEXT, buf, len, next) ||
	    !ld_layout_get(layout, LF_CPU_INDEX, buf, len, &idx))
		return ld_error(LD_EXIT_DEBUGINFO,
				"CPUState.node.tqe_next has an unusual size (%llu)",
				(unsigned long long)layout->size[LF_CPU_NODE_NEXT]);
	*cpu_index = (int32_t)(uint32_t)idx;
	return NULL;
}

static void free_regs(struct ld_cpus *cpus)
{
	if (cpus->regs != LD_REGS_NONE && cpus->ops && cpus->ops->free_regs)
		for (size_t i = 0; i < cpus->count; i++)
			cpus->ops->free_regs(&cpus->vcpus[i]);
	cpus->regs = LD_REGS_NONE;
	cpus->ops = NULL;
}

static void set_warning(struct ld_cpus *out, char *msg)
{
	if (!msg)
		return;
	free(out->warning);
	out->warning = msg;
}

struct ld_error *ld_cpus_read_arch(const struct ld_layout *layout,
				   const struct ld_arch *arch,
				   const struct ld_reader *rd,
				   struct ld_cpus *out,
				   struct ld_warnings *warn)
{
	uint64_t list, node, list_len, len;
	unsigned char *buf = NULL;
	const struct ld_cpu_arch *ca = cpu_arch(arch);
	size_t alloc = 0;
	bool incomplete = false;
	enum ld_symbol sym;
	struct plan plan;
	struct ld_error *err;

	memset(out, 0, sizeof(*out));
	if (!layout || !rd)
		return NULL;
	if (!layout->have_symbol[LS_CPUS])
		return NULL;
	sym = LS_CPUS;
	/* CPU notes are optional: a build without these facts gets none. */
	if (!layout->have[LF_CPUS_FIRST] || !layout->have[LF_CPU_NODE_NEXT] ||
	    !layout->have[LF_CPU_INDEX])
		return NULL;
	list_len = span(layout, LF_CPU_NODE_NEXT, LF_CPU_INDEX);
	if (list_len > CPU_READ_MAX)
		return ld_error(LD_EXIT_DEBUGINFO,
				"CPUState fields beyond %u bytes", CPU_READ_MAX);

	err = make_plan(layout, ca, arch, &plan, &out->regs, &out->warning);
	if (err)
		return err;
	if (out->regs != LD_REGS_NONE)
		out->ops = ca;
	len = out->regs != LD_REGS_NONE && plan.hi > list_len ? plan.hi :
	      list_len;
	out->read_len = len;
	buf = malloc(len);
	if (!buf) {
		err = &ld_error_nomem;
		goto fail;
	}

	list = layout->symbol[sym];
	out->source = layout->symbol_name[sym] ? layout->symbol_name[sym] :
		      ld_symbol_descs[sym].name;
	err = read_head(layout, rd, list, &node);
	if (err) {
		err = ld_error_context(err, "reading CPU list %s at 0x%llx",
				       out->source, (unsigned long long)list);
		goto fail;
	}

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
		err = read_cpu(layout, rd, node, buf, len, &next, &idx);
		if (err && len > list_len) {
			/* The register file is optional; the list is not. */
			char *w = NULL;

			if (asprintf(&w, "CPU registers are not read: %s: placeholder notes",
				     err->message) < 0)
				w = NULL;
			ld_error_free(err);
			set_warning(out, w);
			free_regs(out);
			len = out->read_len = list_len;
			err = read_cpu(layout, rd, node, buf, len, &next, &idx);
		}
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
		v = &out->vcpus[out->count];
		memset(v, 0, sizeof(*v));
		v->addr = node;
		v->cpu_index = idx;
		out->count++;
		if (out->regs != LD_REGS_NONE) {
			err = ca->decode(&plan, buf, v, &incomplete);
			if (err)
				goto fail;
			if (!out->implausible)
				out->implausible = ca->implausible(&plan, buf, v);
		}
		node = next;
	}
	free(buf);
	buf = NULL;

	/* Differences from QEMU's own notes the reader should know of. */
	out->incomplete = incomplete;
	if (out->regs != LD_REGS_NONE && ca->shortfall && !out->warning) {
		const char *why = ca->shortfall(out, incomplete);

		if (why && asprintf(&out->warning, "%s", why) < 0)
			out->warning = NULL;
	}
	if (out->warning)
		ld_warn(warn, "%s", out->warning);
	return NULL;

fail:
	free(buf);
	ld_cpus_free(out);
	return err;
}

bool ld_cpus_same_list(const struct ld_cpus *a, const struct ld_cpus *b)
{
	if (a->count != b->count || a->regs != b->regs)
		return false;
	for (size_t i = 0; i < a->count; i++)
		if (a->vcpus[i].addr != b->vcpus[i].addr ||
		    a->vcpus[i].cpu_index != b->vcpus[i].cpu_index)
			return false;
	return true;
}

void ld_cpus_arch_facts(const struct ld_cpus *cpus,
			struct ld_arch_facts *facts)
{
	facts->have_vcpu = cpus->count && cpus->regs != LD_REGS_NONE &&
			   cpus->ops;
	if (facts->have_vcpu && cpus->ops->facts)
		cpus->ops->facts(&cpus->vcpus[0], facts);
}

bool ld_cpus_mmu_root(const struct ld_cpus *cpus, size_t i, uint64_t *root)
{
	if (i >= cpus->count || cpus->regs == LD_REGS_NONE || !cpus->ops ||
	    !cpus->ops->mmu_root)
		return false;
	return cpus->ops->mmu_root(&cpus->vcpus[i], root);
}

struct ld_error *ld_cpus_read(const struct ld_layout *layout,
			      const struct ld_reader *rd, struct ld_cpus *out)
{
	return ld_cpus_read_arch(layout, NULL, rd, out, NULL);
}

/* ---- notes ------------------------------------------------------------- */

static struct ld_error *cpu_context(struct ld_error *err,
				    const struct ld_vcpu *cpu, const char *what)
{
	return ld_error_context(err, "%s of CPU %d (CPUState at 0x%llx)", what,
				cpu->cpu_index, (unsigned long long)cpu->addr);
}

struct ld_error *ld_cpus_add_notes(const struct ld_arch *arch,
				   const struct ld_cpus *cpus,
				   const struct ld_note_sink *sink)
{
	return ld_cpus_add_notes_for(arch, cpus, NULL, sink);
}

struct ld_error *ld_cpus_add_notes_for(const struct ld_arch *arch,
				       const struct ld_cpus *cpus,
				       const char *qemu_version,
				       const struct ld_note_sink *sink)
{
	const struct ld_cpu_arch *ca = cpu_arch(arch);
	unsigned char desc[PRSTATUS_MAX];
	struct ld_error *err = NULL;
	bool regs, pid_host;

	if (!cpus->count)
		return NULL;
	if (!ca)
		return ld_error(LD_EXIT_FAILURE,
				"no NT_PRSTATUS layout for arch %s", arch->name);
	/* Registers read for another arch (or none): placeholder notes. */
	regs = cpus->regs != LD_REGS_NONE && cpus->regs == ca->kind;
	pid_host = ca->pid_host_order && ca->pid_host_order(qemu_version);
	for (size_t i = 0; i < cpus->count && !err; i++) {
		const struct ld_vcpu *cpu = &cpus->vcpus[i];
		uint32_t pid = (uint32_t)cpu->cpu_index + 1;

		memset(desc, 0, ca->prstatus_size);
		/*
		 * QEMU numbers the notes' pr_pid from 1; in its host's order
		 * where it forgot to convert (that host is ours: the tool
		 * reads a process of this host).
		 */
		if (pid_host)
			memcpy(desc + ca->pid_off, &pid, 4);
		else
			ld_put32(arch, desc + ca->pid_off, pid);
		if (regs)
			err = ca->notes(arch, cpu, desc, sink);
		else
			err = sink->add(sink->ctx, "CORE", NT_PRSTATUS, desc,
					ca->prstatus_size);
		if (err)
			err = cpu_context(err, cpu, "notes");
	}
	if (!err && regs && ca->notes_after)
		err = ca->notes_after(arch, cpus, sink);
	return err;
}

void ld_cpus_free(struct ld_cpus *cpus)
{
	if (!cpus)
		return;
	if (cpus->vcpus)
		free_regs(cpus);
	free(cpus->vcpus);
	free(cpus->warning);
	memset(cpus, 0, sizeof(*cpus));
}
