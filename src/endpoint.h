/*
 * endpoint.h — the status and health endpoints a server may expose to its
 * load balancer and monitoring (status_path, health_path).
 */
#ifndef FORKD_ENDPOINT_H
#define FORKD_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

#include "request.h"
#include "serve.h"

struct vhost;

/*
 * If path is the server's status or health path, build the answer in r
 * and return true.  Health: 200 while this worker serves, 503 once it
 * drains or the master is a lame duck (stopping).  Both answer only
 * clients in status_allow (403 otherwise).
 */
bool endpoint_serve(const struct vhost *vh, const struct request *req,
		    const char *path, size_t plen, const char *query,
		    size_t qlen, struct reply *r);

#endif
