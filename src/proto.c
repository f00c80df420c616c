/*
 * proto.c - the heartbeat wire format: encode and sign one fixed-size
 * packet, and verify and decode a received one (layout in proto.h).
 *
 * Pure: no I/O, no clock, no logging, no state. Every check a received
 * packet fails is a reason to drop it; the caller counts the drop under
 * proto_err_key(). Multi-byte fields are written and read one byte at a
 * time in network order, so nothing here depends on the host's byte order,
 * alignment or struct padding.
 */
#include <assert.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include <sodium.h>

#include "proto.h"

/* Field offsets, as in the layout table in proto.h. */
enum {
	OFF_MAGIC = 0,
	OFF_VERSION = 4,
	OFF_TYPE = 5,
	OFF_STATE = 6,
	OFF_PRIORITY = 7,
	OFF_FLAGS = 8,
	OFF_INTERVAL = 10,
	OFF_GROUP = 12,
	OFF_KEY = 16,
	OFF_DIGEST = 20, /* digests, session, sequence numbers: put_session() */
	OFF_NAME = 76,
};

#define MAC_LEN 32 /* HMAC-SHA256 output, bytes */

static const uint8_t proto_magic[4] = { 'V', 'I', 'P', 'D' };

static_assert(OFF_NAME + PROTO_NAME_MAX == PROTO_MAC_OFF, "the name ends where the MAC starts");
static_assert(PROTO_MAC_OFF + MAC_LEN == PROTO_LEN, "the MAC ends the packet");

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b + 2, (uint16_t)v);
}

static void put64(uint8_t *b, uint64_t v)
{
	put32(b, (uint32_t)(v >> 32));
	put32(b + 4, (uint32_t)v);
}

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)((unsigned)b[0] << 8 | b[1]);
}

static uint32_t get32(const uint8_t *b)
{
	return (uint32_t)get16(b) << 16 | get16(b + 2);
}

static uint64_t get64(const uint8_t *b)
{
	return (uint64_t)get32(b) << 32 | get32(b + 4);
}

/*
 * The block both layouts share, in the same order at their own offset (a
 * v2 packet's OFF_DIGEST, a bundle record's R_OFF_DIGEST): the settings
 * digests, the session (nonce, challenge, echoes) and the sequence numbers.
 */
enum {
	S_DIGEST = 0,
	S_NONCE = 8,
	S_CHALLENGE = 16,
	S_ECHO = 24,
	S_ECHO_NEW = 32,
	S_SEQ = 40,
	S_PEER_SEQ = 48,
	S_LEN = 56,
};

static_assert(S_DIGEST + PROTO_DIGEST_COUNT * 2 == S_NONCE, "the digests fill their slot");
static_assert(OFF_DIGEST + S_LEN == OFF_NAME, "the name follows the session block");

static void put_session(uint8_t *b, const struct proto_pkt *p)
{
	for (int i = 0; i < PROTO_DIGEST_COUNT; i++)
		put16(b + S_DIGEST + (size_t)i * 2, p->digest[i]);
	put64(b + S_NONCE, p->nonce);
	put64(b + S_CHALLENGE, p->challenge);
	put64(b + S_ECHO, p->echo);
	put64(b + S_ECHO_NEW, p->echo_new);
	put64(b + S_SEQ, p->seq);
	put64(b + S_PEER_SEQ, p->peer_seq);
}

static void get_session(const uint8_t *b, struct proto_pkt *p)
{
	for (int i = 0; i < PROTO_DIGEST_COUNT; i++)
		p->digest[i] = get16(b + S_DIGEST + (size_t)i * 2);
	p->nonce = get64(b + S_NONCE);
	p->challenge = get64(b + S_CHALLENGE);
	p->echo = get64(b + S_ECHO);
	p->echo_new = get64(b + S_ECHO_NEW);
	p->seq = get64(b + S_SEQ);
	p->peer_seq = get64(b + S_PEER_SEQ);
}

static_assert(sizeof(crypto_auth_hmacsha256_state) == PROTO_KEY_STATE,
	      "struct proto_key holds libsodium's HMAC state exactly");
static_assert(_Alignof(crypto_auth_hmacsha256_state) <= 8, "and its alignment");

