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
#include "file.h"
#include "mime.h"
#include "path.h"
#include "request.h"
#include "response.h"

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
	uint32_t out_len;
	uint32_t out_sent;
	uint32_t head_len;  /* response head bytes at the start of out[] */
	int status;
	int file_fd;
	off_t file_off;
	off_t file_end;
	bool keep_alive;    /* after this response */
	bool linger;        /* close through LINGER, not at once */
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

static struct conn_buf *buf_get(void)
{
	struct conn_buf *b = free_bufs;

	if (b != NULL)
		free_bufs = b->next_free;
	else if ((b = malloc(sizeof(*b))) == NULL)
		return NULL;
	b->in_len = b->in_done = 0;
	b->out_len = b->out_sent = b->head_len = 0;
	b->file_fd = -1;
	b->file_off = b->file_end = 0;
	b->status = 0;
	return b;
}

static void buf_put(struct conn_buf *b)
{
	if (b->file_fd != -1)
		close(b->file_fd);
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

	if (c->vh->log == NULL || b->status == 0)
		return;
	if (c->peer.sa.sa_family == AF_INET6)
		inet_ntop(AF_INET6, &c->peer.v6.sin6_addr, addr, sizeof(addr));
	else
		inet_ntop(AF_INET, &c->peer.v4.sin_addr, addr, sizeof(addr));
	uint64_t sent = (uint64_t)b->out_sent + (uint64_t)(b->file_off);
	struct access_entry e = {
		.addr = addr,
		.time_local = response_log_time(),
		.request = b->in + req->line.off,
		.request_len = req->line.len,
		.status = b->status,
		.bytes = sent > b->head_len ? sent - b->head_len : 0,
		.referer = b->in + req->hdr[HDR_REFERER].off,
		.referer_len = req->hdr[HDR_REFERER].len,
		.user_agent = b->in + req->hdr[HDR_USER_AGENT].off,
		.user_agent_len = req->hdr[HDR_USER_AGENT].len,
	};
	size_t n = access_log_format(line, sizeof(line), &e);
	access_log_append(c->vh->log, line, n);
	b->status = 0;
}

/* ---- open and close ---- */

static void conn_close(struct conn *c)
{
	if (c->buf != NULL && c->buf->status != 0)
		conn_log(c); /* a response cut short */
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
	timer_set(c, vh->w->draining ? TIMER_DRAIN : TIMER_HEADER);
	return 0;
fail:
	log_errno(LOG_LVL_ERR, "accept: cannot take connection");
	close(fd);
	return -1;
}

/* ---- responses ---- */

/* Percent-encode a decoded path for a Location header. */
static size_t encode_path(const char *in, char *out, size_t outsz)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *in != '\0' && n + 4 < outsz; in++) {
		unsigned char ch = (unsigned char)*in;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~/!$&'()*+,;=:@", ch)) {
			out[n++] = (char)ch;
		} else {
			out[n++] = '%';
			out[n++] = hex[ch >> 4];
			out[n++] = hex[ch & 15];
		}
	}
	out[n] = '\0';
	return n;
}

static bool want_body(const struct conn_buf *b)
{
	return b->rp.req.method != METHOD_HEAD;
}

/* Queue a head (and for errors a short body) in out[]. */
static int respond_head(struct conn *c, struct response_head *h)
{
	struct conn_buf *b = c->buf;

	h->keep_alive = b->keep_alive;
	h->http10 = b->rp.req.http_minor == 0;
	b->status = h->status;
	b->head_len = (uint32_t)response_format_head(b->out, sizeof(b->out), h);
	b->out_len = b->head_len;
	return b->head_len == 0 ? -1 : 0;
}

static void respond_error(struct conn *c, int status)
{
	struct conn_buf *b = c->buf;
	size_t len;
	const char *body = response_error_body(status, &len);
	struct response_head h = {
		.status = status,
		.content_type = "text/html; charset=utf-8",
		.content_length = (long long)len,
	};

	if (status == 405)
		h.allow = "GET, HEAD";
	if (status == 400) {
		/* A client that sends nonsense gets no second chance. */
		b->keep_alive = false;
		b->linger = true;
	}
	respond_head(c, &h);
	if (want_body(b) && b->out_len + len <= sizeof(b->out)) {
		memcpy(b->out + b->out_len, body, len);
		b->out_len += (uint32_t)len;
	}
}

