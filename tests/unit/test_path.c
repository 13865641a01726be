/*
 * path_normalize: a table of exact outputs and error codes (hostile inputs
 * included), long inputs, and a randomised comparison against a simple
 * reference model plus invariants on every output.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "suites.h"

#define BIG (PATH_MAX_LEN + 1)
#define GUARD 0xa5

struct path_case {
	const char *in;
	size_t inlen;
	size_t outsz;
	int rc;
	const char *out; /* NULL for errors */
};

/* sizeof, not strlen: the input may hold a NUL. */
#define OK(in, out)                                           \
	{                                                     \
		in, sizeof(in) - 1, BIG, sizeof(out) - 1, out \
	}
#define ERR(in, rc)                               \
	{                                         \
		in, sizeof(in) - 1, BIG, rc, NULL \
	}
#define OK_SZ(in, sz, out)                                   \
	{                                                    \
		in, sizeof(in) - 1, sz, sizeof(out) - 1, out \
	}
#define ERR_SZ(in, sz, rc)                       \
	{                                        \
		in, sizeof(in) - 1, sz, rc, NULL \
	}
#define ERR_EMPTY(sz, rc)           \
	{                           \
		"", 0, sz, rc, NULL \
	}

static const struct path_case cases[] = {
	/* plain paths and slashes */
	OK("/", "/"),
	OK("/a", "/a"),
	OK("/a/", "/a/"),
	OK("/a/b/c", "/a/b/c"),
	OK("/index.html", "/index.html"),
	OK("//", "/"),
	OK("///a///b///", "/a/b/"),
	OK("/a//b", "/a/b"),
	/* "." */
	OK("/.", "/"),
	OK("/./", "/"),
	OK("/./././", "/"),
	OK("/././.", "/"),
	OK("/a/.", "/a/"),
	OK("/a/./b", "/a/b"),
	OK("/a/./b/./", "/a/b/"),
	/* ".." inside the root */
	OK("/a/..", "/"),
	OK("/a/../", "/"),
	OK("/a/b/..", "/a/"),
	OK("/a/b/../c", "/a/c"),
	OK("/a/b/../../c", "/c"),
	OK("/a/./b/../c/", "/a/c/"),
	OK("/a/b/c/../../../d/e/..", "/d/"),
	OK("/a//..", "/"),
	OK("/a/b//../c", "/a/c"),
	/* ".." above the root */
	ERR("/..", PATH_EESCAPE),
	ERR("/../", PATH_EESCAPE),
	ERR("/../a", PATH_EESCAPE),
	ERR("/a/../..", PATH_EESCAPE),
	ERR("/a/b/../../../x", PATH_EESCAPE),
	ERR("//..", PATH_EESCAPE),
	ERR("/./..", PATH_EESCAPE),
	ERR("/a/..//..", PATH_EESCAPE),
	ERR("/../../../../etc/passwd", PATH_EESCAPE),
	/* dots that are dots only once decoded */
	ERR("/%2e%2e", PATH_EESCAPE),
	ERR("/%2E%2E/", PATH_EESCAPE),
	ERR("/.%2e", PATH_EESCAPE),
	ERR("/%2e.", PATH_EESCAPE),
	ERR("/%2e%2E/etc/passwd", PATH_EESCAPE),
	OK("/a/%2e%2e/b", "/b"),
	OK("/a/%2e/b", "/a/b"),
	OK("/a/%2E", "/a/"),
	OK("/a/.%2E", "/"),
	OK("/%2e", "/"),
	/* decoded once only: double encoding stays literal */
	OK("/%252e%252e", "/%2e%2e"),
	OK("/%252E%252E/x", "/%2E%2E/x"),
	OK("/a/%252e%252e/b", "/a/%2e%2e/b"),
	OK("/%252f", "/%2f"),
	OK("/%25", "/%"),
	OK("/%2525", "/%25"),
	OK("/%2500", "/%00"),
	/* an encoded slash separates */
	OK("/a%2fb", "/a/b"),
	OK("/a%2F", "/a/"),
	OK("/a%2F%2F%2Fb", "/a/b"),
	OK("/a%2F..%2Fb", "/b"),
	ERR("/%2F..%2F", PATH_EESCAPE),
	ERR("/%2f..", PATH_EESCAPE),
	ERR("/a%2f..%2f..", PATH_EESCAPE),
	/* hex digits in either case */
	OK("/%41%62%6a%4A", "/AbjJ"),
	OK("/%7e%7E", "/~~"),
	OK("/%3F%3f%23", "/??#"),
	OK("/%20", "/ "),
	/* malformed escapes */
	ERR("/%", PATH_EBADPCT),
	ERR("/%0", PATH_EBADPCT),
	ERR("/%g0", PATH_EBADPCT),
	ERR("/%0g", PATH_EBADPCT),
	ERR("/a%", PATH_EBADPCT),
	ERR("/a%2", PATH_EBADPCT),
	ERR("/%%", PATH_EBADPCT),
	ERR("/%%41", PATH_EBADPCT),
	ERR("/% 20", PATH_EBADPCT),
	ERR("/%+1", PATH_EBADPCT),
	ERR("/%-1", PATH_EBADPCT),
	ERR("/%x41", PATH_EBADPCT),
	ERR("/%G", PATH_EBADPCT),
	ERR("/%:0", PATH_EBADPCT),
	ERR("/%@0", PATH_EBADPCT),
	ERR("/%`0", PATH_EBADPCT),
	ERR("/a/b/%2", PATH_EBADPCT),
	/* NUL, raw or encoded */
	ERR("/a%00b", PATH_ENUL),
	ERR("/%00", PATH_ENUL),
	ERR("/a\0b", PATH_ENUL),
	ERR("/\0", PATH_ENUL),
	ERR("/a/\0/..", PATH_ENUL),
	ERR("/\0\0\0", PATH_ENUL),
	/* ordinary names that look like dots */
	OK("/...", "/..."),
	OK("/..a", "/..a"),
	OK("/a..", "/a.."),
	OK("/.a", "/.a"),
	OK("/.../...", "/.../..."),
	OK("/..../", "/..../"),
	OK("/.%2e.", "/..."),
	OK("/a/.../..", "/a/"),
	OK("/.htaccess", "/.htaccess"),
	OK("/a/.b/..", "/a/"),
	/* backslash is an ordinary byte */
	OK("/a\\..\\b", "/a\\..\\b"),
	OK("/..\\", "/..\\"),
	OK("/\\..", "/\\.."),
	OK("/%5c..%5C", "/\\..\\"),
	/* bytes above 0x7f pass through */
	OK("/caf\xc3\xa9", "/caf\xc3\xa9"),
	OK("/%C3%A9t%c3%a9", "/\xc3\xa9t\xc3\xa9"),
	OK("/\xff\xfe/\x80", "/\xff\xfe/\x80"),
	OK("/%ff%FE", "/\xff\xfe"),
	OK("/\xe2\x80\xae/../x", "/x"),
	/* not absolute */
	ERR_EMPTY(BIG, PATH_ENOTABS),
	ERR("a", PATH_ENOTABS),
	ERR("a/b", PATH_ENOTABS),
	ERR("./a", PATH_ENOTABS),
	ERR("../a", PATH_ENOTABS),
	ERR("\\a", PATH_ENOTABS),
	ERR(" /a", PATH_ENOTABS),
	ERR("%2Fa", PATH_ENOTABS),
	ERR("\0/a", PATH_ENOTABS),
	ERR("http://host/a", PATH_ENOTABS),
	/* nothing else is special */
	OK("/a?b#c", "/a?b#c"),
	OK("/a;b=c", "/a;b=c"),
	OK("/a\r\n", "/a\r\n"),
	/* the first error in input order wins */
	ERR("/../%zz", PATH_EESCAPE),
	ERR("/%zz/..", PATH_EBADPCT),
	ERR("/%00/..", PATH_ENUL),
	ERR("/a%00%zz", PATH_ENUL),
	ERR("/a%zz%00", PATH_EBADPCT),
	ERR("/..%00", PATH_ENUL),
	/* out: an exact fit, one byte short, and segments popped after overflow */
	OK_SZ("/abc", 5, "/abc"),
	ERR_SZ("/abc", 4, PATH_ELONG),
	OK_SZ("/abc/", 6, "/abc/"),
	ERR_SZ("/abc/", 5, PATH_ELONG),
	OK_SZ("/", 2, "/"),
	ERR_SZ("/", 1, PATH_ELONG),
	ERR_SZ("/", 0, PATH_ELONG),
	OK_SZ("/a/.", 4, "/a/"),
	ERR_SZ("/a/.", 3, PATH_ELONG),
	OK_SZ("/a%2fb", 5, "/a/b"),
	ERR_SZ("/a%2fb", 4, PATH_ELONG),
	OK_SZ("/%2e%2e%2e", 5, "/..."),
	ERR_SZ("/%2e%2e%2e", 4, PATH_ELONG),
	OK_SZ("/aaaa/../b", 3, "/b"),
	OK_SZ("/aaaa/bbbb/../../b", 3, "/b"),
	OK_SZ("/a/bbbb/../c", 5, "/a/c"),
	OK_SZ("/a/bbbb/..", 4, "/a/"),
	ERR_SZ("/a/bbbb/..", 3, PATH_ELONG),
	OK_SZ("/a/bb/./..", 4, "/a/"),
	ERR_SZ("/aaaa/bbbb/..", 6, PATH_ELONG),
	OK_SZ("/aaaa/bbbb/..", 7, "/aaaa/"),
	OK_SZ("/aaaa/..", 2, "/"),
	ERR_SZ("/aaaa/b/..", 4, PATH_ELONG),
	OK_SZ("/aaaa/b/../../c", 3, "/c"),
	OK_SZ("/ab/cd", 7, "/ab/cd"),
	ERR_SZ("/ab/cd", 6, PATH_ELONG),
	/* input errors outrank PATH_ELONG */
	ERR_SZ("/%2e%2e", 1, PATH_EESCAPE),
	ERR_SZ("/abc/../../x", 2, PATH_EESCAPE),
	ERR_SZ("/abcdef/%zz", 3, PATH_EBADPCT),
	ERR_SZ("/abcdef/%00", 3, PATH_ENUL),
	ERR_EMPTY(1, PATH_ENOTABS),
};

