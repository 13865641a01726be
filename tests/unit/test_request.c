/*
 * request: the llhttp wrapper.  Every good request is parsed whole, one
 * byte at a time and split in two at every offset, and must give the same
 * fields each way; pipelined messages come one at a time with `used`
 * pointing exactly at the next; errors carry their exact status.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"
#include "suites.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))
#define LIMIT 1024 /* body limit unless a case says otherwise */

/*
 * Parse buf[off..off+len) as it would arrive in pieces: the first cut
 * bytes (0: no such piece), then pieces of at most step bytes (0: the rest
 * at once).  Stops at the first result other than REQUEST_AGAIN, which it
 * returns, with *end where parsing stopped; -1 when a REQUEST_AGAIN did
 * not consume its whole piece.
 */
static int request_feed(struct request_parser *rp, const char *buf, size_t off,
			size_t len, size_t cut, size_t step, size_t *end)
{
	size_t done = 0, used;
	enum request_result r = REQUEST_AGAIN;

	while (done < len) {
		size_t n = len - done;
		if (done == 0 && cut > 0) {
			if (cut < n)
				n = cut;
		} else if (step > 0 && step < n) {
			n = step;
		}
		r = request_parse(rp, buf + off + done, n, &used);
		if (r == REQUEST_AGAIN && used != n)
			return -1;
		done += used;
		if (r != REQUEST_AGAIN)
			break;
	}
	*end = off + done;
	return (int)r;
}

/* The bytes of s[0..len) on stderr, control and high bytes as \xHH. */
static void request_print(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			fprintf(stderr, "\\x%02x", c);
		else
			fputc(c, stderr);
	}
}

/* Exact bytes of a span, or NULL wanted when the header was absent. */
static int request_span_check(const char *what, const char *base, struct span s,
			      int seen, const char *want)
{
	if (want == NULL) {
		if (seen == 0)
			return 0;
		fprintf(stderr, "  %s: seen %d times, want absent\n", what,
			seen);
		return 1;
	}
	if (seen == 1 && s.len == strlen(want) &&
	    memcmp(base + s.off, want, s.len) == 0)
		return 0;
	fprintf(stderr, "  %s: \"", what);
	request_print(base + s.off, s.len);
	fprintf(stderr, "\" (seen %d), want \"%s\"\n", seen, want);
	return 1;
}

/* ---- good requests ---- */

struct request_good {
	const char *in;
	enum request_method method;
	int minor;
	int keep_alive;
	const char *line;
	const char *target;
	const char *host; /* NULL: no Host header */
	const char *user_agent;
	const char *referer;
};

#define GET11 "GET /x HTTP/1.1\r\n"

static const struct request_good good[] = {
	{ GET11 "Host: example.com\r\nUser-Agent: curl/8.0\r\n"
		"Referer: http://a/b?c\r\n\r\n",
	  METHOD_GET, 1, 1, "GET /x HTTP/1.1", "/x", "example.com", "curl/8.0",
	  "http://a/b?c" },
	/* keep-alive: the version's default and the Connection header */
	{ "GET / HTTP/1.0\r\n\r\n", METHOD_GET, 0, 0, "GET / HTTP/1.0", "/",
	  NULL, NULL, NULL },
	{ "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", METHOD_GET, 0, 1,
	  "GET / HTTP/1.0", "/", NULL, NULL, NULL },
	{ "GET / HTTP/1.0\r\nHost: h\r\nConnection: Keep-Alive\r\n\r\n",
	  METHOD_GET, 0, 1, "GET / HTTP/1.0", "/", "h", NULL, NULL },
	{ "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", METHOD_GET,
	  1, 0, "GET / HTTP/1.1", "/", "h", NULL, NULL },
	{ "GET / HTTP/1.1\r\nConnection: keep-alive\r\nHost: h\r\n\r\n",
	  METHOD_GET, 1, 1, "GET / HTTP/1.1", "/", "h", NULL, NULL },
	/* header names in any case; values trimmed of OWS on both sides */
	{ GET11 "hOsT: h\r\nUSER-AGENT: ua\r\nreferer: r\r\n\r\n", METHOD_GET,
	  1, 1, "GET /x HTTP/1.1", "/x", "h", "ua", "r" },
	{ GET11 "Host:   example.com  \t \r\nUser-Agent:\ta b  c \t\r\n\r\n",
	  METHOD_GET, 1, 1, "GET /x HTTP/1.1", "/x", "example.com", "a b  c",
	  NULL },
	{ GET11 "Host:h\r\nReferer:\r\n\r\n", METHOD_GET, 1, 1,
	  "GET /x HTTP/1.1", "/x", "h", NULL, "" },
	/* headers forkd ignores, before and after the ones it keeps */
	{ GET11 "Accept: */*\r\nHost: h\r\nX-Host: no\r\nHosts: no\r\n\r\n",
	  METHOD_GET, 1, 1, "GET /x HTTP/1.1", "/x", "h", NULL, NULL },
	/* targets as sent: query, escapes, absolute form, asterisk */
	{ "GET /a%20b/c?d=e&f HTTP/1.1\r\nHost: h\r\n\r\n", METHOD_GET, 1, 1,
	  "GET /a%20b/c?d=e&f HTTP/1.1", "/a%20b/c?d=e&f", "h", NULL, NULL },
	{ "GET http://h:8080/p HTTP/1.1\r\nHost: h:8080\r\n\r\n", METHOD_GET, 1,
	  1, "GET http://h:8080/p HTTP/1.1", "http://h:8080/p", "h:8080", NULL,
	  NULL },
	{ "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", METHOD_OPTIONS, 1, 1,
	  "OPTIONS * HTTP/1.1", "*", "h", NULL, NULL },
	/* methods */
	{ "HEAD /x HTTP/1.1\r\nHost: h\r\n\r\n", METHOD_HEAD, 1, 1,
	  "HEAD /x HTTP/1.1", "/x", "h", NULL, NULL },
	{ "POST /x HTTP/1.1\r\nHost: h\r\n\r\n", METHOD_POST, 1, 1,
	  "POST /x HTTP/1.1", "/x", "h", NULL, NULL },
	{ "PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", METHOD_PUT,
	  1, 1, "PUT /x HTTP/1.1", "/x", "h", NULL, NULL },
	{ "DELETE /x HTTP/1.1\r\nHost: h\r\n\r\n", METHOD_DELETE, 1, 1,
	  "DELETE /x HTTP/1.1", "/x", "h", NULL, NULL },
	{ "PATCH /x HTTP/1.1\r\nHost: h\r\n\r\n", METHOD_OTHER, 1, 1,
	  "PATCH /x HTTP/1.1", "/x", "h", NULL, NULL },
	{ "PROPFIND /x HTTP/1.1\r\nHost: h\r\n\r\n", METHOD_OTHER, 1, 1,
	  "PROPFIND /x HTTP/1.1", "/x", "h", NULL, NULL },
	/* Only Connection carries connection options (RFC 9112 9.6) */
	{ "GET / HTTP/1.1\r\nHost: h\r\nProxy-Connection: close\r\n\r\n",
	  METHOD_GET, 1, 1, "GET / HTTP/1.1", "/", "h", NULL, NULL },
	{ "GET / HTTP/1.0\r\nProxy-Connection: keep-alive\r\n\r\n", METHOD_GET,
	  0, 0, "GET / HTTP/1.0", "/", NULL, NULL, NULL },
	{ "GET / HTTP/1.1\r\nHost: h\r\nConnection: x, CLOSE \r\n\r\n",
	  METHOD_GET, 1, 0, "GET / HTTP/1.1", "/", "h", NULL, NULL },
	{ "GET / HTTP/1.0\r\nConnection: a\r\nConnection: keep-alive\r\n\r\n",
	  METHOD_GET, 0, 1, "GET / HTTP/1.0", "/", NULL, NULL, NULL },
	{ "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", METHOD_GET,
	  0, 0, "GET / HTTP/1.0", "/", NULL, NULL, NULL },
	/* a higher HTTP/1 minor version is served as 1.1 (RFC 9110 2.5) */
	{ "GET / HTTP/1.2\r\nHost: h\r\n\r\n", METHOD_GET, 1, 1,
	  "GET / HTTP/1.2", "/", "h", NULL, NULL },
	{ "HEAD / HTTP/1.9\r\nHost: h\r\n\r\n", METHOD_HEAD, 1, 1,
	  "HEAD / HTTP/1.9", "/", "h", NULL, NULL },
	/* no expectation, or 100-continue twice: no 417 */
	{ GET11 "Host: h\r\nExpect:\r\n\r\n", METHOD_GET, 1, 1,
	  "GET /x HTTP/1.1", "/x", "h", NULL, NULL },
	{ GET11 "Host: h\r\nExpect: 100-continue\r\nExpect: 100-Continue"
		"\r\n\r\n",
	  METHOD_GET, 1, 1, "GET /x HTTP/1.1", "/x", "h", NULL, NULL },
	{ GET11 "Host: h\r\nExpect: ,100-continue, \r\n\r\n", METHOD_GET, 1, 1,
	  "GET /x HTTP/1.1", "/x", "h", NULL, NULL },
	/* bytes above 0x7f in the target and in values pass through */
	{ "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: h\r\nUser-Agent: \xe2\x98\x83"
	  "\r\n\r\n",
	  METHOD_GET, 1, 1, "GET /caf\xc3\xa9 HTTP/1.1", "/caf\xc3\xa9", "h",
	  "\xe2\x98\x83", NULL },
};

