/*
 * navigation: what browsers, scripts and tools send, and whether a
 * fallback page may answer it.
 */
#include <string.h>

#include "navigation.h"
#include "suites.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

struct nav_case {
	const char *dest;   /* NULL: no Sec-Fetch-Dest */
	const char *accept; /* NULL: no Accept */
	bool page;
};

static const struct nav_case cases[] = {
	{ "document", "*/*", true },
	{ " document ", NULL, true },
	{ "iframe", NULL, true },
	{ "script", "text/html", false },
	{ "image", "text/html,*/*", false },
	{ "style", NULL, false },
	{ "empty", "text/html", false },
	{ NULL,
	  "text/html,application/xhtml+xml,application/xml;q=0.9,"
	  "image/avif,image/webp,*/*;q=0.8",
	  true },
	{ NULL, "text/html", true },
	{ NULL, "TEXT/HTML; charset=utf-8", true },
	{ NULL, "*/*", false },
	{ NULL, "image/avif,image/webp,*/*", false },
	{ NULL, "application/json, text/html;q=0.5", false },
	{ NULL, "text/html;q=0.5, */*;q=0.5", true },
	{ NULL, "text/html;q=0", false },
	{ NULL, "text/html;level=1;q=0.9, text/plain;q=0.8", true },
	{ NULL, "text/htmlx", false },
	{ NULL, "", false },
	{ NULL, NULL, false },
};

START_TEST(test_cases)
{
	const struct nav_case *c = &cases[_i];

	ck_assert_int_eq(navigation_is_page(c->dest,
					    c->dest ? strlen(c->dest) : 0,
					    c->dest != NULL, c->accept,
					    c->accept ? strlen(c->accept) : 0,
					    c->accept != NULL),
			 c->page);
}
END_TEST

Suite *navigation_suite(void)
{
	Suite *s = suite_create("navigation");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_cases, 0, nitems(cases));
	suite_add_tcase(s, tc);
	return s;
}
