/*
 * serve.c — answering a routed request (struct answer, serve_impl.h) with
 * a file, a directory's index or listing, a slash redirect or an error
 * response (its error_page, else the built-in body): opening beneath the
 * location's directory, validators, conditionals and ranges, and the
 * head and body laid out for conn.c to send.  Routing and the site's
 * rules are servesite.c's; nothing here calls it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "autoindex.h"
#include "coding.h"
#include "cond.h"
#include "config.h"
#include "etag.h"
#include "fcache.h"
#include "fdcache.h"
#include "file.h"
#include "log.h"
#include "mime.h"
#include "path.h"
#include "range.h"
#include "redirect.h"
#include "reply.h"
#include "response.h"
#include "serve.h"
#include "serve_impl.h"
#include "vhost.h"

/* The methods every resource here answers: the Allow of every 405. */
#define SERVE_ALLOW "GET, HEAD"

/* Room for the location's headers, Cache-Control and Expires, and Vary. */
#define SERVE_EXTRA_MAX (HEADERS_MAX + 256)

/* Does the header line at s start with name and a colon? */
static bool line_is(const char *s, const char *name)
{
	size_t n = strlen(name);

	return strncasecmp(s, name, n) == 0 && s[n] == ':';
}

/*
 * The headers of a fallback page: revalidated every time, and none of the
 * location's caching (expires, a Cache-Control of add_header: an asset
 * location's "immutable" must never stick to the HTML shell).
 */
static size_t fallback_headers(const struct location_conf *loc, char *out)
{
	size_t n = (size_t)snprintf(out, SERVE_EXTRA_MAX,
				    "Cache-Control: no-cache\r\n");

	for (const char *p = loc->headers; p != NULL && *p != '\0';) {
		const char *end = strstr(p, "\r\n");
		size_t len = (size_t)(end - p) + 2;
		if (!line_is(p, "Cache-Control") && !line_is(p, "Expires") &&
		    n + len < SERVE_EXTRA_MAX) {
			memcpy(out + n, p, len);
			n += len;
		}
		p = end + 2;
	}
	return n;
}

/* location_headers for a location that adds something (or a fallback). */
__attribute__((noinline)) static size_t location_headers_some(
	const struct answer *a, char *out)
{
	const struct location_conf *loc = a->loc;
	char date[HTTP_DATE_LEN + 1];
	size_t n = 0;

	if (a->fallback)
		return fallback_headers(loc, out);
	if (loc->expires == EXPIRES_EPOCH) {
		n = (size_t)snprintf(
			out, SERVE_EXTRA_MAX,
			"Expires: Thu, 01 Jan 1970 00:00:01 GMT\r\n"
			"Cache-Control: no-cache\r\n");
	} else if (loc->expires >= 0) {
		response_http_date(time(NULL) + (time_t)loc->expires, date);
		n = (size_t)snprintf(
			out, SERVE_EXTRA_MAX,
			"Expires: %s\r\nCache-Control: max-age=%lld\r\n", date,
			loc->expires);
	}
	if (loc->headers_len > 0 && n + loc->headers_len < SERVE_EXTRA_MAX) {
		memcpy(out + n, loc->headers, loc->headers_len);
		n += loc->headers_len;
	}
	return n;
}

/*
 * The header lines a location adds to a 200, 206, 301 or 304: Expires and
 * Cache-Control for expires, then the add_header lines.  Returns the
 * length written into out (SERVE_EXTRA_MAX bytes).  Most locations add
 * none: that is decided here, inline.
 */
static inline size_t location_headers(const struct answer *a, char *out)
{
	const struct location_conf *loc = a->loc;

	if (loc == NULL || (loc->expires == EXPIRES_OFF &&
			    loc->headers_len == 0 && !a->fallback))
		return 0;
	return location_headers_some(a, out);
}

/*
 * Open a file to serve: a real fd, or FCACHE_HIT for a small file kept in
 * memory.  A request with a Range header always gets a real fd, since
 * multipart bodies are sent from one; it comes from the descriptor cache.
 * The caches follow links as "symlinks = follow" does; the other policies
 * always open afresh.
 */
int serve_open_in(struct answer *a, int rootfd, const char *path,
		  struct stat *st)
{
	int policy = a->vh->conf->symlinks;

