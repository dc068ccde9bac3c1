/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cpu.h - QEMU's vCPU list and the per-CPU ELF notes of the vmcore.
 *
 * The list is walked while the target is frozen (bounded, cycle-checked).
 * Notes are built in the target's byte order.  Until register layouts are
 * resolved, each vCPU gets an NT_PRSTATUS of the arch's size whose pr_pid
 * is cpu_index + 1 (as QEMU numbers them) and whose registers are zero.
 */
#ifndef QLD_CPU_H
#define QLD_CPU_H

#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "elfcore.h"
#include "error.h"
#include "layout.h"
#include "memmap.h"

#define LD_MAX_VCPUS 4096u

struct ld_vcpu {
	uint64_t addr;		/* CPUState in the target */
	int cpu_index;
};

struct ld_cpus {
	struct ld_vcpu *vcpus;
	size_t count;
	const char *source;	/* "cpus" or "cpus_queue" */
};

/* Walk the CPU list.  Without the symbol or the layout, count is 0. */
struct ld_error *ld_cpus_read(const struct ld_layout *layout,
			      const struct ld_reader *rd, struct ld_cpus *out);

/* Size of NT_PRSTATUS for arch (0 if unknown). */
size_t ld_prstatus_size(const struct ld_arch *arch);

/* Add one NT_PRSTATUS per vCPU. */
struct ld_error *ld_cpus_add_notes(const struct ld_arch *arch,
				   const struct ld_cpus *cpus,
				   struct ld_elf *elf);

void ld_cpus_free(struct ld_cpus *cpus);

#endif /* QLD_CPU_H */
