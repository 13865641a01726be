/*
 * conn.c — the connection state machine.
 *
 *   accept ─> READING ──request──> WRITING ──done, keep-alive──> IDLE
 *                ^  \                 │                            │
 *                │   └─bad request────┤                            │
 *                │                    └─done, close──> LINGER ─> closed
 *                └───────────────── bytes arrive ──────────────────┘
 *
 * A connection is registered once, edge-triggered, for reading and writing;
 * can_read/can_write remember what the kernel last said, and conn_run()
 * steps the state machine until it has to wait.  An idle connection owns
 * no buffer: buffers come from a per-worker free list when bytes arrive.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cidr.h"
#include "conn.h"
#include "proxy.h"
#include "request.h"
#include "response.h"
#include "route.h"
#include "serve.h"

#define CONN_OUT_SIZE 16384    /* response head, plus small bodies inline */
#define SENDFILE_CHUNK (1 << 20)
#define LINGER_MS 2000
#define DRAIN_GRACE_MS 1000

enum conn_state {
	CONN_READING,
	CONN_IDLE,
	CONN_WRITING,
	CONN_LINGER,
	CONN_CLOSED,     /* not yet, or no longer, in the state machine */
};

/* What conn_run's step functions report. */
enum step {
	STEP_AGAIN, /* state changed or progress made: step again */
	STEP_WAIT,  /* wait for the next event */
	STEP_CLOSED,
};

struct conn_buf {
	struct conn_buf *next_free;
	struct request_parser rp;
	uint32_t in_len;    /* bytes in in[] */
	uint32_t in_done;   /* bytes of in[] the parser consumed */
	uint32_t out_sent;  /* bytes of reply.out[] sent */
	uint64_t file_sent; /* body bytes sent from reply.file_fd */
	unsigned seg_done;  /* reply segments sent */
	uint64_t started_ms; /* the request's first byte arrived */
	struct reply reply;
	struct sockaddr_storage client; /* the request's client (real IP) */
	bool body_started;  /* the head is done, body bytes are coming */
	const struct vhost *served; /* the server answering (by Host) */
	char out[CONN_OUT_SIZE];
	char in[];          /* in_cap bytes: the largest head any server takes */
};

/* Room for a request head: client_header_buffer_size of any server. */
static uint32_t in_cap;

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
	bool proxy_pending;      /* a PROXY protocol header comes first */
	uint64_t id;             /* the worker's connection number */
	union {
		struct sockaddr sa;
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} peer;
};

static struct conn *free_conns;
static struct conn_buf *free_bufs;

/* The scoreboard's count of connections in a state (NULL: not counted). */
static uint32_t *state_counter(struct conn *c, enum conn_state state)
{
	struct stats_worker *sw = c->vh->w->sw;

	switch (state) {
	case CONN_READING: return &sw->reading;
	case CONN_WRITING: return &sw->writing;
	case CONN_IDLE: return &sw->idle;
	default: return NULL;
	}
}

static void conn_set_state(struct conn *c, enum conn_state state)
{
	uint32_t *was = state_counter(c, (enum conn_state)c->state);
	uint32_t *now = state_counter(c, state);

	if (was != NULL)
		STATS_ADD(*was, (uint32_t)-1);
	if (now != NULL)
		STATS_ADD(*now, 1);
	c->state = (uint8_t)state;
}

static void conn_handle(struct event_source *src, unsigned events);
static void conn_run(struct conn *c);

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

static void timer_set(struct conn *c, enum conn_timer t)
{
	struct conn_list *l = &c->vh->timers[t];

	timer_unlink(c);
	c->timer = (uint8_t)t;
	c->deadline = c->vh->w->now_ms + c->vh->timeout_ms[t];
	c->prev = l->tail;
	if (l->tail != NULL)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
}

/* ---- buffers ---- */

