/*
 * platform_impl.h — what the two halves of the platform module share, and
 * nothing else includes: platformload.c builds a struct platform from the
 * _redirects and _headers texts, platform.c answers requests from it.
 * Every pointer in it points into the two texts the struct owns; after
 * platform_parse() returns, nothing writes to any of it.
 */
#ifndef FORKD_PLATFORM_IMPL_H
#define FORKD_PLATFORM_IMPL_H

#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform.h"

#define NO_STAR SIZE_MAX

struct pattern {
	const char *text; /* normalised, NUL-terminated */
	size_t len;
	size_t star; /* offset of the '*', or NO_STAR */
	bool fixed;  /* neither splat nor placeholder */
};

struct rule {
	struct pattern from;
	const char *to; /* a template: :splat and placeholders */
	int status;
	bool force;
};

struct header {
	const char *name; /* NUL-terminated */
	size_t nlen;
	const char *value; /* NUL-terminated; NULL: "! Name" detaches */
};

struct block {
	struct pattern pat;
	size_t first, n; /* its lines in hdrs */
	size_t bytes;    /* what its lines take in a response head */
	unsigned line;
};

/* A key of the index of fixed rules: the first rule with it, and the
 * first with '!' (rule number + 1; 0: none). */
struct slot {
	uint32_t first;
	uint32_t forced;
};

struct platform {
	enum platform_mode mode;
	char *rtext, *htext;
	struct rule *rules;
	size_t nrules, rcap;
	struct slot *slot; /* the fixed rules by path, at most half full */
	size_t mask;
	uint32_t *dyn; /* the other rules' numbers, in file order */
	size_t ndyn;
	struct block *blocks;
	size_t nblocks, bcap;
	struct header *hdrs;
	size_t nhdrs, hcap;
};

static inline size_t platform_name_len(const char *s)
{
	size_t n = 0;

	while (isalnum((unsigned char)s[n]) || s[n] == '_')
		n++;
	return n;
}

/* A placeholder starts at t[i]: ':' and a letter, first in its segment. */
static inline bool platform_is_placeholder(const char *t, size_t i)
{
	return i > 0 && t[i] == ':' && t[i - 1] == '/' &&
	       isalpha((unsigned char)t[i + 1]);
}

/*
 * Most lines of a big _redirects are fixed paths (a site's moved pages):
 * those are found by a hash of the path, the others (splats and
 * placeholders) by a scan, and the earlier of the two wins, so that the
 * first match from the top still answers.  2,100 rules, the most
 * Cloudflare allows: a request that matches none costs ~30 us scanning
 * them all, ~0.1 us this way.
 */

/* The part of a path that a fixed rule compares: Netlify ignores a
 * trailing slash. */
static inline size_t platform_key_len(const struct platform *p, const char *s,
				      size_t len)
{
	return p->mode == PLATFORM_NETLIFY && len > 1 && s[len - 1] == '/'
		       ? len - 1
		       : len;
}

/* The slot of key[0..klen) in p's index of fixed rules: the one holding
 * it, or the empty one where it would go. */
size_t platform_slot_find(const struct platform *p, const char *key,
			  size_t klen);

#endif
