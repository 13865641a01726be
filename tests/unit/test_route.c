/*
 * route: location selection by longest prefix and server_name matching,
 * over hand-built config structs.  Virtual host selection over a loaded
 * file is in test_config.c (test_virtual_hosts).
 */
#include <string.h>

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

	ck_assert_ptr_eq(route_location(&sc, "/a/b/c"), &locs[1]);
	ck_assert_ptr_eq(route_location(&sc, "/a/b"), &locs[0]);
	ck_assert_ptr_eq(route_location(&sc, "/a/"), &locs[0]);
	ck_assert_ptr_eq(route_location(&sc, "/a"), &locs[2]);
	ck_assert_ptr_eq(route_location(&sc, "/abc"), &locs[3]);
	ck_assert_ptr_eq(route_location(&sc, "/x"), &locs[2]);
	ck_assert_ptr_eq(route_location(&none, "/x"), &none.defaults);
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
	static const struct {
		const char *host;
		unsigned want;
	} picks[] = {
		{ "a.example", 0 }, { "c.example", 2 }, { "x.b.example", 2 },
		{ "b.example", 1 }, { "z.example", 1 }, { "example", 3 },
		{ "", 3 }, { "other.test", 3 },
	};

	for (size_t i = 0; i < sizeof(picks) / sizeof(picks[0]); i++)
		ck_assert_uint_eq(route_server(&cf, &g, picks[i].host,
					       strlen(picks[i].host)),
				  picks[i].want);
}
END_TEST

Suite *route_suite(void)
{
	Suite *s = suite_create("route");
	TCase *tc = tcase_create("select");

	tcase_add_test(tc, test_location_longest_prefix);
	tcase_add_test(tc, test_name_match);
	tcase_add_test(tc, test_server_pick);
	suite_add_tcase(s, tc);
	return s;
}
