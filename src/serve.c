/*
 * serve.c — static files: normalise the target, open beneath the root,
 * evaluate validators, and lay out head and body for conn.c to send.
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
#include "endpoint.h"
#include "etag.h"
#include "fcache.h"
#include "file.h"
#include "log.h"
#include "mime.h"
#include "navigation.h"
#include "path.h"
#include "platform.h"
#include "range.h"
#include "redirect.h"
#include "redirmap.h"
#include "reply.h"
#include "response.h"
#include "route.h"
#include "serve.h"
#include "tryfiles.h"
#include "vhost.h"

/* The methods every resource here answers: the Allow of every 405. */
#define SERVE_ALLOW "GET, HEAD"

/* One request being answered. */
struct answer {
	const struct vhost *vh;
	const char *buf;          /* the spans of req are relative to it */
	const struct request *req;
	struct reply *r;
	bool head;                /* HEAD: the head of a GET, no body */
	const char *cached;       /* the bytes, when the fd is FCACHE_HIT */
	const struct location_conf *loc; /* the settings of the path */
	int rootfd;               /* the location's directory, or the root */
	const char *uri;          /* the normalised request path */
	bool fallback;            /* answering with the fallback page */
	bool no_store;            /* errors carry Cache-Control: no-store */
};

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

/*
 * The header lines a location adds to a 200, 206, 301 or 304: Expires and
 * Cache-Control for expires, then the add_header lines.  Returns the
 * length written into out (SERVE_EXTRA_MAX bytes).
 */
static size_t location_headers(const struct answer *a, char *out)
{
	const struct location_conf *loc = a->loc;
	char date[HTTP_DATE_LEN + 1];
	size_t n = 0;

	if (loc == NULL)
		return 0;
	if (a->fallback)
		return fallback_headers(loc, out);
	if (loc->expires == EXPIRES_EPOCH) {
		n = (size_t)snprintf(out, SERVE_EXTRA_MAX,
				     "Expires: Thu, 01 Jan 1970 00:00:01 GMT\r\n"
				     "Cache-Control: no-cache\r\n");
	} else if (loc->expires >= 0) {
		response_http_date(time(NULL) + (time_t)loc->expires, date);
		n = (size_t)snprintf(out, SERVE_EXTRA_MAX,
				     "Expires: %s\r\nCache-Control: max-age=%lld\r\n",
				     date, loc->expires);
	}
	if (loc->headers_len > 0 && n + loc->headers_len < SERVE_EXTRA_MAX) {
		memcpy(out + n, loc->headers, loc->headers_len);
		n += loc->headers_len;
	}
	return n;
}

/*
 * Open a file to serve: a real fd, or FCACHE_HIT for a small file kept in
 * memory.  A request with a Range header always gets a real fd, since
 * multipart bodies are sent from one.  The cache follows links as
 * "symlinks = follow" does; the other policies always open afresh.
 */
static int open_file_in(struct answer *a, int rootfd, const char *path,
			struct stat *st)
{
	int policy = a->vh->conf->symlinks;

	if (policy != SYMLINKS_FOLLOW || a->req->hdr_seen[HDR_RANGE])
		return file_open(rootfd, path, policy, st);
	return fcache_open(rootfd, path, st, &a->cached);
}

/* open_file_in the directory of the request's location. */
static int open_file(struct answer *a, const char *path, struct stat *st)
{
	return open_file_in(a, a->rootfd, path, st);
}

/* Close what open_file returned. */
static void drop(int fd)
{
	if (fd >= 0)
		file_close(fd);
}

