/*
 * The unit test runner: every module's suite in one SRunner, so Check prints
 * one summary line.  Each test runs in its own process (CK_FORK) with
 * Check's default timeout, so a crash or hang fails that test alone.
 */
#include <stdlib.h>

#include "suites.h"

/* A module whose test file is not linked in is simply absent. */
#pragma weak config_suite
#pragma weak confval_suite
#pragma weak conftext_suite
#pragma weak confexpand_suite
#pragma weak cpus_suite
#pragma weak route_suite
#pragma weak path_suite
#pragma weak mime_suite
#pragma weak request_suite
#pragma weak response_suite
#pragma weak file_suite
#pragma weak log_suite
#pragma weak listen_suite
#pragma weak conn_suite
#pragma weak proxy_suite
#pragma weak status_suite
#pragma weak cidr_suite
#pragma weak cond_suite
#pragma weak range_suite
#pragma weak fcache_suite
#pragma weak coding_suite
#pragma weak autoindex_suite

int main(void)
{
	Suite *(*const all[])(void) = {
		config_suite, confval_suite, conftext_suite, confexpand_suite,
		cpus_suite, route_suite,
		path_suite, mime_suite, request_suite, response_suite,
		file_suite, log_suite, listen_suite, conn_suite, proxy_suite,
		status_suite, cidr_suite,
		cond_suite, range_suite, fcache_suite, coding_suite, autoindex_suite,
	};
	SRunner *sr = NULL;

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (all[i] == NULL)
			continue;
		if (sr == NULL)
			sr = srunner_create(all[i]());
		else
			srunner_add_suite(sr, all[i]());
	}
	if (sr == NULL)
		return EXIT_FAILURE;
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