	if (policy != SYMLINKS_FOLLOW)
		return file_open(rootfd, path, policy, st);
	if (a->req->hdr_seen[HDR_RANGE])
		return fdcache_open(rootfd, path, st);
	return fcache_open(rootfd, path, st, &a->cached);
}

#define NO_STORE "Cache-Control: no-store\r\n"

/* The short HTML error body; content_range for a 416. */
static void error_answer(const struct request *req, int status,
			 const char *content_range, bool no_store,
			 struct reply *r)
{
	size_t len;
	const char *body = response_error_body(status, &len);
	struct response_head h = {
		.status = status,
		.content_type = "text/html; charset=utf-8",
		.content_length = (long long)len,
		.content_range = content_range,
		.extra = no_store ? NO_STORE : NULL,
		.extra_len = no_store ? strlen(NO_STORE) : 0,
	};

	if (status == 405)
		h.allow = SERVE_ALLOW;
	if (status == 400 || status >= 500) {
		/* The request was not understood: no second chance. */
		r->keep_alive = false;
		r->linger = true;
	}
	if (reply_head(r, &h, is_http10(req)) == 0 &&
	    req->method != METHOD_HEAD)
		reply_body(r, body, len);
}

void serve_error(const struct request *req, int status, struct reply *r)
{
	error_answer(req, status, NULL, false, r);
}

/*
 * The file uri of the server's root as the body of an error status (an
 * error_page, or a 404 rule of _redirects), with the headers error_answer
 * would send.  false when it cannot be served; the caller then sends the
 * built-in body.  Opening the page never produces another error page.
 */
bool serve_page(struct answer *a, int status, const char *uri,
		const char *crange)
{
	char path[PATH_MAX_LEN];
	struct stat st;
	int n, fd;

	n = path_normalize(uri, strlen(uri), path, sizeof(path));
	if (n <= 0 || (!a->loc->dotfiles && path_is_hidden(path)))
		return false;
	/* Pages are files of the server's root, whatever the location. */
	if ((fd = serve_open_in(a, a->vh->rootfd, path, &st)) == -1)
		return false;
	if (!S_ISREG(st.st_mode)) {
		drop(fd);
		return false;
	}
	struct response_head h = {
		.status = status,
		.content_type = mime_type_charset(path, (size_t)n,
						  a->loc->charset),
		.content_length = (long long)st.st_size,
		.content_range = crange,
		.allow = status == 405 ? SERVE_ALLOW : NULL,
		.extra = a->no_store ? NO_STORE : NULL,
		.extra_len = a->no_store ? strlen(NO_STORE) : 0,
	};
	if (status == 400 || status >= 500) {
		a->r->keep_alive = false;
		a->r->linger = true;
	}
	int rc = reply_head(a->r, &h, is_http10(a->req));
	if (rc == 0 && (a->head || st.st_size == 0)) {
		drop(fd);
		return true;
	}
	if (rc == 0 && fd == FCACHE_HIT)
		rc = reply_body(a->r, a->cached.data, (size_t)st.st_size);
	else if (rc == 0)
		rc = reply_file(a->r, fd, 0, st.st_size);
	else
		drop(fd);
	return rc == 0;
}

/* error_page: the configured page of the status, if any. */
static bool error_page(struct answer *a, int status, const char *crange)
{
	const char *uri;

	if (status < ERROR_PAGE_FIRST ||
	    status >= ERROR_PAGE_FIRST + ERROR_PAGE_COUNT ||
	    (uri = a->loc->error_page[status - ERROR_PAGE_FIRST]) == NULL)
		return false;
	return serve_page(a, status, uri, crange);
}

/* An error of a routed request: its error_page, else the built-in body. */
void serve_answer_error(struct answer *a, int status, const char *crange)
{
	if (!error_page(a, status, crange))
		error_answer(a->req, status, crange, a->no_store, a->r);
}

