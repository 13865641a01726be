/*
 * addrmap.c — listening addresses to dense ids.  Open addressing with
 * linear probing over a power-of-two table of ids, at most half full; the
 * keys are compact (family, port, address) copies kept by id.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addrmap.h"

struct addr_key {
	uint8_t bytes[20]; /* family (2), port (2), address (4 or 16) */
};

struct addrmap {
	struct addr_key *keys; /* by id */
	size_t count, keys_cap;
	uint32_t *slots; /* id + 1; 0: empty */
	size_t nslots;   /* a power of two */
};

static void addr_key_of(const struct sockaddr_storage *ss, struct addr_key *k)
{
	const struct sockaddr_in *s4 = (const void *)ss;
	const struct sockaddr_in6 *s6 = (const void *)ss;

	memset(k, 0, sizeof(*k));
	memcpy(k->bytes, &ss->ss_family, 2);
	if (ss->ss_family == AF_INET) {
		memcpy(k->bytes + 2, &s4->sin_port, 2);
		memcpy(k->bytes + 4, &s4->sin_addr, 4);
	} else {
		memcpy(k->bytes + 2, &s6->sin6_port, 2);
		memcpy(k->bytes + 4, &s6->sin6_addr, 16);
	}
}

/* FNV-1a: the keys are short and few; any even spread will do. */
static size_t addr_key_hash(const struct addr_key *k)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < sizeof(k->bytes); i++)
		h = (h ^ k->bytes[i]) * 16777619u;
	return h;
}

struct addrmap *addrmap_new(void)
{
	return calloc(1, sizeof(struct addrmap));
}

void addrmap_free(struct addrmap *m)
{
	if (m == NULL)
		return;
	free(m->keys);
	free(m->slots);
	free(m);
}

size_t addrmap_count(const struct addrmap *m)
{
	return m->count;
}

/* The slot that holds k, or the empty one where it belongs. */
static uint32_t *addrmap_slot(const struct addrmap *m, const struct addr_key *k)
{
	size_t mask = m->nslots - 1;

	for (size_t i = addr_key_hash(k) & mask;; i = (i + 1) & mask) {
		uint32_t *s = &m->slots[i];
		if (*s == 0 || memcmp(&m->keys[*s - 1], k, sizeof(*k)) == 0)
			return s;
	}
}

/* Double the table (and the key array when full). */
static int addrmap_grow(struct addrmap *m)
{
	size_t n = m->nslots ? m->nslots * 2 : 16;
	uint32_t *old = m->slots;
	size_t nold = m->nslots;

	if ((m->slots = calloc(n, sizeof(*m->slots))) == NULL) {
		m->slots = old;
		return -1;
	}
	m->nslots = n;
	for (size_t i = 0; i < nold; i++)
		if (old[i] != 0)
			*addrmap_slot(m, &m->keys[old[i] - 1]) = old[i];
	free(old);
	return 0;
}

static int addrmap_reserve(struct addrmap *m)
{
	if (m->count + 1 > m->keys_cap) {
		size_t cap = m->keys_cap ? m->keys_cap * 2 : 8;
		struct addr_key *k = realloc(m->keys, cap * sizeof(*k));
		if (k == NULL)
			return -1;
		m->keys = k;
		m->keys_cap = cap;
	}
	if (2 * (m->count + 1) > m->nslots)
		return addrmap_grow(m);
	return 0;
}

long addrmap_id(struct addrmap *m, const struct sockaddr_storage *addr,
		bool *added)
{
	struct addr_key k;
	uint32_t *s;

	*added = false;
	if (addrmap_reserve(m) == -1)
		return -1;
	addr_key_of(addr, &k);
	if (*(s = addrmap_slot(m, &k)) != 0)
		return (long)*s - 1;
	m->keys[m->count] = k;
	*s = (uint32_t)++m->count;
	*added = true;
	return (long)m->count - 1;
}
