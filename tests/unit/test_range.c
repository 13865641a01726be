/*
 * range: Range values against a file size — single, suffix, open-ended,
 * lists, coalescing, abuse and malformed input — and the multipart
 * framing whose length must add up exactly.
 */
#include <stdio.h>
#include <string.h>

#include "range.h"
#include "suites.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

struct range_case {
	const char *in;
	uint64_t size;
	enum range_result want;
	const char *parts; /* "a-b,c-d" inclusive, for RANGE_OK */
};

#define OK(in, size, parts)               \
	{                                 \
		in, size, RANGE_OK, parts \
	}
#define IGN(in, size)                        \
	{                                    \
		in, size, RANGE_IGNORE, NULL \
	}
#define UNSAT(in, size)                             \
	{                                           \
		in, size, RANGE_UNSATISFIABLE, NULL \
	}

static const struct range_case cases[] = {
	/* single ranges */
	OK("bytes=0-0", 100, "0-0"), OK("bytes=0-99", 100, "0-99"),
	OK("bytes=10-19", 100, "10-19"),
	OK("bytes=10-1000", 100, "10-99"), /* clamped */
	OK("bytes=99-", 100, "99-99"),     /* open-ended */
	OK("bytes=0-", 100, "0-99"), OK("bytes=-1", 100, "99-99"), /* suffix */
	OK("bytes=-100", 100, "0-99"), OK("bytes=-1000", 100, "0-99"),
	OK("BYTES=1-2", 100, "1-2"), /* unit case-insensitive */
	OK("bytes=1-2 ", 100, "1-2"),
	OK("bytes=0-99999999999999999999999", 100, "0-99"),
	OK("bytes=-99999999999999999999999", 100, "0-99"),
	/* lists */
	OK("bytes=0-0,2-2", 100, "0-0,2-2"),
	OK("bytes=0-9, 20-29,\t40-", 100, "0-9,20-29,40-99"),
	OK("bytes=0-9,,20-29,", 100, "0-9,20-29"), /* empty elements */
	OK("bytes=0-9,10-19", 100, "0-9,10-19"),   /* ascending: kept */
	OK("bytes=20-29,0-9", 100, "0-9,20-29"),   /* sorted */
	OK("bytes=0-9,5-14", 100, "0-14"),         /* overlap merged */
	OK("bytes=10-19,0-9", 100, "0-19"),        /* adjacent merged */
	OK("bytes=0-1,200-300", 100, "0-1"),       /* unsatisfiable dropped */
	OK("bytes=500-,-5", 100, "95-99"),
	/* unsatisfiable */
	UNSAT("bytes=100-", 100), UNSAT("bytes=100-200", 100),
	UNSAT("bytes=-0", 100), UNSAT("bytes=0-", 0),
	/* a non-zero suffix is satisfiable on an empty file (RFC 9110
	 * 14.1.1) but selects nothing: the Range is ignored, 200 */
	IGN("bytes=-5", 0), IGN("bytes=0-,-1", 0), UNSAT("bytes=-0", 0),
	UNSAT("bytes=0-0", 0), UNSAT("bytes=200-300,400-", 100),
	UNSAT("bytes=99999999999999999999-", 100),
	/* ignored: malformed */
	IGN("", 100), IGN("bytes", 100), IGN("bytes=", 100),
	IGN("bytes=,", 100), IGN("bytes = 0-1", 100), IGN("items=0-1", 100),
	IGN("bytes=a-b", 100), IGN("bytes=1", 100), IGN("bytes=-", 100),
	IGN("bytes=--1", 100), IGN("bytes=5-4", 100), IGN("bytes=0-1-2", 100),
	IGN("bytes=0-1;2-3", 100), IGN("bytes=0-1 2-3", 100),
	IGN("bytes=+1-2", 100), IGN("bytes=0x1-2", 100), IGN("bytes=1 -2", 100),
	IGN("bytes=1- 2", 100), IGN("bytes=0-1,x", 100),
	IGN("bytes=0-1,500-400", 100), /* one bad spec: all */
	IGN("bytes=\0"
	    "0-1",
	    100),
	/* ignored: abuse */
	IGN("bytes=0-99,0-99", 100), /* more than the file */
	IGN("bytes=0-,0-", 100), IGN("bytes=-60,0-50", 100),
	IGN("bytes=0-0,2-2,4-4,6-6,8-8,10-10,12-12,14-14,16-16,18-18,"
	    "20-20,22-22,24-24,26-26,28-28,30-30,32-32",
	    100), /* 17 parts */
};

static int parts_check(const struct range_set *rs, const char *want)
{
	char got[512] = "";
	size_t n = 0;

	for (unsigned k = 0; k < rs->n; k++)
		n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%llu-%llu",
				      k ? "," : "",
				      (unsigned long long)rs->r[k].start,
				      (unsigned long long)rs->r[k].end - 1);
	if (strcmp(got, want) == 0)
		return 0;
	fprintf(stderr, "  parts %s, want %s\n", got, want);
	return 1;
}

