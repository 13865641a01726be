/*
 * event.c — a thin layer over epoll.  An event's data word is either an
 * event_source pointer (aligned, so its low bit is 0) or, for event_add_fd,
 * the fd shifted left with the low bit set.
 */
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "event.h"

#define EVENT_BATCH 256

int event_loop_init(struct event_loop *loop)
{
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	loop->on_wake = NULL;
	loop->on_fd = NULL;
	loop->batch = NULL;
	loop->batch_n = loop->batch_i = 0;
	return loop->epfd == -1 ? -1 : 0;
}

void event_loop_close(struct event_loop *loop)
{
	if (loop->epfd != -1)
		close(loop->epfd);
	loop->epfd = -1;
}

static uint32_t to_epoll(unsigned events)
{
	uint32_t ev = 0;

	/* EPOLLEXCLUSIVE admits no EPOLLRDHUP (listeners do not need it). */
	if (events & EV_READ)
		ev |= EPOLLIN | (events & EV_EXCLUSIVE ? 0 : EPOLLRDHUP);
	if (events & EV_WRITE)
		ev |= EPOLLOUT;
	if (events & EV_EDGE)
		ev |= EPOLLET;
	if (events & EV_EXCLUSIVE)
		ev |= EPOLLEXCLUSIVE;
	return ev;
}

static int ctl(struct event_loop *loop, int op, struct event_source *src,
	       unsigned events)
{
	struct epoll_event ev = { .events = to_epoll(events), .data.ptr = src };

	return epoll_ctl(loop->epfd, op, src->fd, &ev);
}

int event_add(struct event_loop *loop, struct event_source *src,
	      unsigned events)
{
	return ctl(loop, EPOLL_CTL_ADD, src, events);
}

int event_add_fd(struct event_loop *loop, int fd, unsigned events)
{
	struct epoll_event ev = {
		.events = to_epoll(events),
		.data.u64 = (uint64_t)(uint32_t)fd << 1 | 1,
	};

	return epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev);
}

int event_mod(struct event_loop *loop, struct event_source *src,
	      unsigned events)
{
	return ctl(loop, EPOLL_CTL_MOD, src, events);
}

int event_del(struct event_loop *loop, struct event_source *src)
{
	struct epoll_event *evs = loop->batch;

	/* A source gone from epoll may be freed before the batch ends. */
	for (int i = loop->batch_i + 1; evs != NULL && i < loop->batch_n; i++)
		if (evs[i].data.ptr == src)
			evs[i].data.ptr = NULL;
	return ctl(loop, EPOLL_CTL_DEL, src, 0);
}

static unsigned from_epoll(uint32_t ev)
{
	unsigned events = 0;

	if (ev & EPOLLIN)
		events |= EV_READ;
	if (ev & EPOLLOUT)
		events |= EV_WRITE;
	if (ev & (EPOLLHUP | EPOLLERR | EPOLLRDHUP))
		events |= EV_HUP;
	return events;
}

int event_run_once(struct event_loop *loop, int timeout_ms)
{
	struct epoll_event evs[EVENT_BATCH];
	int n = epoll_wait(loop->epfd, evs, EVENT_BATCH, timeout_ms);

	if (n == -1)
		return errno == EINTR ? 0 : -1;
	if (loop->on_wake != NULL)
		loop->on_wake();
	loop->batch = evs;
	loop->batch_n = n;
	/* batch_i is stored for event_del, and read back from nowhere. */
	for (int i = 0; i < n; i++) {
		epoll_data_t data = evs[i].data;
		unsigned events = from_epoll(evs[i].events);
		loop->batch_i = i;
		if (data.u64 & 1) {
			loop->on_fd((int)(data.u64 >> 1), events);
		} else if (data.ptr != NULL) {
			struct event_source *src = data.ptr;
			src->handler(src, events);
		}
	}
	loop->batch = NULL;
	return n;
}
