/*
 * test_sipmsg.c - the SIP check's answer matching (sipmsg.c) and the call
 * count parser (calls.c): real responses as kamailio, Asterisk and
 * FreeSWITCH write them, and the stray, forged and malformed ones that
 * must not pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "calls.h"
#include "sipmsg.h"

#define ID "0123456789abcdef0123456789abcdef@vipd"
#define BR "z9hG4bK00112233445566778899aabbccddeeff"

static int match(const char *m, size_t *hdr)
{
	return sipmsg_match(m, strlen(m), ID, 7, BR, hdr);
}

static void test_kamailio_200(void **st)
{
	const char *m =
		"SIP/2.0 200 Keepalive\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:40000;branch=" BR ";rport=40000;received=127.0.0.1\r\n"
		"From: <sip:vipd@127.0.0.1:40000>;tag=aa\r\n"
		"To: <sip:127.0.0.1:5060>;tag=bb\r\n"
		"Call-ID: " ID "\r\n"
		"CSeq: 7 OPTIONS\r\n"
		"Server: kamailio (5.6.3 (x86_64/linux))\r\n"
		"Content-Length: 0\r\n\r\n";
	size_t hdr;

	(void)st;
	assert_int_equal(match(m, &hdr), 200);
	assert_int_equal(hdr, strlen(m));
}

static void test_compact_forms_and_case(void **st)
{
	const char *m = "SIP/2.0 404 Not Here\r\n"
			"v: SIP/2.0/UDP 127.0.0.1:40000;BRANCH=" BR "\r\n"
			"i: " ID "\r\n"
			"cseq:   7    OPTIONS\r\n"
			"l: 0\r\n\r\n";
	size_t hdr;

	(void)st;
	assert_int_equal(match(m, &hdr), 404); /* a 404 still shows a live server */
}

static void test_provisional_and_codes(void **st)
{
	char m[512];
	size_t hdr;

	(void)st;
	snprintf(m, sizeof(m),
		 "SIP/2.0 100 Trying\r\nVia: SIP/2.0/UDP x;branch=%s\r\n"
		 "Call-ID: %s\r\nCSeq: 7 OPTIONS\r\n\r\n",
		 BR, ID);
	assert_int_equal(match(m, &hdr), 100);
	snprintf(m, sizeof(m),
		 "SIP/2.0 483 Too Many Hops\nVia: SIP/2.0/UDP x;branch=%s\n"
		 "Call-ID: %s\nCSeq: 7 OPTIONS\n\n",
		 BR, ID);
	assert_int_equal(match(m, &hdr), 483); /* bare LF line ends are accepted */
}

static void test_stray_answers_do_not_match(void **st)
{
	char m[512];
	size_t hdr;

	(void)st;
	/* Another Call-ID (a forged or late answer). */
	snprintf(m, sizeof(m),
		 "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP x;branch=%s\r\n"
		 "Call-ID: ffff@vipd\r\nCSeq: 7 OPTIONS\r\n\r\n",
		 BR);
	assert_int_equal(match(m, &hdr), -2);
	/* The previous check's CSeq. */
	snprintf(m, sizeof(m),
		 "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP x;branch=%s\r\n"
		 "Call-ID: %s\r\nCSeq: 6 OPTIONS\r\n\r\n",
		 BR, ID);
	assert_int_equal(match(m, &hdr), -2);
	/* Another method. */
	snprintf(m, sizeof(m),
		 "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP x;branch=%s\r\n"
		 "Call-ID: %s\r\nCSeq: 7 INVITE\r\n\r\n",
		 BR, ID);
	assert_int_equal(match(m, &hdr), -2);
	/* Our branch only in a second Via: not the top one. */
	snprintf(m, sizeof(m),
		 "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP y;branch=z9hG4bKother\r\n"
		 "Via: SIP/2.0/UDP x;branch=%s\r\nCall-ID: %s\r\nCSeq: 7 OPTIONS\r\n\r\n",
		 BR, ID);
	assert_int_equal(match(m, &hdr), -2);
	/* A longer branch that starts with ours. */
	snprintf(m, sizeof(m),
		 "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP x;branch=%sXX\r\n"
		 "Call-ID: %s\r\nCSeq: 7 OPTIONS\r\n\r\n",
		 BR, ID);
	assert_int_equal(match(m, &hdr), -2);
	/* No Via at all. */
	snprintf(m, sizeof(m), "SIP/2.0 200 OK\r\nCall-ID: %s\r\nCSeq: 7 OPTIONS\r\n\r\n", ID);
	assert_int_equal(match(m, &hdr), -2);
}

static void test_garbage_is_no_sip(void **st)
{
	const char *bad[] = {
		"",
		"HTTP/1.1 200 OK\r\n\r\n",
		"SIP/2.0 2000 OK\r\n\r\n",
		"SIP/2.0 099 x\r\n\r\n",
		"SIP/2.0 700 x\r\n\r\n",
		"OPTIONS sip:x SIP/2.0\r\n\r\n",
		"\x00\x01\x02garbage",
		"SIP/2.0 200 OK\r\nCall-ID: " ID "\r\n", /* no end of headers */
	};
	size_t hdr;

	(void)st;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(match(bad[i], &hdr), -1);
	assert_int_equal(hdr, 0);
}

static void test_truncated_prefixes_never_overread(void **st)
{
	char m[512];
	size_t hdr;
	int n = snprintf(m, sizeof(m),
			 "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP x;branch=%s\r\n"
			 "Call-ID: %s\r\nCSeq: 7 OPTIONS\r\n\r\n",
			 BR, ID);

	(void)st;
	/* Every prefix is either no SIP yet or (the whole message) a match: ASan watches. */
	for (int len = 0; len < n; len++) {
		char cut[512];

		memcpy(cut, m, (size_t)len);
		assert_true(sipmsg_match(cut, (size_t)len, ID, 7, BR, &hdr) < 0);
	}
	assert_int_equal(sipmsg_match(m, (size_t)n, ID, 7, BR, &hdr), 200);
}

static void test_calls_parse(void **st)
{
	const struct {
		const char *out;
		int64_t want;
	} t[] = {
		{ "0\n", 0 },
		{ "3", 3 },
		{ "  12 \n", 12 },
		{ "\n7\r\n", 7 },
		{ "", -1 },
		{ "\n", -1 },
		{ "-1\n", -1 },
		{ "3 calls\n", -1 },
		{ "Unable to connect to remote asterisk\n", -1 },
		{ "1\n2\n", -1 },
		{ "99999999999999999999\n", -1 },
		{ "0x10\n", -1 },
	};

	(void)st;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(calls_parse(t[i].out, strlen(t[i].out)), t[i].want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kamailio_200),
		cmocka_unit_test(test_compact_forms_and_case),
		cmocka_unit_test(test_provisional_and_codes),
		cmocka_unit_test(test_stray_answers_do_not_match),
		cmocka_unit_test(test_garbage_is_no_sip),
		cmocka_unit_test(test_truncated_prefixes_never_overread),
		cmocka_unit_test(test_calls_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
