/*
 * listen: listen_open over loopback addresses (port 0, or a port found
 * free a moment before), in both accept modes; a second set taking over
 * the sockets of the first where address and slot match; listen_retire
 * and listen_abandon closing exactly what they own; the FORKD_LISTEN_FDS
 * round trip of a binary upgrade; and the message when someone else holds
 * the port.  Every test runs in its own process, so a socket it leaks
 * dies with it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "confval.h"
#include "listen.h"
#include "fixture.h"
#include "suites.h"

#define GROUPS_MAX 4

/* A config with only what listen.c reads: mode, workers, groups. */
struct lconf {
	struct config cf;
	struct listen_group groups[GROUPS_MAX];
	unsigned servers[GROUPS_MAX];
	char text[GROUPS_MAX][64];
};

static void lconf_init(struct lconf *lc, enum accept_mode mode,
		       unsigned workers)
{
	memset(lc, 0, sizeof(*lc));
	lc->cf.accept_mode = mode;
	lc->cf.worker_processes = workers;
	lc->cf.groups = lc->groups;
}

/* text as in a config file; port 0, which a config refuses, is let in. */
static void lconf_add(struct lconf *lc, const char *text)
{
	size_t g = lc->cf.ngroups++, len = strlen(text);
	struct listen_group *grp = &lc->groups[g];
	bool port0 = len > 2 && strcmp(text + len - 2, ":0") == 0;
	char err[128], parsed[64];

	ck_assert_uint_lt(g, GROUPS_MAX);
	snprintf(lc->text[g], sizeof(lc->text[g]), "%s", text);
	snprintf(parsed, sizeof(parsed), "%.*s%s", (int)len - port0, text,
		 port0 ? "1" : "");
	ck_assert_msg(confval_parse_listen(parsed, &grp->addr, &grp->addrlen,
					   err, sizeof(err)) == 0,
		      "%s", err);
	if (port0 && grp->addr.ss_family == AF_INET)
		((struct sockaddr_in *)&grp->addr)->sin_port = 0;
	else if (port0)
		((struct sockaddr_in6 *)&grp->addr)->sin6_port = 0;
	grp->text = lc->text[g];
	lc->servers[g] = 10 + (unsigned)g;
	grp->servers = &lc->servers[g];
	grp->nservers = 1;
}

/* A TCP port on 127.0.0.1 that nobody held a moment ago. */
static unsigned free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

static void addr_on(char *out, size_t len, unsigned port)
{
	snprintf(out, len, "127.0.0.1:%u", port);
}

static unsigned fd_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

static int sockopt(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	ck_assert_int_eq(getsockopt(fd, level, name, &v, &len), 0);
	return v;
}

/* A connection accepted on lfd carries forkd's options (listen.c). */
static void check_accepted_options(int lfd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&ss, &len), 0);
	int c = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(connect(c, (struct sockaddr *)&ss, len), 0);
	int a = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	ck_assert_int_ne(a, -1);
	ck_assert_int_eq(sockopt(a, IPPROTO_TCP, TCP_NODELAY), 1);
	int lowat = sockopt(a, IPPROTO_TCP, TCP_NOTSENT_LOWAT);
	ck_assert_int_gt(lowat, 0);
	ck_assert_int_le(lowat, 64 << 10);
	close(a);
	close(c);
}

static bool ipv6_loopback(void)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
				     .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok = fd != -1 &&
		  bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == 0;

	if (fd != -1)
		close(fd);
	return ok;
}

/* A socket that can be connected to answers on addr. */
static void check_connects(int lfd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&ss, &len), 0);
	int c = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ne(c, -1);
	ck_assert_int_eq(connect(c, (struct sockaddr *)&ss, len), 0);
	close(c);
}

