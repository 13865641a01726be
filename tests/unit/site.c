/*
 * site.c — a loaded config and a vhost for the suites that answer
 * requests (see site.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "event.h"
#include "fixture.h"
#include "mime.h"
#include "response.h"
#include "serve.h"
#include "site.h"
#include "stats.h"

struct site site;

static void site_config(const char *server_lines)
{
	char text[PATH_MAX * 3 + 4096], path[PATH_MAX * 2], err[CONFIG_ERR_MAX];

	snprintf(text, sizeof(text),
		 "worker_processes = 1\n"
		 "pid_file = \"%s/forkd.pid\"\n"
		 "user = \"\"\n"
		 "server {\n"
		 "  listen = { \"127.0.0.1:8080\" }\n"
		 "  root = \"%s\"\n"
		 "%s\n"
		 "}\n",
		 site.dir, site.root, server_lines);
	fx_put_text(site.dir, "forkd.conf", text);
	snprintf(path, sizeof(path), "%s/forkd.conf", site.dir);
	site.cf = config_load(path, err, sizeof(err));
	ck_assert_msg(site.cf != NULL, "config: %s", err);
}

/* The vhost and pool as worker.c's setup_vhosts leaves them (no access
 * log; the loop and the scoreboard come with site_worker_start). */
static void site_vhost(void)
{
	struct vhost *vh = &site.vh;

	site.sc = site.cf->servers[0];
	vh->conf = &site.sc;
	vh->view = &site.view;
	vh->pool = &site.pool;
	vh->rootfd = open(site.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ne(vh->rootfd, -1);
	conn_vhost_init(vh);
	site.pool = (struct conn_pool){
		.loop = &site.loop,
		.cf = site.cf,
		.vhosts = vh,
	};
}

void site_create(const char *name, const char *server_lines)
{
	memset(&site, 0, sizeof(site));
	fx_dir_create(site.dir, name);
	snprintf(site.root, sizeof(site.root), "%s/root", site.dir);
	fx_mkdir(site.dir, "root");
	site_config(server_lines);
	mime_use(site.cf->mime);
	site.view.now = 1700000000;
	site.view.now_ms = 1000000;
	response_clock(site.view.now);
	site_vhost();
}

void site_remove(void)
{
	if (site.vh.rootfd > 0)
		close(site.vh.rootfd);
	config_free(site.cf);
	fx_dir_remove(site.dir);
	memset(&site, 0, sizeof(site));
}

void site_stats(void)
{
	ck_assert_int_eq(stats_init(), 0);
	int slot = stats_slot_take(getpid(), 1, 0);
	ck_assert_int_ne(slot, -1);
	site.pool.sw = site.sw = &stats->w[slot];
}

void site_worker_start(void)
{
	site_stats();
	ck_assert_int_eq(event_loop_init(&site.loop), 0);
}

int site_pump(void)
{
	int total = 0;

	for (int i = 0; i < 256; i++) {
		int n = event_run_once(&site.loop, 0);
		ck_assert_int_ne(n, -1);
		if (n == 0)
			break;
		total += n;
	}
	return total;
}

unsigned site_nconns(void)
{
	return site.pool.nconns;
}

/* As the worker does: through the pool's soonest deadline. */
void site_expire(void)
{
	conn_expire_due(&site.pool, site.view.now_ms);
}

void site_advance(uint64_t ms)
{
	site.view.now_ms += ms;
	site.view.now = 1700000000 +
			(time_t)((site.view.now_ms - 1000000) / 1000);
	response_clock(site.view.now);
}

void site_set_draining(bool draining)
{
	site.view.draining = draining;
}

void site_peer(const char *peer, struct sockaddr_storage *ss)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, peer, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(40000);
		return;
	}
	ck_assert_int_eq(inet_pton(AF_INET6, peer, &v6->sin6_addr), 1);
	v6->sin6_family = AF_INET6;
	v6->sin6_port = htons(40000);
}

char *site_serve(const char *raw, const char *peer, struct reply *r, char *buf)
{
	static struct sockaddr_storage client;
	static struct request_parser rp;
	static char in[8192];
	size_t len = strlen(raw), used = 0;

	ck_assert_uint_lt(len, sizeof(in));
	memcpy(in, raw, len);
	request_parser_init(&rp, in, 1 << 20);
	ck_assert_int_eq(request_parse(&rp, in, len, &used), REQUEST_DONE);
	site_peer(peer, &client);
	fx_reply_init(r, buf, SITE_OUT);
	r->keep_alive = rp.req.keep_alive;
	r->client = (const struct sockaddr *)&client;
	serve_request(&site.vh, in, &rp.req, r);
	return fx_reply_wire(r, NULL);
}
