// SPDX-License-Identifier: GPL-2.0-or-later
/* arch.c - the supported guest architectures; see arch.h. */
#include <elf.h>
#include <stdint.h>
#include <string.h>

#include "arch.h"

/* Names are the ones QEMU's dump-guest-memory.py accepted. */
const struct ld_arch ld_arches[] = {
	{ LD_ARCH_AARCH64_LE, "aarch64-le", NULL, ELFCLASS64, ELFDATA2LSB, EM_AARCH64, 4096 },
	{ LD_ARCH_AARCH64_BE, "aarch64-be", NULL, ELFCLASS64, ELFDATA2MSB, EM_AARCH64, 4096 },
	{ LD_ARCH_X86_64, "X86_64", "x86_64", ELFCLASS64, ELFDATA2LSB, EM_X86_64, 4096 },
	{ LD_ARCH_I386, "386", "i386", ELFCLASS32, ELFDATA2LSB, EM_386, 4096 },
	{ LD_ARCH_S390, "s390", "s390x", ELFCLASS64, ELFDATA2MSB, EM_S390, 4096 },
	{ LD_ARCH_PPC64_LE, "ppc64-le", NULL, ELFCLASS64, ELFDATA2LSB, EM_PPC64, 4096 },
	{ LD_ARCH_PPC64_BE, "ppc64-be", NULL, ELFCLASS64, ELFDATA2MSB, EM_PPC64, 4096 },
};

const unsigned int ld_arch_count = sizeof(ld_arches) / sizeof(ld_arches[0]);

const struct ld_arch *ld_arch_lookup(const char *name)
{
	for (unsigned int i = 0; i < ld_arch_count; i++) {
		const struct ld_arch *a = &ld_arches[i];

		if (!strcmp(name, a->name) || (a->alias && !strcmp(name, a->alias)))
			return a;
	}
	return NULL;
}

static const struct ld_arch *by_id(enum ld_arch_id id)
{
	for (unsigned int i = 0; i < ld_arch_count; i++)
		if (ld_arches[i].id == id)
			return &ld_arches[i];
	return NULL;
}

const struct ld_arch *ld_arch_for_target(const char *target)
{
	if (!target)
		return NULL;
	if (!strcmp(target, "x86_64") || !strcmp(target, "i386"))
		return by_id(LD_ARCH_X86_64);
	if (!strcmp(target, "aarch64"))
		return by_id(LD_ARCH_AARCH64_LE);
	if (!strcmp(target, "s390x"))
		return by_id(LD_ARCH_S390);
	if (!strcmp(target, "ppc64"))
		return by_id(LD_ARCH_PPC64_BE);
	return NULL;
}

/* target/{i386,arm,s390x,ppc}/arch_dump.c: cpu_get_dump_info(). */
const struct ld_arch *ld_arch_qemu_choice(const struct ld_arch_facts *f,
					  bool *class64)
{
	const struct ld_arch *family = ld_arch_for_target(f->target);

	*class64 = true;
	if (!family)
		return NULL;
	switch (family->id) {
	case LD_ARCH_X86_64:
		/* qemu-system-i386 has no long mode. */
		if (f->have_vcpu && f->x86_lma && strcmp(f->target, "i386"))
			return family;
		*class64 = ld_arch_class64(by_id(LD_ARCH_I386), f);
		return by_id(LD_ARCH_I386);
	case LD_ARCH_AARCH64_LE:
		return by_id(f->have_vcpu && f->arm_el1_be ? LD_ARCH_AARCH64_BE :
			     LD_ARCH_AARCH64_LE);
	case LD_ARCH_PPC64_BE:
		/* Without the first vCPU's registers: big-endian, the order
		 * of the target (and of QEMU 7.2's pseries POWER8+ dumps). */
		return by_id(f->have_vcpu && f->ppc_ile ? LD_ARCH_PPC64_LE :
			     LD_ARCH_PPC64_BE);
	default:
		return family;
	}
}

bool ld_arch_class64(const struct ld_arch *arch, const struct ld_arch_facts *f)
{
	if (arch->id == LD_ARCH_I386)
		return f->max_block_end > UINT32_MAX;
	return arch->elf_class == ELFCLASS64;
}
