/*
 * redirect.c — redirect rules: checks, selection, and the Location header.
 * A linear scan chooses the rule: a server has a handful of them, and the
 * thousands of a site migration belong in a redirect map (redirmap.c).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "redirect.h"

bool redirect_status_ok(long status)
{
	switch (status) {
	case 301:
	case 302:
	case 303:
	case 307:
	case 308:
	case REDIRECT_GONE: return true;
	default: return false;
	}
}

/* A path as a rule names it: '/' first, no query, fragment or blanks. */
static bool rule_path_ok(const char *s)
{
	if (s[0] != '/' || strlen(s) >= REDIRECT_TARGET_MAX)
		return false;
	for (; *s != '\0'; s++)
		if (*s == '?' || *s == '#' || (unsigned char)*s <= ' ' ||
		    *s == 0x7f)
			return false;
	return true;
}

int redirect_parse_title(const char *title, bool *exact, const char **from,
			 char *msg, size_t len)
{
	*exact = strncmp(title, "= ", 2) == 0;
	*from = *exact ? title + 2 : title;
	while (**from == ' ')
		(*from)++;
	if (rule_path_ok(*from))
		return 0;
	snprintf(msg, len,
		 "redirect \"%s\" must be a path starting with / "
		 "or \"= /path\" (no query, spaces or fragment)",
		 title);
	return -1;
}

/* The length of "http://" or "https://" at the start of s, else 0. */
static size_t scheme_len(const char *s)
{
	if (strncasecmp(s, "http://", 7) == 0)
		return 7;
	if (strncasecmp(s, "https://", 8) == 0)
		return 8;
	return 0;
}

int redirect_check_to(const char *to, char *msg, size_t len)
{
	size_t skip = scheme_len(to), n = strlen(to);
	bool ok = n > 0 && n <= REDIRECT_TARGET_MAX;

	for (const char *s = to; ok && *s != '\0'; s++)
		ok = (unsigned char)*s > ' ' && (unsigned char)*s < 0x7f;
	if (ok && skip > 0)
		ok = to[skip] != '\0' && strchr("/?#", to[skip]) == NULL;
	else if (ok)
		ok = to[0] == '/' && to[1] != '/' && to[1] != '\\';
	if (ok)
		return 0;
	snprintf(msg, len,
		 "to \"%s\" must be a path starting with / or an "
		 "http:// or https:// URL, of visible characters",
		 to);
	return -1;
}

const struct redirect_rule *redirect_match(const struct redirect_rule *rules,
					   size_t n, const char *path)
{
	const struct redirect_rule *best = NULL;

	for (size_t i = 0; i < n; i++) {
		const struct redirect_rule *r = &rules[i];
		if (r->exact) {
			if (strcmp(path, r->from) == 0)
				return r;
		} else if (strncmp(path, r->from, r->from_len) == 0 &&
			   (best == NULL || r->from_len > best->from_len)) {
			best = r;
		}
	}
	return best;
}

static const char hex[] = "0123456789ABCDEF";

size_t redirect_encode_path(const char *in, size_t inlen, char *out,
			    size_t outsz)
{
	size_t n = 0;

	for (size_t i = 0; i < inlen; i++) {
		unsigned char ch = (unsigned char)in[i];
		bool plain = (ch >= 'a' && ch <= 'z') ||
			     (ch >= 'A' && ch <= 'Z') ||
			     (ch >= '0' && ch <= '9') ||
			     (ch != 0 && strchr("-._~/!$&'()*+,;=:@", ch));
		if (n + (plain ? 1 : 3) >= outsz)
			return 0;
		if (plain) {
			out[n++] = (char)ch;
			continue;
		}
		out[n++] = '%';
		out[n++] = hex[ch >> 4];
		out[n++] = hex[ch & 15];
	}
	if (n >= outsz)
		return 0;
	out[n] = '\0';
	return n;
}

/* The query as a header may carry it: bytes outside visible ASCII as %XX. */
static size_t encode_query(const char *q, size_t qlen, char *out, size_t outsz)
{
	size_t n = 0;

	for (size_t i = 0; i < qlen; i++) {
		unsigned char ch = (unsigned char)q[i];
		bool plain = ch > ' ' && ch < 0x7f;
		if (n + (plain ? 1 : 3) >= outsz)
			return (size_t)-1;
		if (plain) {
			out[n++] = (char)ch;
			continue;
		}
		out[n++] = '%';
		out[n++] = hex[ch >> 4];
		out[n++] = hex[ch & 15];
	}
	return n;
}

/* `to` into out, with a '/' added to an absolute URL that has no path. */
static size_t put_target(const char *to, char *out, size_t outsz)
{
	size_t skip = scheme_len(to), n = strlen(to);
	bool add = skip > 0 && strchr(to + skip, '/') == NULL &&
		   strchr(to + skip, '?') == NULL;

	if (n + (add ? 1 : 0) >= outsz)
		return 0;
	memcpy(out, to, n);
	if (add)
		out[n++] = '/';
	return n;
}

size_t redirect_location(const char *to, const char *rest, const char *query,
			 size_t qlen, char *out, size_t outsz)
{
	size_t n = put_target(to, out, outsz), m;
	bool own_query = strchr(to, '?') != NULL;

	if (n == 0)
		return 0;
	if (rest[0] == '/' && out[n - 1] == '/')
		rest++;
	if (rest[0] != '\0' && !own_query) {
		if ((m = redirect_encode_path(rest, strlen(rest), out + n,
					      outsz - n)) == 0)
			return 0;
		n += m;
	}
	if (qlen > 0 && !own_query) {
		if ((m = encode_query(query, qlen, out + n, outsz - n)) ==
		    (size_t)-1)
			return 0;
		n += m;
	}
	out[n] = '\0';
	/* Belt and braces: a path never turns into another host. */
	if (to[0] == '/' && (out[1] == '/' || out[1] == '\\'))
		return 0;
	return n;
}
