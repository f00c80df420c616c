/*
 * main.c - vipd's options and main(): load (and with -t print) the
 * configuration, vipd -c, or run the daemon (daemon.c).
 *
 * Exit status: 0 clean stop or config OK (-t); 1 start-up failure;
 * 2 bad usage; 3 invalid configuration.
 */
#include <getopt.h>
#include <stdio.h>

#include <sodium.h>

#include "daemon.h"
#include "log.h"

#define EXIT_USAGE  2
#define EXIT_CONFIG 3

static void usage(FILE *f)
{
	fprintf(f, "usage: vipd [-tvhV] [-s] [-c] [-f FILE]\n"
		   "  -f, --config FILE  configuration file (default " VIPD_CONF_PATH ")\n"
		   "  -t, --test         check the configuration and exit (with -v: print it)\n"
		   "  -c, --cleanup      remove every configured VIP from this node and exit\n"
		   "  -s, --syslog       log to syslog instead of stderr\n"
		   "  -v, --verbose      debug logging; with -t print the effective config\n"
		   "  -h, --help         this text\n"
		   "  -V, --version      print the version\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'f' }, { "test", no_argument, NULL, 't' },
		{ "cleanup", no_argument, NULL, 'c' },	    { "syslog", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },	    { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },	    { NULL, 0, NULL, 0 },
	};
	const char *path = VIPD_CONF_PATH;
	bool test = false, verbose = false, use_syslog = false, clean = false;
	static struct daemon d;
	char err[512];
	int c, rc;

	while ((c = getopt_long(argc, argv, "f:tcsvhV", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			path = optarg;
			break;
		case 't':
			test = true;
			break;
		case 'c':
			clean = true;
			break;
		case 's':
			use_syslog = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("vipd %s\n", VIPD_VERSION);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	log_init("vipd", use_syslog, verbose && !test);
	if (sodium_init() < 0) {
		log_stderr(LOG_ERR, "vipd: libsodium cannot initialise");
		return 1;
	}
	if (conf_load(path, &d.conf, err, sizeof(err)) < 0) {
		log_stderr(LOG_ERR, "%s", err);
		return EXIT_CONFIG;
	}
	for (size_t i = 0; i < d.conf.n_warnings; i++) {
		if (test)
			log_stderr(LOG_WARNING, "warning: %s", d.conf.warnings[i]);
		else
			log_warnx("%s", d.conf.warnings[i]);
	}
	if (test) {
		if (verbose)
			conf_print(&d.conf, stdout);
		conf_free(&d.conf);
		return 0;
	}
	if (clean) {
		rc = daemon_cleanup(&d.conf);
		conf_free(&d.conf);
		return rc;
	}
	rc = daemon_run(&d);
	daemon_free(&d);
	return rc;
}
