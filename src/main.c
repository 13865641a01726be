/*
 * main.c — the command line: test a config, signal a running master, or
 * become the master.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "master.h"

#ifndef FORKD_VERSION
#define FORKD_VERSION "0.1.0"
#endif
#define DEFAULT_CONFIG "/etc/forkd/forkd.conf"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: forkd [-c FILE] [-t] [-s reload|stop|quit|reopen] [-d] [-v]\n"
		"  -c FILE  configuration file (default " DEFAULT_CONFIG ")\n"
		"  -t       check the configuration and exit\n"
		"  -s CMD   tell the running master to: reload (SIGHUP), stop\n"
		"           (fast, SIGINT), quit (graceful, SIGQUIT), reopen (SIGUSR1)\n"
		"  -d       detach and run in the background\n"
		"  -v       print the version and exit\n");
}

static int signal_of(const char *cmd)
{
	static const struct {
		const char *name;
		int sig;
	} cmds[] = {
		{ "reload", SIGHUP },
		{ "stop", SIGINT },
		{ "quit", SIGQUIT },
		{ "reopen", SIGUSR1 },
	};

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmd, cmds[i].name) == 0)
			return cmds[i].sig;
	return -1;
}

static int read_pid(const char *path)
{
	char buf[32] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	int pid = n > 0 ? atoi(buf) : 0;
	if (pid <= 0) {
		errno = EINVAL;
		return -1;
	}
	return pid;
}

static int send_command(const struct config *cf, const char *cmd, int sig)
{
	int pid = read_pid(cf->pid_file);

	if (pid == -1) {
		fprintf(stderr, "forkd: cannot read pid file %s: %s\n",
			cf->pid_file, strerror(errno));
		return 1;
	}
	if (kill(pid, sig) == -1) {
		fprintf(stderr, "forkd: %s: cannot signal pid %d from %s: %s\n",
			cmd, pid, cf->pid_file, strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = DEFAULT_CONFIG;
	const char *cmd = NULL;
	struct master_opts opts = { 0 };
	bool test = false;
	char err[CONFIG_ERR_MAX];
	int c, sig = 0;

	while ((c = getopt(argc, argv, "c:ts:dvh")) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 't':
			test = true;
			break;
		case 's':
			cmd = optarg;
			if ((sig = signal_of(cmd)) == -1) {
				fprintf(stderr, "forkd: unknown command \"%s\" for -s\n", cmd);
				usage(stderr);
				return 2;
			}
			break;
		case 'd':
			opts.daemonize = true;
			break;
		case 'v':
			printf("forkd %s\n", FORKD_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	struct config *cf = config_load(path, err, sizeof(err));
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
		int rc = send_command(cf, cmd, sig);
		config_free(cf);
		return rc;
	}
	return master_run(cf, &opts);
}
