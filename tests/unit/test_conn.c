/*
 * conn: the connection state machine driven over a socketpair, with the
 * worker's event loop run by hand and its clock moved by the test (as
 * tests/fuzz/fuzz_conn.c does).  A request split byte by byte, pipelined
 * requests answered in order, the header, keep-alive, send and drain
 * timeouts, the keep-alive decision (HTTP/1.0 and 1.1, Connection,
 * keepalive_requests, draining), and a large file through a small socket
 * buffer that completes as the client reads.
 *
 * conn.c makes no TCP-only calls (no setsockopt on the accepted socket;
 * shutdown and sendfile work on AF_UNIX), so a socketpair stands in for an
 * accepted TCP connection.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "fixture.h"
#include "site.h"
#include "stats.h"
#include "suites.h"

#define BIG_SIZE (1024 * 1024)
#define HEADER_MS 2000
#define KEEPALIVE_MS 3000
#define SEND_MS 2000

static void conn_setup(void)
{
	site_create("conn", "keepalive_timeout = 3\n"
			    "client_header_timeout = 2\n"
			    "send_timeout = 2\n");
	fx_put_text(site.root, "a.txt", "AAAA\n");
	fx_put_text(site.root, "b.txt", "BBBBBB\n");
	fx_put_pattern(site.root, "big.bin", BIG_SIZE);
}

/* The client's end and what it has received. */
static struct client {
	int fd;
	char *got;
	size_t len, cap;
	bool eof;
} cl;

/* A connection accepted from 127.0.0.1; sndbuf > 0 sets the server's. */
static void cl_open(int sndbuf)
{
	struct sockaddr_storage peer;
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX,
				    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
				    0, sv),
			 0);
	if (sndbuf > 0)
		ck_assert_int_eq(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF,
					    &sndbuf, sizeof(sndbuf)),
				 0);
	site_peer("127.0.0.1", &peer);
	memset(&cl, 0, sizeof(cl));
	cl.fd = sv[1];
	ck_assert_int_eq(conn_accept(&site.vh, sv[0], &peer), 0);
}

/* Read what is there now (no loop run); returns the bytes read. */
static size_t cl_read_now(void)
{
	size_t before = cl.len;

	for (;;) {
		if (cl.cap - cl.len < 65536) {
			cl.cap = cl.cap * 2 + 65536;
			cl.got = realloc(cl.got, cl.cap + 1);
			ck_assert_ptr_nonnull(cl.got);
		}
		ssize_t n = read(cl.fd, cl.got + cl.len, cl.cap - cl.len);
		if (n > 0) {
			cl.len += (size_t)n;
			continue;
		}
		if (n == 0)
			cl.eof = true;
		else
			ck_assert_int_eq(errno, EAGAIN);
		break;
	}
	if (cl.got != NULL)
		cl.got[cl.len] = '\0';
	return cl.len - before;
}

/* Run the server and read until neither moves. */
static void cl_settle(void)
{
	for (int i = 0; i < 1000; i++)
		if (site_pump() == 0 && cl_read_now() == 0)
			return;
	ck_abort_msg("the exchange did not settle");
}

static void cl_send(const char *s, size_t len)
{
	ck_assert_int_eq(send(cl.fd, s, len, MSG_NOSIGNAL), (ssize_t)len);
}

static void cl_send_str(const char *s)
{
	cl_send(s, strlen(s));
	cl_settle();
}

static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void cl_close(void)
{
	close(cl.fd);
	site_pump();
	free(cl.got);
	memset(&cl, 0, sizeof(cl));
}

#define GET_A "GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n"
#define GET_B "GET /b.txt HTTP/1.1\r\nHost: x\r\n\r\n"
#define GET_BIG "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"

/* Nothing is answered before the last byte of the head; then all of it. */
START_TEST(test_conn_byte_by_byte)
{
	const char *req = GET_A;
	size_t len = strlen(req);

	cl_open(0);
	for (size_t i = 0; i + 1 < len; i++) {
		cl_send(req + i, 1);
		cl_settle();
		ck_assert_msg(cl.len == 0, "answered after %zu bytes", i + 1);
	}
	ck_assert_uint_eq(STATS_GET(site.sw->reading), 1);
	cl_send(req + len - 1, 1);
	cl_settle();
	ck_assert_uint_eq(count(cl.got, "HTTP/1.1 200 OK\r\n"), 1);
	ck_assert_str_eq(fx_body(cl.got), "AAAA\n");
	ck_assert(!cl.eof);
	ck_assert_uint_eq(site_nconns(), 1);
	ck_assert_uint_eq(STATS_GET(site.sw->requests), 1);
	cl_close();
	ck_assert_uint_eq(site_nconns(), 0);
}
END_TEST

