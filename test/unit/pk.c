/*
 * pk.c - see pk.h.
 */
#include "pk.h"

const struct proto_key *pk(const uint8_t *k, size_t k_len)
{
	static struct proto_key ring[4];
	static unsigned next;
	struct proto_key *r = &ring[next++ % 4];

	(void)proto_key_init(r, k, k_len);
	return r;
}
