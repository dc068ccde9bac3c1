// SPDX-License-Identifier: GPL-2.0-or-later
/* report.c - PLACEHOLDER: being written. */
#include "report.h"
