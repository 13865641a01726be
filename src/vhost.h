/*
 * vhost.h — a worker's runtime view of one server section: what the layers
 * that answer requests (conn, serve, endpoint) share about it.  Data only;
 * the worker fills it in at start and nothing below the worker changes the
 * configuration it points to.
 */
#ifndef FORKD_VHOST_H
#define FORKD_VHOST_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct access_log;
struct conn_pool;
struct server_conf;

/* The timeout classes of a connection; each has one list per server. */
enum conn_timer {
	TIMER_HEADER,    /* receiving a request head */
	TIMER_KEEPALIVE, /* idle between requests */
	TIMER_SEND,      /* waiting for the client to take our bytes */
	TIMER_LINGER,    /* closing: reading what the client still sends */
	TIMER_DRAIN,     /* draining worker: idle grace before closing */
	TIMER_BODY,      /* between two reads of a request body */
	TIMER_COUNT_,
	TIMER_NONE = TIMER_COUNT_,
};

/* A FIFO of connections sharing one timeout: appending keeps it sorted.
 * Connections are named by their fd; -1 ends the list. */
struct conn_list {
	int32_t head;
	int32_t tail;
};

/*
 * The worker's clock and mode as the layers below it see them.  The
 * worker keeps it current; everything else only reads it (hence the const
 * pointers to it), so a handler can ask "is this worker draining?" without
 * reaching up into the worker.
 */
struct worker_view {
	uint64_t now_ms; /* monotonic, refreshed at each wake-up */
	time_t now;      /* wall clock seconds, same moment */
	bool draining;
};

struct vhost {
	const struct server_conf *conf;
	const struct worker_view *view;
	struct conn_pool *pool; /* the worker's connections (conn.h) */
	int rootfd;
	int *locfds;            /* per location: its root or alias
					  * directory; -1: the server's */
	struct access_log *log; /* NULL: off */
	int plan_mode;          /* enum file_plan_mode; -1: aio off */
	/* The server's connection timeouts, and the connections waiting on
	 * each: conn.c's, kept per server because each list shares one
	 * timeout. */
	unsigned timeout_ms[TIMER_COUNT_];
	struct conn_list timers[TIMER_COUNT_];
};

#endif
