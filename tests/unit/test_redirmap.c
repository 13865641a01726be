/*
 * redirmap: parsing (comments, statuses, encoded keys), lookups, every
 * refusal with its FILE:LINE (duplicate key, bad status, a 1 MB line, NUL
 * bytes), and a 100,000-entry map loaded and probed against the clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "redirmap.h"
#include "suites.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

static char err[512];

static struct redirmap *parse(const char *text)
{
	return redirmap_parse(strdup(text), strlen(text), "m.map", err,
			      sizeof(err));
}

START_TEST(test_parse_and_find)
{
	struct redirmap *m = parse("# moved pages\n"
				   "/a /b\n"
				   "\n"
				   "  /caf%C3%A9\t https://x.example/  302 \r\n"
				   "/d/./e/ /f 308\n"
				   "/g /h 307 # the end\n"
				   "/last /z");
	int st = 0;

	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(redirmap_count(m), 5);
	ck_assert_str_eq(redirmap_find(m, "/a", 2, &st), "/b");
	ck_assert_int_eq(st, 301);
	ck_assert_str_eq(redirmap_find(m, "/caf\xc3\xa9", 6, &st),
			 "https://x.example/");
	ck_assert_int_eq(st, 302);
	ck_assert_str_eq(redirmap_find(m, "/d/e/", 5, &st), "/f");
	ck_assert_int_eq(st, 308);
	ck_assert_str_eq(redirmap_find(m, "/g", 2, &st), "/h");
	ck_assert_str_eq(redirmap_find(m, "/last", 5, &st), "/z");
	ck_assert_ptr_null(redirmap_find(m, "/a/", 3, &st));
	ck_assert_ptr_null(redirmap_find(m, "/", 1, &st));
	ck_assert_ptr_null(redirmap_find(m, "/b", 2, &st));
	redirmap_free(m);
}
END_TEST

START_TEST(test_empty)
{
	struct redirmap *m = parse("# nothing yet\n\n");
	int st;

	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(redirmap_count(m), 0);
	ck_assert_ptr_null(redirmap_find(m, "/a", 2, &st));
	redirmap_free(m);
	redirmap_free(NULL);
}
END_TEST

struct bad {
	const char *text, *err;
};

static const struct bad bads[] = {
	{ "/a /b\n/a /c\n",
	  "m.map:2: duplicate FROM (first on line 1): \"/a\"" },
	{ "/a /b\n/x/../a /c\n",
	  "m.map:2: duplicate FROM (first on line 1): \"/a\"" },
	{ "/a /b\n/%61 /c\n",
	  "m.map:2: duplicate FROM (first on line 1): \"/a\"" },
	{ "\n/a /b 300\n",
	  "m.map:2: status must be 301, 302, 303, 307 or 308, not \"300\"" },
	{ "/a /b 410\n",
	  "m.map:1: status must be 301, 302, 303, 307 or 308, not \"410\"" },
	{ "/a /b 301x\n",
	  "m.map:1: status must be 301, 302, 303, 307 or 308, not \"301x\"" },
	{ "/a\n", "m.map:1: expected \"FROM TO [STATUS]\"" },
	{ "/a /b 301 extra\n", "m.map:1: more than \"FROM TO [STATUS]\"" },
	{ "a /b\n", "m.map:1: FROM must be a path starting with /, not \"a\"" },
	{ "/%zz /b\n",
	  "m.map:1: FROM must be a path starting with /, not \"/%zz\"" },
	{ "/a //evil.example\n",
	  "m.map:1: to \"//evil.example\" must be a path starting with / or an "
	  "http:// or https:// URL, of visible characters" },
	{ "/a javascript:x\n",
	  "m.map:1: to \"javascript:x\" must be a path starting with / or an "
	  "http:// or https:// URL, of visible characters" },
};

START_TEST(test_bad)
{
	ck_assert_ptr_null(parse(bads[_i].text));
	ck_assert_str_eq(err, bads[_i].err);
}
END_TEST

START_TEST(test_long_line_and_nul)
{
	size_t big = 1u << 20;
	char *text = malloc(big + 16);

	memcpy(text, "/a /b\n/", 7);
	memset(text + 7, 'x', big);
	memcpy(text + 7 + big, " /c\n", 5);
	ck_assert_ptr_null(
		redirmap_parse(text, strlen(text), "m.map", err, sizeof(err)));
	ck_assert_str_eq(err, "m.map:2: line longer than 8192 bytes");

	char nul[] = "/a /b\n/c\0 /d\n";
	char *t = malloc(sizeof(nul));
	memcpy(t, nul, sizeof(nul));
	ck_assert_ptr_null(
		redirmap_parse(t, sizeof(nul) - 1, "m.map", err, sizeof(err)));
	ck_assert_str_eq(err, "m.map:2: NUL byte in line");
}
END_TEST

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 100,000 entries load "well under a second", even under ASan. */
START_TEST(test_hundred_thousand)
{
	enum {
		N = 100000
	};
	size_t cap = (size_t)N * 64, len = 0;
	char *text = malloc(cap), key[64];
	struct redirmap *m;
	double t0, t1, t2;
	int st;

	for (int i = 0; i < N; i++)
		len += (size_t)snprintf(
			text + len, cap - len,
			"/blog/%d/post-%d.html /posts/%d/ 301\n", i / 100, i,
			i);
	t0 = seconds();
	m = redirmap_parse(text, len, "big.map", err, sizeof(err));
	t1 = seconds();
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(redirmap_count(m), N);
	for (int i = 0; i < N; i++) {
		int n = snprintf(key, sizeof(key), "/blog/%d/post-%d.html",
				 i / 100, i);
		ck_assert_ptr_nonnull(redirmap_find(m, key, (size_t)n, &st));
	}
	t2 = seconds();
	fprintf(stderr,
		"redirmap: %d entries parsed in %.1f ms, %d lookups "
		"in %.1f ms\n",
		N, (t1 - t0) * 1e3, N, (t2 - t1) * 1e3);
	ck_assert(t1 - t0 < 0.5);
	redirmap_free(m);
}
END_TEST

Suite *redirmap_suite(void)
{
	Suite *s = suite_create("redirmap");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse_and_find);
	tcase_add_test(tc, test_empty);
	tcase_add_loop_test(tc, test_bad, 0, nitems(bads));
	tcase_add_test(tc, test_long_line_and_nul);
	tcase_add_test(tc, test_hundred_thousand);
	suite_add_tcase(s, tc);
	return s;
}
