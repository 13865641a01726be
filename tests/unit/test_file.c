/*
 * file: file_open_beneath over a temporary tree with symbolic links that
 * stay inside the root and links that leave it; then the same table with
 * openat2 refused by a seccomp filter, so the component walk that older
 * kernels get is tested too.  file_etag gets exact strings.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "suites.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

static char tmpdir[PATH_MAX]; /* holds root/ and outside.txt */
static int rootfd = -1;

static void file_put(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	close(fd);
}

/* at and its target, relative to tmpdir */
static void file_link(const char *target, const char *at)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, at);
	ck_assert_int_eq(symlink(target, path), 0);
}

/*
 * The tree is made once, in the runner's own process (an unchecked
 * fixture), so that its teardown runs even after a test failed: a failed
 * check ends the test's process before a checked teardown could.  Tests
 * leave the tree as they found it.
 */
static void file_setup(void)
{
	char tmpl[] = "/tmp/forkd-test-file-XXXXXX", path[PATH_MAX * 2];

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	ck_assert_ptr_nonnull(realpath(tmpl, tmpdir));
	snprintf(path, sizeof(path), "%s/root", tmpdir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/root/sub", tmpdir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/root/a.txt", tmpdir);
	file_put(path, "hello\n");
	snprintf(path, sizeof(path), "%s/root/sub/b.txt", tmpdir);
	file_put(path, "bee");
	snprintf(path, sizeof(path), "%s/outside.txt", tmpdir);
	file_put(path, "secret\n");
	snprintf(path, sizeof(path), "%s/root/fifo", tmpdir);
	ck_assert_int_eq(mkfifo(path, 0644), 0);
	/* links that stay beneath the root */
	file_link("a.txt", "root/link_in");
	file_link("../a.txt", "root/sub/up_in");
	file_link("sub", "root/sublink_in");
	file_link("sublink_in/../link_in", "root/chain_in");
	/* links that leave it, or go nowhere */
	file_link("/etc/passwd", "root/link_abs");
	file_link("../outside.txt", "root/link_out");
	file_link("..", "root/dirlink_out");
	file_link("../../outside.txt", "root/sub/up_out");
	snprintf(path, sizeof(path), "%s/root/a.txt", tmpdir);
	file_link(path, "root/abs_in"); /* absolute, even if it lands inside */
	file_link("/proc/self/root", "root/magic");
	file_link("loop", "root/loop");
	file_link("missing", "root/dangling");
	snprintf(path, sizeof(path), "%s/root", tmpdir);
	rootfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ne(rootfd, -1);
}

static int file_remove(const char *path, const struct stat *st, int type,
		       struct FTW *ftw)
{
	return remove(path);
}

static void file_teardown(void)
{
	if (rootfd != -1)
		close(rootfd);
	rootfd = -1;
	ck_assert_int_eq(nftw(tmpdir, file_remove, 16, FTW_DEPTH | FTW_PHYS),
			 0);
}

/* ---- the tree ---- */

enum file_kind {
	KIND_REG,
	KIND_DIR,
	KIND_FIFO
};

struct file_case {
	const char *path;
	int err[2];      /* {0, 0}: opens; else either errno will do */
	int walk_err[2]; /* the same for the walk, which refuses all links */
	enum file_kind kind;
	const char *data; /* a regular file's content */
	const char *same; /* path under tmpdir of the same inode */
};

#define OPENS(path, data, same)                                \
	{                                                      \
		path, { 0, 0 }, { 0, 0 }, KIND_REG, data, same \
	}
#define DIR_OPENS(path, same)                                  \
	{                                                      \
		path, { 0, 0 }, { 0, 0 }, KIND_DIR, NULL, same \
	}
#define FAILS(path, e)                                         \
	{                                                      \
		path, { e, e }, { e, e }, KIND_REG, NULL, NULL \
	}
/* followed by openat2, refused by the walk */
#define LINK_OPENS(path, data, same)                                   \
	{                                                              \
		path, { 0, 0 }, { ELOOP, ELOOP }, KIND_REG, data, same \
	}
#define LINK_FAILS(path, e)                                        \
	{                                                          \
		path, { e, e }, { ELOOP, e }, KIND_REG, NULL, NULL \
	}
/* tries to leave the root: EXDEV or ELOOP, as file.h says */
#define ESCAPES(path)                                                          \
	{                                                                      \
		path, { EXDEV, ELOOP }, { EXDEV, ELOOP }, KIND_REG, NULL, NULL \
	}

