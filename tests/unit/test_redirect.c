/*
 * redirect: rule titles, targets, selection (exact before the longest
 * prefix) and the Location built from hostile request paths and queries:
 * encoded CR/LF, "//host" and "/\host" shapes, bytes above 0x7e.
 */
#include <string.h>

#include "redirect.h"
#include "suites.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

struct loc_case {
	const char *to, *rest, *query, *want; /* want NULL: does not fit */
};

static const struct loc_case loc_cases[] = {
	{ "/new/", "a/b.html", "?x=1", "/new/a/b.html?x=1" },
	{ "/new/", "", "", "/new/" },
	{ "/new/", "/a", "", "/new/a" },
	{ "/new", "/a", "", "/new/a" },
	{ "/about/", "", "?q", "/about/?q" },
	/* a decoded CR LF in the rest of the path stays encoded */
	{ "/new/", "a\r\nSet-Cookie: x=1", "",
	  "/new/a%0D%0ASet-Cookie:%20x=1" },
	{ "/new/", "a", "?\r\n", "/new/a?%0D%0A" },
	{ "/new/", "\xc3\xa9", "?\xff", "/new/%C3%A9?%FF" },
	/* a path rule never points at another host */
	{ "/", "/evil.example", "", "/evil.example" },
	{ "/", "evil.example", "", "/evil.example" },
	{ "/", "\\evil.example", "", "/%5Cevil.example" },
	{ "/x/", "//evil.example", "", "/x//evil.example" },
	/* an absolute URL: the rest cannot extend the host */
	{ "https://new.example", "a/b", "?x", "https://new.example/a/b?x" },
	{ "https://new.example/", "/a", "", "https://new.example/a" },
	{ "https://new.example/p/", "a", "", "https://new.example/p/a" },
	/* a target with its own query is used as it is */
	{ "/new/?from=old", "a", "?x", "/new/?from=old" },
};

START_TEST(test_location)
{
	const struct loc_case *c = &loc_cases[_i];
	char out[256];
	size_t n = redirect_location(c->to, c->rest, c->query, strlen(c->query),
				     out, sizeof(out));

	ck_assert_uint_eq(n, strlen(c->want));
	ck_assert_str_eq(out, c->want);
	for (size_t i = 0; i < n; i++)
		ck_assert(out[i] > ' ' && out[i] < 0x7f);
}
END_TEST

START_TEST(test_location_too_long)
{
	char rest[600], out[256];

	memset(rest, 'a', sizeof(rest) - 1);
	rest[sizeof(rest) - 1] = '\0';
	ck_assert_uint_eq(
		redirect_location("/n/", rest, "", 0, out, sizeof(out)), 0);
	ck_assert_uint_eq(redirect_location("/n/", "\n\n\n\n", "", 0, out, 12),
			  0);
	ck_assert_uint_eq(redirect_location("/n/", "ab", "?q", 2, out, 8), 7);
	ck_assert_uint_eq(redirect_location("/n/", "ab", "?q", 2, out, 7), 0);
}
END_TEST

START_TEST(test_check_to)
{
	char msg[256];
	const char *good[] = { "/",           "/new/",
			       "/a?b=c",      "http://h",
			       "https://h/p", "HTTPS://h.example:8443/x#frag" };
	const char *bad[] = { "",
			      "new/",
			      "//evil.example",
			      "/\\evil.example",
			      "http://",
			      "https:///x",
			      "/a b",
			      "/a\r\nX: y",
			      "javascript:alert(1)",
			      "/\x7f",
			      "ftp://h/" };

	for (size_t i = 0; i < nitems(good); i++)
		ck_assert_int_eq(redirect_check_to(good[i], msg, sizeof(msg)),
				 0);
	for (size_t i = 0; i < nitems(bad); i++)
		ck_assert_int_eq(redirect_check_to(bad[i], msg, sizeof(msg)),
				 -1);
}
END_TEST

START_TEST(test_title)
{
	char msg[256];
	const char *from;
	bool exact;

	ck_assert_int_eq(
		redirect_parse_title("/old/", &exact, &from, msg, sizeof(msg)),
		0);
	ck_assert(!exact);
	ck_assert_str_eq(from, "/old/");
	ck_assert_int_eq(redirect_parse_title("= /about.php", &exact, &from,
					      msg, sizeof(msg)),
			 0);
	ck_assert(exact);
	ck_assert_str_eq(from, "/about.php");
	ck_assert_int_eq(
		redirect_parse_title("old", &exact, &from, msg, sizeof(msg)),
		-1);
	ck_assert_int_eq(
		redirect_parse_title("=/x", &exact, &from, msg, sizeof(msg)),
		-1);
	ck_assert_int_eq(
		redirect_parse_title("/a?b", &exact, &from, msg, sizeof(msg)),
		-1);
	ck_assert_int_eq(
		redirect_parse_title("/a b", &exact, &from, msg, sizeof(msg)),
		-1);
	ck_assert_int_eq(
		redirect_parse_title("= ", &exact, &from, msg, sizeof(msg)),
		-1);
}
END_TEST

#define RULE(f, e)                                                   \
	{                                                            \
		.from = (f), .from_len = sizeof(f) - 1, .exact = (e) \
	}

START_TEST(test_match)
{
	struct redirect_rule r[] = {
		RULE("/a/", false), RULE("/a/b/", false), RULE("/a/b/c", true),
		RULE("/", false),   RULE("/a/b/", false),
	};

	ck_assert_ptr_eq(redirect_match(r, 5, "/a/b/c"), &r[2]);
	ck_assert_ptr_eq(redirect_match(r, 5, "/a/b/cd"), &r[1]);
	ck_assert_ptr_eq(redirect_match(r, 5, "/a/x"), &r[0]);
	ck_assert_ptr_eq(redirect_match(r, 5, "/a"), &r[3]);
	ck_assert_ptr_eq(redirect_match(r, 4, "/a"), &r[3]);
	ck_assert_ptr_null(redirect_match(r, 3, "/a"));
	ck_assert_ptr_null(redirect_match(r, 0, "/a"));
}
END_TEST

START_TEST(test_status)
{
	ck_assert(redirect_status_ok(301) && redirect_status_ok(308) &&
		  redirect_status_ok(410));
	ck_assert(!redirect_status_ok(300) && !redirect_status_ok(304) &&
		  !redirect_status_ok(200) && !redirect_status_ok(-301));
}
END_TEST

Suite *redirect_suite(void)
{
	Suite *s = suite_create("redirect");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_location, 0, nitems(loc_cases));
	tcase_add_test(tc, test_location_too_long);
	tcase_add_test(tc, test_check_to);
	tcase_add_test(tc, test_title);
	tcase_add_test(tc, test_match);
	tcase_add_test(tc, test_status);
	suite_add_tcase(s, tc);
	return s;
}
