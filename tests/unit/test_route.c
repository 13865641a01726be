/*
 * route: location selection by longest prefix and server_name matching,
 * over hand-built config structs, and the lookup structures behind them
 * (hostmap.c, addrmap.c).  Virtual host selection over a loaded file is
 * in test_config.c (test_virtual_hosts).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrmap.h"
#include "hostmap.h"
#include "route.h"
#include "suites.h"

START_TEST(test_location_longest_prefix)
{
	struct location_conf locs[] = {
		{ .prefix = "/a/", .prefix_len = 3 },
		{ .prefix = "/a/b/", .prefix_len = 5 },
		{ .prefix = "/", .prefix_len = 1 },
		{ .prefix = "/ab", .prefix_len = 3 },
	};
	struct server_conf sc = { .locations = locs, .nlocations = 4 };
	struct server_conf none = { 0 };

	route_index_locations(locs, 4);
	ck_assert_str_eq(route_location(&sc, "/a/b/c")->prefix, "/a/b/");
	ck_assert_str_eq(route_location(&sc, "/a/b")->prefix, "/a/");
	ck_assert_str_eq(route_location(&sc, "/a/")->prefix, "/a/");
	ck_assert_str_eq(route_location(&sc, "/a")->prefix, "/");
	ck_assert_str_eq(route_location(&sc, "/abc")->prefix, "/ab");
	ck_assert_str_eq(route_location(&sc, "/x")->prefix, "/");
	route_index_locations(NULL, 0);
	ck_assert_ptr_eq(route_location(&none, "/x"), &none.defaults);
}
END_TEST

/* A reference: the longest prefix by a scan. */
static const char *longest_prefix(char *const *prefixes, size_t n,
				  const char *path)
{
	const char *best = NULL;

	for (size_t i = 0; i < n; i++)
		if (strncmp(path, prefixes[i], strlen(prefixes[i])) == 0 &&
		    (best == NULL || strlen(prefixes[i]) > strlen(best)))
			best = prefixes[i];
	return best;
}

/*
 * Nested and sibling prefixes, where the sorted neighbour of a path is
 * not its answer ("/a/b/zz" sorts after "/a/b/c/", whose parent chain
 * holds the answer), against the scan, over every path of a small set.
 */
START_TEST(test_location_against_scan)
{
	char *prefixes[] = { "/",       "/a",       "/a/",        "/a/b/",
			     "/a/b/c/", "/a/b/c/d", "/a/bb",      "/a/c",
			     "/b/",     "/ab/",     "/a/b/c/d/e/" };
	const char *paths[] = {
		"/",         "/a",           "/a/",       "/a/b/",   "/a/b/zz",
		"/a/b/c/dx", "/a/b/c/d/e/f", "/a/bz",     "/a/bb/x", "/a/b",
		"/b",        "/b/x",         "/ab",       "/ab/",    "/c",
		"/a/b/c",    "/a/a",         "/a/b/c/d/e"
	};
	size_t n = sizeof(prefixes) / sizeof(prefixes[0]);
	struct location_conf locs[sizeof(prefixes) / sizeof(prefixes[0])];
	struct server_conf sc = { .locations = locs, .nlocations = n };

	for (size_t i = 0; i < n; i++)
		locs[i] = (struct location_conf){
			.prefix = prefixes[n - 1 - i],
			.prefix_len = strlen(prefixes[n - 1 - i])
		};
	route_index_locations(locs, n);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const char *want = longest_prefix(prefixes, n, paths[i]);
		const struct location_conf *got = route_location(&sc, paths[i]);
		ck_assert_msg(want == NULL
				      ? got == &sc.defaults
				      : got->prefix != NULL &&
						strcmp(got->prefix, want) == 0,
			      "%s: got %s, want %s", paths[i],
			      got->prefix ? got->prefix : "(defaults)",
			      want ? want : "(defaults)");
	}
}
END_TEST
START_TEST(test_name_match)
{
	ck_assert(route_name_match("a.example", "A.Example", 9));
	ck_assert(route_name_match("*.b.example", "q.b.example", 11));
	ck_assert(route_name_match("*.b.example", "x.q.B.EXAMPLE", 13));
	ck_assert(!route_name_match("*.b.example", "b.example", 9));
	ck_assert(!route_name_match("*.b.example", ".b.example", 10));
	ck_assert(!route_name_match("*.b.example", "xb.example", 10));
	ck_assert(!route_name_match("a.example", "a.example.", 10));
	ck_assert(!route_name_match("a.example", "a.exampl", 8));
}
END_TEST

