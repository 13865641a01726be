/*
 * connaio.c — the connection's side of the worker's I/O pool (iopool.h).
 *
 * WRITING steps aside to AIO while the pool makes a call that may block
 * for it: the opens of a response (a plan, file.h), or a read of file
 * bytes that are not in the page cache (which then go out from the op's
 * buffer instead of by sendfile).  An AIO connection takes no step; the
 * op's completion, or a free op, brings it back through conn_enter and
 * conn_run.  What a connection holds of the pool lives in its buffer
 * (op, op_sent, wait, plan_wanted), not in struct conn; conn_drop_op
 * gives it up when the buffer goes.  Part of the conn module
 * (conn_impl.h): no other module calls in here.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "config.h"
#include "conn_impl.h"
#include "file.h"
#include "iopool.h"
#include "log.h"
#include "resident.h"
#include "serve.h"

static struct iopool *conn_io(const struct conn *c)
{
	return conn_buf(c)->no_pool ? NULL : conns.pool->io;
}

/* The plan every response is first built with, unless aio is off. */
static struct file_plan *scratch_plan(void)
{
	static struct file_plan *plan;

	if (plan == NULL)
		plan = calloc(1, sizeof(*plan));
	return plan;
}

/* The pass met opens that may block: throw its response away, keep
 * what the next pass needs of the inputs. */
__attribute__((noinline)) static void conn_pass_undo(struct conn_buf *b,
						     bool keep_alive,
						     bool linger)
{
	reply_drop_body(&b->reply);
	b->reply.status = 0;
	b->reply.len = b->reply.head_len = 0;
	b->reply.keep_alive = keep_alive;
	b->reply.linger = linger;
}

/*
 * One pass at building the response with plan in use (NULL: none).
 * false when the pass met opens that may block: the response is thrown
 * away (the plan has them), the inputs of the next pass kept.  Inlined:
 * every response makes one pass.
 */
static inline bool conn_serve_pass(struct conn *c, struct file_plan *plan)
{
	struct conn_buf *b = conn_buf(c);
	bool keep_alive = b->reply.keep_alive, linger = b->reply.linger;

	file_plan_use(plan);
	serve_request(b->served, b->in, &b->rp.req, &b->reply);
	file_plan_use(NULL);
	if (plan == NULL || plan->pending == 0)
		return true;
	conn_pass_undo(b, keep_alive, linger);
	return false;
}

/* The pool cannot help (no thread would start): the loop does it all. */
static enum step conn_pool_failed(struct conn *c)
{
	static struct log_ratelimit complaints;

	if (log_ratelimit_allow(&complaints, conn_vh(c)->view->now_ms))
		log_errno(LOG_LVL_ERR, "I/O pool: serving on the event loop");
	conn_buf(c)->no_pool = true;
	conn_enter(c, CONN_WRITING);
	return STEP_AGAIN;
}

/* Wait, in AIO, for a free op; conn_op_ready follows. */
static void conn_op_ready(struct iopool_waiter *wt);

static enum step conn_op_wait(struct conn *c)
{
	conn_buf(c)->wait.ready = conn_op_ready;
	iopool_wait(conns.pool->io, &conn_buf(c)->wait);
	conn_enter(c, CONN_AIO);
	return STEP_WAIT;
}

static void conn_op_done(struct iop *op);

/* A held op, set up to call conn_op_done for c. */
static void conn_op_init(struct conn *c, struct iop *op, enum iop_kind kind)
{
	conn_buf(c)->op = op;
	conn_buf(c)->op_sent = 0;
	op->kind = kind;
	op->owner = c;
	op->done = conn_op_done;
}

/* Give back the op, done with.  Last: a waiter may run at once. */
static void conn_op_put(struct conn *c)
{
	struct iop *op = conn_buf(c)->op;

	conn_buf(c)->op = NULL;
	conn_buf(c)->op_sent = 0;
	iopool_put(conns.pool->io, op);
}

/* Another pass with the op's plan: built, or its new opens submitted. */
static enum step conn_plan_pass(struct conn *c)
{
	struct iop *op = conn_buf(c)->op;

	if (conn_serve_pass(c, op->plan)) {
		file_plan_clear(op->plan);
		conn_enter(c, CONN_WRITING);
		conn_op_put(c);
		return STEP_AGAIN;
	}
	if (iopool_submit(conns.pool->io, op) == -1) {
		file_plan_clear(op->plan);
		conn_op_put(c);
		conn_pool_failed(c);
		conn_serve_pass(c, NULL);
		return STEP_AGAIN;
	}
	conn_enter(c, CONN_AIO);
	return STEP_WAIT;
}

/* The first pass met opens that may block: plan them with an op. */
static enum step conn_plan_start(struct conn *c)
{
	struct iop *op = iopool_get(conns.pool->io);

