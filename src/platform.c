/*
 * platform.c — _redirects and _headers, per request: matching a path
 * against the patterns (linear in the path, whatever the pattern),
 * filling what a match captured into a rule's target or a header's
 * value, and finding the first matching rule through the index of fixed
 * rules and a scan of the others.  Reads only what platformload.c built;
 * pure, no allocation.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "path.h"
#include "platform.h"
#include "platform_impl.h"
#include "redirect.h"

#define EXPAND_MAX (PATH_MAX_LEN * 3 + PLATFORM_LINE_MAX)

/* What a match captured: placeholders and the splat, pointing into the path. */
struct caps {
	size_t n;
	const char *name[PLATFORM_CAPS_MAX];
	size_t nlen[PLATFORM_CAPS_MAX];
	const char *val[PLATFORM_CAPS_MAX];
	size_t vlen[PLATFORM_CAPS_MAX];
	const char *splat; /* NULL: no splat */
	size_t splat_len;
};

/* ------------------------------------------------------- matching */

static int cap_add(struct caps *c, const char *name, const char *v, size_t vlen)
{
	if (c->n == PLATFORM_CAPS_MAX)
		return -1;
	c->name[c->n] = name;
	c->nlen[c->n] = platform_name_len(name);
	c->val[c->n] = v;
	c->vlen[c->n++] = vlen;
	return 0;
}

/* t[0..tlen) against the start of path[0..len): the bytes it took, or -1. */
static long match_head(const char *t, size_t tlen, const char *path, size_t len,
		       struct caps *c)
{
	size_t i = 0, j = 0;

	while (i < tlen) {
		if (platform_is_placeholder(t, i)) {
			size_t v = j;
			while (j < len && path[j] != '/')
				j++;
			if (j == v ||
			    cap_add(c, t + i + 1, path + v, j - v) == -1)
				return -1;
			i += 1 + platform_name_len(t + i + 1);
		} else if (j < len && t[i] == path[j]) {
			i++;
			j++;
		} else {
			return -1;
		}
	}
	return (long)j;
}

/*
 * t[s..tlen), what follows the splat, against the end of path[lo..end),
 * one segment at a time from the right: where it starts in the path, or
 * -1.  The splat keeps everything left of that (it is greedy).
 */
static long match_tail(const char *t, size_t s, size_t tlen, const char *path,
		       size_t lo, size_t end, struct caps *c)
{
	while (tlen > s) {
		size_t k = tlen, e = end;
		while (k > s && t[k - 1] != '/')
			k--;
		if (platform_is_placeholder(t, k)) {
			while (end > lo && path[end - 1] != '/')
				end--;
			if (end == e ||
			    cap_add(c, t + k + 1, path + end, e - end) == -1)
				return -1;
		} else {
			if (e - lo < tlen - k ||
			    memcmp(path + e - (tlen - k), t + k, tlen - k) != 0)
				return -1;
			end = e - (tlen - k);
		}
		tlen = k;
		if (k == s)
			break;
		if (end == lo || path[end - 1] != '/')
			return -1;
		end--;
		tlen--;
	}
	return (long)end;
}

/* The first tlen bytes of pattern pt against path[0..len). */
static bool match_len(const struct pattern *pt, size_t tlen, const char *path,
		      size_t len, struct caps *c)
{
	long lo, hi;

	c->n = 0;
	c->splat = NULL;
	c->splat_len = 0;
	if (pt->star == NO_STAR)
		return match_head(pt->text, tlen, path, len, c) == (long)len;
	if ((lo = match_head(pt->text, pt->star, path, len, c)) < 0 ||
	    (hi = match_tail(pt->text, pt->star + 1, tlen, path, (size_t)lo,
			     len, c)) < 0)
		return false;
	c->splat = path + lo;
	c->splat_len = (size_t)(hi - lo);
	return true;
}

/*
 * Netlify: a trailing slash does not matter ("/blog" and "/blog/" match
 * each other), and a pattern that ends in a slash and the splat also
 * matches the path without them ("/news"), its splat empty.
 */
