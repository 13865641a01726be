/*
 * serve.h — from a parsed request to a response: routing, static files,
 * redirects and error responses.  No I/O on the client socket happens here:
 * the result is a struct reply that conn.c sends.  serve_request is
 * defined in servesite.c (the site's rules), serve_error in serve.c (files
 * and error responses); serve_impl.h is what the two share.
 */
#ifndef FORKD_SERVE_H
#define FORKD_SERVE_H

#include <stdbool.h>
#include <stdint.h>

#include "reply.h"
#include "request.h"

struct vhost;

/* Build the response to req, whose spans are relative to buf. */
void serve_request(const struct vhost *vh, const char *buf,
		   const struct request *req, struct reply *r);

/* Build an error response (status 4xx/5xx) with its short body. */
void serve_error(const struct request *req, int status, struct reply *r);

#endif