START_TEST(test_range_parse)
{
	int failed = 0;

	for (size_t i = 0; i < nitems(cases); i++) {
		const struct range_case *c = &cases[i];
		struct range_set rs;
		size_t len = strlen(c->in);

		if (i == nitems(cases) - 5)
			len = 9; /* the one with a NUL */
		enum range_result r = range_parse(c->in, len, c->size, &rs);
		int bad = r != c->want;
		if (!bad && r == RANGE_OK)
			bad = parts_check(&rs, c->parts);
		if (!bad && r != RANGE_OK)
			bad = rs.n != 0;
		if (bad) {
			fprintf(stderr,
				"range %zu \"%s\" size %llu: %d, want "
				"%d\n",
				i, c->in, (unsigned long long)c->size, r,
				c->want);
			failed++;
		}
	}
	ck_assert_msg(failed == 0, "%d of %zu range cases wrong (stderr)",
		      failed, nitems(cases));
}
END_TEST

/* 16 parts exactly is the limit; 65 specs are too many to read. */
START_TEST(test_range_limits)
{
	char in[2048] = "bytes=";
	struct range_set rs;

	for (int k = 0; k < RANGE_MAX; k++)
		snprintf(in + strlen(in), sizeof(in) - strlen(in), "%s%d-%d",
			 k ? "," : "", k * 2, k * 2);
	ck_assert_int_eq(range_parse(in, strlen(in), 100, &rs), RANGE_OK);
	ck_assert_uint_eq(rs.n, RANGE_MAX);
	/* 65 overlapping specs of one byte coalesce to one, but are not read */
	strcpy(in, "bytes=0-0");
	for (int k = 1; k <= RANGE_SPECS_MAX; k++)
		strcat(in, ",0-0");
	ck_assert_int_eq(range_parse(in, strlen(in), 100, &rs), RANGE_IGNORE);
	strcpy(in, "bytes=0-0");
	for (int k = 1; k < RANGE_SPECS_MAX; k++)
		strcat(in, ",1-1");
	ck_assert_int_eq(range_parse(in, strlen(in), 100, &rs), RANGE_OK);
	strcat(in, ",2-2");
	ck_assert_int_eq(range_parse(in, strlen(in), 100, &rs), RANGE_IGNORE);
}
END_TEST

START_TEST(test_range_boundary)
{
	char a[RANGE_BOUNDARY_LEN + 1], b[RANGE_BOUNDARY_LEN + 1];

	range_boundary(1, a);
	range_boundary(2, b);
	ck_assert_uint_eq(strlen(a), RANGE_BOUNDARY_LEN);
	ck_assert_str_ne(a, b);
	for (size_t i = 0; i < RANGE_BOUNDARY_LEN; i++)
		ck_assert_msg((a[i] >= 'a' && a[i] <= 'z') ||
				      (a[i] >= '0' && a[i] <= '9'),
			      "boundary %s", a);
	range_boundary(1, b);
	ck_assert_str_eq(a, b);
}
END_TEST

/* The framing laid out by hand adds up to range_multipart_length. */
START_TEST(test_range_multipart)
{
	struct range_set rs = { { { 0, 1 }, { 10, 20 }, { 99, 100 } }, 3 };
	const char *type = "text/plain; charset=utf-8";
	char out[1024];
	size_t n;

	n = range_part_head(out, sizeof(out), "BND", type, &rs.r[1], 100);
	ck_assert_str_eq(out, "\r\n--BND\r\nContent-Type: text/plain; "
			      "charset=utf-8\r\nContent-Range: bytes 10-19/100"
			      "\r\n\r\n");
	ck_assert_uint_eq(n, strlen(out));
	ck_assert_uint_eq(range_part_head(out, n, "BND", type, &rs.r[1], 100),
			  0);
	ck_assert_uint_eq(
		range_part_head(out, n + 1, "BND", type, &rs.r[1], 100), n);
	n = range_multipart_tail(out, sizeof(out), "BND");
	ck_assert_str_eq(out, "\r\n--BND--\r\n");
	ck_assert_uint_eq(n, 11);

	uint64_t total = 11;
	for (unsigned k = 0; k < rs.n; k++)
		total += range_part_head(out, sizeof(out), "BND", type,
					 &rs.r[k], 100) +
			 rs.r[k].end - rs.r[k].start;
	ck_assert_uint_eq(range_multipart_length(&rs, "BND", type, 100), total);
}
END_TEST

Suite *range_suite(void)
{
	Suite *s = suite_create("range");
	TCase *tc = tcase_create("range");

	tcase_add_test(tc, test_range_parse);
	tcase_add_test(tc, test_range_limits);
	tcase_add_test(tc, test_range_boundary);
	tcase_add_test(tc, test_range_multipart);
	suite_add_tcase(s, tc);
	return s;
}
