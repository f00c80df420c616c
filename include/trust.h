/*
 * trust.h - may a daemon running as root trust (read, or run) this file?
 *
 * The rule OpenSSH applies to authorized_keys and sudo to sudoers: the file
 * and every directory above it, from "/" down, are owned by root (or by the
 * user the process runs as, who could change them anyway) and are not
 * writable by group or others. Anyone else able to write any of them could
 * make vipd read their key, or run their program as root.
 */
#ifndef TRUST_H
#define TRUST_H

#include <stddef.h>

#define TRUST_WHY_MAX 256 /* bytes of a reason, enough for one path and its fault */

/*
 * Open @path (absolute, or relative to the working directory) with @flags
 * (O_RDONLY, or O_PATH for a program to execute; O_CLOEXEC and O_NOFOLLOW
 * are added) after walking it component by component from "/" on opened
 * descriptors: each directory and the file itself is checked with fstat()
 * on the descriptor that is then used, so no name is looked up twice. A
 * symbolic link is followed only when the directory holding it passed (its
 * target was written by a trusted user) and its target is walked the same
 * way; the file itself must be a regular file.
 *
 * Returns the descriptor, or -1 with errno set and a one-line reason in
 * @why: EPERM for a trust violation ("directory /tmp is writable by group
 * or others"), otherwise the system error's text (ENOENT, ELOOP, ...).
 */
int trust_open(const char *path, int flags, char *why, size_t why_len);

#endif
