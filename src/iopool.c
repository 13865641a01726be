/*
 * iopool.c — the I/O thread pool.  The loop pushes a submitted op on a
 * lock-free stack and posts a semaphore; a thread, woken by the post,
 * moves the stack into the threads' FIFO (under a lock only threads
 * take), runs the oldest op, pushes it on a second lock-free stack and
 * bumps an eventfd; the loop, woken by the eventfd, takes that stack
 * whole and dispatches it, oldest first.
 *
 * A cancelled op still finishes (a thread blocked in a read cannot be
 * recalled); it is the loop that, seeing the mark, frees it instead of
 * calling its owner.  So an op's memory and its fd outlive every thread's
 * use of them, and no owner hears of an op it gave up.
 */
#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "iopool.h"

#define IOPOOL_STACK (256 * 1024)

static void op_run(struct iop *op)
{
	switch (op->kind) {
	case IOP_READ:
		op->res = op->off < 0
				  ? read(op->fd, op->buf, op->len)
				  : pread(op->fd, op->buf, op->len, op->off);
		op->err = op->res == -1 ? errno : 0;
		break;
	case IOP_PLAN:
		file_plan_run(op->plan);
		op->res = 0;
		op->err = 0;
		break;
	case IOP_CLOSE:
		for (size_t i = 0; i < op->len; i++)
			close(((int *)(void *)op->buf)[i]);
		op->res = 0;
		break;
	case IOP_CALL: op->run(op); break;
	}
}