int proto_key_init(struct proto_key *k, const uint8_t *key, size_t key_len)
{
	crypto_auth_hmacsha256_state st;

	if (!k)
		return PROTO_E_ARG;
	memset(k, 0, sizeof(*k));
	if (!key || key_len == 0)
		return PROTO_E_ARG;
	/*
	 * The state is zeroed first, so two keys made from the same bytes are
	 * equal byte for byte (proto_key_equal) whatever libsodium leaves in
	 * the block buffer's unused part.
	 */
	memset(&st, 0, sizeof(st));
	if (crypto_auth_hmacsha256_init(&st, key, key_len) != 0) {
		sodium_memzero(&st, sizeof(st));
		return PROTO_E_ARG;
	}
	memcpy(k->state, &st, sizeof(st));
	sodium_memzero(&st, sizeof(st));
	k->id = proto_key_id(key, key_len);
	k->set = true;
	return PROTO_OK;
}

uint32_t proto_key_id_of(const struct proto_key *k)
{
	return k && k->set ? k->id : 0;
}

void proto_key_clear(struct proto_key *k)
{
	if (k)
		sodium_memzero(k, sizeof(*k));
}

bool proto_key_equal(const struct proto_key *a, const struct proto_key *b)
{
	return a && b && a->set && b->set && memcmp(a->state, b->state, sizeof(a->state)) == 0;
}

/*
 * HMAC-SHA256 with @key of the signed part of @pkt (its first @len bytes;
 * PROTO_MAC_OFF for version 2) into @mac: a copy of the keyed state, then
 * the packet's bytes. Returns 0, or -1 for an unset key or if libsodium
 * failed.
 */
static int proto_mac_len(const uint8_t *pkt, size_t len, const struct proto_key *key,
			 uint8_t mac[MAC_LEN])
{
	crypto_auth_hmacsha256_state st;
	int rc;

	if (!key->set)
		return -1;
	memcpy(&st, key->state, sizeof(st));
	rc = crypto_auth_hmacsha256_update(&st, pkt, len) | crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(&st, sizeof(st));
	return rc == 0 ? 0 : -1;
}

static int proto_mac(const uint8_t *pkt, const struct proto_key *key, uint8_t mac[MAC_LEN])
{
	return proto_mac_len(pkt, PROTO_MAC_OFF, key, mac);
}

/*
 * Length of the node name in @name (PROTO_NAME_MAX bytes), or -1 if it is
 * empty, has no NUL within PROTO_NAME_MAX bytes, or holds a byte outside
 * printable ASCII 0x21..0x7e. Bytes after the NUL are not looked at.
 */
static int proto_name_len(const char *name)
{
	size_t n;

	for (n = 0; n < PROTO_NAME_MAX && name[n] != '\0'; n++) {
		unsigned char c = (unsigned char)name[n];

		if (c < 0x21 || c > 0x7e)
			return -1;
	}
	if (n == 0 || n == PROTO_NAME_MAX)
		return -1;
	return (int)n;
}

/* Whether only zeros follow the NUL of @name (PROTO_NAME_MAX bytes, proto_name_len() >= 0). */
static bool proto_name_padded(const char *name)
{
	for (int n = proto_name_len(name) + 1; n < PROTO_NAME_MAX; n++)
		if (name[n] != '\0')
			return false;
	return true;
}

/*
 * Whether every field of @p is one a peer may send. Both directions use it,
 * so vipd never sends a packet its peer would drop.
 */