START_TEST(test_listen_shared_port0)
{
	struct listener_set set;
	struct lconf lc;
	char err[256] = "";
	bool v6 = ipv6_loopback();

	lconf_init(&lc, ACCEPT_SHARED, 4);
	lconf_add(&lc, "127.0.0.1:0");
	if (v6)
		lconf_add(&lc, "[::1]:0");
	ck_assert_int_eq(listen_open(&set, &lc.cf, NULL, err, sizeof(err)), 0);
	/* shared: one socket per address, whatever the worker count */
	ck_assert_uint_eq(set.n, lc.cf.ngroups);
	for (size_t i = 0; i < set.n; i++) {
		const struct listener *l = &set.v[i];
		ck_assert_uint_eq(l->slot, 0);
		ck_assert_uint_eq(l->group, i);
		ck_assert_uint_eq(l->server, 10 + i);
		ck_assert_str_eq(l->text, lc.text[i]);
		ck_assert(!l->reused);
		ck_assert_int_eq(sockopt(l->ev.fd, SOL_SOCKET, SO_ACCEPTCONN),
				 1);
		ck_assert_int_eq(sockopt(l->ev.fd, SOL_SOCKET, SO_REUSEPORT),
				 0);
		ck_assert(fcntl(l->ev.fd, F_GETFL) & O_NONBLOCK);
		ck_assert(fcntl(l->ev.fd, F_GETFD) & FD_CLOEXEC);
		ck_assert_uint_ne(fd_port(l->ev.fd), 0);
		check_connects(l->ev.fd);
	}
	if (v6)
		ck_assert_int_eq(
			sockopt(set.v[1].ev.fd, IPPROTO_IPV6, IPV6_V6ONLY), 1);
	listen_close(&set);
	ck_assert_ptr_null(set.v);
	ck_assert_uint_eq(set.n, 0);
}
END_TEST

/*
 * What a connection inherits from its listening socket: no Nagle delay,
 * and a small bound on unsent bytes (large files, doc/DESIGN.md).
 */
START_TEST(test_listen_accepted_options)
{
	struct listener_set set;
	struct lconf lc;
	char err[256] = "";

	lconf_init(&lc, ACCEPT_SHARED, 1);
	lconf_add(&lc, "127.0.0.1:0");
	ck_assert_int_eq(listen_open(&set, &lc.cf, NULL, err, sizeof(err)), 0);
	check_accepted_options(set.v[0].ev.fd);
	listen_close(&set);
}
END_TEST

