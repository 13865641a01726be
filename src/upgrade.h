/*
 * upgrade.h — the binary upgrade (SIGUSR2), both sides of it.
 *
 * The old master forks and execs its binary again (the file may have been
 * replaced), passing in the environment the listening sockets
 * (FORKD_LISTEN_FDS, see listen_export), the write end of a pipe
 * (FORKD_UPGRADE_FD) and the counters the new master continues
 * (FORKD_GENERATION).  The new master starts its first generation on the
 * inherited sockets and writes one report on the pipe: "R" once it serves,
 * or "E" and the reason it cannot.  The old master learns the outcome from
 * that report, or from the new master's exit (the reaper hands it over
 * with upgrade_reap), or from a deadline, and hears it through one
 * callback; what to do then (drain and exit, or keep serving) is the
 * caller's policy.  Nothing here waits: every step is an event of the
 * caller's loop.
 */
#ifndef FORKD_UPGRADE_H
#define FORKD_UPGRADE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "control.h"
#include "event.h"
#include "listen.h"

/* The outcome: ok, or why not; pid is the new master's. */
typedef void upgrade_done_fn(bool ok, const char *why, pid_t pid);

struct upgrade {
	struct event_source pipe; /* first: the new master's reports */
	struct event_loop *loop;
	const uint64_t *now; /* the caller's clock, ms */
	upgrade_done_fn *done;
	char exe[PATH_MAX]; /* our binary, to run again */
	char **argv;
	/* As the old master, while an upgrade is under way (pid != 0). */
	pid_t pid;
	bool reaped;
	bool pipe_closed; /* EOF seen, the exit not yet */
	uint64_t deadline;
	/* As the new master: where to report to the old one, or -1. */
	int report_fd;
};

/*
 * At start: remember how to run this binary again.  If this process is
 * the new master of an upgrade, take from the environment (removing them)
 * the report pipe, the last generation number used (*last_gen) and the
 * counters of st that go on across upgrades; else leave those alone.
 */
void upgrade_init(struct upgrade *u, char **argv, struct event_loop *loop,
		  const uint64_t *now, upgrade_done_fn *done,
		  unsigned *last_gen, struct control_status *st);

/* Is this process a new master that an old one waits for? */
bool upgrade_is_successor(const struct upgrade *u);

/* As the new master: we serve, or cannot start (why).  Once only. */
void upgrade_report_ready(struct upgrade *u);
void upgrade_report_failure(struct upgrade *u, const char *why);

/*
 * As the old master: start the new one with ls's sockets; it goes on from
 * last_gen and st's counters, counting this upgrade.
 * 0: under way, done() will be called; -1 (logged): nothing started, or
 * the outcome (a failure) was already reported through done().
 */
int upgrade_start(struct upgrade *u, const struct listener_set *ls,
		  unsigned last_gen, const struct control_status *st);

bool upgrade_running(const struct upgrade *u);

/* From the reaper: true if pid was the new master (then it is handled). */
bool upgrade_reap(struct upgrade *u, pid_t pid, int status);

/* When the loop should wake for upgrade_check, or UINT64_MAX. */
uint64_t upgrade_deadline(const struct upgrade *u);
/* Give up on a new master past its deadline. */
void upgrade_check(struct upgrade *u);

#endif
