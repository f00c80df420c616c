/*
 * test_proto.c - unit tests of the heartbeat wire format (src/proto.c):
 * round trips, the exact bytes on the wire, and every reason a received
 * packet is dropped, each with the error it must produce.
 *
 * Field checks sit behind the HMAC, so tests that tamper with a field
 * re-sign the packet with resign(), which computes the MAC on its own
 * rather than through proto.c.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "pk.h"
#include "proto.h"

static const uint8_t key[32] = {
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa,
	0xab, 0xac, 0xad, 0xae, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5,
	0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
};

/*
 * sample() encoded with key: the first 108 bytes written by hand from the
 * layout in proto.h, the MAC computed outside vipd by
 * `openssl dgst -sha256 -mac HMAC -macopt hexkey:a0a1...bf` over them.
 */
/* clang-format off */
static const uint8_t sample_wire[PROTO_LEN] = {
	'V', 'I', 'P', 'D',			/* magic */
	2,					/* version */
	1,					/* type: heartbeat */
	2,					/* state: MASTER */
	100,					/* priority */
	0x00, 0x11,				/* flags: UPSTREAM | QUERY */
	0x00, 0xc8,				/* interval: 200 ms */
	0x01, 0x02, 0x03, 0x04,			/* group id */
	0x41, 0x42, 0x43, 0x44,			/* key id */
	0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, /* digests */
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, /* nonce */
	0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, /* challenge */
	0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, /* echo */
	0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, /* echo_new */
	0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, /* seq */
	0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, /* peer seq */
	'p', 'b', 'x', '-', 'a', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* name */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0x93, 0x69, 0xed, 0x8a, 0xd2, 0xfa, 0x4e, 0xe4, /* HMAC-SHA256 */
	0x08, 0x64, 0xce, 0x45, 0x31, 0x14, 0x03, 0x25,
	0x28, 0x82, 0x4f, 0xf4, 0xc4, 0x57, 0x99, 0x93,
	0xb0, 0x6b, 0x7d, 0x67, 0xec, 0x0f, 0x61, 0xdc,
};
/* clang-format on */

/* A valid packet whose fields all differ from each other and from 0. */
static struct proto_pkt sample(void)
{
	struct proto_pkt p;

	memset(&p, 0, sizeof(p));
	p.type = PROTO_T_HEARTBEAT;
	p.state = PROTO_ST_MASTER;
	p.priority = 100;
	p.flags = PROTO_F_UPSTREAM | PROTO_F_QUERY;
	p.interval_ms = 200;
	p.group_id = 0x01020304;
	p.key_id = 0x41424344;
	p.digest[0] = 0x5152;
	p.digest[1] = 0x5354;
	p.digest[2] = 0x5556;
	p.digest[3] = 0x5758;
	p.nonce = 0x1112131415161718;
	p.challenge = 0x8182838485868788;
	p.echo = 0x6162636465666768;
	p.echo_new = 0x7172737475767778;
	p.seq = 0x2122232425262728;
	p.peer_seq = 0x3132333435363738;
	strcpy(p.name, "pbx-a");
	return p;
}

/* Encode @p with key into @buf; the test fails if that fails. */
static void encode(const struct proto_pkt *p, uint8_t *buf)
{
	assert_int_equal(proto_encode(p, pk(key, sizeof(key)), buf, PROTO_LEN), PROTO_LEN);
}

/* Replace the MAC of @buf with HMAC-SHA256(@k, bytes 0..71), computed here. */
static void resign(uint8_t *buf, const uint8_t *k, size_t k_len)
{
	unsigned int len = 0;

	assert_non_null(
		HMAC(EVP_sha256(), k, (int)k_len, buf, PROTO_MAC_OFF, buf + PROTO_MAC_OFF, &len));
	assert_int_equal(len, PROTO_LEN - PROTO_MAC_OFF);
}

static void put_be(uint8_t *b, uint64_t v, size_t len)
{
	while (len-- > 0) {
		b[len] = (uint8_t)v;
		v >>= 8;
	}
}

static void assert_pkt_equal(const struct proto_pkt *a, const struct proto_pkt *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->priority, b->priority);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->interval_ms, b->interval_ms);
	assert_int_equal(a->group_id, b->group_id);
	assert_int_equal(a->key_id, b->key_id);
	assert_memory_equal(a->digest, b->digest, sizeof(a->digest));
	assert_true(a->nonce == b->nonce);
	assert_true(a->challenge == b->challenge);
	assert_true(a->echo == b->echo);
	assert_true(a->echo_new == b->echo_new);
	assert_true(a->seq == b->seq);
	assert_true(a->peer_seq == b->peer_seq);
	assert_string_equal(a->name, b->name);
}

/* Encode @p, decode it again and compare every field. */
static void round_trip(const struct proto_pkt *p)
{
	uint8_t buf[PROTO_LEN];
	struct proto_pkt d;

	encode(p, buf);
	memset(&d, 0x5a, sizeof(d));
	assert_int_equal(proto_decode(buf, sizeof(buf), pk(key, sizeof(key)), &d), PROTO_OK);
	assert_pkt_equal(&d, p);
}

static void test_round_trip(void **state)
{
	struct proto_pkt p = sample();

	(void)state;
	round_trip(&p);
}

static void test_round_trip_max(void **state)
{
	struct proto_pkt p = sample();

	(void)state;
	p.state = PROTO_ST_COUNT - 1;
	p.priority = 255;
	p.flags = PROTO_F_ALL;
	p.interval_ms = UINT16_MAX;
	p.group_id = UINT32_MAX;
	p.key_id = UINT32_MAX;
	p.nonce = UINT64_MAX;
	p.challenge = UINT64_MAX;
	p.echo = UINT64_MAX;
	p.echo_new = UINT64_MAX;
	p.seq = UINT64_MAX;
	p.peer_seq = UINT64_MAX;
	memset(p.name, '~', PROTO_NAME_MAX - 1);
	p.name[PROTO_NAME_MAX - 1] = '\0';
	round_trip(&p);
}

static void test_round_trip_min(void **state)
{
	struct proto_pkt p = sample();

	(void)state;
	p.state = PROTO_ST_INIT;
	p.priority = 1;
	p.flags = 0;
	p.interval_ms = 1;
	p.group_id = 1;
	p.key_id = 0;
	memset(p.digest, 0, sizeof(p.digest));
	p.nonce = 1;
	p.challenge = 1;
	p.echo = 0;
	p.echo_new = 0;
	p.seq = 1;
	p.peer_seq = 0;
	strcpy(p.name, "!");
	round_trip(&p);
}

