/*
 * sipmsg.h - matching a SIP response to the request it answers (pure).
 */
#ifndef SIPMSG_H
#define SIPMSG_H

#include <stddef.h>
#include <stdint.h>

/*
 * Pure: does @msg (@n bytes) answer the request (@call_id, @cseq OPTIONS,
 * top Via @branch)? Returns the status code (100..699), or -1 when it is
 * no SIP response, -2 when it answers another request (a stray or forged
 * datagram). *@hdr_len receives the length of the header block including
 * its blank line (TCP reads until it has one).
 */
int sipmsg_match(const char *msg, size_t n, const char *call_id, uint32_t cseq, const char *branch,
		 size_t *hdr_len);

#endif
