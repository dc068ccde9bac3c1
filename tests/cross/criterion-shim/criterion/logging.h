/* SPDX-License-Identifier: GPL-2.0-or-later */
/* logging.h - cr_log_info is in criterion.h (see there). */
#include "criterion.h"
