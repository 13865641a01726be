/*
 * reply.c — lay out heads, inline bodies and file segments in a reply.
 */
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "reply.h"
#include "resident.h"

int reply_head(struct reply *r, struct response_head *h, bool http10)
{
	reply_drop_body(r);
	h->keep_alive = r->keep_alive;
	h->http10 = http10;
	r->status = h->status;
	r->head_len = (uint32_t)response_format_head(r->out, r->cap, h);
	r->len = r->head_len;
	return r->head_len == 0 ? -1 : 0;
}

int reply_body(struct reply *r, const char *body, size_t len)
{
	if (len > r->cap - r->len)
		return -1;
	memcpy(r->out + r->len, body, len);
	r->len += (uint32_t)len;
	return 0;
}

static int reply_take_fd(struct reply *r, int fd)
{
	if (r->file_fd != -1 && r->file_fd != fd)
		file_close(r->file_fd);
	r->file_fd = fd;
	return 0;
}

static int reply_seg_add(struct reply *r, off_t off, off_t end)
{
	if (r->nseg >= REPLY_SEGS_MAX)
		return -1;
	r->seg[r->nseg++] = (struct reply_seg){ r->len, off, end };
	return 0;
}

int reply_file(struct reply *r, int fd, off_t off, off_t end)
{
	size_t len = (size_t)(end - off);

	if (r->nseg == 0 && len <= REPLY_INLINE_MAX && len <= r->cap - r->len) {
		/* Small: one write carries head and body.  With aio, what is
		 * not cached goes as a segment (the pool reads it). */
		ssize_t n = r->probe_inline
				    ? resident_pread(fd, r->out + r->len, len,
						     off)
				    : pread(fd, r->out + r->len, len, off);
		if (n == (ssize_t)len) {
			file_close(fd);
			r->len += (uint32_t)len;
			return 0;
		}
		if (!r->probe_inline) {
			file_close(fd);
			return -1; /* it changed under us */
		}
		if (n > 0) {
			r->len += (uint32_t)n;
			off += n;
		}
	}
	reply_take_fd(r, fd);
	return reply_seg_add(r, off, end);
}

int reply_multipart(struct reply *r, int fd, const struct range_set *rs,
		    const char *boundary, const char *type, uint64_t size)
{
	reply_take_fd(r, fd);
	for (unsigned k = 0; k < rs->n; k++) {
		size_t n = range_part_head(r->out + r->len, r->cap - r->len,
					   boundary, type, &rs->r[k], size);
		if (n == 0)
			return -1;
		r->len += (uint32_t)n;
		if (reply_seg_add(r, (off_t)rs->r[k].start,
				  (off_t)rs->r[k].end) == -1)
			return -1;
	}
	size_t n = range_multipart_tail(r->out + r->len, r->cap - r->len,
					boundary);
	if (n == 0)
		return -1;
	r->len += (uint32_t)n;
	return 0;
}

void reply_drop_body(struct reply *r)
{
	if (r->file_fd != -1)
		file_close(r->file_fd);
	r->file_fd = -1;
	r->nseg = 0;
	r->len = r->head_len;
}
