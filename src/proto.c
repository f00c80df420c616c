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
	OFF_DIGEST = 20,
	OFF_NONCE = 28,
	OFF_CHALLENGE = 36,
	OFF_ECHO = 44,
	OFF_ECHO_NEW = 52,
	OFF_SEQ = 60,
	OFF_PEER_SEQ = 68,
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
 * HMAC-SHA256 (RFC 2104) with @key of the signed part of @pkt (bytes 0 up
 * to PROTO_MAC_OFF) into @mac, by libsodium: keys of any length, hashed
 * first when longer than the block. Returns 0, or -1 if libsodium failed.
 */
static int proto_mac(const uint8_t *pkt, const uint8_t *key, size_t key_len, uint8_t mac[MAC_LEN])
{
	crypto_auth_hmacsha256_state st;
	int rc;

	rc = crypto_auth_hmacsha256_init(&st, key, key_len) |
	     crypto_auth_hmacsha256_update(&st, pkt, PROTO_MAC_OFF) |
	     crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(&st, sizeof(st));
	return rc == 0 ? 0 : -1;
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
static int proto_check_header(const uint8_t *buf, size_t len)
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
	if (buf[OFF_VERSION] != PROTO_VERSION)
		return PROTO_E_VERSION;
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

int proto_encode(const struct proto_pkt *p, const uint8_t *key, size_t key_len, uint8_t *buf,
		 size_t buf_len)
{
	int name_len;

	if (!p || !key || key_len == 0 || !buf || buf_len < PROTO_LEN)
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
	for (int i = 0; i < PROTO_DIGEST_COUNT; i++)
		put16(buf + OFF_DIGEST + (size_t)i * 2, p->digest[i]);
	put64(buf + OFF_NONCE, p->nonce);
	put64(buf + OFF_CHALLENGE, p->challenge);
	put64(buf + OFF_ECHO, p->echo);
	put64(buf + OFF_ECHO_NEW, p->echo_new);
	put64(buf + OFF_SEQ, p->seq);
	put64(buf + OFF_PEER_SEQ, p->peer_seq);
	/*
	 * Only the name itself is copied; the rest is zeroed whatever the
	 * caller's array holds after the NUL, so no stale memory goes out and
	 * each packet has exactly one encoding.
	 */
	memset(buf + OFF_NAME, 0, PROTO_NAME_MAX);
	memcpy(buf + OFF_NAME, p->name, (size_t)name_len);

	if (proto_mac(buf, key, key_len, buf + PROTO_MAC_OFF) < 0) {
		/* A caller that sends anyway sends zeros, which fail the magic check. */
		memset(buf, 0, PROTO_LEN);
		return PROTO_E_ARG;
	}
	return PROTO_LEN;
}

int proto_peek_group(const uint8_t *buf, size_t len, uint32_t *group_id)
{
	int rc;

	if (!buf || !group_id)
		return PROTO_E_ARG;
	rc = proto_check_header(buf, len);
	if (rc != PROTO_OK)
		return rc;
	*group_id = get32(buf + OFF_GROUP);
	return PROTO_OK;
}

int proto_peek_key(const uint8_t *buf, size_t len, uint32_t *key_id)
{
	int rc;

	if (!buf || !key_id)
		return PROTO_E_ARG;
	rc = proto_check_header(buf, len);
	if (rc != PROTO_OK)
		return rc;
	*key_id = get32(buf + OFF_KEY);
	return PROTO_OK;
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

int proto_decode(const uint8_t *buf, size_t len, const uint8_t *key, size_t key_len,
		 struct proto_pkt *p)
{
	uint8_t mac[MAC_LEN];
	struct proto_pkt d;
	int rc, n;

	if (!buf || !key || key_len == 0 || !p)
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
	if (proto_mac(buf, key, key_len, mac) < 0 ||
	    sodium_memcmp(mac, buf + PROTO_MAC_OFF, MAC_LEN) != 0)
		return PROTO_E_AUTH;

	d.type = buf[OFF_TYPE];
	d.state = buf[OFF_STATE];
	d.priority = buf[OFF_PRIORITY];
	d.flags = get16(buf + OFF_FLAGS);
	d.interval_ms = get16(buf + OFF_INTERVAL);
	d.group_id = get32(buf + OFF_GROUP);
	d.key_id = get32(buf + OFF_KEY);
	for (int i = 0; i < PROTO_DIGEST_COUNT; i++)
		d.digest[i] = get16(buf + OFF_DIGEST + (size_t)i * 2);
	d.nonce = get64(buf + OFF_NONCE);
	d.challenge = get64(buf + OFF_CHALLENGE);
	d.echo = get64(buf + OFF_ECHO);
	d.echo_new = get64(buf + OFF_ECHO_NEW);
	d.seq = get64(buf + OFF_SEQ);
	d.peer_seq = get64(buf + OFF_PEER_SEQ);
	memcpy(d.name, buf + OFF_NAME, PROTO_NAME_MAX);

	/* An authentic packet from a peer with a bug: the reasons are in proto_fields_ok. */
	if (!proto_fields_ok(&d))
		return PROTO_E_FIELD;
	/*
	 * The padding after the name is signed too, so non-zero bytes there
	 * come from a sender that leaks memory onto the wire. Requiring zeros
	 * also keeps one encoding per packet: re-encoding gives the same bytes.
	 */
	for (n = proto_name_len(d.name) + 1; n < PROTO_NAME_MAX; n++) {
		if (d.name[n] != '\0')
			return PROTO_E_FIELD;
	}

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
