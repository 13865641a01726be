/*
 * cond.c — preconditions: entity-tag lists, dates, and their precedence.
 */
#include <string.h>
#include <strings.h>

#include "cond.h"
#include "response.h"

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* etagc: %x21, %x23-7E and obs-text */
static bool is_etagc(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c != 0x7f);
}

/*
 * One entity-tag at s[*i]: sets *tag and *tlen to its quoted opaque part and
 * *is_weak; advances *i past it.  -1 when malformed.
 */
static int etag_next(const char *s, size_t len, size_t *i, const char **tag,
		     size_t *tlen, bool *is_weak)
{
	size_t j = *i;

	*is_weak = j + 1 < len && s[j] == 'W' && s[j + 1] == '/';
	if (*is_weak)
		j += 2;
	if (j >= len || s[j] != '"')
		return -1;
	size_t start = j++;
	while (j < len && is_etagc((unsigned char)s[j]))
		j++;
	if (j >= len || s[j] != '"')
		return -1;
	*tag = s + start;
	*tlen = ++j - start;
	*i = j;
	return 0;
}

/* Past OWS and one comma (or the end); -1 when something else follows. */
static int list_sep(const char *s, size_t len, size_t *i)
{
	while (*i < len && is_ows(s[*i]))
		(*i)++;
	if (*i == len)
		return 0;
	if (s[*i] != ',')
		return -1;
	(*i)++;
	return 0;
}

static bool list_is_star(const char *s, size_t len)
{
	while (len > 0 && is_ows(s[len - 1]))
		len--;
	while (len > 0 && is_ows(*s)) {
		s++;
		len--;
	}
	return len == 1 && s[0] == '*';
}

/* 1 when the list names etag, 0 when not, -1 when it is malformed. */
static int list_match(const char *list, size_t len, const char *etag, bool weak)
{
	/* A weak validator of ours (a listing's) matches only weakly. */
	bool etag_weak = etag[0] == 'W' && etag[1] == '/';
	size_t i = 0;
	int found = 0;

	if (etag_weak)
		etag += 2;
	size_t elen = strlen(etag);

	while (i < len) {
		const char *tag;
		size_t tlen;
		bool tag_weak;

		while (i < len && (is_ows(list[i]) || list[i] == ','))
			i++; /* empty list elements are allowed */
		if (i == len)
			break;
		if (etag_next(list, len, &i, &tag, &tlen, &tag_weak) == -1 ||
		    list_sep(list, len, &i) == -1)
			return -1;
		if ((weak || (!tag_weak && !etag_weak)) && tlen == elen &&
		    memcmp(tag, etag, elen) == 0)
			found = 1;
	}
	return found;
}

bool cond_etag_match(const char *list, size_t len, const char *etag, bool weak)
{
	return list_is_star(list, len) ||
	       list_match(list, len, etag, weak) == 1;
}

/*
 * The header line at s, within f's span: true when it is a line of f's
 * field, with *v just past its colon.
 */
static bool line_is_field(const struct cond_field *f, const char *s,
			  const char *end, const char **v)
{
	const char *colon = memchr(s, ':', (size_t)(end - s));
	size_t nlen = f->name != NULL ? strlen(f->name) : 0;

	if (colon == NULL || nlen == 0 || (size_t)(colon - s) != nlen ||
	    strncasecmp(s, f->name, nlen) != 0)
		return false;
	*v = colon + 1;
	return true;
}

/* Does the one list that f's field lines make name etag? */
static bool field_etag_match(const struct cond_field *f, const char *etag,
			     bool weak)
{
	const char *s = f->s, *end = f->s + f->len, *v = f->s;
	bool found = false, mine = true; /* the span starts with a value */

	if (f->count <= 1)
		return cond_etag_match(f->s, f->len, etag, weak);
	for (;;) {
		const char *eol = memchr(s, '\r', (size_t)(end - s));
		if (eol == NULL)
			eol = end;
		if (mine) {
			size_t vlen = (size_t)(eol - v);
			/* "*" is the whole field value or nothing */
			int m = list_is_star(v, vlen)
					? -1
					: list_match(v, vlen, etag, weak);
			if (m == -1)
				return false;
			found = found || m == 1;
		}
		if (eol == end)
			return found;
		s = eol + 2; /* past the CRLF: the next header line */
		mine = line_is_field(f, s, end, &v);
	}
}

/* A date header sent once that parses; false otherwise. */
static bool field_date(const struct cond_field *f, time_t *t)
{
	return f->count == 1 && response_parse_http_date(f->s, f->len, t) == 0;
}

enum cond_result cond_evaluate(const struct cond_request *rq, const char *etag,
			       time_t mtime)
{
	time_t since;

	if (rq->if_match.count > 0) {
		if (!field_etag_match(&rq->if_match, etag, false))
			return COND_FAILED;
	} else if (field_date(&rq->if_unmodified_since, &since) &&
		   mtime > since) {
		return COND_FAILED;
	}
	if (rq->if_none_match.count > 0) {
		if (field_etag_match(&rq->if_none_match, etag, true))
			return rq->get_or_head ? COND_NOT_MODIFIED
					       : COND_FAILED;
	} else if (rq->get_or_head &&
		   field_date(&rq->if_modified_since, &since) &&
		   mtime <= since) {
		return COND_NOT_MODIFIED;
	}
	return COND_PROCEED;
}

bool cond_if_range(const struct cond_field *f, const char *etag, time_t mtime)
{
	time_t t;
	size_t i = 0, len = f->len;

	if (f->count != 1 || etag[0] == 'W')
		return false; /* a weak validator of ours never lets a range by */
	while (len > 0 && is_ows(f->s[len - 1]))
		len--;
	if ((len > 0 && f->s[0] == '"') ||
	    (len > 1 && f->s[0] == 'W' && f->s[1] == '/')) {
		const char *tag;
		size_t tlen;
		bool weak;

		return etag_next(f->s, len, &i, &tag, &tlen, &weak) == 0 &&
		       i == len && !weak && tlen == strlen(etag) &&
		       memcmp(tag, etag, tlen) == 0;
	}
	return response_parse_http_date(f->s, len, &t) == 0 && t == mtime;
}
