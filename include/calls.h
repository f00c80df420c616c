/*
 * calls.h - parse a calls_command's output (pure).
 */
#ifndef CALLS_H
#define CALLS_H

#include <stddef.h>
#include <stdint.h>

/* The count in @out (@len bytes): one decimal number, blanks around it allowed; else -1. */
int64_t calls_parse(const char *out, size_t len);

#endif
