/*
 * proto.h - the heartbeat wire format (pure: no I/O, no clock, no logging).
 *
 * One fixed-size packet, network byte order, authenticated with
 * HMAC-SHA256 over everything before the MAC. Version 2 (layout: offset,
 * size; vipd(8), WIRE FORMAT, says what each check protects against):
 *
 *    0  4  magic "VIPD"
 *    4  1  version (PROTO_VERSION)
 *    5  1  type (PROTO_T_HEARTBEAT)
 *    6  1  state of the sender (enum proto_state)
 *    7  1  priority of the sender (1..255, effective)
 *    8  2  flags (PROTO_F_*)
 *   10  2  sender's heartbeat interval, ms
 *   12  4  group id
 *   16  4  key id: which key signed it (proto_key_id() of the key)
 *   20  8  settings digests: 4 x 16 bits, one per PROTO_DIGEST_* class
 *   28  8  nonce: the sender's session, random at start (never 0)
 *   36  8  challenge: what a new session of the peer must echo (never 0)
 *   44  8  echo: the challenge of the peer session the sender accepted (0: none)
 *   52  8  echo of the challenge of the newest session the sender heard but
 *          has not accepted (0: none)
 *   60  8  sequence number, 1 for the first packet of a session
 *   68  8  last sequence number the sender heard from its peer (0: none)
 *   76 32  node name, NUL padded, printable ASCII
 *  108 32  HMAC-SHA256(key, bytes 0..107)
 *  140     total (PROTO_LEN)
 *
 * A bundle (version 3, PROTO_BUNDLE_VERSION) carries the heartbeats of up
 * to PROTO_BUNDLE_MAX groups of one node that share a socket, destination,
 * key and interval, under one HMAC; each record still goes to its own group
 * (vipd(8), WIRE FORMAT, Bundles, says why each check is where it is):
 *
 *    0  4  magic "VIPD"
 *    4  1  version (PROTO_BUNDLE_VERSION)
 *    5  1  type (PROTO_T_HEARTBEAT)
 *    6  1  record count n, 1..PROTO_BUNDLE_MAX
 *    7  1  zero
 *    8  2  sender's heartbeat interval, ms (every record's)
 *   10  2  zero
 *   12  4  key id (every record's)
 *   16 32  node name, NUL padded, printable ASCII (every record's)
 *   48     n records of 64 bytes, each:
 *           0  4  group id          16  8  nonce      40  8  echo_new
 *           4  1  state             24  8  challenge  48  8  sequence number
 *           5  1  priority          32  8  echo       56  8  peer's last sequence
 *           6  2  flags
 *           8  8  settings digests
 *   48+64n 32  HMAC-SHA256(key, bytes 0..48+64n-1)
 *
 * A datagram of one group stays version 2: both versions are accepted.
 */
#ifndef PROTO_H
#define PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION  2
#define PROTO_LEN      140
#define PROTO_MAC_OFF  108
#define PROTO_NAME_MAX 32 /* bytes on the wire, name is at most 31 chars */

#define PROTO_BUNDLE_VERSION 3
#define PROTO_BUNDLE_HDR     48 /* bytes before the first record */
#define PROTO_BUNDLE_REC     64 /* bytes per record */
/*
 * Records per bundle: 18 make 1232 bytes, the UDP payload that fits the
 * IPv6 minimum MTU of 1280 bytes, so no bundle is ever fragmented (a lost
 * fragment would lose every group's heartbeat at once).
 */
#define PROTO_BUNDLE_MAX    18
#define PROTO_BUNDLE_LEN(n) (PROTO_BUNDLE_HDR + PROTO_BUNDLE_REC * (n) + 32)
#define PROTO_MAX_LEN	    PROTO_BUNDLE_LEN(PROTO_BUNDLE_MAX) /* the longest datagram, bytes */

enum proto_type {
	PROTO_T_HEARTBEAT = 1,
};