static bool proto_fields_ok(const struct proto_pkt *p)
{
	/* Heartbeats are the only type: anything else is from a newer peer or noise. */
	if (p->type != PROTO_T_HEARTBEAT)
		return false;
	/* A state the election does not know cannot be compared with ours. */
	if (p->state >= PROTO_ST_COUNT)
		return false;
	/*
	 * Effective priorities are 1..255 (the byte caps the top). 0 is no
	 * priority at all: a sender that lost its configuration.
	 */
	if (p->priority == 0)
		return false;
	/*
	 * A flag we do not know would be silently ignored, yet it may change
	 * what the sender expects of us (take over, resign): refuse to guess.
	 */
	if (p->flags & ~PROTO_F_ALL)
		return false;
	/*
	 * The receiver times the peer out after a few of its intervals; an
	 * interval of 0 would declare the peer dead the moment it is heard.
	 */
	if (p->interval_ms == 0)
		return false;
	/* Group 0 is never configured: the sender did not set its group. */
	if (p->group_id == 0)
		return false;
	/*
	 * Replay protection: a session is its nonce, and sequence numbers
	 * within it start at 1. A nonce of 0 would match "no echo"; a
	 * sequence of 0 is a sender that lost count, and accepting it would
	 * let the window run backwards.
	 */
	if (p->nonce == 0 || p->challenge == 0 || p->seq == 0)
		return false;
	/*
	 * The name reaches logs, `vipctl status` and hook environments: it
	 * must be a terminated, non-empty run of printable ASCII without
	 * spaces or control bytes.
	 */
	if (proto_name_len(p->name) < 0)
		return false;
	return true;
}

/* The checks that need no key, shared by proto_peek_* and proto_decode: the cheap ones. */
/* Magic and @version: what a datagram says it is, before its length is judged. */
static int proto_check_kind(const uint8_t *buf, size_t len, uint8_t version)
{
	/* Too short to say even what it is. */
	if (len < OFF_VERSION + 1)
		return PROTO_E_SHORT;
	/* Other traffic on our group and port (another tool, a scan): not a vipd packet. */
	if (memcmp(buf + OFF_MAGIC, proto_magic, sizeof(proto_magic)) != 0)
		return PROTO_E_MAGIC;
	/*
	 * Another version lays out and signs its packet differently, so its
	 * MAC and fields mean nothing here. Checked before the length (an
	 * older vipd's packet is shorter) and counted apart from bad MACs,
	 * so a half-done upgrade shows as such instead of looking like an
	 * attack.
	 */
	if (buf[OFF_VERSION] != version)
		return PROTO_E_VERSION;
	return PROTO_OK;
}

static int proto_check_header(const uint8_t *buf, size_t len)
{
	int rc = proto_check_kind(buf, len, PROTO_VERSION);

	if (rc != PROTO_OK)
		return rc;
	/*
	 * Every heartbeat is exactly PROTO_LEN bytes. A shorter datagram was
	 * truncated, and its fields would be read past its end.
	 */
	if (len < PROTO_LEN)
		return PROTO_E_SHORT;
	/*
	 * A longer one is not ours either: accepting trailing bytes would let
	 * anyone append unsigned data to a signed packet.
	 */
	if (len > PROTO_LEN)
		return PROTO_E_LONG;
	return PROTO_OK;
}

int proto_encode(const struct proto_pkt *p, const struct proto_key *key, uint8_t *buf,
		 size_t buf_len)
{
	int name_len;

	if (!p || !key || !key->set || !buf || buf_len < PROTO_LEN)
		return PROTO_E_ARG;
	if (!proto_fields_ok(p))
		return PROTO_E_ARG;
	name_len = proto_name_len(p->name);

	memcpy(buf + OFF_MAGIC, proto_magic, sizeof(proto_magic));
	buf[OFF_VERSION] = PROTO_VERSION;
	buf[OFF_TYPE] = p->type;
	buf[OFF_STATE] = p->state;
	buf[OFF_PRIORITY] = p->priority;
	put16(buf + OFF_FLAGS, p->flags);
	put16(buf + OFF_INTERVAL, p->interval_ms);
	put32(buf + OFF_GROUP, p->group_id);
	put32(buf + OFF_KEY, p->key_id);
	put_session(buf + OFF_DIGEST, p);
	/*
	 * Only the name itself is copied; the rest is zeroed whatever the
	 * caller's array holds after the NUL, so no stale memory goes out and
	 * each packet has exactly one encoding.
	 */
	memset(buf + OFF_NAME, 0, PROTO_NAME_MAX);
	memcpy(buf + OFF_NAME, p->name, (size_t)name_len);

	if (proto_mac(buf, key, buf + PROTO_MAC_OFF) < 0) {
		/* A caller that sends anyway sends zeros, which fail the magic check. */
		memset(buf, 0, PROTO_LEN);
		return PROTO_E_ARG;
	}
	return PROTO_LEN;
}

