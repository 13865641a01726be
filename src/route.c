/*
 * route.c — virtual host and location selection, and the indexes that
 * make both independent of how many servers and locations there are:
 * a hash of server names per listening address (hostmap.c), and each
 * server's locations sorted by prefix with parent links.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hostmap.h"
#include "route.h"

bool route_name_match(const char *name, const char *host, size_t len)
{
	size_t nlen = strlen(name);

	if (name[0] == '*' && name[1] == '.')
		return len > nlen - 1 && strncasecmp(host + len - (nlen - 1),
						     name + 1, nlen - 1) == 0;
	return nlen == len && strncasecmp(host, name, len) == 0;
}

int route_index_group(const struct config *cf, struct listen_group *g)
{
	size_t n = 0;

	for (size_t i = 0; i < g->nservers; i++)
		n += cf->servers[g->servers[i]].nserver_names;
	if ((g->names = hostmap_new(n)) == NULL)
		return -1;
	for (size_t i = 0; i < g->nservers; i++) {
		const struct server_conf *sc = &cf->servers[g->servers[i]];
		for (size_t k = 0; k < sc->nserver_names; k++)
			if (hostmap_add(g->names, sc->server_names[k],
					g->servers[i]) == -1)
				return -1;
	}
	return 0;
}

unsigned route_server(const struct config *cf, const struct listen_group *g,
		      const char *host, size_t len)
{
	unsigned s;

	if (g->names != NULL && hostmap_find(g->names, host, len, &s) == 0)
		return s;
	return g->servers[0];
}

static int location_cmp(const void *a, const void *b)
{
	const struct location_conf *la = a, *lb = b;

	return strcmp(la->prefix, lb->prefix);
}

/* Does l's prefix start s? */
static bool location_starts(const struct location_conf *l, const char *s)
{
	return strncmp(s, l->prefix, l->prefix_len) == 0;
}

/*
 * In sorted order a location's parent is on the stack of the prefixes
 * that start the previous one; pop those that do not start it.
 */
void route_index_locations(struct location_conf *locs, size_t n)
{
	size_t top = 0; /* index + 1 of the innermost open prefix; 0: none */

	if (n == 0)
		return; /* locs may be NULL, which qsort() must not see */
	qsort(locs, n, sizeof(*locs), location_cmp);
	for (size_t i = 0; i < n; i++) {
		while (top != 0 &&
		       !location_starts(&locs[top - 1], locs[i].prefix))
			top = locs[top - 1].parent;
		locs[i].parent = top;
		locs[i].index = i + 1; /* its place, now the sorted one */
		top = i + 1;
	}
}

/*
 * The last location whose prefix sorts at or before path starts with the
 * answer, if any: everything between a prefix of path and path itself
 * shares that prefix.  So the answer is on that location's parent chain.
 */
const struct location_conf *route_location(const struct server_conf *sc,
					   const char *path)
{
	const struct location_conf *l = sc->locations;
	size_t lo = 0, hi = sc->nlocations, at;

	while (lo < hi) { /* the first prefix that sorts after path */
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(l[mid].prefix, path) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (at = lo; at != 0; at = l[at - 1].parent)
		if (location_starts(&l[at - 1], path))
			return &l[at - 1];
	return &sc->defaults;
}
