/*
 * docroot: a root follows its path across a rename over a link, keeps the
 * old directory while the path names nothing, closes a retired fd after
 * DOCROOT_RETIRE_S; a set shares one docroot among servers with the same
 * root and checks once per second.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "docroot.h"
#include "suites.h"

static char dir[64], cur[128], tmp[128];

static void setup(void)
{
	char p[128];

	strcpy(dir, "/tmp/forkd-test-docroot-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/v1", dir);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/v2", dir);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	snprintf(cur, sizeof(cur), "%s/current", dir);
	snprintf(tmp, sizeof(tmp), "%s/current.new", dir);
	ck_assert_int_eq(symlink("v1", cur), 0);
}

static void teardown(void)
{
	char cmd[96];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void flip(const char *to)
{
	unlink(tmp);
	ck_assert_int_eq(symlink(to, tmp), 0);
	ck_assert_int_eq(rename(tmp, cur), 0);
}

/* Which release fd is: its directory's inode against v1's and v2's. */
static int release_of(int fd)
{
	struct stat st, v;
	char p[128];

	ck_assert_int_eq(fstat(fd, &st), 0);
	for (int i = 1; i <= 2; i++) {
		snprintf(p, sizeof(p), "%s/v%d", dir, i);
		ck_assert_int_eq(stat(p, &v), 0);
		if (v.st_ino == st.st_ino)
			return i;
	}
	return 0;
}

START_TEST(test_follows_flip)
{
	struct docroot r;

	ck_assert_int_eq(docroot_open(&r, cur), 0);
	ck_assert_int_eq(release_of(r.fd), 1);
	ck_assert_int_eq(docroot_check(&r, 100), 0);
	flip("v2");
	ck_assert_int_eq(docroot_check(&r, 101), 1);
	ck_assert_int_eq(release_of(r.fd), 2);
	ck_assert_int_eq(release_of(r.retired_fd), 1); /* still usable */
	ck_assert_int_eq(docroot_check(&r, 101 + DOCROOT_RETIRE_S - 1), 0);
	ck_assert_int_ne(r.retired_fd, -1);
	ck_assert_int_eq(docroot_check(&r, 101 + DOCROOT_RETIRE_S), 0);
	ck_assert_int_eq(r.retired_fd, -1);
	/* Gone: the old tree stays; back: followed. */
	ck_assert_int_eq(unlink(cur), 0);
	ck_assert_int_eq(docroot_check(&r, 200), 0);
	ck_assert_int_eq(release_of(r.fd), 2);
	ck_assert_int_eq(symlink("v1", cur), 0);
	ck_assert_int_eq(docroot_check(&r, 201), 1);
	ck_assert_int_eq(release_of(r.fd), 1);
	docroot_close(&r);
}
END_TEST

START_TEST(test_set_shares_and_checks_once_a_second)
{
	char v1[128];
	const char *paths[4];
	size_t index[4];
	const char *bad = NULL;
	struct docroot_set s;

	snprintf(v1, sizeof(v1), "%s/v1", dir);
	paths[0] = cur;
	paths[1] = v1;
	paths[2] = cur;
	paths[3] = v1;
	ck_assert_int_eq(docroot_set_open(&s, paths, 4, index, &bad), 0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_uint_eq(index[0], index[2]);
	ck_assert_uint_eq(index[1], index[3]);
	ck_assert_uint_ne(index[0], index[1]);
	ck_assert_uint_eq(docroot_set_check(&s, 50), 0);
	flip("v2");
	ck_assert_uint_eq(docroot_set_check(&s, 50), 0); /* same second */
	ck_assert_uint_eq(docroot_set_check(&s, 51), 1);
	ck_assert_int_eq(release_of(s.v[index[0]].fd), 2);
	ck_assert_int_eq(release_of(s.v[index[1]].fd), 1);
	docroot_set_close(&s);
	paths[1] = "/nonexistent/forkd-root";
	ck_assert_int_eq(docroot_set_open(&s, paths, 2, index, &bad), -1);
	ck_assert_str_eq(bad, "/nonexistent/forkd-root");
}
END_TEST

Suite *docroot_suite(void)
{
	Suite *s = suite_create("docroot");
	TCase *tc = tcase_create("docroot");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_follows_flip);
	tcase_add_test(tc, test_set_shares_and_checks_once_a_second);
	suite_add_tcase(s, tc);
	return s;
}
