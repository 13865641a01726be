/*
 * addrmap.h — listening addresses to dense ids (0, 1, 2, ... in the order
 * each address is first seen): a hash table, so that the loader groups
 * and checks N listen directives in O(N), not O(N²).  Two addresses are
 * the same when confval_listen_same() says so (family, port, address).
 */
#ifndef FORKD_ADDRMAP_H
#define FORKD_ADDRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct addrmap;

struct addrmap *addrmap_new(void);
void addrmap_free(struct addrmap *m);

/*
 * The id of addr (AF_INET or AF_INET6); an address not seen before gets
 * the next id and *added is set.  -1 when out of memory.
 */
long addrmap_id(struct addrmap *m, const struct sockaddr_storage *addr,
		bool *added);

/* How many distinct addresses the map holds. */
size_t addrmap_count(const struct addrmap *m);

#endif
