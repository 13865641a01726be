/*
 * navigation.c — telling page loads from asset loads by their headers.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "navigation.h"

static bool token_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(s, word, len) == 0;
}

/* Trim blanks around s[0..*len). */
static const char *trim(const char *s, size_t *len)
{
	while (*len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		(*len)--;
	}
	while (*len > 0 && (s[*len - 1] == ' ' || s[*len - 1] == '\t'))
		(*len)--;
	return s;
}

/* The q of one Accept element's parameters, in thousandths (1000: none). */
static int element_q(const char *p, size_t len)
{
	while (len > 0) {
		const char *semi = memchr(p, ';', len);
		size_t plen = semi != NULL ? (size_t)(semi - p) : len;
		size_t tl = plen;
		const char *t = trim(p, &tl);
		if (tl >= 2 && (t[0] == 'q' || t[0] == 'Q') && t[1] == '=') {
			double q = strtod(t + 2, NULL);
			return q <= 0   ? 0
			       : q >= 1 ? 1000
					: (int)(q * 1000 + 0.5);
		}
		if (semi == NULL)
			break;
		len -= plen + 1;
		p = semi + 1;
	}
	return 1000;
}

bool navigation_is_page(const char *dest, size_t dlen, bool has_dest,
			const char *accept, size_t alen, bool has_accept)
{
	int html = 0, other = 0;

	if (has_dest) {
		dest = trim(dest, &dlen);
		return token_is(dest, dlen, "document") ||
		       token_is(dest, dlen, "iframe") ||
		       token_is(dest, dlen, "frame");
	}
	if (!has_accept)
		return false;
	while (alen > 0) {
		const char *comma = memchr(accept, ',', alen);
		size_t elen = comma != NULL ? (size_t)(comma - accept) : alen;
		const char *semi = memchr(accept, ';', elen);
		size_t tlen = semi != NULL ? (size_t)(semi - accept) : elen;
		const char *type = trim(accept, &tlen);
		int q = semi != NULL
				? element_q(semi + 1,
					    (size_t)(accept + elen - semi - 1))
				: 1000;
		if (token_is(type, tlen, "text/html"))
			html = q > html ? q : html;
		else if (tlen > 0)
			other = q > other ? q : other;
		if (comma == NULL)
			break;
		alen -= elen + 1;
		accept = comma + 1;
	}
	return html > 0 && html >= other;
}
