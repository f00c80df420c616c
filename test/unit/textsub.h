/*
 * textsub.h - @NAME@ placeholders in a test's config text, replaced by their
 * values (test_conf, test_conf_sys). Pure, no cmocka.
 */
#ifndef TEXTSUB_H
#define TEXTSUB_H

#include <stddef.h>

struct textsub {
	const char *token;
	const char *value;
};

/* @text with each of the @n tokens of @sub replaced, into @out: 0, or -1 if it does not fit. */
int textsub_expand(char *out, size_t len, const char *text, const struct textsub *sub, size_t n);

#endif
