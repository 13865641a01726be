/*
 * endpoint.h — the status and health endpoints a server may expose to its
 * load balancer and monitoring (status_path, health_path).
 *
 * A handler below serve: it answers what is its own and returns a status
 * for anything else, as nginx's content handlers do; the error response
 * itself is built by the caller, the one place that builds them.
 */
#ifndef FORKD_ENDPOINT_H
#define FORKD_ENDPOINT_H

#include <stddef.h>

#include "reply.h"
#include "request.h"

struct vhost;

enum {
	ENDPOINT_DECLINED = 0, /* not the status or health path */
	ENDPOINT_DONE = 1,     /* the answer is in r */
};

/*
 * If path is the server's status or health path, answer it in r.  Health:
 * 200 while this worker serves, 503 once it drains or the master is a
 * lame duck (stopping).  Both answer only clients in status_allow.
 * Returns ENDPOINT_DECLINED, ENDPOINT_DONE, or an error status (403 for a
 * client not allowed, 400 for an unknown status format, 500) that the
 * caller answers instead; r is then unchanged.
 */
int endpoint_serve(const struct vhost *vh, const struct request *req,
		   const char *path, size_t plen, const char *query,
		   size_t qlen, struct reply *r);

#endif