/* 301 to the request path with a slash added (a directory). */
void serve_redirect(struct answer *a, const char *query, size_t qlen)
{
	char loc[PATH_MAX_LEN * 3 + 8];
	size_t n = redirect_encode_path(a->uri, strlen(a->uri), loc,
					sizeof(loc) - 2);
	size_t len;
	const char *body = response_error_body(301, &len);

	loc[n++] = '/';
	if (qlen > 0 && n + qlen < sizeof(loc)) {
		memcpy(loc + n, query, qlen);
		n += qlen;
	}
	char extra[SERVE_EXTRA_MAX];
	struct response_head h = {
		.status = 301,
		.content_type = "text/html; charset=utf-8",
		.content_length = (long long)len,
		.location = loc,
		.location_len = n,
		.extra = extra,
		.extra_len = location_headers(a, extra),
	};
	if (reply_head(a->r, &h, is_http10(a->req)) == 0 && !a->head)
		reply_body(a->r, body, len);
}

static enum cond_result preconditions(const struct answer *a, const char *etag,
				      time_t mtime)
{
	const uint8_t *seen = a->req->hdr_seen;

	/* The usual request asks nothing: no fields to gather and weigh. */
	if (!seen[HDR_IF_MATCH] && !seen[HDR_IF_NONE_MATCH] &&
	    !seen[HDR_IF_MODIFIED_SINCE] && !seen[HDR_IF_UNMODIFIED_SINCE])
		return COND_PROCEED;

	struct cond_request rq = {
		.if_match = field_of(a, HDR_IF_MATCH),
		.if_none_match = field_of(a, HDR_IF_NONE_MATCH),
		.if_modified_since = field_of(a, HDR_IF_MODIFIED_SINCE),
		.if_unmodified_since = field_of(a, HDR_IF_UNMODIFIED_SINCE),
		.get_or_head = a->req->method == METHOD_GET ||
			       a->req->method == METHOD_HEAD,
	};

	return cond_evaluate(&rq, etag, mtime);
}

/*
 * What the Range header asks of a representation of size bytes: IGNORE
 * also when there is none, it came twice, or If-Range says the client's
 * copy is stale.  HEAD is answered as GET would be.
 */
static enum range_result ranges_wanted(const struct answer *a, const char *etag,
				       time_t mtime, uint64_t size,
				       struct range_set *rs)
{
	struct cond_field range, if_range;

	rs->n = 0;
	if (a->req->hdr_seen[HDR_RANGE] != 1)
		return RANGE_IGNORE;
	range = field_of(a, HDR_RANGE);
	if_range = field_of(a, HDR_IF_RANGE);
	if (if_range.count > 0 && !cond_if_range(&if_range, etag, mtime))
		return RANGE_IGNORE;
	return range_parse(range.s, range.len, size, rs);
}

/* The body of a 200 or 206 after its head; on failure a 500 instead. */
static void file_body(struct answer *a, int fd, const struct range_set *rs,
		      const char *boundary, const char *type, uint64_t size)
{
	int rc;

	if (a->head || size == 0) {
		drop(fd);
		return;
	}
	if (fd == FCACHE_HIT)
		rc = reply_body(a->r, a->cached.data, (size_t)size);
	else if (rs->n > 1)
		rc = reply_multipart(a->r, fd, rs, boundary, type, size);
	else if (rs->n == 1)
		rc = reply_file(a->r, fd, (off_t)rs->r[0].start,
				(off_t)rs->r[0].end);
	else
		rc = reply_file(a->r, fd, 0, (off_t)size);
	if (rc == -1)
		serve_error(a->req, 500, a->r);
}

/* A fresh multipart boundary: never the same twice in a process. */
static void new_boundary(const struct stat *st,
			 char out[RANGE_BOUNDARY_LEN + 1])
{
	static uint64_t count;

	range_boundary(((uint64_t)getpid() << 40) ^ (uint64_t)time(NULL) ^
			       ((uint64_t)st->st_ino << 20) ^ ++count,
		       out);
}

/*
 * precompressed = on: the first sibling (path.br, path.gz) that the
 * client's Accept-Encoding allows and that is a regular file, opened with
 * *coding set; else -1.  Never from the open-file cache, whose bytes the
 * identity file may be holding.
 */
