// SPDX-License-Identifier: GPL-2.0-or-later
/* output.c - PLACEHOLDER: being written. */
#include "output.h"