static bool is_http10(const struct request *req)
{
	return req->http_major == 1 && req->http_minor == 0;
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
static bool page_answer(struct answer *a, int status, const char *uri,
			const char *crange)
{
	char path[PATH_MAX_LEN];
	struct stat st;
	int n, fd;

	n = path_normalize(uri, strlen(uri), path, sizeof(path));
	if (n <= 0 || (!a->loc->dotfiles && path_is_hidden(path)))
		return false;
	/* Pages are files of the server's root, whatever the location. */
	if ((fd = open_file_in(a, a->vh->rootfd, path, &st)) == -1)
		return false;
	if (!S_ISREG(st.st_mode)) {
		drop(fd);
		return false;
	}
	struct response_head h = {
		.status = status,
		.content_type = mime_type_charset(path, (size_t)n, a->loc->charset),
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
		rc = reply_body(a->r, a->cached, (size_t)st.st_size);
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
	return page_answer(a, status, uri, crange);
}

/* An error of a routed request: its error_page, else the built-in body. */
static void answer_error(struct answer *a, int status, const char *crange)
{
	if (!error_page(a, status, crange))
		error_answer(a->req, status, crange, a->no_store, a->r);
}

/* 301 to the request path with a slash added (a directory). */
static void serve_redirect(struct answer *a, const char *query, size_t qlen)
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

static struct cond_field field_of(const struct answer *a,
				  enum request_header h)
{
	return (struct cond_field){ a->buf + a->req->hdr[h].off,
				    a->req->hdr[h].len, a->req->hdr_seen[h],
				    request_header_name(h) };
}

static enum cond_result preconditions(const struct answer *a,
				      const char *etag, time_t mtime)
{
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
static enum range_result ranges_wanted(const struct answer *a,
				       const char *etag, time_t mtime,
				       uint64_t size, struct range_set *rs)
{
	struct cond_field range = field_of(a, HDR_RANGE);
	struct cond_field if_range = field_of(a, HDR_IF_RANGE);

	rs->n = 0;
	if (range.count != 1)
		return RANGE_IGNORE;
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
		rc = reply_body(a->r, a->cached, (size_t)size);
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
		       ((uint64_t)st->st_ino << 20) ^ ++count, out);
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
				 const struct stat *st, const char *type)
{
	char crange[96], ctype[128];
	char boundary[RANGE_BOUNDARY_LEN + 1];
	struct range_set rs;
	uint64_t size = (uint64_t)h->content_length;
	const char *tag = h->etag != NULL ? h->etag : ""; /* matches no tag */

	switch (preconditions(a, tag, h->last_modified)) {
	case COND_FAILED:
		drop(fd);
		answer_error(a, 412, NULL);
		return;
	case COND_NOT_MODIFIED:
		drop(fd);
		h->status = 304;
		h->content_type = NULL;
		h->content_length = -1;
		h->accept_ranges = false;
		h->extra_len = cut304;
		reply_head(a->r, h, is_http10(a->req));
		return;
	case COND_PROCEED:
		break;
	}
	switch (ranges_wanted(a, tag, h->last_modified, size, &rs)) {
	case RANGE_UNSATISFIABLE:
		drop(fd);
		snprintf(crange, sizeof(crange), "bytes */%llu",
			 (unsigned long long)size);
		answer_error(a, 416, crange);
		return;
	case RANGE_OK:
		h->status = 206;
		if (rs.n == 1) {
			snprintf(crange, sizeof(crange), "bytes %llu-%llu/%llu",
				 (unsigned long long)rs.r[0].start,
				 (unsigned long long)rs.r[0].end - 1,
				 (unsigned long long)size);
			h->content_range = crange;
			h->content_length = (long long)(rs.r[0].end - rs.r[0].start);
			break;
		}
		new_boundary(st, boundary);
		snprintf(ctype, sizeof(ctype),
			 "multipart/byteranges; boundary=%s", boundary);
		h->content_type = ctype;
		h->content_length = (long long)range_multipart_length(
			&rs, boundary, type, size);
		break;
	case RANGE_IGNORE:
		break;
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
		if (etag_content(fd, fd == FCACHE_HIT ? a->cached : NULL, st,
				 coding, etag, FILE_ETAG_MAX) == -1)
			etag[0] = '\0';
	} else if (coding != NULL) {
		file_etag_coded(st, coding, etag, FILE_ETAG_MAX);
	} else {
		file_etag(st, etag, FILE_ETAG_MAX);
	}
}

/* 200, 206, 304, 412 or 416 for an open regular file; takes fd. */
static void serve_file(struct answer *a, int fd, const struct stat *st,
		       const char *path)
{
	const char *type = mime_type_charset(path, strlen(path),
					     a->loc->charset);
	const char *coding = NULL;
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
		vary_len = (size_t)snprintf(extra + loc_len,
					    sizeof(extra) - loc_len, "%s%s%s%s",
					    VARY_AE,
					    coding != NULL ? "Content-Encoding: " : "",
					    coding != NULL ? coding : "",
					    coding != NULL ? "\r\n" : "");
	}

	struct response_head h = {
		.status = 200,
		.content_type = type,
		.content_length = (long long)st->st_size,
		.last_modified = st->st_mtime,
		.etag = etag,
		.accept_ranges = true,
		.extra = extra,
		.extra_len = loc_len + vary_len,
	};

	file_tag(a, fd, st, coding, etag);
	if (etag[0] == '\0')
		h.etag = NULL; /* content tag not known yet: none */
	serve_representation(a, fd, &h, loc_len + (vary_len > 0 ?
						    strlen(VARY_AE) : 0),
			     st, type);
}

static int errno_status(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		return 404;
	case EACCES:
	case EPERM:
	case ELOOP:
	case EXDEV:
		return 403;
	case ENAMETOOLONG:
		return 414;
	default:
		return 500;
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
static void log_refusal(const struct answer *a, const char *path, int err)
{
	const struct server_conf *sc = a->vh->conf;
	const char *why = "";
	int saved = errno;

	if (file_plan_deferred())
		return; /* this pass is thrown away (file.h) */
	if (err == ELOOP && sc->symlinks == SYMLINKS_OFF)
		why = ": a symbolic link on the path, refused by symlinks = off";
	else if (err == EXDEV)
		why = ": a symbolic link on the path leads outside the root";
	else if (err == EACCES && sc->symlinks == SYMLINKS_OWNER)
		why = " (or, with symlinks = owner, a link and its target "
		      "have different owners)";
	log_msg(errno_status(err) == 404 ? LOG_LVL_DEBUG : LOG_LVL_INFO,
		"open() \"%s%s\" failed (%d: %s)%s, request: \"%.*s\"",
		answer_dir(a), path, err, strerror(err), why,
		(int)a->req->target.len, a->buf + a->req->target.off);
	errno = saved;
}

/* A refusal that is a rule of the configuration, not an open(): info. */
static void log_rule(const struct answer *a, const char *path,
		     const char *rule)
{
	if (file_plan_deferred())
		return; /* this pass is thrown away (file.h) */
	log_info("\"%s%s\" %s, request: \"%.*s\"", answer_dir(a), path,
		 rule, (int)a->req->target.len, a->buf + a->req->target.off);
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
	const char *type = f == AUTOINDEX_JSON ? "application/json" :
			   mime_type_charset("index.html", 10, a->loc->charset);
	char extra[SERVE_EXTRA_MAX], etag[FILE_ETAG_MAX + 32];
	struct stat st;
	size_t len = 0, loc_len;
	time_t newest = 0;
	int dfd = file_open(a->rootfd, path, sc->symlinks, &st);

	if (dfd == -1) {
		answer_error(a, errno_status(errno), NULL);
		return;
	}
	int mfd = file_listing(dfd, a->uri, a->loc->dotfiles, f, &len, &newest);
	if (mfd == -1) {
		answer_error(a, 500, NULL);
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
	serve_representation(a, mfd, &h, loc_len, &st, type);
}

/* A directory: redirect to add the slash, or serve its index file. */
static void serve_dir(struct answer *a, const char *path, size_t plen,
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
			log_refusal(a, name, errno);
			answer_error(a, errno_status(errno), NULL);
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
	log_rule(a, path, "is a directory with no index file, and autoindex "
		 "is off");
	answer_error(a, 403, NULL);
}

/*
 * Split an origin-form or absolute-form target into path and query.  An
 * absolute form with an empty path ("http://h" or "http://h?q") means "/".
 */
static int split_target(const char *t, size_t len, const char **path,
			size_t *plen, const char **query, size_t *qlen)
{
	size_t skip = 0;

	if (len > 7 && strncasecmp(t, "http://", 7) == 0)
		skip = 7;
	else if (len > 8 && strncasecmp(t, "https://", 8) == 0)
		skip = 8;
	if (skip > 0) {
		while (skip < len && t[skip] != '/' && t[skip] != '?')
			skip++;
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
		answer_error(a, status, NULL);
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
	const struct redirect_rule *rule = redirect_match(loc->redirects,
							  loc->nredirects,
							  a->uri);
	char out[PATH_MAX_LEN * 3 + REDIRECT_TARGET_MAX];
	const char *to, *rest = "";
	int status;
	size_t n;

	if (rule != NULL && rule->exact) {
		to = rule->to;
		status = rule->status;
	} else if (map != NULL &&
		   (to = redirmap_find(map, a->uri, strlen(a->uri),
				       &status)) != NULL) {
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
	if ((n = redirect_location(to, rest, query, qlen, out, sizeof(out))) == 0)
		answer_error(a, 414, NULL);
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
		answer_error(a, 404, NULL);
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
	answer_error(a, 404, NULL);
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
	answer_error(a, status, NULL);
}

/* The file of a request without try_files: the path, or the fallback. */
static void serve_path(struct answer *a, const char *path, size_t n,
		       const char *query, size_t qlen)
{
	struct stat st;
	int fd = open_file(a, path, &st);

	if (fd == -1)
		log_refusal(a, path, errno);
	if (fd == -1 && errno_status(errno) == 404 && a->loc->fallback != NULL) {
		serve_fallback(a, a->loc->fallback);
		return;
	}
	if (fd == -1) {
		answer_error(a, errno_status(errno), NULL);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		drop(fd);
		serve_dir(a, path, n, query, qlen);
	} else if (S_ISREG(st.st_mode)) {
		serve_file(a, fd, &st, path);
	} else {
		drop(fd);
		log_rule(a, path, "is not a regular file or directory");
		answer_error(a, 403, NULL);
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
		if (n > 0 && found_here(a, cand, kind == TRY_FILE,
					kind == TRY_DIR))
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
		answer_error(a, 414, NULL);
	} else if (st == 200) {
		strcpy(path, out);
		a->loc = route_location(a->vh->conf, path);
		return false;
	} else if (st == 404) {
		if (platform_own_file(out) || !page_answer(a, 404, out, NULL))
			answer_error(a, 404, NULL);
	} else {
		answer_moved(a, st, out, strlen(out));
	}
	return true;
}

/* The location's add_header lines, then the _headers lines in pv. */
static int platform_merge(struct answer *a, struct platform_view *pv,
			  size_t n)
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
		answer_error(a, 404, NULL);
		return true;
	}
	n = platform_headers(a->vh->conf->platform, path, pv->headers,
			     sizeof(pv->headers));
	if (n >= 0 && platform_rules(a, path, query, qlen))
		return true;
	if (platform_own_file(path)) {
		answer_error(a, 404, NULL);
		return true;
	}
	if (n == -1 || (n > 0 && platform_merge(a, pv, (size_t)n) == -1)) {
		answer_error(a, 500, NULL); /* more than HEADERS_MAX */
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
		answer_error(&a, 405, NULL);
		return;
	}
	if (split_target(buf + req->target.off, req->target.len, &raw, &rawlen,
			 &query, &qlen) == -1) {
		answer_error(&a, 400, NULL);
		return;
	}
	int es = endpoint_serve(vh, req, raw, rawlen, query, qlen, r);
	if (es != ENDPOINT_DECLINED) {
		if (es != ENDPOINT_DONE)
			error_answer(req, es, NULL, false, r); /* no error_page */
		return;
	}
	int n = path_normalize(raw, rawlen, path, sizeof(path));
	if (n < 0) {
		answer_error(&a, n == PATH_ELONG ? 414 : 400, NULL);
		return;
	}
	a.uri = path;
	a.loc = route_location(vh->conf, path);
	r->no_log = a.loc->log_off;
	if (serve_moved(&a, query, qlen))
		return;
	if (vh->conf->platform != NULL &&
	    serve_platform(&a, &pv, path, query, qlen))
		return;
	/* Hidden files (.git, .env, .htpasswd) are not there, unless allowed. */
	if (!a.loc->dotfiles && path_is_hidden(path)) {
		log_rule(&a, path, "is hidden (a name starting with \".\"), "
			 "refused by dotfiles = deny");
		answer_error(&a, 404, NULL);
		return;
	}
	fspath = location_dir(&a, path);
	if (a.loc->ntry_files > 0)
		serve_try(&a, fspath, query, qlen);
	else
		serve_path(&a, fspath, strlen(fspath), query, qlen);
}
