/*
 * site.h — one server section as a worker runs it, without a master, a
 * listener or an event loop of its own: a temporary directory holding
 * forkd.conf and the document root, the loaded config, and a vhost whose
 * worker clock the test moves.  The serve, endpoint and conn suites build
 * on it; like tests/fuzz/fuzz_conn.c, it fills in what worker.c would.
 *
 * The MIME types are the config's, installed as a worker installs them.
 *
 * site_create() runs in Check's runner process (an unchecked fixture), so
 * every test's process starts from the same state and may change it
 * freely (site.sc is the vhost's own copy of the server section).
 */
#ifndef FORKD_TEST_SITE_H
#define FORKD_TEST_SITE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "conn.h"
#include "event.h"
#include "reply.h"
#include "request.h"
#include "vhost.h"

struct site {
	char dir[PATH_MAX]; /* forkd.conf, root/ */
	char root[PATH_MAX + 8];
	struct config *cf;
	struct server_conf sc;   /* what vh.conf points to */
	struct worker_view view; /* the clock and drain flag vh sees */
	struct event_loop loop;
	struct conn_pool pool;
	struct vhost vh;
	struct stats_worker *sw; /* the scoreboard slot (site_stats) */
};

extern struct site site;

/*
 * Make the directory and root/, write a config whose one server section
 * has server_lines added (may be ""), load it, set up the vhost.  Files go
 * into the root with fx_put*(site.root, ...).
 */
void site_create(const char *name, const char *server_lines);
void site_remove(void);

/* The scoreboard the status endpoint reads (shared memory). */
void site_stats(void);

/*
 * For connections: the scoreboard and an event loop of this process's
 * own (a checked fixture: the runner's process must not share them).
 */
void site_worker_start(void);
/* Run the event loop until nothing is ready (bounded); events handled. */
int site_pump(void);
/* The worker's open connections. */
unsigned site_nconns(void);
/* conn_expire at the worker's current time. */
void site_expire(void);

/* Move the worker's clocks forward (Date, timers). */
void site_advance(uint64_t ms);
void site_set_draining(bool draining);

/* peer ("127.0.0.1", "::1", ...) as a socket address, port 40000. */
void site_peer(const char *peer, struct sockaddr_storage *ss);

/*
 * Parse raw (one whole request) and answer it with serve_request, as
 * conn.c would for a client at peer ("127.0.0.1", "::1", ...); returns the
 * wire bytes (free them) and leaves the reply in *r (over buf, its own
 * buffer of SITE_OUT bytes).
 */
#define SITE_OUT 16384
char *site_serve(const char *raw, const char *peer, struct reply *r, char *buf);

#endif
