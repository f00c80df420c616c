/*
 * digest.h - the settings both nodes of a group must share, as one 16-bit
 * digest per class (enum proto_digest), carried in every heartbeat so that
 * a pair whose configs drifted apart is told so instead of flapping.
 */
#ifndef DIGEST_H
#define DIGEST_H

#include <stdint.h>

#include "conf.h"
#include "proto.h"

/* The digests of @cg, in the same order on every node. */
void digest_settings(const struct conf_group *cg, uint16_t out[PROTO_DIGEST_COUNT]);

/* "vips", "timing", "preemption", "sync set": names for logs and status. */
const char *digest_class_name(int k);

#endif
