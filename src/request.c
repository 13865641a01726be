/*
 * request.c — llhttp glue.  No leniency flag is ever enabled: a request that
 * could be read two ways is refused.
 *
 * llhttp 8.1 still takes a few things RFC 9112 says to refuse: whitespace
 * between a field name and its colon, obs-fold, a bare CR where the header
 * block ends (CVE-2023-30589), and a bare LF as the block's last line.  So
 * the bytes of the head go through head_scan() first, and llhttp only ever
 * sees the part of them that scanned clean: of two errors, the one earlier
 * in the input decides the status.
 *
 * The same llhttp skips the two bytes that end a chunk's data without
 * looking at them, so "5\r\nhelloXX0\r\n\r\n" was one complete body; a
 * front end that reads it another way would have us answer a request it
 * never saw.  on_body() checks those two bytes itself (crlf_check).
 */
#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include <llhttp.h>

#include "request.h"

_Static_assert(sizeof(llhttp_t) <= REQUEST_LLHTTP_SIZE,
	       "REQUEST_LLHTTP_SIZE is too small for llhttp_t");

static const char *const header_names[HDR_COUNT_] = {
	[HDR_HOST] = "host",
	[HDR_IF_NONE_MATCH] = "if-none-match",
	[HDR_IF_MODIFIED_SINCE] = "if-modified-since",
	[HDR_IF_MATCH] = "if-match",
	[HDR_IF_UNMODIFIED_SINCE] = "if-unmodified-since",
	[HDR_RANGE] = "range",
	[HDR_IF_RANGE] = "if-range",
	[HDR_REFERER] = "referer",
	[HDR_USER_AGENT] = "user-agent",
	[HDR_ACCEPT_ENCODING] = "accept-encoding",
	[HDR_EXPECT] = "expect",
	[HDR_X_FORWARDED_FOR] = "x-forwarded-for",
	[HDR_FORWARDED] = "forwarded",
	[HDR_TRANSFER_ENCODING] = "transfer-encoding",
};

/* ---- the head scanner ---- */

enum scan_state {
	SCAN_START,     /* before the request line: empty lines are skipped */
	SCAN_START_CR,
	SCAN_LINE,      /* in the request line */
	SCAN_LINE_SP,   /* after a space in it */
	SCAN_LINE_CR,
	SCAN_FIELD,     /* at the start of a header line */
	SCAN_NAME,
	SCAN_VALUE,
	SCAN_VALUE_CR,
	SCAN_END_CR,    /* CR of the empty line */
	SCAN_DONE,      /* the head ended: body bytes are llhttp's business */
	SCAN_BAD,
};

/* RFC 9110 5.6.2 tchar */
static bool is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c != 0 && strchr("!#$%&'*+-.^_`|~", c));
}

static enum scan_state scan_step(enum scan_state st, unsigned char c)
{
	switch (st) {
	case SCAN_START:
		if (c == '\r')
			return SCAN_START_CR;
		if (c == '\n')
			return SCAN_START;
		return c == '\0' ? SCAN_BAD : SCAN_LINE;
	case SCAN_START_CR:
		return c == '\n' ? SCAN_START : SCAN_BAD;
	case SCAN_LINE:
		if (c == '\r')
			return SCAN_LINE_CR;
		if (c == '\n')
			return SCAN_BAD; /* a bare LF ends no line of the head */
		if (c == ' ')
			return SCAN_LINE_SP;
		return c == '\0' ? SCAN_BAD : SCAN_LINE;
	case SCAN_LINE_SP:
		/* one space between the parts, none at the end (RFC 9112 3) */
		if (c == ' ' || c == '\r' || c == '\n' || c == '\0')
			return SCAN_BAD;
		return SCAN_LINE;
	case SCAN_FIELD:
		if (c == '\r')
			return SCAN_END_CR;
		/* obs-fold, or a name that is empty or starts with a space */
		return is_tchar(c) ? SCAN_NAME : SCAN_BAD;
	case SCAN_NAME:
		if (c == ':')
			return SCAN_VALUE;
		return is_tchar(c) ? SCAN_NAME : SCAN_BAD;
	case SCAN_VALUE:
		if (c == '\r')
			return SCAN_VALUE_CR;
		return c == '\t' || (c >= 0x20 && c != 0x7f) ? SCAN_VALUE : SCAN_BAD;
	case SCAN_LINE_CR:
	case SCAN_VALUE_CR:
		return c == '\n' ? SCAN_FIELD : SCAN_BAD;
	case SCAN_END_CR:
		return c == '\n' ? SCAN_DONE : SCAN_BAD;
	default:
		return st;
	}
}

