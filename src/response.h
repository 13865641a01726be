/*
 * response.h — status lines, headers, the cached Date, HTTP dates and the
 * short bodies of error responses.
 */
#ifndef FORKD_RESPONSE_H
#define FORKD_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define HTTP_DATE_LEN 29 /* "Sun, 06 Nov 1994 08:49:37 GMT" */

struct response_head {
	int status;
	bool keep_alive;
	bool http10;              /* answering an HTTP/1.0 client */
	const char *content_type; /* NULL: no Content-Type */
	long long content_length; /* -1: none */
	time_t last_modified;     /* 0: none */
	const char *etag;         /* NULL: none */
	const char *location;     /* NULL: none */
	size_t location_len;
	const char *allow; /* NULL: none */
	bool no_store;     /* Cache-Control: no-store (live documents) */
	const char *content_range; /* "bytes 0-9/100", or "bytes *" "/100" */
	bool accept_ranges;        /* "Accept-Ranges: bytes" */
	const char *extra;         /* more header lines, each ending in CRLF */
	size_t extra_len;
	/* Not NULL: the lines response_format_fields made of this head,
	 * written instead of formatting those four fields again. */
	const char *fields;
	size_t fields_len;
};

/* Refresh the cached Date string when the second changed. */
void response_clock(time_t now);
const char *response_date(void);

const char *response_reason(int status);

/*
 * Write the status line and headers (ending in the blank line) into out.
 * Returns the length, or 0 when out is too small.
 */
size_t response_format_head(char *out, size_t outsz,
			    const struct response_head *h);

/*
 * The Content-Type, Content-Length, Last-Modified and ETag lines of h,
 * those of its fields that are set, as response_format_head writes them:
 * made once for a file, they can be passed back in h->fields.  Returns
 * the length, or 0 when out is too small.
 */
size_t response_format_fields(char *out, size_t outsz,
			      const struct response_head *h);

/* The short HTML body of an error status. */
const char *response_error_body(int status, size_t *len);

/* Format t as an IMF-fixdate; out has room for HTTP_DATE_LEN + 1. */
void response_http_date(time_t t, char *out);

/*
 * Parse an HTTP date in any of the three RFC 9110 §5.6.7 forms.  Returns 0
 * and sets *t, or -1.
 */
int response_parse_http_date(const char *s, size_t len, time_t *t);

/* Format the access log's local time, "23/Nov/2026:09:00:00 +0000". */
const char *response_log_time(void);

#endif
