/*
 * redirect.h — `redirect "PREFIX" { to, status }` rules: checking what the
 * config says, choosing the rule for a path, and building the Location.
 * Pure functions, no I/O.
 *
 * A Location built here holds only visible ASCII: whatever part of it came
 * from the request is percent-encoded, so an encoded CR or LF in a path can
 * never become a header line.  A rule whose `to` is a path never yields a
 * Location that starts with "//" (a protocol-relative URL, i.e. another
 * host).
 */
#ifndef FORKD_REDIRECT_H
#define FORKD_REDIRECT_H

#include <stdbool.h>
#include <stddef.h>

#define REDIRECT_GONE 410        /* status = 410 and no `to`: "Gone" */
#define REDIRECT_TARGET_MAX 4096 /* bytes of a `to` */

struct redirect_rule {
	char *from; /* a normalised path: the prefix, or the exact path */
	size_t from_len;
	bool exact; /* title "= /path" */
	char *to;   /* a path or an absolute URL; NULL: 410 only */
	int status; /* 301, 302, 303, 307, 308 or 410 */
};

/* Is status one a redirect may answer with (410 included)? */
bool redirect_status_ok(long status);

/*
 * Split a rule's title: "= /path" is exact, "/prefix" a prefix.  Sets
 * *exact and *from (inside title).  -1 with a message when what follows
 * is not a path starting with '/', or has '?', '#', spaces or controls.
 */
int redirect_parse_title(const char *title, bool *exact, const char **from,
			 char *msg, size_t len);

/*
 * Check a `to`: a path ("/new/", not "//host") or an absolute http(s) URL
 * with a host, of visible ASCII characters, at most REDIRECT_TARGET_MAX
 * bytes.  -1 with a message.
 */
int redirect_check_to(const char *to, char *msg, size_t len);

/*
 * The rule of rules[0..n) for the normalised path: an exact rule for it,
 * else the prefix rule with the longest prefix that starts it; NULL when
 * none.  Ties go to the earlier rule.
 */
const struct redirect_rule *redirect_match(const struct redirect_rule *rules,
					   size_t n, const char *path);

/*
 * Percent-encode a decoded path for a header: every byte but unreserved
 * characters, sub-delims, ':', '@' and '/' becomes %XX.  At most outsz - 1
 * bytes and a NUL; returns the length, or 0 when it did not fit.
 */
size_t redirect_encode_path(const char *in, size_t inlen, char *out,
			    size_t outsz);

/*
 * The Location for a request redirected to `to`: to, then rest (the part
 * of the decoded request path after the rule's prefix, encoded), then the
 * request's query (query[0..qlen), starting with '?', its bytes outside
 * visible ASCII encoded) unless `to` has a query of its own.  A '/' that
 * would follow a '/' of `to` is dropped, and an absolute URL without a
 * path gets one, so that rest never extends the host.  Returns the
 * length written into out (NUL-terminated), or 0 when it does not fit.
 */
size_t redirect_location(const char *to, const char *rest, const char *query,
			 size_t qlen, char *out, size_t outsz);

#endif
