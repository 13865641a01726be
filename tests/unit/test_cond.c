/*
 * cond: entity-tag lists under weak and strong comparison, the §13.2.2
 * precedence of the four preconditions, and If-Range.
 */
#include <stdio.h>
#include <string.h>

#include "cond.h"
#include "suites.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

#define TAG "\"6553f100-6\""
#define MTIME 1700000000 /* Tue, 14 Nov 2023 22:13:20 GMT */
#define AT_MTIME "Tue, 14 Nov 2023 22:13:20 GMT"
#define BEFORE "Tue, 14 Nov 2023 22:13:19 GMT"
#define AFTER "Tue, 14 Nov 2023 22:13:21 GMT"

START_TEST(test_cond_etag_match)
{
	static const struct {
		const char *list;
		int weak_match;   /* If-None-Match */
		int strong_match; /* If-Match */
	} cases[] = {
		{ TAG, 1, 1 },
		{ "*", 1, 1 },
		{ "  *\t", 1, 1 },
		{ "W/" TAG, 1, 0 },
		{ "\"x\", " TAG, 1, 1 },
		{ "\"x\",W/" TAG, 1, 0 },
		{ "\"x\" ,\t" TAG " , \"y\"", 1, 1 },
		{ ",," TAG ",", 1, 1 }, /* empty list elements */
		{ "\"x\", \"y\"", 0, 0 },
		{ "\"6553f100-6", 0, 0 },    /* unterminated */
		{ "6553f100-6", 0, 0 },      /* unquoted */
		{ "\"6553F100-6\"", 0, 0 },  /* opaque tags are exact */
		{ "\"6553f100-6\"x", 0, 0 }, /* junk after a tag */
		{ TAG " " TAG, 0, 0 },       /* no comma between */
		{ "w/" TAG, 0, 0 },          /* W is upper case */
		{ "W/ " TAG, 0, 0 },
		{ "*, " TAG, 0, 0 }, /* "*" stands alone */
		{ "\"\"", 0, 0 },
		{ "", 0, 0 },
		{ " ", 0, 0 },
		{ "\"a\x01\"", 0, 0 },     /* not an etagc */
		{ "\"a b\", " TAG, 0, 0 }, /* malformed first: all of it */
		{ TAG ", \"a b\"", 0, 0 },
	};
	int failed = 0;

	for (size_t i = 0; i < nitems(cases); i++) {
		size_t len = strlen(cases[i].list);
		bool w = cond_etag_match(cases[i].list, len, TAG, true);
		bool s = cond_etag_match(cases[i].list, len, TAG, false);
		if (w == (cases[i].weak_match != 0) &&
		    s == (cases[i].strong_match != 0))
			continue;
		fprintf(stderr, "etag list %zu '%s': weak %d strong %d\n", i,
			cases[i].list, w, s);
		failed++;
	}
	ck_assert_msg(failed == 0, "%d etag lists misjudged (stderr)", failed);
}
END_TEST

#define F(v)                              \
	{                                 \
		v, sizeof(v) - 1, 1, NULL \
	}
#define F2(v)                             \
	{                                 \
		v, sizeof(v) - 1, 2, NULL \
	}
#define NONE                     \
	{                        \
		NULL, 0, 0, NULL \
	}
/* Two or three field lines, as request.c spans them: first value to last */
#define INM2(a, b)                                                \
	{                                                         \
		a "\r\nIf-None-Match: " b,                        \
			sizeof(a "\r\nIf-None-Match: " b) - 1, 2, \
			"if-none-match"                           \
	}
#define IM2(a, b)                                                            \
	{                                                                    \
		a "\r\nX-Other: " TAG "\r\nif-match:" b,                     \
			sizeof(a "\r\nX-Other: " TAG "\r\nif-match:" b) - 1, \
			2, "if-match"                                        \
	}

