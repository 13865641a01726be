/*
 * request.c — llhttp glue: the request line and the head's bytes are
 * checked first (reqscan.c), then llhttp parses the header block and the
 * body.  No leniency flag is ever enabled: a request that could be read
 * two ways is refused.
 *
 * llhttp never sees the real request line: once reqscan.c has taken it,
 * llhttp is put in the state a canonical "GET / HTTP/1.x" line leaves it
 * in, and then only ever sees the part of the head that scanned clean.
 *
 * The same llhttp skips the two bytes that end a chunk's data without
 * looking at them, so "5\r\nhelloXX0\r\n\r\n" was one complete body; a
 * front end that reads it another way would have us answer a request it
 * never saw.  on_body() checks those two bytes itself (crlf_check).
 *
 * Keep-alive comes from the Connection field lines alone: llhttp also
 * honours Proxy-Connection, which no HTTP/1.1 server should (RFC 9112 9.6).
 */
#include <assert.h>
#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include <llhttp.h>

#include "request.h"
#include "request_impl.h"

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
	[HDR_CONNECTION] = "connection",
	[HDR_ACCEPT] = "accept",
	[HDR_SEC_FETCH_DEST] = "sec-fetch-dest",
};

#define HDR_LEN(s) (sizeof(s) - 1)
static const uint8_t header_lens[HDR_COUNT_] = {
	[HDR_HOST] = HDR_LEN("host"),
	[HDR_IF_NONE_MATCH] = HDR_LEN("if-none-match"),
	[HDR_IF_MODIFIED_SINCE] = HDR_LEN("if-modified-since"),
	[HDR_IF_MATCH] = HDR_LEN("if-match"),
	[HDR_IF_UNMODIFIED_SINCE] = HDR_LEN("if-unmodified-since"),
	[HDR_RANGE] = HDR_LEN("range"),
	[HDR_IF_RANGE] = HDR_LEN("if-range"),
	[HDR_REFERER] = HDR_LEN("referer"),
	[HDR_USER_AGENT] = HDR_LEN("user-agent"),
	[HDR_ACCEPT_ENCODING] = HDR_LEN("accept-encoding"),
	[HDR_EXPECT] = HDR_LEN("expect"),
	[HDR_X_FORWARDED_FOR] = HDR_LEN("x-forwarded-for"),
	[HDR_FORWARDED] = HDR_LEN("forwarded"),
	[HDR_TRANSFER_ENCODING] = HDR_LEN("transfer-encoding"),
	[HDR_CONNECTION] = HDR_LEN("connection"),
	[HDR_ACCEPT] = HDR_LEN("accept"),
	[HDR_SEC_FETCH_DEST] = HDR_LEN("sec-fetch-dest"),
};
#undef HDR_LEN

/* The methods registered with llhttp (its HTTP list): 405, not 501. */
static const char *const method_names[] = {
#define FORKD_METHOD_NAME(num, name, string) #string,
	HTTP_METHOD_MAP(FORKD_METHOD_NAME)
#undef FORKD_METHOD_NAME
};

/* Whether s[0..len) is a method registered with llhttp. */
bool request_method_registered(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(method_names) / sizeof(method_names[0]);
	     i++)
		if (strlen(method_names[i]) == len &&
		    memcmp(s, method_names[i], len) == 0)
			return true;
	return false;
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

/*
 * The next element of a list field's value s[0..len) from *i (RFC 9110
 * 5.6.1: elements between commas, optional whitespace around them, empty
 * ones allowed): its offset and length in *at and *n.  False at the end.
 */
static bool list_next(const char *s, size_t len, size_t *i, size_t *at,
		      size_t *n)
{
	size_t end;

	while (*i < len && (s[*i] == ',' || s[*i] == ' ' || s[*i] == '\t'))
		(*i)++;
	if (*i >= len)
		return false;
	*at = *i;
	while (*i < len && s[*i] != ',')
		(*i)++;
	end = *i;
	while (end > *at && (s[end - 1] == ' ' || s[end - 1] == '\t'))
		end--;
	*n = end - *at;
	return true;
}