enum proto_state {
	PROTO_ST_INIT = 0, /* listening after start, never holds VIPs */
	PROTO_ST_BACKUP = 1,
	PROTO_ST_MASTER = 2,
	PROTO_ST_FAULT = 3,    /* unhealthy, never holds VIPs */
	PROTO_ST_STOPPING = 4, /* leaving: VIPs already removed */
	PROTO_ST_COUNT
};

#define PROTO_F_QUERY	 0x0001 /* "who is master?": answer at once */
#define PROTO_F_RESIGN	 0x0002 /* sender dropped the VIPs: take them now */
#define PROTO_F_TAKEOVER 0x0004 /* sender asks the master to resign to it */
#define PROTO_F_STANDBY	 0x0008 /* sender will not take the VIPs */
#define PROTO_F_UPSTREAM 0x0010 /* sender's upstream checks pass */
#define PROTO_F_ALL	 0x001f

/* The classes of settings both nodes of a group must share (a digest each). */
enum proto_digest {
	PROTO_DIGEST_VIPS,    /* the VIP list */
	PROTO_DIGEST_TIMING,  /* interval_ms, misses */
	PROTO_DIGEST_PREEMPT, /* preempt, preempt_delay_ms */
	PROTO_DIGEST_SYNC,    /* sync set */
	PROTO_DIGEST_COUNT
};

struct proto_pkt {
	uint8_t type;
	uint8_t state;
	uint8_t priority;
	uint16_t flags;
	uint16_t interval_ms;
	uint32_t group_id;
	uint32_t key_id;
	uint16_t digest[PROTO_DIGEST_COUNT];
	uint64_t nonce;
	uint64_t challenge;
	uint64_t echo;
	uint64_t echo_new;
	uint64_t seq;
	uint64_t peer_seq;
	char name[PROTO_NAME_MAX]; /* NUL terminated */
};

/* Errors, each a reason a received packet is dropped and counted. */
enum proto_err {
	PROTO_OK = 0,
	PROTO_E_SHORT = -1,   /* fewer than PROTO_LEN bytes */
	PROTO_E_LONG = -2,    /* more than PROTO_LEN bytes */
	PROTO_E_MAGIC = -3,   /* not a vipd packet */
	PROTO_E_VERSION = -4, /* unknown version */
	PROTO_E_AUTH = -5,    /* HMAC mismatch: wrong key or altered */
	PROTO_E_FIELD = -6,   /* authentic but a field is out of range */
	PROTO_E_ARG = -7,     /* encode: bad argument or buffer too small */
	PROTO_E_KEY = -8,     /* signed with a key this group does not have */
};
#define PROTO_E_COUNT 9 /* index = -err, 0 unused */

/*
 * A heartbeat key, ready to sign and verify with: the HMAC-SHA256 state
 * (RFC 2104) after the key's inner and outer pads are hashed, made once per
 * key by proto_key_init(). Each datagram then costs a copy of it and the
 * hash of its own bytes, not the two extra SHA-256 blocks (and, for a key
 * longer than 64 bytes, the key's hash) of setting the key up again: what
 * a flood of forgeries costs the receiver. Opaque: only proto.c reads it.
 * It holds secret material; proto_key_clear() wipes it.
 */
#define PROTO_KEY_STATE 208 /* bytes: sizeof(crypto_auth_hmacsha256_state) */
struct proto_key {
	_Alignas(8) uint8_t state[PROTO_KEY_STATE];
	uint32_t id; /* proto_key_id() of the key bytes */
	bool set;    /* false: not initialised, every use is PROTO_E_ARG */
};

/*
 * The HMAC comes from libsodium: the program calls sodium_init() once
 * before the first proto_key_init, encode or decode.
 *
 * Make @k from the @key_len (> 0) bytes of @key: PROTO_OK, or PROTO_E_ARG
 * (and @k unset) for no key or a libsodium failure.
 */
int proto_key_init(struct proto_key *k, const uint8_t *key, size_t key_len);

