/*
 * request.c — the request line, and llhttp glue for the rest.  No
 * leniency flag is ever enabled: a request that could be read two ways is
 * refused.
 *
 * The request line is forkd's own (RFC 9112 3): method SP target SP
 * "HTTP/" DIGIT "." DIGIT CRLF, one space each, checked byte by byte as it
 * arrives.  So an unregistered method token is 501 and an invalid one 400
 * however the line was cut into reads (llhttp knows a fixed list of names
 * and some of RTSP's), a higher HTTP/1 minor version is served as 1.1
 * (RFC 9110 2.5; llhttp refuses it), a line that ends after the target is
 * 400 at once, and the method is known before any later error, so that
 * an error answer to HEAD has no body.  llhttp is then handed a canonical
 * line ("GET / HTTP/1.x") and parses the header block and the body.
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

/* ---- the head scanner ---- */

enum scan_state {
	SCAN_START, /* before the request line: empty lines are skipped */
	SCAN_START_CR,
	SCAN_METHOD,
	SCAN_TARGET,  /* after the method's space */
	SCAN_VERSION, /* after the target's space */
	SCAN_LINE_CR,
	SCAN_FIELD, /* at the start of a header line */
	SCAN_NAME,
	SCAN_VALUE,
	SCAN_VALUE_CR,
	SCAN_END_CR, /* CR of the empty line */
	SCAN_DONE,   /* the head ended: body bytes are llhttp's business */
	SCAN_BAD,
};

/* RFC 9110 5.6.2 tchar, as a table: it is asked for every byte of every
 * header name. */
static const bool tchar[256] = {
	['a' ... 'z'] = true, ['A' ... 'Z'] = true, ['0' ... '9'] = true,
	['!'] = true,         ['#'] = true,         ['$'] = true,
	['%'] = true,         ['&'] = true,         ['\''] = true,
	['*'] = true,         ['+'] = true,         ['-'] = true,
	['.'] = true,         ['^'] = true,         ['_'] = true,
	['`'] = true,         ['|'] = true,         ['~'] = true,
};

static bool is_tchar(unsigned char c)
{
	return tchar[c];
}

/* A byte of a field value: HTAB, SP, VCHAR or obs-text (RFC 9110 5.5). */
static const bool value_byte[256] = {
	['\t'] = true,
	[0x20 ... 0x7e] = true,
	[0x80 ... 0xff] = true,
};

static bool is_value_byte(unsigned char c)
{
	return value_byte[c];
}

/*
 * A byte of a request-target: no whitespace or other control (RFC 9112
 * 3.2), and no '#': a fragment is no part of any request-target form
 * (3.2.1-3.2.4), so it is refused rather than guessed at.  Bytes above
 * 0x7e pass, as they always did: path.c decides about them.
 */
static const bool target_byte[256] = {
	[0x21 ... 0x22] = true, /* '#' is 0x23 */
	[0x24 ... 0x7e] = true,
	[0x80 ... 0xff] = true,
};

static bool is_target_byte(unsigned char c)
{
	return target_byte[c];
}

/* ---- runs of bytes that leave the scan state as it is ---- */

#define WORD_ONES 0x0101010101010101ULL
#define WORD_HIGH 0x8080808080808080ULL

static uint64_t word_at(const char *s)
{
	uint64_t w;

	memcpy(&w, s, sizeof(w));
	return w;
}

/* Whether some byte of w is below n (n <= 128): exact, whatever the byte
 * order, since a borrow only ever starts at a byte that is below n. */
static inline bool word_has_below(uint64_t w, uint64_t n)
{
	return ((w - WORD_ONES * n) & ~w & WORD_HIGH) != 0;
}

static inline bool word_has(uint64_t w, unsigned char c)
{
	return word_has_below(w ^ (WORD_ONES * c), 1);
}

/* Value bytes: a word holds only such bytes when none is below SP or DEL
 * (HTAB, which is one, sends its word through the byte loop). */
static inline bool word_is_value(uint64_t w)
{
	return !word_has_below(w, 0x20) && !word_has(w, 0x7f);
}

static inline bool word_is_target(uint64_t w)
{
	return !word_has_below(w, 0x21) && !word_has(w, 0x7f) &&
	       !word_has(w, '#');
}

/* The end of the run from d[i] of target bytes (or of value bytes), a
 * word at a time while all eight are.  (Inlined: target is a constant.) */
__attribute__((always_inline)) static inline size_t run_words(const char *d,
							      size_t i,
							      size_t len,
							      bool target)
{
	const bool *ok = target ? target_byte : value_byte;

	for (;;) {
		while (len - i >= 8 && (target ? word_is_target(word_at(d + i))
					       : word_is_value(word_at(d + i))))
			i += 8;
		size_t stop = len - i > 8 ? i + 8 : len;

		while (i < stop && ok[(unsigned char)d[i]])
			i++;
		if (i < stop || i == len)
			return i;
	}
}