static bool match_netlify(const struct pattern *pt, const char *path,
			  size_t len, struct caps *c)
{
	size_t tlen = pt->len;

	if (pt->star == NO_STAR) {
		tlen -= tlen > 1 && pt->text[tlen - 1] == '/';
		len -= len > 1 && path[len - 1] == '/';
		return match_len(pt, tlen, path, len, c);
	}
	if (match_len(pt, tlen, path, len, c))
		return true;
	if (pt->star + 1 != tlen || pt->star < 2 ||
	    pt->text[pt->star - 1] != '/')
		return false;
	c->n = 0;
	c->splat = path + len;
	c->splat_len = 0;
	return match_head(pt->text, pt->star - 1, path, len, c) == (long)len;
}

static bool pattern_match(const struct platform *p, const struct pattern *pt,
			  const char *path, size_t len, struct caps *c)
{
	if (p->mode == PLATFORM_NETLIFY)
		return match_netlify(pt, path, len, c);
	return match_len(pt, pt->len, path, len, c);
}

/* The value captured as name[0..nlen), "splat" included. */
static bool cap_find(const struct caps *c, const char *name, size_t nlen,
		     const char **v, size_t *vlen)
{
	if (nlen == 5 && strncmp(name, "splat", 5) == 0 && c->splat != NULL) {
		*v = c->splat;
		*vlen = c->splat_len;
		return true;
	}
	for (size_t i = 0; i < c->n; i++)
		if (c->nlen[i] == nlen &&
		    strncmp(c->name[i], name, nlen) == 0) {
			*v = c->val[i];
			*vlen = c->vlen[i];
			return true;
		}
	return false;
}

/*
 * A template with :splat and the placeholders replaced by what they
 * captured, percent-encoded (so nothing from the request adds a control
 * character, a '?' or a '#'); a ':name' that captured nothing stays as
 * written.  Returns the length, or 0 when it does not fit.
 */
static size_t expand(const char *t, const struct caps *c, char *out,
		     size_t outsz)
{
	size_t n = 0, nl, vlen, m;
	const char *v;

	while (*t != '\0') {
		if (t[0] == ':' && isalpha((unsigned char)t[1]) &&
		    cap_find(c, t + 1, (nl = platform_name_len(t + 1)), &v,
			     &vlen)) {
			if (vlen > 0 &&
			    (m = redirect_encode_path(v, vlen, out + n,
						      outsz - n)) == 0)
				return 0;
			n += vlen > 0 ? m : 0;
			t += 1 + nl;
			continue;
		}
		if (n + 1 >= outsz)
			return 0;
		out[n++] = *t++;
	}
	out[n] = '\0';
	return n;
}

/* ----------------------------------------------- the fixed rules */

static size_t key_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h ^ (h >> 15);
}

size_t platform_slot_find(const struct platform *p, const char *key,
			  size_t klen)
{
	size_t k = key_hash(key, klen) & p->mask;

	for (; p->slot[k].first != 0; k = (k + 1) & p->mask) {
		const struct pattern *pt = &p->rules[p->slot[k].first - 1].from;
		if (platform_key_len(p, pt->text, pt->len) == klen &&
		    memcmp(pt->text, key, klen) == 0)
			break;
	}
	return k;
}

/* ------------------------------------------------------ per request */

bool platform_own_file(const char *path)
{
	return strcmp(path, "/_redirects") == 0 ||
	       strcmp(path, "/_headers") == 0;
}

bool platform_shadows(const struct platform *p)
{
	return p->mode == PLATFORM_NETLIFY;
}

/* The answer of rule r, whose pattern captured c. */
static int rule_answer(const struct rule *r, const struct caps *c,
		       const char *query, size_t qlen, char *out, size_t outsz)
{
	char to[EXPAND_MAX];
	size_t n = expand(r->to, c, to, sizeof(to));
	int len;

	if (n == 0)
		return -1;
	if (r->status == 200 || r->status == 404) {
		len = path_normalize(to, n, out, outsz);
		return len > 0 ? r->status : -1;
	}
	if (redirect_location(to, "", query, qlen, out, outsz) == 0)
		return -1;
	return r->status;
}

