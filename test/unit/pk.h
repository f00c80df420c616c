/*
 * pk.h - proto_key values for the tests that encode and decode heartbeats
 * (test_proto, test_bundle). Pure, no cmocka.
 */
#ifndef PK_H
#define PK_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/*
 * @k_len bytes of @k as a proto_key, from a ring of four, so one call can
 * name two keys. A key proto_key_init() refuses (no bytes) comes back
 * unset: what proto.c must refuse with PROTO_E_ARG.
 */
const struct proto_key *pk(const uint8_t *k, size_t k_len);

#endif
