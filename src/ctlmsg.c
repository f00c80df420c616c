/*
 * ctlmsg.c - length-prefixed framing of control messages, both directions.
 *
 * The decoder is a two-phase state machine (header, then payload) that
 * copies into the caller's fixed buffer, so a peer can neither make it
 * allocate nor overrun it: the length is checked against the decoder's
 * limit the moment its fourth byte arrives, before any payload is accepted.
 */
#include <string.h>

#include "ctlmsg.h"

int ctlmsg_frame(const char *json, size_t len, uint8_t *out, size_t out_len)
{
	if (len == 0)
		return CTLMSG_E_EMPTY;
	if (len > CTLMSG_MAX)
		return CTLMSG_E_TOO_LONG;
	if (out_len < CTLMSG_HDR_LEN + len)
		return CTLMSG_E_SPACE;
	out[0] = (uint8_t)(len >> 24);
	out[1] = (uint8_t)(len >> 16);
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
	memcpy(out + CTLMSG_HDR_LEN, json, len);
	return (int)(CTLMSG_HDR_LEN + len);
}

void ctlmsg_rx_init(struct ctlmsg_rx *rx, char *buf, size_t max)
{
	rx->buf = buf;
	rx->max = max < 1 ? 1 : max > CTLMSG_MAX ? CTLMSG_MAX : max;
	memset(rx->hdr, 0, sizeof(rx->hdr));
	rx->hdr_got = 0;
	rx->len = 0;
	rx->got = 0;
	rx->ready = false;
	rx->err = CTLMSG_OK;
	rx->buf[0] = '\0';
}

/* The header is complete: decide whether a payload of that size is acceptable. */
static int ctlmsg_rx_check_len(struct ctlmsg_rx *rx)
{
	uint32_t len = (uint32_t)rx->hdr[0] << 24 | (uint32_t)rx->hdr[1] << 16 |
		       (uint32_t)rx->hdr[2] << 8 | (uint32_t)rx->hdr[3];

	if (len == 0)
		return CTLMSG_E_EMPTY;
	if (len > rx->max)
		return CTLMSG_E_TOO_LONG;
	rx->len = len;
	return CTLMSG_OK;
}

int ctlmsg_rx_feed(struct ctlmsg_rx *rx, const uint8_t *buf, size_t len, size_t *consumed)
{
	size_t off = 0, n;

	*consumed = 0;
	if (rx->err)
		return rx->err;
	if (rx->ready) {
		/* The previous message was handed out; start the next frame. */
		rx->ready = false;
		rx->hdr_got = 0;
		rx->len = 0;
		rx->got = 0;
	}
	if (len == 0)
		return 0;
	if (rx->hdr_got < CTLMSG_HDR_LEN) {
		n = CTLMSG_HDR_LEN - rx->hdr_got;
		if (n > len)
			n = len;
		memcpy(rx->hdr + rx->hdr_got, buf, n);
		rx->hdr_got += n;
		off += n;
		*consumed = off;
		if (rx->hdr_got < CTLMSG_HDR_LEN)
			return 0;
		rx->err = ctlmsg_rx_check_len(rx);
		if (rx->err)
			return rx->err;
	}
	n = rx->len - rx->got;
	if (n > len - off)
		n = len - off;
	memcpy(rx->buf + rx->got, buf + off, n);
	rx->got += n;
	off += n;
	*consumed = off;
	if (rx->got < rx->len)
		return 0;
	rx->buf[rx->len] = '\0';
	rx->ready = true;
	return 1;
}

const char *ctlmsg_rx_msg(const struct ctlmsg_rx *rx, size_t *len)
{
	if (!rx->ready)
		return NULL;
	*len = rx->len;
	return rx->buf;
}

size_t ctlmsg_rx_need(const struct ctlmsg_rx *rx)
{
	if (rx->err)
		return 0;
	if (rx->ready)
		return CTLMSG_HDR_LEN;
	if (rx->hdr_got < CTLMSG_HDR_LEN)
		return CTLMSG_HDR_LEN - rx->hdr_got;
	return rx->len - rx->got;
}

bool ctlmsg_rx_idle(const struct ctlmsg_rx *rx)
{
	return !rx->err && (rx->ready || rx->hdr_got == 0);
}

const char *ctlmsg_strerror(int err)
{
	switch (err) {
	case CTLMSG_OK:
		return "success";
	case CTLMSG_E_TOO_LONG:
		return "message too long";
	case CTLMSG_E_EMPTY:
		return "empty message";
	case CTLMSG_E_SPACE:
		return "frame buffer too small";
	}
	return "unknown error";
}