/* Every state with every single flag, so no value is mapped onto another. */
static void test_round_trip_states_flags(void **state)
{
	struct proto_pkt p = sample();
	unsigned st, bit;

	(void)state;
	for (st = 0; st < PROTO_ST_COUNT; st++) {
		for (bit = 0; bit < 16; bit++) {
			if (!(PROTO_F_ALL & (1u << bit)))
				continue;
			p.state = (uint8_t)st;
			p.flags = (uint16_t)(1u << bit);
			round_trip(&p);
		}
	}
}

/* The whole packet, byte for byte, against the hand-written sample_wire. */
static void test_layout(void **state)
{
	struct proto_pkt p = sample();
	uint8_t buf[PROTO_LEN];

	(void)state;
	encode(&p, buf);
	assert_memory_equal(buf, "VIPD", 4);
	assert_int_equal(buf[4], PROTO_VERSION);
	assert_int_equal(buf[5], PROTO_T_HEARTBEAT);
	assert_int_equal(buf[12], 0x01); /* group id, most significant byte first */
	assert_int_equal(buf[15], 0x04);
	assert_int_equal(buf[60], 0x21); /* seq, most significant byte first */
	assert_int_equal(buf[67], 0x28);
	assert_memory_equal(buf, sample_wire, PROTO_LEN);
}

/* Decoding the hand-written bytes gives sample(): decode is no mirror of encode's bugs. */
static void test_decode_known_bytes(void **state)
{
	struct proto_pkt want = sample(), d;

	(void)state;
	assert_int_equal(proto_decode(sample_wire, PROTO_LEN, pk(key, sizeof(key)), &d), PROTO_OK);
	assert_pkt_equal(&d, &want);
}

/* Fields are read byte by byte: a packet at an odd address decodes the same. */
static void test_unaligned(void **state)
{
	uint8_t store[PROTO_LEN + 1];
	uint8_t *buf = store + 1;
	struct proto_pkt p = sample(), d;
	uint32_t group = 0;

	(void)state;
	assert_int_equal(proto_encode(&p, pk(key, sizeof(key)), buf, PROTO_LEN), PROTO_LEN);
	assert_memory_equal(buf, sample_wire, PROTO_LEN);
	assert_int_equal(proto_decode(buf, PROTO_LEN, pk(key, sizeof(key)), &d), PROTO_OK);
	assert_pkt_equal(&d, &p);
	assert_int_equal(proto_peek_group(buf, PROTO_LEN, &group), PROTO_OK);
	assert_int_equal(group, p.group_id);
}

static void test_decode_short(void **state)
{
	static const size_t lens[] = { 0, 1, 4, 5, 71, 72, PROTO_LEN - 1 };
	struct proto_pkt d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		/* A heap copy of exactly the given length, so ASan sees any over-read. */
		uint8_t *buf = malloc(lens[i] ? lens[i] : 1);

		assert_non_null(buf);
		memcpy(buf, sample_wire, lens[i]);
		assert_int_equal(proto_decode(buf, lens[i], pk(key, sizeof(key)), &d),
				 PROTO_E_SHORT);
		free(buf);
	}
}

/*
 * A heartbeat of an older vipd (version 1, 104 bytes) is told apart from a
 * short packet: the version is read before the length, so a half-done
 * upgrade is counted as such.
 */
static void test_decode_v1(void **state)
{
	uint8_t buf[104];
	struct proto_pkt d;
	uint32_t id;

	(void)state;
	memcpy(buf, sample_wire, sizeof(buf));
	buf[4] = 1;
	assert_int_equal(proto_decode(buf, sizeof(buf), pk(key, sizeof(key)), &d), PROTO_E_VERSION);
	assert_int_equal(proto_peek_key(buf, sizeof(buf), &id), PROTO_E_VERSION);
}

/* The key id names the key without revealing it, and the receiver reads it unauthenticated. */
static void test_key_id(void **state)
{
	static const uint8_t other[32] = { 1 };
	struct proto_pkt p = sample();
	uint8_t buf[PROTO_LEN];
	uint32_t id = 0;

	(void)state;
	assert_int_equal(proto_key_id(key, sizeof(key)), proto_key_id(key, sizeof(key)));
	assert_int_not_equal(proto_key_id(key, sizeof(key)), proto_key_id(other, sizeof(other)));
	p.key_id = proto_key_id(key, sizeof(key));
	encode(&p, buf);
	assert_int_equal(proto_peek_key(buf, sizeof(buf), &id), PROTO_OK);
	assert_int_equal(id, p.key_id);
	/* Equal settings, equal digests; any change, another one (here). */
	assert_int_equal(proto_digest("abc", 3), proto_digest("abc", 3));
	assert_int_not_equal(proto_digest("abc", 3), proto_digest("abd", 3));
}

static void test_decode_long(void **state)
{
	static const size_t lens[] = { PROTO_LEN + 1, (size_t)PROTO_LEN * 2, 2000 };
	uint8_t buf[2000];
	struct proto_pkt d;
	size_t i;

	(void)state;
	memset(buf, 0, sizeof(buf));
	memcpy(buf, sample_wire, PROTO_LEN);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		assert_int_equal(proto_decode(buf, lens[i], pk(key, sizeof(key)), &d),
				 PROTO_E_LONG);
	/* The packet itself is fine: only the extra length is refused. */
	assert_int_equal(proto_decode(buf, PROTO_LEN, pk(key, sizeof(key)), &d), PROTO_OK);
}

/* Each magic byte wrong, even with a valid MAC over it, is MAGIC. */
static void test_decode_magic(void **state)
{
	uint8_t buf[PROTO_LEN];
	struct proto_pkt d;
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		memcpy(buf, sample_wire, PROTO_LEN);
		buf[i] = (uint8_t)(buf[i] + 1);
		resign(buf, key, sizeof(key));
		assert_int_equal(proto_decode(buf, PROTO_LEN, pk(key, sizeof(key)), &d),
				 PROTO_E_MAGIC);
	}
	/* The magic in lower case. */
	memcpy(buf, sample_wire, PROTO_LEN);
	for (i = 0; i < 4; i++)
		buf[i] = (uint8_t)(buf[i] | 0x20);
	resign(buf, key, sizeof(key));
	assert_int_equal(proto_decode(buf, PROTO_LEN, pk(key, sizeof(key)), &d), PROTO_E_MAGIC);
}

static void test_decode_version(void **state)
{
	static const uint8_t versions[] = { 0, PROTO_VERSION + 1, 255 };
	uint8_t buf[PROTO_LEN];
	struct proto_pkt d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(versions); i++) {
		memcpy(buf, sample_wire, PROTO_LEN);
		buf[4] = versions[i];
		resign(buf, key, sizeof(key));
		assert_int_equal(proto_decode(buf, PROTO_LEN, pk(key, sizeof(key)), &d),
				 PROTO_E_VERSION);
	}
}

