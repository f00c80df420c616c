/*
 * fuzz_proto.c - libFuzzer harness for the heartbeat decoder (src/proto.c).
 *
 * Each input goes through proto_peek_group and proto_decode with a fixed
 * key. Random bytes almost never carry a valid HMAC, so an input of exactly
 * PROTO_LEN bytes is also re-signed here with that key and decoded again:
 * that is how the fuzzer reaches the field checks behind authentication.
 * The harness aborts when
 *   - peek and decode disagree on a header error or on the group id,
 *   - a packet re-signed with the right key fails authentication,
 *   - a decoded packet does not re-encode to exactly the same bytes
 *     (every packet has one encoding, so decode accepts nothing encode
 *     would not produce).
 * Inputs that are bundles (version 3) go through proto_bundle_peek, and,
 * re-signed the same way, proto_bundle_verify and proto_bundle_record:
 * the harness aborts when a re-signed bundle fails its HMAC, or when the
 * records that decode do not re-encode to the same bytes (every record
 * decoded: the whole bundle).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <sodium.h>

#include "proto.h"

/* The key the seeds in test/fuzz/corpus/fuzz_proto/ are signed with. */
static const uint8_t fuzz_key[32] = {
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
	0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16,
	0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20,
};

/* fuzz_key, ready for the HMAC: made on the first input. */
static struct proto_key fuzz_pkey;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort unless @p encodes to exactly the PROTO_LEN bytes at @pkt. */
static void check_canonical(const uint8_t *pkt, const struct proto_pkt *p)
{
	uint8_t out[PROTO_LEN];

	if (proto_encode(p, &fuzz_pkey, out, sizeof(out)) != PROTO_LEN)
		abort();
	if (memcmp(out, pkt, PROTO_LEN) != 0)
		abort();
}

/* A header error is one that proto_peek_group reports too. */
static int header_error(int rc)
{
	return rc == PROTO_E_SHORT || rc == PROTO_E_LONG || rc == PROTO_E_MAGIC ||
	       rc == PROTO_E_VERSION;
}

/*
 * A bundle: peek, re-sign, verify, decode every record; the records
 * decoded re-encode to the same bundle when all of them decode.
 */
static void fuzz_bundle(const uint8_t *data, size_t size)
{
	static struct proto_pkt p[PROTO_BUNDLE_MAX];
	uint8_t pkt[PROTO_MAX_LEN], out[PROTO_MAX_LEN];
	unsigned int mac_len = 0;
	uint32_t key_id;
	unsigned n, ok = 0;

	if (proto_bundle_peek(data, size, &n, &key_id) != PROTO_OK)
		return;
	if (n == 0 || n > PROTO_BUNDLE_MAX || size != (size_t)PROTO_BUNDLE_LEN(n))
		abort();
	memcpy(pkt, data, size);
	if (!HMAC(EVP_sha256(), fuzz_key, sizeof(fuzz_key), pkt, size - 32, pkt + size - 32,
		  &mac_len))
		abort();
	if (proto_bundle_verify(pkt, size, &fuzz_pkey) != PROTO_OK)
		abort();
	for (unsigned i = 0; i < n; i++) {
		int rc = proto_bundle_record(pkt, i, &p[ok]);

		if (rc == PROTO_OK) {
			if (p[ok].group_id != proto_bundle_group(pkt, i) || p[ok].key_id != key_id)
				abort();
			ok++;
		} else if (rc != PROTO_E_FIELD) {
			abort();
		}
	}
	if (ok != n)
		return;
	if (proto_bundle_encode(p, n, &fuzz_pkey, out, sizeof(out)) != (int)size ||
	    memcmp(out, pkt, size) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (sodium_init() < 0)
		abort();
	if (!fuzz_pkey.set && proto_key_init(&fuzz_pkey, fuzz_key, sizeof(fuzz_key)) != PROTO_OK)
		abort();
	uint8_t pkt[PROTO_LEN];
	struct proto_pkt p;
	unsigned int mac_len = 0;
	uint32_t group = 0;
	int peek, rc;

	peek = proto_peek_group(data, size, &group);
	rc = proto_decode(data, size, &fuzz_pkey, &p);
	if (!proto_strerror(rc) || !proto_err_key(rc) || !proto_strerror(peek))
		abort();
	if (header_error(rc) && peek != rc)
		abort();
	if (rc == PROTO_OK) {
		if (peek != PROTO_OK || group != p.group_id || !proto_state_name(p.state))
			abort();
		check_canonical(data, &p);
	}

	if (proto_is_bundle(data, size))
		fuzz_bundle(data, size);
	if (size != PROTO_LEN)
		return 0;
	memcpy(pkt, data, PROTO_LEN);
	if (!HMAC(EVP_sha256(), fuzz_key, sizeof(fuzz_key), pkt, PROTO_MAC_OFF, pkt + PROTO_MAC_OFF,
		  &mac_len))
		abort();
	rc = proto_decode(pkt, PROTO_LEN, &fuzz_pkey, &p);
	if (rc == PROTO_E_AUTH)
		abort();
	if (rc == PROTO_OK)
		check_canonical(pkt, &p);
	return 0;
}
