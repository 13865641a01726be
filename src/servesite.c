/*
 * servesite.c — a parsed request's route through the site (serve_request):
 * the target split into path and query, the endpoints, the location, the
 * redirect rules and map, the platform files (_redirects, _headers), the
 * hidden-file rule, try_files and the fallback page.  What is finally
 * served, and every error response, is built by serve.c (serve_impl.h).
 * No I/O on the client socket: the result is a struct reply.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "endpoint.h"
#include "file.h"
#include "navigation.h"
#include "path.h"
#include "platform.h"
#include "redirect.h"
#include "redirmap.h"
#include "reply.h"
#include "response.h"
#include "route.h"
#include "serve.h"
#include "serve_impl.h"
#include "tryfiles.h"
#include "vhost.h"

/* How much of t is "http://authority" or "https://authority"; 0: none. */
static size_t absolute_prefix(const char *t, size_t len)
{
	size_t skip = 0;

	if (len > 7 && strncasecmp(t, "http://", 7) == 0)
		skip = 7;
	else if (len > 8 && strncasecmp(t, "https://", 8) == 0)
		skip = 8;
	if (skip > 0)
		while (skip < len && t[skip] != '/' && t[skip] != '?')
			skip++;
	return skip;
}

/*
 * Split an origin-form or absolute-form target into path and query.  An
 * absolute form with an empty path ("http://h" or "http://h?q") means "/".
 * The origin form, nearly every request, is not compared with a scheme.
 */
static int split_target(const char *t, size_t len, const char **path,
			size_t *plen, const char **query, size_t *qlen)
{
	size_t skip;

	if (len > 0 && t[0] != '/' && (skip = absolute_prefix(t, len)) > 0) {
		t += skip;
		len -= skip;
		if (len == 0 || t[0] == '?') {
			*path = "/";
			*plen = 1;
			*query = t;
			*qlen = len;
			return 0;
		}
	}
	if (len == 0 || t[0] != '/')
		return -1;
	const char *q = memchr(t, '?', len);
	*path = t;
	*plen = q != NULL ? (size_t)(q - t) : len;
	*query = q != NULL ? q : t + len;
	*qlen = len - *plen;
	return 0;
}

/* ------------------------------------------- redirects, try_files */

/* 301-308 to loc (a Location of loc[0..n)); 410 with loc NULL. */
static void answer_moved(struct answer *a, int status, const char *loc,
			 size_t n)
{
	size_t len;
	const char *body = response_error_body(status, &len);
	struct response_head h = {
		.status = status,
		.content_type = "text/html; charset=utf-8",
		.content_length = (long long)len,
		.location = loc,
		.location_len = n,
	};

	if (loc == NULL) {
		serve_answer_error(a, status, NULL);
		return;
	}
	if (reply_head(a->r, &h, is_http10(a->req)) == 0 && !a->head)
		reply_body(a->r, body, len);
}

/*
 * redirect rules and the redirect map: an exact rule, then the map (whose
 * entries are exact too), then the longest prefix rule.  true when one
 * of them answered.
 */
static bool serve_moved(struct answer *a, const char *query, size_t qlen)
{
	const struct location_conf *loc = a->loc;
	const struct redirmap *map = a->vh->conf->redirect_map;
	const struct redirect_rule *rule = redirect_match(
		loc->redirects, loc->nredirects, a->uri);
	char out[PATH_MAX_LEN * 3 + REDIRECT_TARGET_MAX];
	const char *to, *rest = "";
	int status;
	size_t n;

	if (rule != NULL && rule->exact) {
		to = rule->to;
		status = rule->status;
	} else if (map != NULL &&
		   (to = redirmap_find(map, a->uri, strlen(a->uri), &status)) !=
			   NULL) {
	} else if (rule != NULL) {
		to = rule->to;
		status = rule->status;
		rest = a->uri + rule->from_len;
	} else {
		return false;
	}
	if (to == NULL) {
		answer_moved(a, status, NULL, 0);
		return true;
	}
	if ((n = redirect_location(to, rest, query, qlen, out, sizeof(out))) ==
	    0)
		serve_answer_error(a, 414, NULL);
	else
		answer_moved(a, status, out, n);
	return true;
}

