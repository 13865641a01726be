/*
 * connbuf.h — the buffers a connection holds while it has bytes to handle:
 * the request head and its parser, the response being laid out and sent,
 * and how much of it went out.  A connection with nothing buffered holds
 * none; they come from, and go back to, a per-process free list.  Each
 * buffer has a number for life (its slot, from 1), so that a connection
 * names the one it holds in 32 bits.
 */
#ifndef FORKD_CONNBUF_H
#define FORKD_CONNBUF_H

#include <stdint.h>
#include <sys/socket.h>

#include "config.h"
#include "iopool.h"
#include "reply.h"
#include "request.h"

#define CONNBUF_OUT_SIZE 16384 /* response head, plus small bodies inline */

struct conn;
struct vhost;

struct conn_buf {
	struct conn_buf *next_free;
	uint32_t slot; /* connbuf_at(slot) is this buffer */
	struct request_parser rp;
	uint32_t in_len;     /* bytes in in[] */
	uint32_t in_done;    /* bytes of in[] the parser consumed */
	uint32_t out_sent;   /* bytes of reply.out[] sent */
	uint64_t file_sent;  /* body bytes sent from reply.file_fd */
	unsigned seg_done;   /* reply segments sent */
	uint64_t started_ms; /* the request's first byte arrived */
	struct reply reply;
	struct sockaddr_storage client; /* the request's client (real IP) */
	const struct vhost *served;     /* the server answering (by Host) */
	struct conn *conn;              /* whose buffer this is */
	struct iop *op;                 /* held from the I/O pool, or NULL */
	uint32_t op_sent;               /* bytes of op->buf sent */
	bool plan_wanted; /* waits for an op to plan its opens with */
	bool no_pool;     /* the pool failed it: block on the loop instead */
	struct iopool_waiter wait; /* queued for a free op */
	char out[CONNBUF_OUT_SIZE];
	char in[]; /* room for the largest head any server takes */
};

/* Every buffer by its slot; [0] is NULL, for "no buffer". */
extern struct conn_buf **connbuf_slots;

static inline struct conn_buf *connbuf_at(uint32_t slot)
{
	return connbuf_slots[slot];
}

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
