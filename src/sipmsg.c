/*
 * sipmsg.c - does a SIP message answer our OPTIONS request? Pure: no I/O,
 * no clock, no logging; fed untrusted bytes, so every read is bounded by
 * the length given and the parser never writes into the message.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sipmsg.h"

/* Header @name (or its compact form @compact) at the start of @line, value into @val. */
static bool header_is(const char *line, size_t len, const char *name, const char *compact,
		      const char **val, size_t *vlen)
{
	const char *colon = memchr(line, ':', len);
	size_t nl;

	if (!colon)
		return false;
	nl = (size_t)(colon - line);
	while (nl && (line[nl - 1] == ' ' || line[nl - 1] == '\t'))
		nl--;
	if (!((nl == strlen(name) && strncasecmp(line, name, nl) == 0) ||
	      (compact && nl == strlen(compact) && strncasecmp(line, compact, nl) == 0)))
		return false;
	*val = colon + 1;
	*vlen = len - (size_t)(colon - line) - 1;
	while (*vlen && (**val == ' ' || **val == '\t')) {
		(*val)++;
		(*vlen)--;
	}
	while (*vlen && ((*val)[*vlen - 1] == ' ' || (*val)[*vlen - 1] == '\t'))
		(*vlen)--;
	return true;
}

static bool token_eq(const char *v, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(v, want, n) == 0;
}

/* The branch parameter of the first Via value in @v equals @branch. */
static bool via_branch_is(const char *v, size_t n, const char *branch)
{
	const char *end = memchr(v, ',', n);

	if (end)
		n = (size_t)(end - v);
	for (size_t i = 0; i + 8 <= n; i++) {
		size_t j;

		if (v[i] != ';' || strncasecmp(v + i + 1, "branch=", 7) != 0)
			continue;
		i += 8;
		for (j = i; j < n && v[j] != ';' && v[j] != ' ' && v[j] != '\t'; j++)
			;
		return token_eq(v + i, j - i, branch);
	}
	return false;
}

int sipmsg_match(const char *msg, size_t n, const char *call_id, uint32_t cseq, const char *branch,
		 size_t *hdr_len)
{
	bool id_ok = false, cseq_ok = false, via_ok = false, via_seen = false;
	const char *p = msg, *end = msg + n, *v;
	char want_cseq[32];
	size_t vlen;
	int code;

	*hdr_len = 0;
	if (n < 12 || memcmp(msg, "SIP/2.0 ", 8) != 0 || msg[8] < '1' || msg[8] > '6' ||
	    msg[9] < '0' || msg[9] > '9' || msg[10] < '0' || msg[10] > '9' ||
	    (msg[11] != ' ' && msg[11] != '\r'))
		return -1;
	code = (msg[8] - '0') * 100 + (msg[9] - '0') * 10 + (msg[10] - '0');
	snprintf(want_cseq, sizeof(want_cseq), "%u OPTIONS", cseq);
	for (;;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t len;

		if (!eol)
			return -1; /* no blank line: not a whole header block */
		len = (size_t)(eol - p);
		if (len && p[len - 1] == '\r')
			len--;
		if (p != msg && len == 0) {
			*hdr_len = (size_t)(eol + 1 - msg);
			break;
		}
		if (p == msg) {
			/* the status line */
		} else if (header_is(p, len, "Call-ID", "i", &v, &vlen)) {
			id_ok = token_eq(v, vlen, call_id);
		} else if (header_is(p, len, "CSeq", NULL, &v, &vlen)) {
			/* "1 OPTIONS": collapse the blanks between number and method. */
			char c[32];
			size_t k = 0;
			bool blank = false;

			for (size_t i = 0; i < vlen && k + 1 < sizeof(c); i++) {
				if (v[i] == ' ' || v[i] == '\t') {
					blank = true;
					continue;
				}
				if (blank && k)
					c[k++] = ' ';
				blank = false;
				c[k++] = v[i];
			}
			cseq_ok = token_eq(c, k, want_cseq);
		} else if (!via_seen && header_is(p, len, "Via", "v", &v, &vlen)) {
			via_seen = true; /* only the top Via is ours */
			via_ok = via_branch_is(v, vlen, branch);
		}
		p = eol + 1;
	}
	return id_ok && cseq_ok && via_ok ? code : -2;
}
