/*
 * connbuf.c — connection buffers and their free list.  A buffer is a few
 * tens of KB and is reused as is: only the counters and the reply are
 * reset, never the bytes.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connbuf.h"
#include "file.h"

/* Where struct reply's segments end. */
#define SEGS_END \
	(offsetof(struct reply, seg) + sizeof(((struct reply *)NULL)->seg))

/* Room for a request head: client_header_buffer_size of any server. */
static uint32_t in_cap;
static struct conn_buf *free_bufs;
static struct conn_buf *no_slots[1];
static uint32_t nslots = 1, slots_cap = 1; /* slot 0: none */
struct conn_buf **connbuf_slots = no_slots;

void connbuf_setup(const struct config *cf)
{
	if (in_cap != 0)
		return;
	for (size_t i = 0; i < cf->nservers; i++)
		if (cf->servers[i].client_header_buffer_size > in_cap)
			in_cap = cf->servers[i].client_header_buffer_size;
}

static void reply_reset(struct conn_buf *b, uint64_t now_ms)
{
	b->out_sent = 0;
	b->file_sent = 0;
	b->seg_done = 0;
	b->started_ms = now_ms;
	b->served = NULL;
	/* All but the segments, whose entries count only below nseg (each is
	 * written before it is counted): a whole struct's zeroing cost more
	 * than the rest of getting a buffer. */
	memset(&b->reply, 0, offsetof(struct reply, seg));
	memset((char *)&b->reply + SEGS_END, 0, sizeof(b->reply) - SEGS_END);
	b->reply.out = b->out;
	b->reply.cap = sizeof(b->out);
	b->reply.file_fd = -1;
}

/* Room for one more slot in the table. */
static int slots_grow(void)
{
	uint32_t cap = slots_cap * 2;
	struct conn_buf **v;

	if (cap <= slots_cap)
		return -1;
	v = connbuf_slots == no_slots
		    ? malloc(cap * sizeof(*v))
		    : realloc(connbuf_slots, cap * sizeof(*v));
	if (v == NULL)
		return -1;
	if (connbuf_slots == no_slots)
		v[0] = NULL;
	connbuf_slots = v;
	slots_cap = cap;
	return 0;
}

/* A new buffer with a slot of its own, or NULL.  Out of line: the free
 * list has one almost always. */
__attribute__((noinline)) static struct conn_buf *buf_new(void)
{
	struct conn_buf *b;

	if (nslots == slots_cap && slots_grow() == -1)
		return NULL;
	if ((b = malloc(sizeof(*b) + in_cap)) == NULL)
		return NULL;
	b->slot = nslots++;
	connbuf_slots[b->slot] = b;
	return b;
}

struct conn_buf *connbuf_get(uint64_t now_ms)
{
	struct conn_buf *b = free_bufs;

	if (__builtin_expect(b == NULL, 0) && (b = buf_new()) == NULL)
		return NULL;
	if (b == free_bufs)
		free_bufs = b->next_free;
	b->in_len = b->in_done = 0;
	b->conn = NULL;
	b->op = NULL;
	b->op_sent = 0;
	b->plan_wanted = b->no_pool = false;
	b->wait.waiting = false; /* the rest is set by iopool_wait */
	reply_reset(b, now_ms);
	return b;
}

void connbuf_put(struct conn_buf *b)
{
	if (b->reply.file_fd != -1)
		file_close(b->reply.file_fd);
	b->next_free = free_bufs;
	free_bufs = b;
}

uint32_t connbuf_next_request(struct conn_buf *b, uint64_t now_ms)
{
	uint32_t left = b->in_len - b->in_done;

	memmove(b->in, b->in + b->in_done, left);
	b->in_len = left;
	b->in_done = 0;
	if (b->reply.file_fd != -1)
		file_close(b->reply.file_fd);
	reply_reset(b, now_ms);
	request_next(&b->rp, b->in);
	return left;
}