/* Lock-free stacks: pushes from one side, the other takes them whole. */
static void stack_push(struct iop **top, struct iop *op)
{
	struct iop *old = __atomic_load_n(top, __ATOMIC_RELAXED);

	do
		op->next = old;
	while (!__atomic_compare_exchange_n(
		top, &old, op, true, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

/* The whole stack, oldest first. */
static struct iop *stack_take(struct iop **top)
{
	struct iop *op = __atomic_exchange_n(top, NULL, __ATOMIC_ACQUIRE);
	struct iop *fifo = NULL, *next;

	for (; op != NULL; op = next) {
		next = op->next;
		op->next = fifo;
		fifo = op;
	}
	return fifo;
}

/* The next op to run, or NULL when the pool stops (a post with no op). */
static struct iop *queue_take(struct iopool *p)
{
	struct iop *op;

	while (sem_wait(&p->work) == -1)
		; /* EINTR: no signal is unblocked here, but be safe */
	pthread_mutex_lock(&p->lock);
	if (p->fifo_head == NULL)
		p->fifo_head = stack_take(&p->incoming);
	op = p->fifo_head;
	if (op != NULL) {
		p->fifo_head = op->next;
		__atomic_sub_fetch(&p->queued, 1, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&p->lock);
	return op;
}

static void done_push(struct iopool *p, struct iop *op)
{
	uint64_t one = 1;

	stack_push(&p->done, op);
	/* Fails only when the counter would overflow: the loop is awake. */
	(void)!write(p->ev.fd, &one, sizeof(one));
}

static void *thread_main(void *arg)
{
	struct iopool *p = arg;
	struct iop *op;

	while ((op = queue_take(p)) != NULL) {
		if (!__atomic_load_n(&op->cancelled, __ATOMIC_ACQUIRE))
			op_run(op);
		else
			op->res = -1;
		done_push(p, op);
	}
	return NULL;
}

/* Threads take no signal: the worker's signalfd reads them all. */
static int threads_start(struct iopool *p)
{
	pthread_attr_t attr;
	sigset_t all, old;
	int rc = 0;

	if (pthread_attr_init(&attr) != 0)
		return -1;
	pthread_attr_setstacksize(&attr, IOPOOL_STACK);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	while (p->started < p->nthreads && rc == 0) {
		rc = pthread_create(&p->threads[p->started], &attr, thread_main,
				    p);
		if (rc == 0)
			p->started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (p->started > 0)
		return 0;
	errno = rc;
	return -1;
}

/* ---- the loop's side ---- */

static void op_release(struct iopool *p, struct iop *op)
{
	if (op->kind == IOP_PLAN && op->plan != NULL)
		file_plan_clear(op->plan);
	if (op->close_fd && op->fd >= 0)
		close(op->fd);
	op->close_fd = false;
	op->fd = -1;
	iopool_put(p, op);
}

static void op_finish(struct iopool *p, struct iop *op)
{
	op->in_flight = false;
	p->in_flight--;
	if (__atomic_load_n(&op->cancelled, __ATOMIC_RELAXED))
		op_release(p, op);
	else
		op->done(op);
}

/* A close op is the pool's own: back to the free list once done. */
static void close_done(struct iop *op)
{
	iopool_put(op->owner, op);
}

/*
 * Files of slow roots that were closed on the loop (file_close) are closed
 * here, a batch per op, by a thread: a FUSE close waits for the daemon.
 * With no op free they wait for one (file_close closes at once when its
 * queue is full).
 */
static void closes_submit(struct iopool *p)
{
	struct iop *op;

	while (file_closes_pending() > 0 && p->free != NULL &&
	       (op = iopool_get(p)) != NULL) {
		op->len = file_closes_take((int *)(void *)op->buf,
					   IOPOOL_CHUNK / sizeof(int));
		if (op->len == 0) {
			iopool_put(p, op);
			return;
		}
		op->kind = IOP_CLOSE;
		op->owner = p;
		op->done = close_done;
		if (iopool_submit(p, op) == -1) {
			op_run(op); /* no thread: close them here */
			iopool_put(p, op);
		}
	}
}

/* The eventfd's handler only notes the wake-up: owners are called back
 * between two waits (iopool_dispatch), never during a batch (event.h). */
static void on_done(struct event_source *src, unsigned events)
{
	struct iopool *p = (struct iopool *)src;
	uint64_t n;

	(void)!read(p->ev.fd, &n, sizeof(n));
	p->woken = true;
}

void iopool_dispatch(struct iopool *p)
{
	struct iop *op, *next;

	if (p->woken) {
		p->woken = false;
		for (op = stack_take(&p->done); op != NULL; op = next) {
			next = op->next;
			op_finish(p, op);
		}
	}
	/* Each waiter may take a free op; one that does not (its owner
	 * went away meanwhile) is out of the queue all the same. */
	while (p->free != NULL && p->wait_head != NULL) {
		struct iopool_waiter *wt = p->wait_head;
		iopool_unwait(p, wt);
		wt->ready(wt);
	}
	closes_submit(p);
}

int iopool_init(struct iopool *p, struct event_loop *loop, unsigned nthreads,
		unsigned cap)
{
	memset(p, 0, sizeof(*p));
	p->loop = loop;
	p->nthreads = nthreads > 0 ? nthreads : 1;
	p->cap = cap > 0 ? cap : 1;
	p->ops = calloc(p->cap, sizeof(*p->ops));
	p->threads = calloc(p->nthreads, sizeof(*p->threads));
	if (p->ops == NULL || p->threads == NULL)
		goto fail_mem;
	for (unsigned i = p->cap; i-- > 0;) {
		p->ops[i].fd = -1;
		p->ops[i].next = p->free;
		p->free = &p->ops[i];
	}
	p->ev.handler = on_done;
	p->ev.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->ev.fd == -1)
		goto fail_mem;
	if (event_add(loop, &p->ev, EV_READ) == -1)
		goto fail_fd;
	if (sem_init(&p->work, 0, 0) == -1)
		goto fail_loop;
	pthread_mutex_init(&p->lock, NULL);
	return 0;
fail_loop:
	event_del(loop, &p->ev);
fail_fd:
	close(p->ev.fd);
fail_mem:
	free(p->ops);
	free(p->threads);
	if (errno == 0)
		errno = ENOMEM;
	return -1;
}

void iopool_close(struct iopool *p)
{
	for (unsigned i = 0; i < p->started; i++)
		sem_post(&p->work); /* no op behind it: the thread ends */
	for (unsigned i = 0; i < p->started; i++)
		pthread_join(p->threads[i], NULL);
	on_done(&p->ev, EV_READ); /* what finished meanwhile */
	iopool_dispatch(p);
	event_del(p->loop, &p->ev);
	close(p->ev.fd);
	for (unsigned i = 0; i < p->cap; i++) {
		free(p->ops[i].buf);
		free(p->ops[i].plan);
	}
	free(p->ops);
	free(p->threads);
	sem_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
}

struct iop *iopool_get(struct iopool *p)
{
	struct iop *op = p->free;

	if (op == NULL) {
		errno = EAGAIN;
		return NULL;
	}
	/* Page-aligned: direct I/O (FUSE direct_io, O_DIRECT) splits a read
	 * at the first page boundary of a buffer that is not. */
	if (op->buf == NULL &&
	    (op->buf = aligned_alloc(4096, IOPOOL_CHUNK)) == NULL)
		return NULL;
	if (op->plan == NULL &&
	    (op->plan = calloc(1, sizeof(*op->plan))) == NULL)
		return NULL;
	p->free = op->next;
	op->next = NULL;
	op->held = true;
	op->cancelled = false;
	op->close_fd = false;
	op->fd = -1;
	op->owner = NULL;
	op->done = NULL;
	op->run = NULL;
	op->plan->n = op->plan->pending = 0;
	return op;
}

void iopool_put(struct iopool *p, struct iop *op)
{
	assert(op->held && !op->in_flight);
	op->held = false;
	op->owner = NULL;
	op->next = p->free;
	p->free = op;
}

int iopool_submit(struct iopool *p, struct iop *op)
{
	assert(op->held && !op->in_flight);
	if (p->started < p->nthreads && threads_start(p) == -1)
		return -1;
	op->in_flight = true;
	p->in_flight++;
	p->offloaded++;
	__atomic_add_fetch(&p->queued, 1, __ATOMIC_RELAXED);
	stack_push(&p->incoming, op);
	sem_post(&p->work);
	return 0;
}

void iopool_cancel(struct iopool *p, struct iop *op, bool close_fd)
{
	op->close_fd = close_fd;
	if (!op->in_flight) {
		op_release(p, op);
		return;
	}
	__atomic_store_n(&op->cancelled, true, __ATOMIC_RELEASE);
}

void iopool_wait(struct iopool *p, struct iopool_waiter *wt)
{
	if (wt->waiting)
		return;
	wt->waiting = true;
	wt->next = NULL;
	wt->prev = p->wait_tail;
	if (p->wait_tail != NULL)
		p->wait_tail->next = wt;
	else
		p->wait_head = wt;
	p->wait_tail = wt;
}

void iopool_unwait(struct iopool *p, struct iopool_waiter *wt)
{
	if (!wt->waiting)
		return;
	if (wt->prev != NULL)
		wt->prev->next = wt->next;
	else
		p->wait_head = wt->next;
	if (wt->next != NULL)
		wt->next->prev = wt->prev;
	else
		p->wait_tail = wt->prev;
	wt->next = wt->prev = NULL;
	wt->waiting = false;
}

unsigned iopool_queued(const struct iopool *p)
{
	return __atomic_load_n(&p->queued, __ATOMIC_RELAXED);
}