static void respond_redirect(struct conn *c, const char *path,
			     const char *query, size_t qlen)
{
	char loc[PATH_MAX_LEN * 3 + 8];
	size_t n = encode_path(path, loc, sizeof(loc) - 2);
	size_t len;
	const char *body = response_error_body(301, &len);

	loc[n++] = '/';
	if (qlen > 0 && n + qlen < sizeof(loc)) {
		memcpy(loc + n, query, qlen);
		n += qlen;
	}
	struct response_head h = {
		.status = 301,
		.content_type = "text/html; charset=utf-8",
		.content_length = (long long)len,
		.location = loc,
		.location_len = n,
	};
	respond_head(c, &h);
	if (want_body(c->buf) && c->buf->out_len + len <= sizeof(c->buf->out)) {
		memcpy(c->buf->out + c->buf->out_len, body, len);
		c->buf->out_len += (uint32_t)len;
	}
}

/* If-None-Match: a list of entity tags or "*", compared weakly. */
static bool etag_matches(const char *list, size_t len, const char *etag)
{
	size_t elen = strlen(etag);

	for (size_t i = 0; i < len;) {
		while (i < len && (list[i] == ' ' || list[i] == '\t' || list[i] == ','))
			i++;
		if (i < len && list[i] == '*')
			return true;
		if (i + 2 <= len && list[i] == 'W' && list[i + 1] == '/')
			i += 2;
		size_t start = i;
		while (i < len && list[i] != ',')
			i++;
		size_t end = i;
		while (end > start && (list[end - 1] == ' ' || list[end - 1] == '\t'))
			end--;
		if (end - start == elen && memcmp(list + start, etag, elen) == 0)
			return true;
	}
	return false;
}

static bool not_modified(const struct conn_buf *b, const struct stat *st,
			 const char *etag)
{
	const struct request *req = &b->rp.req;
	const struct span inm = req->hdr[HDR_IF_NONE_MATCH];
	const struct span ims = req->hdr[HDR_IF_MODIFIED_SINCE];
	time_t since;

	if (req->hdr_seen[HDR_IF_NONE_MATCH])
		return etag_matches(b->in + inm.off, inm.len, etag);
	if (req->hdr_seen[HDR_IF_MODIFIED_SINCE] &&
	    response_parse_http_date(b->in + ims.off, ims.len, &since) == 0)
		return st->st_mtime <= since;
	return false;
}

/* Answer 200 (or 304) for an open regular file; takes ownership of fd. */
static void respond_file(struct conn *c, int fd, const struct stat *st,
			 const char *path)
{
	struct conn_buf *b = c->buf;
	char etag[FILE_ETAG_MAX];
	struct response_head h = {
		.status = 200,
		.content_type = mime_type(path, strlen(path)),
		.content_length = (long long)st->st_size,
		.last_modified = st->st_mtime,
		.etag = etag,
	};

	file_etag(st, etag, sizeof(etag));
	if (not_modified(b, st, etag)) {
		h.status = 304;
		h.content_type = NULL;
		h.content_length = -1;
	}
	if (respond_head(c, &h) == -1 || h.status == 304 || !want_body(b) ||
	    st->st_size == 0) {
		close(fd);
		return;
	}
	size_t room = sizeof(b->out) - b->out_len;
	if ((size_t)st->st_size <= room) {
		/* Small file: one write carries head and body. */
		ssize_t n = pread(fd, b->out + b->out_len, (size_t)st->st_size, 0);
		close(fd);
		if (n > 0)
			b->out_len += (uint32_t)n;
		if (n != st->st_size)
			b->keep_alive = false; /* it changed under us */
		return;
	}
	b->file_fd = fd;
	b->file_off = 0;
	b->file_end = st->st_size;
}

static int errno_status(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		return 404;
	case EACCES:
	case EPERM:
	case ELOOP:
	case EXDEV:
		return 403;
	case ENAMETOOLONG:
		return 414;
	default:
		return 500;
	}
}

/* A directory: redirect to add the slash, or serve its index file. */
static void respond_dir(struct conn *c, const char *path, size_t plen,
			const char *query, size_t qlen)
{
	const struct server_conf *sc = c->vh->conf;
	char name[PATH_MAX_LEN];
	struct stat st;

	if (path[plen - 1] != '/') {
		respond_redirect(c, path, query, qlen);
		return;
	}
	for (size_t i = 0; i < sc->nindex; i++) {
		size_t nlen = strlen(sc->index[i]);
		if (plen + nlen >= sizeof(name))
			continue;
		memcpy(name, path, plen);
		memcpy(name + plen, sc->index[i], nlen + 1);
		int fd = file_open_beneath(c->vh->rootfd, name, &st);
		if (fd == -1) {
			if (errno == ENOENT)
				continue;
			respond_error(c, errno_status(errno));
			return;
		}
		if (S_ISREG(st.st_mode)) {
			respond_file(c, fd, &st, name);
			return;
		}
		close(fd);
	}
	respond_error(c, 403);
}

