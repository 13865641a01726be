/*
 * request.c — llhttp glue.  No leniency flag is ever enabled: a request that
 * could be read two ways is refused.
 *
 * llhttp 8.1 still takes a few things RFC 9112 says to refuse: whitespace
 * between a field name and its colon, obs-fold, and a bare CR where the
 * header block ends (CVE-2023-30589).  So the bytes of the head go through
 * head_scan() first, and llhttp only ever sees the part of them that scanned
 * clean: of two errors, the one earlier in the input decides the status.
 */
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
};

/* ---- the head scanner ---- */

enum scan_state {
	SCAN_START,     /* before the request line: empty lines are skipped */
	SCAN_START_CR,
	SCAN_LINE,      /* in the request line */
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
			return SCAN_FIELD;
		return c == '\0' ? SCAN_BAD : SCAN_LINE;
	case SCAN_FIELD:
		if (c == '\r')
			return SCAN_END_CR;
		if (c == '\n')
			return SCAN_DONE;
		/* obs-fold, or a name that is empty or starts with a space */
		return is_tchar(c) ? SCAN_NAME : SCAN_BAD;
	case SCAN_NAME:
		if (c == ':')
			return SCAN_VALUE;
		return is_tchar(c) ? SCAN_NAME : SCAN_BAD;
	case SCAN_VALUE:
		if (c == '\r')
			return SCAN_VALUE_CR;
		if (c == '\n')
			return SCAN_FIELD;
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

/* Refuse what a static origin server cannot answer sensibly. */
static int headers_status(struct request_parser *rp, llhttp_t *p)
{
	struct request *req = &rp->req;

	if (req->http_major != 1)
		return 505;
	if (req->hdr_seen[HDR_HOST] > 1)
		return 400;
	if (req->http_minor >= 1 && req->hdr_seen[HDR_HOST] == 0)
		return 400;
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

static int on_body(llhttp_t *p, const char *at, size_t len)
{
	struct request_parser *rp = parser_of(p);

	rp->body_seen += len;
	if (rp->body_seen > rp->body_limit) {
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