/* Any single bit flipped anywhere: the header checks catch it first, the MAC the rest. */
static void test_decode_bit_flips(void **state)
{
	uint8_t buf[PROTO_LEN];
	struct proto_pkt d;
	size_t i;
	unsigned bit;
	int want;

	(void)state;
	for (i = 0; i < PROTO_LEN; i++) {
		want = i < 4 ? PROTO_E_MAGIC : i == 4 ? PROTO_E_VERSION : PROTO_E_AUTH;
		for (bit = 0; bit < 8; bit++) {
			memcpy(buf, sample_wire, PROTO_LEN);
			buf[i] ^= (uint8_t)(1u << bit);
			if (proto_decode(buf, PROTO_LEN, pk(key, sizeof(key)), &d) != want)
				fail_msg("byte %zu bit %u: expected %s", i, bit,
					 proto_err_key(want));
		}
	}
}

static void test_decode_wrong_key(void **state)
{
	uint8_t k[sizeof(key) + 1];
	struct proto_pkt d;
	size_t i;
	unsigned bit;

	(void)state;
	/* The same key with any one bit flipped. */
	for (i = 0; i < sizeof(key); i++) {
		for (bit = 0; bit < 8; bit++) {
			memcpy(k, key, sizeof(key));
			k[i] ^= (uint8_t)(1u << bit);
			if (proto_decode(sample_wire, PROTO_LEN, pk(k, sizeof(key)), &d) !=
			    PROTO_E_AUTH)
				fail_msg("key byte %zu bit %u flipped: not AUTH", i, bit);
		}
	}
	/* A prefix of the key, and the key with one more byte. The extra byte
	 * is not 0: HMAC zero-pads short keys, so key || 0x00 is the same key. */
	assert_int_equal(proto_decode(sample_wire, PROTO_LEN, pk(key, sizeof(key) - 1), &d),
			 PROTO_E_AUTH);
	assert_int_equal(proto_decode(sample_wire, PROTO_LEN, pk(key, 1), &d), PROTO_E_AUTH);
	memcpy(k, key, sizeof(key));
	k[sizeof(key)] = 0x01;
	assert_int_equal(proto_decode(sample_wire, PROTO_LEN, pk(k, sizeof(k)), &d), PROTO_E_AUTH);
	/* The same key is still accepted, so the failures above are about the key. */
	assert_int_equal(proto_decode(sample_wire, PROTO_LEN, pk(key, sizeof(key)), &d), PROTO_OK);
}

/* A tampered field: @len bytes at @off. Names are always written whole. */
struct wire_case {
	const char *what;
	size_t off;
	size_t len;
	uint8_t bytes[PROTO_NAME_MAX];
};

#define NAME_OFF 76

static const struct wire_case bad_fields[] = {
	{ "type 0", 5, 1, { 0 } },
	{ "type 2", 5, 1, { 2 } },
	{ "type 255", 5, 1, { 255 } },
	{ "state PROTO_ST_COUNT", 6, 1, { PROTO_ST_COUNT } },
	{ "state 255", 6, 1, { 255 } },
	{ "priority 0", 7, 1, { 0 } },
	{ "flag 0x0020", 8, 2, { 0x00, 0x20 } },
	{ "flag 0x0100", 8, 2, { 0x01, 0x00 } },
	{ "flag 0x8000", 8, 2, { 0x80, 0x00 } },
	{ "flags 0xffff", 8, 2, { 0xff, 0xff } },
	{ "interval 0", 10, 2, { 0, 0 } },
	{ "group 0", 12, 4, { 0 } },
	{ "nonce 0", 28, 8, { 0 } },
	{ "challenge 0", 36, 8, { 0 } },
	{ "seq 0", 60, 8, { 0 } },
	{ "name empty", NAME_OFF, 32, { 0 } },
	{ "name empty, bytes after", NAME_OFF, 32, "\0a" },
	{ "name with a space", NAME_OFF, 32, "pbx a" },
	{ "name starting with a space", NAME_OFF, 32, " pbx" },
	{ "name with 0x01", NAME_OFF, 32, "p\x01" },
	{ "name with a tab", NAME_OFF, 32, "p\tb" },
	{ "name with a newline", NAME_OFF, 32, "pbx\n" },
	{ "name with DEL", NAME_OFF, 32, "p\x7f" },
	{ "name with 0x80", NAME_OFF, 32, "p\x80" },
	{ "name with 0xff", NAME_OFF, 32, "\xff" },
	{ "name unterminated", NAME_OFF, 32, { 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a',
					       'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a',
					       'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a',
					       'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a' } },
	{ "name, garbage after NUL", NAME_OFF, 32, "pbx\0y" },
	{ "name, last byte not NUL", NAME_OFF, 32, { 'p', 'b', 'x', [31] = 1 } },
};

/* Edge values that must pass, so the rejections above are about the value. */
static const struct wire_case good_fields[] = {
	{ "unchanged", 0, 0, { 0 } },
	{ "state STOPPING", 6, 1, { PROTO_ST_STOPPING } },
	{ "priority 1", 7, 1, { 1 } },
	{ "priority 255", 7, 1, { 255 } },
	{ "flags PROTO_F_ALL", 8, 2, { 0x00, PROTO_F_ALL } },
	{ "flags 0", 8, 2, { 0, 0 } },
	{ "interval 1", 10, 2, { 0, 1 } },
	{ "group 1", 12, 4, { 0, 0, 0, 1 } },
	{ "key id 0", 16, 4, { 0 } },
	{ "digests 0", 20, 8, { 0 } },
	{ "nonce 1", 28, 8, { 0, 0, 0, 0, 0, 0, 0, 1 } },
	{ "challenge 1", 36, 8, { 0, 0, 0, 0, 0, 0, 0, 1 } },
	{ "echo 0", 44, 8, { 0 } },
	{ "echo_new 0", 52, 8, { 0 } },
	{ "seq 1", 60, 8, { 0, 0, 0, 0, 0, 0, 0, 1 } },
	{ "peer seq 0", 68, 8, { 0 } },
	{ "name \"!\"", NAME_OFF, 32, "!" },
	{ "name \"~\"", NAME_OFF, 32, "~" },
	{ "31-char name", NAME_OFF, 32, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaz" },
};

/* sample_wire with @c applied, re-signed with key when @sign. */
static void apply(uint8_t *buf, const struct wire_case *c, int sign)
{
	memcpy(buf, sample_wire, PROTO_LEN);
	memcpy(buf + c->off, c->bytes, c->len);
	if (sign)
		resign(buf, key, sizeof(key));
}

static void test_decode_fields(void **state)
{
	uint8_t buf[PROTO_LEN];
	struct proto_pkt d;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(bad_fields) / sizeof(bad_fields[0]); i++) {
		/* Unsigned, the change is caught by the MAC... */
		apply(buf, &bad_fields[i], 0);
		rc = proto_decode(buf, PROTO_LEN, pk(key, sizeof(key)), &d);
		if (rc != PROTO_E_AUTH)
			fail_msg("%s, not re-signed: got %s, want auth", bad_fields[i].what,
				 proto_err_key(rc));
		/* ...and re-signed, by the field check. */
		apply(buf, &bad_fields[i], 1);
		rc = proto_decode(buf, PROTO_LEN, pk(key, sizeof(key)), &d);
		if (rc != PROTO_E_FIELD)
			fail_msg("%s: got %s, want field", bad_fields[i].what, proto_err_key(rc));
	}
	for (i = 0; i < sizeof(good_fields) / sizeof(good_fields[0]); i++) {
		apply(buf, &good_fields[i], 1);
		rc = proto_decode(buf, PROTO_LEN, pk(key, sizeof(key)), &d);
		if (rc != PROTO_OK)
			fail_msg("%s: got %s, want ok", good_fields[i].what, proto_err_key(rc));
	}
}