static int open_sibling(struct answer *a, const char *path, struct stat *st,
			const char **coding)
{
	struct cond_field ae = field_of(a, HDR_ACCEPT_ENCODING);
	enum coding order[CODING_COUNT_];
	char name[PATH_MAX_LEN];
	size_t plen = strlen(path), n;

	if (ae.count != 1)
		return -1;
	n = coding_accepted(ae.s, ae.len, order);
	for (size_t i = 0; i < n; i++) {
		const char *suffix = coding_suffix(order[i]);
		size_t slen = strlen(suffix);
		if (plen + slen >= sizeof(name))
			continue;
		memcpy(name, path, plen);
		memcpy(name + plen, suffix, slen + 1);
		int fd = file_open(a->rootfd, name, a->vh->conf->symlinks, st);
		if (fd == -1)
			continue;
		if (S_ISREG(st->st_mode)) {
			*coding = coding_name(order[i]);
			return fd;
		}
		drop(fd);
	}
	return -1;
}

#define VARY_AE "Vary: Accept-Encoding\r\n"

/*
 * 412, 304, 416, 206 or 200 for a representation of h->content_length
 * bytes of fd, with its validators in h (etag, last_modified, as a file's
 * or a listing's); takes fd.  A 304 keeps the first cut304 bytes of
 * h->extra.  st seeds the multipart boundary.
 */
static void serve_representation(struct answer *a, int fd,
				 struct response_head *h, size_t cut304,
				 const struct stat *st)
{
	char crange[96], ctype[128];
	char boundary[RANGE_BOUNDARY_LEN + 1];
	struct range_set rs;
	uint64_t size = (uint64_t)h->content_length;
	const char *tag = h->etag != NULL ? h->etag : ""; /* matches no tag */
	const char *type = h->content_type;

	switch (preconditions(a, tag, h->last_modified)) {
	case COND_FAILED:
		drop(fd);
		serve_answer_error(a, 412, NULL);
		return;
	case COND_NOT_MODIFIED:
		drop(fd);
		h->status = 304;
		h->fields = NULL; /* they are a 200's */
		h->content_type = NULL;
		h->content_length = -1;
		h->accept_ranges = false;
		h->extra_len = cut304;
		reply_head(a->r, h, is_http10(a->req));
		return;
	case COND_PROCEED: break;
	}
	switch (ranges_wanted(a, tag, h->last_modified, size, &rs)) {
	case RANGE_UNSATISFIABLE:
		drop(fd);
		snprintf(crange, sizeof(crange), "bytes */%llu",
			 (unsigned long long)size);
		serve_answer_error(a, 416, crange);
		return;
	case RANGE_OK:
		h->status = 206;
		h->fields = NULL;
		if (rs.n == 1) {
			snprintf(crange, sizeof(crange), "bytes %llu-%llu/%llu",
				 (unsigned long long)rs.r[0].start,
				 (unsigned long long)rs.r[0].end - 1,
				 (unsigned long long)size);
			h->content_range = crange;
			h->content_length = (long long)(rs.r[0].end -
							rs.r[0].start);
			break;
		}
		new_boundary(st, boundary);
		snprintf(ctype, sizeof(ctype),
			 "multipart/byteranges; boundary=%s", boundary);
		h->content_type = ctype;
		h->content_length = (long long)range_multipart_length(
			&rs, boundary, type, size);
		break;
	case RANGE_IGNORE: break;
	}
	if (reply_head(a->r, h, is_http10(a->req)) == -1) {
		drop(fd);
		serve_error(a->req, 500, a->r);
		return;
	}
	file_body(a, fd, &rs, boundary, type, size);
}

_Static_assert(ETAG_CONTENT_MAX <= FILE_ETAG_MAX, "a content tag fits");

/* The ETag of a file as its location's etag mode says; "" for none yet. */
static void file_tag(const struct answer *a, int fd, const struct stat *st,
		     const char *coding, char etag[FILE_ETAG_MAX])
{
	if (a->loc != NULL && a->loc->etag == ETAG_CONTENT) {
		if (etag_content(fd, fd == FCACHE_HIT ? a->cached.data : NULL,
				 st, coding, etag, FILE_ETAG_MAX) == -1)
			etag[0] = '\0';
	} else if (coding != NULL) {
		file_etag_coded(st, coding, etag, FILE_ETAG_MAX);
	} else {
		file_etag(st, etag, FILE_ETAG_MAX);
	}
}

/*
 * The head memo of a kept file (fcache.h), made now when it is empty or
 * was made for another charset; NULL when fd is not a kept file, its tag
 * is not the stat's, or the memo has no room for it.
 */
