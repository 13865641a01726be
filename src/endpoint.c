/*
 * endpoint.c — status and health, answered from the shared scoreboard.
 */
#include <string.h>

#include "cidr.h"
#include "conn.h"
#include "endpoint.h"
#include "response.h"
#include "stats.h"
#include "status.h"

static bool is_path(const char *want, const char *path, size_t plen)
{
	return want != NULL && strlen(want) == plen && memcmp(want, path, plen) == 0;
}

/* Head plus a body already placed after room for the head. */
static void answer(const struct request *req, struct reply *r, int status,
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
	if (hl == 0 || hl + (body_out ? len : 0) > r->cap) {
		serve_error(req, 500, r);
		return;
	}
	/* The body may already sit in r->out (rendered in place): move it. */
	if (body_out)
		memmove(r->out + hl, body, len);
	memcpy(r->out, head, hl);
	r->status = status;
	r->head_len = (uint32_t)hl;
	r->len = (uint32_t)(hl + (body_out ? len : 0));
}

static void serve_health(const struct vhost *vh, const struct request *req,
			 struct reply *r)
{
	bool serving = !vh->w->draining && !STATS_GET(stats->master.lame_duck);

	if (serving)
		answer(req, r, 200, "text/plain", "ok\n", 3);
	else
		answer(req, r, 503, "text/plain", "draining\n", 9);
}

static void serve_status(const struct vhost *vh, const struct request *req,
			 const char *query, size_t qlen, struct reply *r)
{
	int f = status_format_of(query, qlen);
	size_t room = r->cap > 512 ? r->cap - 512 : 0;

	if (f < 0) {
		serve_error(req, 400, r);
		return;
	}
	/* Render where the body will go, leaving room for the head. */
	size_t n = status_render(r->out + 512, room, (enum status_format)f, stats,
				 vh->w->now_ms, (uint64_t)vh->w->now);
	if (n == 0) {
		serve_error(req, 500, r);
		return;
	}
	answer(req, r, 200, status_content_type((enum status_format)f),
	       r->out + 512, n);
}

bool endpoint_serve(const struct vhost *vh, const struct request *req,
		    const char *path, size_t plen, const char *query,
		    size_t qlen, struct reply *r)
{
	const struct server_conf *sc = vh->conf;
	bool status = is_path(sc->status_path, path, plen);

	if (!status && !is_path(sc->health_path, path, plen))
		return false;
	if (r->client == NULL ||
	    !cidr_match(sc->status_allow, sc->nstatus_allow, r->client)) {
		serve_error(req, 403, r);
		return true;
	}
	if (status)
		serve_status(vh, req, query, qlen, r);
	else
		serve_health(vh, req, r);
	return true;
}
