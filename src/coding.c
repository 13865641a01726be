/*
 * coding.c — Accept-Encoding, for the codings forkd can serve from
 * precompressed siblings.
 */
#include <stdbool.h>
#include <strings.h>

#include "coding.h"

const char *coding_name(enum coding c)
{
	return c == CODING_BR ? "br" : "gzip";
}

const char *coding_suffix(enum coding c)
{
	return c == CODING_BR ? ".br" : ".gz";
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * A weight "0", "0.5", "1", "1.000" as thousandths; -1 when malformed
 * (RFC 9110 §12.4.2: at most three decimals, not above 1).
 */
static int qvalue(const char *s, size_t len)
{
	int v, scale = 100;

	if (len == 0 || (s[0] != '0' && s[0] != '1'))
		return -1;
	v = (s[0] - '0') * 1000;
	if (len == 1)
		return v;
	if (s[1] != '.' || len > 5)
		return -1;
	for (size_t i = 2; i < len; i++, scale /= 10) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v += (s[i] - '0') * scale;
	}
	return v > 1000 ? -1 : v;
}

/*
 * The weight of one element's parameters ";q=0.5" (p[0..len)), 1000 when
 * it has none; -1 when malformed.
 */
static int element_weight(const char *p, size_t len)
{
	size_t i = 0;
	int q = 1000;

	while (i < len) {
		while (i < len && (is_ows(p[i]) || p[i] == ';'))
			i++;
		size_t start = i;
		while (i < len && p[i] != ';')
			i++;
		size_t end = i;
		while (end > start && is_ows(p[end - 1]))
			end--;
		if (end == start)
			continue;
		if (end - start >= 2 && (p[start] == 'q' || p[start] == 'Q') &&
		    p[start + 1] == '=') {
			if ((q = qvalue(p + start + 2, end - start - 2)) < 0)
				return -1;
		}
		/* other parameters mean nothing to a content coding */
	}
	return q;
}

static bool name_is(const char *s, size_t len, const char *name)
{
	size_t n = 0;

	while (name[n] != '\0')
		n++;
	return len == n && strncasecmp(s, name, n) == 0;
}

size_t coding_accepted(const char *s, size_t len,
		       enum coding order[CODING_COUNT_])
{
	int q[CODING_COUNT_] = { -1, -1 }; /* -1: not named */
	int star = -1;
	size_t i = 0, n = 0;

	while (i < len) {
		size_t start = i;
		while (i < len && s[i] != ',')
			i++;
		size_t end = i++;
		while (start < end && is_ows(s[start]))
			start++;
		size_t name_end = start;
		while (name_end < end && s[name_end] != ';' &&
		       !is_ows(s[name_end]))
			name_end++;
		if (name_end == start)
			continue;
		int w = element_weight(s + name_end, end - name_end);
		if (w < 0)
			continue;
		const char *name = s + start;
		size_t nlen = name_end - start;
		if (name_is(name, nlen, "br"))
			q[CODING_BR] = w;
		else if (name_is(name, nlen, "gzip") ||
			 name_is(name, nlen, "x-gzip"))
			q[CODING_GZIP] = w;
		else if (name_is(name, nlen, "*"))
			star = w;
	}
	for (int c = 0; c < CODING_COUNT_; c++)
		if (q[c] < 0)
			q[c] = star < 0 ? 0 : star;
	if (q[CODING_BR] > 0)
		order[n++] = CODING_BR;
	if (q[CODING_GZIP] > 0) {
		if (n == 1 && q[CODING_GZIP] > q[CODING_BR]) {
			order[1] = CODING_BR;
			order[0] = CODING_GZIP;
			n = 2;
		} else {
			order[n++] = CODING_GZIP;
		}
	}
	return n;
}
