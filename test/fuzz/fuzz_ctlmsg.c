/*
 * fuzz_ctlmsg.c - libFuzzer harness for the control channel decoder.
 *
 * Input: two bytes seed the chunking, the rest is the byte stream a client
 * sends. The stream is fed to ctlmsg_rx_feed() in pseudo-random chunks of
 * 1..4096 bytes, and every message, error and leftover is checked against a
 * one-shot reference walk of the same stream: chunking must never change
 * what is decoded. Any mismatch aborts (a finding). The decoder has vipd's
 * request limit, CTLMSG_REQ_MAX, so frames just above it are easy to reach.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctlmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ctlmsg_rx rx;
static char rx_buf[CTLMSG_REQ_MAX + 1];
static uint8_t reframed[CTLMSG_HDR_LEN + CTLMSG_REQ_MAX];

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

static uint32_t next_rand(uint32_t *s)
{
	/* xorshift32: cheap, deterministic for a given input */
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * Reference: the frame starting at @off of the whole stream. Returns 1 with
 * the payload's offset and length, 0 if the stream ends inside the frame, or
 * the decoder's error for its length field.
 */
static int ref_frame(const uint8_t *s, size_t n, size_t off, size_t *msg_off, size_t *msg_len)
{
	uint32_t len;

	if (n - off < CTLMSG_HDR_LEN)
		return 0;
	len = (uint32_t)s[off] << 24 | (uint32_t)s[off + 1] << 16 | (uint32_t)s[off + 2] << 8 |
	      (uint32_t)s[off + 3];
	if (len == 0)
		return CTLMSG_E_EMPTY;
	if (len > CTLMSG_REQ_MAX)
		return CTLMSG_E_TOO_LONG;
	if (n - off - CTLMSG_HDR_LEN < len)
		return 0;
	*msg_off = off + CTLMSG_HDR_LEN;
	*msg_len = len;
	return 1;
}

/* The reference walk of the stream and how far the decoder has got. */
struct walk {
	const uint8_t *s;
	size_t n;
	size_t fed;	/* bytes the decoder consumed */
	size_t off;	/* start of the frame in progress */
	size_t msg_off; /* its payload, when ref == 1 */
	size_t msg_len;
	int ref; /* ref_frame() for the frame at off */
};

/* The decoder failed: it must be the reference's error, at the header's last byte, sticky. */
static void check_error(struct walk *w, int rc)
{
	size_t used = 0;

	CHECK(rc == w->ref);
	CHECK(w->fed == w->off + CTLMSG_HDR_LEN);
	CHECK(ctlmsg_rx_need(&rx) == 0 && !ctlmsg_rx_idle(&rx));
	CHECK(ctlmsg_rx_feed(&rx, w->s, w->n, &used) == rc && used == 0);
}

/* The decoder produced a message: it must be the reference's frame, and frame back to it. */
static void check_message(struct walk *w)
{
	size_t len = 0;
	const char *msg = ctlmsg_rx_msg(&rx, &len);

	CHECK(w->ref == 1 && msg != NULL);
	CHECK(len == w->msg_len && w->fed == w->msg_off + w->msg_len);
	CHECK(memcmp(msg, w->s + w->msg_off, len) == 0 && msg[len] == '\0');
	CHECK(ctlmsg_frame(msg, len, reframed, sizeof(reframed)) == (int)(CTLMSG_HDR_LEN + len));
	CHECK(memcmp(reframed, w->s + w->off, CTLMSG_HDR_LEN + len) == 0);
	CHECK(ctlmsg_rx_idle(&rx) && ctlmsg_rx_need(&rx) == CTLMSG_HDR_LEN);
	w->off = w->fed;
	w->ref = ref_frame(w->s, w->n, w->off, &w->msg_off, &w->msg_len);
}

/* Feed one chunk, handling every message it completes. Returns false after an error. */
static bool feed_chunk(struct walk *w, size_t chunk)
{
	size_t used = 0, len = 0;
	int rc;

	while (chunk > 0) {
		rc = ctlmsg_rx_feed(&rx, w->s + w->fed, chunk, &used);
		CHECK(used <= chunk);
		w->fed += used;
		chunk -= used;
		if (rc < 0) {
			check_error(w, rc);
			return false;
		}
		if (rc == 0) {
			CHECK(chunk == 0 && ctlmsg_rx_need(&rx) > 0);
			CHECK(ctlmsg_rx_msg(&rx, &len) == NULL);
		} else {
			CHECK(rc == 1 && used > 0);
			check_message(w);
		}
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct walk w = { 0 };
	uint32_t seed;
	size_t chunk;

	if (size < 2)
		return 0;
	seed = ((uint32_t)data[0] << 8 | data[1]) * 2654435761u + 1;
	w.s = data + 2;
	w.n = size - 2;
	w.ref = ref_frame(w.s, w.n, 0, &w.msg_off, &w.msg_len);
	ctlmsg_rx_init(&rx, rx_buf, CTLMSG_REQ_MAX);
	while (w.fed < w.n) {
		chunk = 1 + next_rand(&seed) % (1u << (next_rand(&seed) % 13));
		if (chunk > w.n - w.fed)
			chunk = w.n - w.fed;
		if (!feed_chunk(&w, chunk))
			return 0;
	}
	/*
	 * The stream ended without an error: every complete frame was decoded,
	 * and the decoder holds a partial frame exactly when bytes are left over.
	 */
	CHECK(w.ref == 0);
	CHECK(ctlmsg_rx_idle(&rx) == (w.off == w.n));
	return 0;
}
