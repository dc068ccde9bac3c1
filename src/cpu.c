// SPDX-License-Identifier: GPL-2.0-or-later
/* cpu.c - PLACEHOLDER: being written. */
#include "cpu.h"
