/*
 * handoff.c — the master's acceptor for accept_mode = handoff (see
 * handoff.h).  Load is what a worker has open (its scoreboard) plus what
 * was sent to it and not yet taken off its socket, so a burst is spread
 * before the workers have reported any of it.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "handoff.h"
#include "stats.h"
#include "worker.h"

#define HANDOFF_BATCH 64 /* accepts per readiness event */

/* The listeners' handlers carry no context: the acceptor being watched. */
static struct handoff *acceptor;

/*
 * The ready worker of h->gen with the least to do, other than skip.  Of
 * equals, the first from h->turn on: when every connection is done before
 * the next arrives (all at load 0), the workers take turns.
 */
static struct proc *handoff_pick(const struct handoff *h,
				 const struct proc *skip)
{
	struct proc *best = NULL;
	uint64_t best_load = UINT64_MAX;
	size_t n = h->procs->n;

	for (size_t k = 0; k < n; k++) {
		struct proc *p = &h->procs->v[(h->turn + k) % n];
		if (p == skip || p->gen != h->gen || p->state != PROC_READY ||
		    p->handoff_fd == -1)
			continue;
		const struct stats_worker *w = &stats->w[p->sb];
		uint64_t taken = STATS_GET(w->accepted);
		uint64_t queued = p->handed > taken ? p->handed - taken : 0;
		uint64_t load = STATS_GET(w->active) + queued;
		if (load < best_load) {
			best = p;
			best_load = load;
		}
	}
	return best;
}

static int handoff_send(struct proc *p, int fd, const struct listener *l,
			const struct sockaddr_storage *peer)
{
	struct handoff_msg msg = {
		.server = l->server,
		.group = l->group,
		.peer = *peer,
	};
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &msg, sizeof(msg) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl,
		.msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	memset(ctl, 0, sizeof(ctl));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	if (sendmsg(p->handoff_fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) == -1)
		return -1;
	p->handed++;
	return 0;
}

/* Send fd to p, or if p's socket is full to the next best; else drop it. */
static void handoff_place(struct handoff *h, struct proc *p, int fd,
			  const struct listener *l,
			  const struct sockaddr_storage *peer)
{
	h->turn++;
	if (handoff_send(p, fd, l, peer) == 0)
		return;
	struct proc *q = handoff_pick(h, p);
	if ((q == NULL || handoff_send(q, fd, l, peer) == -1) &&
	    log_ratelimit_allow(&h->complaints, *h->now))
		log_errno(LOG_LVL_ERR, "handing a connection over");
}

/* One batch; false once the queue is empty or no worker can take more. */
static bool handoff_accept(struct handoff *h, struct listener *l)
{
	for (int i = 0; i < HANDOFF_BATCH; i++) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		struct proc *p = handoff_pick(h, NULL);
		if (p == NULL)
			return false;
		int fd = accept4(l->ev.fd, (struct sockaddr *)&peer, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN &&
			    log_ratelimit_allow(&h->complaints, *h->now))
				log_errno(LOG_LVL_ERR, "accept on %s", l->text);
			return false;
		}
		handoff_place(h, p, fd, l, &peer);
		close(fd);
	}
	return true; /* a full batch: there may be more */
}

static void on_handoff_accept(struct event_source *src, unsigned events)
{
	if (acceptor != NULL)
		handoff_accept(acceptor, (struct listener *)src);
}

void handoff_init(struct handoff *h, struct event_loop *loop,
		  const struct proc_table *procs, const uint64_t *now)
{
	*h = (struct handoff){ .loop = loop, .procs = procs, .now = now };
}

void handoff_unwatch(struct handoff *h)
{
	if (h->ls == NULL)
		return;
	for (size_t i = 0; i < h->ls->n; i++)
		event_del(h->loop, &h->ls->v[i].ev);
	h->ls = NULL;
	acceptor = NULL;
}

void handoff_watch(struct handoff *h, struct listener_set *ls, unsigned gen)
{
	h->gen = gen;
	if (handoff_pick(h, NULL) == NULL) {
		handoff_unwatch(h);
		return;
	}
	if (h->ls != NULL)
		return;
	for (size_t i = 0; i < ls->n; i++) {
		ls->v[i].ev.handler = on_handoff_accept;
		if (event_add(h->loop, &ls->v[i].ev, EV_READ) == -1)
			log_errno(LOG_LVL_ERR, "watching %s", ls->v[i].text);
	}
	h->ls = ls;
	acceptor = h;
}

void handoff_flush(struct handoff *h)
{
	if (h->ls == NULL)
		return;
	for (size_t i = 0; i < h->ls->n; i++)
		for (int k = 0;
		     k < HANDOFF_BATCH && handoff_accept(h, &h->ls->v[i]); k++)
			;
	handoff_unwatch(h);
}
