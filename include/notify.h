/*
 * notify.h - the systemd notification protocol (sd_notify(3)): readiness,
 * reload, stop and watchdog keep-alives, one datagram each to the socket
 * in $NOTIFY_SOCKET. A no-op when not started by systemd.
 */
#ifndef NOTIFY_H
#define NOTIFY_H

#include <stdint.h>

/* Send @state, e.g. "READY=1". Returns 0 (also when not under systemd) or -1. */
int notify(const char *state);

/*
 * Send "STATUS=@text", the one line `systemctl status` shows; newlines
 * become spaces and text beyond NOTIFY_STATUS_MAX bytes is cut.
 */
#define NOTIFY_STATUS_MAX 240 /* bytes of status text */
int notify_status(const char *text);

/* The watchdog period in microseconds that systemd asked for, 0 if none. */
uint64_t notify_watchdog_usec(void);

#endif
