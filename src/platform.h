/*
 * platform.h — the `_redirects` and `_headers` files that sites moved from
 * Netlify or Cloudflare Pages carry in their root (`platform_files`).
 *
 * The master reads both at load and reload; a line forkd does not support
 * (conditions such as Country= or Role=, query-parameter matching,
 * proxying to another host, a host in a pattern, ...) refuses the whole
 * configuration with "FILE:LINE: why", as a bad redirect map does, rather
 * than being skipped.  Workers inherit the parsed rules and only read them.
 *
 * A pattern is a path (percent-decoded and normalised as a request path
 * is) with at most one `*` (the splat: any characters, '/' included, and
 * as many as it can take) and `:name` placeholders, each a whole segment
 * (any characters but '/', at least one).  Matching walks the pattern once
 * forward up to the splat and once backward after it: linear in the path,
 * whatever the pattern.
 *
 * The modes differ where the platforms do (forkd.conf(5) has the table):
 * PLATFORM_NETLIFY ("on") — default status 301, 404 serves a page with
 * that status, a rule without `!` is passed over when a file exists at
 * the path (the caller asks platform_shadows()), a trailing slash does not
 * matter; PLATFORM_CLOUDFLARE — default 302, no 404 rules, rules apply
 * whether or not a file exists, paths match exactly, `! Name` in
 * `_headers` removes a header an earlier block added, and placeholders are
 * replaced in header values too.
 *
 * Everything here is pure but platform_load(), which reads the two files.
 */
#ifndef FORKD_PLATFORM_H
#define FORKD_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>

#define PLATFORM_LINE_MAX 8192        /* bytes of a line, as redirmap */
#define PLATFORM_FILE_MAX (16u << 20) /* bytes of either file */
#define PLATFORM_CAPS_MAX 16          /* placeholders in one pattern */

enum platform_mode {
	PLATFORM_OFF,
	PLATFORM_NETLIFY,    /* platform_files = on | netlify */
	PLATFORM_CLOUDFLARE, /* platform_files = cloudflare */
};

struct platform;

/*
 * Parse the two files' texts (either may be NULL: no such file), taken
 * over as redirmap_parse() takes its text; rname and hname name them in
 * messages.  NULL with "NAME:LINE: why" in err, or errno ENOMEM.
 */
struct platform *platform_parse(enum platform_mode mode, char *rtext,
				size_t rlen, const char *rname, char *htext,
				size_t hlen, const char *hname, char *err,
				size_t errlen);

/*
 * Read root/_redirects and root/_headers (links followed only while they
 * stay beneath root; a missing file has no rules) and parse them.  NULL
 * with the reason in err.
 */
struct platform *platform_load(const char *root, enum platform_mode mode,
			       char *err, size_t errlen);

void platform_free(struct platform *p);

/* Is the normalised path one of the two files, never served as such? */
bool platform_own_file(const char *path);

/* Does a file at the path pass over rules without `!` (Netlify)? */
bool platform_shadows(const struct platform *p);

/*
 * The first rule from the top of _redirects that matches the normalised
 * path; only_forced: only rules with `!`.  Returns its status, 0 when no
 * rule matches, -1 when the answer would not fit in out (or a path-only
 * rule would give a Location to another host: the caller answers 414).
 * *forced tells whether the rule had `!`.  In out:
 *   301, 302, 303, 307, 308: the Location, the request's query
 *     (query[0..qlen), with its '?') appended unless the target has one,
 *     and every byte that came from the request percent-encoded;
 *   200 (a rewrite), 404 (a page served with that status): the
 *     normalised path of the file, beneath the root.
 */
int platform_redirect(const struct platform *p, const char *path,
		      bool only_forced, const char *query, size_t qlen,
		      char *out, size_t outsz, bool *forced);

/*
 * The _headers lines for the normalised path: every block whose pattern
 * matches adds its headers, in file order; a name added twice is sent once
 * with the values joined by ", ".  Writes "Name: value\r\n" lines into
 * out (NUL-terminated); returns their length, or -1 when they do not fit
 * in outsz.
 */
int platform_headers(const struct platform *p, const char *path, char *out,
		     size_t outsz);

/* How many redirect rules and header blocks. */
size_t platform_nrules(const struct platform *p);
size_t platform_nblocks(const struct platform *p);

#endif