/* The 32-bit field at @off of a packet whose header passes the cheap checks. */
static int proto_peek32(const uint8_t *buf, size_t len, size_t off, uint32_t *out)
{
	int rc;

	if (!buf || !out)
		return PROTO_E_ARG;
	rc = proto_check_header(buf, len);
	if (rc != PROTO_OK)
		return rc;
	*out = get32(buf + off);
	return PROTO_OK;
}

int proto_peek_group(const uint8_t *buf, size_t len, uint32_t *group_id)
{
	return proto_peek32(buf, len, OFF_GROUP, group_id);
}

int proto_peek_key(const uint8_t *buf, size_t len, uint32_t *key_id)
{
	return proto_peek32(buf, len, OFF_KEY, key_id);
}

uint32_t proto_key_id(const uint8_t *key, size_t key_len)
{
	uint8_t h[crypto_generichash_BYTES];

	crypto_generichash(h, sizeof(h), key, key_len, NULL, 0);
	return get32(h);
}

uint16_t proto_digest(const void *data, size_t len)
{
	uint8_t h[crypto_generichash_BYTES];

	crypto_generichash(h, sizeof(h), data, len, NULL, 0);
	return get16(h);
}

int proto_decode(const uint8_t *buf, size_t len, const struct proto_key *key, struct proto_pkt *p)
{
	uint8_t mac[MAC_LEN];
	struct proto_pkt d;
	int rc;

	if (!buf || !key || !key->set || !p)
		return PROTO_E_ARG;
	rc = proto_check_header(buf, len);
	if (rc != PROTO_OK)
		return rc;

	/*
	 * Authenticate before reading any other field: until the MAC matches,
	 * every byte may be forged, and a forger must not learn which field
	 * check it got past. sodium_memcmp takes the same time wherever the
	 * first difference is, so the MAC cannot be guessed byte by byte. If
	 * libsodium fails, the packet is unauthenticated and dropped the same.
	 */
	if (proto_mac(buf, key, mac) < 0 || sodium_memcmp(mac, buf + PROTO_MAC_OFF, MAC_LEN) != 0)
		return PROTO_E_AUTH;

	d.type = buf[OFF_TYPE];
	d.state = buf[OFF_STATE];
	d.priority = buf[OFF_PRIORITY];
	d.flags = get16(buf + OFF_FLAGS);
	d.interval_ms = get16(buf + OFF_INTERVAL);
	d.group_id = get32(buf + OFF_GROUP);
	d.key_id = get32(buf + OFF_KEY);
	get_session(buf + OFF_DIGEST, &d);
	memcpy(d.name, buf + OFF_NAME, PROTO_NAME_MAX);

	/* An authentic packet from a peer with a bug: the reasons are in proto_fields_ok. */
	if (!proto_fields_ok(&d))
		return PROTO_E_FIELD;
	/*
	 * The padding after the name is signed too, so non-zero bytes there
	 * come from a sender that leaks memory onto the wire. Requiring zeros
	 * also keeps one encoding per packet: re-encoding gives the same bytes.
	 */
	if (!proto_name_padded(d.name))
		return PROTO_E_FIELD;

	*p = d;
	return PROTO_OK;
}

/*
 * Bundles (layout in proto.h). The fields every record shares (type,
 * interval, key id, name) are in the header once; the MAC covers the
 * header and every record, so a record cut out of one bundle and put into
 * another, or two bundles spliced, fail it like any altered byte.
 */
enum {
	B_OFF_COUNT = 6,
	B_OFF_ZERO1 = 7,
	B_OFF_INTERVAL = 8,
	B_OFF_ZERO2 = 10,
	B_OFF_KEY = 12,
	B_OFF_NAME = 16,
	R_OFF_GROUP = 0,
	R_OFF_STATE = 4,
	R_OFF_PRIORITY = 5,
	R_OFF_FLAGS = 6,
	R_OFF_DIGEST = 8, /* as in a packet: put_session() */
};

static_assert(B_OFF_NAME + PROTO_NAME_MAX == PROTO_BUNDLE_HDR, "the name ends the header");
static_assert(R_OFF_DIGEST + S_LEN == PROTO_BUNDLE_REC, "the session block ends a record");
static_assert(PROTO_MAX_LEN == 1232, "the longest bundle fits the IPv6 minimum MTU");

