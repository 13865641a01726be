/*
 * conn.h — client connections: one explicit state machine per connection,
 * timeouts kept in per-class FIFO lists (every member of a list shares one
 * timeout, so appending keeps the list sorted by deadline).
 */
#ifndef FORKD_CONN_H
#define FORKD_CONN_H

#include <stdint.h>
#include <sys/socket.h>

#include "config.h"
#include "log.h"
#include "worker.h"

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

struct conn;

struct conn_list {
	struct conn *head;
	struct conn *tail;
};

/* A worker's runtime view of one server section. */
struct vhost {
	const struct server_conf *conf;
	struct worker *w;
	int rootfd;
	int *locfds;                     /* per location: its root or alias
					  * directory, -1: the server's */
	struct access_log *log;          /* NULL: off */
	unsigned timeout_ms[TIMER_COUNT_];
	struct conn_list timers[TIMER_COUNT_];
};

/*
 * Take over a socket accepted on an address whose servers are group (its
 * default server vh first), each request answered by the one its Host
 * names.  Returns 0, or -1 (the fd is closed).
 */
int conn_accept_on(struct vhost *vh, const struct listen_group *group, int fd,
		   const struct sockaddr_storage *peer);

/* conn_accept_on for an address that vh alone serves. */
int conn_accept(struct vhost *vh, int fd, const struct sockaddr_storage *peer);

/* Close the connections whose deadline passed; returns the next deadline
 * in ms (UINT64_MAX when none). */
uint64_t conn_expire(struct vhost *vh, uint64_t now_ms);

/* Enter drain: idle connections close after a short grace, the others
 * finish their current request and then close. */
void conn_drain(struct vhost *vh);

/* Close every connection at once (fast stop). */
void conn_close_all(struct vhost *vh);

#endif