static const struct {
	struct cond_request rq;
	enum cond_result want;
} evals[] = {
	/* nothing asked */
	{ { NONE, NONE, NONE, NONE, true }, COND_PROCEED },
	/* If-None-Match */
	{ { NONE, F(TAG), NONE, NONE, true }, COND_NOT_MODIFIED },
	{ { NONE, F("W/" TAG), NONE, NONE, true }, COND_NOT_MODIFIED },
	{ { NONE, F("*"), NONE, NONE, true }, COND_NOT_MODIFIED },
	{ { NONE, F("\"other\""), NONE, NONE, true }, COND_PROCEED },
	{ { NONE, F(TAG), NONE, NONE, false }, COND_FAILED },
	/* If-Modified-Since */
	{ { NONE, NONE, F(AT_MTIME), NONE, true }, COND_NOT_MODIFIED },
	{ { NONE, NONE, F(AFTER), NONE, true }, COND_NOT_MODIFIED },
	{ { NONE, NONE, F(BEFORE), NONE, true }, COND_PROCEED },
	{ { NONE, NONE, F("Tuesday, 14-Nov-23 22:13:20 GMT"), NONE, true },
	  COND_NOT_MODIFIED },
	{ { NONE, NONE, F("Tue Nov 14 22:13:20 2023"), NONE, true },
	  COND_NOT_MODIFIED },
	{ { NONE, NONE, F("yesterday"), NONE, true }, COND_PROCEED },
	{ { NONE, NONE, F2(AT_MTIME), NONE, true }, COND_PROCEED },
	{ { NONE, NONE, F(AT_MTIME), NONE, false }, COND_PROCEED },
	/* If-None-Match wins over If-Modified-Since, either way */
	{ { NONE, F("\"other\""), F(AT_MTIME), NONE, true }, COND_PROCEED },
	{ { NONE, F(TAG), F(BEFORE), NONE, true }, COND_NOT_MODIFIED },
	/* If-Match */
	{ { F(TAG), NONE, NONE, NONE, true }, COND_PROCEED },
	{ { F("*"), NONE, NONE, NONE, true }, COND_PROCEED },
	{ { F("\"a\", " TAG), NONE, NONE, NONE, false }, COND_PROCEED },
	{ { F("W/" TAG), NONE, NONE, NONE, true }, COND_FAILED },
	{ { F("\"other\""), NONE, NONE, NONE, true }, COND_FAILED },
	{ { F("garbage"), NONE, NONE, NONE, true }, COND_FAILED },
	/* If-Unmodified-Since */
	{ { NONE, NONE, NONE, F(AT_MTIME), true }, COND_PROCEED },
	{ { NONE, NONE, NONE, F(AFTER), true }, COND_PROCEED },
	{ { NONE, NONE, NONE, F(BEFORE), true }, COND_FAILED },
	{ { NONE, NONE, NONE, F("not a date"), true }, COND_PROCEED },
	{ { NONE, NONE, NONE, F2(BEFORE), true }, COND_PROCEED },
	/* If-Match wins over If-Unmodified-Since, either way */
	{ { F(TAG), NONE, NONE, F(BEFORE), true }, COND_PROCEED },
	{ { F("\"other\""), NONE, NONE, F(AFTER), true }, COND_FAILED },
	/* 412 comes before 304 */
	{ { F("\"other\""), F(TAG), NONE, NONE, true }, COND_FAILED },
	{ { NONE, F(TAG), NONE, F(BEFORE), true }, COND_FAILED },
	{ { NONE, NONE, F(AT_MTIME), F(BEFORE), true }, COND_FAILED },
	/* several lines of a list field are one list (RFC 9110 5.3) */
	{ { NONE, INM2(TAG, "\"zz\""), NONE, NONE, true }, COND_NOT_MODIFIED },
	{ { NONE, INM2("\"zz\"", TAG), NONE, NONE, true }, COND_NOT_MODIFIED },
	{ { NONE, INM2("", "W/" TAG " "), NONE, NONE, true },
	  COND_NOT_MODIFIED },
	{ { NONE, INM2("\"a\"", "\"b\""), NONE, NONE, true }, COND_PROCEED },
	{ { NONE, INM2(TAG, "bad"), NONE, NONE, true }, COND_PROCEED },
	{ { NONE, INM2("*", TAG), NONE, NONE, true }, COND_PROCEED },
	{ { IM2(TAG, " \"zz\""), NONE, NONE, NONE, true }, COND_PROCEED },
	{ { IM2("\"zz\"", TAG), NONE, NONE, NONE, true }, COND_PROCEED },
	/* a line of another field between does not count */
	{ { IM2("\"zz\"", "\"yy\""), NONE, NONE, NONE, true }, COND_FAILED },
	{ { IM2("\"zz\"", "x"), NONE, NONE, NONE, true }, COND_FAILED },
	/* both pass, then 304 */
	{ { F(TAG), F(TAG), NONE, NONE, true }, COND_NOT_MODIFIED },
	{ { NONE, NONE, F(AFTER), F(AFTER), true }, COND_NOT_MODIFIED },
};