/* Requests in one write are answered in order, each once. */
START_TEST(test_conn_pipelined)
{
	cl_open(0);
	cl_send_str(GET_A GET_B
		    "HEAD /a.txt HTTP/1.1\r\nHost: x\r\n\r\n" GET_B);
	ck_assert_uint_eq(count(cl.got, "HTTP/1.1 200 OK\r\n"), 4);
	const char *a = strstr(cl.got, "AAAA\n");
	const char *b = strstr(cl.got, "BBBBBB\n");
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert(a < b);
	ck_assert_uint_eq(count(cl.got, "AAAA\n"), 1); /* HEAD: no body */
	ck_assert_uint_eq(count(cl.got, "BBBBBB\n"), 2);
	ck_assert_uint_eq(STATS_GET(site.sw->requests), 4);

	/* a request cut in two, its first half behind a whole one */
	size_t half = strlen(GET_B) / 2;
	char raw[256];
	snprintf(raw, sizeof(raw), "%s%.*s", GET_A, (int)half, GET_B);
	size_t before = cl.len;
	cl_send_str(raw);
	ck_assert_uint_eq(count(cl.got + before, "HTTP/1.1 200"), 1);
	ck_assert_ptr_null(strstr(cl.got + before, "BBBBBB"));
	cl_send_str(GET_B + half);
	ck_assert_ptr_nonnull(strstr(cl.got + before, "BBBBBB\n"));
	ck_assert(!cl.eof);
	cl_close();
}
END_TEST

/* A client that sends nothing, or half a head, is closed on time. */
START_TEST(test_conn_header_timeout)
{
	cl_open(0);
	site_advance(HEADER_MS - 1);
	site_expire();
	ck_assert_uint_eq(site_nconns(), 1);
	site_advance(1);
	site_expire();
	ck_assert_uint_eq(site_nconns(), 0);
	cl_read_now();
	ck_assert(cl.eof);
	ck_assert_uint_eq(cl.len, 0);
	ck_assert_uint_eq(STATS_GET(site.sw->reading), 0);
	cl_close();

	/* each byte does not buy more time: the whole head has the limit */
	cl_open(0);
	cl_send_str("GET /a.txt HT");
	site_advance(HEADER_MS / 2);
	cl_send_str("TP/1.1\r\n");
	site_advance(HEADER_MS / 2);
	site_expire();
	ck_assert_uint_eq(site_nconns(), 0);
	cl_close();
}
END_TEST

START_TEST(test_conn_keepalive_timeout)
{
	cl_open(0);
	cl_send_str(GET_A);
	ck_assert_uint_eq(STATS_GET(site.sw->idle), 1);
	site_advance(KEEPALIVE_MS - 1);
	site_expire();
	ck_assert_uint_eq(site_nconns(), 1);
	/* a request in time restarts the wait */
	cl_send_str(GET_B);
	ck_assert_ptr_nonnull(strstr(cl.got, "BBBBBB\n"));
	site_advance(KEEPALIVE_MS - 1);
	site_expire();
	ck_assert_uint_eq(site_nconns(), 1);
	site_advance(1);
	site_expire();
	ck_assert_uint_eq(site_nconns(), 0);
	ck_assert_uint_eq(STATS_GET(site.sw->idle), 0);
	ck_assert_uint_eq(STATS_GET(site.sw->handled), 1);
	cl_read_now();
	ck_assert(cl.eof);
	cl_close();
}
END_TEST

/* conn_next_deadline looks only: the earliest timer, whichever class. */
START_TEST(test_conn_next_deadline)
{
	uint64_t t0 = site.view.now_ms;

	ck_assert_uint_eq(conn_next_deadline(&site.vh), UINT64_MAX);
	cl_open(0);
	ck_assert_uint_eq(conn_next_deadline(&site.vh), t0 + HEADER_MS);
	site_advance(500);
	cl_send_str(GET_A);
	ck_assert_uint_eq(conn_next_deadline(&site.vh),
			  t0 + 500 + KEEPALIVE_MS);
	site_advance(KEEPALIVE_MS + 500);
	ck_assert_uint_eq(site_nconns(), 1); /* looking closed nothing */
	site_expire();
	ck_assert_uint_eq(conn_next_deadline(&site.vh), UINT64_MAX);
	cl_close();
}
END_TEST

