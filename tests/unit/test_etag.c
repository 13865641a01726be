/*
 * etag: content tags are a function of the bytes alone (not the mtime or
 * the inode), the same from memory and from a descriptor; a large file is
 * hashed in steps and has no tag until the last one; the attribute is
 * accepted only for the version it names.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "etag.h"
#include "suites.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/forkd-test-etag-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[96];

	etag_content_clear();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* A file of len bytes (pattern seeded by seed), open read-only, with st. */
static int make(const char *name, size_t len, unsigned seed, long mtime,
		struct stat *st)
{
	char path[128];
	char *data = malloc(len + 1);
	struct timespec ts[2] = { { mtime, 0 }, { mtime, 0 } };
	int fd;

	ck_assert_ptr_nonnull(data);
	for (size_t i = 0; i < len; i++)
		data[i] = (char)((i * 131 + seed) >> 3);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	ck_assert_int_eq(futimens(fd, ts), 0);
	ck_assert_int_eq(fstat(fd, st), 0);
	free(data);
	return fd;
}

START_TEST(test_same_bytes_same_tag)
{
	struct stat a, b, c;
	char ta[ETAG_CONTENT_MAX], tb[ETAG_CONTENT_MAX], tc[ETAG_CONTENT_MAX];
	int fa = make("a", 5000, 1, 1000, &a);
	int fb = make("b", 5000, 1, 2000000000, &b);
	int fc = make("c", 5000, 2, 1000, &c);

	ck_assert_int_eq(etag_content(fa, NULL, &a, NULL, ta, sizeof(ta)), 0);
	ck_assert_int_eq(etag_content(fb, NULL, &b, NULL, tb, sizeof(tb)), 0);
	ck_assert_int_eq(etag_content(fc, NULL, &c, NULL, tc, sizeof(tc)), 0);
	ck_assert_str_eq(ta, tb);
	ck_assert_str_ne(ta, tc);
	ck_assert_uint_eq(strlen(ta), 34);
	ck_assert_int_eq(ta[0], '"');
	close(fa);
	close(fb);
	close(fc);
}
END_TEST

START_TEST(test_memory_and_fd_agree)
{
	struct stat st;
	char tf[ETAG_CONTENT_MAX], tm[ETAG_CONTENT_MAX], tg[ETAG_CONTENT_MAX];
	int fd = make("a", 3000, 7, 1000, &st);
	char *data = malloc(3000);

	ck_assert_int_eq(pread(fd, data, 3000, 0), 3000);
	ck_assert_int_eq(etag_content(fd, NULL, &st, NULL, tf, sizeof(tf)), 0);
	etag_content_clear();
	ck_assert_int_eq(etag_content(-1, data, &st, NULL, tm, sizeof(tm)), 0);
	ck_assert_str_eq(tf, tm);
	ck_assert_int_eq(etag_content(-1, data, &st, "gzip", tg, sizeof(tg)),
			 0);
	ck_assert_uint_eq(strlen(tg), strlen(tm) + 5);
	ck_assert_int_eq(memcmp(tg, tm, strlen(tm) - 1), 0);
	ck_assert_str_eq(tg + strlen(tm) - 1, "-gzip\"");
	free(data);
	close(fd);
}
END_TEST

/* A large file: no tag before its last step, then the whole file's. */
START_TEST(test_large_file_in_steps)
{
	struct stat st, st2;
	size_t len = 3 * ETAG_STEP + 100;
	char t[ETAG_CONTENT_MAX], want[ETAG_CONTENT_MAX];
	int fd = make("big", len, 3, 1000, &st);
	int steps = 0;

	while (etag_content(fd, NULL, &st, NULL, t, sizeof(t)) == -1 &&
	       steps < 10)
		steps++;
	ck_assert_int_eq(steps, 3);
	/* The same bytes under another inode, read from memory at once. */
	char *data = malloc(len);
	ck_assert_int_eq(pread(fd, data, len, 0), (ssize_t)len);
	int fd2 = make("big2", 10, 0, 1000, &st2);
	st2.st_size = (off_t)len;
	st2.st_ino++;
	ck_assert_int_eq(etag_content(-1, data, &st2, NULL, want, sizeof(want)),
			 0);
	ck_assert_str_eq(t, want);
	free(data);
	close(fd);
	close(fd2);
}
END_TEST

