/*
 * route.c — virtual host and location selection.  Linear scans: a
 * listening address has a handful of servers and a server a handful of
 * locations, and the scans touch no memory beyond the config.
 */
#include <string.h>
#include <strings.h>

#include "route.h"

bool route_name_match(const char *name, const char *host, size_t len)
{
	size_t nlen = strlen(name);

	if (name[0] == '*' && name[1] == '.')
		return len > nlen - 1 &&
		       strncasecmp(host + len - (nlen - 1), name + 1,
				   nlen - 1) == 0;
	return nlen == len && strncasecmp(host, name, len) == 0;
}

unsigned route_server(const struct config *cf, const struct listen_group *g,
		      const char *host, size_t len)
{
	unsigned best = g->servers[0];
	size_t best_len = 0;

	for (size_t i = 0; i < g->nservers && len > 0; i++) {
		const struct server_conf *sc = &cf->servers[g->servers[i]];
		for (size_t k = 0; k < sc->nserver_names; k++) {
			const char *name = sc->server_names[k];
			if (!route_name_match(name, host, len))
				continue;
			if (name[0] != '*')
				return g->servers[i]; /* exact: done */
			if (strlen(name) > best_len) {
				best = g->servers[i];
				best_len = strlen(name);
			}
		}
	}
	return best;
}

const struct location_conf *route_location(const struct server_conf *sc,
					   const char *path)
{
	const struct location_conf *best = &sc->defaults;
	size_t best_len = 0;

	for (size_t i = 0; i < sc->nlocations; i++) {
		const struct location_conf *l = &sc->locations[i];
		if (l->prefix_len > best_len &&
		    strncmp(path, l->prefix, l->prefix_len) == 0) {
			best = l;
			best_len = l->prefix_len;
		}
	}
	return best;
}
