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
 *
 * A connection is registered once, edge-triggered, for reading and writing;
 * can_read/can_write remember what the kernel last said, and conn_run()
 * steps the state machine until it has to wait.  A connection that has
 * nothing buffered (NEW, IDLE) owns no buffer: buffers come from a
 * per-worker free list when bytes arrive.
 */
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "access.h"
#include "cidr.h"
#include "config.h"
#include "conn.h"
#include "connbuf.h"
#include "event.h"
#include "log.h"
#include "proxy.h"
#include "request.h"
#include "route.h"
#include "serve.h"
#include "stats.h"

#define SENDFILE_CHUNK (1 << 20)
#define LINGER_MS 2000         /* closing: how long the client may go on */
#define DRAIN_GRACE_MS 1000

enum conn_state {
	CONN_PROXY,      /* the PROXY protocol header comes first */
	CONN_NEW,        /* no byte of a request yet */
	CONN_READING,    /* a request head is arriving */
	CONN_BODY,       /* the head is in: its body is read and dropped */
	CONN_WRITING,    /* the response goes out */
	CONN_IDLE,       /* keep-alive, between two requests */
	CONN_LINGER,     /* closing: our side is shut, the client's drains */
	CONN_CLOSED,     /* gone: the struct waits on the free list */
	CONN_STATE_COUNT_,
};

/* The scoreboard's counts of connections by state. */
enum conn_count { COUNT_NONE, COUNT_READING, COUNT_WRITING, COUNT_IDLE };

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
	[CONN_IDLE] = { "IDLE", TIMER_KEEPALIVE, COUNT_IDLE, false },
	[CONN_LINGER] = { "LINGER", TIMER_LINGER, COUNT_NONE, false },
	[CONN_CLOSED] = { "CLOSED", TIMER_NONE, COUNT_NONE, false },
};

/* What conn_run's step functions report. */
enum step {
	STEP_AGAIN, /* state changed or progress made: step again */
	STEP_WAIT,  /* wait for the next event */
	STEP_CLOSED,
};

struct conn {
	struct event_source ev;
	struct conn *prev;       /* timer list */
	struct conn *next;
	uint64_t deadline;
	struct vhost *vh;        /* the default server of the address */
	const struct listen_group *group; /* NULL: vh answers everything */
	struct conn_buf *buf;
	uint32_t requests;
	uint8_t state;
	uint8_t timer;
	bool can_read;
	bool can_write;
	bool rdhup;              /* the client shut down its sending side */
	uint64_t id;             /* the worker's connection number */
	union {
		struct sockaddr sa;
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} peer;
};

static struct conn *free_conns;

/* ---- timers ---- */

static void timer_unlink(struct conn *c)
{
	struct conn_list *l;

	if (c->timer == TIMER_NONE)
		return;
	l = &c->vh->timers[c->timer];
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
	c->prev = c->next = NULL;
	c->timer = TIMER_NONE;
}

/* (Re)start timer t: its deadline counts from the last wake-up. */
static void timer_set(struct conn *c, enum conn_timer t)
{
	struct conn_list *l = &c->vh->timers[t];

	timer_unlink(c);
	c->timer = (uint8_t)t;
	c->deadline = c->vh->view->now_ms + c->vh->timeout_ms[t];
	c->prev = l->tail;
	if (l->tail != NULL)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
}

/* ---- states ---- */

/* Inlined: on the hot path, each transition pays two table lookups. */
__attribute__((always_inline))
static inline void state_count(struct stats_worker *sw, enum conn_state state,
			       uint32_t n)
{
	switch ((enum conn_count)states[state].count) {
	case COUNT_READING: STATS_ADD(sw->reading, n); break;
	case COUNT_WRITING: STATS_ADD(sw->writing, n); break;
	case COUNT_IDLE: STATS_ADD(sw->idle, n); break;
	case COUNT_NONE: break;
	}
}

/* Out of line: a worker that does not log at debug level pays one test. */
__attribute__((noinline, cold))
static void conn_trace(const struct conn *c, const char *was,
		       enum conn_state now)
{
	log_msg(LOG_LVL_DEBUG, "conn %llu: %s -> %s", (unsigned long long)c->id,
		was, states[now].name);
}

