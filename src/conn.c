/*
 * conn.c — the connection state machine.
 *
 *   accept ─> PROXY ─header─> NEW ─bytes─> READING ──head──> WRITING
 *               │              ^              │  └─body─> BODY ──┘ │
 *               └─bytes left───┼──────────────┘                    │
 *                              │      IDLE <──done, keep-alive─────┤
 *                              │        └──bytes──> READING        │
 *                              │                 done, close──> LINGER
 *   (any state) ──error, EOF, timeout──> CLOSED (on the free list)
 *
 * Every change of state goes through conn_enter(), which also arms the
 * timer of the new state, keeps the scoreboard's counts and, at debug
 * level, logs the transition by name.  PROXY, NEW and READING are one
 * phase, the request head, under one deadline that runs from the accept.
 * While conn_run() steps a connection, a timer is only noted: the lists
 * change once, when it has to wait (a keep-alive request answered in one
 * wake-up goes from IDLE back to IDLE without leaving its list).  The
 * pool keeps a bound at or before every deadline, so that the worker's
 * wake-ups look for expired connections only when one can be.
 *
 * A connection is registered once, edge-triggered, for reading and writing;
 * can_read/can_write remember what the kernel last said, and conn_run()
 * steps the state machine until it has to wait.  A connection that has
 * nothing buffered (NEW, IDLE) owns no buffer: buffers come from a
 * per-worker free list when bytes arrive.
 *
 * An idle connection costs what its struct conn costs, so the struct is
 * kept to 48 bytes: the states live in a table indexed by fd (reserved for
 * the open-file limit, touched only as fds are used: no allocation, no
 * malloc header, no fd field), and every link, deadline and reference in
 * it is 32 bits (see doc/DESIGN.md, "An idle connection in 48 bytes").
 *
 * WRITING steps aside to AIO while the worker's I/O pool makes a call
 * that may block for it (connaio.c).  Who the client is — the peer
 * address, the PROXY header, real_ip — is connpeer.c's; what the three
 * files share is in conn_impl.h.
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "access.h"
#include "config.h"
#include "conn_impl.h"
#include "event.h"
#include "iopool.h"
#include "log.h"
#include "request.h"
#include "route.h"
#include "serve.h"
#include "stats.h"

#define SENDFILE_CHUNK (1 << 20)
#define CONN_SLOTS_MAX (1u << 24) /* fds a worker can have connections on */

/* The scoreboard's counts of connections by state. */
enum conn_count {
	COUNT_NONE,
	COUNT_READING,
	COUNT_WRITING,
	COUNT_IDLE
};

/* Each state's name (for the trace), the timer it runs under, the count
 * it is part of, and whether it belongs to receiving a request head. */
static const struct {
	const char *name;
	uint8_t timer;
	uint8_t count;
	bool head;
} states[CONN_STATE_COUNT_] = {
	[CONN_PROXY] = { "PROXY", TIMER_HEADER, COUNT_READING, true },
	[CONN_NEW] = { "NEW", TIMER_HEADER, COUNT_READING, true },
	[CONN_READING] = { "READING", TIMER_HEADER, COUNT_READING, true },
	[CONN_BODY] = { "BODY", TIMER_BODY, COUNT_READING, false },
	[CONN_WRITING] = { "WRITING", TIMER_SEND, COUNT_WRITING, false },
	[CONN_AIO] = { "AIO", TIMER_SEND, COUNT_WRITING, false },
	[CONN_IDLE] = { "IDLE", TIMER_KEEPALIVE, COUNT_IDLE, false },
	[CONN_LINGER] = { "LINGER", TIMER_LINGER, COUNT_NONE, false },
	[CONN_CLOSED] = { "CLOSED", TIMER_NONE, COUNT_NONE, false },
};

struct conn_table conns;

/* ---- states ---- */

/* The scoreboard count a state is part of, through conns.count_of (set
 * up by conn_pool_init): an indexed add, no switch. */
