/*
 * confval.h — config values from text: pure functions, no libconfuse.
 *
 * Each takes the text of one value and returns 0 with the value, or -1
 * with a one-line reason in msg (where there is a msg) that names the
 * option, as the config file's error messages print it.  The loader
 * (config.c) runs the same function when it checks a value at its line
 * and when it stores it, so what is accepted is what is stored.
 */
#ifndef FORKD_CONFVAL_H
#define FORKD_CONFVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "config.h"

#define DURATION_MAX_MS (24u * 60 * 60 * 1000)

/*
 * Parse "host:port" ("127.0.0.1:80", "[::1]:80", "*:80", "80") into addr.
 * The reason in err (when not NULL) does not name the option.
 */
int confval_parse_listen(const char *text, struct sockaddr_storage *addr,
			 socklen_t *addrlen, char *err, size_t errlen);

/* Same address and port? */
bool confval_listen_same(const struct sockaddr_storage *a,
			 const struct sockaddr_storage *b);

/*
 * Parse a duration: "30" (seconds), "500ms", "30s", "5m", "1h" into ms.
 * -1 with errno EINVAL when malformed, ERANGE above 24h.
 */
int confval_parse_duration(const char *text, unsigned *ms);

/*
 * Parse an error_page entry, "CODES=URI": statuses from 400 to 599
 * separated by spaces, '=', then a path starting with '/'.  Sets
 * codes[status - ERROR_PAGE_FIRST] for each status and *uri to the path
 * inside text.
 */
int confval_parse_error_page(const char *text, bool codes[ERROR_PAGE_COUNT],
			     const char **uri, char *msg, size_t len);

/*
 * Parse an expires value: "off", "epoch", or a number of seconds with an
 * optional unit s, m, h, d or w, at most EXPIRES_MAX.  No message.
 */
int confval_parse_expires(const char *text, long long *seconds);

/*
 * Check an add_header value, "Name: value": Name an RFC 9110 token that is
 * not one forkd frames the message with (Content-Length,
 * Transfer-Encoding, Connection, ...), a non-empty value of visible
 * characters, spaces and tabs.
 */
int confval_check_header(const char *text, char *msg, size_t len);

/* A URI path for a directive to name: '/' first, no query or fragment. */
bool confval_uri_path_ok(const char *s);

/* Decimal digits only, from min to max. */
int confval_number(const char *name, const char *s, unsigned min, unsigned max,
		   unsigned *out, char *msg, size_t len);

/* A duration (see confval_parse_duration) of at least min ms. */
int confval_duration(const char *name, const char *s, unsigned min,
		     unsigned *ms, char *msg, size_t len);

/* A byte count with an optional k, m or g (powers of 1024). */
int confval_bytes(const char *name, const char *s, unsigned min, unsigned max,
		  unsigned *out, char *msg, size_t len);

/* A buffer size: "4096", "16k", "1m" (no g). */
int confval_size(const char *name, const char *s, unsigned min, unsigned max,
		 size_t *out, char *msg, size_t len);

/* "auto" (cpus, capped at max) or a number from 1 to max. */
int confval_workers(const char *s, unsigned cpus, unsigned max, unsigned *out,
		    char *msg, size_t len);

/*
 * Predicates over one value, with the shape the option table wants:
 * name is the option's, as the message prints it.
 */
int confval_check_nonempty(const char *name, const char *s, char *msg,
			   size_t len);
int confval_check_uri_path(const char *name, const char *s, char *msg,
			   size_t len);
int confval_check_charset(const char *name, const char *s, char *msg,
			  size_t len);
int confval_check_server_name(const char *name, const char *s, char *msg,
			      size_t len);
int confval_check_index(const char *name, const char *s, char *msg, size_t len);
int confval_check_cidr(const char *name, const char *s, char *msg, size_t len);

/* An access_log_format: "combined", "json", or text with $variables. */
int confval_log_format(const char *s, enum access_format *f, char *msg,
		       size_t len);

/* s against the config file's directory dir; NULL when out of memory. */
char *confval_path(const char *dir, const char *s);

/* A document root as stored: confval_path() without trailing slashes. */
char *confval_root(const char *dir, const char *s);

#endif
