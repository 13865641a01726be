/*
 * conn_impl.h — what the files of the conn module share, and nothing
 * outside it may include: the connection's states and struct, the table
 * of connections by fd, the accessors the hot path uses (static inline,
 * so that splitting conn.c costs no call), and the functions one file of
 * the module calls in another.
 *
 *   conn.c     the state machine: states, buffers, access log, accept
 *              and close, reading and writing
 *   conntimer.c the deadlines: timer lists, expiry, drain and stop
 *   connaio.c  the I/O pool's part: building a response through plans
 *              the pool runs, reading cold file bytes through it, and
 *              resuming the connection when it is done
 *   connpeer.c who the client is: the peer address kept in 16 bytes, the
 *              PROXY protocol header, a trusted proxy's forwarding header
 */
#ifndef FORKD_CONN_IMPL_H
#define FORKD_CONN_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "conn.h"
#include "connbuf.h"
#include "reply.h"

enum conn_state {
	CONN_CLOSED,  /* no connection on this fd (the table starts zeroed) */
	CONN_PROXY,   /* the PROXY protocol header comes first */
	CONN_NEW,     /* no byte of a request yet */
	CONN_READING, /* a request head is arriving */
	CONN_BODY,    /* the head is in: its body is read and dropped */
	CONN_WRITING, /* the response goes out */
	CONN_AIO,     /* writing, but waiting for the I/O pool */
	CONN_IDLE,    /* keep-alive, between two requests */
	CONN_LINGER,  /* closing: our side is shut, the client's drains */
	CONN_STATE_COUNT_,
};

/* What conn_run's step functions report. */
enum step {
	STEP_AGAIN, /* state changed or progress made: step again */
	STEP_WAIT,  /* wait for the next event */
	STEP_CLOSED,
};

/* One connection, at conns.slot[its fd]. */
struct conn {
	int32_t prev; /* timer list, by fd; -1 ends it */
	int32_t next;
	uint32_t deadline; /* ms: the low 32 bits of the worker clock */
	uint32_t group;    /* its address's listen group, by index; past
				  * the config's groups: a server alone */
	uint32_t buf;      /* connbuf slot; 0: none */
	uint32_t requests;
	uint32_t id;      /* the worker's connection number, low bits */
	uint8_t peer[16]; /* IPv6 address, or IPv4 mapped (::ffff:a.b.c.d) */
	uint8_t state;
	uint8_t timer; /* the list it is on (TIMER_NONE: none) */
	uint8_t want;  /* a timer to restart when conn_run ends; TIMER_NONE */
	bool can_read : 1;
	bool can_write : 1;
	bool rdhup : 1; /* the client shut down its sending side */
};

_Static_assert(sizeof(struct conn) == 48, "an idle connection's whole cost");

/* The worker's connections (one pool a process); defined in conn.c. */
struct conn_table {
	struct conn_pool *pool;
	struct conn *slot; /* by fd, nslots of them, mapped at init */
	uint32_t nslots;
	size_t nslots_len; /* bytes mapped */
	/* Each listen group's default server, then each server by itself
	 * (for conn_accept): ngroups + nservers entries. */
	struct vhost **group_vh;
	struct conn *running; /* the one conn_run steps (its timer waits) */
	/* The scoreboard's count each state is part of (count_none: a sink
	 * for the states no count shows). */
	uint32_t *count_of[CONN_STATE_COUNT_];
	uint32_t count_none;
	bool trace; /* the pool's: log state transitions */
};

extern struct conn_table conns;

static inline struct conn *conn_at(int32_t fd)
{
	return &conns.slot[fd];
}

static inline int conn_fd(const struct conn *c)
{
	return (int)(c - conns.slot);
}

/* The default server of the connection's address: its timeouts, limits,
 * timer lists and PROXY protocol setting are the connection's. */
static inline struct vhost *conn_vh(const struct conn *c)
{
	return conns.group_vh[c->group];
}

static inline struct conn_buf *conn_buf(const struct conn *c)
{
	return connbuf_at(c->buf);
}

/* A deadline passed: compared in 32 bits, right while every timeout is
 * under 2^31 ms (durations are at most a day). */
static inline bool deadline_passed(uint32_t deadline, uint64_t now_ms)
{
	return (int32_t)(deadline - (uint32_t)now_ms) <= 0;
}

/* Does c's buffer hold anything of the I/O pool: an op, or a place in
 * its queue for one?  (Most responses never do.) */
static inline bool conn_holds_pool(const struct conn *c)
{
	const struct conn_buf *b = conn_buf(c);

	return b->op != NULL || b->wait.waiting;
}

/* conn.c: the one door between states (see conn.c). */
void conn_enter(struct conn *c, enum conn_state s);

/* conntimer.c: put c under timer c->want, its deadline counting from
 * the last wake-up. */
void conn_timer_settle(struct conn *c);

/* conntimer.c: take c off its timer list (it closes). */
void conn_timer_stop(struct conn *c);

/*
 * (Re)start timer t.  A request answered in the wake-up that read it
 * passes through three timers (head, send, keep-alive); while conn_run
 * steps c only the last one counts, so the lists change once, at the end
 * of conn_run, and not at every state.  Deadlines are only read between
 * waits, never while a connection runs.
 */
static inline void conn_timer_set(struct conn *c, enum conn_timer t)
{
	c->want = (uint8_t)t;
	if (conns.running != c)
		conn_timer_settle(c);
}

/* conn.c: close the connection and give back all it holds. */
void conn_close(struct conn *c);

/* conn.c: step the state machine until it has to wait. */
void conn_run(struct conn *c);

/* connaio.c: build the response, at once or through plans the pool runs;
 * STEP_WAIT while the pool works for it (the connection is in AIO). */
enum step conn_serve(struct conn *c);

/* connaio.c: may the loop send these file bytes itself, without waiting
 * on I/O? */
bool conn_file_warm(struct conn *c, off_t off, size_t len);

/* connaio.c: send the segment's next file bytes through the pool. */
enum step conn_write_pooled(struct conn *c, struct reply_seg *seg);

/* connaio.c: give back, or give up, what the buffer holds of the pool. */
void conn_drop_op(struct conn *c);

/* connpeer.c: keep the peer's address in the connection (16 bytes). */
void conn_peer_store(struct conn *c, const struct sockaddr_storage *ss);

/* connpeer.c: the peer as a socket address. */
void conn_peer_load(const struct conn *c, struct sockaddr_storage *ss);

/* connpeer.c: work out the request's client address into the buffer. */
void conn_client(struct conn *c);

/* connpeer.c: take the PROXY header at the start of the buffer. */
enum step conn_proxy(struct conn *c);

#endif