/* The one door between states: count, trace, arm the new state's timer. */
static void conn_enter(struct conn *c, enum conn_state s)
{
	enum conn_state was = (enum conn_state)c->state;
	const struct conn_pool *pool = c->vh->pool;

	assert(was != CONN_CLOSED && s != CONN_CLOSED);
	if (states[was].count != states[s].count) {
		state_count(pool->sw, was, (uint32_t)-1);
		state_count(pool->sw, s, 1);
	}
	c->state = (uint8_t)s;
	if (pool->trace)
		conn_trace(c, states[was].name, s);
	/* The head has one deadline, from the accept: the PROXY header and
	 * the first bytes of the request do not restart it. */
	if (!states[was].head || !states[s].head)
		timer_set(c, (enum conn_timer)states[s].timer);
}

/* A new connection's first state; its deadline is the drain grace when
 * the worker drains. */
static void conn_begin(struct conn *c, enum conn_state s)
{
	state_count(c->vh->pool->sw, s, 1);
	c->state = (uint8_t)s;
	if (c->vh->pool->trace)
		conn_trace(c, "accepted", s);
	timer_set(c, c->vh->view->draining ? TIMER_DRAIN :
		  (enum conn_timer)states[s].timer);
}

static void conn_handle(struct event_source *src, unsigned events);
static void conn_run(struct conn *c);

/* ---- buffers ---- */

static void conn_release_buf(struct conn *c)
{
	if (c->buf != NULL)
		connbuf_put(c->buf);
	c->buf = NULL;
}

/* ---- access log ---- */

/* The server whose access log gets the request: the one Host chose. */
static const struct vhost *conn_served(const struct conn *c)
{
	return c->buf->served != NULL ? c->buf->served : c->vh;
}

static void conn_log(const struct conn *c)
{
	const struct conn_buf *b = c->buf;
	struct access_request ar = {
		.in = b->in,
		.req = &b->rp.req,
		.reply = &b->reply,
		.client = b->reply.client != NULL ? b->reply.client : &c->peer.sa,
		.out_sent = b->out_sent,
		.file_sent = b->file_sent,
		.started_ms = b->started_ms,
		.connection = c->id,
		.connection_requests = c->requests + 1,
	};

	access_record(conn_served(c)->log, &ar, c->vh->view);
}

/* A response ended (whole or cut short): count it, log it. */
static void conn_request_done(struct conn *c)
{
	struct conn_buf *b = c->buf;
	struct stats_worker *sw = c->vh->pool->sw;

	if (b->reply.status == 0)
		return;
	STATS_ADD(sw->requests, 1);
	STATS_ADD(sw->bytes_sent, (uint64_t)b->out_sent + b->file_sent);
	if (conn_served(c)->log != NULL && !b->reply.no_log)
		conn_log(c);
	b->reply.status = 0;
}

/* ---- open and close ---- */

static void conn_close(struct conn *c)
{
	struct conn_pool *pool = c->vh->pool;

	assert(c->state != CONN_CLOSED);
	if (c->buf != NULL)
		conn_request_done(c); /* a response cut short */
	STATS_ADD(pool->sw->handled, 1);
	state_count(pool->sw, (enum conn_state)c->state, (uint32_t)-1);
	if (pool->trace)
		conn_trace(c, states[c->state].name, CONN_CLOSED);
	c->state = CONN_CLOSED;
	timer_unlink(c);
	close(c->ev.fd);
	conn_release_buf(c);
	pool->nconns--;
	c->next = free_conns;
	free_conns = c;
}

void conn_vhost_init(struct vhost *vh)
{
	const struct server_conf *sc = vh->conf;

	vh->timeout_ms[TIMER_HEADER] = sc->client_header_timeout;
	vh->timeout_ms[TIMER_KEEPALIVE] = sc->keepalive_timeout;
	vh->timeout_ms[TIMER_SEND] = sc->send_timeout;
	vh->timeout_ms[TIMER_LINGER] = LINGER_MS;
	vh->timeout_ms[TIMER_DRAIN] = 0; /* set by conn_drain */
	vh->timeout_ms[TIMER_BODY] = sc->client_body_timeout;
}

int conn_accept(struct vhost *vh, int fd, const struct sockaddr_storage *peer)
{
	return conn_accept_on(vh, NULL, fd, peer);
}