/* One way of feeding one case: 0 when every field is right. */
static int request_good_check(const struct request_good *c, size_t cut,
			      size_t step)
{
	struct request_parser rp;
	size_t len = strlen(c->in), end;
	int r, bad = 0;

	request_parser_init(&rp, c->in, LIMIT);
	r = request_feed(&rp, c->in, 0, len, cut, step, &end);
	if (r != REQUEST_DONE || end != len) {
		fprintf(stderr,
			"  result %d status %d, stopped at %zu of %zu\n", r,
			rp.status, end, len);
		return 1;
	}
	const struct request *q = &rp.req;
	if (q->method != c->method || q->http_major != 1 ||
	    q->http_minor != c->minor ||
	    q->keep_alive != (c->keep_alive != 0)) {
		fprintf(stderr, "  method %d HTTP/%d.%d keep_alive %d\n",
			q->method, q->http_major, q->http_minor, q->keep_alive);
		bad++;
	}
	bad += request_span_check("line", c->in, q->line, 1, c->line);
	bad += request_span_check("target", c->in, q->target, 1, c->target);
	bad += request_span_check("Host", c->in, q->hdr[HDR_HOST],
				  q->hdr_seen[HDR_HOST], c->host);
	bad += request_span_check("User-Agent", c->in, q->hdr[HDR_USER_AGENT],
				  q->hdr_seen[HDR_USER_AGENT], c->user_agent);
	bad += request_span_check("Referer", c->in, q->hdr[HDR_REFERER],
				  q->hdr_seen[HDR_REFERER], c->referer);
	if (!rp.target_done || !rp.headers_done) {
		fprintf(stderr, "  target_done %d headers_done %d\n",
			rp.target_done, rp.headers_done);
		bad++;
	}
	return bad != 0;
}

/* Whole (cut 0), cut in two at every offset, and byte by byte (step 1). */
START_TEST(test_request_good_table)
{
	int failed = 0, runs = 0;

	for (size_t i = 0; i < nitems(good); i++) {
		size_t len = strlen(good[i].in);
		for (size_t cut = 0; cut <= len; cut++) {
			size_t step = cut == len ? 1 : 0;
			runs++;
			if (request_good_check(&good[i], cut == len ? 0 : cut,
					       step) == 0)
				continue;
			fprintf(stderr,
				"request good %zu (cut %zu step %zu): "
				"\"",
				i, cut, step);
			request_print(good[i].in, len);
			fprintf(stderr, "\"\n");
			failed++;
		}
	}
	ck_assert_msg(failed == 0, "%d of %d request parses failed (stderr)",
		      failed, runs);
}
END_TEST