/* Exact beats wildcard, the longest wildcard wins, else the default. */
START_TEST(test_server_pick)
{
	char *n0[] = { "a.example" }, *n1[] = { "*.example" },
	     *n2[] = { "*.b.example", "c.example" };
	struct server_conf servers[] = {
		{ .server_names = n0, .nserver_names = 1 },
		{ .server_names = n1, .nserver_names = 1 },
		{ .server_names = n2, .nserver_names = 2 },
		{ .nserver_names = 0 },
	};
	unsigned order[] = { 3, 0, 1, 2 };
	struct config cf = { .servers = servers, .nservers = 4 };
	struct listen_group g = { .servers = order, .nservers = 4 };

	ck_assert_int_eq(route_index_group(&cf, &g), 0);
	static const struct {
		const char *host;
		unsigned want;
	} picks[] = {
		{ "a.example", 0 }, { "c.example", 2 },  { "x.b.example", 2 },
		{ "b.example", 1 }, { "z.example", 1 },  { "example", 3 },
		{ "", 3 },          { "other.test", 3 },
	};

	for (size_t i = 0; i < sizeof(picks) / sizeof(picks[0]); i++)
		ck_assert_uint_eq(route_server(&cf, &g, picks[i].host,
					       strlen(picks[i].host)),
				  picks[i].want);
	hostmap_free(g.names);
}
END_TEST

static unsigned find(const struct hostmap *m, const char *host)
{
	unsigned v = 999;

	if (hostmap_find(m, host, strlen(host), &v) == -1)
		return 999;
	return v;
}

/* Exact names in any case, with or without a trailing dot. */
START_TEST(test_hostmap_exact)
{
	struct hostmap *m = hostmap_new(4);

	ck_assert_int_eq(hostmap_add(m, "a.example", 1), 0);
	ck_assert_int_eq(hostmap_add(m, "B.Example.", 2), 0);
	ck_assert_int_eq(hostmap_add(m, "a.example", 3), 0); /* first keeps */
	ck_assert_uint_eq(find(m, "a.example"), 1);
	ck_assert_uint_eq(find(m, "A.EXAMPLE"), 1);
	ck_assert_uint_eq(find(m, "a.example."), 1);
	ck_assert_uint_eq(find(m, "b.example"), 2);
	ck_assert_uint_eq(find(m, "b.EXAMPLE."), 2);
	ck_assert_uint_eq(find(m, "a.exampl"), 999);
	ck_assert_uint_eq(find(m, "xa.example"), 999);
	ck_assert_uint_eq(find(m, "x.a.example"), 999); /* no wildcard */
	ck_assert_uint_eq(find(m, ""), 999);
	ck_assert_uint_eq(find(m, "."), 999);
	hostmap_free(m);
}
END_TEST

/* The longest wildcard suffix wins; an exact name beats every wildcard. */
START_TEST(test_hostmap_wildcard)
{
	struct hostmap *m = hostmap_new(5);

	ck_assert_int_eq(hostmap_add(m, "*.example", 1), 0);
	ck_assert_int_eq(hostmap_add(m, "*.b.example", 2), 0);
	ck_assert_int_eq(hostmap_add(m, "*.C.B.Example.", 3), 0);
	ck_assert_int_eq(hostmap_add(m, "x.c.b.example", 4), 0);
	ck_assert_int_eq(hostmap_add(m, "*.example", 5), 0); /* ignored */
	ck_assert_uint_eq(find(m, "q.example"), 1);
	ck_assert_uint_eq(find(m, "b.example"), 1);
	ck_assert_uint_eq(find(m, "q.b.example"), 2);
	ck_assert_uint_eq(find(m, "Q.R.B.EXAMPLE"), 2);
	ck_assert_uint_eq(find(m, "q.c.b.example"), 3);
	ck_assert_uint_eq(find(m, "q.c.b.example."), 3);
	ck_assert_uint_eq(find(m, "c.b.example"), 2);
	ck_assert_uint_eq(find(m, "x.c.b.example"), 4);
	ck_assert_uint_eq(find(m, "y.x.c.b.example"), 3);
	ck_assert_uint_eq(find(m, "example"), 999);  /* not the suffix itself */
	ck_assert_uint_eq(find(m, ".example"), 999); /* nor an empty label */
	ck_assert_uint_eq(find(m, "xexample"), 999);
	ck_assert_uint_eq(find(m, "example.org"), 999);
	hostmap_free(m);
}
END_TEST

