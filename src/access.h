/*
 * access.h — the access log entry of one finished request, from what the
 * connection knows about it.  The formats and the buffering are log.c's;
 * which request to log and when is conn.c's.
 */
#ifndef FORKD_ACCESS_H
#define FORKD_ACCESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "log.h"
#include "reply.h"
#include "request.h"
#include "vhost.h"

/* What a connection knows about one request when its response ended. */
struct access_request {
	const char *in; /* the spans of req are relative to it */
	const struct request *req;
	const struct reply *reply;
	const struct sockaddr *client;
	uint64_t out_sent;   /* bytes of reply->out sent, head included */
	uint64_t file_sent;  /* body bytes sent from the file */
	uint64_t started_ms; /* its first byte arrived */
	uint64_t connection; /* the worker's connection number */
	unsigned connection_requests; /* this one included */
};

/* An address as the logs write it (a v4-mapped IPv6 address as IPv4). */
void access_addr_text(const struct sockaddr *sa, char *out, size_t outsz);

/* Append the request's line to log, in its format, as of view's clock. */
void access_record(struct access_log *log, const struct access_request *ar,
		   const struct worker_view *view);

#endif
