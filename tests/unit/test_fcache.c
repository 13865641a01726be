/*
 * fcache: a small file is kept once it has settled, served from memory
 * without a stat for less than FCACHE_RECHECK_MS, and dropped (the path
 * opened afresh) once a later stat shows it changed, vanished or turned
 * into something else.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fcache.h"
#include "suites.h"

static char dir[64];
static int rootfd = -1;

static void put(const char *name, const char *data, size_t len)
{
	int fd = openat(rootfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			0644);

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void setup(void)
{
	strcpy(dir, "/tmp/forkd-test-fcache-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ne(rootfd, -1);
}

static void teardown(void)
{
	fcache_clear();
	unlinkat(rootfd, "a.txt", 0);
	unlinkat(rootfd, "big.bin", 0);
	close(rootfd);
	rmdir(dir);
}

/* What a real fd would have given: compare its bytes, close it. */
static void check_fd(int fd, const char *want)
{
	char buf[64] = { 0 };

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, buf, sizeof(buf) - 1, 0),
			 (ssize_t)strlen(want));
	ck_assert_str_eq(buf, want);
	close(fd);
}

START_TEST(test_fresh_file_not_kept)
{
	struct stat st;
	struct fcache_hit hit = { 0 };

	put("a.txt", "hello", 5);
	check_fd(fcache_open(rootfd, "/a.txt", &st, &hit), "hello");
	check_fd(fcache_open(rootfd, "/a.txt", &st, &hit), "hello");
	ck_assert_ptr_null(hit.data);
}
END_TEST

START_TEST(test_kept_then_revalidated)
{
	struct stat st;
	struct fcache_hit hit = { 0 };

	put("a.txt", "hello", 5);
	sleep(FCACHE_SETTLE + 1);
	ck_assert_int_eq(fcache_open(rootfd, "/a.txt", &st, &hit), FCACHE_HIT);
	ck_assert_int_eq(st.st_size, 5);
	ck_assert_mem_eq(hit.data, "hello", 5);
	hit.data = NULL;
	ck_assert_int_eq(fcache_open(rootfd, "/a.txt", &st, &hit), FCACHE_HIT);
	ck_assert_mem_eq(hit.data, "hello", 5);

	/*
	 * Same size, new bytes.  Within the bound the kept copy is served
	 * with no stat; past it, the stat differs and the new bytes are.
	 */
	put("a.txt", "HELLO", 5);
	hit.data = NULL;
	ck_assert_int_eq(fcache_open(rootfd, "/a.txt", &st, &hit), FCACHE_HIT);
	ck_assert_mem_eq(hit.data, "hello", 5);
	usleep((FCACHE_RECHECK_MS + 20) * 1000);
	hit.data = NULL;
	/* The new bytes: from an fd, or kept again at once when the whole
	 * seconds of time(NULL) already count the rewrite as settled. */
	int got = fcache_open(rootfd, "/a.txt", &st, &hit);
	if (got == FCACHE_HIT) {
		ck_assert_mem_eq(hit.data, "HELLO", 5);
	} else {
		check_fd(got, "HELLO");
		ck_assert_ptr_null(hit.data);
	}

	/* Made unreadable to others: ctime moved, so it is opened again
	 * once the bound has passed (the copy above may be kept afresh). */
	ck_assert_int_eq(fchmodat(rootfd, "a.txt", 0600, 0), 0);
	usleep((FCACHE_RECHECK_MS + 20) * 1000);
	int fd = fcache_open(rootfd, "/a.txt", &st, &hit);
	ck_assert_int_ne(fd, FCACHE_HIT);
	if (fd >= 0)
		close(fd);

	/* Gone: the open's own error. */
	ck_assert_int_eq(unlinkat(rootfd, "a.txt", 0), 0);
	errno = 0;
	ck_assert_int_eq(fcache_open(rootfd, "/a.txt", &st, &hit), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(test_large_file_and_directory_get_fds)
{
	static char big[FCACHE_FILE_MAX + 1];
	struct stat st;
	struct fcache_hit hit = { 0 };

	memset(big, 'x', sizeof(big));
	put("big.bin", big, sizeof(big));
	sleep(FCACHE_SETTLE + 1);
	int fd = fcache_open(rootfd, "/big.bin", &st, &hit);
	ck_assert_int_ge(fd, 0);
	close(fd);
	fd = fcache_open(rootfd, "/", &st, &hit);
	ck_assert_int_ge(fd, 0);
	ck_assert(S_ISDIR(st.st_mode));
	close(fd);
	ck_assert_ptr_null(hit.data);
}
END_TEST

Suite *fcache_suite(void)
{
	Suite *s = suite_create("fcache");
	TCase *tc = tcase_create("fcache");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_fresh_file_not_kept);
	tcase_add_test(tc, test_kept_then_revalidated);
	tcase_add_test(tc, test_large_file_and_directory_get_fds);
	suite_add_tcase(s, tc);
	return s;
}
