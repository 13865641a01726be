/*
 * reqscan.c — the request's head, byte by byte, before llhttp sees it:
 * part of the request module (request_impl.h), cut from request.c for
 * length.
 *
 * The request line is forkd's own (RFC 9112 3): method SP target SP
 * "HTTP/" DIGIT "." DIGIT CRLF, one space each.  So an unregistered method
 * token is 501 and an invalid one 400 however the line was cut into reads
 * (llhttp knows a fixed list of names and some of RTSP's), a higher HTTP/1
 * minor version is served as 1.1 (RFC 9110 2.5; llhttp refuses it), a line
 * that ends after the target is 400 at once, and the method is known before
 * any later error, so that an error answer to HEAD has no body.
 *
 * llhttp 8.1 still takes a few things RFC 9112 says to refuse: whitespace
 * between a field name and its colon, obs-fold, a bare CR where the header
 * block ends (CVE-2023-30589), and a bare LF as the block's last line.  So
 * the header lines are scanned here too, and request.c hands llhttp only
 * the part of them that scanned clean: of two errors, the one earlier in
 * the input decides the status.
 *
 * The scan is a state machine over single bytes; runs of bytes that leave
 * its state as it is (a target, a value, whole header lines, the whole
 * line when it is all in) are skipped in bulk, eight bytes at a time where
 * a word test can vouch for them, and only the byte that ends a run goes
 * through the machine, so its verdicts and error offsets stay the same.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "request.h"
#include "request_impl.h"

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
_Static_assert(SCAN_START == 0, "a zeroed parser is at SCAN_START");

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

/* The method token line[0..len): which one, and whether it is registered. */
static enum request_method method_lookup(const char *s, size_t len, bool *known)
{
	enum request_method m = method_served(s, len);

	*known = m != METHOD_OTHER || request_method_registered(s, len);
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
size_t request_scan_head(struct request_parser *rp, const char *data,
			 size_t len)
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
