/*
 * iopool.h — a worker's I/O thread pool.  File-system calls that may block
 * (a read of bytes not in the page cache; opens, stats and directory
 * listings on a slow file system) run in a few threads, and their results
 * come back to the event loop through an eventfd the loop watches.
 *
 * Ownership: the loop owns every op it holds (iopool_get until
 * iopool_put); from iopool_submit until its done callback a thread may
 * use the op, and the loop must not touch it.  A thread touches nothing
 * but the op it runs.  The loop takes no lock at all: ops go to the
 * threads and come back through lock-free stacks, so that a thread
 * preempted at a bad moment never holds the loop up.
 *
 * The pool has cap ops; when every one is in use, iopool_get says so and
 * the caller queues an iopool_waiter, called back when an op is free.
 * That is the back-pressure: nothing is dropped, the caller waits.
 *
 * Owners hear back only from iopool_dispatch, which the loop calls between
 * two waits: a callback may close any connection, which event.h's dispatch
 * rule allows only outside a batch of events.
 */
#ifndef FORKD_IOPOOL_H
#define FORKD_IOPOOL_H

#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"
#include "file.h"

#define IOPOOL_CHUNK (128 * 1024) /* bytes one read brings in: FUSE's max */

enum iop_kind {
	IOP_READ, /* pread len bytes of fd at off into buf (off -1: read) */
	IOP_PLAN, /* the entries of plan not yet done: opens, stats, listings */
	IOP_CLOSE, /* close the len fds in buf (file_closes_take); the pool's */
	IOP_CALL,  /* run(op): work of the owner's own, on its own memory */
};

struct iop;
typedef void iop_done_fn(struct iop *op);
typedef void iop_run_fn(struct iop *op);

struct iop {
	/* Set by the owner before iopool_submit. */
	enum iop_kind kind;
	iop_done_fn *done; /* called on the loop, unless cancelled */
	void *owner;
	int fd;          /* READ: the file */
	off_t off;       /* READ */
	size_t len;      /* READ: at most IOPOOL_CHUNK */
	iop_run_fn *run; /* CALL: touches op, buf and owner only */
	/* Results. */
	ssize_t res; /* READ: bytes read, or -1 with err */
	int err;
	/* The op's own memory, kept across uses. */
	char *buf;              /* IOPOOL_CHUNK bytes */
	struct file_plan *plan; /* PLAN */
	/* The pool's. */
	struct iop *next;
	bool held;      /* between iopool_get and iopool_put */
	bool in_flight; /* between iopool_submit and completion */
	bool cancelled; /* atomic: read by threads */
	bool close_fd;  /* cancelled: close fd once done */
};

/* A caller waiting for a free op: ready() runs once one is. */
struct iopool_waiter {
	struct iopool_waiter *next;
	struct iopool_waiter *prev;
	void (*ready)(struct iopool_waiter *wt);
	bool waiting;
};

struct iopool {
	struct event_source ev; /* the eventfd: completions */
	struct event_loop *loop;
	struct iop *incoming; /* atomic stack: submitted, newest first */
	struct iop *done;     /* atomic stack: finished, for the loop */
	sem_t work;           /* one post per op submitted */
	unsigned queued;      /* atomic: submitted, not yet taken */
	/* The threads' own, under their lock. */
	pthread_mutex_t lock;
	struct iop *fifo_head; /* taken from incoming, oldest first */
	/* The loop's alone. */
	struct iop *ops; /* cap of them */
	struct iop *free;
	unsigned cap;
	unsigned nthreads; /* to start on the first submission */
	unsigned started;
	pthread_t *threads;
	unsigned in_flight;
	uint64_t offloaded; /* ops submitted, ever */
	bool woken;         /* the eventfd fired: ops may be done */
	struct iopool_waiter *wait_head;
	struct iopool_waiter *wait_tail;
};

/*
 * A pool of nthreads threads (started on the first submission, so a
 * worker that never meets a cold file has none) and cap ops, whose
 * completions the loop dispatches.  0, or -1 with errno.
 */
int iopool_init(struct iopool *p, struct event_loop *loop, unsigned nthreads,
		unsigned cap);

/* Stop and join the threads (their ops finished), free everything.
 * Ops still held by their owners are freed too. */
void iopool_close(struct iopool *p);

/* A free op, held by the caller; NULL with errno EAGAIN when all cap are
 * in use (wait with iopool_wait), or ENOMEM. */
struct iop *iopool_get(struct iopool *p);

/* Give back a held op that is not in flight (waiters hear of it in
 * iopool_dispatch). */
void iopool_put(struct iopool *p, struct iop *op);

/* Run op in a thread; its done() runs in iopool_dispatch.  0, or -1 when
 * no thread could be started (op is still the caller's). */
int iopool_submit(struct iopool *p, struct iop *op);

/*
 * The owner gives op up, in flight or not: done() will not run.  With
 * close_fd, op->fd is closed once no thread can use it any more (the
 * caller must not close it).  Whatever a plan op opened is closed.
 */
void iopool_cancel(struct iopool *p, struct iop *op, bool close_fd);

/*
 * Between two waits of the loop: call the owners of the ops that finished
 * (done, oldest first; cancelled ones are freed), then the waiters while
 * ops are free.  Cheap when there is nothing to do.
 */
void iopool_dispatch(struct iopool *p);

/* Queue wt until an op is free (FIFO); iopool_unwait takes it out. */
void iopool_wait(struct iopool *p, struct iopool_waiter *wt);
void iopool_unwait(struct iopool *p, struct iopool_waiter *wt);

/* Submitted ops not yet taken by a thread. */
unsigned iopool_queued(const struct iopool *p);

#endif
