/*
 * ctlmsg.h - framing of the control channel between vipd and vipctl
 * (pure: no I/O, no allocation, no logging).
 *
 * A frame is a 4-byte big-endian payload length followed by that many bytes
 * of JSON text; the length is 1..CTLMSG_MAX. One request or one reply per
 * frame. What the JSON means is control.c's and vipctl.c's business.
 *
 * Requests are small and replies can be large (the status of 255 groups
 * with 16 VIPs each is some 500 KB of JSON), so each decoder has its own
 * limit and buffer: the daemon reads requests of at most CTLMSG_REQ_MAX
 * bytes into a small buffer per connection, vipctl reads replies of up to
 * CTLMSG_MAX into one static buffer.
 */
#ifndef CTLMSG_H
#define CTLMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTLMSG_HDR_LEN 4
#define CTLMSG_MAX     1048576 /* payload bytes per frame (1 MiB), the largest reply */
#define CTLMSG_REQ_MAX 4096    /* payload bytes of a request (vipd's decoders) */

enum ctlmsg_err {
	CTLMSG_OK = 0,
	CTLMSG_E_TOO_LONG = -1, /* length field above the decoder's limit (or CTLMSG_MAX) */
	CTLMSG_E_EMPTY = -2,	/* length field zero */
	CTLMSG_E_SPACE = -3,	/* ctlmsg_frame: output buffer too small */
};

/*
 * Incremental decoder. The caller owns the struct and the payload buffer it
 * points to (see ctlmsg_rx_init); the decoder never allocates.
 */
struct ctlmsg_rx {
	uint8_t hdr[CTLMSG_HDR_LEN];
	size_t hdr_got; /* header bytes received */
	size_t len;	/* payload length, valid once hdr_got == CTLMSG_HDR_LEN */
	size_t got;	/* payload bytes received */
	bool ready;	/* a whole message is in buf */
	int err;	/* sticky enum ctlmsg_err once the stream is broken */
	size_t max;	/* largest payload accepted, 1..CTLMSG_MAX */
	char *buf;	/* the caller's, max + 1 bytes (payload and a NUL) */
};

/*
 * Write the frame for @len bytes of @json into @out. Returns the frame length
 * (CTLMSG_HDR_LEN + @len), CTLMSG_E_EMPTY for @len 0, CTLMSG_E_TOO_LONG for
 * @len above CTLMSG_MAX, CTLMSG_E_SPACE if @out_len is too small.
 */
int ctlmsg_frame(const char *json, size_t len, uint8_t *out, size_t out_len);

/*
 * Start a stream: no bytes seen. @buf (@max + 1 bytes, owned by the caller,
 * valid as long as @rx is used) receives the payloads; a frame longer than
 * @max is refused with CTLMSG_E_TOO_LONG on its header alone. @max is
 * clamped to 1..CTLMSG_MAX. Only buf[0] is written here.
 */
void ctlmsg_rx_init(struct ctlmsg_rx *rx, char *buf, size_t max);

/*
 * Feed up to @len bytes of the stream. Consumes bytes up to the end of the
 * first frame it completes and stores the count in @consumed; feed the rest
 * (@buf + *@consumed) after handling the message. Returns 1 when a message
 * is ready (see ctlmsg_rx_msg; the next feed discards it), 0 when all @len
 * bytes were consumed and more are needed, or a negative enum ctlmsg_err.
 * An error is sticky: the stream has lost its framing and every later feed
 * returns the same error having consumed nothing.
 */
int ctlmsg_rx_feed(struct ctlmsg_rx *rx, const uint8_t *buf, size_t len, size_t *consumed);

/*
 * The ready message: a pointer into @rx, NUL terminated, valid until the
 * next feed or init; its length goes to @len. NULL when no message is ready.
 */
const char *ctlmsg_rx_msg(const struct ctlmsg_rx *rx, size_t *len);

/*
 * Bytes still missing from the frame in progress (header or payload): a
 * reader that reads at most this many never takes bytes of the next frame.
 * CTLMSG_HDR_LEN between frames, 0 after an error.
 */
size_t ctlmsg_rx_need(const struct ctlmsg_rx *rx);

/* True between frames: no partial frame is held (EOF here is clean). */
bool ctlmsg_rx_idle(const struct ctlmsg_rx *rx);

const char *ctlmsg_strerror(int err);

#endif