#define NCASES ((int)(sizeof(cases) / sizeof(cases[0])))

/*
 * One case: exact rc and output, out emptied on error, and not a byte
 * written at or past outsz.  Returns 0, or 1 after saying what went wrong.
 */
static int path_case_check(int i)
{
	const struct path_case *c = &cases[i];
	unsigned char buf[BIG + 64];
	int rc;

	memset(buf, GUARD, sizeof(buf));
	rc = path_normalize(c->in, c->inlen, (char *)buf, c->outsz);
	if (rc != c->rc) {
		fprintf(stderr, "path case %d \"%s\": rc %d, want %d\n", i,
			c->in, rc, c->rc);
		return 1;
	}
	if (c->out != NULL && memcmp(buf, c->out, (size_t)rc + 1) != 0) {
		fprintf(stderr, "path case %d \"%s\": \"%s\", want \"%s\"\n", i,
			c->in, (char *)buf, c->out);
		return 1;
	}
	if (c->out == NULL && c->outsz > 0 && buf[0] != '\0') {
		fprintf(stderr, "path case %d \"%s\": out not emptied\n", i,
			c->in);
		return 1;
	}
	for (size_t j = c->outsz; j < sizeof(buf); j++) {
		if (buf[j] != GUARD) {
			fprintf(stderr, "path case %d \"%s\": wrote byte %zu\n",
				i, c->in, j);
			return 1;
		}
	}
	return 0;
}

