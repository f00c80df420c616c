/*
 * fuzz_sipmsg.c - libFuzzer harness for the SIP check's answer matching
 * (sipmsg_match) and the call count parser (calls_parse): both read bytes
 * from the network or from another program. The input is copied into a
 * buffer of exactly its size, so ASan sees any read past the end; the
 * results must keep their contracts (a code in 100..699 only with a whole
 * header block inside the input).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"
#include "sipmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *m = malloc(size ? size : 1);
	size_t hdr = 0;
	int code;

	if (!m)
		return 0;
	if (size)
		memcpy(m, data, size);
	code = sipmsg_match(m, size, "0123@vipd", 1, "z9hG4bK0123", &hdr);
	if (code >= 0 && (code < 100 || code > 699 || hdr == 0 || hdr > size))
		abort();
	if (hdr > size)
		abort();
	if (calls_parse(m, size) < -1)
		abort();
	free(m);
	return 0;
}
