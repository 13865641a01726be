/*
 * conn.h — client connections: one explicit state machine per connection,
 * timeouts kept in per-class FIFO lists (every member of a list shares one
 * timeout, so appending keeps the list sorted by deadline).
 *
 * conn sits below the worker and knows nothing of it: what a worker's
 * connections share comes down in a struct conn_pool, the clock and the
 * drain flag in the vhost's read-only struct worker_view.
 */
#ifndef FORKD_CONN_H
#define FORKD_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "vhost.h"

struct config;
struct event_loop;
struct listen_group;
struct stats_worker;
struct iopool;

/*
 * What the connections of one worker share.  The worker fills it in before
 * the first accept; conn.c keeps nconns.
 */
struct conn_pool {
	struct event_loop *loop; /* where connections wait */
	const struct config *cf;
	struct vhost *vhosts;    /* one per server section, by index */
	struct stats_worker *sw; /* the worker's scoreboard slot */
	unsigned nconns;         /* open connections */
	struct iopool *io;       /* the worker's I/O pool; NULL: aio off */
	bool trace;              /* log state transitions (debug level) */
	/* conn.c's: at or before every connection's deadline (UINT64_MAX:
	 * none), so that a wake-up before it need not look for any. */
	uint64_t soonest;
};

/* Set vh's connection timeouts from its server section; no connections
 * yet. */
void conn_vhost_init(struct vhost *vh);

/*
 * Get ready to hold as many connections as the open-file limit allows:
 * room for their state, reserved but untouched until used, and pool's
 * loop told to hand their events here.  After the limit is set and pool
 * filled in; the first accept does it for a pool that was not.  Calling
 * it for another pool forgets the earlier one's connections (tests).
 * Returns 0, or -1 (errno set).
 */
int conn_pool_init(struct conn_pool *pool);

/*
 * Take over a socket accepted on an address whose servers are group (its
 * default server vh first: group->servers[0]), each request answered by
 * the one its Host names.  group is one of the pool's config's groups.
 * Returns 0, or -1 (the fd is closed).
 */
int conn_accept_on(struct vhost *vh, const struct listen_group *group, int fd,
		   const struct sockaddr_storage *peer);

/* conn_accept_on for an address that vh alone serves (vh one of the
 * pool's vhosts). */
int conn_accept(struct vhost *vh, int fd, const struct sockaddr_storage *peer);

/* Close the connections whose deadline is at or before now_ms.  Call it
 * outside event dispatch (see event.h). */
void conn_expire(struct vhost *vh, uint64_t now_ms);

/* The earliest deadline among vh's connections (UINT64_MAX: none).  Only
 * looks. */
uint64_t conn_next_deadline(const struct vhost *vh);

/* conn_expire for every server of the pool; then pool->soonest is
 * exact.  Outside event dispatch, like conn_expire. */
void conn_expire_all(struct conn_pool *pool, uint64_t now_ms);

/* conn_expire_all, when a deadline can have come: most wake-ups pay one
 * comparison.  The next one to wait for is pool->soonest (or a moment
 * before it, when a deadline moved later: waking then, this finds the
 * exact one). */
static inline void conn_expire_due(struct conn_pool *pool, uint64_t now_ms)
{
	if (now_ms >= pool->soonest)
		conn_expire_all(pool, now_ms);
}

/* Enter drain: idle connections close after a short grace, the others
 * finish their current request and then close. */
void conn_drain(struct vhost *vh);

/* Close every connection at once (fast stop). */
void conn_close_all(struct vhost *vh);

#endif