/* Every header forkd keeps, by its enum, with seen counts. */
START_TEST(test_request_headers)
{
	static const char in[] = "GET / HTTP/1.1\r\n"
				 "host: H\r\n"
				 "If-None-Match: \"inm\"\r\n"
				 "If-Modified-Since: ims\r\n"
				 "IF-MATCH: im\r\n"
				 "If-Unmodified-Since: ius\r\n"
				 "Range: bytes=0-1\r\n"
				 "If-Range: ir\r\n"
				 "Referer: ref\r\n"
				 "User-Agent: ua\r\n"
				 "Accept-Encoding: gzip, br\r\n"
				 "Expect: 100-continue\r\n"
				 "Range: bytes=2-3\r\n"
				 "X-Forwarded-For: 192.0.2.1, 10.0.0.1\r\n"
				 "Forwarded: for=192.0.2.1\r\n"
				 "Transfer-Encoding: chunked\r\n"
				 "Connection: x-foo\r\n"
				 "Accept: text/html\r\n"
				 "Sec-Fetch-Dest: document\r\n"
				 "\r\n0\r\n\r\n";
	static const char *const want[HDR_COUNT_] = {
		[HDR_HOST] = "H",
		[HDR_IF_NONE_MATCH] = "\"inm\"",
		[HDR_IF_MODIFIED_SINCE] = "ims",
		[HDR_IF_MATCH] = "im",
		[HDR_IF_UNMODIFIED_SINCE] = "ius",
		[HDR_RANGE] = "bytes=2-3", /* the last of two */
		[HDR_IF_RANGE] = "ir",
		[HDR_REFERER] = "ref",
		[HDR_USER_AGENT] = "ua",
		[HDR_ACCEPT_ENCODING] = "gzip, br",
		[HDR_EXPECT] = "100-continue",
		[HDR_X_FORWARDED_FOR] = "192.0.2.1, 10.0.0.1",
		[HDR_FORWARDED] = "for=192.0.2.1",
		[HDR_TRANSFER_ENCODING] = "chunked",
		[HDR_CONNECTION] = "x-foo",
		[HDR_ACCEPT] = "text/html",
		[HDR_SEC_FETCH_DEST] = "document",
	};
	struct request_parser rp;
	size_t used;
	int bad = 0;

	request_parser_init(&rp, in, LIMIT);
	ck_assert_int_eq(request_parse(&rp, in, sizeof(in) - 1, &used),
			 REQUEST_DONE);
	ck_assert_uint_eq(used, sizeof(in) - 1);
	for (int h = 0; h < HDR_COUNT_; h++) {
		struct span s = rp.req.hdr[h];
		int seen = h == HDR_RANGE ? 2 : 1;
		if (rp.req.hdr_seen[h] != seen || s.len != strlen(want[h]) ||
		    memcmp(in + s.off, want[h], s.len) != 0) {
			fprintf(stderr,
				"header %d: \"%.*s\" seen %d, want "
				"\"%s\" seen %d\n",
				h, (int)s.len, in + s.off, rp.req.hdr_seen[h],
				want[h], seen);
			bad++;
		}
	}
	ck_assert_msg(bad == 0, "%d of %d headers wrong (stderr)", bad,
		      HDR_COUNT_);
}
END_TEST

/*
 * If-Match and If-None-Match on several lines form one list (RFC 9110
 * 5.3): the span runs from the first line's value to the last's.  Other
 * headers keep their last line.
 */
START_TEST(test_request_list_extent)
{
	static const char in[] = "GET / HTTP/1.1\r\nHost: h\r\n"
				 "If-None-Match: \"a\"\r\nX-Other: 1\r\n"
				 "If-None-Match:\r\nif-none-match: \"b\" \r\n"
				 "If-Match:   \r\nIf-Match: \"c\"\r\n\r\n";
	struct request_parser rp;
	size_t used;

	request_parser_init(&rp, in, LIMIT);
	ck_assert_int_eq(request_parse(&rp, in, sizeof(in) - 1, &used),
			 REQUEST_DONE);
	struct span s = rp.req.hdr[HDR_IF_NONE_MATCH];
	ck_assert_int_eq(rp.req.hdr_seen[HDR_IF_NONE_MATCH], 3);
	static const char want[] = "\"a\"\r\nX-Other: 1\r\nIf-None-Match:\r\n"
				   "if-none-match: \"b\"";
	ck_assert_uint_eq(s.len, sizeof(want) - 1);
	ck_assert(memcmp(in + s.off, want, s.len) == 0);
	s = rp.req.hdr[HDR_IF_MATCH];
	ck_assert_int_eq(rp.req.hdr_seen[HDR_IF_MATCH], 2);
	ck_assert_uint_eq(s.off, strstr(in, "If-Match:") + 9 - in);
	ck_assert_uint_eq(s.off + s.len, strstr(in, "\"c\"") + 3 - in);
}
END_TEST

/*
 * The method is known from the request line's first space on, before any
 * error in the rest of the head: an error answer to HEAD has no body.
 */
START_TEST(test_request_method_before_error)
{
	static const char *const ins[] = {
		"HEAD /x HTTP/1.1\r\nHost: h\r\nX-Foo : a\r\n\r\n",
		"HEAD /x HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n b\r\n\r\n",
		"HEAD /x HTTP/1.1\r\nHost: h\r\nX-A: \x7f\r\n\r\n",
		"HEAD /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 6\r\n\r\n",
		"HEAD /x\x01 HTTP/1.1\r\n",
		"HEAD  /x HTTP/1.1\r\n",
		"HEAD /x HTTP/2.0\r\n",
		"HEAD /x HTTP/1.1\nHost: h\n\n",
		"HEAD /xxxxxxxxxxxxxxxxxxxxxxxx",
	};

	for (size_t i = 0; i < nitems(ins); i++) {
		struct request_parser rp;
		size_t used;

		request_parser_init(&rp, ins[i], LIMIT);
		enum request_result r = request_parse(&rp, ins[i],
						      strlen(ins[i]), &used);
		ck_assert_msg(r != REQUEST_DONE, "case %zu parsed", i);
		ck_assert_msg(rp.req.method == METHOD_HEAD,
			      "case %zu: method %d", i, rp.req.method);
	}
}
END_TEST

/* ---- pipelining ---- */

static const char *const pipe_msgs[] = {
	"GET /one HTTP/1.1\r\nHost: a\r\n\r\n",
	"HEAD /two HTTP/1.1\r\nHost: bb\r\nUser-Agent: u2\r\n\r\n",
	"POST /three HTTP/1.1\r\nHost: ccc\r\nContent-Length: 4\r\n\r\nbody",
	"GET /four HTTP/1.0\r\n\r\n",
};
static const char *const pipe_targets[] = { "/one", "/two", "/three", "/four" };
static const char *const pipe_hosts[] = { "a", "bb", "ccc", NULL };

/*
 * The first n messages back to back, parsed in place one at a time with
 * request_next between.  step as in request_feed.
 */
static void request_pipeline_run(size_t n, size_t step)
{
	char buf[512] = "";
	size_t off[nitems(pipe_msgs) + 1], end;
	struct request_parser rp;

	off[0] = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(pipe_msgs[i]);
		memcpy(buf + off[i], pipe_msgs[i], l);
		off[i + 1] = off[i] + l;
	}
	request_parser_init(&rp, buf, LIMIT);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			request_next(&rp, buf);
		int r = request_feed(&rp, buf, off[i], off[n] - off[i], 0, step,
				     &end);
		ck_assert_msg(r == REQUEST_DONE && end == off[i + 1],
			      "pipeline of %zu step %zu, message %zu: result "
			      "%d status %d, ended at %zu, want %zu",
			      n, step, i, r, rp.status, end, off[i + 1]);
		ck_assert_int_eq(request_span_check("target", buf,
						    rp.req.target, 1,
						    pipe_targets[i]),
				 0);
		ck_assert_int_eq(request_span_check("Host", buf,
						    rp.req.hdr[HDR_HOST],
						    rp.req.hdr_seen[HDR_HOST],
						    pipe_hosts[i]),
				 0);
		ck_assert_int_eq(rp.req.keep_alive, i < 3);
	}
}