/* Every case in one process, every failure listed (a fork per case under
 * LeakSanitizer costs more than all the cases together). */
START_TEST(test_path_table)
{
	int failed = 0;

	for (int i = 0; i < NCASES; i++)
		failed += path_case_check(i);
	ck_assert_msg(failed == 0, "%d of %d path cases failed (see stderr)",
		      failed, NCASES);
}
END_TEST

/* A NUL-free string from a pattern repeated n times after a prefix. */
static char *path_repeat(const char *prefix, const char *pat, size_t n,
			 size_t *len)
{
	size_t pl = strlen(prefix), ql = strlen(pat);
	char *s = malloc(pl + ql * n + 1);

	ck_assert_ptr_nonnull(s);
	memcpy(s, prefix, pl);
	for (size_t i = 0; i < n; i++)
		memcpy(s + pl + i * ql, pat, ql);
	*len = pl + ql * n;
	s[*len] = '\0';
	return s;
}

static int path_norm_heap(const char *in, size_t len, size_t outsz, char **out)
{
	*out = malloc(outsz > 0 ? outsz : 1);
	ck_assert_ptr_nonnull(*out);
	return path_normalize(in, len, *out, outsz);
}

START_TEST(test_path_long_fit)
{
	size_t len;
	char *in = path_repeat("/", "a", PATH_MAX_LEN - 1, &len);
	char out[BIG];

	ck_assert_int_eq(path_normalize(in, len, out, sizeof(out)),
			 PATH_MAX_LEN);
	ck_assert_str_eq(out, in);
	ck_assert_int_eq(path_normalize(in, len, out, sizeof(out) - 1),
			 PATH_ELONG);
	free(in);
	in = path_repeat("/", "a", PATH_MAX_LEN, &len);
	ck_assert_int_eq(path_normalize(in, len, out, sizeof(out)), PATH_ELONG);
	free(in);
}
END_TEST

