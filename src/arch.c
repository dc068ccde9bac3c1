// SPDX-License-Identifier: GPL-2.0-or-later
/* arch.c - the supported guest architectures; see arch.h. */
#include <elf.h>
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