/* The key id of @k (proto_key_id() of its bytes, kept from proto_key_init), 0 if unset. */
uint32_t proto_key_id_of(const struct proto_key *k);

/* Wipe @k (it becomes unset). */
void proto_key_clear(struct proto_key *k);

/*
 * Whether @a and @b sign alike (made from the same key bytes). Not constant
 * time: for comparing this node's own keys, never a received value.
 */
bool proto_key_equal(const struct proto_key *a, const struct proto_key *b);

/*
 * Encode @p into @buf (at least PROTO_LEN bytes) and sign it with @key.
 * Returns PROTO_LEN, or PROTO_E_ARG for a field that cannot be sent
 * (unknown state/type, flags outside PROTO_F_ALL, empty or unterminated
 * name, zero group id), an unset key or a short buffer.
 */
int proto_encode(const struct proto_pkt *p, const struct proto_key *key, uint8_t *buf,
		 size_t buf_len);

/*
 * Read the group id of a received packet without authenticating it, so the
 * receiver can pick the group's key. Checks length, magic and version only.
 * Returns PROTO_OK or a negative enum proto_err.
 */
int proto_peek_group(const uint8_t *buf, size_t len, uint32_t *group_id);

/* The same for the key id, so the receiver tries the one key it names. */
int proto_peek_key(const uint8_t *buf, size_t len, uint32_t *key_id);

/* The key id of @key: the first 4 bytes of its BLAKE2b hash (never secret). */
uint32_t proto_key_id(const uint8_t *key, size_t key_len);

/*
 * A 16-bit digest of @len bytes at @data, for one PROTO_DIGEST_* class of
 * settings: equal settings give equal digests on both nodes.
 */
uint16_t proto_digest(const void *data, size_t len);

/*
 * Check and decode a received packet: length, magic, version, then HMAC
 * (constant time), then every field. Returns PROTO_OK and fills @p, or a
 * negative enum proto_err; @p is unspecified on error.
 */
int proto_decode(const uint8_t *buf, size_t len, const struct proto_key *key, struct proto_pkt *p);

/*
 * Bundles. Encode the @n (1..PROTO_BUNDLE_MAX) heartbeats @p, which share
 * type, interval, key id and name, into one bundle signed with @key.
 * Returns its length (PROTO_BUNDLE_LEN(n)), or PROTO_E_ARG as proto_encode
 * does, and for records that differ in a shared field.
 */
int proto_bundle_encode(const struct proto_pkt *p, size_t n, const struct proto_key *key,
			uint8_t *buf, size_t buf_len);

/* Whether @buf is meant as a bundle: the magic and PROTO_BUNDLE_VERSION (nothing else checked). */
bool proto_is_bundle(const uint8_t *buf, size_t len);

/*
 * The checks of a received bundle that need no key: length equal to that
 * of the count it gives, count in 1..PROTO_BUNDLE_MAX, zero reserved bytes.
 * Fills @n and @key_id. Returns PROTO_OK or a negative enum proto_err.
 */
int proto_bundle_peek(const uint8_t *buf, size_t len, unsigned *n, uint32_t *key_id);

/* The group id of record @i of a bundle proto_bundle_peek() accepted. */
uint32_t proto_bundle_group(const uint8_t *buf, unsigned i);

/* The one HMAC of a bundle proto_bundle_peek() accepted: PROTO_OK or PROTO_E_AUTH. */
int proto_bundle_verify(const uint8_t *buf, size_t len, const struct proto_key *key);

/*
 * Decode record @i of a bundle that passed proto_bundle_verify() into @p,
 * with the shared fields of the header. PROTO_OK, or PROTO_E_FIELD for a
 * field out of range (the other records are not affected).
 */
int proto_bundle_record(const uint8_t *buf, unsigned i, struct proto_pkt *p);

const char *proto_strerror(int err);	      /* "short", "bad HMAC", ... */
const char *proto_err_key(int err);	      /* stable counter key: "short", "auth" */
const char *proto_state_name(unsigned state); /* "MASTER"; "?" if unknown */

#endif