/* Whether record @q may share a bundle with @p, the first: the header holds their common fields. */
static bool proto_bundle_same(const struct proto_pkt *p, const struct proto_pkt *q)
{
	return q->type == p->type && q->interval_ms == p->interval_ms && q->key_id == p->key_id &&
	       strncmp(q->name, p->name, PROTO_NAME_MAX) == 0;
}

static void proto_put_record(uint8_t *r, const struct proto_pkt *p)
{
	put32(r + R_OFF_GROUP, p->group_id);
	r[R_OFF_STATE] = p->state;
	r[R_OFF_PRIORITY] = p->priority;
	put16(r + R_OFF_FLAGS, p->flags);
	put_session(r + R_OFF_DIGEST, p);
}

int proto_bundle_encode(const struct proto_pkt *p, size_t n, const struct proto_key *key,
			uint8_t *buf, size_t buf_len)
{
	size_t len = PROTO_BUNDLE_LEN(n), mac_off = len - MAC_LEN;

	if (!p || n == 0 || n > PROTO_BUNDLE_MAX || !key || !key->set || !buf || buf_len < len)
		return PROTO_E_ARG;
	for (size_t i = 0; i < n; i++)
		if (!proto_fields_ok(&p[i]) || !proto_bundle_same(&p[0], &p[i]))
			return PROTO_E_ARG;

	memset(buf, 0, PROTO_BUNDLE_HDR);
	memcpy(buf + OFF_MAGIC, proto_magic, sizeof(proto_magic));
	buf[OFF_VERSION] = PROTO_BUNDLE_VERSION;
	buf[OFF_TYPE] = p->type;
	buf[B_OFF_COUNT] = (uint8_t)n;
	put16(buf + B_OFF_INTERVAL, p->interval_ms);
	put32(buf + B_OFF_KEY, p->key_id);
	/* As in proto_encode: the name only, zeros after it. */
	memcpy(buf + B_OFF_NAME, p->name, (size_t)proto_name_len(p->name));
	for (size_t i = 0; i < n; i++)
		proto_put_record(buf + PROTO_BUNDLE_HDR + i * PROTO_BUNDLE_REC, &p[i]);
	if (proto_mac_len(buf, mac_off, key, buf + mac_off) < 0) {
		memset(buf, 0, len);
		return PROTO_E_ARG;
	}
	return (int)len;
}

bool proto_is_bundle(const uint8_t *buf, size_t len)
{
	return buf && len > OFF_VERSION && memcmp(buf, proto_magic, sizeof(proto_magic)) == 0 &&
	       buf[OFF_VERSION] == PROTO_BUNDLE_VERSION;
}

int proto_bundle_peek(const uint8_t *buf, size_t len, unsigned *n, uint32_t *key_id)
{
	unsigned count;
	int rc;

	if (!buf || !n || !key_id)
		return PROTO_E_ARG;
	rc = proto_check_kind(buf, len, PROTO_BUNDLE_VERSION);
	if (rc != PROTO_OK)
		return rc;
	/* Too short for the header and the smallest bundle: truncated. */
	if (len < PROTO_BUNDLE_LEN(1))
		return PROTO_E_SHORT;
	/*
	 * The count says how long the bundle is, to the byte: a shorter one
	 * was cut (its last records would be read past the end), a longer one
	 * has unsigned bytes appended. A count of 0 carries nothing, and one
	 * above PROTO_BUNDLE_MAX no vipd sends: both are refused before any
	 * record is looked at, so the loops over records are bounded by 18.
	 */
	count = buf[B_OFF_COUNT];
	if (count == 0 || count > PROTO_BUNDLE_MAX)
		return PROTO_E_FIELD;
	if (len < PROTO_BUNDLE_LEN(count))
		return PROTO_E_SHORT;
	if (len > PROTO_BUNDLE_LEN(count))
		return PROTO_E_LONG;
	*n = count;
	*key_id = get32(buf + B_OFF_KEY);
	return PROTO_OK;
}

uint32_t proto_bundle_group(const uint8_t *buf, unsigned i)
{
	return get32(buf + PROTO_BUNDLE_HDR + (size_t)i * PROTO_BUNDLE_REC + R_OFF_GROUP);
}

