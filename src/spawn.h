/*
 * spawn.h — forking one worker process into the master's worker table:
 * its scoreboard slot, its handoff socketpair (accept_mode handoff), the
 * fork, and in the child, letting go of what only the master may hold
 * before worker_run() takes over.
 */
#ifndef FORKD_SPAWN_H
#define FORKD_SPAWN_H

#include <stdint.h>

#include "listen.h"
#include "proctab.h"
#include "worker.h"

struct spawn_req {
	/* What the worker starts with; stats_slot and handoff_fd are
	 * filled in here. */
	struct worker_args args;
	/* The other generation's sockets: the child closes those it does
	 * not share with args.listeners. */
	const struct listener_set *other;
	uint64_t now; /* the master's clock, ms */
	/* In the child, first: close the master's own descriptors. */
	void (*child_close)(void);
};

/*
 * Fork a worker.  0: it is the new last row of t, STARTING.  -1 (logged):
 * nothing changed.  Does not return in the child.
 */
int spawn_worker(struct proc_table *t, struct spawn_req *r);

#endif
