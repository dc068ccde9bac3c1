/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json.h - writing JSON documents (the report, --list --json): strings
 * escaped to plain ASCII so the output is valid whatever QEMU said.
 */
#ifndef QLD_JSON_H
#define QLD_JSON_H

#include <stdbool.h>
#include <stdio.h>

/* s as a JSON string literal; NULL as null. */
void ld_json_string(FILE *f, const char *s);

/* '"key": ' on a new line of an object; *first: no comma before it. */
void ld_json_key(FILE *f, const char *key, bool *first);

#endif /* QLD_JSON_H */
