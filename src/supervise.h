/*
 * supervise.h — what PID 1 does after a binary upgrade.
 *
 * Outside a container the old master exits once the new one serves.  As
 * PID 1 of a PID namespace (docker run, podman run, unshare --pid) its exit
 * would end the namespace and everything in it, the new master included,
 * so it stays on as a thin supervisor instead: it keeps no socket, worker
 * or configuration, reaps what the kernel hands to PID 1, passes on the
 * signals it gets to the master that serves (the one the pid file names,
 * which later upgrades may change), and exits with that master's status
 * once it is gone with no successor.
 */
#ifndef FORKD_SUPERVISE_H
#define FORKD_SUPERVISE_H

#include <stdbool.h>
#include <sys/types.h>

/* Should an old master that handed over stay, rather than exit? */
bool supervise_needed(void);

/* The master now serving: the one the pid file names if it is a live
 * forkd master other than gone, else 0. */
pid_t supervise_find_master(const char *pid_file, pid_t gone);

/*
 * Supervise master until no master is left; returns the exit status to
 * end with.  exited: master has been reaped already, with status.  The
 * signals forwarded must be blocked (the master's loop blocks them).
 */
int supervise_run(pid_t master, const char *pid_file, bool exited, int status);

#endif