static void reply_reset(struct conn_buf *b)
{
	b->out_sent = 0;
	b->file_sent = 0;
	b->seg_done = 0;
	b->started_ms = worker_self != NULL ? worker_self->now_ms : 0;
	b->served = NULL;
	b->reply = (struct reply){
		.out = b->out,
		.cap = sizeof(b->out),
		.file_fd = -1,
	};
}

static struct conn_buf *buf_get(void)
{
	struct conn_buf *b = free_bufs;

	if (b != NULL)
		free_bufs = b->next_free;
	else if ((b = malloc(sizeof(*b) + in_cap)) == NULL)
		return NULL;
	b->in_len = b->in_done = 0;
	b->body_started = false;
	reply_reset(b);
	return b;
}

static void buf_put(struct conn_buf *b)
{
	if (b->reply.file_fd != -1)
		close(b->reply.file_fd);
	b->next_free = free_bufs;
	free_bufs = b;
}

static void conn_release_buf(struct conn *c)
{
	if (c->buf != NULL)
		buf_put(c->buf);
	c->buf = NULL;
}

/* ---- access log ---- */

static void addr_text(const struct sockaddr *sa, char *out, size_t outsz)
{
	const struct sockaddr_in6 *v6 = (const void *)sa;
	const struct sockaddr_in *v4 = (const void *)sa;

	if (sa->sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr))
		inet_ntop(AF_INET, v6->sin6_addr.s6_addr + 12, out, (socklen_t)outsz);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &v6->sin6_addr, out, (socklen_t)outsz);
	else
		inet_ntop(AF_INET, &v4->sin_addr, out, (socklen_t)outsz);
}

/* The server whose access log gets the request: the one Host chose. */
static const struct vhost *conn_served(const struct conn *c)
{
	return c->buf->served != NULL ? c->buf->served : c->vh;
}

static void conn_log(struct conn *c)
{
	struct conn_buf *b = c->buf;
	const struct request *req = &b->rp.req;
	char addr[INET6_ADDRSTRLEN];
	char line[4096];

	addr_text(b->reply.client != NULL ? b->reply.client : &c->peer.sa, addr,
		  sizeof(addr));
	uint64_t body = b->out_sent > b->reply.head_len ?
			b->out_sent - b->reply.head_len : 0;
	const struct worker *w = c->vh->w;
	size_t mlen = 0;
	while (mlen < req->line.len && b->in[req->line.off + mlen] != ' ')
		mlen++;
	struct access_entry e = {
		.bytes_total = (uint64_t)b->out_sent + b->file_sent,
		.method = b->in + req->line.off,
		.method_len = mlen,
		.uri = b->in + req->target.off,
		.uri_len = req->target.len,
		.host = b->in + req->hdr[HDR_HOST].off,
		.host_len = req->hdr[HDR_HOST].len,
		.msec = (uint64_t)w->now * 1000,
		.request_time_us = (w->now_ms - b->started_ms) * 1000,
		.connection = c->id,
		.connection_requests = c->requests + 1,
		.http_minor = req->line.len > 0 ? req->http_minor : -1,
		.addr = addr,
		.time_local = response_log_time(),
		.request = b->in + req->line.off,
		.request_len = req->line.len,
		.status = b->reply.status,
		.bytes = body + b->file_sent,
		.referer = b->in + req->hdr[HDR_REFERER].off,
		.referer_len = req->hdr[HDR_REFERER].len,
		.user_agent = b->in + req->hdr[HDR_USER_AGENT].off,
		.user_agent_len = req->hdr[HDR_USER_AGENT].len,
	};
	struct access_log *log = conn_served(c)->log;
	size_t n = access_log_render(log, line, sizeof(line), &e);
	access_log_append(log, line, n);
}

/* A response ended (whole or cut short): count it, log it. */
static void conn_request_done(struct conn *c)
{
	struct conn_buf *b = c->buf;
	struct stats_worker *sw = c->vh->w->sw;

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
	if (c->buf != NULL)
		conn_request_done(c); /* a response cut short */
	STATS_ADD(c->vh->w->sw->handled, 1);
	conn_set_state(c, CONN_CLOSED);
	timer_unlink(c);
	close(c->ev.fd);
	conn_release_buf(c);
	c->vh->w->nconns--;
	c->next = free_conns;
	free_conns = c;
}

