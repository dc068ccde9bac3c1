// SPDX-License-Identifier: GPL-2.0-or-later
/* debuginfo.c - PLACEHOLDER: being written. */
#include "debuginfo.h"
