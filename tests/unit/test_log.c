/*
 * log: access_log_format's exact lines (escaping, "-" for empty fields,
 * bounded output for any size), then access logs written to a temporary
 * directory: buffering, flushing when full, O_APPEND between two writers,
 * and reopening after a rename.  Last, the error log's line format.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "suites.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))
#define GUARD 0x5a
#define TIME "06/Nov/1994:08:49:37 +0000"

/* ---- access_log_format ---- */

struct fmt_case {
	struct access_entry e;
	const char *want;
};

#define REQ(s) .request = s, .request_len = sizeof(s) - 1
#define REF(s) .referer = s, .referer_len = sizeof(s) - 1
#define UA(s) .user_agent = s, .user_agent_len = sizeof(s) - 1

static const struct fmt_case fmts[] = {
	{ { .addr = "192.0.2.1",
	    .time_local = TIME,
	    REQ("GET / HTTP/1.1"),
	    .status = 200,
	    .bytes = 1234,
	    REF("http://a/b"),
	    UA("curl/8.0") },
	  "192.0.2.1 - - [" TIME "] \"GET / HTTP/1.1\" 200 1234 "
	  "\"http://a/b\" \"curl/8.0\"\n" },
	/* empty fields, NULL or zero-length, are "-" */
	{ { .addr = "192.0.2.1", .time_local = TIME, .status = 400 },
	  "192.0.2.1 - - [" TIME "] \"-\" 400 0 \"-\" \"-\"\n" },
	{ { .addr = "10.0.0.1",
	    .time_local = TIME,
	    .request = "x",
	    .request_len = 0,
	    .status = 408,
	    .referer = "x",
	    .user_agent = "x" },
	  "10.0.0.1 - - [" TIME "] \"-\" 408 0 \"-\" \"-\"\n" },
	/* IPv6, the largest byte count */
	{ { .addr = "2001:db8::ff00:42:8329",
	    .time_local = TIME,
	    REQ("HEAD /x HTTP/1.0"),
	    .status = 304,
	    .bytes = 18446744073709551615ULL,
	    UA("ua") },
	  "2001:db8::ff00:42:8329 - - [" TIME "] \"HEAD /x HTTP/1.0\" 304 "
	  "18446744073709551615 \"-\" \"ua\"\n" },
	/* only request_len bytes of the request */
	{ { .addr = "::1",
	    .time_local = TIME,
	    .request = "GET / HTTP/1.1\r\n",
	    .request_len = 14,
	    .status = 200,
	    .bytes = 5 },
	  "::1 - - [" TIME "] \"GET / HTTP/1.1\" 200 5 \"-\" \"-\"\n" },
	/* quote, backslash, controls, DEL and high bytes as \xHH */
	{ { .addr = "::1",
	    .time_local = TIME,
	    REQ("GET /\"a\\b\" HTTP/1.1"),
	    .status = 404,
	    REF("r\r\nX-Injected: 1"),
	    UA("\x01\t\x1f \x7f\x80\xc3\xa9~") },
	  "::1 - - [" TIME "] \"GET /\\x22a\\x5Cb\\x22 HTTP/1.1\" 404 0 "
	  "\"r\\x0D\\x0AX-Injected: 1\" \"\\x01\\x09\\x1F "
	  "\\x7F\\x80\\xC3\\xA9~\"\n" },
	/* a NUL in a field is a byte like any other */
	{ { .addr = "::1",
	    .time_local = TIME,
	    REQ("GET /a\0b HTTP/1.1"),
	    .status = 400,
	    UA("a\0") },
	  "::1 - - [" TIME "] \"GET /a\\x00b HTTP/1.1\" 400 0 \"-\" "
	  "\"a\\x00\"\n" },
	/* a status the server never sends is still printed as is */
	{ { .addr = "::1", .time_local = TIME, .status = 0 },
	  "::1 - - [" TIME "] \"-\" 0 0 \"-\" \"-\"\n" },
};

START_TEST(test_log_format_table)
{
	int failed = 0;

	for (size_t i = 0; i < nitems(fmts); i++) {
		char out[1024];
		size_t want = strlen(fmts[i].want);

		memset(out, GUARD, sizeof(out));
		size_t n = access_log_format(out, sizeof(out), &fmts[i].e);
		if (n == want && memcmp(out, fmts[i].want, n) == 0)
			continue;
		fprintf(stderr,
			"log format %zu: %zu bytes \"%.*s\"\n  want %zu "
			"\"%s\"\n",
			i, n, (int)n, out, want, fmts[i].want);
		failed++;
	}
	ck_assert_msg(failed == 0, "%d of %zu lines wrong (stderr)", failed,
		      nitems(fmts));
}
END_TEST