static inline void state_count(enum conn_state state, uint32_t n)
{
	STATS_ADD(*conns.count_of[state], n);
}

/*
 * The connection's number, whole: the high bits are those of the worker's
 * count of accepts, which is at or past it.  Exact while fewer than 2^32
 * connections are accepted during this one's life.
 */
static uint64_t conn_id(const struct conn *c)
{
	uint64_t accepted = STATS_GET(conns.pool->sw->accepted);

	return accepted - (uint32_t)((uint32_t)accepted - c->id);
}

/* Out of line: a worker that does not log at debug level pays one test. */
__attribute__((noinline, cold)) static void conn_trace(const struct conn *c,
						       const char *was,
						       enum conn_state now)
{
	log_msg(LOG_LVL_DEBUG, "conn %llu: %s -> %s",
		(unsigned long long)conn_id(c), was, states[now].name);
}

/* The one door between states: count, trace, arm the new state's timer.
 * Inlined in this file, where s is a constant and the table lookups of
 * the new state fold away. */
__attribute__((always_inline)) static inline void enter(struct conn *c,
							enum conn_state s)
{
	enum conn_state was = (enum conn_state)c->state;

	assert(was != CONN_CLOSED && s != CONN_CLOSED);
	if (conns.count_of[was] != conns.count_of[s]) {
		state_count(was, (uint32_t)-1);
		state_count(s, 1);
	}
	c->state = (uint8_t)s;
	if (conns.trace)
		conn_trace(c, states[was].name, s);
	/* The head has one deadline, from the accept: the PROXY header and
	 * the first bytes of the request do not restart it. */
	if (!states[was].head || !states[s].head)
		conn_timer_set(c, (enum conn_timer)states[s].timer);
}

void conn_enter(struct conn *c, enum conn_state s)
{
	enter(c, s);
}

/* A new connection's first state; its deadline is the drain grace when
 * the worker drains. */
static void conn_begin(struct conn *c, enum conn_state s)
{
	state_count(s, 1);
	c->state = (uint8_t)s;
	if (conns.trace)
		conn_trace(c, "accepted", s);
	conn_timer_set(c, conn_vh(c)->view->draining
				  ? TIMER_DRAIN
				  : (enum conn_timer)states[s].timer);
}

static void conn_on_event(int fd, unsigned events);

/* ---- buffers ---- */

__attribute__((always_inline)) static inline void conn_release_buf(
	struct conn *c)
{
	if (c->buf != 0) {
		if (conn_holds_pool(c))
			conn_drop_op(c);
		connbuf_put(conn_buf(c));
	}
	c->buf = 0;
}

/* ---- access log ---- */

/* The server whose access log gets the request: the one Host chose. */
static const struct vhost *conn_served(const struct conn *c)
{
	const struct conn_buf *b = conn_buf(c);

	return b->served != NULL ? b->served : conn_vh(c);
}

static void conn_log(const struct conn *c)
{
	const struct conn_buf *b = conn_buf(c);
	struct sockaddr_storage peer;
	struct access_request ar = {
		.in = b->in,
		.req = &b->rp.req,
		.reply = &b->reply,
		.client = b->reply.client,
		.out_sent = b->out_sent,
		.file_sent = b->file_sent,
		.started_ms = b->started_ms,
		.connection = conn_id(c),
		.connection_requests = c->requests + 1,
	};

	if (ar.client == NULL) { /* rejected before the client was worked out */
		conn_peer_load(c, &peer);
		ar.client = (const struct sockaddr *)&peer;
	}
	access_record(conn_served(c)->log, &ar, conn_vh(c)->view);
}

/* A response ended (whole or cut short): count it, log it. */
__attribute__((always_inline)) static inline void conn_request_done(
	struct conn *c)
{
	struct conn_buf *b = conn_buf(c);
	struct stats_worker *sw = conns.pool->sw;

