/*
 * main.c — the command line: test a config, signal a running master, or
 * become the master.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "version.h"
#include "config.h"
#include "control.h"
#include "master.h"

#define DEFAULT_CONFIG "/etc/forkd/forkd.conf"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: forkd [-c FILE] [-t | -T] [-s "
		"reload|stop|quit|reopen|upgrade] [-d] [-v] [-h]\n"
		"  -c FILE  configuration file (default " DEFAULT_CONFIG ")\n"
		"  -t       check the configuration and exit\n"
		"  -T       check it and print it with includes and defaults\n"
		"  -s CMD   tell the running master to: reload (SIGHUP), stop\n"
		"           (fast, SIGINT), quit (graceful, SIGQUIT), reopen "
		"(SIGUSR1),\n"
		"           upgrade (SIGUSR2), and wait for the outcome\n"
		"  -d       detach and run in the background\n"
		"  -v       print the version and exit\n"
		"  -h       print this summary and exit\n");
}

static bool known_command(const char *cmd)
{
	static const char *const cmds[] = { "reload", "stop", "quit", "reopen",
					    "upgrade" };

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmd, cmds[i]) == 0)
			return true;
	return false;
}

/* -T: the configuration on stdout, so that it can be saved and used. */
static int dump_config(const char *path)
{
	char err[CONFIG_ERR_MAX];

	if (config_dump(path, stdout, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	fprintf(stderr, "forkd: configuration %s is valid\n", path);
	return 0;
}

/*
 * `-s reload` with a configuration that does not load: nothing is sent.
 * Its pid_file is unknown, so say what the default one shows.
 */
static int reload_refused(const char *err)
{
	char why[CONFIG_ERR_MAX];
	pid_t pid;

	fprintf(stderr, "forkd: reload failed: %s\n", err);
	if (control_find_master(CONTROL_DEFAULT_PID_FILE, &pid, why,
				sizeof(why)) == CONTROL_MASTER)
		fprintf(stderr,
			"forkd: nothing was sent; %s keeps its "
			"configuration\n",
			why);
	else
		fprintf(stderr,
			"forkd: nothing was sent; by the default pid "
			"file: %s\n",
			why);
	return 1;
}

int main(int argc, char **argv)
{
	const char *path = DEFAULT_CONFIG;
	const char *cmd = NULL;
	struct master_opts opts = { 0 };
	bool test = false, dump = false;
	char err[CONFIG_ERR_MAX];
	int c;

	while ((c = getopt(argc, argv, "c:tTs:dvh")) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 't': test = true; break;
		case 'T': dump = true; break;
		case 's':
			cmd = optarg;
			if (!known_command(cmd)) {
				fprintf(stderr,
					"forkd: unknown command \"%s\" for "
					"-s\n",
					cmd);
				usage(stderr);
				return 2;
			}
			break;
		case 'd': opts.daemonize = true; break;
		case 'v': printf("forkd %s\n", FORKD_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (dump)
		return dump_config(path);
	struct config *cf = config_load(path, err, sizeof(err));
	if (cf == NULL && cmd != NULL && strcmp(cmd, "reload") == 0)
		return reload_refused(err);
	if (cf == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (test) {
		printf("forkd: configuration %s is valid\n", path);
		config_free(cf);
		return 0;
	}
	if (cmd != NULL) {
		int rc = control_command(cf, cmd);
		config_free(cf);
		return rc;
	}
	opts.argv = argv;
	return master_run(cf, &opts);
}
