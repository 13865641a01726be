/*
 * handoff.h — accept_mode = handoff: the master is the only acceptor and
 * passes each new connection (SCM_RIGHTS on a socketpair per worker, with a
 * struct handoff_msg) to the ready worker of the serving generation that
 * has the fewest open and not-yet-taken connections.
 *
 * The master decides when to accept (handoff_watch/unwatch, from its loop);
 * this module does the accepting, choosing and sending.  Listeners are
 * watched only while some worker can take a connection, so the kernel's
 * queue, not the master, holds what nobody can serve yet.
 */
#ifndef FORKD_HANDOFF_H
#define FORKD_HANDOFF_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"
#include "listen.h"
#include "log.h"
#include "proctab.h"

struct handoff {
	struct event_loop *loop;
	const struct proc_table *procs;
	const uint64_t *now;     /* the master's clock, ms */
	unsigned gen;            /* the generation that takes */
	struct listener_set *ls; /* being watched, or NULL */
	struct log_ratelimit complaints;
	size_t turn; /* where the next pick starts: ties take turns */
};

void handoff_init(struct handoff *h, struct event_loop *loop,
		  const struct proc_table *procs, const uint64_t *now);

/*
 * Accept on ls for generation gen's workers while one of them can take a
 * connection; stop watching otherwise.  Call after every change of the
 * worker table (the master calls it once per loop turn).  One acceptor per
 * process: the listeners' handlers find it through this call.
 */
void handoff_watch(struct handoff *h, struct listener_set *ls, unsigned gen);

/* Stop watching: before the listener set is replaced or closed. */
void handoff_unwatch(struct handoff *h);

/*
 * A stop begins: pass on what is already queued while the workers still
 * take connections, then stop watching.
 */
void handoff_flush(struct handoff *h);

#endif