	if (b->reply.status == 0)
		return;
	STATS_ADD(sw->requests, 1);
	STATS_ADD(sw->bytes_sent, (uint64_t)b->out_sent + b->file_sent);
	if (conn_served(c)->log != NULL && !b->reply.no_log)
		conn_log(c);
	b->reply.status = 0;
}

/* ---- open and close ---- */

void conn_close(struct conn *c)
{
	struct conn_pool *pool = conns.pool;

	assert(c->state != CONN_CLOSED);
	if (c->buf != 0)
		conn_request_done(c); /* a response cut short */
	STATS_ADD(pool->sw->handled, 1);
	state_count((enum conn_state)c->state, (uint32_t)-1);
	if (conns.trace)
		conn_trace(c, states[c->state].name, CONN_CLOSED);
	conn_timer_stop(c);
	c->state = CONN_CLOSED;
	close(conn_fd(c));
	conn_release_buf(c);
	pool->nconns--;
}

/* Where the scoreboard keeps count k. */
static uint32_t *count_field(struct stats_worker *sw, enum conn_count k)
{
	switch (k) {
	case COUNT_READING: return &sw->reading;
	case COUNT_WRITING: return &sw->writing;
	case COUNT_IDLE: return &sw->idle;
	case COUNT_NONE: break;
	}
	return &conns.count_none;
}

/* Slots for every fd the open-file limit allows (a connection's fd is
 * below it), capped where the limit is unbounded. */
static uint32_t pool_slots(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur > CONN_SLOTS_MAX)
		return CONN_SLOTS_MAX;
	return (uint32_t)rl.rlim_cur;
}

/* Forget the table of an earlier pool (a test's, a fuzzer's). */
static void pool_release(void)
{
	if (conns.slot != NULL)
		munmap(conns.slot, conns.nslots_len);
	free(conns.group_vh);
	memset(&conns, 0, sizeof(conns));
}

