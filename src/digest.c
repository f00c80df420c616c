/*
 * digest.c - the shared settings of a group in canonical form, hashed per
 * class (see digest.h). Canonical means independent of how the config was
 * written: VIPs are sorted, numbers are fixed-width big-endian, so two
 * configs that mean the same give the same digest on any host.
 */
#include <stdlib.h>
#include <string.h>

#include "digest.h"

static void put32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

/* One VIP as 18 bytes: family, prefix length, address (16 bytes, v4 zero-padded). */
static void vip_bytes(const struct conf_vip *v, uint8_t out[18])
{
	memset(out, 0, 18);
	out[0] = (uint8_t)v->family;
	out[1] = v->prefix_len;
	memcpy(out + 2, v->addr, v->family == AF_INET ? 4 : 16);
}

static int vip_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 18);
}

void digest_settings(const struct conf_group *cg, uint16_t out[PROTO_DIGEST_COUNT])
{
	uint8_t vips[VIPD_MAX_VIPS][18], b[16];
	size_t n = cg->n_vips < VIPD_MAX_VIPS ? cg->n_vips : VIPD_MAX_VIPS;

	for (size_t i = 0; i < n; i++)
		vip_bytes(&cg->vips[i], vips[i]);
	qsort(vips, n, sizeof(vips[0]), vip_cmp);
	out[PROTO_DIGEST_VIPS] = proto_digest(vips, n * sizeof(vips[0]));
	/* The peer's advertised interval is used anyway; a difference is still a mistake. */
	put32(b, cg->interval_ms);
	put32(b + 4, cg->misses);
	out[PROTO_DIGEST_TIMING] = proto_digest(b, 8);
	b[0] = cg->preempt;
	put32(b + 1, cg->preempt ? cg->preempt_delay_ms : 0);
	out[PROTO_DIGEST_PREEMPT] = proto_digest(b, 5);
	out[PROTO_DIGEST_SYNC] = proto_digest(cg->sync_group, strlen(cg->sync_group));
}

const char *digest_class_name(int k)
{
	static const char *const names[PROTO_DIGEST_COUNT] = {
		[PROTO_DIGEST_VIPS] = "vips",
		[PROTO_DIGEST_TIMING] = "timing",
		[PROTO_DIGEST_PREEMPT] = "preemption",
		[PROTO_DIGEST_SYNC] = "sync set",
	};

	return k >= 0 && k < PROTO_DIGEST_COUNT ? names[k] : "?";
}
