/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * arch.h - the guest architectures a vmcore can be written for.
 *
 * The architecture decides only the ELF container (class, byte order,
 * e_machine) and the CPU notes; guest RAM is copied byte for byte.
 */
#ifndef QLD_ARCH_H
#define QLD_ARCH_H

#include <stdbool.h>
#include <stdint.h>

enum ld_arch_id {
	LD_ARCH_AARCH64_LE,
	LD_ARCH_AARCH64_BE,
	LD_ARCH_X86_64,
	LD_ARCH_I386,
	LD_ARCH_S390,
	LD_ARCH_PPC64_LE,
	LD_ARCH_PPC64_BE,
};

struct ld_arch {
	enum ld_arch_id id;
	const char *name;	/* as given to -a, e.g. "aarch64-le" */
	const char *alias;	/* accepted too, or NULL */
	unsigned char elf_class;	/* ELFCLASS32 / ELFCLASS64 */
	unsigned char elf_data;		/* ELFDATA2LSB / ELFDATA2MSB */
	uint16_t e_machine;
	uint32_t page_size;	/* QEMU's TARGET_PAGE_SIZE for the dump */
};

/* The arch named name (case-sensitive, aliases accepted), or NULL. */
const struct ld_arch *ld_arch_lookup(const char *name);

/* All arches, for --help and tests. */
extern const struct ld_arch ld_arches[];
extern const unsigned int ld_arch_count;

/*
 * What QEMU's cpu_get_dump_info() looks at to choose a dump's ELF header:
 * the binary's target and the first vCPU's state.
 */
struct ld_arch_facts {
	const char *target;	/* qemu-system-TARGET: "x86_64", "aarch64"... */
	bool have_vcpu;		/* the first vCPU's registers were read */
	bool x86_lma;		/* in long mode (hflags HF_LMA) */
	bool arm_el1_be;	/* SCTLR_EL1.EE: EL1 is big-endian */
	bool ppc_ile;		/* ppc64: interrupts little-endian (QEMU's
				   ppc_interrupts_little_endian()) */
	uint64_t max_block_end;	/* exclusive end of the highest RAM block */
};

/*
 * The arch family whose registers to read for a QEMU target (x86_64 for
 * qemu-system-i386 and -x86_64, aarch64-le for -aarch64, s390 for -s390x,
 * ppc64-be for -ppc64: the byte order then follows the first vCPU), or
 * NULL when the target is unknown.
 */
const struct ld_arch *ld_arch_for_target(const char *target);

/*
 * The arch QEMU's own dump would write for these facts, and *class64 its
 * ELF class (x86: ELFCLASS64 in long mode or when a block ends above
 * 4 GiB - 1, even with EM_386).  NULL when the target is unknown.
 */
const struct ld_arch *ld_arch_qemu_choice(const struct ld_arch_facts *f,
					  bool *class64);

/*
 * The ELF class QEMU's dump uses when writing arch: EM_386 becomes
 * ELFCLASS64 once a block ends above 4 GiB - 1; other arches keep theirs.
 */
bool ld_arch_class64(const struct ld_arch *arch,
		     const struct ld_arch_facts *f);

static inline bool ld_arch_is_be(const struct ld_arch *arch)
{
	return arch->elf_data == 2 /* ELFDATA2MSB */;
}

/* The unsigned value of width bytes (1 to 8) at p, in the guest's order. */
static inline uint64_t ld_guest_uint(const void *p, unsigned int width,
				     bool big_endian)
{
	const unsigned char *b = p;
	uint64_t v = 0;

	for (unsigned int i = 0; i < width; i++)
		v = v << 8 | b[big_endian ? i : width - 1 - i];
	return v;
}

#endif /* QLD_ARCH_H */
