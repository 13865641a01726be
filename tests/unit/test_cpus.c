/*
 * cpus: the cgroup v2 cpu.max parser from its text, and the usable count
 * against this process's own affinity mask.
 */
#include <sched.h>

#include "cpus.h"
#include "suites.h"

static const struct {
	const char *text;
	unsigned cpus;
} quotas[] = {
	{ "max 100000", 0 }, /* no quota */
	{ "max 100000\n", 0 },
	{ "150000 100000", 2 }, /* rounded up */
	{ "150000 100000\n", 2 },
	{ "50000 100000", 1 },
	{ "100000 100000\n", 1 },
	{ "400000 100000\n", 4 },
	{ "0 100000", 0 },
	{ "100000 0", 0 }, /* no period: no quota */
	{ "", 0 },
	{ "\n", 0 },
	{ "garbage", 0 },
	{ "150000", 0 },
	{ "150000  100000", 0 },
	{ " 150000 100000", 0 },
	{ "150000 100000 x", 0 },
	{ "-150000 100000", 0 },
	{ "150000 -100000", 0 },
	{ "99999999999999999999 1", 0 }, /* too many digits */
	{ "1e5 100000", 0 },
};

START_TEST(test_quota_parse)
{
	ck_assert_msg(cpus_quota_parse(quotas[_i].text) == quotas[_i].cpus,
		      "\"%s\": %u, want %u", quotas[_i].text,
		      cpus_quota_parse(quotas[_i].text), quotas[_i].cpus);
}
END_TEST

START_TEST(test_cpus_usable)
{
	cpu_set_t set, one;

	ck_assert_int_eq(sched_getaffinity(0, sizeof(set), &set), 0);
	ck_assert_uint_eq(cpus_usable(), (unsigned)CPU_COUNT(&set));

	/* Narrowing the mask narrows the count. */
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		ck_assert_int_eq(sched_setaffinity(0, sizeof(one), &one), 0);
		ck_assert_uint_eq(cpus_usable(), 1);
		ck_assert_int_eq(sched_setaffinity(0, sizeof(set), &set), 0);
		break;
	}
}
END_TEST
Suite *cpus_suite(void)
{
	Suite *s = suite_create("cpus");
	TCase *tc = tcase_create("count");

	tcase_add_loop_test(tc, test_quota_parse, 0,
			    sizeof(quotas) / sizeof(quotas[0]));
	tcase_add_test(tc, test_cpus_usable);
	suite_add_tcase(s, tc);
	return s;
}
