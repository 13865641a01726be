/*
 * endpoint: the status and health paths of a server, answered through
 * serve_request as a client at a given address would see them — allowed
 * and refused addresses (403), health 200 while serving and 503 once the
 * worker drains or the master stops, the three status formats and an
 * unknown one (400), HEAD, and paths that are not the endpoints; then
 * endpoint_serve's own contract (a status returned for serve to answer,
 * the reply untouched).  Each test maps its own scoreboard, so counters
 * set in one do not leak.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint.h"
#include "fixture.h"
#include "site.h"
#include "stats.h"
#include "suites.h"

static void endpoint_setup(void)
{
	site_create("endpoint",
		    "status_path = \"/status\"\n"
		    "health_path = \"/health\"\n"
		    "status_allow = { \"127.0.0.0/8\", \"::1\" }\n");
	fx_put_text(site.root, "statusfile", "a file\n");
}

static char out[SITE_OUT];
static struct reply r;

static char *ask(const char *target, const char *peer)
{
	char raw[512];

	snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n",
		 target);
	return site_serve(raw, peer, &r, out);
}

static int status_of(const char *wire)
{
	ck_assert_msg(strncmp(wire, "HTTP/1.1 ", 9) == 0, "%s", wire);
	return atoi(wire + 9);
}

static const char *hdr(const char *wire, const char *name)
{
	static char value[512];

	return fx_header(wire, name, value, sizeof(value));
}

START_TEST(test_endpoint_health_ok)
{
	char *wire = ask("/health", "127.0.0.1");

	ck_assert_int_eq(status_of(wire), 200);
	ck_assert_str_eq(hdr(wire, "Content-Type"), "text/plain");
	ck_assert_str_eq(hdr(wire, "Cache-Control"), "no-store");
	ck_assert_str_eq(hdr(wire, "Content-Length"), "3");
	ck_assert_str_eq(fx_body(wire), "ok\n");
	ck_assert(r.keep_alive);
	free(wire);
	wire = ask("/health", "::1");
	ck_assert_int_eq(status_of(wire), 200);
	free(wire);
}
END_TEST

/* Outside status_allow: 403 for both paths, no figures given away. */
START_TEST(test_endpoint_denied)
{
	static const char *const peers[] = { "192.0.2.7", "::2", "10.0.0.1" };
	static const char *const paths[] = { "/health", "/status",
					     "/status?format=stub" };

	for (size_t i = 0; i < sizeof(peers) / sizeof(peers[0]); i++) {
		for (size_t j = 0; j < sizeof(paths) / sizeof(paths[0]); j++) {
			char *wire = ask(paths[j], peers[i]);
			ck_assert_msg(status_of(wire) == 403, "%s from %s: %s",
				      paths[j], peers[i], wire);
			ck_assert_int_eq(r.status, 403);
			ck_assert_ptr_null(strstr(wire, "Active connections"));
			ck_assert_ptr_null(strstr(wire, "ok\n"));
			free(wire);
		}
	}
}
END_TEST

START_TEST(test_endpoint_health_draining)
{
	site_set_draining(true);
	char *wire = ask("/health", "127.0.0.1");
	ck_assert_int_eq(status_of(wire), 503);
	ck_assert_str_eq(fx_body(wire), "draining\n");
	ck_assert_str_eq(hdr(wire, "Cache-Control"), "no-store");
	free(wire);
	/* still allowed checks only: a stranger gets 403, not 503 */
	wire = ask("/health", "192.0.2.7");
	ck_assert_int_eq(status_of(wire), 403);
	free(wire);
}
END_TEST

/* The master stopping (lame duck) turns every worker's health to 503. */
START_TEST(test_endpoint_health_lame_duck)
{
	STATS_SET(stats->master.lame_duck, 1);
	char *wire = ask("/health", "127.0.0.1");
	ck_assert_int_eq(status_of(wire), 503);
	free(wire);
	STATS_SET(stats->master.lame_duck, 0);
	wire = ask("/health", "127.0.0.1");
	ck_assert_int_eq(status_of(wire), 200);
	free(wire);
}
END_TEST

static void board_fill(void)
{
	struct stats_worker *sw = site.sw;

	STATS_SET(sw->state, (uint32_t)STATS_READY);
	STATS_SET(sw->accepted, 5);
	STATS_SET(sw->handled, 3);
	STATS_SET(sw->requests, 42);
	STATS_SET(sw->active, 2);
	STATS_SET(sw->reading, 1);
	STATS_SET(sw->writing, 1);
}

START_TEST(test_endpoint_status_formats)
{
	board_fill();
	char *wire = ask("/status?format=stub", "127.0.0.1");
	ck_assert_int_eq(status_of(wire), 200);
	ck_assert_str_eq(hdr(wire, "Content-Type"), "text/plain");
	ck_assert_str_eq(hdr(wire, "Cache-Control"), "no-store");
	ck_assert_str_eq(fx_body(wire), "Active connections: 2 \n"
					"server accepts handled requests\n"
					" 5 3 42 \n"
					"Reading: 1 Writing: 1 Waiting: 0 \n");
	free(wire);

	wire = ask("/status", "127.0.0.1");
	ck_assert_int_eq(status_of(wire), 200);
	ck_assert_str_eq(hdr(wire, "Content-Type"), "application/json");
	const char *body = fx_body(wire);
	ck_assert_int_eq(body[0], '{');
	ck_assert_uint_eq(strlen(body),
			  strtoul(hdr(wire, "Content-Length"), NULL, 10));
	ck_assert_ptr_nonnull(strstr(body, "42"));
	free(wire);

	wire = ask("/status?format=json", "::1");
	ck_assert_str_eq(hdr(wire, "Content-Type"), "application/json");
	free(wire);

	wire = ask("/status?format=prometheus", "127.0.0.1");
	ck_assert_int_eq(status_of(wire), 200);
	ck_assert_str_eq(hdr(wire, "Content-Type"),
			 "text/plain; version=0.0.4; charset=utf-8");
	ck_assert_ptr_nonnull(strstr(fx_body(wire), "# TYPE "));
	free(wire);
}
END_TEST

