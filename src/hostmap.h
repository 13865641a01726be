/*
 * hostmap.h — server names to servers, for the virtual hosts that share
 * one listening address: exact names in a hash table, "*.suffix"
 * wildcards in the same table keyed by their suffix, so that choosing a
 * server costs a few hash probes however many servers there are.
 *
 * Names match in any case and with or without one trailing dot
 * ("Example.COM." is "example.com").  Built once at config load; lookups
 * only read it, so workers share it after fork().
 */
#ifndef FORKD_HOSTMAP_H
#define FORKD_HOSTMAP_H

#include <stddef.h>

struct hostmap;

/* A map with room for n names. */
struct hostmap *hostmap_new(size_t n);
void hostmap_free(struct hostmap *m);

/*
 * Map name ("example.com" or "*.example.com") to value.  The first value
 * given a name keeps it.  The map borrows name: it must outlive the map.
 * 0, or -1 when the map already holds the n names it was made for.
 */
int hostmap_add(struct hostmap *m, const char *name, unsigned value);

/*
 * The value for host[0..len): its exact name, else the wildcard with the
 * longest suffix that host ends in (after at least one more label).
 * 0 with *value set, or -1 when no name matches.
 */
int hostmap_find(const struct hostmap *m, const char *host, size_t len,
		 unsigned *value);

#endif
