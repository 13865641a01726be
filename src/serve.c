/*
 * serve.c — static files: normalise the target, open beneath the root,
 * evaluate validators, and lay out head and body for conn.c to send.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cond.h"
#include "conn.h"
#include "endpoint.h"
#include "file.h"
#include "mime.h"
#include "path.h"
#include "response.h"
#include "serve.h"

/* Percent-encode a decoded path for a Location header. */
static size_t encode_path(const char *in, char *out, size_t outsz)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *in != '\0' && n + 4 < outsz; in++) {
		unsigned char ch = (unsigned char)*in;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~/!$&'()*+,;=:@", ch)) {
			out[n++] = (char)ch;
		} else {
			out[n++] = '%';
			out[n++] = hex[ch >> 4];
			out[n++] = hex[ch & 15];
		}
	}
	out[n] = '\0';
	return n;
}

static bool want_body(const struct request *req)
{
	return req->method != METHOD_HEAD;
}

/* Lay out the head in r->out. */
static int reply_head(const struct request *req, struct reply *r,
		      struct response_head *h)
{
	h->keep_alive = r->keep_alive;
	h->http10 = req->http_minor == 0;
	r->status = h->status;
	r->head_len = (uint32_t)response_format_head(r->out, r->cap, h);
	r->len = r->head_len;
	return r->head_len == 0 ? -1 : 0;
}

static void reply_body(const struct request *req, struct reply *r,
		       const char *body, size_t len)
{
	if (want_body(req) && r->len + len <= r->cap) {
		memcpy(r->out + r->len, body, len);
		r->len += (uint32_t)len;
	}
}

void serve_error(const struct request *req, int status, struct reply *r)
{
	size_t len;
	const char *body = response_error_body(status, &len);
	struct response_head h = {
		.status = status,
		.content_type = "text/html; charset=utf-8",
		.content_length = (long long)len,
	};

	if (status == 405)
		h.allow = "GET, HEAD";
	if (status == 400 || status >= 500) {
		/* The request was not understood: no second chance. */
		r->keep_alive = false;
		r->linger = true;
	}
	reply_head(req, r, &h);
	reply_body(req, r, body, len);
}

static void serve_redirect(const struct request *req, struct reply *r,
			   const char *path, const char *query, size_t qlen)
{
	char loc[PATH_MAX_LEN * 3 + 8];
	size_t n = encode_path(path, loc, sizeof(loc) - 2);
	size_t len;
	const char *body = response_error_body(301, &len);

	loc[n++] = '/';
	if (qlen > 0 && n + qlen < sizeof(loc)) {
		memcpy(loc + n, query, qlen);
		n += qlen;
	}
	struct response_head h = {
		.status = 301,
		.content_type = "text/html; charset=utf-8",
		.content_length = (long long)len,
		.location = loc,
		.location_len = n,
	};
	reply_head(req, r, &h);
	reply_body(req, r, body, len);
}

static struct cond_field cond_field_of(const char *buf,
				       const struct request *req,
				       enum request_header h)
{
	return (struct cond_field){ buf + req->hdr[h].off, req->hdr[h].len,
				    req->hdr_seen[h] };
}

static enum cond_result preconditions(const char *buf,
				      const struct request *req,
				      const char *etag, time_t mtime)
{
	struct cond_request rq = {
		.if_match = cond_field_of(buf, req, HDR_IF_MATCH),
		.if_none_match = cond_field_of(buf, req, HDR_IF_NONE_MATCH),
		.if_modified_since = cond_field_of(buf, req, HDR_IF_MODIFIED_SINCE),
		.if_unmodified_since = cond_field_of(buf, req,
						     HDR_IF_UNMODIFIED_SINCE),
		.get_or_head = req->method == METHOD_GET ||
			       req->method == METHOD_HEAD,
	};

	return cond_evaluate(&rq, etag, mtime);
}