/* A fixed-seed generator, so garbage tests are repeatable. */
static uint32_t rnd(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 16;
}

static void fill(uint8_t *buf, size_t len, uint32_t *s)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)rnd(s);
}

static void test_decode_garbage(void **state)
{
	uint8_t buf[300];
	struct proto_pkt d;
	uint32_t seed = 1;
	size_t len;
	int i, rc, want;

	(void)state;
	memset(buf, 0, PROTO_LEN);
	assert_int_equal(proto_decode(buf, PROTO_LEN, pk(key, sizeof(key)), &d), PROTO_E_MAGIC);
	memset(buf, 0xff, PROTO_LEN);
	assert_int_equal(proto_decode(buf, PROTO_LEN, pk(key, sizeof(key)), &d), PROTO_E_MAGIC);
	for (i = 0; i < 2000; i++) {
		/* A third exactly PROTO_LEN long, the rest any length up to 299. */
		len = i % 3 ? rnd(&seed) % sizeof(buf) : PROTO_LEN;
		fill(buf, sizeof(buf), &seed);
		if (i % 2 && len >= 5) {
			/* Half of them look like ours up to the version. */
			memcpy(buf, sample_wire, 5);
			want = PROTO_E_AUTH;
		} else {
			buf[0] = 'X';
			want = PROTO_E_MAGIC;
		}
		/* Magic and version come first (an older vipd's packet is shorter), then the
		 * length. */
		if (len < 5)
			want = PROTO_E_SHORT;
		else if (want != PROTO_E_MAGIC && len < PROTO_LEN)
			want = PROTO_E_SHORT;
		else if (want != PROTO_E_MAGIC && len > PROTO_LEN)
			want = PROTO_E_LONG;
		rc = proto_decode(buf, len, pk(key, sizeof(key)), &d);
		if (rc != want)
			fail_msg("garbage %d, %zu bytes: got %s, want %s", i, len,
				 proto_err_key(rc), proto_err_key(want));
	}
}

static void test_decode_bad_args(void **state)
{
	struct proto_pkt d;

	(void)state;
	assert_int_equal(proto_decode(NULL, PROTO_LEN, pk(key, sizeof(key)), &d), PROTO_E_ARG);
	assert_int_equal(proto_decode(sample_wire, PROTO_LEN, NULL, &d), PROTO_E_ARG);
	assert_int_equal(proto_decode(sample_wire, PROTO_LEN, pk(key, 0), &d), PROTO_E_ARG);
	assert_int_equal(proto_decode(sample_wire, PROTO_LEN, pk(key, sizeof(key)), NULL),
			 PROTO_E_ARG);
}

static void test_peek_group(void **state)
{
	uint8_t buf[PROTO_LEN + 1];
	uint32_t group;

	(void)state;
	memcpy(buf, sample_wire, PROTO_LEN);
	group = 0;
	assert_int_equal(proto_peek_group(buf, PROTO_LEN, &group), PROTO_OK);
	assert_int_equal(group, 0x01020304);

	/* No authentication: a bad MAC and a bad field still give the group. */
	put_be(buf + 12, 0xa1b2c3d4, 4);
	buf[6] = 200;
	memset(buf + PROTO_MAC_OFF, 0, PROTO_LEN - PROTO_MAC_OFF);
	group = 0;
	assert_int_equal(proto_peek_group(buf, PROTO_LEN, &group), PROTO_OK);
	assert_int_equal(group, 0xa1b2c3d4);

	assert_int_equal(proto_peek_group(buf, 0, &group), PROTO_E_SHORT);
	assert_int_equal(proto_peek_group(buf, 15, &group), PROTO_E_SHORT);
	assert_int_equal(proto_peek_group(buf, PROTO_LEN - 1, &group), PROTO_E_SHORT);
	assert_int_equal(proto_peek_group(buf, PROTO_LEN + 1, &group), PROTO_E_LONG);
	buf[3] = 'd';
	assert_int_equal(proto_peek_group(buf, PROTO_LEN, &group), PROTO_E_MAGIC);
	buf[3] = 'D';
	buf[4] = PROTO_VERSION + 1;
	assert_int_equal(proto_peek_group(buf, PROTO_LEN, &group), PROTO_E_VERSION);
	buf[4] = PROTO_VERSION;
	assert_int_equal(proto_peek_group(buf, PROTO_LEN, &group), PROTO_OK);
	assert_int_equal(proto_peek_group(NULL, PROTO_LEN, &group), PROTO_E_ARG);
	assert_int_equal(proto_peek_group(buf, PROTO_LEN, NULL), PROTO_E_ARG);
}