int conn_accept_on(struct vhost *vh, const struct listen_group *group, int fd,
		   const struct sockaddr_storage *peer)
{
	struct conn_pool *pool = vh->pool;
	struct conn *c = free_conns;

	if (c != NULL)
		free_conns = c->next;
	else if ((c = malloc(sizeof(*c))) == NULL)
		goto fail;
	memset(c, 0, sizeof(*c));
	c->ev.handler = conn_handle;
	c->ev.fd = fd;
	c->vh = vh;
	c->group = group;
	c->timer = TIMER_NONE;
	connbuf_setup(pool->cf);
	memcpy(&c->peer, peer, peer->ss_family == AF_INET6 ?
	       sizeof(c->peer.v6) : sizeof(c->peer.v4));
	pool->nconns++;
	c->id = STATS_ADD(pool->sw->accepted, 1) + 1;
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
	    event_add(pool->loop, &c->ev, EV_READ | EV_WRITE | EV_EDGE) == -1) {
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

/* ---- client addresses ---- */

/* The request's client: the peer (as a PROXY header gave it), or what a
 * trusted proxy's forwarding header says. */
static void conn_client(struct conn *c)
{
	struct conn_buf *b = c->buf;
	const struct server_conf *sc = c->vh->conf;
	const struct request *req = &b->rp.req;

	memset(&b->client, 0, sizeof(b->client));
	memcpy(&b->client, &c->peer, sizeof(c->peer));
	if (sc->real_ip == REAL_IP_OFF)
		return;
	enum request_header h = sc->real_ip == REAL_IP_XFF ? HDR_X_FORWARDED_FOR :
							      HDR_FORWARDED;
	if (req->hdr_seen[h])
		cidr_real_ip(b->in + req->hdr[h].off, req->hdr[h].len,
			     sc->real_ip == REAL_IP_FORWARDED, sc->real_ip_from,
			     sc->nreal_ip_from, &b->client);
}

/*
 * The PROXY header at the start of the buffer: take the client address
 * from it and drop it.  STEP_WAIT for more bytes; a bad header closes the
 * connection (and is logged, at most once a second).
 */
static enum step conn_proxy(struct conn *c)
{
	static struct log_ratelimit complaints;
	struct conn_buf *b = c->buf;
	struct proxy_info pi;
	int n = proxy_parse((const unsigned char *)b->in, b->in_len, &pi);

	if (n == PROXY_AGAIN)
		return STEP_WAIT;
	if (n == PROXY_BAD) {
		if (log_ratelimit_allow(&complaints, c->vh->view->now_ms)) {
			char addr[INET6_ADDRSTRLEN];
			access_addr_text(&c->peer.sa, addr, sizeof(addr));
			log_warn("bad PROXY protocol header from %s: closing", addr);
		}
		conn_close(c);
		return STEP_CLOSED;
	}
	if (!pi.local)
		memcpy(&c->peer, &pi.src, pi.src.ss_family == AF_INET6 ?
		       sizeof(c->peer.v6) : sizeof(c->peer.v4));
	memmove(b->in, b->in + n, b->in_len - (uint32_t)n);
	b->in_len -= (uint32_t)n;
	conn_enter(c, b->in_len > 0 ? CONN_READING : CONN_NEW);
	return STEP_AGAIN;
}

/* ---- responses ---- */

/*
 * The server that answers the request: by its host among those sharing
 * the address.  What concerns the connection itself (timeouts, limits,
 * PROXY protocol, keep-alive) stays with the address's default server.
 */
static const struct vhost *conn_vhost(const struct conn *c)
{
	const struct listen_group *g = c->group;
	const struct request *req = &c->buf->rp.req;

	if (g == NULL || g->nservers < 2)
		return c->vh;
	unsigned s = route_server(c->vh->pool->cf, g, c->buf->in + req->host.off,
				  req->host.len);
	return &c->vh->pool->vhosts[s];
}

/* A whole request was parsed: decide keep-alive, build the response. */
static enum step conn_respond(struct conn *c)
{
	struct conn_buf *b = c->buf;
	const struct vhost *vh = c->vh;
	bool client_keep = b->rp.req.keep_alive;

	b->reply.keep_alive = client_keep && !vh->view->draining &&
			      vh->conf->keepalive_timeout > 0 &&
			      c->requests + 1 < vh->conf->keepalive_requests;
	/* Closing on a client that expected to keep going: let it finish. */
	b->reply.linger = client_keep && !b->reply.keep_alive;
	conn_client(c);
	b->reply.client = (const struct sockaddr *)&b->client;
	conn_enter(c, CONN_WRITING); /* a status page counts itself */
	b->served = conn_vhost(c);
	serve_request(b->served, b->in, &b->rp.req, &b->reply);
	return STEP_AGAIN;
}

/* A request we cannot parse: answer, then close through LINGER. */
static enum step conn_reject(struct conn *c, int status)
{
	struct conn_buf *b = c->buf;

	b->reply.keep_alive = false;
	b->reply.linger = true;
	serve_error(&b->rp.req, status, &b->reply);
	conn_enter(c, CONN_WRITING);
	return STEP_AGAIN;
}

/* ---- the state machine ---- */

static enum step conn_linger_start(struct conn *c)
{
	conn_release_buf(c);
	if (shutdown(c->ev.fd, SHUT_WR) == -1) {
		conn_close(c);
		return STEP_CLOSED;
	}
	conn_enter(c, CONN_LINGER);
	return STEP_AGAIN;
}

/* The response is out: close, or get ready for the next request. */
static enum step conn_finish(struct conn *c)
{
	struct conn_buf *b = c->buf;

	conn_request_done(c);
	bool keep_alive = b->reply.keep_alive;

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
		conn_enter(c, CONN_IDLE);
	} else if (connbuf_next_request(b, c->vh->view->now_ms) == 0) {
		conn_enter(c, CONN_IDLE);
	} else {
		conn_enter(c, CONN_READING);
	}
	return STEP_AGAIN;
}

