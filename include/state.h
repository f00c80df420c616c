/*
 * state.h - what vipd keeps on disk between runs, and the lock that lets
 * only one vipd run per control socket.
 *
 * Files under state_dir are written whole or not at all: a temporary file
 * (O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC) in the same directory,
 * fsync, rename over the name, fsync of the directory. A symbolic link
 * planted at the name is replaced, never followed.
 */
#ifndef STATE_H
#define STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether group @id's standby flag is saved under @dir (a regular file standby.ID). */
bool state_standby_saved(const char *dir, uint32_t id);

/*
 * Save (@on) or clear group @id's standby flag under @dir, creating @dir
 * (0755) if missing. Returns 0, or -1 with "PATH: reason" in @err (also
 * logged); then the file on disk is as it was.
 */
int state_standby_save(const char *dir, uint32_t id, bool on, char *err, size_t err_len);

/*
 * Take the single-instance lock "@control_socket.lock" (its directory is
 * created 0755 if missing) and hold it for the life of the process: flock,
 * released by the kernel however the process ends, so a kill -9 leaves no
 * stale lock. The file holds the holder's PID. Returns 0, or -1 (logged
 * as one line naming the running vipd's PID) when another vipd holds it.
 */
int state_lock(const char *control_socket);

/* Release the lock (at exit). Harmless without one. */
void state_unlock(void);

#endif
