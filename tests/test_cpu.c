// SPDX-License-Identifier: GPL-2.0-or-later
/* test_cpu.c - vCPU register notes (being written). */
#include <criterion/criterion.h>