/* Send out[] up to upto; MSG_MORE when file bytes follow. */
static enum step conn_write_out(struct conn *c, uint32_t upto, bool more)
{
	struct conn_buf *b = c->buf;

	while (b->out_sent < upto) {
		if (!c->can_write)
			return STEP_WAIT;
		ssize_t n = send(c->ev.fd, b->reply.out + b->out_sent,
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
		timer_set(c, TIMER_SEND);
	}
	return STEP_AGAIN;
}

static enum step conn_write_file(struct conn *c, struct reply_seg *seg)
{
	struct conn_buf *b = c->buf;

	while (seg->file_off < seg->file_end) {
		if (!c->can_write)
			return STEP_WAIT;
		off_t left = seg->file_end - seg->file_off;
		ssize_t n = sendfile(c->ev.fd, b->reply.file_fd, &seg->file_off,
				     left < SENDFILE_CHUNK ? (size_t)left : SENDFILE_CHUNK);
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
		timer_set(c, TIMER_SEND);
	}
	return STEP_AGAIN;
}

static enum step conn_write(struct conn *c)
{
	struct conn_buf *b = c->buf;
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
		if ((s = conn_write_file(c, &r->seg[b->seg_done])) != STEP_AGAIN)
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
	struct conn_buf *b = c->buf;
	const struct request *req = &b->rp.req;

	if (req->method != METHOD_GET && req->method != METHOD_HEAD) {
		b->in_done = b->in_len; /* what is left of the body stays unread */
		conn_respond(c);
		b->reply.keep_alive = false;
		b->reply.linger = true;
		return STEP_AGAIN;
	}
	conn_enter(c, CONN_BODY);
	if (!req->hdr_seen[HDR_EXPECT] || req->http_minor == 0)
		return STEP_WAIT;
	ssize_t n = send(c->ev.fd, go_on, sizeof(go_on) - 1, MSG_NOSIGNAL);
	if (n > 0)
		STATS_ADD(c->vh->pool->sw->bytes_sent, (uint64_t)n);
	if (n > 0 && n < (ssize_t)sizeof(go_on) - 1) {
		conn_close(c); /* half an interim response: nothing can follow */
		return STEP_CLOSED;
	}
	/* EAGAIN: the client's unread responses fill the socket; it will
	 * stop waiting and send the body by itself. */
	return STEP_WAIT;
}

/* Parse what is buffered; STEP_WAIT when more bytes are needed. */
static enum step conn_parse(struct conn *c)
{
	struct conn_buf *b = c->buf;
	size_t used;

	if (c->state == CONN_PROXY)
		return b->in_len > 0 ? conn_proxy(c) : STEP_WAIT;
	if (b->in_done == b->in_len)
		return STEP_WAIT;
	enum request_result r = request_parse(&b->rp, b->in + b->in_done,
					      b->in_len - b->in_done, &used);
	b->in_done += (uint32_t)used;
	switch (r) {
	case REQUEST_DONE:
		return conn_respond(c);
	case REQUEST_ERROR:
		return conn_reject(c, b->rp.status);
	case REQUEST_AGAIN:
		break;
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
	c->buf->in_len += n;
	switch ((enum conn_state)c->state) {
	case CONN_NEW:
	case CONN_IDLE:
		conn_enter(c, CONN_READING);
		break;
	case CONN_BODY:
		timer_set(c, TIMER_BODY);
		break;
	default:
		break;
	}
}

/* No buffer for a connection with bytes to read: it is closed, and the
 * error log says why, at most once a second. */
static void conn_no_memory(struct conn *c)
{
	static struct log_ratelimit complaints;

	if (log_ratelimit_allow(&complaints, c->vh->view->now_ms))
		log_msg(LOG_LVL_ERR, "no memory for a connection buffer: "
			"closing the connections that need one");
	conn_close(c);
}

static enum step conn_read(struct conn *c)
{
	struct conn_buf *b = c->buf;