/* 200 (or 304) for an open regular file; takes ownership of fd. */
static void serve_file(const char *buf, const struct request *req,
		       struct reply *r, int fd, const struct stat *st,
		       const char *path)
{
	char etag[FILE_ETAG_MAX];
	struct response_head h = {
		.status = 200,
		.content_type = mime_type(path, strlen(path)),
		.content_length = (long long)st->st_size,
		.last_modified = st->st_mtime,
		.etag = etag,
	};

	file_etag(st, etag, sizeof(etag));
	switch (preconditions(buf, req, etag, st->st_mtime)) {
	case COND_FAILED:
		close(fd);
		serve_error(req, 412, r);
		return;
	case COND_NOT_MODIFIED:
		h.status = 304;
		h.content_type = NULL;
		h.content_length = -1;
		break;
	case COND_PROCEED:
		break;
	}
	if (reply_head(req, r, &h) == -1 || h.status == 304 || !want_body(req) ||
	    st->st_size == 0) {
		close(fd);
		return;
	}
	if ((size_t)st->st_size <= r->cap - r->len) {
		/* Small file: one write carries head and body. */
		ssize_t n = pread(fd, r->out + r->len, (size_t)st->st_size, 0);
		close(fd);
		if (n > 0)
			r->len += (uint32_t)n;
		if (n != st->st_size)
			r->keep_alive = false; /* it changed under us */
		return;
	}
	r->file_fd = fd;
	r->file_off = 0;
	r->file_end = st->st_size;
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

/* A directory: redirect to add the slash, or serve its index file. */
static void serve_dir(const struct vhost *vh, const char *buf,
		      const struct request *req, struct reply *r,
		      const char *path, size_t plen, const char *query,
		      size_t qlen)
{
	const struct server_conf *sc = vh->conf;
	char name[PATH_MAX_LEN];
	struct stat st;

	if (path[plen - 1] != '/') {
		serve_redirect(req, r, path, query, qlen);
		return;
	}
	for (size_t i = 0; i < sc->nindex; i++) {
		size_t nlen = strlen(sc->index[i]);
		if (plen + nlen >= sizeof(name))
			continue;
		memcpy(name, path, plen);
		memcpy(name + plen, sc->index[i], nlen + 1);
		int fd = file_open_beneath(vh->rootfd, name, &st);
		if (fd == -1) {
			if (errno == ENOENT)
				continue;
			serve_error(req, errno_status(errno), r);
			return;
		}
		if (S_ISREG(st.st_mode)) {
			serve_file(buf, req, r, fd, &st, name);
			return;
		}
		close(fd);
	}
	serve_error(req, 403, r);
}

/* Split an origin-form or absolute-form target into path and query. */
static int split_target(const char *t, size_t len, const char **path,
			size_t *plen, const char **query, size_t *qlen)
{
	if ((len > 7 && strncasecmp(t, "http://", 7) == 0) ||
	    (len > 8 && strncasecmp(t, "https://", 8) == 0)) {
		const char *auth = (const char *)memchr(t, '/', len) + 2;
		const char *slash = memchr(auth, '/', len - (size_t)(auth - t));
		if (slash == NULL)
			return -1;
		len -= (size_t)(slash - t);
		t = slash;
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

void serve_request(const struct vhost *vh, const char *buf,
		   const struct request *req, struct reply *r)
{
	const char *raw, *query;
	size_t rawlen, qlen;
	char path[PATH_MAX_LEN];
	struct stat st;

	if (req->method != METHOD_GET && req->method != METHOD_HEAD) {
		serve_error(req, 405, r);
		return;
	}
	if (split_target(buf + req->target.off, req->target.len, &raw, &rawlen,
			 &query, &qlen) == -1) {
		serve_error(req, 400, r);
		return;
	}
	if (endpoint_serve(vh, req, raw, rawlen, query, qlen, r))
		return;
	int n = path_normalize(raw, rawlen, path, sizeof(path));
	if (n < 0) {
		serve_error(req, n == PATH_ELONG ? 414 : 400, r);
		return;
	}
	int fd = file_open_beneath(vh->rootfd, path, &st);
	if (fd == -1) {
		serve_error(req, errno_status(errno), r);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		serve_dir(vh, buf, req, r, path, (size_t)n, query, qlen);
	} else if (S_ISREG(st.st_mode)) {
		serve_file(buf, req, r, fd, &st, path);
	} else {
		close(fd);
		serve_error(req, 403, r);
	}
}
