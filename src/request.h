/*
 * request.h — HTTP/1.x request parsing: the only module that includes
 * llhttp.h.  (It is not called http.c: llhttp ships a file of that name and
 * owns the http_ prefix.)
 *
 * The parser works in place over a connection's input buffer: every field
 * is a span (offset, length) into that buffer, so nothing is copied.
 */
#ifndef FORKD_REQUEST_H
#define FORKD_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct span {
	uint32_t off;
	uint32_t len;
};

enum request_method {
	METHOD_GET,
	METHOD_HEAD,
	METHOD_POST,
	METHOD_PUT,
	METHOD_DELETE,
	METHOD_OPTIONS,
	METHOD_OTHER, /* a registered method (PATCH, PROPFIND...): 405 */
};

/* The request headers forkd looks at. */
enum request_header {
	HDR_HOST,
	HDR_IF_NONE_MATCH,
	HDR_IF_MODIFIED_SINCE,
	HDR_IF_MATCH,
	HDR_IF_UNMODIFIED_SINCE,
	HDR_RANGE,
	HDR_IF_RANGE,
	HDR_REFERER,
	HDR_USER_AGENT,
	HDR_ACCEPT_ENCODING,
	HDR_EXPECT,
	HDR_X_FORWARDED_FOR,
	HDR_FORWARDED,
	HDR_TRANSFER_ENCODING, /* counted for framing; llhttp skips empty ones */
	HDR_CONNECTION,
	HDR_ACCEPT, /* a fallback page answers navigations only */
	HDR_SEC_FETCH_DEST,
	HDR_COUNT_,
};

struct request {
	enum request_method method;
	uint8_t http_major;
	uint8_t http_minor;
	bool keep_alive;
	struct span line;   /* "GET /x HTTP/1.1", for the access log */
	struct span target; /* request-target as sent */
	struct span host;   /* the authority's host, port and final dot cut
			     * off: from an absolute-form target, else from
			     * Host; empty when there is neither */
	/* The value of each header's last field line; for If-Match and
	 * If-None-Match, whose lines form one list (RFC 9110 5.3), the bytes
	 * from the first line's value to the last's, other lines between. */
	struct span hdr[HDR_COUNT_];
	uint8_t hdr_seen[HDR_COUNT_];
};

enum request_result {
	REQUEST_AGAIN, /* all input consumed, the message is not complete */
	REQUEST_DONE,  /* a whole message was parsed */
	REQUEST_ERROR, /* malformed: answer rp->status and close */
};

/* Room for llhttp_t, which request.c checks at compile time. */
#define REQUEST_LLHTTP_SIZE 128

struct request_parser {
	_Alignas(8) unsigned char llhttp[REQUEST_LLHTTP_SIZE];
	const char *base;     /* the buffer that spans are relative to */
	uint64_t body_limit;  /* largest request body accepted */
	const char *exec_end; /* end of the bytes llhttp is working through */
	/* Per message, from here to the end: request_next() zeroes it all. */
	struct request req;
	struct span field; /* header name being parsed */
	struct span value; /* header value being parsed */
	uint64_t body_seen;
	uint32_t headers_end; /* once headers_done: bytes past it are body,
			       * and may be dropped from the buffer */
	uint32_t kept_end;    /* where the last kept field value ends */
	int status;           /* HTTP status for REQUEST_ERROR */
	uint32_t head_off;    /* where the header lines start */
	uint8_t scan;         /* head_scan state over the head's bytes */
	uint8_t crlf_left;    /* bytes of the CRLF after chunk data unchecked */
	uint8_t version_pos;  /* bytes of "HTTP/d.d" scanned */
	bool te_empty;        /* a Transfer-Encoding field line was empty */
	bool method_known;    /* a registered method, not only a token */
	bool conn_close;      /* a Connection option: close */
	bool conn_keep;       /* a Connection option: keep-alive */
	bool expect_other;    /* an expectation other than 100-continue */
	bool line_done;       /* the request line is in and checked */
	bool target_done;
	bool headers_done;
};

void request_parser_init(struct request_parser *rp, const char *base,
			 uint64_t body_limit);

/*
 * Parse data[0..len), which must lie in the buffer at rp->base, directly
 * after what was parsed before.  Sets *used to the bytes consumed.  After
 * REQUEST_DONE, call request_next() before parsing the next message.
 */
enum request_result request_parse(struct request_parser *rp, const char *data,
				  size_t len, size_t *used);

/* Prepare for the next message on the connection, with spans in base. */
void request_next(struct request_parser *rp, const char *base);

/*
 * The status to answer when the buffer filled up before the header block
 * ended: 414 while the target is still arriving, 431 after.  (The method
 * is known from the request line's first space on, so that an error
 * answer to HEAD has no body.)
 */
int request_overflow_status(const struct request_parser *rp);

/*
 * The length of the host part of an authority "host[:port]" (RFC 3986
 * 3.2.2: a reg-name, an IPv4 address or a bracketed IP literal; the port
 * all digits, at most 65535), without the port and without one final dot;
 * -1 when it is malformed or empty.  Pure; exposed for tests.
 */
int request_host_len(const char *s, size_t len);

/* The lower-case name of a header forkd keeps. */
const char *request_header_name(enum request_header h);

/* Case-insensitive comparison of a span's bytes with a C string. */
bool span_eq(const char *base, struct span s, const char *str);

#endif