/*
 * The pool's soonest deadline may be early (a deadline that moved later
 * leaves it behind), never late: a connection joining an empty timer
 * list while an older one went stale is still closed on time.
 */
START_TEST(test_conn_soonest_never_late)
{
	uint64_t t0 = site.view.now_ms;
	struct client first;

	cl_open(0);
	ck_assert_uint_eq(site.pool.soonest, t0 + HEADER_MS);
	site_advance(500);
	cl_send_str(GET_A); /* now idle: the bound is early */
	ck_assert_uint_le(site.pool.soonest, t0 + 500 + KEEPALIVE_MS);
	first = cl;
	cl_open(0); /* a second one, alone under the header timer */
	ck_assert_uint_le(site.pool.soonest, t0 + 500 + HEADER_MS);
	site_advance(HEADER_MS - 1);
	site_expire();
	ck_assert_uint_eq(site_nconns(), 2);
	site_advance(1);
	site_expire(); /* the second's head is late; the first is idle */
	ck_assert_uint_eq(site_nconns(), 1);
	ck_assert_uint_eq(site.pool.soonest, t0 + 500 + KEEPALIVE_MS);
	cl_close();
	cl = first;
	site_advance(KEEPALIVE_MS - HEADER_MS - 1);
	site_expire();
	ck_assert_uint_eq(site_nconns(), 1);
	site_advance(1);
	site_expire();
	ck_assert_uint_eq(site_nconns(), 0);
	ck_assert_uint_eq(site.pool.soonest, UINT64_MAX);
	cl_close();
}
END_TEST

/* The response head's Connection line, or "" when there is none. */
static const char *connection_of(const char *wire)
{
	static char v[64];

	return fx_header(wire, "Connection", v, sizeof(v)) != NULL ? v : "";
}

/*
 * raw answered on a fresh connection: the Connection header and whether
 * the connection stays (true) or the server ends it.
 */
static bool kept_after(const char *raw, const char *want_header)
{
	cl_open(0);
	cl_send_str(raw);
	ck_assert_msg(strncmp(cl.got, "HTTP/1.1 200", 12) == 0, "%s", cl.got);
	ck_assert_str_eq(connection_of(cl.got), want_header);
	bool kept = !cl.eof;
	if (kept)
		ck_assert_uint_eq(site_nconns(), 1);
	cl_close();
	ck_assert_uint_eq(site_nconns(), 0);
	return kept;
}

START_TEST(test_conn_keepalive_decision)
{
	ck_assert(kept_after(GET_A, ""));
	ck_assert(!kept_after("GET /a.txt HTTP/1.1\r\nHost: x\r\n"
			      "Connection: close\r\n\r\n",
			      "close"));
	ck_assert(!kept_after("GET /a.txt HTTP/1.0\r\n\r\n", "close"));
	ck_assert(kept_after("GET /a.txt HTTP/1.0\r\n"
			     "Connection: keep-alive\r\n\r\n",
			     "keep-alive"));
	/* the server says no: keep-alive off */
	site.sc.keepalive_timeout = 0;
	ck_assert(!kept_after(GET_A, "close"));
}
END_TEST

/* keepalive_requests: the last one allowed says close, then the end. */
START_TEST(test_conn_keepalive_requests)
{
	site.sc.keepalive_requests = 2;
	cl_open(0);
	cl_send_str(GET_A);
	ck_assert_str_eq(connection_of(cl.got), "");
	size_t before = cl.len;
	cl_send_str(GET_B GET_A);
	ck_assert_str_eq(connection_of(cl.got + before), "close");
	ck_assert_uint_eq(count(cl.got, "HTTP/1.1 200"), 2); /* not the 3rd */
	ck_assert(cl.eof);
	cl_close();
	ck_assert_uint_eq(site_nconns(), 0);
}
END_TEST

