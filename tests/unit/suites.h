/* One Check suite per module; tests/unit/test_<module>.c defines it. */
#ifndef FORKD_TEST_SUITES_H
#define FORKD_TEST_SUITES_H

#include <check.h>

Suite *config_suite(void);
Suite *confval_suite(void);
Suite *conftext_suite(void);
Suite *confexpand_suite(void);
Suite *cpus_suite(void);
Suite *route_suite(void);
Suite *path_suite(void);
Suite *mime_suite(void);
Suite *request_suite(void);
Suite *response_suite(void);
Suite *file_suite(void);
Suite *log_suite(void);
Suite *listen_suite(void);
Suite *event_suite(void);
Suite *daemon_suite(void);
Suite *conn_suite(void);
Suite *reply_suite(void);
Suite *serve_suite(void);
Suite *endpoint_suite(void);
Suite *proxy_suite(void);
Suite *status_suite(void);
Suite *cidr_suite(void);
Suite *cond_suite(void);
Suite *range_suite(void);
Suite *fcache_suite(void);
Suite *fdcache_suite(void);
Suite *coding_suite(void);
Suite *autoindex_suite(void);
Suite *redirect_suite(void);
Suite *redirmap_suite(void);
Suite *tryfiles_suite(void);
Suite *confsites_suite(void);
Suite *navigation_suite(void);
Suite *etag_suite(void);
Suite *human_suite(void);
Suite *statuspage_suite(void);
Suite *docroot_suite(void);
Suite *platform_suite(void);
Suite *iopool_suite(void);

#endif
