/*
 * conntimer.c — the connections' deadlines.  Each server keeps one list
 * per timeout class (conn.h); every member of a list shares its timeout,
 * so a connection (re)armed goes to the tail and the list stays sorted:
 * expiry pops from the head.  While conn_run steps a connection, its
 * timer is only noted (conn_timer_set, conn_impl.h) and settled here when
 * the connection has to wait.  The pool's soonest is a bound at or before
 * every deadline, so that the worker looks for expired connections only
 * when one can be.  Part of the conn module (conn_impl.h).
 */
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "conn_impl.h"

#define LINGER_MS 2000 /* closing: how long the client may go on */
#define DRAIN_GRACE_MS 1000

/* Take c off its list; vh is its server (conn_vh), passed in since the
 * callers have it. */
static inline void timer_unlink_in(struct conn *c, struct vhost *vh)
{
	struct conn_list *l = &vh->timers[c->timer];

	if (c->prev != -1)
		conn_at(c->prev)->next = c->next;
	else
		l->head = c->next;
	if (c->next != -1)
		conn_at(c->next)->prev = c->prev;
	else
		l->tail = c->prev;
	c->prev = c->next = -1;
	c->timer = TIMER_NONE;
}

void conn_timer_stop(struct conn *c)
{
	c->want = TIMER_NONE;
	if (c->timer != TIMER_NONE)
		timer_unlink_in(c, conn_vh(c));
}

/*
 * Put c under timer want, its deadline counting from the last wake-up.
 * The lists stay sorted by deadline because every member of one shares
 * one timeout and the clock only moves forward: a connection goes to the
 * tail.  One joining an empty list may be the pool's soonest.
 */
void conn_timer_settle(struct conn *c)
{
	struct vhost *vh = conn_vh(c);
	enum conn_timer t = (enum conn_timer)c->want;
	struct conn_list *l = &vh->timers[t];
	int32_t fd = conn_fd(c);
	uint64_t at = vh->view->now_ms + vh->timeout_ms[t];

	c->want = TIMER_NONE;
	c->deadline = (uint32_t)at;
	/* Last on its list already (each request on a lone keep-alive
	 * connection, each send): a later deadline keeps it sorted there. */
	if (l->tail == fd && c->timer == t)
		return;
	if (c->timer != TIMER_NONE)
		timer_unlink_in(c, vh);
	c->timer = (uint8_t)t;
	c->prev = l->tail;
	if (l->tail != -1) {
		conn_at(l->tail)->next = fd;
	} else {
		l->head = fd;
		if (at < conns.pool->soonest)
			conns.pool->soonest = at;
	}
	l->tail = fd;
}

void conn_vhost_init(struct vhost *vh)
{
	const struct server_conf *sc = vh->conf;

	vh->timeout_ms[TIMER_HEADER] = sc->client_header_timeout;
	vh->timeout_ms[TIMER_KEEPALIVE] = sc->keepalive_timeout;
	vh->timeout_ms[TIMER_SEND] = sc->send_timeout;
	vh->timeout_ms[TIMER_LINGER] = LINGER_MS;
	vh->timeout_ms[TIMER_DRAIN] = 0; /* set by conn_drain */
	vh->timeout_ms[TIMER_BODY] = sc->client_body_timeout;
	for (int t = 0; t < TIMER_COUNT_; t++)
		vh->timers[t] = (struct conn_list){ -1, -1 };
}

/* ---- expiry, drain and stop ---- */

void conn_expire(struct vhost *vh, uint64_t now_ms)
{
	for (int t = 0; t < TIMER_COUNT_; t++) {
		struct conn_list *l = &vh->timers[t];
		while (l->head != -1 &&
		       deadline_passed(conn_at(l->head)->deadline, now_ms))
			conn_close(conn_at(l->head));
	}
}

uint64_t conn_next_deadline(const struct vhost *vh)
{
	uint64_t now = vh->view->now_ms;
	uint64_t next = UINT64_MAX;

	for (int t = 0; t < TIMER_COUNT_; t++) {
		if (vh->timers[t].head == -1)
			continue;
		int32_t left = (int32_t)(conn_at(vh->timers[t].head)->deadline -
					 (uint32_t)now);
		uint64_t at = left > 0 ? now + (uint64_t)left : now;
		if (at < next)
			next = at;
	}
	return next;
}

/* Expire, and take the exact soonest again (a connection whose
 * deadline moved later left the bound early, never late). */
void conn_expire_all(struct conn_pool *pool, uint64_t now_ms)
{
	uint64_t soonest = UINT64_MAX;

	for (size_t i = 0; conns.pool == pool && i < pool->cf->nservers; i++) {
		conn_expire(&pool->vhosts[i], now_ms);
		uint64_t at = conn_next_deadline(&pool->vhosts[i]);
		if (at < soonest)
			soonest = at;
	}
	pool->soonest = soonest;
}

/* Nothing of a request came yet (a PROXY header may be on its way). */
static bool conn_sent_nothing(const struct conn *c)
{
	return c->state == CONN_NEW ||
	       (c->state == CONN_PROXY &&
		(c->buf == 0 || conn_buf(c)->in_len == 0));
}

/*
 * Idle connections (and fresh ones that sent nothing yet) get a short grace
 * before they close: a request already on its way is answered, with
 * "Connection: close".
 */
void conn_drain(struct vhost *vh)
{
	int32_t fd, next;

	vh->timeout_ms[TIMER_DRAIN] = DRAIN_GRACE_MS;
	if (vh->conf->keepalive_timeout < DRAIN_GRACE_MS)
		vh->timeout_ms[TIMER_DRAIN] = vh->conf->keepalive_timeout;
	for (fd = vh->timers[TIMER_KEEPALIVE].head; fd != -1; fd = next) {
		next = conn_at(fd)->next;
		conn_timer_set(conn_at(fd), TIMER_DRAIN);
	}
	for (fd = vh->timers[TIMER_HEADER].head; fd != -1; fd = next) {
		next = conn_at(fd)->next;
		if (conn_sent_nothing(conn_at(fd)))
			conn_timer_set(conn_at(fd), TIMER_DRAIN);
	}
}

void conn_close_all(struct vhost *vh)
{
	for (int t = 0; t < TIMER_COUNT_; t++)
		while (vh->timers[t].head != -1)
			conn_close(conn_at(vh->timers[t].head));
}