/* Would a fallback page be right for this request: a navigation? */
static bool wants_page(const struct answer *a)
{
	struct cond_field dest = field_of(a, HDR_SEC_FETCH_DEST);
	struct cond_field acc = field_of(a, HDR_ACCEPT);

	return navigation_is_page(dest.s, dest.len, dest.count > 0, acc.s,
				  acc.len, acc.count > 0);
}

/*
 * A miss where a fallback page is configured: the page for a navigation
 * (200, without the location's caching), else a 404 that no cache keeps,
 * so that a missing script is never answered with HTML.
 */
static void serve_fallback(struct answer *a, const char *page)
{
	char fb[PATH_MAX_LEN];
	struct stat st;
	int n, fd;

	a->no_store = true;
	if (!wants_page(a)) {
		serve_answer_error(a, 404, NULL);
		return;
	}
	n = tryfiles_expand(page, a->uri, fb, sizeof(fb));
	if (n > 0 && (a->loc->dotfiles || !path_is_hidden(fb)) &&
	    (fd = open_file(a, fb, &st)) != -1) {
		if (S_ISREG(st.st_mode)) {
			a->fallback = true;
			serve_file(a, fd, &st, fb);
			return;
		}
		drop(fd);
	}
	serve_answer_error(a, 404, NULL);
}

/*
 * One try_files candidate, path[0..n): true when it answered (a regular
 * file for TRY_FILE, a directory for TRY_DIR).  A candidate that is
 * missing, hidden or refused (a link out of the root) is skipped.
 */
static bool try_one(struct answer *a, enum try_kind kind, const char *path,
		    size_t n, const char *query, size_t qlen)
{
	struct stat st;
	int fd;

	if (!a->loc->dotfiles && path_is_hidden(path))
		return false;
	if ((fd = open_file(a, path, &st)) == -1)
		return false;
	if (kind == TRY_FILE && S_ISREG(st.st_mode)) {
		serve_file(a, fd, &st, path);
		return true;
	}
	drop(fd);
	if (kind != TRY_DIR || !S_ISDIR(st.st_mode))
		return false;
	if (a->uri[strlen(a->uri) - 1] != '/')
		serve_redirect(a, query, qlen);
	else
		serve_dir(a, path, n, query, qlen);
	return true;
}

/* try_files: the first candidate that exists, else the last word. */
static void serve_try(struct answer *a, const char *path, const char *query,
		      size_t qlen)
{
	const struct location_conf *loc = a->loc;
	char cand[PATH_MAX_LEN];
	int status = 404;

	for (size_t i = 0; i < loc->ntry_files; i++) {
		const char *c = loc->try_files[i];
		enum try_kind kind = tryfiles_kind(c, i + 1 == loc->ntry_files,
						   &status);
		int n;
		if (kind == TRY_STATUS)
			break;
		if (kind == TRY_FALLBACK) {
			serve_fallback(a, c);
			return;
		}
		n = tryfiles_expand(c, path, cand, sizeof(cand));
		if (n > 0 && try_one(a, kind, cand, (size_t)n, query, qlen))
			return;
	}
	serve_answer_error(a, status, NULL);
}

/* The file of a request without try_files: the path, or the fallback. */
static void serve_path(struct answer *a, const char *path, size_t n,
		       const char *query, size_t qlen)
{
	struct stat st;
	int fd = open_file(a, path, &st);

	if (fd == -1)
		serve_log_refusal(a, path, errno);
	if (fd == -1 && serve_errno_status(errno) == 404 &&
	    a->loc->fallback != NULL) {
		serve_fallback(a, a->loc->fallback);
		return;
	}
	if (fd == -1) {
		serve_answer_error(a, serve_errno_status(errno), NULL);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		drop(fd);
		serve_dir(a, path, n, query, qlen);
	} else if (S_ISREG(st.st_mode)) {
		serve_file(a, fd, &st, path);
	} else {
		drop(fd);
		serve_log_rule(a, path, "is not a regular file or directory");
		serve_answer_error(a, 403, NULL);
	}
}

/*
 * The location's directory: alias maps its prefix (which ends in '/') to
 * its directory, root puts the whole path beneath it.  Returns the path
 * to open there.
 */
