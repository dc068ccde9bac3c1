// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpu-ppc.c - ppc64 vCPUs: not read yet.  Every vCPU gets a placeholder
 * "CORE" NT_PRSTATUS (pr_pid only), and a warning says so.
 */
#include "cpu_impl.h"

/* ppc64: 112 + 48*8 (ELF_NGREG) + 4 -> 500, padded to 504. */
const struct ld_cpu_arch ld_cpu_ppc64 = {
	.kind = LD_REGS_NONE, .prstatus_size = 504, .pid_off = 32,
	.reg_off = 112,
};
