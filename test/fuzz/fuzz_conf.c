/*
 * fuzz_conf.c - libFuzzer harness for the config loader: any bytes as a
 * config file must give either a loaded config or a one-line error, never
 * a crash, a leak, or an error message without the file's name.
 *
 * The input is written to a file in a private temporary directory that
 * also holds a valid key file "k" (mode 0600), so that seeds can reach the
 * code after the key is read. Interface names: "lo" exists everywhere.
 * The directory is not under /tmp, which conf.c's trust rule refuses: it is
 * made in /run as root, else in $HOME.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[256];
static char path[sizeof(dir) + 16];

static void setup(void)
{
	const char *base = geteuid() == 0 ? "/run" : getenv("HOME");
	char key[sizeof(dir) + 8];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/vipd-fuzz-conf.XXXXXX", base ? base : ".");
	if (!mkdtemp(dir))
		abort();
	snprintf(key, sizeof(key), "%s/k", dir);
	snprintf(path, sizeof(path), "%s/vipd.conf", dir);
	f = fopen(key, "w");
	if (!f)
		abort();
	fputs("0123456789abcdef0123456789abcdef\n", f);
	fclose(f);
	chmod(key, 0600);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c;
	char err[512];
	FILE *f;

	if (!path[0])
		setup();
	f = fopen(path, "w");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	err[0] = '\0';
	if (conf_load(path, &c, err, sizeof(err)) == 0) {
		/* A loaded config prints, and what it prints loads again. */
		FILE *out = fopen(path, "w");

		if (!out)
			abort();
		conf_print(&c, out);
		fclose(out);
		conf_free(&c);
		if (conf_load(path, &c, err, sizeof(err)) != 0) {
			fprintf(stderr, "printed config does not load: %s\n", err);
			abort();
		}
		conf_free(&c);
		return 0;
	}
	/* Errors are one line and name the file. */
	if (strncmp(err, path, strlen(path)) != 0 || strchr(err, '\n'))
		abort();
	return 0;
}
