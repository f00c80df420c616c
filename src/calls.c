/*
 * calls.c - the call count a calls_command printed (pure). The output is
 * untrusted text: only one decimal number (blanks and newlines around it)
 * is a count; "0 calls", an error message or nothing at all is not, so a
 * PBX that does not answer never looks idle.
 */
#include "calls.h"

int64_t calls_parse(const char *out, size_t len)
{
	size_t i = 0, digits = 0;
	int64_t n = 0;

	while (i < len && (out[i] == ' ' || out[i] == '\t' || out[i] == '\n' || out[i] == '\r'))
		i++;
	for (; i < len && out[i] >= '0' && out[i] <= '9'; i++, digits++) {
		if (n > (INT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (out[i] - '0');
	}
	while (i < len && (out[i] == ' ' || out[i] == '\t' || out[i] == '\n' || out[i] == '\r'))
		i++;
	return digits && i == len ? n : -1;
}
