/*
 * cond.c — preconditions: entity-tag lists, dates, and their precedence.
 */
#include <string.h>

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

bool cond_etag_match(const char *list, size_t len, const char *etag, bool weak)
{
	size_t elen = strlen(etag), i = 0;
	bool found = false;

	if (list_is_star(list, len))
		return true;
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
			return false;
		if ((weak || !tag_weak) && tlen == elen &&
		    memcmp(tag, etag, elen) == 0)
			found = true;
	}
	return found;
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
		if (!cond_etag_match(rq->if_match.s, rq->if_match.len, etag,
				     false))
			return COND_FAILED;
	} else if (field_date(&rq->if_unmodified_since, &since) &&
		   mtime > since) {
		return COND_FAILED;
	}
	if (rq->if_none_match.count > 0) {
		if (cond_etag_match(rq->if_none_match.s, rq->if_none_match.len,
				    etag, true))
			return rq->get_or_head ? COND_NOT_MODIFIED : COND_FAILED;
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

	if (f->count != 1)
		return false;
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
