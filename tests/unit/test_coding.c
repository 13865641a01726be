/*
 * coding_accepted: which precompressed siblings an Accept-Encoding allows,
 * and in which order they are tried.
 */
#include <string.h>

#include "coding.h"
#include "suites.h"

struct coding_case {
	const char *field;
	const char *want; /* "", "b", "g", "bg", "gb" */
};

static const struct coding_case cases[] = {
	{ "", "" },
	{ "gzip", "g" },
	{ "br", "b" },
	{ "gzip, br", "bg" },
	{ "br, gzip", "bg" },
	{ "gzip, deflate, br, zstd", "bg" },
	{ "GZIP, Br", "bg" },
	{ "x-gzip", "g" },
	{ "identity", "" },
	{ "deflate", "" },
	{ "*", "bg" },
	{ "*;q=0", "" },
	{ "*, br;q=0", "g" },
	{ "*, gzip;q=0", "b" },
	{ "gzip;q=0", "" },
	{ "gzip;q=0.000", "" },
	{ "gzip;q=0.001", "g" },
	{ "br;q=0, gzip", "g" },
	{ "br; q=0 , gzip", "g" },
	{ "br;Q=0,gzip", "g" },
	{ "gzip;q=1, br;q=0.5", "gb" },
	{ "gzip;q=0.8, br;q=0.8", "bg" },
	{ "gzip;q=0.5, br", "bg" },
	{ "gzip ;q=0.5 ; foo=bar", "g" },
	{ "gzip;q=2", "" }, /* malformed weight: element skipped */
	{ "gzip;q=1.5", "" },
	{ "gzip;q=0.5555", "" },
	{ "gzip;q=", "" },
	{ "gzip;q=abc, br", "b" },
	{ ",,, gzip ,,", "g" },
	{ "  \t br \t ", "b" },
	{ "gzipx, brotli", "" },
	{ ";q=1", "" },
	{ "br;q=0.5, *;q=0.9", "gb" },
	{ "br, br;q=0", "" }, /* the last word counts */
};

START_TEST(test_coding_cases)
{
	const struct coding_case *c = &cases[_i];
	enum coding order[CODING_COUNT_];
	char got[3] = "";
	size_t n = coding_accepted(c->field, strlen(c->field), order);

	ck_assert_uint_le(n, 2);
	for (size_t i = 0; i < n; i++)
		got[i] = order[i] == CODING_BR ? 'b' : 'g';
	got[n] = '\0';
	ck_assert_msg(strcmp(got, c->want) == 0,
		      "\"%s\": got \"%s\", want \"%s\"", c->field, got,
		      c->want);
}
END_TEST

START_TEST(test_coding_names)
{
	ck_assert_str_eq(coding_name(CODING_BR), "br");
	ck_assert_str_eq(coding_name(CODING_GZIP), "gzip");
	ck_assert_str_eq(coding_suffix(CODING_BR), ".br");
	ck_assert_str_eq(coding_suffix(CODING_GZIP), ".gz");
}
END_TEST

START_TEST(test_coding_not_nul_terminated)
{
	/* the span ends before ";q=0": gzip is accepted */
	static const char field[] = "gzip;q=0";
	enum coding order[CODING_COUNT_];

	ck_assert_uint_eq(coding_accepted(field, 4, order), 1);
	ck_assert_int_eq(order[0], CODING_GZIP);
}
END_TEST

Suite *coding_suite(void)
{
	Suite *s = suite_create("coding");
	TCase *tc = tcase_create("accept-encoding");

	tcase_add_loop_test(tc, test_coding_cases, 0,
			    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_coding_names);
	tcase_add_test(tc, test_coding_not_nul_terminated);
	suite_add_tcase(s, tc);
	return s;
}