/* Split an origin-form or absolute-form target into path and query. */
static int split_target(const char *t, size_t len, const char **path,
			size_t *plen, const char **query, size_t *qlen)
{
	if (len > 7 && (strncasecmp(t, "http://", 7) == 0 ||
			(len > 8 && strncasecmp(t, "https://", 8) == 0))) {
		const char *auth = memchr(t, '/', len) + 2;
		const char *slash = memchr(auth, '/', len - (size_t)(auth - t));
		if (slash == NULL)
			return -1;
		len -= (size_t)(slash - t);
		t = slash;
	}
	if (len == 0 || t[0] != '/')
		return -1;
	const char *q = memchr(t, '?', len);
	*path = t;
	*plen = q != NULL ? (size_t)(q - t) : len;
	*query = q != NULL ? q : t + len;
	*qlen = len - *plen;
	return 0;
}

static void respond_static(struct conn *c)
{
	struct conn_buf *b = c->buf;
	const struct request *req = &b->rp.req;
	const char *raw, *query;
	size_t rawlen, qlen;
	char path[PATH_MAX_LEN];
	struct stat st;

	if (req->method != METHOD_GET && req->method != METHOD_HEAD) {
		respond_error(c, 405);
		return;
	}
	if (split_target(b->in + req->target.off, req->target.len, &raw,
			 &rawlen, &query, &qlen) == -1) {
		respond_error(c, 400);
		return;
	}
	int n = path_normalize(raw, rawlen, path, sizeof(path));
	if (n < 0) {
		respond_error(c, n == PATH_ELONG ? 414 : 400);
		return;
	}
	int fd = file_open_beneath(c->vh->rootfd, path, &st);
	if (fd == -1) {
		respond_error(c, errno_status(errno));
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		respond_dir(c, path, (size_t)n, query, qlen);
	} else if (S_ISREG(st.st_mode)) {
		respond_file(c, fd, &st, path);
	} else {
		close(fd);
		respond_error(c, 403);
	}
}

/* A whole request was parsed: decide keep-alive, build the response. */
static enum step conn_respond(struct conn *c)
{
	struct conn_buf *b = c->buf;
	const struct vhost *vh = c->vh;
	bool client_keep = b->rp.req.keep_alive;

	b->keep_alive = client_keep && !vh->w->draining &&
			vh->conf->keepalive_timeout > 0 &&
			c->requests + 1 < vh->conf->keepalive_requests;
	/* Closing on a client that expected to keep going: let it finish. */
	b->linger = client_keep && !b->keep_alive;
	respond_static(c);
	c->state = CONN_WRITING;
	timer_set(c, TIMER_SEND);
	return STEP_AGAIN;
}

/* A request we cannot parse: answer, then close through LINGER. */
static enum step conn_reject(struct conn *c, int status)
{
	struct conn_buf *b = c->buf;

	b->keep_alive = false;
	b->linger = true;
	respond_error(c, status);
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

	conn_log(c);
	if (b->file_fd != -1) {
		close(b->file_fd);
		b->file_fd = -1;
	}
	if (!b->keep_alive) {
		if (b->linger || b->in_done < b->in_len)
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
	b->out_len = b->out_sent = b->head_len = 0;
	b->file_off = b->file_end = 0;
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

	while (b->out_sent < b->out_len) {
		if (!c->can_write)
			return STEP_WAIT;
		int more = b->file_fd != -1 ? MSG_MORE : 0;
		ssize_t n = send(c->ev.fd, b->out + b->out_sent,
				 b->out_len - b->out_sent, MSG_NOSIGNAL | more);
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
	while (b->file_fd != -1 && b->file_off < b->file_end) {
		if (!c->can_write)
			return STEP_WAIT;
		off_t left = b->file_end - b->file_off;
		ssize_t n = sendfile(c->ev.fd, b->file_fd, &b->file_off,
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
		/* A short read drained the socket; the next edge will say more. */
		if ((size_t)n < sizeof(b->in) - b->in_len)
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
