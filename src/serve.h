/*
 * serve.h — from a parsed request to a response: routing, static files,
 * redirects and error responses.  No I/O on the client socket happens here:
 * the result is a struct reply that conn.c sends.
 */
#ifndef FORKD_SERVE_H
#define FORKD_SERVE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>

#include "request.h"

struct vhost;

struct reply {
	char *out;          /* the head, then (small bodies) the body */
	uint32_t cap;
	uint32_t len;
	uint32_t head_len;
	int status;         /* 0 until a response was built */
	int file_fd;        /* -1, or the file whose [file_off, file_end) follows */
	off_t file_off;
	off_t file_end;
	bool keep_alive;    /* in: the connection may stay open; out: it will */
	bool linger;        /* close through a lingering read, not at once */
	const struct sockaddr *client; /* in: who asks (PROXY / real IP applied) */
};

/* Build the response to req, whose spans are relative to buf. */
void serve_request(const struct vhost *vh, const char *buf,
		   const struct request *req, struct reply *r);

/* Build an error response (status 4xx/5xx) with its short body. */
void serve_error(const struct request *req, int status, struct reply *r);

#endif