static size_t run_tchar(const char *d, size_t i, size_t len)
{
	while (i < len && tchar[(unsigned char)d[i]])
		i++;
	return i;
}

/* Whole header lines from d[i], name ":" value CRLF: the start of the
 * first line that is not one, or does not end before len. */
static size_t run_fields(const char *d, size_t i, size_t len)
{
	for (;;) {
		size_t j = run_tchar(d, i, len);

		if (j == i || j == len || d[j] != ':')
			return i;
		j = run_words(d, j + 1, len, false);
		if (len - j < 2 || d[j] != '\r' || d[j + 1] != '\n')
			return i;
		i = j + 2;
	}
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "HTTP/" DIGIT "." DIGIT whole from d[i], or i unmoved: the byte
 * machine (version_byte) then takes it a byte at a time. */
static size_t run_version(struct request_parser *rp, const char *d, size_t i,
			  size_t len)
{
	const char *v = d + i;

	if (rp->version_pos != 0 || len - i < 8 || memcmp(v, "HTTP/", 5) != 0 ||
	    !is_digit(v[5]) || v[6] != '.' || !is_digit(v[7]))
		return i;
	rp->req.http_major = (uint8_t)(v[5] - '0');
	rp->req.http_minor = (uint8_t)(v[7] - '0');
	rp->version_pos = 8;
	return i + 8;
}

static enum scan_state scan_field_step(enum scan_state st, unsigned char c)
{
	switch (st) {
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
		return is_value_byte(c) ? SCAN_VALUE : SCAN_BAD;
	case SCAN_VALUE_CR: return c == '\n' ? SCAN_FIELD : SCAN_BAD;
	case SCAN_END_CR: return c == '\n' ? SCAN_DONE : SCAN_BAD;
	default: return st;
	}
}

/* The method s[0..len) if forkd serves it, else METHOD_OTHER.  Method
 * names are case-sensitive (RFC 9110 9.1): "get" is not GET. */
static enum request_method method_served(const char *s, size_t len)
{
	switch (len) {
	case 3:
		if (memcmp(s, "GET", 3) == 0)
			return METHOD_GET;
		return memcmp(s, "PUT", 3) == 0 ? METHOD_PUT : METHOD_OTHER;
	case 4:
		if (memcmp(s, "HEAD", 4) == 0)
			return METHOD_HEAD;
		return memcmp(s, "POST", 4) == 0 ? METHOD_POST : METHOD_OTHER;
	case 6:
		return memcmp(s, "DELETE", 6) == 0 ? METHOD_DELETE
						   : METHOD_OTHER;
	case 7:
		return memcmp(s, "OPTIONS", 7) == 0 ? METHOD_OPTIONS
						    : METHOD_OTHER;
	default: return METHOD_OTHER;
	}
}

/* Whether s[0..len) is a method registered with llhttp. */
static bool method_registered(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(method_names) / sizeof(method_names[0]);
	     i++)
		if (strlen(method_names[i]) == len &&
		    memcmp(s, method_names[i], len) == 0)
			return true;
	return false;
}

/* The method token line[0..len): which one, and whether it is registered. */
static enum request_method method_lookup(const char *s, size_t len, bool *known)
{
	enum request_method m = method_served(s, len);

	*known = m != METHOD_OTHER || method_registered(s, len);
	return m;
}

/* One byte of "HTTP/" DIGIT "." DIGIT at position k. */
static bool version_byte(struct request_parser *rp, unsigned k, unsigned char c)
{
	if (k < 5)
		return c == (unsigned char)"HTTP/"[k];
	if (k == 6)
		return c == '.';
	if (k > 7 || c < '0' || c > '9')
		return false;
	if (k == 5)
		rp->req.http_major = (uint8_t)(c - '0');
	else
		rp->req.http_minor = (uint8_t)(c - '0');
	return true;
}

/*
 * The request line is complete: its status (0: go on).  501 for a token
 * that names no registered method, 505 for a major version other than 1;
 * HTTP/1.x with x > 1 is processed as HTTP/1.1 (RFC 9110 2.5).
 */
static int line_status(struct request_parser *rp)
{
	struct request *req = &rp->req;

	if (!rp->method_known)
		return 501;
	if (req->http_major != 1)
		return 505;
	if (req->http_minor > 1)
		req->http_minor = 1;
	return 0;
}