START_TEST(test_path_long_segments)
{
	size_t len;
	char *in = path_repeat("", "/a", 50000, &len), *out;

	ck_assert_int_eq(path_norm_heap(in, len, len + 1, &out), (int)len);
	ck_assert_str_eq(out, in);
	free(out);
	ck_assert_int_eq(path_norm_heap(in, len, len, &out), PATH_ELONG);
	free(out);
	free(in);
}
END_TEST

START_TEST(test_path_long_pops)
{
	size_t len;
	char *in = path_repeat("", "/x/..", 20000, &len), *out;

	ck_assert_int_eq(path_norm_heap(in, len, 2, &out), 1);
	ck_assert_str_eq(out, "/");
	free(out);
	free(in);
}
END_TEST

START_TEST(test_path_long_encoded_climb)
{
	size_t n = 5000, len, half;
	char *in = path_repeat("", "/a", n, &half), *s, *out;

	s = path_repeat(in, "/%2e%2e", n, &len);
	ck_assert_int_eq(path_norm_heap(s, len, 2, &out), 1);
	ck_assert_str_eq(out, "/");
	free(out);
	free(s);
	s = path_repeat(in, "/.%2E", n + 1, &len);
	ck_assert_int_eq(path_norm_heap(s, len, BIG, &out), PATH_EESCAPE);
	free(out);
	free(s);
	free(in);
}
END_TEST

/* A megabyte-long segment that does not fit, then removed by "..". */
START_TEST(test_path_long_overflow_popped)
{
	size_t len;
	char *in = path_repeat("/", "a", 1 << 20, &len), *s, *out;

	s = path_repeat(in, "/..", 1, &len);
	ck_assert_int_eq(path_norm_heap(s, len, 2, &out), 1);
	ck_assert_str_eq(out, "/");
	free(out);
	free(s);
	s = path_repeat(in, "/../..", 1, &len);
	ck_assert_int_eq(path_norm_heap(s, len, 2, &out), PATH_EESCAPE);
	free(out);
	free(s);
	free(in);
}
END_TEST

