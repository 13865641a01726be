/*
 * route.h — which server and which location answer a request.  The
 * lookups are pure functions over the parsed config, run on every
 * request; the indexes they read are built once, at config load.
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
 * Index the server names of g (its servers in order, the default first)
 * into g->names.  0, or -1 when out of memory.
 */
int route_index_group(const struct config *cf, struct listen_group *g);

/*
 * The server of g that answers host[0..len): one with that exact name,
 * else the one whose wildcard has the longest suffix, else the default
 * (the first).  Where two servers give the same name, the earlier one.
 * Returns an index into cf->servers.  O(labels of host) hash probes.
 */
unsigned route_server(const struct config *cf, const struct listen_group *g,
		      const char *host, size_t len);

/*
 * Sort a server's n locations by prefix, number them (index) in that
 * order, and link each to the longest other one that starts it (its
 * parent), for route_location().
 */
void route_index_locations(struct location_conf *locs, size_t n);

/*
 * The location of sc whose prefix is the longest one that starts path,
 * else the server's defaults.  Needs route_index_locations() first: a
 * binary search, then a walk up the (short) chain of parents.
 */
const struct location_conf *route_location(const struct server_conf *sc,
					   const char *path);

#endif