/* Make bad-field case @i of @p and return what it is, or NULL past the last. */
static const char *encode_bad_case(struct proto_pkt *p, int i)
{
	switch (i) {
	case 0:
		p->type = 0;
		return "type 0";
	case 1:
		p->type = 2;
		return "type 2";
	case 2:
		p->state = PROTO_ST_COUNT;
		return "state PROTO_ST_COUNT";
	case 3:
		p->state = 255;
		return "state 255";
	case 4:
		p->priority = 0;
		return "priority 0";
	case 5:
		p->flags = PROTO_F_ALL + 1;
		return "flags PROTO_F_ALL + 1";
	case 6:
		p->flags = 0x8000;
		return "flags 0x8000";
	case 7:
		p->interval_ms = 0;
		return "interval 0";
	case 8:
		p->group_id = 0;
		return "group 0";
	case 9:
		p->nonce = 0;
		return "nonce 0";
	case 10:
		p->seq = 0;
		return "seq 0";
	case 11:
		p->name[0] = '\0';
		return "name empty";
	case 12:
		memset(p->name, 'a', PROTO_NAME_MAX);
		return "name unterminated";
	case 13:
		strcpy(p->name, "pbx a");
		return "name with a space";
	case 14:
		strcpy(p->name, "pbx\n");
		return "name with a newline";
	case 15:
		p->name[1] = 0x7f;
		return "name with DEL";
	case 16:
		p->name[1] = (char)0xc3;
		return "name with 0xc3";
	}
	return NULL;
}

static void test_encode_bad_fields(void **state)
{
	uint8_t buf[PROTO_LEN];
	struct proto_pkt p;
	const char *what;
	int i, rc;

	(void)state;
	for (i = 0;; i++) {
		p = sample();
		what = encode_bad_case(&p, i);
		if (!what)
			break;
		rc = proto_encode(&p, pk(key, sizeof(key)), buf, sizeof(buf));
		if (rc != PROTO_E_ARG)
			fail_msg("encode %s: got %d, want arg", what, rc);
	}
	assert_int_equal(i, 17);
}

static void test_encode_bad_args(void **state)
{
	struct proto_pkt p = sample();
	uint8_t *small = malloc(PROTO_LEN - 1);
	uint8_t buf[PROTO_LEN];

	(void)state;
	assert_non_null(small);
	/* Exactly PROTO_LEN - 1 bytes on the heap: ASan would see a write past them. */
	assert_int_equal(proto_encode(&p, pk(key, sizeof(key)), small, PROTO_LEN - 1), PROTO_E_ARG);
	free(small);
	assert_int_equal(proto_encode(&p, pk(key, sizeof(key)), buf, 0), PROTO_E_ARG);
	assert_int_equal(proto_encode(&p, pk(key, sizeof(key)), NULL, PROTO_LEN), PROTO_E_ARG);
	assert_int_equal(proto_encode(NULL, pk(key, sizeof(key)), buf, PROTO_LEN), PROTO_E_ARG);
	assert_int_equal(proto_encode(&p, NULL, buf, PROTO_LEN), PROTO_E_ARG);
	assert_int_equal(proto_encode(&p, pk(key, 0), buf, PROTO_LEN), PROTO_E_ARG);
	/* The same call with good arguments works. */
	assert_int_equal(proto_encode(&p, pk(key, sizeof(key)), buf, PROTO_LEN), PROTO_LEN);
}

/* A larger buffer is fine; nothing past PROTO_LEN is written. */
static void test_encode_large_buffer(void **state)
{
	struct proto_pkt p = sample();
	uint8_t buf[PROTO_LEN + 64];
	size_t i;

	(void)state;
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(proto_encode(&p, pk(key, sizeof(key)), buf, sizeof(buf)), PROTO_LEN);
	assert_memory_equal(buf, sample_wire, PROTO_LEN);
	for (i = PROTO_LEN; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xaa);
}

/* Whatever follows the name's NUL in the struct goes out as zeros. */
static void test_encode_name_padding(void **state)
{
	struct proto_pkt p = sample(), d;
	uint8_t buf[PROTO_LEN];

	(void)state;
	memset(p.name, 'x', PROTO_NAME_MAX);
	memcpy(p.name, "pbx-a", 6);
	encode(&p, buf);
	assert_memory_equal(buf, sample_wire, PROTO_LEN);
	assert_int_equal(proto_decode(buf, PROTO_LEN, pk(key, sizeof(key)), &d), PROTO_OK);
	assert_string_equal(d.name, "pbx-a");
}

/* A packet signed with one key is refused with another, and accepted with its own. */
static void test_keys_of_any_length(void **state)
{
	static const uint8_t long_key[200] = { 1, 2, 3, [199] = 9 };
	struct proto_pkt p = sample(), d;
	uint8_t buf[PROTO_LEN];

	(void)state;
	assert_int_equal(proto_encode(&p, pk(long_key, sizeof(long_key)), buf, PROTO_LEN),
			 PROTO_LEN);
	assert_int_equal(proto_decode(buf, PROTO_LEN, pk(long_key, sizeof(long_key)), &d),
			 PROTO_OK);
	assert_int_equal(proto_decode(buf, PROTO_LEN, pk(key, sizeof(key)), &d), PROTO_E_AUTH);
	assert_int_equal(proto_decode(buf, PROTO_LEN, pk(long_key, 199), &d), PROTO_E_AUTH);
	resign(buf, key, sizeof(key));
	assert_int_equal(proto_decode(buf, PROTO_LEN, pk(key, sizeof(key)), &d), PROTO_OK);
}

/*
 * The keyed state made once is reused for every packet: for keys shorter
 * than, as long as and longer than SHA-256's 64-byte block (the long ones
 * are hashed first), each of two different packets signed with the same
 * struct proto_key carries OpenSSL's HMAC, and decodes with it.
 */
static void test_key_reuse_matches_openssl(void **state)
{
	static const size_t lens[] = { 1, 16, 32, 63, 64, 65, 128, 200 };
	uint8_t k[200], buf[PROTO_LEN], want[32];
	struct proto_key pkey;
	struct proto_pkt p = sample(), d;
	unsigned int mac_len;

	(void)state;
	for (size_t i = 0; i < sizeof(k); i++)
		k[i] = (uint8_t)(i * 7 + 3);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		assert_int_equal(proto_key_init(&pkey, k, lens[i]), PROTO_OK);
		for (uint64_t seq = 1; seq <= 2; seq++) {
			p.seq = seq;
			assert_int_equal(proto_encode(&p, &pkey, buf, PROTO_LEN), PROTO_LEN);
			mac_len = 0;
			assert_non_null(HMAC(EVP_sha256(), k, (int)lens[i], buf, PROTO_MAC_OFF,
					     want, &mac_len));
			assert_int_equal(mac_len, 32);
			if (memcmp(buf + PROTO_MAC_OFF, want, 32) != 0)
				fail_msg("key of %zu bytes, packet %llu: not OpenSSL's HMAC",
					 lens[i], (unsigned long long)seq);
			assert_int_equal(proto_decode(buf, PROTO_LEN, &pkey, &d), PROTO_OK);
			assert_int_equal(d.seq, seq);
		}
	}
	proto_key_clear(&pkey);
	assert_int_equal(proto_encode(&p, &pkey, buf, PROTO_LEN), PROTO_E_ARG);
}

