// SPDX-License-Identifier: GPL-2.0-or-later
/* json.c - the little JSON the tool writes; see json.h. */
#include "json.h"

/* Write s as a JSON string literal. */
void ld_json_string(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c > 0x7e)	/* keep it ASCII, always valid */
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void ld_json_key(FILE *f, const char *key, bool *first)
{
	fputs(*first ? "\n  " : ",\n  ", f);
	*first = false;
	ld_json_string(f, key);
	fputs(": ", f);
}

