/*
 * control.h — the master's status file and the `forkd -s` client.
 *
 * The master rewrites a small "key value" file next to its pid file on
 * every change of state (start, reload done or failed, logs reopened,
 * stopping).  `forkd -s CMD` reads it, sends the signal, and waits until
 * the file (or the master's exit) shows the outcome, so that the command's
 * exit status says whether the reload, reopen or stop worked.
 */
#ifndef FORKD_CONTROL_H
#define FORKD_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"

struct control_status {
	pid_t pid;
	unsigned generation;
	unsigned workers;
	char state[16];          /* starting serving reloading stopping upgrading */
	unsigned reloads_ok;
	unsigned reloads_failed;
	unsigned reopens;
	unsigned upgrades;
	char last_reload[8];     /* "ok", "failed" or "-" */
	char last_error[CONFIG_ERR_MAX];
};

/* "/run/forkd.pid" -> "/run/forkd.status"; other names get ".status". */
void control_status_path(const char *pid_file, char *out, size_t outsz);

int control_write(const char *path, const struct control_status *st);
int control_read(const char *path, struct control_status *st);

/*
 * Run `forkd -s cmd` against the master of cf: signal it and wait for the
 * result, reporting on stdout/stderr.  Returns the exit status.
 */
int control_command(const struct config *cf, const char *cmd);

#endif