START_TEST(test_request_pipeline)
{
	for (size_t n = 2; n <= nitems(pipe_msgs); n++) {
		request_pipeline_run(n, 0);
		request_pipeline_run(n, 1);
		request_pipeline_run(n, 5);
	}
}
END_TEST

/* As conn.c does it: the rest moved to the buffer's front between. */
START_TEST(test_request_pipeline_moved)
{
	char buf[512] = "";
	size_t len = 0, used;
	struct request_parser rp;

	for (size_t i = 0; i < nitems(pipe_msgs); i++) {
		memcpy(buf + len, pipe_msgs[i], strlen(pipe_msgs[i]));
		len += strlen(pipe_msgs[i]);
	}
	request_parser_init(&rp, buf, LIMIT);
	for (size_t i = 0; i < nitems(pipe_msgs); i++) {
		ck_assert_int_eq(request_parse(&rp, buf, len, &used),
				 REQUEST_DONE);
		ck_assert_uint_eq(used, strlen(pipe_msgs[i]));
		ck_assert_int_eq(request_span_check("target", buf,
						    rp.req.target, 1,
						    pipe_targets[i]),
				 0);
		ck_assert_uint_eq(rp.req.target.off,
				  strchr(buf, ' ') + 1 - buf);
		memmove(buf, buf + used, len - used);
		len -= used;
		request_next(&rp, buf);
	}
	ck_assert_uint_eq(len, 0);
}
END_TEST

/*
 * A client that offers an upgrade (curl --http2 sends "Upgrade: h2c") is
 * answered in HTTP/1.1 and keeps its connection: what follows is the next
 * request, not another protocol.
 */
START_TEST(test_request_upgrade_ignored)
{
	static const char *const firsts[] = {
		"GET / HTTP/1.1\r\nHost: h\r\n"
		"Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
		"HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n",
		"GET /chat HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\n"
		"Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n",
	};
	static const char next[] = "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";
	int failed = 0;

	for (size_t i = 0; i < nitems(firsts); i++) {
		char buf[512];
		size_t fl = strlen(firsts[i]), len = fl + sizeof(next) - 1;
		size_t used;
		struct request_parser rp;

		memcpy(buf, firsts[i], fl);
		memcpy(buf + fl, next, sizeof(next) - 1);
		request_parser_init(&rp, buf, LIMIT);
		ck_assert_int_eq(request_parse(&rp, buf, len, &used),
				 REQUEST_DONE);
		ck_assert_uint_eq(used, fl);
		ck_assert(rp.req.keep_alive);
		request_next(&rp, buf);
		enum request_result r = request_parse(&rp, buf + fl, len - fl,
						      &used);
		if (r == REQUEST_DONE && used == len - fl &&
		    request_span_check("target", buf, rp.req.target, 1,
				       "/next") == 0)
			continue;
		fprintf(stderr,
			"request after upgrade offer %zu: result %d "
			"status %d used %zu\n",
			i, r, rp.status, used);
		failed++;
	}
	ck_assert_msg(failed == 0,
		      "%d of %zu requests after an upgrade offer "
		      "misparsed (stderr)",
		      failed, nitems(firsts));
}
END_TEST

/* ---- bodies ---- */

/*
 * A GET with a body: AGAIN until its last byte, headers_end just past the
 * last span the request keeps, and body bytes may be dropped as conn.c
 * drops them (each piece written at headers_end).
 */
START_TEST(test_request_body_dropped)
{
	static const char head[] = "GET /b HTTP/1.1\r\nUser-Agent: ua\r\n"
				   "Host: hh\r\nContent-Length: 7\r\n\r\n";
	const char *body = "1234567";
	char buf[256];
	struct request_parser rp;
	size_t used, hlen = sizeof(head) - 1;

	memcpy(buf, head, hlen);
	request_parser_init(&rp, buf, LIMIT);
	ck_assert_int_eq(request_parse(&rp, buf, hlen, &used), REQUEST_AGAIN);
	ck_assert_uint_eq(used, hlen);
	ck_assert(rp.headers_done);
	ck_assert_uint_eq(rp.headers_end, strstr(head, "hh\r\n") + 2 - head);
	size_t at = rp.headers_end;
	for (size_t i = 0; i < 7; i += 3) {
		size_t n = 7 - i < 3 ? 7 - i : 3;
		memcpy(buf + at, body + i, n);
		enum request_result r = request_parse(&rp, buf + at, n, &used);
		ck_assert_int_eq(r, i + n < 7 ? REQUEST_AGAIN : REQUEST_DONE);
		ck_assert_uint_eq(used, n);
	}
	ck_assert_int_eq(rp.req.method, METHOD_GET);
	ck_assert_int_eq(
		request_span_check("target", buf, rp.req.target, 1, "/b"), 0);
	ck_assert_int_eq(
		request_span_check("Host", buf, rp.req.hdr[HDR_HOST], 1, "hh"),
		0);
	ck_assert_int_eq(request_span_check("User-Agent", buf,
					    rp.req.hdr[HDR_USER_AGENT], 1,
					    "ua"),
			 0);
	ck_assert_uint_eq(rp.body_seen, 7);
}
END_TEST

/* Bodies up to the limit exactly are read, with `used` at their end. */
START_TEST(test_request_body_limit)
{
	static const struct {
		const char *in;
		uint64_t limit;
		int result;
		int status;
	} cases[] = {
		{ "PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nabcd",
		  4, REQUEST_DONE, 0 },
		{ "PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nabcde",
		  4, REQUEST_ERROR, 413 },
		{ "PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: "
		  "99999999999\r\n\r\n",
		  1024, REQUEST_ERROR, 413 },
		{ "PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", 0,
		  REQUEST_DONE, 0 },
		{ "PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
		  "\r\n2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n",
		  4, REQUEST_DONE, 0 },
		{ "PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
		  "\r\n2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n",
		  4, REQUEST_ERROR, 413 },
		{ "PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
		  "\r\nfffff\r\n",
		  1024, REQUEST_ERROR, 413 },
		{ "PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
		  "\r\n400\r\n",
		  1024, REQUEST_AGAIN, 0 },
		{ "PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
		  "\r\n800\r\n" /* then 2048 bytes, below */,
		  1024, REQUEST_ERROR, 413 },
	};
	char buf[4096];
	int failed = 0;

	for (size_t i = 0; i < nitems(cases); i++) {
		size_t len = strlen(cases[i].in), end;
		struct request_parser rp;

		memcpy(buf, cases[i].in, len);
		if (i == nitems(cases) - 1) {
			memset(buf + len, 'x', 2048);
			len += 2048;
		}
		for (size_t step = 0; step <= 1; step++) {
			request_parser_init(&rp, buf, cases[i].limit);
			int r = request_feed(&rp, buf, 0, len, 0, step, &end);
			if (r == cases[i].result &&
			    rp.status == cases[i].status &&
			    (r != REQUEST_DONE || end == len))
				continue;
			fprintf(stderr,
				"request body %zu step %zu: result %d "
				"status %d end %zu of %zu\n",
				i, step, r, rp.status, end, len);
			failed++;
		}
	}
	ck_assert_msg(failed == 0, "%d body cases failed (stderr)", failed);
}
END_TEST