static uint32_t in_cap_of(const struct config *cf)
{
	uint32_t cap = 0;

	for (size_t i = 0; i < cf->nservers; i++)
		if (cf->servers[i].client_header_buffer_size > cap)
			cap = cf->servers[i].client_header_buffer_size;
	return cap;
}

int conn_accept(struct vhost *vh, int fd, const struct sockaddr_storage *peer)
{
	return conn_accept_on(vh, NULL, fd, peer);
}

int conn_accept_on(struct vhost *vh, const struct listen_group *group, int fd,
		   const struct sockaddr_storage *peer)
{
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
	c->state = CONN_CLOSED;
	c->proxy_pending = vh->conf->proxy_protocol;
	vh->timeout_ms[TIMER_BODY] = vh->conf->client_body_timeout;
	if (in_cap == 0)
		in_cap = in_cap_of(vh->w->cf);
	memcpy(&c->peer, peer, peer->ss_family == AF_INET6 ?
	       sizeof(c->peer.v6) : sizeof(c->peer.v4));
	vh->w->nconns++;
	c->id = STATS_ADD(vh->w->sw->accepted, 1) + 1;
	conn_set_state(c, CONN_READING);
	timer_set(c, vh->w->draining ? TIMER_DRAIN : TIMER_HEADER);
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
	    event_add(&vh->w->loop, &c->ev, EV_READ | EV_WRITE | EV_EDGE) == -1) {
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
	static uint64_t last_complaint;
	struct conn_buf *b = c->buf;
	struct proxy_info pi;
	int n = proxy_parse((const unsigned char *)b->in, b->in_len, &pi);

	if (n == PROXY_AGAIN)
		return STEP_WAIT;
	if (n == PROXY_BAD) {
		if (c->vh->w->now_ms - last_complaint >= 1000) {
			char addr[INET6_ADDRSTRLEN];
			addr_text(&c->peer.sa, addr, sizeof(addr));
			log_warn("bad PROXY protocol header from %s: closing", addr);
			last_complaint = c->vh->w->now_ms;
		}
		conn_close(c);
		return STEP_CLOSED;
	}
	if (!pi.local)
		memcpy(&c->peer, &pi.src, pi.src.ss_family == AF_INET6 ?
		       sizeof(c->peer.v6) : sizeof(c->peer.v4));
	memmove(b->in, b->in + n, b->in_len - (uint32_t)n);
	b->in_len -= (uint32_t)n;
	c->proxy_pending = false;
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
	unsigned s = route_server(c->vh->w->cf, g, c->buf->in + req->host.off,
				  req->host.len);
	return &c->vh->w->vhosts[s];
}

/* A whole request was parsed: decide keep-alive, build the response. */
static enum step conn_respond(struct conn *c)
{
	struct conn_buf *b = c->buf;
	const struct vhost *vh = c->vh;
	bool client_keep = b->rp.req.keep_alive;

	b->reply.keep_alive = client_keep && !vh->w->draining &&
			      vh->conf->keepalive_timeout > 0 &&
			      c->requests + 1 < vh->conf->keepalive_requests;
	/* Closing on a client that expected to keep going: let it finish. */
	b->reply.linger = client_keep && !b->reply.keep_alive;
	conn_client(c);
	b->reply.client = (const struct sockaddr *)&b->client;
	conn_set_state(c, CONN_WRITING); /* a status page counts itself */
	b->served = conn_vhost(c);
	serve_request(b->served, b->in, &b->rp.req, &b->reply);
	timer_set(c, TIMER_SEND);
	return STEP_AGAIN;
}

/* A request we cannot parse: answer, then close through LINGER. */
static enum step conn_reject(struct conn *c, int status)
{
	struct conn_buf *b = c->buf;