START_TEST(test_path_long_slashes)
{
	size_t len;
	char *in = path_repeat("", "/", 1 << 20, &len), *out;

	ck_assert_int_eq(path_norm_heap(in, len, 2, &out), 1);
	ck_assert_str_eq(out, "/");
	free(out);
	free(in);
	in = path_repeat("", "a/", PATH_MAX_LEN, &len);
	in[0] = '/';
	ck_assert_int_eq(path_norm_heap(in, len, BIG, &out), PATH_ELONG);
	free(out);
	free(in);
}
END_TEST

START_TEST(test_path_long_bad_tail)
{
	size_t len;
	char *in = path_repeat("", "/abc", 100000, &len), *s, *out;

	s = path_repeat(in, "%", 1, &len);
	ck_assert_int_eq(path_norm_heap(s, len, BIG, &out), PATH_EBADPCT);
	ck_assert_str_eq(out, "");
	free(out);
	free(s);
	free(in);
}
END_TEST

/*
 * The reference model: decode everything, split on '/', then RFC 3986
 * §5.2.4 on an array of segments.  Slow and obvious.
 */
#define REF_MAX 256

static int ref_hex(int c)
{
	const char *d = "0123456789abcdef", *p;

	if (c >= 'A' && c <= 'F')
		c += 'a' - 'A';
	p = c != '\0' ? strchr(d, c) : NULL;
	return p != NULL ? (int)(p - d) : -1;
}

static int ref_decode(const char *in, size_t len, char *dec, size_t *dlen)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		int c = (unsigned char)in[i];

		if (c == '%') {
			if (i + 2 >= len || ref_hex(in[i + 1]) < 0 ||
			    ref_hex(in[i + 2]) < 0)
				return PATH_EBADPCT;
			c = ref_hex(in[i + 1]) * 16 + ref_hex(in[i + 2]);
			i += 2;
		}
		if (c == 0)
			return PATH_ENUL;
		dec[n++] = (char)c;
	}
	*dlen = n;
	return 0;
}

static int ref_normalize(const char *in, size_t len, char *out)
{
	char dec[REF_MAX];
	const char *seg[REF_MAX];
	size_t seglen[REF_MAX], dlen, nseg = 0, i, start, o = 0;
	int rc, trail = 0;

	if (len == 0 || in[0] != '/')
		return PATH_ENOTABS;
	if ((rc = ref_decode(in, len, dec, &dlen)) < 0)
		return rc;
	for (start = 1; start <= dlen; start = i + 1) {
		for (i = start; i < dlen && dec[i] != '/'; i++)
			;
		const char *s = dec + start;
		size_t n = i - start;

		trail = n == 0 || (n == 1 && s[0] == '.') ||
			(n == 2 && s[0] == '.' && s[1] == '.');
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			if (nseg == 0)
				return PATH_EESCAPE;
			nseg--;
		} else if (!trail) {
			seg[nseg] = s;
			seglen[nseg++] = n;
		}
	}
	for (i = 0; i < nseg; i++) {
		out[o++] = '/';
		memcpy(out + o, seg[i], seglen[i]);
		o += seglen[i];
	}
	if (nseg == 0 || trail)
		out[o++] = '/';
	out[o] = '\0';
	return (int)o;
}

static uint32_t prng_state;

static uint32_t prng_next(void)
{
	uint32_t x = prng_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return prng_state = x;
}

/*
 * A random input over the bytes "/.%2eE0aF\\": half of them byte by byte
 * (mostly bad escapes), half from tokens of those bytes, which make dot
 * segments, encoded slashes and valid escapes common.
 */