/*
 * Advance the scan over data[0..len); returns how many bytes are clean:
 * len, or the offset of the first bad byte.
 */
static size_t head_scan(uint8_t *state, const char *data, size_t len)
{
	enum scan_state st = (enum scan_state)*state;
	size_t i;

	for (i = 0; i < len && st != SCAN_DONE && st != SCAN_BAD; i++)
		st = scan_step(st, (unsigned char)data[i]);
	*state = (uint8_t)st;
	if (st == SCAN_BAD)
		return i - 1;
	return len;
}

/* ---- llhttp callbacks ---- */

static struct request_parser *parser_of(llhttp_t *p)
{
	return (struct request_parser *)(void *)p;
}

static void span_extend(struct request_parser *rp, struct span *s,
			const char *at, size_t len)
{
	if (s->len == 0)
		s->off = (uint32_t)(at - rp->base);
	s->len += (uint32_t)len;
}

static int on_method(llhttp_t *p, const char *at, size_t len)
{
	struct request_parser *rp = parser_of(p);

	span_extend(rp, &rp->req.line, at, len);
	return 0;
}

static int on_url(llhttp_t *p, const char *at, size_t len)
{
	struct request_parser *rp = parser_of(p);

	span_extend(rp, &rp->req.target, at, len);
	return 0;
}

static int on_url_complete(llhttp_t *p)
{
	parser_of(p)->target_done = true;
	return 0;
}

/* The request line ends where the version ends. */
static int on_version(llhttp_t *p, const char *at, size_t len)
{
	struct request_parser *rp = parser_of(p);

	rp->req.line.len = (uint32_t)(at + len - rp->base) - rp->req.line.off;
	return 0;
}

static int on_header_field(llhttp_t *p, const char *at, size_t len)
{
	struct request_parser *rp = parser_of(p);

	span_extend(rp, &rp->field, at, len);
	return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t len)
{
	struct request_parser *rp = parser_of(p);

	span_extend(rp, &rp->value, at, len);
	return 0;
}

static int on_header_value_complete(llhttp_t *p)
{
	struct request_parser *rp = parser_of(p);
	struct span v = rp->value;

	while (v.len > 0 && (rp->base[v.off + v.len - 1] == ' ' ||
			     rp->base[v.off + v.len - 1] == '\t'))
		v.len--;
	for (int h = 0; h < HDR_COUNT_; h++) {
		if (span_eq(rp->base, rp->field, header_names[h])) {
			if (h == HDR_TRANSFER_ENCODING && v.len == 0)
				rp->te_empty = true;
			rp->req.hdr[h] = v;
			if (rp->req.hdr_seen[h] < UINT8_MAX)
				rp->req.hdr_seen[h]++;
			break;
		}
	}
	rp->field = (struct span){ 0, 0 };
	rp->value = (struct span){ 0, 0 };
	return 0;
}

static enum request_method method_of(uint8_t m)
{
	switch (m) {
	case HTTP_GET: return METHOD_GET;
	case HTTP_HEAD: return METHOD_HEAD;
	case HTTP_POST: return METHOD_POST;
	case HTTP_PUT: return METHOD_PUT;
	case HTTP_DELETE: return METHOD_DELETE;
	case HTTP_OPTIONS: return METHOD_OPTIONS;
	default: return METHOD_OTHER;
	}
}