/* Draining: the next answer closes; an idle connection goes after a grace. */
START_TEST(test_conn_drain)
{
	cl_open(0);
	cl_send_str(GET_A);
	site_set_draining(true);
	conn_drain(&site.vh);
	size_t before = cl.len;
	cl_send_str(GET_B);
	ck_assert_str_eq(fx_body(cl.got + before), "BBBBBB\n");
	ck_assert_str_eq(connection_of(cl.got + before), "close");
	ck_assert(cl.eof);
	cl_close();

	/* idle when the drain begins: closed after the grace, unanswered */
	site_set_draining(false);
	cl_open(0);
	cl_send_str(GET_A);
	site_set_draining(true);
	conn_drain(&site.vh);
	site_advance(999);
	site_expire();
	ck_assert_uint_eq(site_nconns(), 1);
	site_advance(1);
	site_expire();
	ck_assert_uint_eq(site_nconns(), 0);
	cl_close();
}
END_TEST

/*
 * A large file through a small socket buffer: the server sends what fits,
 * waits, and goes on as the client reads, until the response is whole.
 */
START_TEST(test_conn_backpressure)
{
	cl_open(4096);
	cl_send(GET_BIG, strlen(GET_BIG));
	site_pump();
	cl_read_now();
	ck_assert_uint_gt(cl.len, 0);
	ck_assert_uint_lt(cl.len, BIG_SIZE / 4); /* it had to wait */
	ck_assert_uint_eq(STATS_GET(site.sw->writing), 1);
	unsigned rounds = 0;
	const char *body = NULL;
	while ((body = fx_body(cl.got)) == NULL ||
	       cl.len - (size_t)(body - cl.got) < BIG_SIZE) {
		ck_assert_uint_lt(++rounds, 100000);
		site_pump();
		ck_assert_msg(cl_read_now() > 0 || site_pump() > 0,
			      "stalled at %zu bytes", cl.len);
	}
	ck_assert_uint_gt(rounds, 10);
	size_t off = (size_t)(body - cl.got);
	ck_assert_uint_eq(cl.len - off, BIG_SIZE);
	for (size_t i = 0; i < BIG_SIZE; i++)
		if (body[i] != fx_pattern_byte(i))
			ck_abort_msg("byte %zu differs", i);
	/* done: idle again, ready for the next request */
	site_pump();
	ck_assert_uint_eq(cl_read_now(), 0);
	ck_assert_uint_eq(STATS_GET(site.sw->writing), 0);
	ck_assert_uint_eq(STATS_GET(site.sw->idle), 1);
	ck_assert_uint_eq(STATS_GET(site.sw->bytes_sent), cl.len);
	size_t before = cl.len;
	cl_send_str(GET_A);
	ck_assert_str_eq(fx_body(cl.got + before), "AAAA\n");
	cl_close();
}
END_TEST

/* A client that stops reading is closed once send_timeout passes. */
START_TEST(test_conn_send_timeout)
{
	cl_open(4096);
	cl_send(GET_BIG, strlen(GET_BIG));
	site_pump();
	site_advance(SEND_MS - 1);
	site_expire();
	ck_assert_uint_eq(site_nconns(), 1);
	/* reading some lets the server write, which restarts the timer */
	cl_read_now();
	site_pump();
	site_advance(SEND_MS - 1);
	site_expire();
	ck_assert_uint_eq(site_nconns(), 1);
	site_advance(1);
	site_expire();
	ck_assert_uint_eq(site_nconns(), 0);
	ck_assert_uint_eq(STATS_GET(site.sw->writing), 0);
	cl_settle();
	ck_assert(cl.eof);
	ck_assert_uint_lt(cl.len, BIG_SIZE);
	cl_close();
}
END_TEST

Suite *conn_suite(void)
{
	Suite *s = suite_create("conn");
	TCase *tc = tcase_create("socketpair");

	tcase_add_unchecked_fixture(tc, conn_setup, site_remove);
	tcase_add_checked_fixture(tc, site_worker_start, NULL);
	tcase_add_test(tc, test_conn_byte_by_byte);
	tcase_add_test(tc, test_conn_pipelined);
	tcase_add_test(tc, test_conn_header_timeout);
	tcase_add_test(tc, test_conn_keepalive_timeout);
	tcase_add_test(tc, test_conn_next_deadline);
	tcase_add_test(tc, test_conn_soonest_never_late);
	tcase_add_test(tc, test_conn_keepalive_decision);
	tcase_add_test(tc, test_conn_keepalive_requests);
	tcase_add_test(tc, test_conn_drain);
	tcase_add_test(tc, test_conn_backpressure);
	tcase_add_test(tc, test_conn_send_timeout);
	suite_add_tcase(s, tc);
	return s;
}