static const char *location_dir(struct answer *a, const char *path)
{
	const struct location_conf *loc = a->loc;

	a->rootfd = a->vh->rootfd;
	if (loc->index == 0 || a->vh->locfds == NULL ||
	    a->vh->locfds[loc->index - 1] == -1)
		return path;
	a->rootfd = a->vh->locfds[loc->index - 1];
	return loc->alias != NULL ? path + loc->prefix_len - 1 : path;
}

/* ------------------------------------------- _redirects and _headers */

/*
 * What the platform files change for one request: the location's settings
 * with the _headers lines after its own add_header lines.  It lives in
 * serve_request's frame, for as long as the answer points to it.
 */
struct platform_view {
	struct location_conf loc;
	char headers[HEADERS_MAX + 1];
};

/* Is path (beneath the location's directory) a file, or a directory that
 * would be answered (an index file, or a listing)? */
static bool found_here(struct answer *a, const char *path, bool file_ok,
		       bool dir_ok)
{
	const struct server_conf *sc = a->vh->conf;
	char name[PATH_MAX_LEN];
	struct stat st;
	int fd;

	if ((!a->loc->dotfiles && path_is_hidden(path)) ||
	    (fd = file_open(a->rootfd, path, sc->symlinks, &st)) == -1)
		return false;
	close(fd);
	if (S_ISREG(st.st_mode) || !S_ISDIR(st.st_mode) || !dir_ok)
		return S_ISREG(st.st_mode) && file_ok;
	if (a->loc->autoindex)
		return true;
	for (size_t i = 0; i < sc->nindex; i++) {
		if ((size_t)snprintf(name, sizeof(name), "%s%s%s", path,
				     path[strlen(path) - 1] == '/' ? "" : "/",
				     sc->index[i]) >= sizeof(name) ||
		    (fd = file_open(a->rootfd, name, sc->symlinks, &st)) == -1)
			continue;
		close(fd);
		if (S_ISREG(st.st_mode))
			return true;
	}
	return false;
}

/*
 * Netlify's shadowing: would the request be answered from a file (the
 * path, or a try_files candidate before any fallback)?  Then a rule
 * without `!` is passed over.
 */
static bool file_shadows(struct answer *a)
{
	const struct location_conf *loc = a->loc;
	const char *fspath = location_dir(a, a->uri);
	char cand[PATH_MAX_LEN];
	int status, n;

	if (loc->ntry_files == 0)
		return found_here(a, fspath, true, true);
	for (size_t i = 0; i < loc->ntry_files; i++) {
		const char *c = loc->try_files[i];
		enum try_kind kind = tryfiles_kind(c, i + 1 == loc->ntry_files,
						   &status);
		if (kind == TRY_STATUS || kind == TRY_FALLBACK)
			break;
		n = tryfiles_expand(c, fspath, cand, sizeof(cand));
		if (n > 0 &&
		    found_here(a, cand, kind == TRY_FILE, kind == TRY_DIR))
			return true;
	}
	return false;
}

/*
 * The first _redirects rule for the request: a redirect, a page with 404,
 * or a rewrite, which puts the target in path (a->uri, PATH_MAX_LEN
 * bytes) and its location in a->loc.  true when it answered.
 */
static bool platform_rules(struct answer *a, char *path, const char *query,
			   size_t qlen)
{
	const struct platform *p = a->vh->conf->platform;
	char out[PATH_MAX_LEN * 3 + REDIRECT_TARGET_MAX];
	bool forced = false;
	int st = platform_redirect(p, a->uri, false, query, qlen, out,
				   sizeof(out), &forced);

	if (st > 0 && !forced && platform_shadows(p) && file_shadows(a))
		st = platform_redirect(p, a->uri, true, query, qlen, out,
				       sizeof(out), &forced);
	if (st == 0)
		return false;
	if (st == -1 || (st == 200 && strlen(out) >= PATH_MAX_LEN)) {
		serve_answer_error(a, 414, NULL);
	} else if (st == 200) {
		strcpy(path, out);
		a->loc = route_location(a->vh->conf, path);
		return false;
	} else if (st == 404) {
		if (platform_own_file(out) || !serve_page(a, 404, out, NULL))
			serve_answer_error(a, 404, NULL);
	} else {
		answer_moved(a, st, out, strlen(out));
	}
	return true;
}

