/* human: sizes and durations for people, at every unit boundary. */
#include <string.h>

#include "human.h"
#include "suites.h"

START_TEST(test_human_bytes)
{
	static const struct {
		uint64_t n;
		const char *want;
	} cases[] = {
		{ 0, "0 B" },
		{ 1, "1 B" },
		{ 1023, "1023 B" },
		{ 1024, "1.0 KiB" },
		{ 1229, "1.2 KiB" },
		{ 102297, "99.9 KiB" },
		{ 102349, "100 KiB" },
		{ 102400, "100 KiB" },
		{ 1047552, "1023 KiB" },
		{ 1048575, "1.0 MiB" },
		{ 1048576, "1.0 MiB" },
		{ 5ull << 30, "5.0 GiB" },
		{ UINT64_MAX, "16.0 EiB" },
	};
	char out[HUMAN_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = human_bytes(cases[i].n, out, sizeof(out));
		ck_assert_str_eq(out, cases[i].want);
		ck_assert_uint_eq(n, strlen(cases[i].want));
	}
	/* Too small a buffer: cut, still terminated, length of what is there. */
	ck_assert_uint_eq(human_bytes(1229, out, 4), 3);
	ck_assert_str_eq(out, "1.2");
}
END_TEST

START_TEST(test_human_duration)
{
	static const struct {
		uint64_t s;
		const char *want;
	} cases[] = {
		{ 0, "0s" },
		{ 59, "59s" },
		{ 60, "1m 00s" },
		{ 3599, "59m 59s" },
		{ 3600, "1h 00m" },
		{ 86399, "23h 59m" },
		{ 86400, "1d 00h" },
		{ 90061, "1d 01h" },
		{ 400 * 86400ull, "400d 00h" },
	};
	char out[HUMAN_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		human_duration(cases[i].s, out, sizeof(out));
		ck_assert_str_eq(out, cases[i].want);
	}
}
END_TEST

Suite *human_suite(void)
{
	Suite *s = suite_create("human");
	TCase *tc = tcase_create("human");

	tcase_add_test(tc, test_human_bytes);
	tcase_add_test(tc, test_human_duration);
	suite_add_tcase(s, tc);
	return s;
}
