// SPDX-License-Identifier: GPL-2.0-or-later
/* proc.c - PLACEHOLDER: being written. */
#include "proc.h"