/* Each option of a Connection field line that forkd acts on. */
static void connection_options(struct request_parser *rp, struct span v)
{
	const char *s = rp->base + v.off;
	size_t i = 0, at, n;

	while (list_next(s, v.len, &i, &at, &n)) {
		if (n == 5 && strncasecmp(s + at, "close", 5) == 0)
			rp->conn_close = true;
		else if (n == 10 && strncasecmp(s + at, "keep-alive", 10) == 0)
			rp->conn_keep = true;
	}
}

/*
 * Expect = #expectation, and HTTP/1.1 defines one: 100-continue (RFC 9110
 * 10.1.1).  Empty elements are no expectation; the same one twice is
 * still 100-continue.  Anything else is 417.
 */
static void expect_check(struct request_parser *rp, struct span v)
{
	const char *s = rp->base + v.off;
	size_t i = 0, at, n;

	while (list_next(s, v.len, &i, &at, &n))
		if (n > 0 &&
		    (n != 12 || strncasecmp(s + at, "100-continue", 12) != 0))
			rp->expect_other = true;
}

/* One field line of header h, with value v. */
static void header_keep(struct request_parser *rp, int h, struct span v)
{
	struct request *req = &rp->req;
	bool list = h == HDR_IF_MATCH || h == HDR_IF_NONE_MATCH;

	if (h == HDR_TRANSFER_ENCODING && v.len == 0)
		rp->te_empty = true;
	else if (h == HDR_CONNECTION)
		connection_options(rp, v);
	else if (h == HDR_EXPECT)
		expect_check(rp, v);
	if (list && req->hdr_seen[h] > 0)
		req->hdr[h].len = v.off + v.len - req->hdr[h].off;
	else
		req->hdr[h] = v;
	if (req->hdr_seen[h] < UINT8_MAX)
		req->hdr_seen[h]++;
	if (v.off + v.len > rp->kept_end)
		rp->kept_end = v.off + v.len;
}

/* ASCII lower case of every byte, as strncasecmp() has it in the C
 * locale; filled once by parser_tables_prepare(). */
static unsigned char lower[256];

static void lower_prepare(void)
{
	for (int c = 0; c < 256; c++)
		lower[c] = (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
}

/* s[0..n) equals the lower-case name, ASCII letters in either case. */
static bool name_is(const char *s, const char *name, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower[(unsigned char)s[i]] != (unsigned char)name[i])
			return false;
	return true;
}

/*
 * The headers kept, by name length: one or two candidates (1 + their
 * enum value; 0 for none), so that a field line costs one comparison at
 * most.  Filled once, from header_names, by parser_tables_prepare().
 */
#define NAME_LEN_MAX 19
static uint8_t by_len[NAME_LEN_MAX + 1][2];

static void by_len_prepare(void)
{
	for (int h = 0; h < HDR_COUNT_; h++) {
		uint8_t *slot = by_len[header_lens[h]];

		assert(header_lens[h] <= NAME_LEN_MAX);
		assert(slot[1] == 0);
		slot[slot[0] != 0] = (uint8_t)(h + 1);
	}
}

/* Which kept header the field name s[0..len) is; HDR_COUNT_ for none. */
static int header_lookup(const char *s, size_t len)
{
	if (len > NAME_LEN_MAX)
		return HDR_COUNT_;
	for (int k = 0; k < 2 && by_len[len][k] != 0; k++) {
		int h = by_len[len][k] - 1;

		if (name_is(s, header_names[h], len))
			return h;
	}
	return HDR_COUNT_;
}

static int on_header_value_complete(llhttp_t *p)
{
	struct request_parser *rp = parser_of(p);
	struct span v = rp->value;
	int h;

	/* An empty value sits just past the colon: a list extent that
	 * starts with it must start in the right place. */
	if (v.len == 0)
		v.off = rp->field.off + rp->field.len + 1;
	while (v.len > 0 && (rp->base[v.off + v.len - 1] == ' ' ||
			     rp->base[v.off + v.len - 1] == '\t'))
		v.len--;
	h = header_lookup(rp->base + rp->field.off, rp->field.len);
	if (h != HDR_COUNT_)
		header_keep(rp, h, v);
	rp->field = (struct span){ 0, 0 };
	rp->value = (struct span){ 0, 0 };
	return 0;
}

