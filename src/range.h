/*
 * range.h — the Range header (RFC 9110 §14) and multipart/byteranges
 * framing.  Pure functions: table-tested with hostile input.
 */
#ifndef FORKD_RANGE_H
#define FORKD_RANGE_H

#include <stddef.h>
#include <stdint.h>

#define RANGE_MAX 16       /* parts in one response, after coalescing */
#define RANGE_SPECS_MAX 64 /* byte-range-specs read from one header */
#define RANGE_BOUNDARY_LEN 20

struct range {
	uint64_t start; /* first byte */
	uint64_t end;   /* one past the last byte */
};

struct range_set {
	struct range r[RANGE_MAX];
	unsigned n;
};

enum range_result {
	RANGE_IGNORE,        /* send the whole representation: 200 */
	RANGE_OK,            /* 206 with rs->n parts */
	RANGE_UNSATISFIABLE, /* 416, Content-Range: bytes * /size */
};

/*
 * Parse a Range value against a representation of size bytes.
 *
 * IGNORE: not "bytes=", malformed (any spec), more than RANGE_SPECS_MAX
 * specs, ranges that add up to more than the file (overlap abuse), or more
 * than RANGE_MAX parts once coalesced.  UNSATISFIABLE: well formed, but no
 * spec selects a byte (every first-pos >= size, a zero suffix, an empty
 * file), except that a non-zero suffix on an empty file is IGNORE: it is
 * satisfiable (RFC 9110 14.1.1) yet selects nothing, so the answer is a
 * 200 with the empty body.  OK: the satisfiable specs, clamped to the file; when they are
 * not already ascending and disjoint they are sorted and overlapping or
 * adjacent ones merged (RFC 9110 §14.2 lets a server coalesce).
 */
enum range_result range_parse(const char *s, size_t len, uint64_t size,
			      struct range_set *rs);

/*
 * A boundary of RANGE_BOUNDARY_LEN characters (plus NUL) made from seed:
 * letters and digits, so it needs no quoting.
 */
void range_boundary(uint64_t seed, char out[RANGE_BOUNDARY_LEN + 1]);

/*
 * The bytes before a part's data: "\r\n--B\r\nContent-Type: T\r\n
 * Content-Range: bytes a-b/size\r\n\r\n".  Returns the length, or 0 when it
 * does not fit cap (out may be NULL with cap 0, to measure).
 */
size_t range_part_head(char *out, size_t cap, const char *boundary,
		       const char *type, const struct range *r, uint64_t size);

/* The bytes after the last part: "\r\n--B--\r\n"; as range_part_head. */
size_t range_multipart_tail(char *out, size_t cap, const char *boundary);

/* Content-Length of the whole multipart body for rs. */
uint64_t range_multipart_length(const struct range_set *rs,
				const char *boundary, const char *type,
				uint64_t size);

#endif