/* A new version (mtime) of the same inode is hashed again. */
START_TEST(test_new_version_rehashed)
{
	struct stat st;
	char t1[ETAG_CONTENT_MAX], t2[ETAG_CONTENT_MAX];
	int fd = make("a", 4000, 1, 1000, &st);
	struct timespec ts[2] = { { 3000, 0 }, { 3000, 0 } };

	ck_assert_int_eq(etag_content(fd, NULL, &st, NULL, t1, sizeof(t1)), 0);
	ck_assert_int_eq(pwrite(fd, "X", 1, 10), 1);
	ck_assert_int_eq(futimens(fd, ts), 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(etag_content(fd, NULL, &st, NULL, t2, sizeof(t2)), 0);
	ck_assert_str_ne(t1, t2);
	close(fd);
}
END_TEST

START_TEST(test_xattr_round_trip)
{
	struct stat st = { .st_size = 12345 };
	struct etag_hash h = { 0x0123456789abcdefull, 0xfedcba9876543210ull };
	struct etag_hash got;
	char v[ETAG_XATTR_MAX];
	size_t n;

	st.st_mtim.tv_sec = 1700000000;
	st.st_mtim.tv_nsec = 5;
	n = etag_xattr_format(&st, &h, v, sizeof(v));
	ck_assert_str_eq(v, "forkd1 12345 1700000000 5 "
			    "0123456789abcdeffedcba9876543210");
	ck_assert_int_eq(etag_xattr_parse(v, n, &st, &got), 0);
	ck_assert(got.hi == h.hi && got.lo == h.lo);
	/* Another version, a short value, bad digits: refused. */
	st.st_mtim.tv_nsec = 6;
	ck_assert_int_eq(etag_xattr_parse(v, n, &st, &got), -1);
	st.st_mtim.tv_nsec = 5;
	ck_assert_int_eq(etag_xattr_parse(v, n - 1, &st, &got), -1);
	v[n - 1] = 'G';
	ck_assert_int_eq(etag_xattr_parse(v, n, &st, &got), -1);
	v[n - 1] = 'A';
	ck_assert_int_eq(etag_xattr_parse(v, n, &st, &got), -1);
}
END_TEST

/* A tag written by one worker is read by another without hashing. */
START_TEST(test_xattr_used)
{
	struct stat st;
	char t[ETAG_CONTENT_MAX], v[ETAG_XATTR_MAX];
	struct etag_hash h = { 1, 2 };
	int fd = make("a", 5000, 1, 1000, &st);
	size_t n = etag_xattr_format(&st, &h, v, sizeof(v));

	if (fsetxattr(fd, ETAG_XATTR, v, n, 0) == -1) {
		close(fd); /* no user attributes here (tmpfs before 6.6) */
		return;
	}
	ck_assert_int_eq(etag_content(fd, NULL, &st, "br", t, sizeof(t)), 0);
	ck_assert_str_eq(t, "\"00000000000000010000000000000002-br\"");
	close(fd);
}
END_TEST

Suite *etag_suite(void)
{
	Suite *s = suite_create("etag");
	TCase *tc = tcase_create("etag");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_same_bytes_same_tag);
	tcase_add_test(tc, test_memory_and_fd_agree);
	tcase_add_test(tc, test_large_file_in_steps);
	tcase_add_test(tc, test_new_version_rehashed);
	tcase_add_test(tc, test_xattr_round_trip);
	tcase_add_test(tc, test_xattr_used);
	suite_add_tcase(s, tc);
	return s;
}
