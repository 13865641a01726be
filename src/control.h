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
	char state[16]; /* starting serving reloading stopping upgrading */
	unsigned reloads_ok;
	unsigned reloads_failed;
	unsigned reopens;
	unsigned upgrades;
	char last_reload[8]; /* "ok", "failed" or "-" */
	char last_error[CONFIG_ERR_MAX];
	/* The master's start time (/proc/PID/stat, clock ticks after boot):
	 * with pid, it tells the master from a process that reused its pid.
	 * control_write fills it in when 0. */
	unsigned long long start_time;
};

/* "/run/forkd.pid" -> "/run/forkd.status"; other names get ".status". */
void control_status_path(const char *pid_file, char *out, size_t outsz);

int control_write(const char *path, const struct control_status *st);
int control_read(const char *path, struct control_status *st);

/* The pid file of a configuration that could not be read. */
#define CONTROL_DEFAULT_PID_FILE "/run/forkd.pid"

enum control_found {
	CONTROL_MASTER,      /* pid is the forkd master */
	CONTROL_NOT_RUNNING, /* no pid file, or it names no live process */
	CONTROL_NOT_FORKD,   /* it names a process that is not a forkd master */
};

/*
 * Who the pid file names.  Sets *pid when it names one, and why[] to a
 * sentence for the operator in every case.  A live process counts as the
 * master when the status file beside the pid file records it with the same
 * start time, or, when the status file has no such record (a master from
 * before start times were recorded), when its name is forkd's.
 */
enum control_found control_find_master(const char *pid_file, pid_t *pid,
				       char *why, size_t whysz);

/*
 * Run `forkd -s cmd` against the master of cf: signal it and wait for the
 * result, reporting on stdout/stderr.  Returns the exit status.
 */
int control_command(const struct config *cf, const char *cmd);

#endif