/* No room beyond the names announced; an empty map finds nothing. */
START_TEST(test_hostmap_bounds)
{
	struct hostmap *m = hostmap_new(1), *none = hostmap_new(0);

	ck_assert_int_eq(hostmap_add(m, "a", 1), 0);
	ck_assert_int_eq(hostmap_add(m, "b", 2), -1);
	ck_assert_uint_eq(find(none, "a"), 999);
	hostmap_free(m);
	hostmap_free(none);
}
END_TEST

/* Many names (the 50,000-server case): each found, the table dense. */
START_TEST(test_hostmap_many)
{
	enum {
		N = 50000
	};
	static char names[N][24];
	struct hostmap *m = hostmap_new(N + 1);
	char host[32];

	for (unsigned i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "h%u.example.com", i);
		ck_assert_int_eq(hostmap_add(m, names[i], i), 0);
	}
	ck_assert_int_eq(hostmap_add(m, "*.example.com", N), 0);
	for (unsigned i = 0; i < N; i += 7) {
		snprintf(host, sizeof(host), "H%u.Example.COM", i);
		ck_assert_uint_eq(find(m, host), i);
	}
	ck_assert_uint_eq(find(m, "h50000.example.com"), N);
	ck_assert_uint_eq(find(m, "example.com"), 999);
	hostmap_free(m);
}
END_TEST

static struct sockaddr_storage addr4(const char *ip, int port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	inet_pton(AF_INET, ip, &s4->sin_addr);
	return ss;
}

static struct sockaddr_storage addr6(const char *ip, int port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	inet_pton(AF_INET6, ip, &s6->sin6_addr);
	return ss;
}

/* Dense ids in order of first sight; same address, same id. */
START_TEST(test_addrmap_ids)
{
	struct addrmap *m = addrmap_new();
	struct sockaddr_storage a = addr4("127.0.0.1", 80),
				b = addr4("127.0.0.1", 81),
				c = addr6("::1", 80), d = addr6("0::1", 80);
	bool added;

	ck_assert_int_eq(addrmap_id(m, &a, &added), 0);
	ck_assert(added);
	ck_assert_int_eq(addrmap_id(m, &b, &added), 1);
	ck_assert_int_eq(addrmap_id(m, &c, &added), 2);
	ck_assert_int_eq(addrmap_id(m, &a, &added), 0);
	ck_assert(!added);
	ck_assert_int_eq(addrmap_id(m, &d, &added), 2);
	ck_assert(!added);
	for (int port = 1000; port < 3000; port++) {
		struct sockaddr_storage e = addr4("10.0.0.1", port);
		ck_assert_int_eq(addrmap_id(m, &e, &added), port - 1000 + 3);
	}
	ck_assert_int_eq(addrmap_id(m, &b, &added), 1);
	ck_assert_uint_eq(addrmap_count(m), 2003);
	addrmap_free(m);
}
END_TEST

Suite *route_suite(void)
{
	Suite *s = suite_create("route");
	TCase *tc = tcase_create("select");

	tcase_add_test(tc, test_location_longest_prefix);
	tcase_add_test(tc, test_name_match);
	tcase_add_test(tc, test_server_pick);
	tcase_add_test(tc, test_location_against_scan);
	tcase_add_test(tc, test_hostmap_exact);
	tcase_add_test(tc, test_hostmap_wildcard);
	tcase_add_test(tc, test_hostmap_bounds);
	tcase_add_test(tc, test_hostmap_many);
	tcase_add_test(tc, test_addrmap_ids);
	suite_add_tcase(s, tc);
	return s;
}