int conn_pool_init(struct conn_pool *pool)
{
	const struct config *cf = pool->cf;
	size_t nvh = cf->ngroups + cf->nservers;
	void *map;

	pool_release();
	conns.nslots = pool_slots();
	conns.nslots_len = (size_t)conns.nslots * sizeof(struct conn);
	/* Untouched pages cost nothing; a page holds 85 connections. */
	map = mmap(NULL, conns.nslots_len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (map == MAP_FAILED)
		return -1;
	conns.slot = map;
	conns.group_vh = calloc(nvh ? nvh : 1, sizeof(*conns.group_vh));
	if (conns.group_vh == NULL) {
		pool_release();
		return -1;
	}
	for (size_t g = 0; g < cf->ngroups; g++)
		conns.group_vh[g] = &pool->vhosts[cf->groups[g].servers[0]];
	for (size_t i = 0; i < cf->nservers; i++)
		conns.group_vh[cf->ngroups + i] = &pool->vhosts[i];
	conns.pool = pool;
	pool->soonest = UINT64_MAX;
	conns.trace = pool->trace;
	for (int s = 0; s < CONN_STATE_COUNT_; s++)
		conns.count_of[s] = count_field(pool->sw, states[s].count);
	pool->loop->on_fd = conn_on_event;
	connbuf_setup(cf);
	return 0;
}

/* Take over fd for the servers of group (an index into conns.group_vh). */
static int conn_take(struct vhost *vh, uint32_t group, int fd,
		     const struct sockaddr_storage *peer)
{
	struct conn_pool *pool = conns.pool;
	struct conn *c;

	if (fd < 0 || (uint32_t)fd >= conns.nslots) {
		errno = EMFILE; /* the open-file limit was raised since */
		goto fail;
	}
	c = conn_at(fd);
	memset(c, 0, sizeof(*c));
	c->prev = c->next = -1;
	c->group = group;
	assert(conn_vh(c) == vh);
	c->timer = c->want = TIMER_NONE;
	conn_peer_store(c, peer);
	pool->nconns++;
	c->id = (uint32_t)(STATS_ADD(pool->sw->accepted, 1) + 1);
	conn_begin(c, vh->conf->proxy_protocol ? CONN_PROXY : CONN_NEW);
	/* A new socket is writable, and a client sends its request right
	 * after the handshake, so it is usually here by now: read it at once
	 * instead of after another round through epoll_wait.  (It may be
	 * answered, and the connection closed, before this returns.) */
	c->can_read = c->can_write = true;
	conn_run(c);
	/* Only a connection that has to wait joins the loop (a short
	 * Connection: close exchange never does).  Edge-triggered adds
	 * report what is ready already, so nothing is missed meanwhile. */
	if (c->state != CONN_CLOSED &&
	    event_add_fd(pool->loop, fd, EV_READ | EV_WRITE | EV_EDGE) == -1) {
		log_errno(LOG_LVL_ERR, "accept: cannot watch connection");
		conn_close(c);
		return -1;
	}
	return 0;
fail:
	log_errno(LOG_LVL_ERR, "accept: cannot take connection");
	close(fd);
	return -1;
}

/* The pool vh belongs to is ready (a worker's was, at its start; a test's
 * is at its first connection). */
static int conn_pool_ready(struct vhost *vh, int fd)
{
	if (conns.pool == vh->pool || conn_pool_init(vh->pool) == 0)
		return 0;
	log_errno(LOG_LVL_ERR, "accept: no room for connections");
	close(fd);
	return -1;
}

int conn_accept_on(struct vhost *vh, const struct listen_group *group, int fd,
		   const struct sockaddr_storage *peer)
{
	if (conn_pool_ready(vh, fd) == -1)
		return -1;
	return conn_take(vh, (uint32_t)(group - conns.pool->cf->groups), fd,
			 peer);
}

int conn_accept(struct vhost *vh, int fd, const struct sockaddr_storage *peer)
{
	if (conn_pool_ready(vh, fd) == -1)
		return -1;
	const struct conn_pool *pool = conns.pool;
	return conn_take(
		vh, (uint32_t)(pool->cf->ngroups + (size_t)(vh - pool->vhosts)),
		fd, peer);
}

/* ---- responses ---- */

/*
 * The server that answers the request: by its host among those sharing
 * the address.  What concerns the connection itself (timeouts, limits,
 * PROXY protocol, keep-alive) stays with the address's default server.
 */
static const struct vhost *conn_vhost(const struct conn *c)
{
	const struct conn_pool *pool = conns.pool;
	const struct conn_buf *b = conn_buf(c);
	const struct request *req = &b->rp.req;

	if (c->group >= pool->cf->ngroups ||
	    pool->cf->groups[c->group].nservers < 2)
		return conn_vh(c); /* a server alone, or one on the address */
	const struct listen_group *g = &pool->cf->groups[c->group];
	unsigned s = route_server(pool->cf, g, b->in + req->host.off,
				  req->host.len);
	return &pool->vhosts[s];
}

/* A whole request was parsed: decide keep-alive, build the response. */
static enum step conn_respond(struct conn *c)
{
	struct conn_buf *b = conn_buf(c);
	const struct vhost *vh = conn_vh(c);
	bool client_keep = b->rp.req.keep_alive;

	b->reply.keep_alive = client_keep && !vh->view->draining &&
			      vh->conf->keepalive_timeout > 0 &&
			      c->requests + 1 < vh->conf->keepalive_requests;
	/* Closing on a client that expected to keep going: let it finish. */
	b->reply.linger = client_keep && !b->reply.keep_alive;
	conn_client(c);
	b->reply.client = (const struct sockaddr *)&b->client;
	enter(c, CONN_WRITING); /* a status page counts itself */
	b->served = conn_vhost(c);
	b->reply.probe_inline = conns.pool->io != NULL;
	return conn_serve(c);
}

/* A request we cannot parse: answer, then close through LINGER. */
static enum step conn_reject(struct conn *c, int status)
{
	struct conn_buf *b = conn_buf(c);

	b->reply.keep_alive = false;
	b->reply.linger = true;
	serve_error(&b->rp.req, status, &b->reply);
	enter(c, CONN_WRITING);
	return STEP_AGAIN;
}

/* ---- the state machine ---- */

static enum step conn_linger_start(struct conn *c)
{
	conn_release_buf(c);
	if (shutdown(conn_fd(c), SHUT_WR) == -1) {
		conn_close(c);
		return STEP_CLOSED;
	}
	enter(c, CONN_LINGER);
	return STEP_AGAIN;
}

/* The response is out: close, or get ready for the next request. */
static enum step conn_finish(struct conn *c)
{
	struct conn_buf *b = conn_buf(c);

	conn_request_done(c);
	bool keep_alive = b->reply.keep_alive;

	assert(b->op == NULL);
	if (!keep_alive) {
		if (b->reply.linger || b->in_done < b->in_len)
			return conn_linger_start(c);
		conn_close(c);
		return STEP_CLOSED;
	}
	c->requests++;
	if (b->in_done == b->in_len && !c->can_read) {
		/* Nothing pipelined, nothing to read yet: hand the buffer back
		 * as it is; connbuf_get resets it when bytes come. */
		conn_release_buf(c);
		enter(c, CONN_IDLE);
	} else if (connbuf_next_request(b, conn_vh(c)->view->now_ms) == 0) {
		enter(c, CONN_IDLE);
	} else {
		enter(c, CONN_READING);
	}
	return STEP_AGAIN;
}

/* Send out[] up to upto; MSG_MORE when file bytes follow. */
static enum step conn_write_out(struct conn *c, uint32_t upto, bool more)
{
	struct conn_buf *b = conn_buf(c);

	while (b->out_sent < upto) {
		if (!c->can_write)
			return STEP_WAIT;
		ssize_t n = send(conn_fd(c), b->reply.out + b->out_sent,
				 upto - b->out_sent,
				 MSG_NOSIGNAL | (more ? MSG_MORE : 0));
		if (n == -1) {
			if (errno == EAGAIN) {
				c->can_write = false;
				return STEP_WAIT;
			}
			if (errno == EINTR)
				continue;
			conn_close(c);
			return STEP_CLOSED;
		}
		b->out_sent += (uint32_t)n;
		conn_timer_set(c, TIMER_SEND);
	}
	return STEP_AGAIN;
}

static enum step conn_write_file(struct conn *c, struct reply_seg *seg)
{
	struct conn_buf *b = conn_buf(c);

	while (seg->file_off < seg->file_end) {
		if (!c->can_write)
			return STEP_WAIT;
		off_t left = seg->file_end - seg->file_off;
		size_t chunk = left < SENDFILE_CHUNK ? (size_t)left
						     : SENDFILE_CHUNK;
		if (b->op != NULL || !conn_file_warm(c, seg->file_off, chunk)) {
			enum step s = conn_write_pooled(c, seg);
			if (s != STEP_AGAIN)
				return s;
			continue;
		}
		ssize_t n = sendfile(conn_fd(c), b->reply.file_fd,
				     &seg->file_off, chunk);
		if (n == -1 && errno == EAGAIN) {
			c->can_write = false;
			return STEP_WAIT;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* Error, or the file shrank: this response cannot end well. */
			conn_close(c);
			return STEP_CLOSED;
		}
		b->file_sent += (uint64_t)n;
		conn_timer_set(c, TIMER_SEND);
	}
	return STEP_AGAIN;
}

static enum step conn_write(struct conn *c)
{
	struct conn_buf *b = conn_buf(c);
	struct reply *r = &b->reply;
	enum step s;

	for (;;) {
		bool last = b->seg_done >= r->nseg;
		uint32_t upto = last ? r->len : r->seg[b->seg_done].out_end;
		/* Before a close, MSG_MORE holds the last bytes back until the
		 * close (or shutdown) sends them with the FIN in one segment.
		 * Not before file bytes: sendfile appending to a held-back head
		 * cost 1.8x the CPU per 100 KB response of sending it alone. */
		bool more = last && !r->keep_alive;
		if ((s = conn_write_out(c, upto, more)) != STEP_AGAIN)
			return s;
		if (last)
			return conn_finish(c);
		if ((s = conn_write_file(c, &r->seg[b->seg_done])) !=
		    STEP_AGAIN)
			return s;
		b->seg_done++;
	}
}

/*
 * The head is in and a body follows, not all of it buffered yet.  A GET
 * or HEAD is answered once its body is read (and discarded); one that
 * sent "Expect: 100-continue" is told to go on first.  Any other method
 * gets its final answer at once, and the connection closes, body unread:
 * that answer never depends on the body, and waiting for it would let a
 * client that trickles a large body hold the connection for as long as
 * each piece comes within client_body_timeout.
 */
static enum step conn_body_start(struct conn *c)
{
	static const char go_on[] = "HTTP/1.1 100 Continue\r\n\r\n";
	struct conn_buf *b = conn_buf(c);
	const struct request *req = &b->rp.req;

	if (req->method != METHOD_GET && req->method != METHOD_HEAD) {
		b->in_done =
			b->in_len; /* what is left of the body stays unread */
		conn_respond(c);
		b->reply.keep_alive = false;
		b->reply.linger = true;
		return STEP_AGAIN;
	}
	enter(c, CONN_BODY);
	if (!req->hdr_seen[HDR_EXPECT] || req->http_minor == 0)
		return STEP_WAIT;
	ssize_t n = send(conn_fd(c), go_on, sizeof(go_on) - 1, MSG_NOSIGNAL);
	if (n > 0)
		STATS_ADD(conns.pool->sw->bytes_sent, (uint64_t)n);
	if (n > 0 && n < (ssize_t)sizeof(go_on) - 1) {
		conn_close(
			c); /* half an interim response: nothing can follow */
		return STEP_CLOSED;
	}
	/* EAGAIN: the client's unread responses fill the socket; it will
	 * stop waiting and send the body by itself. */
	return STEP_WAIT;
}

/* Parse what is buffered; STEP_WAIT when more bytes are needed. */
static enum step conn_parse(struct conn *c)
{
	struct conn_buf *b = conn_buf(c);
	size_t used;

	if (c->state == CONN_PROXY)
		return b->in_len > 0 ? conn_proxy(c) : STEP_WAIT;
	if (b->in_done == b->in_len)
		return STEP_WAIT;
	enum request_result r = request_parse(&b->rp, b->in + b->in_done,
					      b->in_len - b->in_done, &used);
	b->in_done += (uint32_t)used;
	switch (r) {
	case REQUEST_DONE: return conn_respond(c);
	case REQUEST_ERROR: return conn_reject(c, b->rp.status);
	case REQUEST_AGAIN: break;
	}
	/* Inside a body we discard: its bytes need no room. */
	if (b->rp.headers_done) {
		b->in_len = b->in_done = b->rp.headers_end;
		if (c->state == CONN_READING)
			return conn_body_start(c);
	}
	return STEP_WAIT;
}

/* n more bytes are in: the state they move on, or the timer they renew. */
static void conn_received(struct conn *c, uint32_t n)
{
	conn_buf(c)->in_len += n;
	switch ((enum conn_state)c->state) {
	case CONN_NEW:
	case CONN_IDLE: enter(c, CONN_READING); break;
	case CONN_BODY: conn_timer_set(c, TIMER_BODY); break;
	default: break;
	}
}

/* No buffer for a connection with bytes to read: it is closed, and the
 * error log says why, at most once a second. */
static void conn_no_memory(struct conn *c)
{
	static struct log_ratelimit complaints;

	if (log_ratelimit_allow(&complaints, conn_vh(c)->view->now_ms))
		log_msg(LOG_LVL_ERR, "no memory for a connection buffer: "
				     "closing the connections that need one");
	conn_close(c);
}

static enum step conn_read(struct conn *c)
{
	struct conn_buf *b = conn_buf(c);

	if (b == NULL) {
		if (!c->can_read)
			return STEP_WAIT;
		if ((b = connbuf_get(conn_vh(c)->view->now_ms)) == NULL) {
			conn_no_memory(c);
			return STEP_CLOSED;
		}
		c->buf = b->slot;
		b->conn = c;
		request_parser_init(&b->rp, b->in,
				    conn_vh(c)->conf->client_max_body_size);
	}
	enum step s = conn_parse(c);
	if (s != STEP_WAIT)
		return s;
	uint32_t limit = conn_vh(c)->conf->client_header_buffer_size;
	if (b->in_len >= limit)
		return conn_reject(c, request_overflow_status(&b->rp));
	if (!c->can_read)
		return STEP_WAIT;
	ssize_t n = read(conn_fd(c), b->in + b->in_len, limit - b->in_len);
	if (n > 0) {
		/* A short read drained the socket; the next edge will say more,
		 * unless the end of the stream was already announced. */
		if ((size_t)n < limit - b->in_len && !c->rdhup)
			c->can_read = false;
		conn_received(c, (uint32_t)n);
		return STEP_AGAIN;
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
		c->can_read = errno == EINTR;
		if (b->in_len == 0)
			conn_release_buf(
				c); /* nothing buffered: hold no buffer */
		return STEP_WAIT;
	}
	conn_close(c); /* EOF or error */
	return STEP_CLOSED;
}

static enum step conn_linger(struct conn *c)
{
	char sink[4096];

	while (c->can_read) {
		ssize_t n = read(conn_fd(c), sink, sizeof(sink));
		if (n > 0)
			continue;
		if (n == -1 && errno == EAGAIN) {
			c->can_read = false;
			return STEP_WAIT;
		}
		if (n == -1 && errno == EINTR)
			continue;
		break; /* EOF or error: the client is done */
	}
	if (c->can_read) {
		conn_close(c);
		return STEP_CLOSED;
	}
	return STEP_WAIT;
}

void conn_run(struct conn *c)
{
	struct conn *outer = conns.running; /* a waiter it wakes runs too */
	enum step s;

	conns.running = c;
	do {
		switch ((enum conn_state)c->state) {
		case CONN_PROXY:
		case CONN_NEW:
		case CONN_READING:
		case CONN_BODY:
		case CONN_IDLE: s = conn_read(c); break;
		case CONN_WRITING: s = conn_write(c); break;
		case CONN_AIO:
			s = STEP_WAIT; /* the pool calls back */
			break;
		case CONN_LINGER: s = conn_linger(c); break;
		default: s = STEP_WAIT;
		}
	} while (s == STEP_AGAIN);
	/* Draining: an idle connection waits only for the grace. */
	if (s == STEP_WAIT && c->state == CONN_IDLE &&
	    conn_vh(c)->view->draining)
		conn_timer_set(c, TIMER_DRAIN);
	conns.running = outer;
	if (outer != c && c->want != TIMER_NONE && c->state != CONN_CLOSED)
		conn_timer_settle(c);
}

static void conn_on_event(int fd, unsigned events)
{
	struct conn *c = conn_at(fd);

	if (events & EV_HUP)
		c->rdhup = true;
	if (events & (EV_READ | EV_HUP))
		c->can_read = true;
	if (events & (EV_WRITE | EV_HUP))
		c->can_write = true;
	conn_run(c);
}
