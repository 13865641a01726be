/*
 * connbuf.c — connection buffers and their free list.  A buffer is a few
 * tens of KB and is reused as is: only the counters and the reply are
 * reset, never the bytes.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connbuf.h"

/* Room for a request head: client_header_buffer_size of any server. */
static uint32_t in_cap;
static struct conn_buf *free_bufs;

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
	b->reply = (struct reply){
		.out = b->out,
		.cap = sizeof(b->out),
		.file_fd = -1,
	};
}

struct conn_buf *connbuf_get(uint64_t now_ms)
{
	struct conn_buf *b = free_bufs;

	if (b != NULL)
		free_bufs = b->next_free;
	else if ((b = malloc(sizeof(*b) + in_cap)) == NULL)
		return NULL;
	b->in_len = b->in_done = 0;
	reply_reset(b, now_ms);
	return b;
}

void connbuf_put(struct conn_buf *b)
{
	if (b->reply.file_fd != -1)
		close(b->reply.file_fd);
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
		close(b->reply.file_fd);
	reply_reset(b, now_ms);
	request_next(&b->rp, b->in);
	return left;
}