/* No key, no proto_key; equal bytes make equal keys, other bytes other keys. */
static void test_key_init_equal(void **state)
{
	static const uint8_t other[32] = { 1 };
	struct proto_key a, b, c, none;

	(void)state;
	assert_int_equal(proto_key_init(&none, NULL, 32), PROTO_E_ARG);
	assert_int_equal(proto_key_init(&none, key, 0), PROTO_E_ARG);
	assert_int_equal(proto_key_init(NULL, key, sizeof(key)), PROTO_E_ARG);
	assert_int_equal(proto_decode(sample_wire, PROTO_LEN, &none, &(struct proto_pkt){ 0 }),
			 PROTO_E_ARG);
	assert_int_equal(proto_key_init(&a, key, sizeof(key)), PROTO_OK);
	assert_int_equal(proto_key_init(&b, key, sizeof(key)), PROTO_OK);
	assert_int_equal(proto_key_init(&c, other, sizeof(other)), PROTO_OK);
	assert_true(proto_key_equal(&a, &b));
	assert_false(proto_key_equal(&a, &c));
	assert_int_equal(proto_key_id_of(&a), proto_key_id(key, sizeof(key)));
	assert_int_equal(proto_key_id_of(&c), proto_key_id(other, sizeof(other)));
	assert_int_equal(proto_key_id_of(&none), 0);
	assert_false(proto_key_equal(&a, &none));
	assert_false(proto_key_equal(&none, &none));
	assert_false(proto_key_equal(&a, NULL));
}

static void test_err_strings(void **state)
{
	static const char *const keys[] = { "ok",   "short", "long", "magic", "version",
					    "auth", "field", "arg",  "key_id" };
	int err, other;

	(void)state;
	assert_int_equal(sizeof(keys) / sizeof(keys[0]), PROTO_E_COUNT);
	for (err = 0; err > -PROTO_E_COUNT; err--) {
		assert_string_equal(proto_err_key(err), keys[-err]);
		assert_non_null(proto_strerror(err));
		assert_true(strlen(proto_strerror(err)) > 0);
		for (other = 0; other > err; other--)
			assert_string_not_equal(proto_strerror(err), proto_strerror(other));
	}
	assert_string_equal(proto_err_key(PROTO_E_AUTH), "auth");
	assert_string_equal(proto_err_key(1), "unknown");
	assert_string_equal(proto_err_key(-PROTO_E_COUNT), "unknown");
	assert_string_equal(proto_err_key(INT_MIN), "unknown");
	assert_string_equal(proto_strerror(INT_MAX), "unknown error");
	assert_string_equal(proto_strerror(INT_MIN), "unknown error");
}

static void test_state_names(void **state)
{
	(void)state;
	assert_string_equal(proto_state_name(PROTO_ST_INIT), "INIT");
	assert_string_equal(proto_state_name(PROTO_ST_BACKUP), "BACKUP");
	assert_string_equal(proto_state_name(PROTO_ST_MASTER), "MASTER");
	assert_string_equal(proto_state_name(PROTO_ST_FAULT), "FAULT");
	assert_string_equal(proto_state_name(PROTO_ST_STOPPING), "STOPPING");
	assert_string_equal(proto_state_name(PROTO_ST_COUNT), "?");
	assert_string_equal(proto_state_name(UINT_MAX), "?");
}

/* Bundles (version 3): @n records of sample(), record i of group id 0x100 + i, seq 1000 + i. */
static size_t bundle_make(struct proto_pkt *p, size_t n, uint8_t *buf)
{
	int len;

	for (size_t i = 0; i < n; i++) {
		p[i] = sample();
		p[i].group_id = 0x100 + (uint32_t)i;
		p[i].seq = 1000 + i;
		p[i].state = (uint8_t)(i % PROTO_ST_COUNT);
	}
	len = proto_bundle_encode(p, n, pk(key, sizeof(key)), buf, PROTO_MAX_LEN);
	assert_int_equal(len, PROTO_BUNDLE_LEN(n));
	return (size_t)len;
}

/* Replace the MAC of bundle @buf (@len bytes) with one computed by OpenSSL. */
static void bundle_resign(uint8_t *buf, size_t len)
{
	unsigned int mac_len = 0;

	assert_non_null(
		HMAC(EVP_sha256(), key, (int)sizeof(key), buf, len - 32, buf + len - 32, &mac_len));
	assert_int_equal(mac_len, 32);
}

static void test_bundle_round_trip(void **state)
{
	static const size_t counts[] = { 1, 2, 7, PROTO_BUNDLE_MAX };
	struct proto_pkt p[PROTO_BUNDLE_MAX], d;
	uint8_t buf[PROTO_MAX_LEN];
	uint32_t key_id;
	unsigned n;

	(void)state;
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		size_t len = bundle_make(p, counts[c], buf);

		assert_true(proto_is_bundle(buf, len));
		assert_int_equal(proto_bundle_peek(buf, len, &n, &key_id), PROTO_OK);
		assert_int_equal(n, counts[c]);
		assert_int_equal(key_id, p[0].key_id);
		assert_int_equal(proto_bundle_verify(buf, len, pk(key, sizeof(key))), PROTO_OK);
		for (unsigned i = 0; i < n; i++) {
			assert_int_equal(proto_bundle_group(buf, i), p[i].group_id);
			memset(&d, 0x5a, sizeof(d));
			assert_int_equal(proto_bundle_record(buf, i, &d), PROTO_OK);
			assert_pkt_equal(&d, &p[i]);
		}
	}
}

static void test_bundle_layout(void **state)
{
	struct proto_pkt p[2];
	uint8_t buf[PROTO_MAX_LEN], mac[32];
	unsigned int mac_len = 0;
	size_t len = bundle_make(p, 2, buf);

	(void)state;
	assert_int_equal(len, 48 + 2 * 64 + 32);
	assert_memory_equal(buf, "VIPD", 4);
	assert_int_equal(buf[4], PROTO_BUNDLE_VERSION);
	assert_int_equal(buf[5], PROTO_T_HEARTBEAT);
	assert_int_equal(buf[6], 2); /* count */
	assert_int_equal(buf[7], 0);
	assert_int_equal(buf[8] << 8 | buf[9], 200); /* interval */
	assert_int_equal(buf[10] | buf[11], 0);
	assert_int_equal(buf[12], 0x41); /* key id */
	assert_int_equal(buf[15], 0x44);
	assert_string_equal((const char *)buf + 16, "pbx-a");
	for (size_t i = 16 + 5; i < 48; i++)
		assert_int_equal(buf[i], 0);
	/* Record 1: group id, state, then seq at +48 and peer_seq at +56, big-endian. */
	assert_int_equal(buf[48 + 64 + 3], 0x01);
	assert_int_equal(buf[48 + 64 + 2], 0x01);
	assert_int_equal(buf[48 + 64 + 4], 1);
	assert_int_equal(buf[48 + 64 + 48 + 6], (1001 >> 8) & 0xff);
	assert_int_equal(buf[48 + 64 + 48 + 7], 1001 & 0xff);
	assert_int_equal(buf[48 + 64 + 56], 0x31);
	/* One HMAC over everything before it, as OpenSSL computes it. */
	assert_non_null(HMAC(EVP_sha256(), key, (int)sizeof(key), buf, len - 32, mac, &mac_len));
	assert_memory_equal(mac, buf + len - 32, 32);
}

