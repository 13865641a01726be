/*
 * connbuf.h — the buffers a connection holds while it has bytes to handle:
 * the request head and its parser, the response being laid out and sent,
 * and how much of it went out.  A connection with nothing buffered holds
 * none; they come from, and go back to, a per-process free list.
 */
#ifndef FORKD_CONNBUF_H
#define FORKD_CONNBUF_H

#include <stdint.h>
#include <sys/socket.h>

#include "config.h"
#include "reply.h"
#include "request.h"

#define CONNBUF_OUT_SIZE 16384 /* response head, plus small bodies inline */

struct vhost;

struct conn_buf {
	struct conn_buf *next_free;
	struct request_parser rp;
	uint32_t in_len;    /* bytes in in[] */
	uint32_t in_done;   /* bytes of in[] the parser consumed */
	uint32_t out_sent;  /* bytes of reply.out[] sent */
	uint64_t file_sent; /* body bytes sent from reply.file_fd */
	unsigned seg_done;  /* reply segments sent */
	uint64_t started_ms; /* the request's first byte arrived */
	struct reply reply;
	struct sockaddr_storage client; /* the request's client (real IP) */
	const struct vhost *served; /* the server answering (by Host) */
	char out[CONNBUF_OUT_SIZE];
	char in[];          /* room for the largest head any server takes */
};

/* Size the request room for cf's servers.  The first call decides: every
 * buffer of a process has one size. */
void connbuf_setup(const struct config *cf);

/* An empty buffer whose request starts at now_ms, or NULL (no memory). */
struct conn_buf *connbuf_get(uint64_t now_ms);

/* Back to the free list; closes the reply's file. */
void connbuf_put(struct conn_buf *b);

/*
 * After a response went out on a connection that stays open: keep the
 * pipelined bytes (moved to the front), drop the reply and its file, get
 * the parser ready.  Returns the bytes kept.
 */
uint32_t connbuf_next_request(struct conn_buf *b, uint64_t now_ms);

#endif
