/*
 * fuzz_conf.c - libFuzzer harness for the pure config parser
 * (conf_parse_file): any bytes as a config file must give either a parsed
 * config or a one-line error, never a crash, a leak, or an error message
 * without the file's name; a parsed config prints, and the printout parses
 * again.
 *
 * The input is parsed from memory, as file FUZZ_PATH, with a fake system
 * (conftest.c's, test/unit): interface "lo" exists, group "root" is 0,
 * programs under /bin/ may run, and here every key file whose name ends in
 * "k" holds a valid 32-byte key (so seeds reach the code after the key).
 * Nothing is written to disk.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conftest.h"

#define FUZZ_PATH "/fuzz/vipd.conf"
#define FUZZ_KEY  "0123456789abcdef0123456789abcdef\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long fake_read_key(const char *path, uint8_t *buf, size_t max, char *why, size_t len)
{
	size_t n = strlen(path), k = strlen(FUZZ_KEY);

	if (n == 0 || path[n - 1] != 'k') {
		snprintf(why, len, "cannot open %s: No such file or directory", path);
		return -1;
	}
	k = k < max ? k : max;
	memcpy(buf, FUZZ_KEY, k);
	return (long)k;
}

static const struct conf_sys fake = {
	.ifindex = conftest_ifindex,
	.gid = conftest_gid,
	.read_key = fake_read_key,
	.check_exec = conftest_check_exec,
};

/* Parse @len bytes at @text as FUZZ_PATH with the fake system. */
static int parse(const void *text, size_t len, struct conf *c, char *err, size_t err_len)
{
	return conftest_parse(FUZZ_PATH, text, len, &fake, c, err, err_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c;
	char err[512], *out = NULL;
	size_t out_len = 0;
	FILE *f;

	err[0] = '\0';
	if (parse(data, size, &c, err, sizeof(err)) == 0) {
		/* A parsed config prints, and what it prints parses again. */
		f = open_memstream(&out, &out_len);
		if (!f)
			abort();
		conf_print(&c, f);
		fclose(f);
		conf_free(&c);
		if (parse(out, out_len, &c, err, sizeof(err)) != 0) {
			fprintf(stderr, "printed config does not parse: %s\n", err);
			abort();
		}
		free(out);
		conf_free(&c);
		return 0;
	}
	/* Errors are one line and name the file. */
	if (strncmp(err, FUZZ_PATH, strlen(FUZZ_PATH)) != 0 || strchr(err, '\n'))
		abort();
	return 0;
}
