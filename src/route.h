/*
 * route.h — which server and which location answer a request: pure
 * functions over the parsed config, run on every request.
 */
#ifndef FORKD_ROUTE_H
#define FORKD_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/*
 * Does server_name pattern name match host[0..len) (no port, any case)?
 * A pattern is an exact name or "*.suffix", which matches any name that
 * ends in ".suffix" (not "suffix" itself).
 */
bool route_name_match(const char *name, const char *host, size_t len);

/*
 * The server of g that answers host[0..len): one with that exact name,
 * else the one whose wildcard has the longest suffix, else the default.
 * Returns an index into cf->servers.
 */
unsigned route_server(const struct config *cf, const struct listen_group *g,
		      const char *host, size_t len);

/*
 * The location of sc whose prefix is the longest one that starts path,
 * else the server's defaults.
 */
const struct location_conf *route_location(const struct server_conf *sc,
					   const char *path);

#endif