/* A weak validator of ours (a directory listing's) matches only weakly. */
START_TEST(test_cond_weak_own_tag)
{
	static const char own[] = "W/\"1-2-3\"";
	static const struct cond_field ir = { "\"1-2-3\"", 7, 1, NULL };

	ck_assert(cond_etag_match("W/\"1-2-3\"", 9, own, true));
	ck_assert(cond_etag_match("\"1-2-3\"", 7, own, true));
	ck_assert(cond_etag_match("*", 1, own, false));
	ck_assert(!cond_etag_match("\"1-2-3\"", 7, own, false));
	ck_assert(!cond_etag_match("W/\"1-2-3\"", 9, own, false));
	ck_assert(!cond_etag_match("\"W/\"", 5, own, true));
	ck_assert(!cond_if_range(&ir, own, MTIME));
}
END_TEST

START_TEST(test_cond_evaluate)
{
	int failed = 0;

	for (size_t i = 0; i < nitems(evals); i++) {
		enum cond_result r = cond_evaluate(&evals[i].rq, TAG, MTIME);
		if (r == evals[i].want)
			continue;
		fprintf(stderr, "cond case %zu: %d, want %d\n", i, r,
			evals[i].want);
		failed++;
	}
	ck_assert_msg(failed == 0, "%d of %zu evaluations wrong (stderr)",
		      failed, nitems(evals));
}
END_TEST

START_TEST(test_cond_if_range)
{
	static const struct {
		struct cond_field f;
		int honour;
	} cases[] = {
		{ F(TAG), 1 },
		{ F(TAG "  "), 1 },
		{ F("W/" TAG), 0 }, /* weak tags never */
		{ F("\"other\""), 0 },
		{ F(TAG ", " TAG), 0 }, /* one tag, not a list */
		{ F(AT_MTIME), 1 },
		{ F(BEFORE), 0 }, /* a date must match exactly */
		{ F(AFTER), 0 },
		{ F("Wed, 15 Nov 2023 22:13:20 GMT"), 0 },
		{ F("Tue Nov 14 22:13:20 2023"), 1 },
		{ F("garbage"), 0 },
		{ F(""), 0 },
		{ F2(TAG), 0 }, /* sent twice */
		{ NONE, 0 },
	};
	int failed = 0;

	for (size_t i = 0; i < nitems(cases); i++) {
		bool r = cond_if_range(&cases[i].f, TAG, MTIME);
		if (r == (cases[i].honour != 0))
			continue;
		fprintf(stderr, "if-range %zu '%.*s': %d\n", i,
			(int)cases[i].f.len, cases[i].f.s ? cases[i].f.s : "",
			r);
		failed++;
	}
	ck_assert_msg(failed == 0, "%d If-Range cases wrong (stderr)", failed);
}
END_TEST

Suite *cond_suite(void)
{
	Suite *s = suite_create("cond");
	TCase *tc = tcase_create("cond");

	tcase_add_test(tc, test_cond_etag_match);
	tcase_add_test(tc, test_cond_evaluate);
	tcase_add_test(tc, test_cond_weak_own_tag);
	tcase_add_test(tc, test_cond_if_range);
	suite_add_tcase(s, tc);
	return s;
}
