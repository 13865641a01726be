/*
 * tryfiles: candidate checks (templates that would leave the root or use
 * unknown variables are refused), kinds, and expansion.
 */
#include <string.h>

#include "suites.h"
#include "tryfiles.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

static int check1(const char *c)
{
	char msg[256];
	const char *v[] = { c };

	return tryfiles_check(v, 1, 0, msg, sizeof(msg));
}

START_TEST(test_check)
{
	const char *good[] = { "$uri",           "$uri.html", "$uri/",
			       "/index.html",    "=404",      "=503",
			       "$uri/index.htm", "/spa/$uri", "/a..b" };
	const char *bad[] = { "",          "uri",       "$url",
			      "$uri$args", "$uri/../x", "/../etc/passwd",
			      "$uri/..",   "/a/./b",    "//x",
			      "$uri?x",    "$uri#x",    "/a%2e%2e/",
			      "$uri x",    "=200",      "=4040",
			      "=",         "=abc",      "../x",
			      "$uri\n" };

	for (size_t i = 0; i < nitems(good); i++)
		ck_assert_msg(check1(good[i]) == 0, "%s", good[i]);
	for (size_t i = 0; i < nitems(bad); i++)
		ck_assert_msg(check1(bad[i]) == -1, "%s", bad[i]);
}
END_TEST

START_TEST(test_status_last_only)
{
	char msg[256];
	const char *v[] = { "$uri", "=404", "$uri/" };

	ck_assert_int_eq(tryfiles_check(v, 2, 1, msg, sizeof(msg)), 0);
	ck_assert_int_eq(tryfiles_check(v, 3, 1, msg, sizeof(msg)), -1);
	ck_assert_int_eq(tryfiles_check(v, 3, 2, msg, sizeof(msg)), -1);
	ck_assert_str_eq(msg, "try_files: \"=404\" must be the last candidate");
}
END_TEST

START_TEST(test_kind)
{
	int st = 0;

	ck_assert_int_eq(tryfiles_kind("$uri", false, &st), TRY_FILE);
	ck_assert_int_eq(tryfiles_kind("$uri", true, &st), TRY_FILE);
	ck_assert_int_eq(tryfiles_kind("$uri/", true, &st), TRY_DIR);
	ck_assert_int_eq(tryfiles_kind("/index.html", true, &st), TRY_FALLBACK);
	ck_assert_int_eq(tryfiles_kind("/index.html", false, &st), TRY_FILE);
	ck_assert_int_eq(tryfiles_kind("=410", true, &st), TRY_STATUS);
	ck_assert_int_eq(st, 410);
}
END_TEST

struct exp_case {
	const char *cand, *uri, *want;
};

static const struct exp_case exps[] = {
	{ "$uri", "/a", "/a" },
	{ "$uri.html", "/about", "/about.html" },
	{ "$uri/", "/docs", "/docs/" },
	{ "$uri/", "/docs/", "/docs/" },
	{ "$uri/", "/", "/" },
	{ "$uri.html", "/", "/.html" },
	{ "/spa/$uri", "/x/y", "/spa/x/y" },
	{ "/index.html", "/anything", "/index.html" },
	{ "$uri$uri", "/a", "/a/a" },
};

START_TEST(test_expand)
{
	char out[64];
	int n = tryfiles_expand(exps[_i].cand, exps[_i].uri, out, sizeof(out));

	ck_assert_int_eq(n, (int)strlen(exps[_i].want));
	ck_assert_str_eq(out, exps[_i].want);
}
END_TEST

START_TEST(test_expand_too_long)
{
	char out[8];

	ck_assert_int_eq(tryfiles_expand("$uri.html", "/abc", out, sizeof(out)),
			 -1);
	ck_assert_int_eq(tryfiles_expand("$uri.htm", "/abc", out, sizeof(out)),
			 -1);
	ck_assert_int_eq(tryfiles_expand("$uri.ht", "/abc", out, sizeof(out)),
			 7);
}
END_TEST

Suite *tryfiles_suite(void)
{
	Suite *s = suite_create("tryfiles");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_check);
	tcase_add_test(tc, test_status_last_only);
	tcase_add_test(tc, test_kind);
	tcase_add_loop_test(tc, test_expand, 0, nitems(exps));
	tcase_add_test(tc, test_expand_too_long);
	suite_add_tcase(s, tc);
	return s;
}