/* reg-name characters: unreserved, sub-delims and '%' of pct-encoded */
static bool is_reg_name(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c != 0 && strchr("-._~!$&'()*+,;=%", c));
}

static bool port_valid(const char *s, size_t len)
{
	unsigned long v = 0;

	if (len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v <= 65535;
}

int request_host_len(const char *s, size_t len)
{
	size_t n = 0;

	if (len == 0 || len > 255 + 6)
		return -1;
	if (s[0] == '[') {
		for (n = 1; n < len && s[n] != ']'; n++)
			if (!isxdigit((unsigned char)s[n]) && s[n] != ':' &&
			    s[n] != '.')
				return -1;
		if (n == len || n < 3)
			return -1;
		n++;
	} else {
		while (n < len && is_reg_name((unsigned char)s[n]))
			n++;
		if (n == 0 || (n == 1 && s[0] == '.'))
			return -1;
	}
	if (n < len && (s[n] != ':' || !port_valid(s + n + 1, len - n - 1)))
		return -1;
	/* An empty label: no host has one */
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == '.' && s[i + 1] == '.')
			return -1;
	/* "example.com." names the same host as "example.com" */
	if (s[0] != '[' && s[n - 1] == '.')
		n--;
	return (int)n;
}

/* The authority of an absolute-form target (http:// or https://), or an
 * empty span for any other form. */
static struct span target_authority(const struct request_parser *rp)
{
	struct span t = rp->req.target, a = { 0, 0 };
	const char *s = rp->base + t.off;
	size_t skip;

	if (t.len > 7 && strncasecmp(s, "http://", 7) == 0)
		skip = 7;
	else if (t.len > 8 && strncasecmp(s, "https://", 8) == 0)
		skip = 8;
	else
		return a;
	a.off = t.off + (uint32_t)skip;
	while (skip + a.len < t.len && !strchr("/?#", s[skip + a.len]))
		a.len++;
	return a;
}

/*
 * Host is required in HTTP/1.1, once; every Host given must be a valid
 * authority, and so must that of an absolute-form target, which then
 * names the host (RFC 9112 3.2.2: the Host field is ignored).  A target's
 * authority with userinfo is refused: it can only be a trick.
 */
static int host_status(struct request_parser *rp)
{
	struct request *req = &rp->req;
	struct span h = req->hdr[HDR_HOST];
	struct span a = target_authority(rp);
	int n;

	if (req->hdr_seen[HDR_HOST] > 1)
		return 400;
	if (req->http_minor >= 1 && req->hdr_seen[HDR_HOST] == 0)
		return 400;
	if (req->hdr_seen[HDR_HOST] &&
	    request_host_len(rp->base + h.off, h.len) < 0)
		return 400;
	if (a.off != 0)
		h = a;
	else if (!req->hdr_seen[HDR_HOST])
		return 0;
	if ((n = request_host_len(rp->base + h.off, h.len)) < 0)
		return 400;
	req->host = (struct span){ h.off, (uint32_t)n };
	return 0;
}

/*
 * Every Transfer-Encoding field line counts, whatever its value: llhttp
 * sets F_TRANSFER_ENCODING only for a non-empty one, and an empty field
 * it ignored let Content-Length frame a message that a front end reading
 * the field would frame differently (request smuggling).  RFC 9112 6.1:
 * in HTTP/1.0 any Transfer-Encoding is faulty framing; 6.3: with
 * Content-Length it must close, and a final coding other than chunked
 * leaves no length.  All are refused: 400, and the connection closes.
 */
static int framing_status(const struct request_parser *rp, const llhttp_t *p)
{
	const struct request *req = &rp->req;

	if (req->hdr_seen[HDR_TRANSFER_ENCODING] == 0 &&
	    !(p->flags & F_TRANSFER_ENCODING))
		return 0;
	if (req->http_minor == 0 || (p->flags & F_CONTENT_LENGTH) ||
	    !(p->flags & F_CHUNKED) || rp->te_empty)
		return 400;
	return 0;
}

