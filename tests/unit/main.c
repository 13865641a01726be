/*
 * The unit test runner: every module's suite in one SRunner, so Check prints
 * one summary line.  Each test runs in its own process (CK_FORK) with
 * Check's default timeout, so a crash or hang fails that test alone.
 *
 * Every suite is a strong reference: a module whose test file is missing
 * from the link fails the build instead of being skipped without a word.
 */
#include <stdlib.h>

#include "suites.h"

int main(void)
{
	Suite *(*const all[])(void) = {
		config_suite,     confval_suite,    conftext_suite,
		confexpand_suite, cpus_suite,       route_suite,
		path_suite,       mime_suite,       request_suite,
		response_suite,   file_suite,       log_suite,
		listen_suite,     conn_suite,       reply_suite,
		serve_suite,      event_suite,      daemon_suite,
		endpoint_suite,   proxy_suite,      status_suite,
		cidr_suite,       cond_suite,       range_suite,
		fcache_suite,     coding_suite,     autoindex_suite,
		redirect_suite,   redirmap_suite,   tryfiles_suite,
		confsites_suite,  navigation_suite, etag_suite,
		human_suite,      statuspage_suite, docroot_suite,
		platform_suite,   iopool_suite,     fdcache_suite,
	};
	SRunner *sr = srunner_create(NULL);

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		srunner_add_suite(sr, all[i]());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