int proto_bundle_verify(const uint8_t *buf, size_t len, const struct proto_key *key)
{
	uint8_t mac[MAC_LEN];

	/* As in proto_decode: constant time, and a libsodium failure is a bad MAC. */
	if (!buf || !key || len < PROTO_BUNDLE_LEN(1) ||
	    proto_mac_len(buf, len - MAC_LEN, key, mac) < 0 ||
	    sodium_memcmp(mac, buf + len - MAC_LEN, MAC_LEN) != 0)
		return PROTO_E_AUTH;
	return PROTO_OK;
}

int proto_bundle_record(const uint8_t *buf, unsigned i, struct proto_pkt *p)
{
	const uint8_t *r;
	struct proto_pkt d;

	if (!buf || !p || i >= PROTO_BUNDLE_MAX)
		return PROTO_E_ARG;
	r = buf + PROTO_BUNDLE_HDR + (size_t)i * PROTO_BUNDLE_REC;
	d.type = buf[OFF_TYPE];
	d.interval_ms = get16(buf + B_OFF_INTERVAL);
	d.key_id = get32(buf + B_OFF_KEY);
	memcpy(d.name, buf + B_OFF_NAME, PROTO_NAME_MAX);
	d.group_id = get32(r + R_OFF_GROUP);
	d.state = r[R_OFF_STATE];
	d.priority = r[R_OFF_PRIORITY];
	d.flags = get16(r + R_OFF_FLAGS);
	get_session(r + R_OFF_DIGEST, &d);
	/*
	 * The same field checks as a version 2 packet, and zeros where the
	 * layout has none: the reserved bytes and the name's padding (one
	 * encoding per bundle, no leaked memory).
	 */
	if (!proto_fields_ok(&d) || buf[B_OFF_ZERO1] != 0 || get16(buf + B_OFF_ZERO2) != 0 ||
	    !proto_name_padded(d.name))
		return PROTO_E_FIELD;
	*p = d;
	return PROTO_OK;
}

static const char *const proto_err_text[PROTO_E_COUNT] = {
	[PROTO_OK] = "success",
	[-PROTO_E_SHORT] = "short packet",
	[-PROTO_E_LONG] = "oversized packet",
	[-PROTO_E_MAGIC] = "not a vipd packet (bad magic)",
	[-PROTO_E_VERSION] = "unknown protocol version",
	[-PROTO_E_AUTH] = "bad HMAC (wrong key or altered packet)",
	[-PROTO_E_FIELD] = "field out of range",
	[-PROTO_E_ARG] = "bad argument or buffer too small",
	[-PROTO_E_KEY] = "signed with a key this group does not have (key rotation half done?)",
};

/* Counter keys: stable, they name metrics and `vipctl status --json` fields. */
static const char *const proto_err_keys[PROTO_E_COUNT] = {
	[PROTO_OK] = "ok",	    [-PROTO_E_SHORT] = "short",	    [-PROTO_E_LONG] = "long",
	[-PROTO_E_MAGIC] = "magic", [-PROTO_E_VERSION] = "version", [-PROTO_E_AUTH] = "auth",
	[-PROTO_E_FIELD] = "field", [-PROTO_E_ARG] = "arg",	    [-PROTO_E_KEY] = "key_id",
};

static bool proto_err_known(int err)
{
	return err <= 0 && err > -PROTO_E_COUNT;
}

const char *proto_strerror(int err)
{
	return proto_err_known(err) ? proto_err_text[-err] : "unknown error";
}

const char *proto_err_key(int err)
{
	return proto_err_known(err) ? proto_err_keys[-err] : "unknown";
}

const char *proto_state_name(unsigned state)
{
	static const char *const name[PROTO_ST_COUNT] = {
		[PROTO_ST_INIT] = "INIT",	  [PROTO_ST_BACKUP] = "BACKUP",
		[PROTO_ST_MASTER] = "MASTER",	  [PROTO_ST_FAULT] = "FAULT",
		[PROTO_ST_STOPPING] = "STOPPING",
	};

	return state < PROTO_ST_COUNT ? name[state] : "?";
}
