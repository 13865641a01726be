/*
 * endpoint.c — status and health, answered from the shared scoreboard and
 * the worker's read-only view (clock, drain flag).
 */
#include <string.h>

#include "cidr.h"
#include "config.h"
#include "endpoint.h"
#include "response.h"
#include "stats.h"
#include "status.h"
#include "vhost.h"

static bool is_path(const char *want, const char *path, size_t plen)
{
	return want != NULL && strlen(want) == plen &&
	       memcmp(want, path, plen) == 0;
}

/* Head plus a body already placed after room for the head; 500 when
 * they do not fit. */
static int answer(const struct request *req, struct reply *r, int status,
		  const char *type, const char *body, size_t len)
{
	struct response_head h = {
		.status = status,
		.content_type = type,
		.content_length = (long long)len,
		.no_store = true,
	};
	char head[512];

	h.keep_alive = r->keep_alive;
	h.http10 = req->http_minor == 0;
	size_t hl = response_format_head(head, sizeof(head), &h);
	bool body_out = req->method != METHOD_HEAD;
	if (hl == 0 || hl + (body_out ? len : 0) > r->cap)
		return 500;
	/* The body may already sit in r->out (rendered in place): move it. */
	if (body_out)
		memmove(r->out + hl, body, len);
	memcpy(r->out, head, hl);
	r->status = status;
	r->head_len = (uint32_t)hl;
	r->len = (uint32_t)(hl + (body_out ? len : 0));
	return ENDPOINT_DONE;
}

static int endpoint_health(const struct worker_view *view,
			   const struct request *req, struct reply *r)
{
	bool serving = !view->draining && !STATS_GET(stats->master.lame_duck);

	if (serving)
		return answer(req, r, 200, "text/plain", "ok\n", 3);
	return answer(req, r, 503, "text/plain", "draining\n", 9);
}

static int endpoint_status(const struct worker_view *view,
			   const struct request *req, const char *query,
			   size_t qlen, struct reply *r)
{
	int f = status_format_of(query, qlen);
	size_t room = r->cap > 512 ? r->cap - 512 : 0;

	if (f < 0)
		return 400;
	/* Render where the body will go, leaving room for the head. */
	size_t n = status_render(r->out + 512, room, (enum status_format)f,
				 stats, view->now_ms, (uint64_t)view->now);
	if (n == 0)
		return 500;
	return answer(req, r, 200, status_content_type((enum status_format)f),
		      r->out + 512, n);
}

/* endpoint_serve for a server that has a status or health path. */
__attribute__((noinline)) static int endpoint_match(
	const struct vhost *vh, const struct request *req, const char *path,
	size_t plen, const char *query, size_t qlen, struct reply *r)
{
	const struct server_conf *sc = vh->conf;
	bool status = is_path(sc->status_path, path, plen);

	if (!status && !is_path(sc->health_path, path, plen))
		return ENDPOINT_DECLINED;
	/* A load balancer's health checks need no right to read the status. */
	const struct cidr *allow = sc->status_allow;
	size_t nallow = sc->nstatus_allow;
	if (!status && sc->nhealth_allow > 0) {
		allow = sc->health_allow;
		nallow = sc->nhealth_allow;
	}
	if (r->client == NULL || !cidr_match(allow, nallow, r->client))
		return 403;
	if (status)
		return endpoint_status(vh->view, req, query, qlen, r);
	return endpoint_health(vh->view, req, r);
}

int endpoint_serve(const struct vhost *vh, const struct request *req,
		   const char *path, size_t plen, const char *query,
		   size_t qlen, struct reply *r)
{
	const struct server_conf *sc = vh->conf;

	/* Most servers have neither: no frame set up to find that out. */
	if (sc->status_path == NULL && sc->health_path == NULL)
		return ENDPOINT_DECLINED;
	return endpoint_match(vh, req, path, plen, query, qlen, r);
}
