/*
 * textsub.c - see textsub.h.
 */
#include <string.h>

#include "textsub.h"

int textsub_expand(char *out, size_t len, const char *text, const struct textsub *sub, size_t n)
{
	size_t at = 0;

	while (*text) {
		const char *piece = text;
		size_t i, k = 1;

		for (i = 0; i < n; i++)
			if (strncmp(text, sub[i].token, strlen(sub[i].token)) == 0)
				break;
		if (i < n) {
			piece = sub[i].value;
			k = strlen(piece);
			text += strlen(sub[i].token);
		} else {
			text++;
		}
		if (at + k >= len)
			return -1;
		memcpy(out + at, piece, k);
		at += k;
	}
	out[at] = '\0';
	return 0;
}