static const struct fcache_head *kept_head(const struct answer *a, int fd,
					   const struct stat *st,
					   const char *path)
{
	struct fcache_head *k = a->cached.head;
	const char *charset = a->loc->charset, *type;
	size_t tlen, n;

	if (fd != FCACHE_HIT || a->loc->etag == ETAG_CONTENT)
		return NULL;
	if (k->full && k->charset == charset)
		return k;
	type = mime_type_charset(path, strlen(path), charset);
	if ((tlen = strlen(type)) >= sizeof(k->type))
		return NULL;
	memcpy(k->type, type, tlen + 1);
	file_etag(st, k->etag, sizeof(k->etag));
	struct response_head h = { .content_type = k->type,
				   .content_length = (long long)st->st_size,
				   .last_modified = st->st_mtime,
				   .etag = k->etag };
	if ((n = response_format_fields(k->lines, sizeof(k->lines), &h)) == 0)
		return NULL;
	k->len = n;
	k->charset = charset;
	k->full = true;
	return k;
}

/* 200, 206, 304, 412 or 416 for an open regular file; takes fd. */
void serve_file(struct answer *a, int fd, const struct stat *st,
		const char *path)
{
	const char *coding = NULL;
	const struct fcache_head *k;
	struct stat cst;
	char etag[FILE_ETAG_MAX];
	char extra[SERVE_EXTRA_MAX];
	size_t loc_len = location_headers(a, extra), vary_len = 0;

	if (a->loc->precompressed) {
		/* The answer depends on Accept-Encoding whichever file it is. */
		int cfd = open_sibling(a, path, &cst, &coding);
		if (cfd >= 0) {
			drop(fd);
			fd = cfd;
			st = &cst;
		}
		/* After the location's lines, so that a 304 can cut at Vary. */
		vary_len = (size_t)snprintf(
			extra + loc_len, sizeof(extra) - loc_len, "%s%s%s%s",
			VARY_AE, coding != NULL ? "Content-Encoding: " : "",
			coding != NULL ? coding : "",
			coding != NULL ? "\r\n" : "");
	}

	struct response_head h = {
		.status = 200,
		.content_length = (long long)st->st_size,
		.last_modified = st->st_mtime,
		.accept_ranges = true,
		.extra = extra,
		.extra_len = loc_len + vary_len,
	};

	if ((k = kept_head(a, fd, st, path)) != NULL) {
		h.content_type = k->type;
		h.etag = k->etag;
		h.fields = k->lines;
		h.fields_len = k->len;
	} else {
		h.content_type = mime_type_charset(path, strlen(path),
						   a->loc->charset);
		file_tag(a, fd, st, coding, etag);
		h.etag = etag[0] != '\0' ? etag : NULL; /* "": not known yet */
	}
	serve_representation(
		a, fd, &h, loc_len + (vary_len > 0 ? strlen(VARY_AE) : 0), st);
}

int serve_errno_status(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR: return 404;
	case EACCES:
	case EPERM:
	case ELOOP:
	case EXDEV: return 403;
	case ENAMETOOLONG: return 414;
	default: return 500;
	}
}

/* The directory the request's paths are opened beneath, for the log. */
static const char *answer_dir(const struct answer *a)
{
	if (a->rootfd != a->vh->rootfd && a->loc->alias != NULL)
		return a->loc->alias;
	if (a->rootfd != a->vh->rootfd && a->loc->root != NULL)
		return a->loc->root;
	return a->vh->conf->root;
}

/*
 * Why a file was refused, in the error log, as nginx logs a failed open():
 * 403s at info, 404s at debug.  log_msg formats nothing unless the level
 * is written, and none of this is on the path of a 200.  errno is kept.
 */
void serve_log_refusal(const struct answer *a, const char *path, int err)
{
	const struct server_conf *sc = a->vh->conf;
	const char *why = "";
	int saved = errno;

	if (file_plan_deferred())
		return; /* this pass is thrown away (file.h) */
	if (err == ELOOP && sc->symlinks == SYMLINKS_OFF)
		why = ": a symbolic link on the path, refused by symlinks = "
		      "off";
	else if (err == EXDEV)
		why = ": a symbolic link on the path leads outside the root";
	else if (err == EACCES && sc->symlinks == SYMLINKS_OWNER)
		why = " (or, with symlinks = owner, a link and its target "
		      "have different owners)";
	log_msg(serve_errno_status(err) == 404 ? LOG_LVL_DEBUG : LOG_LVL_INFO,
		"open() \"%s%s\" failed (%d: %s)%s, request: \"%.*s\"",
		answer_dir(a), path, err, strerror(err), why,
		(int)a->req->target.len, a->buf + a->req->target.off);
	errno = saved;
}