int platform_redirect(const struct platform *p, const char *path,
		      bool only_forced, const char *query, size_t qlen,
		      char *out, size_t outsz, bool *forced)
{
	size_t len = strlen(path), best = SIZE_MAX;
	size_t klen = platform_key_len(p, path, len);
	const struct slot *s = &p->slot[platform_slot_find(p, path, klen)];
	uint32_t hit = only_forced ? s->forced : s->first;
	const struct rule *r;
	struct caps c;

	if (hit != 0)
		best = hit - 1;
	for (size_t d = 0; d < p->ndyn && p->dyn[d] < best; d++) {
		r = &p->rules[p->dyn[d]];
		if ((only_forced && !r->force) ||
		    !pattern_match(p, &r->from, path, len, &c))
			continue;
		*forced = r->force;
		return rule_answer(r, &c, query, qlen, out, outsz);
	}
	if (best == SIZE_MAX)
		return 0;
	r = &p->rules[best];
	memset(&c, 0, sizeof(c));
	*forced = r->force;
	return rule_answer(r, &c, query, qlen, out, outsz);
}

/* Where the line of name[0..nlen) starts in out[0..n), or -1. */
static long out_find(const char *out, size_t n, const char *name, size_t nlen)
{
	for (size_t i = 0; i < n;) {
		if (strncasecmp(out + i, name, nlen) == 0 &&
		    out[i + nlen] == ':')
			return (long)i;
		i = (size_t)(strstr(out + i, "\r\n") - out) + 2;
	}
	return -1;
}

/* A name already sent gets ", value" at the end of its line. */
static int out_add(char *out, size_t *n, size_t outsz, const struct header *h,
		   const char *v, size_t vlen)
{
	long at = out_find(out, *n, h->name, h->nlen);
	size_t e;

	if (at < 0) {
		if (*n + h->nlen + vlen + 4 >= outsz)
			return -1;
		*n += (size_t)snprintf(out + *n, outsz - *n, "%s: %.*s\r\n",
				       h->name, (int)vlen, v);
		return 0;
	}
	if (*n + vlen + 2 >= outsz)
		return -1;
	e = (size_t)(strstr(out + at, "\r\n") - out);
	memmove(out + e + 2 + vlen, out + e, *n - e + 1);
	memcpy(out + e, ", ", 2);
	memcpy(out + e + 2, v, vlen);
	*n += vlen + 2;
	return 0;
}

static void out_remove(char *out, size_t *n, const char *name, size_t nlen)
{
	long at = out_find(out, *n, name, nlen);
	size_t e;

	if (at < 0)
		return;
	e = (size_t)(strstr(out + at, "\r\n") - out) + 2;
	memmove(out + at, out + e, *n - e + 1);
	*n -= e - (size_t)at;
}

/* The lines of block b, whose pattern captured c, into out. */
static int block_headers(const struct platform *p, const struct block *b,
			 const struct caps *c, char *out, size_t *n,
			 size_t outsz)
{
	char val[EXPAND_MAX];

	for (size_t i = b->first; i < b->first + b->n; i++) {
		const struct header *h = &p->hdrs[i];
		const char *v = h->value;
		size_t vlen;
		if (v == NULL) {
			out_remove(out, n, h->name, h->nlen);
			continue;
		}
		vlen = strlen(v);
		/* Cloudflare fills placeholders into values; Netlify does not. */
		if (p->mode == PLATFORM_CLOUDFLARE && strchr(v, ':') != NULL) {
			if ((vlen = expand(v, c, val, sizeof(val))) == 0)
				return -1;
			v = val;
		}
		if (out_add(out, n, outsz, h, v, vlen) == -1)
			return -1;
	}
	return 0;
}

int platform_headers(const struct platform *p, const char *path, char *out,
		     size_t outsz)
{
	size_t n = 0, len = strlen(path);
	struct caps c;

	if (outsz == 0)
		return -1;
	out[0] = '\0';
	for (size_t i = 0; i < p->nblocks; i++)
		if (pattern_match(p, &p->blocks[i].pat, path, len, &c) &&
		    block_headers(p, &p->blocks[i], &c, out, &n, outsz) == -1)
			return -1;
	return (int)n;
}

size_t platform_nrules(const struct platform *p)
{
	return p->nrules;
}

size_t platform_nblocks(const struct platform *p)
{
	return p->nblocks;
}