static size_t prng_path(char *in, size_t max)
{
	static const char bytes[] = "/.%2eE0aF\\";
	static const char *const tokens[] = {
		"/",   "/",   ".", ".",  "%2e", "%2E", "%2F", "%2f",
		"%25", "%00", "a", "E0", "\\",  "%",   "F",
	};
	size_t ntok = sizeof(tokens) / sizeof(tokens[0]);
	size_t len = 0, want = 1 + prng_next() % (max - 3);
	int bytewise = prng_next() % 2;

	while (len < want) {
		const char *t = tokens[prng_next() % ntok];

		if (bytewise)
			in[len++] = bytes[prng_next() % (sizeof(bytes) - 1)];
		else
			for (; *t != '\0'; t++)
				in[len++] = *t;
	}
	if (prng_next() % 16 != 0)
		in[0] = '/';
	return len;
}

/* Every segment of a normalised path is a real name; only the last may be
 * empty (the trailing slash). */
static void check_shape(const char *in, const char *out, int rc)
{
	const char *s, *e;

	ck_assert_msg(rc > 0 && (size_t)rc == strlen(out),
		      "\"%s\": rc %d for \"%s\"", in, rc, out);
	ck_assert_msg(out[0] == '/', "\"%s\" -> \"%s\"", in, out);
	for (s = out + 1; *s != '\0'; s = e + (*e == '/')) {
		e = s + strcspn(s, "/");
		ck_assert_msg(e > s, "\"%s\" -> \"%s\": empty segment", in,
			      out);
		ck_assert_msg(strncmp(s, ".", e - s) != 0 &&
				      strncmp(s, "..", e - s) != 0,
			      "\"%s\" -> \"%s\": dot segment", in, out);
	}
	ck_assert_ptr_null(strstr(out, "//"));
	ck_assert_ptr_null(strstr(out, "/./"));
	ck_assert_ptr_null(strstr(out, "/../"));
	ck_assert_msg(rc < 2 || strcmp(out + rc - 2, "/.") != 0, "%s", out);
	ck_assert_msg(rc < 3 || strcmp(out + rc - 3, "/..") != 0, "%s", out);
}

/* Normalising again, with '%' re-encoded, changes nothing. */
static void check_idempotent(const char *out, int rc)
{
	char enc[3 * REF_MAX], again[3 * REF_MAX];
	size_t n = 0;

	for (int i = 0; i < rc; i++) {
		if (out[i] == '%') {
			memcpy(enc + n, "%25", 3);
			n += 3;
		} else {
			enc[n++] = out[i];
		}
	}
	ck_assert_int_eq(path_normalize(enc, n, again, sizeof(again)), rc);
	ck_assert_str_eq(again, out);
}

/* The result fits exactly rc + 1 bytes, and no fewer. */
static void check_fit(const char *in, size_t len, const char *out, int rc)
{
	char tight[REF_MAX];

	ck_assert_int_eq(path_normalize(in, len, tight, (size_t)rc + 1), rc);
	ck_assert_str_eq(tight, out);
	for (size_t sz = 0; sz <= (size_t)rc; sz++)
		ck_assert_msg(path_normalize(in, len, tight, sz) == PATH_ELONG,
			      "\"%s\" fits %zu bytes", in, sz);
}

static void check_error(const char *in, int rc, int want)
{
	/* Reference decodes first; path_normalize may meet a ".." sooner. */
	ck_assert_msg(rc == want ||
			      (want != PATH_ENOTABS && want != PATH_EESCAPE &&
			       rc == PATH_EESCAPE),
		      "\"%s\": rc %d, reference %d", in, rc, want);
}

