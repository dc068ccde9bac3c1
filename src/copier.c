// SPDX-License-Identifier: GPL-2.0-or-later
/* copier.c - PLACEHOLDER: being written. */
#include "copier.h"
