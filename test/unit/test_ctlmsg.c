/*
 * test_ctlmsg.c - the control channel framing: encoder, incremental decoder
 * and the length checks that keep a hostile peer inside the fixed buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ctlmsg.h"

/* About 1 MiB each: static, not on the test's stack. */
static struct ctlmsg_rx rx;
static char rx_buf[CTLMSG_MAX + 1];
static uint8_t big[CTLMSG_HDR_LEN + CTLMSG_MAX + 16];
static char payload[CTLMSG_MAX + 1];

/* A decoder that takes frames up to CTLMSG_MAX, as vipctl's. */
static void rx_start(void)
{
	ctlmsg_rx_init(&rx, rx_buf, CTLMSG_MAX);
}

static const char req[] = "{\"cmd\":\"status\"}";

static void assert_msg(const char *want)
{
	const char *msg;
	size_t len = 0;

	msg = ctlmsg_rx_msg(&rx, &len);
	assert_non_null(msg);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(msg, want, len);
	assert_int_equal(msg[len], '\0');
}

static void test_frame_round_trip(void **state)
{
	uint8_t out[64];
	size_t consumed = 0;
	int n;

	(void)state;
	n = ctlmsg_frame(req, strlen(req), out, sizeof(out));
	assert_int_equal(n, CTLMSG_HDR_LEN + strlen(req));
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 0);
	assert_int_equal(out[2], 0);
	assert_int_equal(out[3], strlen(req));
	assert_memory_equal(out + CTLMSG_HDR_LEN, req, strlen(req));

	rx_start();
	assert_true(ctlmsg_rx_idle(&rx));
	assert_null(ctlmsg_rx_msg(&rx, &consumed));
	assert_int_equal(ctlmsg_rx_feed(&rx, out, (size_t)n, &consumed), 1);
	assert_int_equal(consumed, n);
	assert_msg(req);
	assert_true(ctlmsg_rx_idle(&rx));
	assert_int_equal(ctlmsg_rx_need(&rx), CTLMSG_HDR_LEN);
}

static void test_frame_length_is_big_endian(void **state)
{
	size_t consumed = 0;
	int n;

	(void)state;
	memset(payload, 'x', sizeof(payload));
	n = ctlmsg_frame(payload, 0x0102, big, sizeof(big));
	assert_int_equal(n, CTLMSG_HDR_LEN + 0x0102);
	assert_memory_equal(big, "\x00\x00\x01\x02", 4);

	/* The largest payload allowed frames and decodes whole. */
	memset(payload, 'y', sizeof(payload));
	n = ctlmsg_frame(payload, CTLMSG_MAX, big, sizeof(big));
	assert_int_equal(n, CTLMSG_HDR_LEN + CTLMSG_MAX);
	assert_memory_equal(big, "\x00\x10\x00\x00", 4);
	rx_start();
	assert_int_equal(ctlmsg_rx_feed(&rx, big, (size_t)n, &consumed), 1);
	assert_int_equal(consumed, n);
	assert_int_equal(rx_buf[CTLMSG_MAX - 1], 'y');
	assert_int_equal(rx_buf[CTLMSG_MAX], '\0');
}

static void test_frame_errors(void **state)
{
	uint8_t out[8];

	(void)state;
	assert_int_equal(ctlmsg_frame("", 0, out, sizeof(out)), CTLMSG_E_EMPTY);
	assert_int_equal(ctlmsg_frame(payload, CTLMSG_MAX + 1, big, sizeof(big)),
			 CTLMSG_E_TOO_LONG);
	/* Room for the header and 3 bytes, not 4. */
	assert_int_equal(ctlmsg_frame("abcd", 4, out, 7), CTLMSG_E_SPACE);
	assert_int_equal(ctlmsg_frame("abcd", 4, out, 8), 8);
}

static void test_split_byte_by_byte(void **state)
{
	uint8_t out[64];
	size_t consumed = 0, i;
	int n, rc;

	(void)state;
	n = ctlmsg_frame(req, strlen(req), out, sizeof(out));
	assert_true(n > 0);
	rx_start();
	for (i = 0; i < (size_t)n; i++) {
		assert_int_equal(ctlmsg_rx_need(&rx),
				 i < CTLMSG_HDR_LEN ? CTLMSG_HDR_LEN - i : (size_t)n - i);
		rc = ctlmsg_rx_feed(&rx, out + i, 1, &consumed);
		assert_int_equal(consumed, 1);
		if (i + 1 < (size_t)n) {
			assert_int_equal(rc, 0);
			assert_false(ctlmsg_rx_idle(&rx));
			assert_null(ctlmsg_rx_msg(&rx, &consumed));
		} else {
			assert_int_equal(rc, 1);
		}
	}
	assert_msg(req);
}

