// SPDX-License-Identifier: GPL-2.0-or-later
/* memmap.c - PLACEHOLDER: being written. */
#include "memmap.h"