START_TEST(test_endpoint_status_bad_format)
{
	char *wire = ask("/status?format=xml", "127.0.0.1");

	ck_assert_int_eq(status_of(wire), 400);
	ck_assert(!r.keep_alive);
	free(wire);
}
END_TEST

START_TEST(test_endpoint_head_and_http10)
{
	char *wire = site_serve("HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n",
				"127.0.0.1", &r, out);
	ck_assert_int_eq(status_of(wire), 200);
	ck_assert_str_eq(hdr(wire, "Content-Length"), "3");
	ck_assert_str_eq(fx_body(wire), "");
	free(wire);

	wire = site_serve("GET /health HTTP/1.0\r\n\r\n", "127.0.0.1", &r, out);
	ck_assert_str_eq(hdr(wire, "Connection"), "close");
	ck_assert_str_eq(fx_body(wire), "ok\n");
	free(wire);
	wire = site_serve(
		"GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
		"127.0.0.1", &r, out);
	ck_assert_str_eq(hdr(wire, "Connection"), "keep-alive");
	free(wire);
}
END_TEST

/* Only the exact paths are endpoints; the rest are files as usual. */
START_TEST(test_endpoint_other_paths)
{
	char *wire = ask("/statusfile", "127.0.0.1");
	ck_assert_int_eq(status_of(wire), 200);
	ck_assert_str_eq(fx_body(wire), "a file\n");
	free(wire);
	wire = ask("/health/", "192.0.2.7");
	ck_assert_int_eq(status_of(wire), 404);
	free(wire);

	/* not configured: /health is an ordinary (missing) file */
	site.sc.health_path = NULL;
	wire = ask("/health", "127.0.0.1");
	ck_assert_int_eq(status_of(wire), 404);
	free(wire);
}
END_TEST

/* endpoint_serve for the client at peer, on a fresh reply. */
static int direct(const char *path, const char *query, const char *peer)
{
	static struct sockaddr_storage client;
	struct request req = { .method = METHOD_GET,
			       .http_major = 1,
			       .http_minor = 1 };

	site_peer(peer, &client);
	fx_reply_init(&r, out, sizeof(out));
	r.client = (const struct sockaddr *)&client;
	return endpoint_serve(&site.vh, &req, path, strlen(path), query,
			      strlen(query), &r);
}

/*
 * The handler's own contract: it answers what is its own, and returns
 * the status of anything else for its caller to answer, r untouched.
 */
START_TEST(test_endpoint_returns_status)
{
	ck_assert_int_eq(direct("/x", "", "127.0.0.1"), ENDPOINT_DECLINED);
	ck_assert_int_eq(r.status, 0);
	ck_assert_uint_eq(r.len, 0);

	ck_assert_int_eq(direct("/health", "", "192.0.2.7"), 403);
	ck_assert_int_eq(direct("/status", "", "192.0.2.7"), 403);
	ck_assert_int_eq(r.status, 0);
	ck_assert_uint_eq(r.len, 0);
	r.client = NULL;
	struct request req = { .method = METHOD_GET,
			       .http_major = 1,
			       .http_minor = 1 };
	ck_assert_int_eq(
		endpoint_serve(&site.vh, &req, "/health", 7, "", 0, &r), 403);

	ck_assert_int_eq(direct("/status", "?format=xml", "127.0.0.1"), 400);
	ck_assert_uint_eq(r.len, 0);

	ck_assert_int_eq(direct("/health", "", "::1"), ENDPOINT_DONE);
	ck_assert_int_eq(r.status, 200);
	char *wire = fx_reply_wire(&r, NULL);
	ck_assert_str_eq(fx_body(wire), "ok\n");
	free(wire);
	ck_assert_int_eq(direct("/status", "?format=stub", "127.0.0.1"),
			 ENDPOINT_DONE);
	ck_assert_int_eq(r.status, 200);
}
END_TEST

Suite *endpoint_suite(void)
{
	Suite *s = suite_create("endpoint");
	TCase *tc = tcase_create("paths");

	tcase_add_unchecked_fixture(tc, endpoint_setup, site_remove);
	tcase_add_checked_fixture(tc, site_stats, NULL);
	tcase_add_test(tc, test_endpoint_health_ok);
	tcase_add_test(tc, test_endpoint_denied);
	tcase_add_test(tc, test_endpoint_health_draining);
	tcase_add_test(tc, test_endpoint_health_lame_duck);
	tcase_add_test(tc, test_endpoint_status_formats);
	tcase_add_test(tc, test_endpoint_status_bad_format);
	tcase_add_test(tc, test_endpoint_head_and_http10);
	tcase_add_test(tc, test_endpoint_other_paths);
	tcase_add_test(tc, test_endpoint_returns_status);
	suite_add_tcase(s, tc);
	return s;
}