/* ---- errors ---- */

struct request_bad {
	const char *in;
	size_t len;
	int status; /* however the bytes were cut into reads */
};

#define BAD(in, status)                    \
	{                                  \
		in, sizeof(in) - 1, status \
	}
#define HOSTH "Host: h\r\n"

static const struct request_bad bad[] = {
	/* Host: required once in 1.1, at most once in 1.0 */
	BAD("GET / HTTP/1.1\r\n\r\n", 400),
	BAD("GET / HTTP/1.1\r\nUser-Agent: u\r\n\r\n", 400),
	BAD("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400),
	BAD("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 400),
	BAD("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400),
	BAD("GET / HTTP/1.1\r\nHost: \r\n\r\n", 400),
	/* RFC 9112 3 allows splitting the line on any whitespace; two
	 * readings of one line is what smuggling needs, so: one space. */
	BAD("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
	BAD("GET /  HTTP/1.1\r\nHost: h\r\n\r\n", 400),
	BAD("GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400),
	BAD("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
	BAD("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400),
	BAD("GET / HTTP/1.1\r\nHost: a:99999\r\n\r\n", 400),
	BAD("GET / HTTP/1.0\r\nHost: user@a\r\n\r\n", 400),
	BAD("GET http://u@a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400),
	BAD("GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", 400),
	/* versions */
	BAD("GET / HTTP/2.0\r\n" HOSTH "\r\n", 505),
	BAD("GET / HTTP/2.0\r\n\r\n", 505),
	BAD("GET / HTTP/3.0\r\n" HOSTH "\r\n", 505),
	BAD("GET / HTTP/0.9\r\n\r\n", 505),
	BAD("GET / HTTP/9.9\r\n" HOSTH "\r\n", 505),
	BAD("GET / HTTP/1.10\r\n" HOSTH "\r\n", 400),
	BAD("GET / HTTP/11\r\n" HOSTH "\r\n", 400),
	BAD("GET / http/1.1\r\n" HOSTH "\r\n", 400),
	BAD("GET / HTTP/1.1 \r\n" HOSTH "\r\n", 400),
	/* an HTTP/0.9 simple-request: no version, a malformed line, and
	 * complete when it ends: 400 at once (RFC 9112 3) */
	BAD("GET /\r\n\r\n", 400),
	BAD("GET /index.html\r\n", 400),
	BAD("GET /\r\n" HOSTH "\r\n", 400),
	BAD("GET / \r\n", 400),
	BAD("GET\r\n", 400),
	/* whitespace and fragments are no part of a target (RFC 9112 3.2) */
	BAD("GET /index\t.html HTTP/1.1\r\n" HOSTH "\r\n", 400),
	BAD("GET /index.html#frag HTTP/1.1\r\n" HOSTH "\r\n", 400),
	BAD("GET # HTTP/1.1\r\n" HOSTH "\r\n", 400),
	/* methods */
	BAD("FOO / HTTP/1.1\r\n" HOSTH "\r\n", 501),
	BAD("BREW /pot HTTP/1.1\r\n" HOSTH "\r\n", 501),
	BAD("GETX / HTTP/1.1\r\n" HOSTH "\r\n", 501),
	/* a token is a method name, case-sensitive (RFC 9110 9.1): one
	 * forkd does not know is 501; only a non-token is 400 */
	BAD("get / HTTP/1.1\r\n" HOSTH "\r\n", 501),
	BAD("GeT / HTTP/1.1\r\n" HOSTH "\r\n", 501),
	BAD("G3T / HTTP/1.1\r\n" HOSTH "\r\n", 501),
	BAD("DESCRIBE / HTTP/1.1\r\n" HOSTH "\r\n", 501),
	BAD("M-SEARCh * HTTP/1.1\r\n" HOSTH "\r\n", 501),
	BAD("G(T / HTTP/1.1\r\n" HOSTH "\r\n", 400),
	BAD("G\x80T / HTTP/1.1\r\n" HOSTH "\r\n", 400),
	/* an expectation other than 100-continue */
	BAD("GET / HTTP/1.1\r\n" HOSTH "Expect: 100-continue, x\r\n\r\n", 417),
	BAD("GET / HTTP/1.1\r\n" HOSTH "Expect:\r\nExpect: x=1\r\n\r\n", 417),
	BAD("FOO  / HTTP/1.1\r\n" HOSTH "\r\n", 400),
	BAD("FOO / HTTP/x.1\r\n" HOSTH "\r\n", 400),
	BAD("FOO /\r\n" HOSTH "\r\n", 400),
	BAD("G@T / HTTP/1.1\r\n" HOSTH "\r\n", 400),
	/* garbage */
	BAD("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400),
	BAD("hello\r\n\r\n", 400),
	BAD(" GET / HTTP/1.1\r\n" HOSTH "\r\n", 400),
	BAD("GET / x HTTP/1.1\r\n" HOSTH "\r\n", 400),
	BAD("GET /a\x01 HTTP/1.1\r\n" HOSTH "\r\n", 400),
	BAD("GET /\x7f HTTP/1.1\r\n" HOSTH "\r\n", 400),
	/* RFC 9112 5.1: whitespace before the colon MUST get a 400 */
	BAD("GET / HTTP/1.1\r\n" HOSTH "Name : v\r\n\r\n", 400),
	BAD("GET / HTTP/1.1\r\n" HOSTH "Host : evil\r\n\r\n", 400),
	BAD("GET / HTTP/1.1\r\n" HOSTH "Name\t: v\r\n\r\n", 400),
	BAD("GET / HTTP/1.1\r\n" HOSTH "Bad Name: v\r\n\r\n", 400),
	BAD("GET / HTTP/1.1\r\n" HOSTH ": v\r\n\r\n", 400),
	BAD("GET / HTTP/1.1\r\n" HOSTH "NoColon\r\n\r\n", 400),
	BAD("GET / HTTP/1.1\r\n" HOSTH "X\x7fY: v\r\n\r\n", 400),
	/* framing that could be read two ways */
	BAD("POST / HTTP/1.1\r\n" HOSTH "Transfer-Encoding: chunked\r\n"
	    "Content-Length: 3\r\n\r\n0\r\n\r\n",
	    400),
	BAD("POST / HTTP/1.1\r\n" HOSTH "Content-Length: 3\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	    400),
	BAD("POST / HTTP/1.1\r\n" HOSTH "Content-Length: 3\r\n"
	    "Content-Length: 4\r\n\r\nabcd",
	    400),
	BAD("POST / HTTP/1.1\r\n" HOSTH "Content-Length: 3, 4\r\n\r\nabcd",
	    400),
	BAD("POST / HTTP/1.1\r\n" HOSTH "Content-Length: -1\r\n\r\n", 400),
	BAD("POST / HTTP/1.1\r\n" HOSTH "Content-Length: 1x\r\n\r\nab", 400),
	BAD("POST / HTTP/1.1\r\n" HOSTH "Content-Length: +1\r\n\r\na", 400),
	BAD("POST / HTTP/1.1\r\n" HOSTH "Content-Length: 0x1\r\n\r\na", 400),
	BAD("POST / HTTP/1.1\r\n" HOSTH "Content-Length: "
	    "99999999999999999999999\r\n\r\n",
	    400),
	BAD("POST / HTTP/1.1\r\n" HOSTH "Transfer-Encoding: gzip\r\n\r\n", 400),
	/* an empty or blank Transfer-Encoding still takes framing away
	 * from Content-Length (llhttp ignores the empty field) */
	BAD("GET / HTTP/1.1\r\n" HOSTH "Transfer-Encoding:\r\n"
	    "Content-Length: 4\r\n\r\nGET ",
	    400),
	BAD("GET / HTTP/1.1\r\n" HOSTH "Transfer-Encoding:   \r\n"
	    "Content-Length: 4\r\n\r\nGET ",
	    400),
	BAD("GET / HTTP/1.1\r\n" HOSTH "Content-Length: 4\r\n"
	    "Transfer-Encoding:\r\n\r\nGET ",
	    400),
	BAD("GET / HTTP/1.1\r\n" HOSTH "Transfer-Encoding:\r\n"
	    "Transfer-Encoding:\r\n\r\n",
	    400),
	BAD("GET / HTTP/1.1\r\n" HOSTH "Transfer-Encoding:\r\n\r\n", 400),
	BAD("POST / HTTP/1.1\r\n" HOSTH "Transfer-Encoding: chunked\r\n"
	    "Transfer-Encoding:\r\n\r\n0\r\n\r\n",
	    400),
	BAD("GET / HTTP/1.0\r\nTransfer-Encoding:\r\n\r\n", 400),
	BAD("GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "0\r\n\r\n",
	    400),
	BAD("POST / HTTP/1.1\r\n" HOSTH "Transfer-Encoding: chunked, gzip"
	    "\r\n\r\n",
	    400),
	BAD("POST / HTTP/1.1\r\n" HOSTH "Transfer-Encoding: chunked\r\n"
	    "\r\nzz\r\n",
	    400),
	BAD("POST / HTTP/1.1\r\n" HOSTH "Transfer-Encoding: chunked\r\n"
	    "\r\n2\r\nabc\r\n",
	    400),
	/* obs-fold, NUL and other control bytes in headers */
	BAD("GET / HTTP/1.1\r\n" HOSTH "X-A: one\r\n two\r\n\r\n", 400),
	BAD("GET / HTTP/1.1\r\n" HOSTH "X-A: one\r\n\ttwo\r\n\r\n", 400),
	BAD("GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n", 400),
	BAD("GET / HTTP/1.1\r\n" HOSTH "X-A: a\0b\r\n\r\n", 400),
	BAD("GET / HTTP/1.1\r\n" HOSTH "X-\0A: v\r\n\r\n", 400),
	BAD("GET / HTTP/1.1\r\nHost: h\0\r\n\r\n", 400),
	BAD("GET /\0 HTTP/1.1\r\n" HOSTH "\r\n", 400),
	BAD("GET / HTTP/1.1\r\n" HOSTH "X-A: a\rb\r\n\r\n", 400),
	BAD("GET / HTTP/1.1\r\n" HOSTH "X-A: a\x01"
	    "b\r\n\r\n",
	    400),
	/* a bare CR must not end the header block (CVE-2023-30589) */
	BAD("GET / HTTP/1.1\r\n" HOSTH "\r\r\n", 400),
	BAD("GET / HTTP/1.1\r\n" HOSTH "\rX", 400),
	BAD("GET / HTTP/1.1\r\n" HOSTH "\rXGET /smuggled HTTP/1.1\r\n" HOSTH
	    "\r\n",
	    400),
	BAD("GET / HTTP/1.1\r\r\n" HOSTH "\r\n", 400),
};

/* The status answered, and never a REQUEST_DONE or a stall. */
static int request_bad_check(const struct request_bad *c, size_t step)
{
	struct request_parser rp;
	size_t end;

	int want = c->status;

	request_parser_init(&rp, c->in, LIMIT);
	int r = request_feed(&rp, c->in, 0, c->len, 0, step, &end);
	if (r == REQUEST_ERROR && rp.status == want)
		return 0;
	fprintf(stderr,
		"request bad (step %zu): result %d status %d, want %d: "
		"\"",
		step, r, rp.status, want);
	request_print(c->in, c->len);
	fprintf(stderr, "\"\n");
	return 1;
}

START_TEST(test_request_bad_table)
{
	int failed = 0;

	for (size_t i = 0; i < nitems(bad); i++)
		failed += request_bad_check(&bad[i], 0);
	ck_assert_msg(failed == 0, "%d of %zu bad requests misjudged (stderr)",
		      failed, nitems(bad));
}
END_TEST

/*
 * The same bytes arriving one at a time: the refusal must not depend on
 * how the request was cut into segments.
 */
START_TEST(test_request_bad_bytewise)
{
	int failed = 0;

	for (size_t i = 0; i < nitems(bad); i++)
		failed += request_bad_check(&bad[i], 1);
	ck_assert_msg(failed == 0,
		      "%d of %zu bad requests misjudged byte by "
		      "byte (stderr)",
		      failed, nitems(bad));
}
END_TEST

/*
 * Bare LF line endings: llhttp may take them or refuse them, but if it
 * takes them the fields must be right, and refusal is a 400.
 */
START_TEST(test_request_bare_lf)
{
	static const char *const ins[] = {
		"GET /x HTTP/1.1\nHost: h\n\n",
		"GET /x HTTP/1.1\r\nHost: h\n\r\n",
		"GET /x HTTP/1.1\r\nHost: h\r\n\n",
		"GET /x HTTP/1.1\nHost: h\r\n\r\n",
	};

	for (size_t i = 0; i < nitems(ins); i++) {
		struct request_parser rp;
		size_t len = strlen(ins[i]), used;

		request_parser_init(&rp, ins[i], LIMIT);
		enum request_result r = request_parse(&rp, ins[i], len, &used);
		if (r == REQUEST_ERROR) {
			ck_assert_msg(rp.status == 400,
				      "bare LF %zu: status %d", i, rp.status);
			continue;
		}
		ck_assert_msg(r == REQUEST_DONE && used == len,
			      "bare LF %zu: result %d used %zu", i, r, used);
		ck_assert_int_eq(request_span_check("target", ins[i],
						    rp.req.target, 1, "/x"),
				 0);
		ck_assert_int_eq(
			request_span_check("Host", ins[i], rp.req.hdr[HDR_HOST],
					   rp.req.hdr_seen[HDR_HOST], "h"),
			0);
		ck_assert_int_eq(request_span_check("line", ins[i], rp.req.line,
						    1, "GET /x HTTP/1.1"),
				 0);
	}
}
END_TEST

/* A bad message after a good one on the same connection: same status. */
START_TEST(test_request_bad_pipelined)
{
	static const char first[] = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
	int failed = 0;

	for (size_t i = 0; i < nitems(bad); i++) {
		size_t fl = sizeof(first) - 1, len = fl + bad[i].len, used;
		char *buf = malloc(len);
		struct request_parser rp;

		ck_assert_ptr_nonnull(buf);
		memcpy(buf, first, fl);
		memcpy(buf + fl, bad[i].in, bad[i].len);
		request_parser_init(&rp, buf, LIMIT);
		ck_assert_int_eq(request_parse(&rp, buf, len, &used),
				 REQUEST_DONE);
		ck_assert_uint_eq(used, fl);
		request_next(&rp, buf);
		enum request_result r = request_parse(&rp, buf + fl, len - fl,
						      &used);
		if (r != REQUEST_ERROR || rp.status != bad[i].status) {
			fprintf(stderr,
				"request bad after a good one: "
				"result %d status %d, want %d: \"",
				r, rp.status, bad[i].status);
			request_print(bad[i].in, bad[i].len);
			fprintf(stderr, "\"\n");
			failed++;
		}
		free(buf);
	}
	ck_assert_msg(failed == 0,
		      "%d of %zu pipelined bad requests "
		      "misjudged (stderr)",
		      failed, nitems(bad));
}
END_TEST

/* ---- a full buffer ---- */

START_TEST(test_request_overflow)
{
	static const struct {
		const char *in;
		int status;
	} cases[] = {
		{ "G", 414 },
		{ "GET ", 414 },
		{ "GET /", 414 },
		{ "GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 414 },
		{ "GET /a ", 431 },
		{ "GET /a HTTP/1.", 431 },
		{ "GET /a HTTP/1.1\r\n", 431 },
		{ "GET /a HTTP/1.1\r\nHost: h\r\nX-Long: aaaaaaaaaaaaaa", 431 },
		{ "GET /a HTTP/1.1\r\nHost: h\r\nX-Long", 431 },
	};
	int failed = 0;

	for (size_t i = 0; i < nitems(cases); i++) {
		struct request_parser rp;
		size_t len = strlen(cases[i].in), used;

		request_parser_init(&rp, cases[i].in, LIMIT);
		enum request_result r = request_parse(&rp, cases[i].in, len,
						      &used);
		int st = request_overflow_status(&rp);
		if (r == REQUEST_AGAIN && used == len && st == cases[i].status)
			continue;
		fprintf(stderr,
			"overflow \"%s\": result %d used %zu status "
			"%d, want %d\n",
			cases[i].in, r, used, st, cases[i].status);
		failed++;
	}
	ck_assert_msg(failed == 0, "%d overflow cases failed (stderr)", failed);
}
END_TEST

/* After request_next, a second message's status starts over at 414. */
START_TEST(test_request_overflow_next)
{
	static const char in[] = "GET / HTTP/1.1\r\nHost: h\r\n\r\nGET /lo";
	struct request_parser rp;
	size_t used, len = sizeof(in) - 1;

	request_parser_init(&rp, in, LIMIT);
	ck_assert_int_eq(request_parse(&rp, in, len, &used), REQUEST_DONE);
	ck_assert_int_eq(request_overflow_status(&rp), 431);
	request_next(&rp, in);
	ck_assert_int_eq(request_parse(&rp, in + used, len - used, &used),
			 REQUEST_AGAIN);
	ck_assert_int_eq(request_overflow_status(&rp), 414);
	ck_assert(!rp.headers_done);
}
END_TEST

/* ---- span_eq ---- */

START_TEST(test_request_span_eq)
{
	static const char base[] = "xxKeep-Alive, closeyy";
	static const struct {
		struct span s;
		const char *str;
		bool eq;
	} cases[] = {
		{ { 2, 10 }, "keep-alive", true },
		{ { 2, 10 }, "KEEP-ALIVE", true },
		{ { 2, 10 }, "Keep-Alive", true },
		{ { 2, 10 }, "keep-aliv", false },
		{ { 2, 10 }, "keep-alive,", false },
		{ { 2, 9 }, "keep-alive", false },
		{ { 2, 11 }, "keep-alive", false },
		{ { 14, 5 }, "close", true },
		{ { 14, 5 }, "closE", true },
		{ { 14, 5 }, "clos_", false },
		{ { 0, 0 }, "", true },
		{ { 5, 0 }, "", true },
		{ { 0, 0 }, "x", false },
		{ { 0, 1 }, "", false },
		{ { 0, 2 }, "XX", true },
	};
	int failed = 0;

	for (size_t i = 0; i < nitems(cases); i++) {
		if (span_eq(base, cases[i].s, cases[i].str) == cases[i].eq)
			continue;
		fprintf(stderr, "span_eq %zu {%u,%u} \"%s\": want %d\n", i,
			cases[i].s.off, cases[i].s.len, cases[i].str,
			cases[i].eq);
		failed++;
	}
	ck_assert_msg(failed == 0, "%d span_eq cases failed (stderr)", failed);
}
END_TEST

/* ---- Host values ---- */

START_TEST(test_request_host_len)
{
	static const struct {
		const char *in;
		int want;
	} cases[] = {
		{ "example.com", 11 },
		{ "Example.COM:8080", 11 },
		{ "example.com.", 11 },
		{ "example.com.:80", 11 },
		{ "127.0.0.1:80", 9 },
		{ "[::1]", 5 },
		{ "[::1]:8080", 5 },
		{ "[fe80::1%25eth0]", -1 },
		{ "h:", 1 },
		{ "a-b_c~d", 7 },
		{ "", -1 },
		{ ":80", -1 },
		{ ".", -1 },
		{ "a b", -1 },
		{ "a/b", -1 },
		{ "a\\b", -1 },
		{ "a@b", -1 },
		{ "a..b", -1 },
		{ "..", -1 },
		{ "a.b..", -1 },
		{ "..a", -1 },
		{ "a.b.c.", 5 },
		{ "a.", 1 },
		{ "[1..2]", -1 },
		{ "[1.2]", 5 },
		{ "h:65535", 1 },
		{ "h:65536", -1 },
		{ "h:123456", -1 },
		{ "h:8o", -1 },
		{ "h:80:80", -1 },
		{ "[::1", -1 },
		{ "[]", -1 },
		{ "[::1]x", -1 },
		{ "[g::1]", -1 },
		{ "h\x7f", -1 },
	};
	int failed = 0;

	for (size_t i = 0; i < nitems(cases); i++) {
		int got = request_host_len(cases[i].in, strlen(cases[i].in));
		if (got == cases[i].want)
			continue;
		fprintf(stderr, "host \"%s\": %d, want %d\n", cases[i].in, got,
			cases[i].want);
		failed++;
	}
	ck_assert_msg(failed == 0, "%d host cases failed (stderr)", failed);
}
END_TEST

/*
 * Every byte value at every offset of a target and of a field value longer
 * than two words: taken exactly when RFC 9112/9110 allow it there, whether
 * the bytes come at once (eight at a time) or in pieces.
 */
static int request_byte_check(const char *pre, const char *post, int k, int b,
			      bool want_ok)
{
	char in[128];
	struct request_parser rp;
	size_t end, n = strlen(pre);
	int r, failed = 0;

	memcpy(in, pre, n);
	memset(in + n, 'a', 21);
	in[n + (size_t)k] = (char)b;
	strcpy(in + n + 21, post);
	n += 21 + strlen(post);
	for (size_t step = 0; step <= 3; step += 3) {
		request_parser_init(&rp, in, LIMIT);
		r = request_feed(&rp, in, 0, n, 0, step, &end);
		if ((r == REQUEST_DONE) == want_ok &&
		    (want_ok || rp.status == 400))
			continue;
		fprintf(stderr,
			"byte 0x%02x at %d, step %zu: result %d "
			"status %d\n",
			b, k, step, r, rp.status);
		failed++;
	}
	return failed;
}

START_TEST(test_request_byte_runs)
{
	int failed = 0;

	for (int k = 0; k <= 20; k++) {
		for (int b = 0; b < 256; b++) {
			bool target = b > 0x20 && b != 0x7f && b != '#';
			bool value = b == '\t' || (b >= 0x20 && b != 0x7f);

			failed += request_byte_check(
				"GET /", " HTTP/1.1\r\nHost: h\r\n\r\n", k, b,
				target);
			failed += request_byte_check(
				"GET / HTTP/1.1\r\nHost: h\r\nX: ", "\r\n\r\n",
				k, b, value);
		}
	}
	ck_assert_msg(failed == 0, "%d byte cases misjudged (stderr)", failed);
}
END_TEST

/*
 * A kept header is found by its name in any case, and a name of the same
 * length one byte off, or one byte longer or shorter, is not it.
 */
static int request_name_check(int h, const char *name, bool want_kept)
{
	char in[128];
	struct request_parser rp;
	size_t used;
	int n = snprintf(in, sizeof(in), "GET / HTTP/1.0\r\n%s: v\r\n\r\n",
			 name);

	request_parser_init(&rp, in, LIMIT);
	if (request_parse(&rp, in, (size_t)n, &used) == REQUEST_DONE &&
	    (rp.req.hdr_seen[h] == 1) == want_kept)
		return 0;
	fprintf(stderr, "name \"%s\": seen %d, want %d\n", name,
		rp.req.hdr_seen[h], want_kept);
	return 1;
}

START_TEST(test_request_header_names)
{
	int failed = 0;

	for (int h = 0; h < HDR_COUNT_; h++) {
		const char *name = request_header_name(h);
		size_t len = strlen(name);
		char buf[64];

		if (h == HDR_TRANSFER_ENCODING || h == HDR_EXPECT)
			continue; /* their values decide the answer */
		for (size_t i = 0; i <= len; i++)
			buf[i] = (char)(i % 2 ? toupper(name[i]) : name[i]);
		failed += request_name_check(h, buf, true);
		for (size_t i = 0; i < len; i++) {
			strcpy(buf, name);
			buf[i] = buf[i] == 'q' ? 'z' : 'q';
			failed += request_name_check(h, buf, false);
		}
		snprintf(buf, sizeof(buf), "%sx", name);
		failed += request_name_check(h, buf, false);
		snprintf(buf, sizeof(buf), "%.*s", (int)len - 1, name);
		failed += request_name_check(h, buf, false);
	}
	ck_assert_msg(failed == 0, "%d names misjudged (stderr)", failed);
}
END_TEST

Suite *request_suite(void)
{
	Suite *s = suite_create("request");
	TCase *tc = tcase_create("good");

	tcase_add_test(tc, test_request_good_table);
	tcase_add_test(tc, test_request_headers);
	tcase_add_test(tc, test_request_list_extent);
	tcase_add_test(tc, test_request_method_before_error);
	tcase_add_test(tc, test_request_span_eq);
	tcase_add_test(tc, test_request_host_len);
	tcase_add_test(tc, test_request_header_names);
	tcase_add_test(tc, test_request_byte_runs);
	suite_add_tcase(s, tc);
	tc = tcase_create("pipeline");
	tcase_add_test(tc, test_request_pipeline);
	tcase_add_test(tc, test_request_pipeline_moved);
	tcase_add_test(tc, test_request_upgrade_ignored);
	suite_add_tcase(s, tc);
	tc = tcase_create("body");
	tcase_add_test(tc, test_request_body_dropped);
	tcase_add_test(tc, test_request_body_limit);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_request_bad_table);
	tcase_add_test(tc, test_request_bad_bytewise);
	tcase_add_test(tc, test_request_bad_pipelined);
	tcase_add_test(tc, test_request_bare_lf);
	suite_add_tcase(s, tc);
	tc = tcase_create("overflow");
	tcase_add_test(tc, test_request_overflow);
	tcase_add_test(tc, test_request_overflow_next);
	suite_add_tcase(s, tc);
	return s;
}