static void test_two_frames_in_one_buffer(void **state)
{
	static const char second[] = "{\"cmd\":\"events\",\"args\":{\"count\":5}}";
	uint8_t out[128];
	size_t consumed = 0, off;
	int n1, n2;

	(void)state;
	n1 = ctlmsg_frame(req, strlen(req), out, sizeof(out));
	assert_true(n1 > 0);
	n2 = ctlmsg_frame(second, strlen(second), out + n1, sizeof(out) - (size_t)n1);
	assert_true(n2 > 0);

	rx_start();
	assert_int_equal(ctlmsg_rx_feed(&rx, out, (size_t)(n1 + n2), &consumed), 1);
	assert_int_equal(consumed, n1);
	assert_msg(req);
	off = consumed;
	assert_int_equal(ctlmsg_rx_feed(&rx, out + off, (size_t)(n1 + n2) - off, &consumed), 1);
	assert_int_equal(consumed, n2);
	assert_msg(second);
	/* Nothing left: the next feed discards the message and waits. */
	assert_int_equal(ctlmsg_rx_feed(&rx, out, 0, &consumed), 0);
	assert_int_equal(consumed, 0);
	assert_null(ctlmsg_rx_msg(&rx, &consumed));
	assert_true(ctlmsg_rx_idle(&rx));
}

static void test_zero_length(void **state)
{
	static const uint8_t zero[] = { 0, 0, 0, 0, '{', '}' };
	size_t consumed = 99;

	(void)state;
	rx_start();
	assert_int_equal(ctlmsg_rx_feed(&rx, zero, sizeof(zero), &consumed), CTLMSG_E_EMPTY);
	assert_int_equal(consumed, CTLMSG_HDR_LEN);
	assert_false(ctlmsg_rx_idle(&rx));
	assert_int_equal(ctlmsg_rx_need(&rx), 0);
	/* Sticky: the framing is lost, nothing more is taken. */
	assert_int_equal(ctlmsg_rx_feed(&rx, zero + 4, 2, &consumed), CTLMSG_E_EMPTY);
	assert_int_equal(consumed, 0);
}

static void check_too_long(const uint8_t hdr[4])
{
	size_t consumed = 99;

	memcpy(big, hdr, 4);
	memset(big + 4, '{', 100);
	rx_start();
	/* Rejected on the header alone, before any payload is accepted. */
	assert_int_equal(ctlmsg_rx_feed(&rx, big, 104, &consumed), CTLMSG_E_TOO_LONG);
	assert_int_equal(consumed, CTLMSG_HDR_LEN);
	assert_null(ctlmsg_rx_msg(&rx, &consumed));
	assert_int_equal(ctlmsg_rx_feed(&rx, big + 4, 100, &consumed), CTLMSG_E_TOO_LONG);
	assert_int_equal(consumed, 0);

	/* Also when the header arrives a byte at a time. */
	rx_start();
	assert_int_equal(ctlmsg_rx_feed(&rx, big, 3, &consumed), 0);
	assert_int_equal(ctlmsg_rx_feed(&rx, big + 3, 1, &consumed), CTLMSG_E_TOO_LONG);
	assert_int_equal(consumed, 1);
}

static void test_too_long(void **state)
{
	static const uint8_t just_over[4] = { 0x00, 0x10, 0x00, 0x01 }; /* CTLMSG_MAX + 1 */
	static const uint8_t all_ones[4] = { 0xff, 0xff, 0xff, 0xff };
	static const uint8_t high_bit[4] = { 0x80, 0x00, 0x00, 0x10 };

	(void)state;
	check_too_long(just_over);
	check_too_long(all_ones);
	check_too_long(high_bit);
}

