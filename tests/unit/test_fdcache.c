/*
 * fdcache: a settled file's descriptor is kept and handed out duplicated
 * (the copies share one open file, seen through the shared offset); a
 * fresh file is not kept; a file replaced on disk is served new once
 * FCACHE_RECHECK_MS has passed; fdcache_clear closes what is kept.
 */
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fcache.h"
#include "fdcache.h"
#include "fixture.h"
#include "suites.h"

static char dir[64];
static int rootfd = -1;

static void put(const char *name, const char *data)
{
	int fd = openat(rootfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			0644);

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	close(fd);
}

static void setup(void)
{
	strcpy(dir, "/tmp/forkd-test-fdcache-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ne(rootfd, -1);
}

static void teardown(void)
{
	fdcache_clear();
	unlinkat(rootfd, "a.bin", 0);
	unlinkat(rootfd, "b.bin", 0);
	close(rootfd);
	rmdir(dir);
}

/* Do a and b share one open file (a duplicate), or two opens? */
static bool shared(int a, int b)
{
	ck_assert_int_eq(lseek(a, 3, SEEK_SET), 3);
	ck_assert_int_eq(lseek(b, 0, SEEK_SET), 0);
	return lseek(a, 0, SEEK_CUR) == 0;
}

static void check_bytes(int fd, const char *want)
{
	char buf[64] = { 0 };

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, buf, sizeof(buf) - 1, 0),
			 (ssize_t)strlen(want));
	ck_assert_str_eq(buf, want);
}

START_TEST(test_fresh_file_not_kept)
{
	struct stat st;

	put("a.bin", "hello");
	int a = fdcache_open(rootfd, "/a.bin", &st);
	int b = fdcache_open(rootfd, "/a.bin", &st);
	check_bytes(a, "hello");
	check_bytes(b, "hello");
	ck_assert(!shared(a, b));
	close(a);
	close(b);
}
END_TEST

START_TEST(test_kept_until_replaced)
{
	struct stat st;

	put("a.bin", "hello");
	sleep(FCACHE_SETTLE + 1);
	int a = fdcache_open(rootfd, "/a.bin", &st);
	int b = fdcache_open(rootfd, "/a.bin", &st);
	check_bytes(a, "hello");
	ck_assert_int_eq(st.st_size, 5);
	ck_assert(shared(a, b));
	close(a);
	close(b);
	/* Replaced by a rename, as a deploy does: the old file until the
	 * next stat, at most FCACHE_RECHECK_MS later; then the new one. */
	put("b.bin", "second");
	ck_assert_int_eq(renameat(rootfd, "b.bin", rootfd, "a.bin"), 0);
	usleep((FCACHE_RECHECK_MS + 50) * 1000);
	a = fdcache_open(rootfd, "/a.bin", &st);
	check_bytes(a, "second");
	ck_assert_int_eq(st.st_size, 6);
	close(a);
}
END_TEST

START_TEST(test_gone_and_cleared)
{
	struct stat st;

	put("a.bin", "hello");
	sleep(FCACHE_SETTLE + 1);
	close(fdcache_open(rootfd, "/a.bin", &st));
	size_t kept = fx_fds_open();
	fdcache_clear();
	ck_assert_uint_eq(fx_fds_open(), kept - 1);
	close(fdcache_open(rootfd, "/a.bin", &st));
	ck_assert_int_eq(unlinkat(rootfd, "a.bin", 0), 0);
	usleep((FCACHE_RECHECK_MS + 50) * 1000);
	ck_assert_int_eq(fdcache_open(rootfd, "/a.bin", &st), -1);
	/* the stale descriptor went with the failed check */
	ck_assert_uint_eq(fx_fds_open(), kept - 1);
}
END_TEST

Suite *fdcache_suite(void)
{
	Suite *s = suite_create("fdcache");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_fresh_file_not_kept);
	tcase_add_test(tc, test_kept_until_replaced);
	tcase_add_test(tc, test_gone_and_cleared);
	suite_add_tcase(s, tc);
	return s;
}