/* A refusal that is a rule of the configuration, not an open(): info. */
void serve_log_rule(const struct answer *a, const char *path, const char *rule)
{
	if (file_plan_deferred())
		return; /* this pass is thrown away (file.h) */
	log_info("\"%s%s\" %s, request: \"%.*s\"", answer_dir(a), path, rule,
		 (int)a->req->target.len, a->buf + a->req->target.off);
}

/*
 * A listing's validator: weak, since the same directory state can be
 * listed in other bytes (dotfiles changed by a reload, another forkd
 * version); from the directory's identity, the newest mtime of it and its
 * entries, and the listing's length.
 */
static void listing_etag(const struct stat *dir, time_t newest, size_t len,
			 enum autoindex_format f, char *out, size_t outsz)
{
	snprintf(out, outsz, "W/\"%llx-%llx-%zx%s\"",
		 (unsigned long long)dir->st_ino, (unsigned long long)newest,
		 len, f == AUTOINDEX_JSON ? "-json" : "");
}

/*
 * autoindex = on: a listing of the directory at path, HTML or JSON (with
 * a validator of its own).  Conditionals and ranges apply to it as to a
 * file (RFC 9110 13.1 and 14 are about any selected representation):
 * Last-Modified is the newest mtime of the directory and what it lists.
 */
static void serve_listing(struct answer *a, const char *path,
			  enum autoindex_format f)
{
	const struct server_conf *sc = a->vh->conf;
	const char *type = f == AUTOINDEX_JSON
				   ? "application/json"
				   : mime_type_charset("index.html", 10,
						       a->loc->charset);
	char extra[SERVE_EXTRA_MAX], etag[FILE_ETAG_MAX + 32];
	struct stat st;
	size_t len = 0, loc_len;
	time_t newest = 0;
	int dfd = file_open(a->rootfd, path, sc->symlinks, &st);

	if (dfd == -1) {
		serve_answer_error(a, serve_errno_status(errno), NULL);
		return;
	}
	int mfd = file_listing(dfd, a->uri, a->loc->dotfiles, f, &len, &newest);
	if (mfd == -1) {
		serve_answer_error(a, 500, NULL);
		return;
	}
	listing_etag(&st, newest, len, f, etag, sizeof(etag));
	loc_len = location_headers(a, extra);
	struct response_head h = {
		.status = 200,
		.content_type = type,
		.content_length = (long long)len,
		.last_modified = newest,
		.etag = etag,
		.accept_ranges = true,
		.extra = extra,
		.extra_len = loc_len,
	};
	serve_representation(a, mfd, &h, loc_len, &st);
}

/* A directory: redirect to add the slash, or serve its index file. */
void serve_dir(struct answer *a, const char *path, size_t plen,
	       const char *query, size_t qlen)
{
	const struct vhost *vh = a->vh;
	const struct server_conf *sc = vh->conf;
	char name[PATH_MAX_LEN];
	struct stat st;

	if (path[plen - 1] != '/') {
		serve_redirect(a, query, qlen);
		return;
	}
	for (size_t i = 0; i < sc->nindex; i++) {
		size_t nlen = strlen(sc->index[i]);
		if (plen + nlen >= sizeof(name))
			continue;
		memcpy(name, path, plen);
		memcpy(name + plen, sc->index[i], nlen + 1);
		int fd = open_file(a, name, &st);
		if (fd == -1) {
			if (errno == ENOENT)
				continue;
			serve_log_refusal(a, name, errno);
			serve_answer_error(a, serve_errno_status(errno), NULL);
			return;
		}
		if (S_ISREG(st.st_mode)) {
			serve_file(a, fd, &st, name);
			return;
		}
		drop(fd);
	}
	if (a->loc->autoindex) {
		serve_listing(a, path, autoindex_format_of(query, qlen));
		return;
	}
	serve_log_rule(a, path,
		       "is a directory with no index file, and autoindex "
		       "is off");
	serve_answer_error(a, 403, NULL);
}