/* reuseport: one socket per worker slot, all on the same port. */
START_TEST(test_listen_reuseport_slots)
{
	struct listener_set set;
	struct lconf lc;
	char err[256] = "", text[64];
	unsigned port = free_port();

	lconf_init(&lc, ACCEPT_REUSEPORT, 3);
	addr_on(text, sizeof(text), port);
	lconf_add(&lc, text);
	ck_assert_msg(listen_open(&set, &lc.cf, NULL, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_uint_eq(set.n, 3);
	for (unsigned i = 0; i < 3; i++) {
		ck_assert_uint_eq(set.v[i].slot, i);
		ck_assert_uint_eq(set.v[i].group, 0);
		ck_assert_uint_eq(fd_port(set.v[i].ev.fd), port);
		ck_assert_int_eq(
			sockopt(set.v[i].ev.fd, SOL_SOCKET, SO_REUSEPORT), 1);
		for (unsigned j = 0; j < i; j++)
			ck_assert_int_ne(set.v[i].ev.fd, set.v[j].ev.fd);
	}
	check_connects(set.v[0].ev.fd);
	ck_assert_int_eq(listen_steer(&set, 2), 0);
	listen_close(&set);
}
END_TEST

/*
 * A reload from 2 to 3 workers keeps slots 0 and 1 (same fd, reused) and
 * opens slot 2; retiring the old set closes nothing.  Back to 1 worker:
 * only the sockets of slots 1 and 2 close.
 */
START_TEST(test_listen_reuse_and_retire)
{
	struct listener_set a, b, c;
	struct lconf lc;
	char err[256] = "", text[64];

	addr_on(text, sizeof(text), free_port());
	lconf_init(&lc, ACCEPT_REUSEPORT, 2);
	lconf_add(&lc, text);
	ck_assert_int_eq(listen_open(&a, &lc.cf, NULL, err, sizeof(err)), 0);
	lc.cf.worker_processes = 3;
	ck_assert_msg(listen_open(&b, &lc.cf, &a, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_uint_eq(b.n, 3);
	for (unsigned i = 0; i < 2; i++) {
		ck_assert_int_eq(b.v[i].ev.fd, a.v[i].ev.fd);
		ck_assert(b.v[i].reused);
	}
	ck_assert(!b.v[2].reused);
	int fds[3] = { b.v[0].ev.fd, b.v[1].ev.fd, b.v[2].ev.fd };
	listen_retire(&a, &b);
	ck_assert_ptr_null(a.v);
	for (unsigned i = 0; i < 3; i++)
		ck_assert(fd_open(fds[i]));

	lc.cf.worker_processes = 1;
	ck_assert_int_eq(listen_open(&c, &lc.cf, &b, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.n, 1);
	ck_assert_int_eq(c.v[0].ev.fd, fds[0]);
	listen_retire(&b, &c);
	ck_assert(fd_open(fds[0]));
	ck_assert(!fd_open(fds[1]));
	ck_assert(!fd_open(fds[2]));
	check_connects(c.v[0].ev.fd);
	listen_close(&c);
	ck_assert(!fd_open(fds[0]));
}
END_TEST

/* What the kernel made of TCP_DEFER_ACCEPT on fd, in ms. */
static unsigned defer_ms(int fd)
{
	return (unsigned)sockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT) * 1000;
}

/*
 * defer_accept lands on every socket of a set, reused ones too (a reload
 * that changes it), rounded up to whole seconds; 0 turns it off.
 */
START_TEST(test_listen_defer)
{
	struct listener_set a;
	struct lconf lc;
	char err[256] = "", text[64];

	addr_on(text, sizeof(text), free_port());
	lconf_init(&lc, ACCEPT_REUSEPORT, 2);
	lconf_add(&lc, text);
	ck_assert_int_eq(listen_open(&a, &lc.cf, NULL, err, sizeof(err)), 0);
	for (size_t i = 0; i < a.n; i++)
		ck_assert_uint_eq(defer_ms(a.v[i].ev.fd), 0);
	ck_assert_int_eq(listen_defer(&a, 1000), 0);
	for (size_t i = 0; i < a.n; i++)
		ck_assert_uint_eq(defer_ms(a.v[i].ev.fd), 1000);
	/* 500 ms is a whole second; 2 s is the kernel's 3 (1 + 2). */
	ck_assert_int_eq(listen_defer(&a, 500), 0);
	ck_assert_uint_eq(defer_ms(a.v[1].ev.fd), 1000);
	ck_assert_int_eq(listen_defer(&a, 2000), 0);
	ck_assert_uint_eq(defer_ms(a.v[0].ev.fd), 3000);
	ck_assert_int_eq(listen_defer(&a, 0), 0);
	for (size_t i = 0; i < a.n; i++)
		ck_assert_uint_eq(defer_ms(a.v[i].ev.fd), 0);
	check_connects(a.v[0].ev.fd);
	listen_close(&a);
}
END_TEST

/*
 * listen_seal: a connection whose handshake was done before it still
 * reaches accept() with its bytes, a new one gets no answer to its SYN
 * (so it is refused, not reset, once the socket closes), and nothing is
 * held back any longer.
 */
START_TEST(test_listen_seal)
{
	struct listener_set a;
	struct lconf lc;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char err[256] = "", text[64], buf[8];

	addr_on(text, sizeof(text), free_port());
	lconf_init(&lc, ACCEPT_SHARED, 1);
	lconf_add(&lc, text);
	ck_assert_int_eq(listen_open(&a, &lc.cf, NULL, err, sizeof(err)), 0);
	int lfd = a.v[0].ev.fd;
	ck_assert_int_eq(listen_defer(&a, 1000), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&ss, &len), 0);
	int early = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(connect(early, (struct sockaddr *)&ss, len), 0);

	ck_assert_int_eq(listen_seal(&a), 0);
	ck_assert_uint_eq(defer_ms(lfd), 0);
	ck_assert_int_eq(write(early, "GET", 3), 3);
	struct pollfd pl = { .fd = lfd, .events = POLLIN };
	ck_assert_int_eq(poll(&pl, 1, 2000), 1);
	int got = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	ck_assert_int_ne(got, -1);
	ck_assert_int_eq(read(got, buf, sizeof(buf)), 3);

	int late = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			  0);
	ck_assert_int_eq(connect(late, (struct sockaddr *)&ss, len), -1);
	ck_assert_int_eq(errno, EINPROGRESS);
	struct pollfd pc = { .fd = late, .events = POLLOUT };
	ck_assert_int_eq(poll(&pc, 1, 300), 0); /* the SYN went unanswered */

	/* A generation taking over (listen_defer) takes the seal off. */
	ck_assert_int_eq(listen_defer(&a, 1000), 0);
	int again = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			   0);
	ck_assert(connect(again, (struct sockaddr *)&ss, len) == 0 ||
		  errno == EINPROGRESS);
	struct pollfd pa = { .fd = again, .events = POLLOUT };
	ck_assert_int_eq(poll(&pa, 1, 2000), 1);
	close(again);
	listen_close(&a);
	close(late);
	close(got);
	close(early);
}
END_TEST

/*
 * A socket systemd holds too outlives us: listen_seal leaves it alone (a
 * new connection still completes), an upgrade passes the mark on (":s"),
 * and a seal left on a socket by a master that died is taken off when
 * the next generation takes over (listen_defer).
 */
START_TEST(test_listen_seal_spares_systemd_sockets)
{
	struct listener_set set, got;
	struct lconf lc;
	char err[256] = "", text[64], env[256], want[256];

	addr_on(text, sizeof(text), free_port());
	lconf_init(&lc, ACCEPT_REUSEPORT, 2);
	lconf_add(&lc, text);
	ck_assert_int_eq(listen_open(&set, &lc.cf, NULL, err, sizeof(err)), 0);
	set.v[0].kept_outside = true;
	ck_assert_int_eq(listen_seal(&set), 0);
	ck_assert_int_eq(listen_export(&set, env, sizeof(env)), 0);
	snprintf(want, sizeof(want), "%d:0:s,%d:1", set.v[0].ev.fd,
		 set.v[1].ev.fd);
	ck_assert_str_eq(env, want);
	ck_assert_int_eq(setenv("FORKD_LISTEN_FDS", env, 1), 0);
	ck_assert_int_eq(listen_inherit(&got, err, sizeof(err)), 0);
	ck_assert_uint_eq(got.n, 2);
	ck_assert(got.v[0].kept_outside && !got.v[1].kept_outside);
	/* slot 1 was sealed; taking over takes the seal off: both connect */
	ck_assert_int_eq(listen_defer(&got, 1000), 0);
	for (unsigned i = 0; i < 2; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		ck_assert_int_eq(getsockname(got.v[i].ev.fd,
					     (struct sockaddr *)&ss, &len),
				 0);
		int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		ck_assert(connect(c, (struct sockaddr *)&ss, len) == 0 ||
			  errno == EINPROGRESS);
		struct pollfd pc = { .fd = c, .events = POLLOUT };
		ck_assert_int_eq(poll(&pc, 1, 1000), 1);
		close(c);
	}
	listen_close(&got);
	free(set.v);
}
END_TEST

/* A new address beside a kept one; the dropped address closes on retire. */
START_TEST(test_listen_reuse_by_address)
{
	struct listener_set a, b;
	struct lconf la, lb;
	char err[256] = "", t1[64], t2[64], t3[64];

	addr_on(t1, sizeof(t1), free_port());
	addr_on(t2, sizeof(t2), free_port());
	addr_on(t3, sizeof(t3), free_port());
	lconf_init(&la, ACCEPT_SHARED, 2);
	lconf_add(&la, t1);
	lconf_add(&la, t2);
	lconf_init(&lb, ACCEPT_SHARED, 2);
	lconf_add(&lb, t3);
	lconf_add(&lb, t2);
	ck_assert_int_eq(listen_open(&a, &la.cf, NULL, err, sizeof(err)), 0);
	ck_assert_msg(listen_open(&b, &lb.cf, &a, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert(!b.v[0].reused);
	ck_assert(b.v[1].reused);
	ck_assert_int_eq(b.v[1].ev.fd, a.v[1].ev.fd);
	/* the group index is the new config's, not the old one's */
	ck_assert_uint_eq(b.v[1].group, 1);
	int gone = a.v[0].ev.fd;
	listen_retire(&a, &b);
	ck_assert(!fd_open(gone));
	ck_assert(fd_open(b.v[0].ev.fd));
	ck_assert(fd_open(b.v[1].ev.fd));
	listen_close(&b);
}
END_TEST

/* A set that will not be used gives back only what it opened itself. */
START_TEST(test_listen_abandon)
{
	struct listener_set a, b;
	struct lconf lc;
	char err[256] = "", t1[64], t2[64];

	addr_on(t1, sizeof(t1), free_port());
	addr_on(t2, sizeof(t2), free_port());
	lconf_init(&lc, ACCEPT_SHARED, 1);
	lconf_add(&lc, t1);
	ck_assert_int_eq(listen_open(&a, &lc.cf, NULL, err, sizeof(err)), 0);
	lconf_add(&lc, t2);
	ck_assert_int_eq(listen_open(&b, &lc.cf, &a, err, sizeof(err)), 0);
	int kept = b.v[0].ev.fd, fresh = b.v[1].ev.fd;
	ck_assert_int_eq(kept, a.v[0].ev.fd);
	listen_abandon(&b);
	ck_assert_ptr_null(b.v);
	ck_assert(fd_open(kept));
	ck_assert(!fd_open(fresh));
	check_connects(a.v[0].ev.fd);
	listen_close(&a);
}
END_TEST

/* Somebody else's socket on the port: a message naming the address. */
START_TEST(test_listen_port_held)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct listener_set set;
	struct lconf lc;
	char err[256] = "", held[64], ok[64], want[128];
	unsigned port = free_port();
	int h = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(h, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(h, 1), 0);
	addr_on(held, sizeof(held), port);
	addr_on(ok, sizeof(ok), free_port());
	lconf_init(&lc, ACCEPT_SHARED, 1);
	lconf_add(&lc, ok);
	lconf_add(&lc, held);
	size_t before = fx_fds_open();
	ck_assert_int_eq(listen_open(&set, &lc.cf, NULL, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "listen %s: %s", held,
		 strerror(EADDRINUSE));
	ck_assert_str_eq(err, want);
	/* the socket opened for the first address is closed again */
	ck_assert_uint_eq(fx_fds_open(), before);
	ck_assert_ptr_null(set.v);
	ck_assert_uint_eq(set.n, 0);
	close(h);
}
END_TEST

/*
 * SO_REUSEPORT alone would let a second reuseport group of the same user
 * join the holder's and share its connections; the address must be free.
 */
START_TEST(test_listen_reuseport_port_held)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct listener_set set;
	struct lconf lc;
	char err[256] = "", text[64], want[128];
	unsigned port = free_port();
	int h = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(
		setsockopt(h, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)), 0);
	ck_assert_int_eq(bind(h, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(h, 1), 0);
	addr_on(text, sizeof(text), port);
	lconf_init(&lc, ACCEPT_REUSEPORT, 2);
	lconf_add(&lc, text);
	ck_assert_int_eq(listen_open(&set, &lc.cf, NULL, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "listen %s: %s", text,
		 strerror(EADDRINUSE));
	ck_assert_str_eq(err, want);
	close(h);
}
END_TEST

/*
 * A binary upgrade: the old master exports its sockets, the new one
 * inherits them from the environment and reuses them in listen_open.
 */
START_TEST(test_listen_export_inherit)
{
	struct listener_set set, got, again;
	struct lconf lc;
	char err[256] = "", text[64], env[256], want[256];

	addr_on(text, sizeof(text), free_port());
	lconf_init(&lc, ACCEPT_REUSEPORT, 2);
	lconf_add(&lc, text);
	ck_assert_int_eq(listen_open(&set, &lc.cf, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(listen_export(&set, env, sizeof(env)), 0);
	snprintf(want, sizeof(want), "%d:0,%d:1", set.v[0].ev.fd,
		 set.v[1].ev.fd);
	ck_assert_str_eq(env, want);
	/* they must survive the exec */
	ck_assert_int_eq(fcntl(set.v[0].ev.fd, F_GETFD) & FD_CLOEXEC, 0);
	ck_assert_int_eq(listen_export(&set, env, 5), -1); /* no room */
	ck_assert_int_eq(listen_export(&set, env, sizeof(env)), 0);

	ck_assert_int_eq(setenv("FORKD_LISTEN_FDS", env, 1), 0);
	ck_assert_int_eq(listen_inherit(&got, err, sizeof(err)), 0);
	ck_assert_ptr_null(getenv("FORKD_LISTEN_FDS"));
	ck_assert_uint_eq(got.n, 2);
	for (unsigned i = 0; i < 2; i++) {
		ck_assert_int_eq(got.v[i].ev.fd, set.v[i].ev.fd);
		ck_assert_uint_eq(got.v[i].slot, i);
		ck_assert(listen_same_addr(&got.v[i].addr, &set.v[i].addr));
		ck_assert(fcntl(got.v[i].ev.fd, F_GETFD) & FD_CLOEXEC);
		ck_assert(fcntl(got.v[i].ev.fd, F_GETFL) & O_NONBLOCK);
	}
	ck_assert_int_eq(listen_open(&again, &lc.cf, &got, err, sizeof(err)),
			 0);
	ck_assert(again.v[0].reused && again.v[1].reused);
	ck_assert_int_eq(again.v[1].ev.fd, set.v[1].ev.fd);
	listen_retire(&got, &again);
	ck_assert(fd_open(again.v[0].ev.fd) && fd_open(again.v[1].ev.fd));
	listen_close(&again);
	free(set.v);
}
END_TEST

/*
 * A socket handed over without forkd's options (as systemd makes them)
 * gets them when adopted: its connections answer as a self-bound one's.
 */
START_TEST(test_listen_inherit_sets_options)
{
	struct listener_set got;
	char err[256] = "", env[32];
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ne(lfd, -1);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(lfd, 8), 0);
	ck_assert_int_eq(sockopt(lfd, IPPROTO_TCP, TCP_NODELAY), 0);
	snprintf(env, sizeof(env), "%d:0", lfd);
	ck_assert_int_eq(setenv("FORKD_LISTEN_FDS", env, 1), 0);
	ck_assert_int_eq(listen_inherit(&got, err, sizeof(err)), 0);
	ck_assert_uint_eq(got.n, 1);
	check_accepted_options(lfd);
	listen_close(&got);
}
END_TEST

/* What the environment can hold that is not ours to take. */
START_TEST(test_listen_inherit_refused)
{
	struct listener_set got;
	char err[256] = "", env[64];
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	ck_assert_int_eq(setenv("FORKD_LISTEN_FDS", "7:x", 1), 0);
	ck_assert_int_eq(listen_inherit(&got, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "FORKD_LISTEN_FDS is malformed: 7:x");
	ck_assert_ptr_null(getenv("FORKD_LISTEN_FDS"));
	free(got.v);

	snprintf(env, sizeof(env), "%d:0", fd);
	ck_assert_int_eq(setenv("FORKD_LISTEN_FDS", env, 1), 0);
	ck_assert_int_eq(listen_inherit(&got, err, sizeof(err)), -1);
	snprintf(env, sizeof(env),
		 "inherited fd %d is not a listening TCP socket", fd);
	ck_assert_str_eq(err, env);
	free(got.v);

	/* nothing handed over: an empty set */
	ck_assert_int_eq(listen_inherit(&got, err, sizeof(err)), 0);
	ck_assert_uint_eq(got.n, 0);
	close(fd);
}
END_TEST

START_TEST(test_listen_same_addr)
{
	static const char *const same[][2] = {
		{ "127.0.0.1:80", "127.0.0.1:80" },
		{ "[::1]:80", "[::1]:80" },
		{ "*:80", "0.0.0.0:80" },
	};
	static const char *const differ[][2] = {
		{ "127.0.0.1:80", "127.0.0.1:81" },
		{ "127.0.0.1:80", "127.0.0.2:80" },
		{ "127.0.0.1:80", "[::1]:80" },
		{ "[::1]:80", "[::2]:80" },
		{ "[::1]:80", "[::1]:81" },
	};
	struct sockaddr_storage a, b;
	socklen_t len;
	char err[128];

	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		ck_assert_int_eq(confval_parse_listen(same[i][0], &a, &len, err,
						      sizeof(err)),
				 0);
		ck_assert_int_eq(confval_parse_listen(same[i][1], &b, &len, err,
						      sizeof(err)),
				 0);
		ck_assert_msg(listen_same_addr(&a, &b), "%s", same[i][0]);
	}
	for (size_t i = 0; i < sizeof(differ) / sizeof(differ[0]); i++) {
		ck_assert_int_eq(confval_parse_listen(differ[i][0], &a, &len,
						      err, sizeof(err)),
				 0);
		ck_assert_int_eq(confval_parse_listen(differ[i][1], &b, &len,
						      err, sizeof(err)),
				 0);
		ck_assert_msg(!listen_same_addr(&a, &b), "%s %s", differ[i][0],
			      differ[i][1]);
		ck_assert(!listen_same_addr(&b, &a));
	}
}
END_TEST

Suite *listen_suite(void)
{
	Suite *s = suite_create("listen");
	TCase *tc = tcase_create("open");

	tcase_add_test(tc, test_listen_shared_port0);
	tcase_add_test(tc, test_listen_accepted_options);
	tcase_add_test(tc, test_listen_reuseport_slots);
	tcase_add_test(tc, test_listen_port_held);
	tcase_add_test(tc, test_listen_reuseport_port_held);
	suite_add_tcase(s, tc);
	tc = tcase_create("reuse");
	tcase_add_test(tc, test_listen_reuse_and_retire);
	tcase_add_test(tc, test_listen_reuse_by_address);
	tcase_add_test(tc, test_listen_abandon);
	tcase_add_test(tc, test_listen_export_inherit);
	tcase_add_test(tc, test_listen_inherit_sets_options);
	tcase_add_test(tc, test_listen_defer);
	tcase_add_test(tc, test_listen_seal);
	tcase_add_test(tc, test_listen_seal_spares_systemd_sockets);
	tcase_add_test(tc, test_listen_inherit_refused);
	tcase_add_test(tc, test_listen_same_addr);
	suite_add_tcase(s, tc);
	return s;
}