/* The checks without a key: each refuses what it must, before any HMAC. */
static void test_bundle_peek(void **state)
{
	struct proto_pkt p[3];
	uint8_t buf[PROTO_MAX_LEN + 64], b2[PROTO_MAX_LEN + 64];
	size_t len = bundle_make(p, 3, buf);
	uint32_t key_id;
	unsigned n;

	(void)state;
	assert_int_equal(proto_bundle_peek(buf, 0, &n, &key_id), PROTO_E_SHORT);
	assert_int_equal(proto_bundle_peek(buf, 4, &n, &key_id), PROTO_E_SHORT);
	assert_int_equal(proto_bundle_peek(buf, 47, &n, &key_id), PROTO_E_SHORT);
	assert_int_equal(proto_bundle_peek(buf, len - 1, &n, &key_id), PROTO_E_SHORT);
	assert_int_equal(proto_bundle_peek(buf, PROTO_BUNDLE_LEN(2), &n, &key_id), PROTO_E_SHORT);
	assert_int_equal(proto_bundle_peek(buf, len + 1, &n, &key_id), PROTO_E_LONG);
	assert_int_equal(proto_bundle_peek(buf, len + 64, &n, &key_id), PROTO_E_LONG);
	memcpy(b2, buf, len);
	b2[6] = 0;
	assert_int_equal(proto_bundle_peek(b2, len, &n, &key_id), PROTO_E_FIELD);
	b2[6] = PROTO_BUNDLE_MAX + 1;
	assert_int_equal(proto_bundle_peek(b2, PROTO_BUNDLE_LEN(PROTO_BUNDLE_MAX + 1), &n, &key_id),
			 PROTO_E_FIELD);
	b2[6] = 255;
	assert_int_equal(proto_bundle_peek(b2, sizeof(b2), &n, &key_id), PROTO_E_FIELD);
	memcpy(b2, buf, len);
	b2[4] = PROTO_VERSION;
	assert_false(proto_is_bundle(b2, len));
	assert_int_equal(proto_bundle_peek(b2, len, &n, &key_id), PROTO_E_VERSION);
	b2[4] = PROTO_BUNDLE_VERSION;
	b2[0] = 'X';
	assert_false(proto_is_bundle(b2, len));
	assert_int_equal(proto_bundle_peek(b2, len, &n, &key_id), PROTO_E_MAGIC);
	assert_false(proto_is_bundle(NULL, len));
	assert_int_equal(proto_bundle_peek(NULL, len, &n, &key_id), PROTO_E_ARG);
	/* A version 2 packet is no bundle, and the version 2 decoder refuses a bundle. */
	encode(&p[0], b2);
	assert_false(proto_is_bundle(b2, PROTO_LEN));
	assert_int_equal(proto_decode(buf, len, pk(key, sizeof(key)), &p[1]), PROTO_E_VERSION);
}

/* Any single bit flipped anywhere: refused by the header checks or by the one HMAC. */
static void test_bundle_bit_flips(void **state)
{
	struct proto_pkt p[3];
	uint8_t buf[PROTO_MAX_LEN], b2[PROTO_MAX_LEN];
	size_t len = bundle_make(p, 3, buf);
	uint32_t key_id;
	unsigned n, passed = 0;

	(void)state;
	for (size_t i = 0; i < len; i++)
		for (int bit = 0; bit < 8; bit++) {
			memcpy(b2, buf, len);
			b2[i] ^= (uint8_t)(1u << bit);
			if (proto_bundle_peek(b2, len, &n, &key_id) == PROTO_OK &&
			    proto_bundle_verify(b2, len, pk(key, sizeof(key))) == PROTO_OK)
				passed++;
		}
	assert_int_equal(passed, 0);
}

/*
 * A record cut out of one bundle and put into another, records swapped,
 * and a bundle cut short with its count lowered: each fails the MAC.
 */
static void test_bundle_splice(void **state)
{
	struct proto_pkt p[3], q[3];
	uint8_t a[PROTO_MAX_LEN], b[PROTO_MAX_LEN], c[PROTO_MAX_LEN];
	size_t len = bundle_make(p, 3, a), len_b;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		q[i] = p[i];
		q[i].seq += 100;
	}
	len_b = (size_t)proto_bundle_encode(q, 3, pk(key, sizeof(key)), b, sizeof(b));
	assert_int_equal(len_b, len);
	assert_int_equal(proto_bundle_verify(b, len_b, pk(key, sizeof(key))), PROTO_OK);
	/* Record 1 of the older bundle into the newer one. */
	memcpy(c, b, len);
	memcpy(c + PROTO_BUNDLE_HDR + PROTO_BUNDLE_REC, a + PROTO_BUNDLE_HDR + PROTO_BUNDLE_REC,
	       PROTO_BUNDLE_REC);
	assert_int_equal(proto_bundle_verify(c, len, pk(key, sizeof(key))), PROTO_E_AUTH);
	/* Records 0 and 2 swapped. */
	memcpy(c, a, len);
	memcpy(c + PROTO_BUNDLE_HDR, a + PROTO_BUNDLE_HDR + 2 * PROTO_BUNDLE_REC, PROTO_BUNDLE_REC);
	memcpy(c + PROTO_BUNDLE_HDR + 2 * PROTO_BUNDLE_REC, a + PROTO_BUNDLE_HDR, PROTO_BUNDLE_REC);
	assert_int_equal(proto_bundle_verify(c, len, pk(key, sizeof(key))), PROTO_E_AUTH);
	/* The last record dropped, the count lowered and the MAC moved up. */
	memcpy(c, a, PROTO_BUNDLE_LEN(2) - 32);
	c[6] = 2;
	memcpy(c + PROTO_BUNDLE_LEN(2) - 32, a + len - 32, 32);
	assert_int_equal(proto_bundle_verify(c, PROTO_BUNDLE_LEN(2), pk(key, sizeof(key))),
			 PROTO_E_AUTH);
	/* The right bundle with the key cut by a byte. */
	assert_int_equal(proto_bundle_verify(a, len, pk(key, sizeof(key) - 1)), PROTO_E_AUTH);
}