/* The location's add_header lines, then the _headers lines in pv. */
static int platform_merge(struct answer *a, struct platform_view *pv, size_t n)
{
	const struct location_conf *loc = a->loc;

	if (loc->headers_len + n > HEADERS_MAX)
		return -1;
	pv->loc = *loc;
	memmove(pv->headers + loc->headers_len, pv->headers, n + 1);
	if (loc->headers_len > 0)
		memcpy(pv->headers, loc->headers, loc->headers_len);
	pv->loc.headers = pv->headers;
	pv->loc.headers_len = loc->headers_len + n;
	a->loc = &pv->loc;
	return 0;
}

/*
 * platform_files: the two files are never served; _redirects may answer
 * or rewrite path; the headers are those of the path as requested.  true
 * when the request was answered.
 */
static bool serve_platform(struct answer *a, struct platform_view *pv,
			   char *path, const char *query, size_t qlen)
{
	int n;

	if (platform_own_file(path)) {
		serve_answer_error(a, 404, NULL);
		return true;
	}
	n = platform_headers(a->vh->conf->platform, path, pv->headers,
			     sizeof(pv->headers));
	if (n >= 0 && platform_rules(a, path, query, qlen))
		return true;
	if (platform_own_file(path)) {
		serve_answer_error(a, 404, NULL);
		return true;
	}
	if (n == -1 || (n > 0 && platform_merge(a, pv, (size_t)n) == -1)) {
		serve_answer_error(a, 500, NULL); /* more than HEADERS_MAX */
		return true;
	}
	return false;
}

void serve_request(const struct vhost *vh, const char *buf,
		   const struct request *req, struct reply *r)
{
	const char *raw, *query, *fspath;
	size_t rawlen, qlen;
	char path[PATH_MAX_LEN];
	struct platform_view pv;
	struct answer a = {
		.vh = vh,
		.buf = buf,
		.req = req,
		.r = r,
		.head = req->method == METHOD_HEAD,
		.loc = &vh->conf->defaults,
		.rootfd = vh->rootfd,
		.uri = "/",
	};

	/* OPTIONS included: nothing here is configurable per method. */
	if (req->method != METHOD_GET && req->method != METHOD_HEAD) {
		serve_answer_error(&a, 405, NULL);
		return;
	}
	if (split_target(buf + req->target.off, req->target.len, &raw, &rawlen,
			 &query, &qlen) == -1) {
		serve_answer_error(&a, 400, NULL);
		return;
	}
	int es = endpoint_serve(vh, req, raw, rawlen, query, qlen, r);
	if (es != ENDPOINT_DECLINED) {
		if (es != ENDPOINT_DONE)
			serve_error(req, es, r); /* no error_page */
		return;
	}
	bool hidden;
	int n = path_normalize_hidden(raw, rawlen, path, sizeof(path), &hidden);
	if (n < 0) {
		serve_answer_error(&a, n == PATH_ELONG ? 414 : 400, NULL);
		return;
	}
	a.uri = path;
	a.loc = route_location(vh->conf, path);
	r->no_log = a.loc->log_off;
	if ((a.loc->nredirects > 0 || vh->conf->redirect_map != NULL) &&
	    serve_moved(&a, query, qlen))
		return;
	if (vh->conf->platform != NULL) {
		if (serve_platform(&a, &pv, path, query, qlen))
			return;
		hidden = path_is_hidden(path); /* _redirects may rewrite it */
	}
	/* Hidden files (.git, .env, .htpasswd) are not there, unless allowed. */
	if (!a.loc->dotfiles && hidden) {
		serve_log_rule(&a, path,
			       "is hidden (a name starting with \".\"), "
			       "refused by dotfiles = deny");
		serve_answer_error(&a, 404, NULL);
		return;
	}
	fspath = location_dir(&a, path);
	if (a.loc->ntry_files > 0)
		serve_try(&a, fspath, query, qlen);
	else
		serve_path(&a, fspath, strlen(fspath), query, qlen);
}