/* Refuse what a static origin server cannot answer sensibly. */
static int headers_status(struct request_parser *rp, llhttp_t *p)
{
	struct request *req = &rp->req;
	int status;

	if (req->http_major != 1)
		return 505;
	if ((status = host_status(rp)) != 0)
		return status;
	if ((status = framing_status(rp, p)) != 0)
		return status;
	if ((p->flags & F_CONTENT_LENGTH) && p->content_length > rp->body_limit)
		return 413;
	/* The one expectation HTTP/1.1 defines; RFC 9110 10.1.1 */
	if (req->hdr_seen[HDR_EXPECT] > 1 ||
	    (req->hdr_seen[HDR_EXPECT] &&
	     !span_eq(rp->base, req->hdr[HDR_EXPECT], "100-continue")))
		return 417;
	return 0;
}

static uint32_t span_end(struct span s)
{
	return s.off + s.len;
}

/* Where the last byte any span refers to ends: body bytes past it may be
 * dropped from the buffer. */
static uint32_t spans_end(const struct request *req)
{
	uint32_t end = span_end(req->line);

	if (span_end(req->target) > end)
		end = span_end(req->target);
	for (int h = 0; h < HDR_COUNT_; h++)
		if (span_end(req->hdr[h]) > end)
			end = span_end(req->hdr[h]);
	return end;
}

static int on_headers_complete(llhttp_t *p)
{
	struct request_parser *rp = parser_of(p);
	struct request *req = &rp->req;

	req->method = method_of(p->method);
	req->http_major = p->http_major;
	req->http_minor = p->http_minor;
	rp->headers_done = true;
	rp->headers_end = spans_end(req);
	rp->status = headers_status(rp, p);
	/* An offer to upgrade is declined: what follows is HTTP/1.1 still. */
	p->upgrade = 0;
	/* llhttp reports the error as HPE_CB_HEADERS_COMPLETE. */
	return rp->status == 0 ? 0 : -1;
}

/*
 * Match the CRLF that must follow a chunk's data against the stream bytes
 * in [from, end); what lies beyond end is checked on the next call.
 */
static int crlf_check(struct request_parser *rp, const char *from,
		      const char *end)
{
	for (; rp->crlf_left > 0 && from < end; from++, rp->crlf_left--)
		if (*from != (rp->crlf_left == 2 ? '\r' : '\n'))
			return -1;
	return 0;
}

static int on_body(llhttp_t *p, const char *at, size_t len)
{
	struct request_parser *rp = parser_of(p);

	/* A chunk's data ends when llhttp has nothing left to consume. */
	if ((p->flags & F_CHUNKED) && p->content_length == 0) {
		rp->crlf_left = 2;
		if (crlf_check(rp, at + len, rp->exec_end) == -1) {
			rp->status = 400;
			return -1;
		}
	}
	rp->body_seen += len;
	if (rp->body_seen > rp->body_limit) {
		rp->status = 413;
		return -1;
	}
	return 0;
}

/* A chunk that would take the body past the limit is refused when its
 * size arrives, not after its bytes did. */
static int on_chunk_header(llhttp_t *p)
{
	struct request_parser *rp = parser_of(p);

	if (p->content_length > rp->body_limit - rp->body_seen) {
		rp->status = 413;
		return -1;
	}
	return 0;
}

static int on_message_complete(llhttp_t *p)
{
	struct request_parser *rp = parser_of(p);

	rp->req.keep_alive = llhttp_should_keep_alive(p) != 0;
	return HPE_PAUSED;
}

static const llhttp_settings_t settings = {
	.on_method = on_method,
	.on_url = on_url,
	.on_url_complete = on_url_complete,
	.on_version = on_version,
	.on_header_field = on_header_field,
	.on_header_value = on_header_value,
	.on_header_value_complete = on_header_value_complete,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_chunk_header = on_chunk_header,
	.on_message_complete = on_message_complete,
};