/* Authentic, yet a record out of range: that record is refused, the others stand. */
static void test_bundle_fields(void **state)
{
	struct proto_pkt p[3], d;
	uint8_t buf[PROTO_MAX_LEN];
	size_t len = bundle_make(p, 3, buf);
	uint8_t *r1 = buf + PROTO_BUNDLE_HDR + PROTO_BUNDLE_REC;

	(void)state;
	put_be(r1, 0, 4); /* group id 0 */
	bundle_resign(buf, len);
	assert_int_equal(proto_bundle_verify(buf, len, pk(key, sizeof(key))), PROTO_OK);
	assert_int_equal(proto_bundle_record(buf, 0, &d), PROTO_OK);
	assert_int_equal(proto_bundle_record(buf, 1, &d), PROTO_E_FIELD);
	assert_int_equal(proto_bundle_record(buf, 2, &d), PROTO_OK);
	put_be(r1, 0x101, 4);
	r1[5] = 0; /* priority 0 */
	bundle_resign(buf, len);
	assert_int_equal(proto_bundle_record(buf, 1, &d), PROTO_E_FIELD);
	r1[5] = 100;
	put_be(r1 + 48, 0, 8); /* seq 0 */
	bundle_resign(buf, len);
	assert_int_equal(proto_bundle_record(buf, 1, &d), PROTO_E_FIELD);
	put_be(r1 + 48, 7, 8);
	bundle_resign(buf, len);
	assert_int_equal(proto_bundle_record(buf, 1, &d), PROTO_OK);
	/* Header bytes every record shares: reserved, interval, name padding. */
	buf[7] = 1;
	bundle_resign(buf, len);
	assert_int_equal(proto_bundle_record(buf, 0, &d), PROTO_E_FIELD);
	buf[7] = 0;
	buf[11] = 1;
	bundle_resign(buf, len);
	assert_int_equal(proto_bundle_record(buf, 2, &d), PROTO_E_FIELD);
	buf[11] = 0;
	buf[8] = buf[9] = 0;
	bundle_resign(buf, len);
	assert_int_equal(proto_bundle_record(buf, 0, &d), PROTO_E_FIELD);
	buf[9] = 200;
	buf[16 + 30] = 'x';
	bundle_resign(buf, len);
	assert_int_equal(proto_bundle_record(buf, 0, &d), PROTO_E_FIELD);
	buf[16 + 30] = 0;
	bundle_resign(buf, len);
	assert_int_equal(proto_bundle_record(buf, 0, &d), PROTO_OK);
}

static void test_bundle_encode_bad(void **state)
{
	struct proto_pkt p[PROTO_BUNDLE_MAX + 1];
	uint8_t buf[PROTO_MAX_LEN + 64];

	(void)state;
	for (size_t i = 0; i <= PROTO_BUNDLE_MAX; i++) {
		p[i] = sample();
		p[i].group_id = 1 + (uint32_t)i;
	}
	assert_int_equal(proto_bundle_encode(p, 0, pk(key, sizeof(key)), buf, sizeof(buf)),
			 PROTO_E_ARG);
	assert_int_equal(proto_bundle_encode(p, PROTO_BUNDLE_MAX + 1, pk(key, sizeof(key)), buf,
					     sizeof(buf)),
			 PROTO_E_ARG);
	assert_int_equal(
		proto_bundle_encode(p, 2, pk(key, sizeof(key)), buf, PROTO_BUNDLE_LEN(2) - 1),
		PROTO_E_ARG);
	assert_int_equal(proto_bundle_encode(NULL, 2, pk(key, sizeof(key)), buf, sizeof(buf)),
			 PROTO_E_ARG);
	assert_int_equal(proto_bundle_encode(p, 2, pk(key, 0), buf, sizeof(buf)), PROTO_E_ARG);
	/* The shared fields must be shared. */
	p[1].interval_ms = 100;
	assert_int_equal(proto_bundle_encode(p, 2, pk(key, sizeof(key)), buf, sizeof(buf)),
			 PROTO_E_ARG);
	p[1] = p[0];
	p[1].key_id++;
	assert_int_equal(proto_bundle_encode(p, 2, pk(key, sizeof(key)), buf, sizeof(buf)),
			 PROTO_E_ARG);
	p[1] = p[0];
	strcpy(p[1].name, "pbx-b");
	assert_int_equal(proto_bundle_encode(p, 2, pk(key, sizeof(key)), buf, sizeof(buf)),
			 PROTO_E_ARG);
	p[1] = p[0];
	p[1].seq = 0;
	assert_int_equal(proto_bundle_encode(p, 2, pk(key, sizeof(key)), buf, sizeof(buf)),
			 PROTO_E_ARG);
	p[1].seq = 1;
	assert_int_equal(proto_bundle_encode(p, 2, pk(key, sizeof(key)), buf, sizeof(buf)),
			 PROTO_BUNDLE_LEN(2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_round_trip_max),
		cmocka_unit_test(test_round_trip_min),
		cmocka_unit_test(test_round_trip_states_flags),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_decode_known_bytes),
		cmocka_unit_test(test_unaligned),
		cmocka_unit_test(test_decode_short),
		cmocka_unit_test(test_decode_long),
		cmocka_unit_test(test_decode_v1),
		cmocka_unit_test(test_key_id),
		cmocka_unit_test(test_decode_magic),
		cmocka_unit_test(test_decode_version),
		cmocka_unit_test(test_decode_bit_flips),
		cmocka_unit_test(test_decode_wrong_key),
		cmocka_unit_test(test_decode_fields),
		cmocka_unit_test(test_decode_garbage),
		cmocka_unit_test(test_decode_bad_args),
		cmocka_unit_test(test_peek_group),
		cmocka_unit_test(test_encode_bad_fields),
		cmocka_unit_test(test_encode_bad_args),
		cmocka_unit_test(test_encode_large_buffer),
		cmocka_unit_test(test_encode_name_padding),
		cmocka_unit_test(test_keys_of_any_length),
		cmocka_unit_test(test_key_reuse_matches_openssl),
		cmocka_unit_test(test_key_init_equal),
		cmocka_unit_test(test_err_strings),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_bundle_round_trip),
		cmocka_unit_test(test_bundle_layout),
		cmocka_unit_test(test_bundle_peek),
		cmocka_unit_test(test_bundle_bit_flips),
		cmocka_unit_test(test_bundle_splice),
		cmocka_unit_test(test_bundle_fields),
		cmocka_unit_test(test_bundle_encode_bad),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