static enum scan_state scan_line_step(struct request_parser *rp,
				      enum scan_state st, unsigned char c,
				      uint32_t pos)
{
	struct request *req = &rp->req;

	switch (st) {
	case SCAN_START:
		if (c == '\r')
			return SCAN_START_CR;
		if (c == '\n')
			return SCAN_START;
		req->line.off = pos;
		return is_tchar(c) ? SCAN_METHOD : SCAN_BAD;
	case SCAN_START_CR: return c == '\n' ? SCAN_START : SCAN_BAD;
	case SCAN_METHOD:
		if (is_tchar(c))
			return SCAN_METHOD;
		if (c != ' ')
			return SCAN_BAD;
		req->method = method_lookup(rp->base + req->line.off,
					    pos - req->line.off,
					    &rp->method_known);
		req->target = (struct span){ pos + 1, 0 };
		return SCAN_TARGET;
	case SCAN_TARGET:
		if (c == ' ' && req->target.len > 0) {
			rp->target_done = true;
			return SCAN_VERSION;
		}
		if (!is_target_byte(c))
			return SCAN_BAD;
		req->target.len++;
		return SCAN_TARGET;
	case SCAN_VERSION:
		if (c == '\r' && rp->version_pos == 8) {
			req->line.len = pos - req->line.off;
			return SCAN_LINE_CR;
		}
		return version_byte(rp, rp->version_pos++, c) ? SCAN_VERSION
							      : SCAN_BAD;
	case SCAN_LINE_CR:
		if (c != '\n')
			return SCAN_BAD;
		rp->line_done = true;
		rp->head_off = pos + 1;
		rp->status = line_status(rp);
		return rp->status == 0 ? SCAN_FIELD : SCAN_BAD;
	default: return st;
	}
}

/*
 * The request line d[0..) in one pass when it is all in and will be taken:
 * a served or registered method, one space each, HTTP/1.x and CRLF.  Sets
 * what the byte machine would have set by its end and returns its length;
 * 0, with nothing changed, for anything else, which the byte machine then
 * reads (and refuses) as before.
 */
static size_t line_fast(struct request_parser *rp, const char *d, size_t len,
			uint32_t at)
{
	struct request *req = &rp->req;
	enum request_method method = METHOD_GET;
	size_t m = 3, t, v;

	/* GET is most requests' method: one comparison instead of a run */
	if (len < 4 || memcmp(d, "GET ", 4) != 0) {
		m = run_tchar(d, 0, len);
		if (m == 0 || m == len || d[m] != ' ')
			return 0;
		if ((method = method_served(d, m)) == METHOD_OTHER)
			return 0; /* 405 or 501: the byte machine says which */
	}
	t = run_words(d, m + 1, len, true);
	if (t == m + 1 || len - t < 11 || d[t] != ' ')
		return 0;
	v = t + 1;
	if (memcmp(d + v, "HTTP/1.", 7) != 0 || !is_digit(d[v + 7]) ||
	    d[v + 8] != '\r' || d[v + 9] != '\n')
		return 0;
	req->method = method;
	req->line = (struct span){ at, (uint32_t)(v + 8) };
	req->target = (struct span){ at + (uint32_t)m + 1,
				     (uint32_t)(t - m - 1) };
	req->http_major = 1;
	req->http_minor = (uint8_t)(d[v + 7] - '0');
	rp->method_known = rp->target_done = rp->line_done = true;
	rp->version_pos = 8;
	rp->head_off = at + (uint32_t)(v + 10);
	rp->status = line_status(rp); /* 0: HTTP/1.x, x > 1, becomes 1.1 */
	return v + 10;
}

/* Skip the bytes from data[i] that leave state st as it is, in bulk: what
 * ends the run goes through the state machine. */
static size_t scan_run(struct request_parser *rp, enum scan_state st,
		       const char *data, size_t i, size_t len)
{
	size_t j;

	switch (st) {
	case SCAN_METHOD:
	case SCAN_NAME: return run_tchar(data, i, len);
	case SCAN_TARGET:
		j = run_words(data, i, len, true);
		rp->req.target.len += (uint32_t)(j - i);
		return j;
	case SCAN_VERSION: return run_version(rp, data, i, len);
	case SCAN_FIELD: return run_fields(data, i, len);
	case SCAN_VALUE: return run_words(data, i, len, false);
	default: return i;
	}
}

/*
 * Advance the scan over data[0..len); returns how many bytes are clean:
 * len, or the offset of the first bad byte.
 */
static size_t head_scan(struct request_parser *rp, const char *data, size_t len)
{
	enum scan_state st = (enum scan_state)rp->scan;
	uint32_t at = (uint32_t)(data - rp->base);
	size_t i = 0;

	if (st == SCAN_START && (i = line_fast(rp, data, len, at)) > 0)
		st = SCAN_FIELD;
	while (i < len && st != SCAN_DONE && st != SCAN_BAD) {
		if ((i = scan_run(rp, st, data, i, len)) == len)
			break;
		if (st == SCAN_FIELD && len - i >= 2 && data[i] == '\r' &&
		    data[i + 1] == '\n') {
			st = SCAN_DONE; /* the empty line, in one step */
			i += 2;
			break;
		}
		if (st < SCAN_FIELD)
			st = scan_line_step(rp, st, (unsigned char)data[i],
					    at + (uint32_t)i);
		else
			st = scan_field_step(st, (unsigned char)data[i]);
		i++;
	}
	rp->scan = (uint8_t)st;
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
	_Static_assert(SCAN_START == 0, "a zeroed parser is at SCAN_START");
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
	size_t clean = head_scan(rp, data, len);
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
