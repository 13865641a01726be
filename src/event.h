/*
 * event.h — the event loop: the only module that includes <sys/epoll.h>.
 *
 * Every registered fd carries a struct event_source, usually embedded first
 * in the owner's struct; when the fd is ready its handler is called with
 * the EV_* bits that fired.  Connections, which are many and small, are
 * registered by their fd alone (event_add_fd): their events all go to the
 * loop's on_fd, which finds its state by the fd.
 */
#ifndef FORKD_EVENT_H
#define FORKD_EVENT_H

#include <stdint.h>

enum {
	EV_READ = 1u << 0,
	EV_WRITE = 1u << 1,
	EV_HUP = 1u << 2,       /* peer hung up or error */
	EV_EDGE = 1u << 3,      /* registration flag: edge-triggered */
	EV_EXCLUSIVE = 1u << 4, /* registration flag: EPOLLEXCLUSIVE */
};

struct event_source;
typedef void event_handler_fn(struct event_source *src, unsigned events);

struct event_source {
	event_handler_fn *handler;
	int fd;
};

struct event_loop {
	int epfd;
	/* The batch being dispatched, for event_del() to forget entries of */
	void *batch;
	int batch_n, batch_i;
	void (*on_wake)(void); /* called after waiting, before dispatching */
	void (*on_fd)(int fd, unsigned events); /* for event_add_fd's fds */
};

int event_loop_init(struct event_loop *loop);
void event_loop_close(struct event_loop *loop);
int event_add(struct event_loop *loop, struct event_source *src,
	      unsigned events);
/* Register fd with no event_source: its events go to loop->on_fd. */
int event_add_fd(struct event_loop *loop, int fd, unsigned events);
int event_mod(struct event_loop *loop, struct event_source *src,
	      unsigned events);
int event_del(struct event_loop *loop, struct event_source *src);
/*
 * Wait at most timeout_ms (-1: forever) and dispatch what fired.  Returns
 * the number of events handled, 0 on timeout or EINTR, -1 on error.
 *
 * The dispatch rule.  One wait returns a batch of events, each carrying
 * the event_source pointer it was registered with, and the batch is
 * dispatched in order (an fd added with event_add_fd counts as a source
 * here, its state as the struct).  So, while a batch is dispatched, a
 * source may be closed, freed or reused only by its own handler (its event
 * in this batch is then the one being handled, and no later event can
 * point at it), or after event_del(), which forgets the source's later
 * events in the batch.  A
 * handler that closed another source (a connection whose deadline passed,
 * say) could leave a later event of the batch pointing at freed memory or
 * at a reused struct with another fd.  The owners keep the rule by doing
 * all clock-driven closing, and the closing of listeners on a signal,
 * between waits (worker.c's timers_run).  A handler may take a struct
 * that an earlier handler of the batch freed (accept reusing a closed
 * connection's): that one's event was handled already.
 */
int event_run_once(struct event_loop *loop, int timeout_ms);

#endif
