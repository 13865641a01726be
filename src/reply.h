/*
 * reply.h — a response laid out for sending: the bytes of its head and of
 * small bodies in one buffer, file ranges to sendfile between them.  conn.c
 * sends a reply; serve.c and endpoint.c build them.  No I/O on the socket.
 */
#ifndef FORKD_REPLY_H
#define FORKD_REPLY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "range.h"
#include "response.h"

#define REPLY_SEGS_MAX RANGE_MAX /* one per part of a multipart body */
#define REPLY_INLINE_MAX 8192    /* file bodies this small are copied in */

/*
 * A response goes out as out[0..len) interleaved with byte ranges of
 * file_fd: for each segment in turn, out[] up to its out_end, then its file
 * bytes; after the last segment, the rest of out[].  A whole file is one
 * segment after the head; multipart/byteranges is a part head in out[] and
 * a range of the file per segment, then the closing boundary.
 */
struct reply_seg {
	uint32_t out_end;
	off_t file_off; /* advanced as the bytes go out */
	off_t file_end;
};

struct reply {
	char *out; /* the head, then (small bodies) the body */
	uint32_t cap;
	uint32_t len;
	uint32_t head_len;
	int status;  /* 0 until a response was built */
	int file_fd; /* -1, or the file the segments come from */
	struct reply_seg seg[REPLY_SEGS_MAX];
	unsigned nseg;
	bool keep_alive;   /* in: the connection may stay open; out: it will */
	bool linger;       /* close through a lingering read, not at once */
	bool probe_inline; /* in: a small body is read inline only when its
			     * bytes are in the page cache (aio) */
	bool no_log;       /* out: access_log = off for its location */
	const struct sockaddr
		*client; /* in: who asks (PROXY / real IP applied) */
};

/*
 * Lay out h as the head of r (keep_alive comes from r, and goes back into
 * h).  Anything laid out before is dropped.  -1 when it does not fit.
 */
int reply_head(struct reply *r, struct response_head *h, bool http10);

/* Append len bytes of body to out[]; -1 when they do not fit. */
int reply_body(struct reply *r, const char *body, size_t len);

/*
 * The body is bytes [off, end) of fd, which r now owns (also on error).
 * A small range is read into out[] at once (fd closed), unless
 * probe_inline finds it cold; a larger one becomes a segment.  -1 when the file could not be read or there is no
 * room left: the response is unusable and the connection must close.
 */
int reply_file(struct reply *r, int fd, off_t off, off_t end);

/*
 * A multipart/byteranges body of the ranges rs of fd (r owns fd): part
 * heads in out[], ranges as segments.  -1 when it does not fit.
 */
int reply_multipart(struct reply *r, int fd, const struct range_set *rs,
		    const char *boundary, const char *type, uint64_t size);

/* Forget the body (and the file) of r: HEAD, or a response gone wrong. */
void reply_drop_body(struct reply *r);

#endif