static const struct file_case cases[] = {
	OPENS("/a.txt", "hello\n", "root/a.txt"),
	OPENS("/sub/b.txt", "bee", "root/sub/b.txt"),
	DIR_OPENS("/", "root"),
	DIR_OPENS("/sub", "root/sub"),
	DIR_OPENS("/sub/", "root/sub"),
	/* opened without blocking for a writer */
	{ "/fifo", { 0, 0 }, { 0, 0 }, KIND_FIFO, NULL, "root/fifo" },
	FAILS("/missing", ENOENT),
	FAILS("/sub/missing", ENOENT),
	FAILS("/missing/x", ENOENT),
	FAILS("/a.txt/x", ENOTDIR),
	FAILS("/a.txt/", ENOTDIR),
	FAILS("/sub/b.txt/c", ENOTDIR),
	FAILS("/loop", ELOOP),
	LINK_FAILS("/dangling", ENOENT),
	/* links beneath the root are followed */
	LINK_OPENS("/link_in", "hello\n", "root/a.txt"),
	LINK_OPENS("/sub/up_in", "hello\n", "root/a.txt"),
	LINK_OPENS("/sublink_in/b.txt", "bee", "root/sub/b.txt"),
	LINK_OPENS("/chain_in", "hello\n", "root/a.txt"),
	{ "/sublink_in",
	  { 0, 0 },
	  { ELOOP, ELOOP },
	  KIND_DIR,
	  NULL,
	  "root/sub" },
	LINK_FAILS("/link_in/", ENOTDIR),
	/* links that leave it are refused */
	ESCAPES("/link_abs"),
	ESCAPES("/link_out"),
	ESCAPES("/dirlink_out"),
	ESCAPES("/dirlink_out/outside.txt"),
	ESCAPES("/dirlink_out/root/a.txt"),
	ESCAPES("/sub/up_out"),
	ESCAPES("/abs_in"),
	ESCAPES("/magic"),
	ESCAPES("/magic/etc/passwd"),
};

/* Exact errno, or the file opened read-only and close-on-exec with *st
 * the inode at c->same and its content c->data. */