/* reg-name bytes (RFC 3986 3.2.2): unreserved, sub-delims and the '%' of
 * pct-encoded; '.' is host_run()'s */
static const bool reg_name_byte[256] = {
	['a' ... 'z'] = true, ['A' ... 'Z'] = true, ['0' ... '9'] = true,
	['-'] = true,         ['_'] = true,         ['~'] = true,
	['!'] = true,         ['$'] = true,         ['&'] = true,
	['\''] = true,        ['('] = true,         [')'] = true,
	['*'] = true,         ['+'] = true,         [','] = true,
	[';'] = true,         ['='] = true,         ['%'] = true,
};

/* The bytes forkd takes inside the brackets of an IP literal */
static const bool literal_byte[256] = {
	['0' ... '9'] = true,
	['a' ... 'f'] = true,
	['A' ... 'F'] = true,
	[':'] = true, /* and '.', host_run()'s */
};

/* The end of the run of bytes in ok or '.' from s[i] (ok has no '.'),
 * *dots set on ".." in it. */
__attribute__((always_inline)) static inline size_t host_run(
	const char *s, size_t i, size_t len, const bool ok[256], bool *dots)
{
	for (;;) {
		while (i < len && ok[(unsigned char)s[i]])
			i++;
		if (i == len || s[i] != '.')
			return i;
		if (i > 0 && s[i - 1] == '.')
			*dots = true;
		i++;
	}
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
	bool dots = false; /* an empty label: no host has one */
	size_t n;

	if (len == 0 || len > 255 + 6)
		return -1;
	if (s[0] == '[') {
		n = host_run(s, 1, len, literal_byte, &dots);
		if (n == len || s[n] != ']' || n < 3)
			return -1;
		n++;
	} else {
		n = host_run(s, 0, len, reg_name_byte, &dots);
		if (n == 0 || (n == 1 && s[0] == '.'))
			return -1;
	}
	if (dots ||
	    (n < len && (s[n] != ':' || !port_valid(s + n + 1, len - n - 1))))
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

	if (t.len <= 7 || lower[(unsigned char)s[0]] != 'h')
		return a; /* the origin form, most often */
	if (name_is(s, "http://", 7))
		skip = 7;
	else if (t.len > 8 && name_is(s, "https://", 8))
		skip = 8;
	else
		return a;
	a.off = t.off + (uint32_t)skip;
	for (char c; skip + a.len < t.len; a.len++)
		if ((c = s[skip + a.len]) == '/' || c == '?' || c == '#')
			break;
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
	int n = 0;

	if (req->hdr_seen[HDR_HOST] > 1)
		return 400;
	if (req->hdr_seen[HDR_HOST] == 0) {
		if (req->http_minor >= 1)
			return 400;
		h = (struct span){ 0, 0 };
	} else if ((n = request_host_len(rp->base + h.off, h.len)) < 0) {
		return 400;
	}
	if (a.off != 0) {
		if ((n = request_host_len(rp->base + a.off, a.len)) < 0)
			return 400;
		h = a;
	}
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
	int status;

	if ((status = host_status(rp)) != 0)
		return status;
	if ((status = framing_status(rp, p)) != 0)
		return status;
	if ((p->flags & F_CONTENT_LENGTH) && p->content_length > rp->body_limit)
		return 413;
	if (rp->expect_other)
		return 417;
	return 0;
}

static int on_headers_complete(llhttp_t *p)
{
	struct request_parser *rp = parser_of(p);
	struct request *req = &rp->req;

	rp->headers_done = true;
	/* The last byte any span refers to: the request line, or a kept
	 * field's value.  Body bytes past it may be dropped from the buffer. */
	rp->headers_end = req->line.off + req->line.len;
	if (rp->kept_end > rp->headers_end)
		rp->headers_end = rp->kept_end;
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

	/* RFC 9112 9.3: close wins; HTTP/1.1 persists by default, 1.0 on
	 * keep-alive (RFC 7230 A.1.2). */
	rp->req.keep_alive = !rp->conn_close &&
			     (rp->req.http_minor >= 1 || rp->conn_keep);
	return HPE_PAUSED;
}

