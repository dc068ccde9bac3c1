// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpu-s390.c - s390x vCPUs: not read yet.  Every vCPU gets a placeholder
 * "CORE" NT_PRSTATUS (pr_pid only), and a warning says so.
 */
#include "cpu_impl.h"

/* s390x: 112 + 216 (psw 16, gprs 128, acrs 64, orig_gpr2 8) + 4 -> 332,
 * padded to 336. */
const struct ld_cpu_arch ld_cpu_s390x = {
	.kind = LD_REGS_NONE, .prstatus_size = 336, .pid_off = 32,
	.reg_off = 112,
};