static void test_truncated_header(void **state)
{
	static const uint8_t part[] = { 0x00, 0x00, 0x00 };
	size_t consumed = 0;
	const char *msg;

	(void)state;
	rx_start();
	assert_int_equal(ctlmsg_rx_feed(&rx, part, sizeof(part), &consumed), 0);
	assert_int_equal(consumed, sizeof(part));
	assert_false(ctlmsg_rx_idle(&rx));
	assert_int_equal(ctlmsg_rx_need(&rx), 1);
	msg = ctlmsg_rx_msg(&rx, &consumed);
	assert_null(msg);

	/* The payload then arrives and completes the frame. */
	assert_int_equal(ctlmsg_rx_feed(&rx, (const uint8_t *)"\x02{}", 3, &consumed), 1);
	assert_int_equal(consumed, 3);
	assert_msg("{}");
}

static void test_truncated_payload(void **state)
{
	uint8_t out[64];
	size_t consumed = 0;
	int n;

	(void)state;
	n = ctlmsg_frame(req, strlen(req), out, sizeof(out));
	assert_true(n > 0);
	rx_start();
	assert_int_equal(ctlmsg_rx_feed(&rx, out, (size_t)n - 1, &consumed), 0);
	assert_int_equal(consumed, n - 1);
	assert_false(ctlmsg_rx_idle(&rx));
	assert_int_equal(ctlmsg_rx_need(&rx), 1);
	assert_null(ctlmsg_rx_msg(&rx, &consumed));
}

/*
 * vipd's decoders take requests of CTLMSG_REQ_MAX bytes at most: one byte
 * more is refused on the header, before any payload lands in the small buffer.
 */
static void test_request_limit(void **state)
{
	static char small[CTLMSG_REQ_MAX + 1];
	size_t consumed = 0;
	int n;

	(void)state;
	memset(payload, 'r', sizeof(payload));
	ctlmsg_rx_init(&rx, small, CTLMSG_REQ_MAX);
	n = ctlmsg_frame(payload, CTLMSG_REQ_MAX, big, sizeof(big));
	assert_int_equal(ctlmsg_rx_feed(&rx, big, (size_t)n, &consumed), 1);
	assert_int_equal(consumed, n);
	assert_int_equal(small[CTLMSG_REQ_MAX - 1], 'r');
	assert_int_equal(small[CTLMSG_REQ_MAX], '\0');

	ctlmsg_rx_init(&rx, small, CTLMSG_REQ_MAX);
	n = ctlmsg_frame(payload, CTLMSG_REQ_MAX + 1, big, sizeof(big));
	assert_int_equal(n, CTLMSG_HDR_LEN + CTLMSG_REQ_MAX + 1);
	assert_int_equal(ctlmsg_rx_feed(&rx, big, (size_t)n, &consumed), CTLMSG_E_TOO_LONG);
	assert_int_equal(consumed, CTLMSG_HDR_LEN);
	assert_int_equal(ctlmsg_rx_need(&rx), 0);

	/* A limit above CTLMSG_MAX is clamped to it, zero to one byte. */
	ctlmsg_rx_init(&rx, rx_buf, CTLMSG_MAX + 100);
	assert_int_equal(rx.max, CTLMSG_MAX);
	ctlmsg_rx_init(&rx, small, 0);
	assert_int_equal(rx.max, 1);
	assert_int_equal(ctlmsg_rx_feed(&rx, (const uint8_t *)"\0\0\0\x02{}", 6, &consumed),
			 CTLMSG_E_TOO_LONG);
}

static void test_strerror(void **state)
{
	(void)state;
	assert_string_equal(ctlmsg_strerror(CTLMSG_E_TOO_LONG), "message too long");
	assert_string_equal(ctlmsg_strerror(CTLMSG_E_EMPTY), "empty message");
	assert_string_equal(ctlmsg_strerror(CTLMSG_E_SPACE), "frame buffer too small");
	assert_string_equal(ctlmsg_strerror(-42), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_round_trip),
		cmocka_unit_test(test_frame_length_is_big_endian),
		cmocka_unit_test(test_frame_errors),
		cmocka_unit_test(test_split_byte_by_byte),
		cmocka_unit_test(test_two_frames_in_one_buffer),
		cmocka_unit_test(test_zero_length),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_truncated_header),
		cmocka_unit_test(test_truncated_payload),
		cmocka_unit_test(test_request_limit),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests_name("ctlmsg", tests, NULL, NULL);
}
