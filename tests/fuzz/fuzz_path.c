/*
 * fuzz_path.c — libFuzzer harness for path_normalize() alone.
 *
 * The whole input is the path.  It is normalised into buffers of several
 * sizes, each allocated to exactly that size so that ASan sees one byte
 * too many, and the results are checked against each other, against a
 * reference model written for clarity rather than speed, and against the
 * contract in path.h:
 *   - a result starts with '/', is NUL-terminated at its length, which is
 *     less than the buffer size, and holds no "//" and no "." or ".."
 *     segment;
 *   - the buffer size only ever decides between the result and PATH_ELONG;
 *   - normalising a result again, with '%' re-encoded as "%25", gives it
 *     back unchanged.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_IN (4 * PATH_MAX_LEN) /* longer inputs say nothing new */

__attribute__((noreturn)) static void fail(const char *what, const char *in,
					   size_t len)
{
	fprintf(stderr, "fuzz_path: %s; input (%zu bytes): \"", what, len);
	for (size_t i = 0; i < len && i < 256; i++)
		fprintf(stderr, in[i] >= 0x20 && in[i] < 0x7f ? "%c" : "\\x%02x",
			(unsigned char)in[i]);
	fprintf(stderr, "\"\n");
	abort();
}

/* ---- the reference model: decode, split, resolve, join ---- */

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Segment [s, s + n) of out ends: apply it to the stack of kept ones,
 * which are "/name" runs at the start of out (length *len). */
static int ref_segment(char *out, size_t *len, size_t start, size_t n)
{
	const char *seg = out + start + 1;

	if (n == 0 || (n == 1 && seg[0] == '.')) {
		*len = start;
		return 0;
	}
	if (n == 2 && seg[0] == '.' && seg[1] == '.') {
		if (start == 0)
			return PATH_EESCAPE;
		*len = start;
		while (out[--*len] != '/')
			;
		return 0;
	}
	*len = start + 1 + n;
	return 0;
}

/* The normalised path in out (room for 2 * inlen + 2), or an error. */
static int ref_normalize(const char *in, size_t inlen, char *out)
{
	size_t len = 0, start, i = 1;
	int c, rc;

	if (inlen == 0 || in[0] != '/')
		return PATH_ENOTABS;
	start = len;
	out[len++] = '/';
	while (i < inlen) {
		c = (unsigned char)in[i++];
		if (c == '%') {
			if (inlen - i < 2 || hexval((unsigned char)in[i]) < 0 ||
			    hexval((unsigned char)in[i + 1]) < 0)
				return PATH_EBADPCT;
			c = hexval((unsigned char)in[i]) << 4 |
			    hexval((unsigned char)in[i + 1]);
			i += 2;
		}
		if (c == 0)
			return PATH_ENUL;
		if (c != '/') {
			out[len++] = (char)c;
			continue;
		}
		if ((rc = ref_segment(out, &len, start, len - start - 1)) < 0)
			return rc;
		start = len;
		out[len++] = '/';
	}
	/* The last segment: "", "." or ".." leave a trailing slash. */
	size_t n = len - start - 1;
	const char *seg = out + start + 1;
	int slash = n == 0 || (n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.');
	if ((rc = ref_segment(out, &len, start, n)) < 0)
		return rc;
	if (slash || len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return (int)len;
}

/* ---- checks ---- */

static void check_shape(const char *out, int rc, size_t outsz, const char *in,
			size_t inlen)
{
	size_t n = (size_t)rc;

	if (n >= outsz || out[n] != '\0' || strlen(out) != n)
		fail("result not NUL-terminated at its length, within the buffer",
		     in, inlen);
	if (out[0] != '/')
		fail("result does not start with '/'", in, inlen);
	if (strstr(out, "//") != NULL || strstr(out, "/./") != NULL ||
	    strstr(out, "/../") != NULL)
		fail("result holds an empty, \".\" or \"..\" segment", in, inlen);
	if ((n >= 2 && strcmp(out + n - 2, "/.") == 0) ||
	    (n >= 3 && strcmp(out + n - 3, "/..") == 0))
		fail("result ends in a \".\" or \"..\" segment", in, inlen);
}

/* Normalise into a buffer of exactly outsz bytes; compare with the model. */
static void check_size(const char *in, size_t inlen, size_t outsz, int want,
		       const char *want_out)
{
	char *out = malloc(outsz ? outsz : 1);
	int rc;

	if (out == NULL)
		abort();
	rc = path_normalize(in, inlen, outsz ? out : NULL, outsz);
	if (want >= 0 && (size_t)want >= outsz)
		want = PATH_ELONG; /* does not fit: the only other verdict */
	if (rc != want) {
		fprintf(stderr, "fuzz_path: outsz %zu: got %d, the model says %d\n",
			outsz, rc, want);
		fail("path_normalize disagrees with the reference model", in, inlen);
	}
	if (rc >= 0) {
		check_shape(out, rc, outsz, in, inlen);
		if (memcmp(out, want_out, (size_t)rc + 1) != 0)
			fail("result differs from the reference model", in, inlen);
	}
	free(out);
}

/* Normalising a result (with '%' escaped) must give it back. */
static void check_idempotent(const char *res, size_t len, const char *in,
			     size_t inlen)
{
	char *enc = malloc(3 * len + 1);
	char *again = malloc(len + 1);
	size_t n = 0;

	if (enc == NULL || again == NULL)
		abort();
	for (size_t i = 0; i < len; i++) {
		if (res[i] == '%') {
			memcpy(enc + n, "%25", 3);
			n += 3;
		} else {
			enc[n++] = res[i];
		}
	}
	int rc = path_normalize(enc, n, again, len + 1);
	if (rc != (int)len || memcmp(again, res, len + 1) != 0)
		fail("normalising a result again changes it", in, inlen);
	free(enc);
	free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 4, 8, 64, 256, PATH_MAX_LEN };
	const char *in = (const char *)data;

	if (size > MAX_IN)
		return 0;
	char *model = malloc(2 * size + 2);
	if (model == NULL)
		abort();
	int want = ref_normalize(in, size, model);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		check_size(in, size, sizes[i], want, model);
	if (want >= 0) {
		/* Both sides of the boundary, and a generous buffer. */
		check_size(in, size, (size_t)want, want, model);
		check_size(in, size, (size_t)want + 1, want, model);
		check_size(in, size, size + 2, want, model);
		check_idempotent(model, (size_t)want, in, size);
	}
	free(model);
	return 0;
}
