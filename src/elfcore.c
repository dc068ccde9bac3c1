// SPDX-License-Identifier: GPL-2.0-or-later
/* elfcore.c - PLACEHOLDER: being written. */
#include "elfcore.h"
