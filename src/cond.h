/*
 * cond.h — conditional requests (RFC 9110 §13): which of 200, 304 and 412
 * a request earns, and whether an If-Range lets a Range through.  Pure
 * functions over header values, so every precedence rule has a table test.
 */
#ifndef FORKD_COND_H
#define FORKD_COND_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

enum cond_result {
	COND_PROCEED,      /* no precondition stops it: Range next */
	COND_NOT_MODIFIED, /* 304, with the 200's validators */
	COND_FAILED,       /* 412 */
};

/*
 * One request header: its value and how often it was sent.  For If-Match
 * and If-None-Match sent on several lines, s[0..len) runs from the first
 * line's value to the last's, whole header lines between; name (lower
 * case) tells which of those lines are the field's own.  Other fields
 * carry their last line's value.
 */
struct cond_field {
	const char *s;
	size_t len;
	unsigned count; /* 0: absent */
	const char *name;
};

struct cond_request {
	struct cond_field if_match;
	struct cond_field if_none_match;
	struct cond_field if_modified_since;
	struct cond_field if_unmodified_since;
	bool get_or_head; /* 304 is for GET and HEAD; others get 412 */
};

/*
 * RFC 9110 §13.2.2, for a representation that exists with the entity-tag
 * etag (as sent: quoted, W/ before it when weak) and Last-Modified mtime:
 *   1. If-Match: no strong match → 412;
 *   2. else If-Unmodified-Since: modified after it → 412;
 *   3. If-None-Match: a weak match → 304 (GET/HEAD) or 412;
 *   4. else If-Modified-Since (GET/HEAD only): not modified since → 304.
 * A date that does not parse, or a date header sent twice, is ignored.
 * The lines of If-Match or If-None-Match make one list (§5.3): any member
 * may match; a malformed line, or "*" beside other lines, matches nothing.
 */
enum cond_result cond_evaluate(const struct cond_request *rq, const char *etag,
			       time_t mtime);

/*
 * Does the list ("*" or 1#entity-tag) name etag?  weak: W/ prefixes are
 * ignored (If-None-Match); strong: a weak tag, sent or ours, never
 * matches (If-Match).
 * A malformed list matches nothing.
 */
bool cond_etag_match(const char *list, size_t len, const char *etag, bool weak);

/*
 * If-Range (§13.1.5): true when the Range may be honoured — the value is
 * a strong tag equal to etag, or an HTTP-date equal to mtime.  Anything
 * else, a weak tag (sent, or ours: then a date too) or a field sent twice
 * included, means "send it all".
 */
bool cond_if_range(const struct cond_field *f, const char *etag, time_t mtime);

#endif
