// SPDX-License-Identifier: GPL-2.0-or-later
/* vmcoreinfo.c - PLACEHOLDER: being written. */
#include "vmcoreinfo.h"
