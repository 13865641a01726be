/*
 * daemon.h — becoming a classic daemon, and the process limits a master
 * sets up before it forks workers.
 */
#ifndef FORKD_DAEMON_H
#define FORKD_DAEMON_H

#include "config.h"

/*
 * Detach: fork, new session, fork again (so no terminal can ever be
 * acquired), stdin and stdout (and stderr, unless the error log is stderr)
 * on /dev/null.  The process that called it waits on the terminal and
 * exits only when daemon_report_ready() writes to *ready_fd (status 0);
 * with status 1 after printing the reason daemon_report_failure() sent,
 * or a note to read the error log if the daemon closed it unwritten.
 * Returns 0 in the daemon, -1 if detaching failed.
 */
int daemon_detach(int *ready_fd);

/* We serve: let the waiting parent exit 0.  No-op when *ready_fd is -1;
 * sets it to -1. */
void daemon_report_ready(int *ready_fd);

/* We cannot start: the waiting parent prints why and exits 1.  No-op when
 * *ready_fd is -1; sets it to -1. */
void daemon_report_failure(int *ready_fd, const char *why);

/* Raise RLIMIT_NOFILE (soft, up to the hard limit) to hold cf's
 * worker_connections sockets plus the files being sent.  Logs failure. */
void daemon_raise_fd_limit(const struct config *cf);

#endif