/* The reference: the same line, unbounded and obvious. */
static size_t log_ref_field(char *out, const char *s, size_t len)
{
	size_t n = 0;

	if (s == NULL || len == 0) {
		out[0] = '-';
		return 1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f)
			n += (size_t)sprintf(out + n, "\\x%02X", c);
		else
			out[n++] = (char)c;
	}
	return n;
}

static size_t log_ref_line(char *out, const struct access_entry *e)
{
	size_t n = (size_t)sprintf(out, "%s - - [%s] \"", e->addr,
				   e->time_local);

	n += log_ref_field(out + n, e->request, e->request_len);
	n += (size_t)sprintf(out + n, "\" %d %llu \"", e->status, e->bytes);
	n += log_ref_field(out + n, e->referer, e->referer_len);
	n += (size_t)sprintf(out + n, "\" \"");
	n += log_ref_field(out + n, e->user_agent, e->user_agent_len);
	n += (size_t)sprintf(out + n, "\"\n");
	return n;
}

static uint64_t log_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Random bytes from an alphabet heavy in what needs escaping. */
static void log_rand_field(uint64_t *x, char *buf, size_t len)
{
	static const char alpha[] = "aZ09 /.\"\\\r\n\t\x01\x7f\x80\xff";

	for (size_t i = 0; i < len; i++)
		buf[i] = alpha[log_rand(x) % (sizeof(alpha) - 1)];
}

/*
 * Random entries into sizes of out from 0 to 600, and a roomy one: 0 below
 * 128; else never a byte past outsz, a line ending in '\n', and the
 * reference line exactly whenever it fits with room to spare.
 */
START_TEST(test_log_format_bounds)
{
	static char req[700], ref[700], ua[700];
	static char want[4 * 1300 + 200];
	static char out[sizeof(want) + 100];
	uint64_t x = 0x2545f4914f6cdd1dULL;
	int failed = 0, exact = 0;

	for (int iter = 0; iter < 1500 && failed < 10; iter++) {
		struct access_entry e = {
			.addr = iter % 2 ? "192.0.2.1" : "2001:db8::1",
			.time_local = TIME,
			.request = req,
			.request_len = log_rand(&x) % 700,
			.status = (int)(log_rand(&x) % 600),
			.bytes = log_rand(&x) >> (log_rand(&x) % 64),
			.referer = ref,
			.referer_len = log_rand(&x) % 3 ? log_rand(&x) % 200
							: 0,
			.user_agent = ua,
			.user_agent_len = log_rand(&x) % 400,
		};
		size_t outsz = iter % 3 ? log_rand(&x) % 601 : sizeof(want);

		log_rand_field(&x, req, e.request_len);
		log_rand_field(&x, ref, e.referer_len);
		log_rand_field(&x, ua, e.user_agent_len);
		size_t wlen = log_ref_line(want, &e);
		memset(out, GUARD, sizeof(out));
		size_t n = access_log_format(out, outsz, &e);
		int ok = outsz < 128
				 ? n == 0
				 : n > 0 && n <= outsz && out[n - 1] == '\n';
		for (size_t j = outsz; j < sizeof(out); j++)
			ok = ok && (unsigned char)out[j] == GUARD;
		if (ok && outsz >= wlen + 64) {
			ok = n == wlen && memcmp(out, want, n) == 0;
			exact++;
		}
		if (ok)
			continue;
		fprintf(stderr,
			"log bounds %d: outsz %zu, %zu bytes, line %zu "
			"bytes\n",
			iter, outsz, n, wlen);
		failed++;
	}
	ck_assert_msg(failed == 0, "%d random lines wrong (stderr)", failed);
	ck_assert_int_gt(exact, 100);
}
END_TEST