static int file_case_check(const struct file_case *c, bool walk)
{
	const int *err = walk ? c->walk_err : c->err;
	const char *how = walk ? "walk " : "";
	struct stat st, want;
	char path[PATH_MAX * 2], buf[64];

	memset(&st, 0, sizeof(st));
	errno = 0;
	int fd = file_open_beneath(rootfd, c->path, &st);
	if (err[0] != 0) {
		if (fd == -1 && (errno == err[0] || errno == err[1]))
			return 0;
		fprintf(stderr, "%s%s: fd %d errno %d (%s), want %d or %d\n",
			how, c->path, fd, errno, strerror(errno), err[0],
			err[1]);
		if (fd != -1)
			close(fd);
		return 1;
	}
	if (fd == -1) {
		fprintf(stderr, "%s%s: errno %d (%s)\n", how, c->path, errno,
			strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/%s", tmpdir, c->same);
	ck_assert_int_eq(lstat(path, &want), 0);
	int bad = st.st_ino != want.st_ino || st.st_dev != want.st_dev ||
		  st.st_size != want.st_size;
	bad |= (fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDONLY;
	bad |= (fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0;
	switch (c->kind) {
	case KIND_REG:
		bad |= !S_ISREG(st.st_mode);
		ssize_t n = read(fd, buf, sizeof(buf));
		bad |= n != (ssize_t)strlen(c->data) ||
		       memcmp(buf, c->data, (size_t)n) != 0;
		break;
	case KIND_DIR: bad |= !S_ISDIR(st.st_mode); break;
	case KIND_FIFO: bad |= !S_ISFIFO(st.st_mode); break;
	}
	close(fd);
	if (bad)
		fprintf(stderr, "%s%s: wrong file, mode %o size %lld\n", how,
			c->path, (unsigned)st.st_mode, (long long)st.st_size);
	return bad;
}

/* The lowest free descriptor: the same before and after means no leak. */
static int file_lowest_fd(void)
{
	int fd = dup(0);

	ck_assert_int_ne(fd, -1);
	close(fd);
	return fd;
}

START_TEST(test_file_open_table)
{
	int failed = 0, lowest = file_lowest_fd();

	for (size_t i = 0; i < nitems(cases); i++)
		failed += file_case_check(&cases[i], false);
	ck_assert_int_eq(file_lowest_fd(), lowest);
	ck_assert_msg(failed == 0, "%d of %zu opens wrong (stderr)", failed,
		      nitems(cases));
}
END_TEST

/* A directory without search permission: EACCES.  Root drops to nobody
 * for the check; its saved uid lets it restore the mode after. */
START_TEST(test_file_open_eacces)
{
	char path[PATH_MAX * 2];
	struct stat st;
	uid_t euid = geteuid();

	snprintf(path, sizeof(path), "%s/root/sub", tmpdir);
	ck_assert_int_eq(chmod(path, 0), 0);
	if (euid == 0)
		ck_assert_int_eq(seteuid(65534), 0);
	errno = 0;
	int fd = file_open_beneath(rootfd, "/sub/b.txt", &st);
	int err = errno;
	if (euid == 0)
		ck_assert_int_eq(seteuid(0), 0);
	ck_assert_int_eq(chmod(path, 0755), 0);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(err, EACCES);
}
END_TEST

/* A root given as a file, and a path of its maximum length. */
START_TEST(test_file_open_odd)
{
	char path[PATH_MAX * 2];
	struct stat st;

	snprintf(path, sizeof(path), "%s/root/a.txt", tmpdir);
	int filefd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ne(filefd, -1);
	errno = 0;
	ck_assert_int_eq(file_open_beneath(filefd, "/x", &st), -1);
	ck_assert_int_eq(errno, ENOTDIR);
	close(filefd);

	char *longp = malloc(5000);
	ck_assert_ptr_nonnull(longp);
	longp[0] = '/';
	memset(longp + 1, 'a', 4998);
	longp[4999] = '\0';
	errno = 0;
	ck_assert_int_eq(file_open_beneath(rootfd, longp, &st), -1);
	ck_assert_msg(errno == ENAMETOOLONG, "errno %d", errno);
	free(longp);
}
END_TEST

/*
 * Make openat2 fail with ENOSYS in this process only, as on kernels
 * before 5.6.  Returns false where seccomp itself is not allowed.
 */
static bool file_deny_openat2(void)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { nitems(filter), filter };

	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
	       prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}

/*
 * The walk refuses every symbolic link (ELOOP) and otherwise agrees with
 * openat2.  The filter would outlive the test without a fork, so the test
 * runs only in one.
 */
START_TEST(test_file_open_walk)
{
	const char *fork_env = getenv("CK_FORK");
	int failed = 0, lowest = file_lowest_fd();

	if (fork_env != NULL && strcmp(fork_env, "no") == 0)
		return;
	if (!file_deny_openat2()) {
		fprintf(stderr, "file walk: seccomp unavailable, skipped\n");
		return;
	}
	for (size_t i = 0; i < nitems(cases); i++)
		failed += file_case_check(&cases[i], true);
	ck_assert_int_eq(file_lowest_fd(), lowest);
	ck_assert_msg(failed == 0, "%d of %zu walked opens wrong (stderr)",
		      failed, nitems(cases));
}
END_TEST

/* ---- entity tags ---- */

START_TEST(test_file_etag)
{
	static const struct {
		long long mtime;
		long long size;
		const char *etag;
	} cases_etag[] = {
		{ 0, 0, "\"0-0\"" },
		{ 0x5f5e1000, 0x1234, "\"5f5e1000-1234\"" },
		{ 784111777, 6, "\"2ebc98a1-6\"" },
		{ 1700000000, 1048576, "\"6553f100-100000\"" },
		{ 0x7fffffffffffffffLL, 0x7fffffffffffffffLL,
		  "\"7fffffffffffffff-7fffffffffffffff\"" },
	};
	int failed = 0;

	for (size_t i = 0; i < nitems(cases_etag); i++) {
		struct stat st;
		char out[FILE_ETAG_MAX + 8];

		memset(&st, 0, sizeof(st));
		memset(out, 0x5a, sizeof(out));
		st.st_mtime = (time_t)cases_etag[i].mtime;
		st.st_size = (off_t)cases_etag[i].size;
		file_etag(&st, out, FILE_ETAG_MAX);
		if (strcmp(out, cases_etag[i].etag) == 0 &&
		    (unsigned char)out[FILE_ETAG_MAX] == 0x5a)
			continue;
		fprintf(stderr, "etag %zu: \"%.*s\", want \"%s\"\n", i,
			FILE_ETAG_MAX, out, cases_etag[i].etag);
		failed++;
	}
	ck_assert_msg(failed == 0, "%d etags wrong (stderr)", failed);
}
END_TEST

/* From a real file: mtime set, size written, the tag follows both. */
START_TEST(test_file_etag_of_file)
{
	const struct timespec times[2] = { { 1700000000, 0 },
					   { 1700000000, 0 } };
	char out[FILE_ETAG_MAX];
	struct stat st;

	ck_assert_int_eq(utimensat(rootfd, "a.txt", times, 0), 0);
	int fd = file_open_beneath(rootfd, "/a.txt", &st);
	ck_assert_int_ne(fd, -1);
	close(fd);
	file_etag(&st, out, sizeof(out));
	ck_assert_str_eq(out, "\"6553f100-6\"");
	/* a truncated tag is still a C string */
	file_etag(&st, out, 5);
	ck_assert_str_eq(out, "\"655");
}
END_TEST

Suite *file_suite(void)
{
	Suite *s = suite_create("file");
	TCase *tc = tcase_create("open");

	tcase_add_unchecked_fixture(tc, file_setup, file_teardown);
	tcase_add_test(tc, test_file_open_table);
	tcase_add_test(tc, test_file_open_eacces);
	tcase_add_test(tc, test_file_open_odd);
	tcase_add_test(tc, test_file_open_walk);
	tcase_add_test(tc, test_file_etag_of_file);
	suite_add_tcase(s, tc);
	tc = tcase_create("etag");
	tcase_add_test(tc, test_file_etag);
	suite_add_tcase(s, tc);
	return s;
}