static void reset_message(struct request_parser *rp, const char *base)
{
	rp->base = base;
	memset(&rp->req, 0, sizeof(rp->req));
	rp->field = (struct span){ 0, 0 };
	rp->value = (struct span){ 0, 0 };
	rp->body_seen = 0;
	rp->headers_end = 0;
	rp->status = 0;
	rp->crlf_left = 0;
	rp->te_empty = false;
	rp->target_done = false;
	rp->headers_done = false;
	rp->scan = SCAN_START;
}

void request_parser_init(struct request_parser *rp, const char *base,
			 uint64_t body_limit)
{
	llhttp_t *p = (llhttp_t *)(void *)rp->llhttp;

	llhttp_init(p, HTTP_REQUEST, &settings);
	rp->body_limit = body_limit;
	reset_message(rp, base);
}

void request_next(struct request_parser *rp, const char *base)
{
	llhttp_t *p = (llhttp_t *)(void *)rp->llhttp;

	if (llhttp_get_errno(p) == HPE_PAUSED)
		llhttp_resume(p);
	reset_message(rp, base);
}

/*
 * A request line that is well formed ("TOKEN SP target SP HTTP/d.d CRLF")
 * but names a method or version we do not support earns 501 or 505; any
 * other parse failure is a plain 400.
 */
static bool well_formed_line(const char *data, size_t len)
{
	const char *end = memchr(data, '\n', len);
	size_t i = 0, n;

	if (end == NULL)
		return false;
	n = (size_t)(end - data);
	if (n > 0 && data[n - 1] == '\r')
		n--;
	while (i < n && data[i] >= 'A' && data[i] <= 'Z')
		i++;
	if (i == 0 || i >= n || data[i] != ' ')
		return false;
	const char *sp = memchr(data + i + 1, ' ', n - i - 1);
	if (sp == NULL || sp == data + i + 1)
		return false;
	size_t v = (size_t)(sp + 1 - data);
	return n - v == 8 && memcmp(data + v, "HTTP/", 5) == 0 &&
	       data[v + 5] >= '0' && data[v + 5] <= '9' && data[v + 6] == '.' &&
	       data[v + 7] >= '0' && data[v + 7] <= '9';
}

static int error_status(struct request_parser *rp, llhttp_errno_t err,
			const char *data, size_t len)
{
	if (rp->status != 0)
		return rp->status;
	/* Only the first message's line starts at data[0]. */
	bool line_start = rp->req.line.len == 0 || data == rp->base + rp->req.line.off;
	switch (err) {
	case HPE_INVALID_METHOD:
		return line_start && well_formed_line(data, len) ? 501 : 400;
	case HPE_INVALID_VERSION:
		return line_start && well_formed_line(data, len) ? 505 : 400;
	default:
		return 400;
	}
}

enum request_result request_parse(struct request_parser *rp, const char *data,
				  size_t len, size_t *used)
{
	llhttp_t *p = (llhttp_t *)(void *)rp->llhttp;
	size_t clean = head_scan(&rp->scan, data, len);

	if (crlf_check(rp, data, data + clean) == -1) {
		*used = len;
		rp->status = 400;
		return REQUEST_ERROR;
	}
	rp->exec_end = data + clean;
	llhttp_errno_t err = llhttp_execute(p, data, clean);

	switch (err) {
	case HPE_OK:
		*used = len;
		if (clean < len) {
			rp->status = 400;
			return REQUEST_ERROR;
		}
		return REQUEST_AGAIN;
	case HPE_PAUSED:
		*used = (size_t)(llhttp_get_error_pos(p) - data);
		return REQUEST_DONE;
	default:
		*used = len;
		rp->status = error_status(rp, err, data, len);
		return REQUEST_ERROR;
	}
}

int request_overflow_status(const struct request_parser *rp)
{
	return rp->target_done ? 431 : 414;
}

bool span_eq(const char *base, struct span s, const char *str)
{
	size_t n = strlen(str);

	return s.len == n && strncasecmp(base + s.off, str, n) == 0;
}