/* A very long request is cut, but the line keeps its later fields. */
START_TEST(test_log_format_long_request)
{
	static char req[8192], out[512];
	struct access_entry e = {
		.addr = "192.0.2.1",
		.time_local = TIME,
		.request = req,
		.request_len = sizeof(req),
		.status = 414,
		.bytes = 7,
		UA("curl"),
	};

	memset(req, 'a', sizeof(req));
	size_t n = access_log_format(out, sizeof(out), &e);
	ck_assert_uint_le(n, sizeof(out));
	ck_assert_uint_gt(n, 0);
	out[n - 1] = '\0';
	ck_assert_msg(strstr(out, "\" 414 7 \"-\" \"curl\"") != NULL, "%s",
		      out);
	ck_assert_msg(strncmp(out, "192.0.2.1 - - [" TIME "] \"aaaa", 47) == 0,
		      "%s", out);
}
END_TEST

/*
 * JSON and custom lines from random fields, into buffers from 128 to 700
 * bytes: never a byte past outsz, always one line.  (A full line once
 * made the custom renderer write past its buffer.)
 */
START_TEST(test_log_render_bounds)
{
	static char req[2000], ref[700], ua[700];
	static char out[800];
	static const char *const custom[] = {
		"$request",
		"$remote_addr \"$request\" $http_referer x",
		"$http_user_agent$http_referer$request$status",
	};
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	int failed = 0;

	for (int iter = 0; iter < 3000 && failed < 10; iter++) {
		struct access_entry e = {
			.addr = "192.0.2.1",
			.time_local = TIME,
			.request = req,
			.request_len = log_rand(&x) % 2000,
			.status = 200,
			.bytes = 1,
			.referer = ref,
			.referer_len = log_rand(&x) % 700,
			.user_agent = ua,
			.user_agent_len = log_rand(&x) % 700,
		};
		struct access_log al = {
			.format = iter % 4 == 0 ? ACCESS_JSON : ACCESS_CUSTOM,
			.custom = custom[iter % 3],
		};
		size_t outsz = 128 + log_rand(&x) % 573;

		log_rand_field(&x, req, e.request_len);
		log_rand_field(&x, ref, e.referer_len);
		log_rand_field(&x, ua, e.user_agent_len);
		memset(out, GUARD, sizeof(out));
		size_t n = access_log_render(&al, out, outsz, &e);
		int ok = n > 0 && n <= outsz && out[n - 1] == '\n' &&
			 memchr(out, '\n', n - 1) == NULL;
		for (size_t j = outsz; j < sizeof(out); j++)
			ok = ok && (unsigned char)out[j] == GUARD;
		if (ok)
			continue;
		fprintf(stderr,
			"render bounds %d: format %d, outsz %zu, %zu "
			"bytes\n",
			iter, (int)al.format, outsz, n);
		failed++;
	}
	ck_assert_msg(failed == 0, "%d random lines wrong (stderr)", failed);
}
END_TEST

/* ---- access log files ---- */

static char basedir[PATH_MAX]; /* made and removed by the runner */
static char tmpdir[PATH_MAX];  /* one test's own, inside basedir */

/*
 * basedir belongs to the runner's process (an unchecked fixture), so its
 * removal runs even after a failed check ended a test's process; each test
 * then gets a fresh directory of its own inside it.
 */
static void log_setup_base(void)
{
	char tmpl[] = "/tmp/forkd-test-log-XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	ck_assert_ptr_nonnull(realpath(tmpl, basedir));
}

static void log_setup(void)
{
	char tmpl[PATH_MAX];

	ck_assert_int_lt(snprintf(tmpl, sizeof(tmpl), "%s/XXXXXX", basedir),
			 (int)sizeof(tmpl));
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	memcpy(tmpdir, tmpl, sizeof(tmpdir));
}

static int log_remove(const char *path, const struct stat *st, int type,
		      struct FTW *ftw)
{
	return remove(path);
}

static void log_teardown_base(void)
{
	ck_assert_int_eq(nftw(basedir, log_remove, 16, FTW_DEPTH | FTW_PHYS),
			 0);
}

static void log_path(char *out, size_t outsz, const char *name)
{
	ck_assert_int_lt(snprintf(out, outsz, "%s/%s", tmpdir, name),
			 (int)outsz);
}

