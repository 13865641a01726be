/*
 * range.c — byte ranges: parse, clamp, coalesce, and frame as multipart.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "range.h"

#define POS_MAX (UINT64_C(1) << 62) /* larger positions saturate here */

struct spec_list {
	struct range v[RANGE_SPECS_MAX];
	unsigned n;
	bool empty_suffix; /* a non-zero suffix on an empty representation */
};

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* 1*DIGIT at s[*i], saturating; false when there is no digit. */
static bool parse_pos(const char *s, size_t len, size_t *i, uint64_t *out)
{
	uint64_t n = 0;
	size_t start = *i;

	for (; *i < len && is_digit(s[*i]); (*i)++) {
		n = n * 10 + (uint64_t)(s[*i] - '0');
		if (n > POS_MAX)
			n = POS_MAX;
	}
	*out = n;
	return *i > start;
}

/*
 * One range-spec at s[*i..]: 1 and *r set when satisfiable, 0 when well
 * formed but not satisfiable, -1 when malformed.
 */
static int parse_spec(const char *s, size_t len, size_t *i, uint64_t size,
		      struct range *r, struct spec_list *l)
{
	uint64_t first, last;

	if (*i < len && s[*i] == '-') {
		(*i)++;
		if (!parse_pos(s, len, i, &last))
			return -1;
		if (last > 0 && size == 0)
			l->empty_suffix = true;
		if (last == 0 || size == 0)
			return 0;
		r->start = last >= size ? 0 : size - last;
		r->end = size;
		return 1;
	}
	if (!parse_pos(s, len, i, &first) || *i >= len || s[(*i)++] != '-')
		return -1;
	if (*i < len && is_digit(s[*i])) {
		if (!parse_pos(s, len, i, &last) || last < first)
			return -1;
	} else {
		last = POS_MAX;
	}
	if (first >= size)
		return 0;
	r->start = first;
	r->end = last >= size ? size : last + 1;
	return 1;
}

/* Every spec of the list; -1 when one is malformed or there are too many. */
static int parse_specs(const char *s, size_t len, uint64_t size,
		       struct spec_list *l, unsigned *seen)
{
	size_t i = 0;

	*seen = 0;
	l->n = 0;
	l->empty_suffix = false;
	for (;;) {
		while (i < len && (is_ows(s[i]) || s[i] == ','))
			i++; /* empty list elements are allowed */
		if (i == len)
			return *seen > 0 ? 0 : -1;
		if (++*seen > RANGE_SPECS_MAX)
			return -1;
		struct range r;
		int rc = parse_spec(s, len, &i, size, &r, l);
		if (rc == -1)
			return -1;
		if (rc == 1)
			l->v[l->n++] = r;
		while (i < len && is_ows(s[i]))
			i++;
		if (i < len && s[i] != ',')
			return -1;
	}
}

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

static bool ascending_disjoint(const struct spec_list *l)
{
	for (unsigned k = 1; k < l->n; k++)
		if (l->v[k].start < l->v[k - 1].end)
			return false;
	return true;
}

/* Sort and merge overlapping or adjacent ranges, in place. */
static void coalesce(struct spec_list *l)
{
	unsigned out = 0;

	qsort(l->v, l->n, sizeof(l->v[0]), range_cmp);
	for (unsigned k = 1; k < l->n; k++) {
		if (l->v[k].start <= l->v[out].end) {
			if (l->v[k].end > l->v[out].end)
				l->v[out].end = l->v[k].end;
		} else {
			l->v[++out] = l->v[k];
		}
	}
	l->n = out + 1;
}

enum range_result range_parse(const char *s, size_t len, uint64_t size,
			      struct range_set *rs)
{
	struct spec_list l;
	uint64_t total = 0;
	unsigned seen;

	rs->n = 0;
	if (len < 6 || strncasecmp(s, "bytes=", 6) != 0 ||
	    parse_specs(s + 6, len - 6, size, &l, &seen) == -1)
		return RANGE_IGNORE;
	/* RFC 9110 14.1.1: a non-zero suffix is satisfiable on an empty
	 * representation, but no 206 can carry zero bytes (Content-Range
	 * has no form for it); 14.2 lets the Range be ignored: 200. */
	if (l.n == 0)
		return l.empty_suffix ? RANGE_IGNORE : RANGE_UNSATISFIABLE;
	for (unsigned k = 0; k < l.n; k++)
		total += l.v[k].end - l.v[k].start;
	if (total > size)
		return RANGE_IGNORE;
	if (!ascending_disjoint(&l))
		coalesce(&l);
	if (l.n > RANGE_MAX)
		return RANGE_IGNORE;
	memcpy(rs->r, l.v, l.n * sizeof(l.v[0]));
	rs->n = l.n;
	return RANGE_OK;
}

void range_boundary(uint64_t seed, char out[RANGE_BOUNDARY_LEN + 1])
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	/* splitmix64: every seed gives a well-mixed, different value */
	uint64_t z = seed + UINT64_C(0x9e3779b97f4a7c15);

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	z ^= z >> 31;
	memcpy(out, "forkd", 5);
	for (int i = 5; i < RANGE_BOUNDARY_LEN; i++) {
		out[i] = digits[z % 36];
		z = z / 36 + (uint64_t)i * UINT64_C(0x2545f4914f6cdd1d);
	}
	out[RANGE_BOUNDARY_LEN] = '\0';
}

static size_t fit(int n, size_t cap)
{
	if (n < 0)
		return 0;
	if (cap == 0)
		return (size_t)n; /* measuring */
	return (size_t)n < cap ? (size_t)n : 0;
}

size_t range_part_head(char *out, size_t cap, const char *boundary,
		       const char *type, const struct range *r, uint64_t size)
{
	/* out is NULL with cap 0 to measure: snprintf writes nothing then */
	/* cppcheck-suppress [nullPointer, ctunullpointer] */
	int n = snprintf(out, cap,
			 "\r\n--%s\r\nContent-Type: %s\r\n"
			 "Content-Range: bytes %llu-%llu/%llu\r\n\r\n",
			 boundary, type, (unsigned long long)r->start,
			 (unsigned long long)(r->end - 1),
			 (unsigned long long)size);

	return fit(n, cap);
}

size_t range_multipart_tail(char *out, size_t cap, const char *boundary)
{
	/* cppcheck-suppress [nullPointer, ctunullpointer] */
	return fit(snprintf(out, cap, "\r\n--%s--\r\n", boundary), cap);
}

uint64_t range_multipart_length(const struct range_set *rs,
				const char *boundary, const char *type,
				uint64_t size)
{
	uint64_t n = range_multipart_tail(NULL, 0, boundary);

	for (unsigned k = 0; k < rs->n; k++)
		n += range_part_head(NULL, 0, boundary, type, &rs->r[k], size) +
		     (rs->r[k].end - rs->r[k].start);
	return n;
}