START_TEST(test_path_random)
{
	char in[REF_MAX / 2], out[REF_MAX], ref[REF_MAX];
	int nok = 0, nerr[6] = { 0 };

	prng_state = 0x2545f491;
	for (int k = 0; k < 10000; k++) {
		size_t len = prng_path(in, 48);
		int want = ref_normalize(in, len, ref);
		int rc = path_normalize(in, len, out, sizeof(out));

		in[len] = '\0';
		if (want < 0) {
			check_error(in, rc, want);
			nerr[-rc]++;
			continue;
		}
		ck_assert_msg(rc == want && strcmp(out, ref) == 0,
			      "\"%s\": \"%s\" (%d), reference \"%s\"", in, out,
			      rc, ref);
		check_shape(in, out, rc);
		check_idempotent(out, rc);
		check_fit(in, len, out, rc);
		nok++;
	}
	/* The alphabet must exercise every outcome but ELONG. */
	ck_assert_int_gt(nok, 100);
	for (int e = 1; e <= 5; e++)
		ck_assert_msg(e == -PATH_ELONG || nerr[e] > 10,
			      "error %d seen %d times", -e, nerr[e]);
}
END_TEST

START_TEST(test_path_hidden)
{
	static const struct {
		const char *path;
		bool hidden;
	} hidden_cases[] = {
		{ "/", false },
		{ "/a.txt", false },
		{ "/dir/a.b.c", false },
		{ "/a./b", false },
		{ "/.env", true },
		{ "/.git/config", true },
		{ "/dir/.htaccess", true },
		{ "/dir/.hidden/", true },
		{ "/.well-known/acme-challenge/x", false },
		{ "/.well-known/", false },
		{ "/.well-known/.secret", true },
		{ "/.well-known", true },
		{ "/.well-knownx/a", true },
		{ "/a/.well-known/x", true },
	};

	for (size_t i = 0; i < sizeof(hidden_cases) / sizeof(hidden_cases[0]);
	     i++)
		ck_assert_msg(path_is_hidden(hidden_cases[i].path) ==
				      hidden_cases[i].hidden,
			      "%s: want %d", hidden_cases[i].path,
			      hidden_cases[i].hidden);
}
END_TEST

/* path_normalize_hidden: path_normalize's result and verdict, and
 * path_is_hidden's on it, whichever pass decided. */
START_TEST(test_path_normalize_hidden)
{
	static const char *const in[] = {
		"/index.html", "/a/b.c/",           "/",
		"/.env",       "/a/.git/config",    "/a/%2egit/x",
		"/a/../.env",  "/.well-known/acme", "/x/.",
		"/a//.b",      "/%2e%2e",           "/a%00",
		"/a/..b",      "/.well-known/.k",
	};

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		char want[64], got[64];
		bool hidden = true;
		int rc = path_normalize(in[i], strlen(in[i]), want,
					sizeof(want));
		int n = path_normalize_hidden(in[i], strlen(in[i]), got,
					      sizeof(got), &hidden);

		ck_assert_int_eq(n, rc);
		if (rc < 0) {
			ck_assert_msg(!hidden, "%s", in[i]);
			continue;
		}
		ck_assert_str_eq(got, want);
		ck_assert_msg(hidden == path_is_hidden(want), "%s", in[i]);
	}
}
END_TEST

Suite *path_suite(void)
{
	Suite *s = suite_create("path");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, test_path_table);
	tcase_add_test(tc, test_path_hidden);
	tcase_add_test(tc, test_path_normalize_hidden);
	suite_add_tcase(s, tc);
	tc = tcase_create("long");
	tcase_add_test(tc, test_path_long_fit);
	tcase_add_test(tc, test_path_long_segments);
	tcase_add_test(tc, test_path_long_pops);
	tcase_add_test(tc, test_path_long_encoded_climb);
	tcase_add_test(tc, test_path_long_overflow_popped);
	tcase_add_test(tc, test_path_long_slashes);
	tcase_add_test(tc, test_path_long_bad_tail);
	suite_add_tcase(s, tc);
	tc = tcase_create("random");
	tcase_add_test(tc, test_path_random);
	suite_add_tcase(s, tc);
	return s;
}
