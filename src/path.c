/*
 * path.c — request-target path normalisation.
 *
 * One pass over the input that decodes and removes dot segments as it goes,
 * with out itself as the segment stack: every kept segment is stored as
 * "/name", so ".." truncates out back to the previous '/'.  No allocation.
 *
 * A path that is already normal (the usual request) is only checked and
 * copied, in a first pass that gives up at the first byte needing work.
 *
 * Errors are reported in input order: the first bad escape, NUL or escaping
 * ".." wins.  PATH_ELONG is only ever the verdict on otherwise valid input,
 * and only on the final result: a segment that does not fit is counted
 * rather than failing at once, because a later ".." may remove it again
 * ("/aaaa/../b" fits a three-byte out as "/b").
 */
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "path.h"

struct norm {
	char *out;
	size_t outsz;  /* usable bytes of out, the NUL included */
	size_t len;    /* bytes of out holding kept segments */
	size_t seg;    /* where the current segment starts in out */
	size_t seglen; /* decoded bytes in the current segment */
	size_t over;   /* kept segments that did not fit, not yet popped */
	int dots;      /* the current segment is all dots so far */
	int full;      /* the current segment is not being stored */
};

static int path_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * The byte at in[*i], a percent escape decoded (once); advances *i past it.
 * Returns the byte, or PATH_EBADPCT or PATH_ENUL.
 */
static int path_decode(const char *in, size_t inlen, size_t *i)
{
	unsigned char c = in[*i];
	int hi, lo;

	if (c == '%') {
		if (inlen - *i < 3)
			return PATH_EBADPCT;
		hi = path_hex(in[*i + 1]);
		lo = path_hex(in[*i + 2]);
		if (hi < 0 || lo < 0)
			return PATH_EBADPCT;
		c = hi << 4 | lo;
		*i += 2;
	}
	(*i)++;
	return c == '\0' ? PATH_ENUL : c;
}

/* Store c unless the segment overflowed; always leave room for the NUL. */
static void path_put(struct norm *n, char c)
{
	if (n->full || n->outsz - n->len < 2) {
		n->full = 1;
		return;
	}
	n->out[n->len++] = c;
}

static void path_seg_begin(struct norm *n)
{
	n->seg = n->len;
	n->seglen = 0;
	n->dots = 1;
	n->full = n->over > 0;
	path_put(n, '/');
}

static void path_seg_byte(struct norm *n, char c)
{
	n->seglen++;
	n->dots &= (c == '.');
	path_put(n, c);
}

/* "..": drop the last kept segment, which may be one that did not fit. */
static int path_pop(struct norm *n)
{
	if (n->over > 0) {
		n->over--;
		return 0;
	}
	if (n->len == 0)
		return PATH_EESCAPE;
	while (n->out[--n->len] != '/')
		;
	return 0;
}

/* An empty segment or "." vanishes, ".." pops, anything else is kept. */
static int path_seg_end(struct norm *n)
{
	if (n->dots && n->seglen <= 2) {
		n->len = n->seg;
		return n->seglen == 2 ? path_pop(n) : 0;
	}
	if (n->full) {
		n->len = n->seg;
		n->over++;
	}
	return 0;
}

/* The root, or a last segment that was empty, "." or "..", ends in '/'. */
static int path_finish(struct norm *n)
{
	size_t slash = n->len == 0 || (n->dots && n->seglen <= 2);

	if (n->over > 0 || n->outsz - n->len < slash + 1)
		return PATH_ELONG;
	if (slash)
		n->out[n->len++] = '/';
	n->out[n->len] = '\0';
	return (int)n->len;
}

static int path_fail(struct norm *n, int error)
{
	if (n->outsz > 0)
		n->out[0] = '\0';
	return error;
}

/*
 * The common case in one pass: a path with no escape, NUL, empty segment
 * or dot segment ("//", "/.") is its own normal form, copied as it is
 * checked.  Returns its length, or -1 when the full pass must decide
 * (out's contents then mean nothing).
 */
static int path_copy_plain(const char *in, size_t inlen, char *out,
			   size_t outsz)
{
	static const unsigned char special[256] = {
		['\0'] = 1, ['%'] = 1, ['/'] = 1
	};

	if (inlen >= outsz || inlen >= INT_MAX || inlen == 0 || in[0] != '/')
		return -1;
	for (size_t i = 0; i < inlen; i++) {
		unsigned char c = (unsigned char)in[i];
		if (special[c] &&
		    (c != '/' ||
		     (i + 1 < inlen && (in[i + 1] == '/' || in[i + 1] == '.'))))
			return -1;
		out[i] = (char)c;
	}
	out[inlen] = '\0';
	return (int)inlen;
}

/* The one pass of the file's comment, for any input. */
static int path_normalize_full(const char *in, size_t inlen, char *out,
			       size_t outsz)
{
	struct norm n = {
		.out = out,
		.outsz = outsz < INT_MAX ? outsz : INT_MAX,
	};
	size_t i = 1;
	int c, rc;

	if (inlen == 0 || in[0] != '/')
		return path_fail(&n, PATH_ENOTABS);
	path_seg_begin(&n);
	while (i < inlen) {
		if ((c = path_decode(in, inlen, &i)) < 0)
			return path_fail(&n, c);
		if (c != '/') {
			path_seg_byte(&n, c);
			continue;
		}
		if ((rc = path_seg_end(&n)) < 0)
			return path_fail(&n, rc);
		path_seg_begin(&n);
	}
	if ((rc = path_seg_end(&n)) < 0 || (rc = path_finish(&n)) < 0)
		return path_fail(&n, rc);
	return rc;
}

int path_normalize(const char *in, size_t inlen, char *out, size_t outsz)
{
	int rc = path_copy_plain(in, inlen, out, outsz);

	return rc >= 0 ? rc : path_normalize_full(in, inlen, out, outsz);
}

int path_normalize_hidden(const char *in, size_t inlen, char *out, size_t outsz,
			  bool *hidden)
{
	int rc = path_copy_plain(in, inlen, out, outsz);

	/* A plain path has no "/." at all, so no hidden segment either. */
	*hidden = false;
	if (rc >= 0)
		return rc;
	rc = path_normalize_full(in, inlen, out, outsz);
	*hidden = rc >= 0 && path_is_hidden(out);
	return rc;
}

bool path_is_hidden(const char *path)
{
	static const char well_known[] = "/.well-known/";

	if (path[0] == '/' && path[1] == '.' &&
	    strncmp(path, well_known, sizeof(well_known) - 1) == 0)
		path += sizeof(well_known) - 2;
	return strstr(path, "/.") != NULL;
}