static const llhttp_settings_t settings = {
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
	memset(&rp->req, 0, sizeof(*rp) - offsetof(struct request_parser, req));
}

/*
 * llhttp's state once it has read the canonical request line, for
 * HTTP/1.0 and HTTP/1.1.  Initialising a parser and feeding it that line
 * cost about 410 instructions a request; a copy of the state it always
 * ends in costs a tenth of that.  (llhttp_init() clears the whole struct
 * first, so the state after the line depends on nothing else.)
 */
static llhttp_t after_line[2];
static bool tables_ready;

static void parser_tables_prepare(void)
{
	static const char *const line[2] = { "GET / HTTP/1.0\r\n",
					     "GET / HTTP/1.1\r\n" };

	for (int minor = 0; minor < 2; minor++) {
		llhttp_errno_t err;

		llhttp_init(&after_line[minor], HTTP_REQUEST, &settings);
		err = llhttp_execute(&after_line[minor], line[minor],
				     strlen(line[minor]));
		assert(err == HPE_OK);
		(void)err;
	}
	by_len_prepare();
	lower_prepare();
	tables_ready = true;
}

void request_parser_init(struct request_parser *rp, const char *base,
			 uint64_t body_limit)
{
	/* llhttp's state is set when the request line is in (line_feed) */
	if (!tables_ready)
		parser_tables_prepare();
	rp->body_limit = body_limit;
	reset_message(rp, base);
}

void request_next(struct request_parser *rp, const char *base)
{
	/* Not llhttp_resume(): llhttp's own view of keep-alive (which reads
	 * Proxy-Connection) may have put it in its closed state.  No
	 * llhttp_reset() either: line_feed() overwrites the whole state. */
	reset_message(rp, base);
}

/* llhttp as it stands after a canonical request line ("GET / HTTP/1.x")
 * in place of the real one. */
static void line_feed(struct request_parser *rp, llhttp_t *p)
{
	assert(rp->req.http_minor <= 1);
	memcpy(p, &after_line[rp->req.http_minor], sizeof(*p));
}

enum request_result request_parse(struct request_parser *rp, const char *data,
				  size_t len, size_t *used)
{
	llhttp_t *p = (llhttp_t *)(void *)rp->llhttp;
	bool line_before = rp->line_done;
	size_t clean = request_scan_head(rp, data, len);
	const char *from = data;

	*used = len;
	if (rp->status != 0)
		return REQUEST_ERROR; /* the request line was refused */
	if (!rp->line_done) {
		if (clean < len) {
			rp->status = 400;
			return REQUEST_ERROR;
		}
		return REQUEST_AGAIN;
	}
	if (!line_before) {
		line_feed(rp, p);
		from = rp->base + rp->head_off;
	}
	if (crlf_check(rp, from, data + clean) == -1) {
		rp->status = 400;
		return REQUEST_ERROR;
	}
	rp->exec_end = data + clean;
	llhttp_errno_t err = llhttp_execute(p, from,
					    (size_t)(data + clean - from));

	switch (err) {
	case HPE_OK:
		if (clean < len) {
			rp->status = 400;
			return REQUEST_ERROR;
		}
		return REQUEST_AGAIN;
	case HPE_PAUSED:
		*used = (size_t)(llhttp_get_error_pos(p) - data);
		return REQUEST_DONE;
	default:
		if (rp->status == 0)
			rp->status = 400;
		return REQUEST_ERROR;
	}
}

int request_overflow_status(const struct request_parser *rp)
{
	return rp->target_done ? 431 : 414;
}

const char *request_header_name(enum request_header h)
{
	return header_names[h];
}

bool span_eq(const char *base, struct span s, const char *str)
{
	size_t n = strlen(str);

	return s.len == n && strncasecmp(base + s.off, str, n) == 0;
}