	if (op == NULL && errno == EAGAIN) {
		conn_buf(c)->plan_wanted = true;
		return conn_op_wait(c);
	}
	if (op == NULL) {
		conn_pool_failed(c);
		conn_serve_pass(c, NULL);
		return STEP_AGAIN;
	}
	conn_op_init(c, op, IOP_PLAN);
	op->plan->mode = (enum file_plan_mode)conn_buf(c)->served->plan_mode;
	return conn_plan_pass(c);
}

/* Build the response: at once, or through plans the pool runs. */
enum step conn_serve(struct conn *c)
{
	struct conn_buf *b = conn_buf(c);
	struct file_plan *plan = scratch_plan();

	if (b->served->plan_mode < 0 || conn_io(c) == NULL || plan == NULL) {
		conn_serve_pass(c, NULL);
		return STEP_AGAIN;
	}
	plan->mode = (enum file_plan_mode)b->served->plan_mode;
	if (conn_serve_pass(c, plan))
		return STEP_AGAIN;
	file_plan_clear(plan);
	return conn_plan_start(c);
}

static void conn_op_done(struct iop *op)
{
	struct conn *c = op->owner;

	conn_enter(c, CONN_WRITING);
	if (op->kind == IOP_PLAN && conn_plan_pass(c) == STEP_WAIT)
		return;
	conn_run(c);
}

static void conn_op_ready(struct iopool_waiter *wt)
{
	struct conn_buf *b = (struct conn_buf *)((char *)wt -
						 offsetof(struct conn_buf,
							  wait));
	struct conn *c = b->conn;

	conn_enter(c, CONN_WRITING);
	if (b->plan_wanted) {
		b->plan_wanted = false;
		if (conn_plan_start(c) == STEP_WAIT)
			return;
	}
	conn_run(c);
}

/* May the loop send these file bytes itself, without waiting on I/O? */
bool conn_file_warm(struct conn *c, off_t off, size_t len)
{
	if (conn_io(c) == NULL)
		return true;
	if (conns.pool->cf->aio == AIO_ON)
		return false;
	return resident_range(conn_buf(c)->reply.file_fd, off, len);
}

/* Have a thread read the segment's next chunk into an op's buffer. */
static enum step conn_read_start(struct conn *c, const struct reply_seg *seg)
{
	struct iopool *io = conns.pool->io;
	struct iop *op = iopool_get(io);
	off_t left = seg->file_end - seg->file_off;

	if (op == NULL)
		return errno == EAGAIN ? conn_op_wait(c) : conn_pool_failed(c);
	conn_op_init(c, op, IOP_READ);
	op->fd = conn_buf(c)->reply.file_fd;
	op->off = seg->file_off;
	op->len = left < IOPOOL_CHUNK ? (size_t)left : IOPOOL_CHUNK;
	if (iopool_submit(io, op) == -1) {
		conn_op_put(c);
		return conn_pool_failed(c);
	}
	conn_enter(c, CONN_AIO);
	return STEP_WAIT;
}

/*
 * File bytes through the pool: read them (conn_read_start), then send
 * them from the op's buffer.  A failed or empty read means the file
 * changed under us: like a short sendfile, the response cannot end well.
 */
enum step conn_write_pooled(struct conn *c, struct reply_seg *seg)
{
	struct conn_buf *b = conn_buf(c);
	struct iop *op = b->op;

	if (op == NULL)
		return conn_read_start(c, seg);
	if (op->res <= 0) {
		conn_close(c);
		return STEP_CLOSED;
	}
	ssize_t n = send(conn_fd(c), op->buf + b->op_sent,
			 (size_t)op->res - b->op_sent, MSG_NOSIGNAL);
	if (n == -1 && errno == EAGAIN) {
		c->can_write = false;
		return STEP_WAIT;
	}
	if (n == -1 && errno == EINTR)
		return STEP_AGAIN;
	if (n <= 0) {
		conn_close(c);
		return STEP_CLOSED;
	}
	b->op_sent += (uint32_t)n;
	seg->file_off += n;
	b->file_sent += (uint64_t)n;
	conn_timer_set(c, TIMER_SEND);
	if (b->op_sent == (uint32_t)op->res)
		conn_op_put(c);
	return STEP_AGAIN;
}

/*
 * Give back, or give up, what b holds of the I/O pool.  A read in flight
 * takes the file with it (the thread may be reading it: the pool closes
 * it once the thread is done); whatever a plan opened is closed.
 */
void conn_drop_op(struct conn *c)
{
	struct iopool *io = conns.pool->io;
	struct conn_buf *b = conn_buf(c);
	struct iop *op = b->op;

	if (io == NULL)
		return;
	iopool_unwait(io, &b->wait);
	if (op == NULL)
		return;
	b->op = NULL;
	if (op->in_flight && op->kind == IOP_READ) {
		iopool_cancel(io, op, true);
		b->reply.file_fd = -1;
	} else {
		iopool_cancel(io, op, false);
	}
}
