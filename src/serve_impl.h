/*
 * serve_impl.h — what the two halves of the serve module share, and
 * nothing else includes: servesite.c takes a request through the site's
 * rules (target, endpoints, redirects, _redirects and _headers, try_files,
 * fallback) and calls serve.c, which answers with a file, a directory, a
 * listing or an error.  serve.c calls nothing of servesite.c.  The
 * helpers run on every request, so the small ones are inline here.
 */
#ifndef FORKD_SERVE_IMPL_H
#define FORKD_SERVE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "cond.h"
#include "fcache.h"
#include "file.h"
#include "reply.h"
#include "request.h"

struct location_conf;
struct vhost;

/* One request being answered. */
struct answer {
	const struct vhost *vh;
	const char *buf; /* the spans of req are relative to it */
	const struct request *req;
	struct reply *r;
	bool head;                       /* HEAD: the head of a GET, no body */
	struct fcache_hit cached;        /* when the fd is FCACHE_HIT */
	const struct location_conf *loc; /* the settings of the path */
	int rootfd;      /* the location's directory, or the root */
	const char *uri; /* the normalised request path */
	bool fallback;   /* answering with the fallback page */
	bool no_store;   /* errors carry Cache-Control: no-store */
};

/* Open path beneath rootfd to serve: a real fd, or FCACHE_HIT. */
int serve_open_in(struct answer *a, int rootfd, const char *path,
		  struct stat *st);

/* serve_open_in the directory of the request's location. */
static inline int open_file(struct answer *a, const char *path, struct stat *st)
{
	return serve_open_in(a, a->rootfd, path, st);
}

/* Close what open_file returned. */
static inline void drop(int fd)
{
	if (fd >= 0)
		file_close(fd);
}

static inline bool is_http10(const struct request *req)
{
	return req->http_major == 1 && req->http_minor == 0;
}

static inline struct cond_field field_of(const struct answer *a,
					 enum request_header h)
{
	return (struct cond_field){ a->buf + a->req->hdr[h].off,
				    a->req->hdr[h].len, a->req->hdr_seen[h],
				    request_header_name(h) };
}

/* An error of a routed request: its error_page, else the built-in body;
 * crange is the Content-Range of a 416, else NULL. */
void serve_answer_error(struct answer *a, int status, const char *crange);

/* The file uri of the server's root as the body of an error status;
 * false when it cannot be served (the caller sends the built-in body). */
bool serve_page(struct answer *a, int status, const char *uri,
		const char *crange);

/* 301 to the request path with a slash added (a directory). */
void serve_redirect(struct answer *a, const char *query, size_t qlen);

/* 200, 206, 304, 412 or 416 for an open regular file; takes fd. */
void serve_file(struct answer *a, int fd, const struct stat *st,
		const char *path);

/* A directory at path[0..plen): the slash redirect, an index file, a
 * listing, or 403. */
void serve_dir(struct answer *a, const char *path, size_t plen,
	       const char *query, size_t qlen);

/* The status of a failed open: 404, 403, 414 or 500. */
int serve_errno_status(int err);

/* Why an open of path failed with err, in the error log; errno is kept. */
void serve_log_refusal(const struct answer *a, const char *path, int err);

/* A refusal of path by a rule of the configuration, in the error log. */
void serve_log_rule(const struct answer *a, const char *path, const char *rule);

#endif
