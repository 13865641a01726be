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

#include "conn.h"
#include "request.h"
#include "response.h"
#include "serve.h"

#define CONN_IN_SIZE 8192      /* request head limit */
#define CONN_OUT_SIZE 16384    /* response head, plus small bodies inline */
#define BODY_LIMIT (1u << 20)  /* request bodies are read and discarded */
#define SENDFILE_CHUNK (1 << 20)
#define LINGER_MS 2000
#define DRAIN_GRACE_MS 1000

enum conn_state {
	CONN_READING,
	CONN_IDLE,
	CONN_WRITING,
	CONN_LINGER,
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
	struct reply reply;
	char in[CONN_IN_SIZE];
	char out[CONN_OUT_SIZE];
};

struct conn {
	struct event_source ev;
	struct conn *prev;       /* timer list */
	struct conn *next;
	uint64_t deadline;
	struct vhost *vh;
	struct conn_buf *buf;
	uint32_t requests;
	uint8_t state;
	uint8_t timer;
	bool can_read;
	bool can_write;
	bool rdhup;              /* the client shut down its sending side */
	union {
		struct sockaddr sa;
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} peer;
};

static struct conn *free_conns;
static struct conn_buf *free_bufs;

static void conn_handle(struct event_source *src, unsigned events);

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
	else if ((b = malloc(sizeof(*b))) == NULL)
		return NULL;
	b->in_len = b->in_done = 0;
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

static void conn_log(struct conn *c)
{
	struct conn_buf *b = c->buf;
	const struct request *req = &b->rp.req;
	char addr[INET6_ADDRSTRLEN];
	char line[4096];

	if (c->peer.sa.sa_family == AF_INET6)
		inet_ntop(AF_INET6, &c->peer.v6.sin6_addr, addr, sizeof(addr));
	else
		inet_ntop(AF_INET, &c->peer.v4.sin_addr, addr, sizeof(addr));
	uint64_t body = b->out_sent > b->reply.head_len ?
			b->out_sent - b->reply.head_len : 0;
	struct access_entry e = {
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
	size_t n = access_log_format(line, sizeof(line), &e);
	access_log_append(c->vh->log, line, n);
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
	if (c->vh->log != NULL)
		conn_log(c);
	b->reply.status = 0;
}

/* ---- open and close ---- */

static void conn_close(struct conn *c)
{
	if (c->buf != NULL)
		conn_request_done(c); /* a response cut short */
	STATS_ADD(c->vh->w->sw->handled, 1);
	timer_unlink(c);
	close(c->ev.fd);
	conn_release_buf(c);
	c->vh->w->nconns--;
	c->next = free_conns;
	free_conns = c;
}

int conn_accept(struct vhost *vh, int fd, const struct sockaddr_storage *peer)
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
	c->timer = TIMER_NONE;
	c->state = CONN_READING;
	memcpy(&c->peer, peer, peer->ss_family == AF_INET6 ?
	       sizeof(c->peer.v6) : sizeof(c->peer.v4));
	if (event_add(&vh->w->loop, &c->ev, EV_READ | EV_WRITE | EV_EDGE) == -1) {
		c->next = free_conns;
		free_conns = c;
		goto fail;
	}
	vh->w->nconns++;
	STATS_ADD(vh->w->sw->accepted, 1);
	timer_set(c, vh->w->draining ? TIMER_DRAIN : TIMER_HEADER);
	return 0;
fail:
	log_errno(LOG_LVL_ERR, "accept: cannot take connection");
	close(fd);
	return -1;
}

/* ---- responses ---- */

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
	serve_request(vh, b->in, &b->rp.req, &b->reply);
	c->state = CONN_WRITING;
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
	c->state = CONN_WRITING;
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
	c->state = CONN_LINGER;
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
	request_next(&b->rp, b->in);
	if (left == 0) {
		c->state = CONN_IDLE;
		timer_set(c, TIMER_KEEPALIVE);
		if (!c->can_read)
			conn_release_buf(c);
	} else {
		c->state = CONN_READING;
		timer_set(c, TIMER_HEADER);
	}
	return STEP_AGAIN;
}

static enum step conn_write(struct conn *c)
{
	struct conn_buf *b = c->buf;
	struct reply *r = &b->reply;

	while (b->out_sent < r->len) {
		if (!c->can_write)
			return STEP_WAIT;
		int more = r->file_fd != -1 ? MSG_MORE : 0;
		ssize_t n = send(c->ev.fd, r->out + b->out_sent,
				 r->len - b->out_sent, MSG_NOSIGNAL | more);
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
	while (r->file_fd != -1 && r->file_off < r->file_end) {
		if (!c->can_write)
			return STEP_WAIT;
		off_t left = r->file_end - r->file_off;
		ssize_t n = sendfile(c->ev.fd, r->file_fd, &r->file_off,
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
	return conn_finish(c);
}

/* Parse what is buffered; STEP_WAIT when more bytes are needed. */
static enum step conn_parse(struct conn *c)
{
	struct conn_buf *b = c->buf;
	size_t used;

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
	if (b->rp.headers_done)
		b->in_len = b->in_done = b->rp.headers_end;
	return STEP_WAIT;
}

static enum step conn_read(struct conn *c)
{
	struct conn_buf *b = c->buf;

	if (b == NULL) {
		if (!c->can_read)
			return STEP_WAIT;
		if ((b = c->buf = buf_get()) == NULL) {
			conn_close(c);
			return STEP_CLOSED;
		}
		request_parser_init(&b->rp, b->in, BODY_LIMIT);
	}
	enum step s = conn_parse(c);
	if (s != STEP_WAIT)
		return s;
	if (b->in_len == sizeof(b->in))
		return conn_reject(c, request_overflow_status(&b->rp));
	if (!c->can_read)
		return STEP_WAIT;
	ssize_t n = read(c->ev.fd, b->in + b->in_len, sizeof(b->in) - b->in_len);
	if (n > 0) {
		/* A short read drained the socket; the next edge will say more,
		 * unless the end of the stream was already announced. */
		if ((size_t)n < sizeof(b->in) - b->in_len && !c->rdhup)
			c->can_read = false;
		b->in_len += (uint32_t)n;
		if (c->state == CONN_IDLE) {
			c->state = CONN_READING;
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