/* The whole file at name under tmpdir, NUL-terminated; *len its size. */
static char *log_slurp(const char *name, size_t *len)
{
	char path[PATH_MAX * 2];
	struct stat st;

	log_path(path, sizeof(path), name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(fstat(fd, &st), 0);
	char *buf = malloc((size_t)st.st_size + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(read(fd, buf, (size_t)st.st_size + 1), st.st_size);
	buf[st.st_size] = '\0';
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static void log_expect(const char *name, const char *want)
{
	size_t len;
	char *got = log_slurp(name, &len);

	ck_assert_msg(len == strlen(want) && memcmp(got, want, len) == 0,
		      "%s holds %zu bytes \"%s\", want \"%s\"", name, len, got,
		      want);
	free(got);
}

static struct access_log *log_open_tmp(const char *name)
{
	char path[PATH_MAX * 2];

	log_path(path, sizeof(path), name);
	struct access_log *al = access_log_open(path);
	ck_assert_ptr_nonnull(al);
	return al;
}

static void log_append_str(struct access_log *al, const char *s)
{
	access_log_append(al, s, strlen(s));
}

/* An existing file is appended to, not truncated. */
static void log_access_existing(void)
{
	char path[PATH_MAX * 2];

	log_path(path, sizeof(path), "existing.log");
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, "old\n", 4), 4);
	close(fd);
	struct access_log *al = log_open_tmp("existing.log");
	log_append_str(al, "new\n");
	access_log_close(al);
	log_expect("existing.log", "old\nnew\n");
}

/* A file that cannot be opened: NULL with errno. */
static void log_access_open_fails(void)
{
	char path[PATH_MAX * 2];

	log_path(path, sizeof(path), "no/such/dir/access.log");
	errno = 0;
	ck_assert_ptr_null(access_log_open(path));
	ck_assert_int_eq(errno, ENOENT);
	log_path(path, sizeof(path), "");
	ck_assert_ptr_null(access_log_open(path)); /* a directory */
}

/* Lines wait in the buffer until a flush or close. */
START_TEST(test_log_access_buffered)
{
	struct access_log *al = log_open_tmp("access.log");

	log_expect("access.log", "");
	log_append_str(al, "one\n");
	log_append_str(al, "two\n");
	log_expect("access.log", "");
	access_log_flush(al);
	log_expect("access.log", "one\ntwo\n");
	access_log_flush(al);
	log_expect("access.log", "one\ntwo\n");
	log_append_str(al, "three\n");
	access_log_close(al);
	log_expect("access.log", "one\ntwo\nthree\n");
	access_log_close(NULL);
	log_access_existing();
	log_access_open_fails();
}
END_TEST

/* Line i of len bytes: its number in five digits, 'x's, '\n'. */
static void log_line(char *buf, size_t len, int i)
{
	char num[8];

	memset(buf, 'x', len);
	snprintf(num, sizeof(num), "%05d", i);
	memcpy(buf, num, 5);
	buf[len - 1] = '\n';
}

static void log_expect_lines(const char *name, int from, int to, size_t llen)
{
	size_t len;
	char *got = log_slurp(name, &len);
	char line[1024];

	ck_assert_uint_le(llen, sizeof(line));
	ck_assert_uint_eq(len, (size_t)(to - from) * llen);
	for (int i = from; i < to; i++) {
		log_line(line, llen, i);
		ck_assert_msg(memcmp(got + (size_t)(i - from) * llen, line,
				     llen) == 0,
			      "%s: line %d wrong", name, i);
	}
	free(got);
}

/* A line longer than the buffer goes out at once, after what waited. */
static void log_access_huge_line(void)
{
	struct access_log *al = log_open_tmp("huge.log");
	size_t hlen = al->cap + 1000, len;
	char *huge = malloc(hlen);

	ck_assert_ptr_nonnull(huge);
	memset(huge, 'h', hlen);
	huge[hlen - 1] = '\n';
	log_append_str(al, "before\n");
	access_log_append(al, huge, hlen);
	char *got = log_slurp("huge.log", &len);
	ck_assert_uint_eq(len, 7 + hlen);
	ck_assert(memcmp(got, "before\n", 7) == 0);
	ck_assert(memcmp(got + 7, huge, hlen) == 0);
	free(got);
	log_append_str(al, "after\n");
	access_log_close(al);
	got = log_slurp("huge.log", &len);
	ck_assert_uint_eq(len, 7 + hlen + 6);
	ck_assert(memcmp(got + 7 + hlen, "after\n", 6) == 0);
	free(got);
	free(huge);
}

/*
 * A full buffer is written before the line that does not fit, so the
 * file only ever holds whole lines; exactly full waits for the next one.
 */
START_TEST(test_log_access_full)
{
	struct access_log *al = log_open_tmp("access.log");
	const size_t cap = al->cap, llen = 100;
	const int fit = (int)(cap / llen); /* 163 lines of 100 in 16384 */
	char line[100];

	for (int i = 0; i < fit; i++) {
		log_line(line, llen, i);
		access_log_append(al, line, llen);
	}
	log_expect_lines("access.log", 0, 0, llen);
	log_line(line, llen, fit);
	access_log_append(al, line, llen);
	log_expect_lines("access.log", 0, fit, llen);
	access_log_flush(al);
	log_expect_lines("access.log", 0, fit + 1, llen);
	access_log_close(al);

	/* 16 lines of 1024 fill the buffer exactly */
	al = log_open_tmp("exact.log");
	char big[1024];
	for (int i = 0; i < 16; i++) {
		log_line(big, sizeof(big), i);
		access_log_append(al, big, sizeof(big));
	}
	ck_assert_uint_eq(al->len, cap);
	log_expect_lines("exact.log", 0, 0, sizeof(big));
	log_line(big, sizeof(big), 16);
	access_log_append(al, big, sizeof(big));
	log_expect_lines("exact.log", 0, 16, sizeof(big));
	access_log_close(al);
	log_expect_lines("exact.log", 0, 17, sizeof(big));
	log_access_huge_line();
}
END_TEST

/* Two workers on one file: O_APPEND, so neither overwrites the other. */
START_TEST(test_log_access_two_writers)
{
	struct access_log *a = log_open_tmp("access.log");
	struct access_log *b = log_open_tmp("access.log");

	log_append_str(a, "a1\n");
	log_append_str(b, "b1\n");
	log_append_str(b, "b2\n");
	access_log_flush(a);
	access_log_flush(b);
	log_append_str(a, "a2\n");
	access_log_flush(a);
	access_log_close(b);
	access_log_close(a);
	log_expect("access.log", "a1\nb1\nb2\na2\n");
}
END_TEST

/* A reopen that fails keeps the old file, so no line is lost. */
static void log_access_reopen_fails(void)
{
	char dir[PATH_MAX * 2], moved[PATH_MAX * 2], path[PATH_MAX * 3];

	log_path(dir, sizeof(dir), "logs");
	log_path(moved, sizeof(moved), "moved");
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/access.log", dir);
	struct access_log *al = access_log_open(path);
	ck_assert_ptr_nonnull(al);
	log_append_str(al, "a\n");
	ck_assert_int_eq(rename(dir, moved), 0);
	errno = 0;
	ck_assert_int_eq(access_log_reopen(al), -1);
	ck_assert_int_eq(errno, ENOENT);
	log_append_str(al, "b\n");
	access_log_close(al);
	log_expect("moved/access.log", "a\nb\n");
}

/*
 * logrotate: rename, then reopen.  What was buffered goes to the old
 * file, what follows to a new file at the configured path.
 */
START_TEST(test_log_access_reopen)
{
	char path[PATH_MAX * 2], old[PATH_MAX * 2];
	struct access_log *al = log_open_tmp("access.log");

	log_path(path, sizeof(path), "access.log");
	log_path(old, sizeof(old), "access.log.1");
	log_append_str(al, "a\n");
	access_log_flush(al);
	log_append_str(al, "b\n");
	ck_assert_int_eq(rename(path, old), 0);
	log_append_str(al, "c\n");
	access_log_flush(al);
	log_append_str(al, "d\n");
	ck_assert_int_eq(access_log_reopen(al), 0);
	log_expect("access.log.1", "a\nb\nc\nd\n");
	log_expect("access.log", "");
	log_append_str(al, "e\n");
	access_log_flush(al);
	log_expect("access.log", "e\n");
	log_expect("access.log.1", "a\nb\nc\nd\n");

	/* reopen without a rename keeps appending to the same file */
	ck_assert_int_eq(access_log_reopen(al), 0);
	log_append_str(al, "f\n");
	access_log_close(al);
	log_expect("access.log", "e\nf\n");
	log_access_reopen_fails();
}
END_TEST

/* ---- the error log ---- */

/* "YYYY/MM/DD HH:MM:SS [level] pid: text\n", one line per call. */
static void log_check_line(const char *line, const char *level,
			   const char *text)
{
	char want[512];
	int y, mo, d, h, mi, s, n = 0;

	ck_assert_int_eq(sscanf(line, "%4d/%2d/%2d %2d:%2d:%2d %n", &y, &mo, &d,
				&h, &mi, &s, &n),
			 6);
	ck_assert_int_eq(n, 20);
	ck_assert(y >= 2000 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31);
	snprintf(want, sizeof(want), "[%s] %d: %s", level, (int)getpid(), text);
	ck_assert_str_eq(line + n, want);
}

/* A message too long for one line is cut, still ending in '\n'. */
static void log_error_long(void)
{
	char path[PATH_MAX * 2];
	size_t len;
	char *big = malloc(5000);

	ck_assert_ptr_nonnull(big);
	memset(big, 'm', 4999);
	big[4999] = '\0';
	log_path(path, sizeof(path), "long.log");
	ck_assert_int_eq(log_open(path, LOG_LVL_NOTICE), 0);
	log_error("%s", big);
	errno = EINVAL;
	log_errno(LOG_LVL_ERR, "%s", big);
	log_close();
	char *got = log_slurp("long.log", &len);
	char *nl = memchr(got, '\n', len);
	ck_assert_ptr_nonnull(nl);
	ck_assert_uint_eq(len, 2 * (size_t)(nl + 1 - got));
	ck_assert_int_eq(got[len - 1], '\n');
	ck_assert_uint_le((size_t)(nl + 1 - got), 2048);
	free(got);
	free(big);
}

/* Levels filter, errno is kept, each line is "date [level] pid: text". */
START_TEST(test_log_error_log)
{
	char path[PATH_MAX * 2];
	size_t len;

	log_path(path, sizeof(path), "error.log");
	ck_assert_int_eq(log_open(path, LOG_LVL_NOTICE), 0);
	ck_assert_int_ne(log_error_fd(), -1);
	log_info("dropped %d", 1);
	log_debug("dropped too");
	log_error("bad %s %d", "thing", 42);
	log_notice("kept");
	errno = ENOENT;
	log_errno(LOG_LVL_WARN, "open %s", "/x");
	ck_assert_int_eq(errno, ENOENT);
	log_set_level(LOG_LVL_DEBUG);
	log_debug("now kept");
	log_close();
	ck_assert_int_eq(log_error_fd(), -1);

	char *got = log_slurp("error.log", &len);
	char *lines[8], *save = NULL;
	int n = 0;

	ck_assert_uint_gt(len, 0);
	ck_assert_int_eq(got[len - 1], '\n');
	for (char *l = strtok_r(got, "\n", &save); l != NULL && n < 8;
	     l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	ck_assert_int_eq(n, 4);
	log_check_line(lines[0], "error", "bad thing 42");
	log_check_line(lines[1], "notice", "kept");
	log_check_line(lines[2], "warn", "open /x: No such file or directory");
	log_check_line(lines[3], "debug", "now kept");
	free(got);
	log_error_long();
}
END_TEST

/* ---- log_ratelimit ---- */

/* The first message always goes out (even at clock 0), then one a second. */
START_TEST(test_log_ratelimit)
{
	static const struct {
		uint64_t now;
		bool want;
	} steps[] = {
		{ 0, true },    { 0, false },     { 999, false },
		{ 1000, true }, { 1500, false },  { 1999, false },
		{ 2000, true }, { 900000, true }, { 900001, false },
	};
	struct log_ratelimit rl = { 0 };

	for (size_t i = 0; i < nitems(steps); i++)
		ck_assert_msg(log_ratelimit_allow(&rl, steps[i].now) ==
				      steps[i].want,
			      "step %zu (now %llu)", i,
			      (unsigned long long)steps[i].now);
}
END_TEST

Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("format");

	tcase_add_test(tc, test_log_format_table);
	tcase_add_test(tc, test_log_format_bounds);
	tcase_add_test(tc, test_log_format_long_request);
	tcase_add_test(tc, test_log_render_bounds);
	tcase_add_test(tc, test_log_ratelimit);
	suite_add_tcase(s, tc);
	tc = tcase_create("files");
	tcase_add_unchecked_fixture(tc, log_setup_base, log_teardown_base);
	tcase_add_checked_fixture(tc, log_setup, NULL);
	tcase_add_test(tc, test_log_access_buffered);
	tcase_add_test(tc, test_log_access_full);
	tcase_add_test(tc, test_log_access_two_writers);
	tcase_add_test(tc, test_log_access_reopen);
	tcase_add_test(tc, test_log_error_log);
	suite_add_tcase(s, tc);
	return s;
}