	b->reply.keep_alive = false;
	b->reply.linger = true;
	serve_error(&b->rp.req, status, &b->reply);
	conn_set_state(c, CONN_WRITING);
	timer_set(c, TIMER_SEND);
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
	conn_set_state(c, CONN_LINGER);
	timer_set(c, TIMER_LINGER);
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
	/* Keep pipelined bytes: move them to the front. */
	uint32_t left = b->in_len - b->in_done;
	memmove(b->in, b->in + b->in_done, left);
	b->in_len = left;
	b->in_done = 0;
	if (b->reply.file_fd != -1)
		close(b->reply.file_fd);
	reply_reset(b);
	b->body_started = false;
	request_next(&b->rp, b->in);
	if (left == 0) {
		conn_set_state(c, CONN_IDLE);
		timer_set(c, TIMER_KEEPALIVE);
		if (!c->can_read)
			conn_release_buf(c);
	} else {
		conn_set_state(c, CONN_READING);
		timer_set(c, TIMER_HEADER);
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

	b->body_started = true;
	timer_set(c, TIMER_BODY);
	if (req->method != METHOD_GET && req->method != METHOD_HEAD) {
		b->in_done = b->in_len; /* what is left of the body stays unread */
		conn_respond(c);
		b->reply.keep_alive = false;
		b->reply.linger = true;
		return STEP_AGAIN;
	}
	if (!req->hdr_seen[HDR_EXPECT] || req->http_minor == 0)
		return STEP_WAIT;
	ssize_t n = send(c->ev.fd, go_on, sizeof(go_on) - 1, MSG_NOSIGNAL);
	if (n > 0)
		STATS_ADD(c->vh->w->sw->bytes_sent, (uint64_t)n);
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

	if (c->proxy_pending && b->in_len > 0)
		return conn_proxy(c);
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
		if (!b->body_started)
			return conn_body_start(c);
	}
	return STEP_WAIT;
}

/* No buffer for a connection with bytes to read: it is closed, and the
 * error log says why, at most once a second. */
static void conn_no_memory(struct conn *c)
{
	static uint64_t last_ms;
	uint64_t now = c->vh->w->now_ms;

	if (last_ms == 0 || now - last_ms >= 1000) {
		log_msg(LOG_LVL_ERR, "no memory for a connection buffer: "
			"closing the connections that need one");
		last_ms = now;
	}
	conn_close(c);
}

static enum step conn_read(struct conn *c)
{
	struct conn_buf *b = c->buf;

	if (b == NULL) {
		if (!c->can_read)
			return STEP_WAIT;
		if ((b = c->buf = buf_get()) == NULL) {
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
		b->in_len += (uint32_t)n;
		if (b->body_started)
			timer_set(c, TIMER_BODY);
		if (c->state == CONN_IDLE) {
			conn_set_state(c, CONN_READING);
			timer_set(c, TIMER_HEADER);
		}
		return STEP_AGAIN;
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
		c->can_read = errno == EINTR;
		if (b->in_len == 0)
			conn_release_buf(c); /* idle: hold no buffer */
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
		case CONN_READING:
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
	if (s == STEP_WAIT && c->vh->w->draining && c->state == CONN_IDLE)
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

uint64_t conn_expire(struct vhost *vh, uint64_t now_ms)
{
	uint64_t next = UINT64_MAX;

	for (int t = 0; t < TIMER_COUNT_; t++) {
		struct conn_list *l = &vh->timers[t];
		while (l->head != NULL && l->head->deadline <= now_ms)
			conn_close(l->head);
		if (l->head != NULL && l->head->deadline < next)
			next = l->head->deadline;
	}
	return next;
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
		if (c->buf == NULL)
			timer_set(c, TIMER_DRAIN);
	}
}

void conn_close_all(struct vhost *vh)
{
	for (int t = 0; t < TIMER_COUNT_; t++)
		while (vh->timers[t].head != NULL)
			conn_close(vh->timers[t].head);
}