	if (b == NULL) {
		if (!c->can_read)
			return STEP_WAIT;
		if ((b = c->buf = connbuf_get(c->vh->view->now_ms)) == NULL) {
			conn_no_memory(c);
			return STEP_CLOSED;
		}
		request_parser_init(&b->rp, b->in,
				    c->vh->conf->client_max_body_size);
	}
	enum step s = conn_parse(c);
	if (s != STEP_WAIT)
		return s;
	uint32_t limit = c->vh->conf->client_header_buffer_size;
	if (b->in_len >= limit)
		return conn_reject(c, request_overflow_status(&b->rp));
	if (!c->can_read)
		return STEP_WAIT;
	ssize_t n = read(c->ev.fd, b->in + b->in_len, limit - b->in_len);
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
			conn_release_buf(c); /* nothing buffered: hold no buffer */
		return STEP_WAIT;
	}
	conn_close(c); /* EOF or error */
	return STEP_CLOSED;
}

static enum step conn_linger(struct conn *c)
{
	char sink[4096];

	while (c->can_read) {
		ssize_t n = read(c->ev.fd, sink, sizeof(sink));
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

static void conn_run(struct conn *c)
{
	enum step s;

	do {
		switch ((enum conn_state)c->state) {
		case CONN_PROXY:
		case CONN_NEW:
		case CONN_READING:
		case CONN_BODY:
		case CONN_IDLE:
			s = conn_read(c);
			break;
		case CONN_WRITING:
			s = conn_write(c);
			break;
		case CONN_LINGER:
			s = conn_linger(c);
			break;
		default:
			s = STEP_WAIT;
		}
	} while (s == STEP_AGAIN);
	/* Draining: an idle connection waits only for the grace. */
	if (s == STEP_WAIT && c->state == CONN_IDLE && c->vh->view->draining)
		timer_set(c, TIMER_DRAIN);
}

static void conn_handle(struct event_source *src, unsigned events)
{
	struct conn *c = (struct conn *)src;

	if (events & EV_HUP)
		c->rdhup = true;
	if (events & (EV_READ | EV_HUP))
		c->can_read = true;
	if (events & (EV_WRITE | EV_HUP))
		c->can_write = true;
	conn_run(c);
}

/* ---- timers, drain and stop ---- */

void conn_expire(struct vhost *vh, uint64_t now_ms)
{
	for (int t = 0; t < TIMER_COUNT_; t++) {
		struct conn_list *l = &vh->timers[t];
		while (l->head != NULL && l->head->deadline <= now_ms)
			conn_close(l->head);
	}
}

uint64_t conn_next_deadline(const struct vhost *vh)
{
	uint64_t next = UINT64_MAX;

	for (int t = 0; t < TIMER_COUNT_; t++) {
		const struct conn *head = vh->timers[t].head;
		if (head != NULL && head->deadline < next)
			next = head->deadline;
	}
	return next;
}

/* Nothing of a request came yet (a PROXY header may be on its way). */
static bool conn_sent_nothing(const struct conn *c)
{
	return c->state == CONN_NEW ||
	       (c->state == CONN_PROXY && (c->buf == NULL || c->buf->in_len == 0));
}

/*
 * Idle connections (and fresh ones that sent nothing yet) get a short grace
 * before they close: a request already on its way is answered, with
 * "Connection: close".
 */
void conn_drain(struct vhost *vh)
{
	struct conn *c, *next;

	vh->timeout_ms[TIMER_DRAIN] = DRAIN_GRACE_MS;
	if (vh->conf->keepalive_timeout < DRAIN_GRACE_MS)
		vh->timeout_ms[TIMER_DRAIN] = vh->conf->keepalive_timeout;
	for (c = vh->timers[TIMER_KEEPALIVE].head; c != NULL; c = next) {
		next = c->next;
		timer_set(c, TIMER_DRAIN);
	}
	for (c = vh->timers[TIMER_HEADER].head; c != NULL; c = next) {
		next = c->next;
		if (conn_sent_nothing(c))
			timer_set(c, TIMER_DRAIN);
	}
}

void conn_close_all(struct vhost *vh)
{
	for (int t = 0; t < TIMER_COUNT_; t++)
		while (vh->timers[t].head != NULL)
			conn_close(vh->timers[t].head);
}
