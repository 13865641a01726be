/*
 * hostmap.c — the server-name table.  Open addressing with linear probing
 * in a power-of-two table at most half full.  Keys are hashed from their
 * last byte to their first, in lower case, so one right-to-left pass over
 * a host yields the hash of the host and of each of its suffixes: an
 * exact probe, then one probe per label for the wildcards, longest first.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hostmap.h"

#define LABELS_MAX 128 /* a 255-byte host has fewer dots */

struct host_entry {
	const char *key; /* borrowed; NULL: empty slot */
	uint32_t len;
	uint32_t hash;
	unsigned value;
	bool wild; /* key is the suffix of a "*.suffix" */
};

struct hostmap {
	struct host_entry *slots;
	size_t nslots, count, cap, nwild;
};

static const uint32_t FNV_BASIS = 2166136261u, FNV_PRIME = 16777619u;

static uint32_t lower(char c)
{
	return (uint32_t)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

/* FNV-1a from the last byte to the first. */
static uint32_t hash_back(const char *s, size_t len)
{
	uint32_t h = FNV_BASIS;

	while (len-- > 0)
		h = (h ^ lower(s[len])) * FNV_PRIME;
	return h;
}

struct hostmap *hostmap_new(size_t n)
{
	struct hostmap *m = calloc(1, sizeof(*m));
	size_t slots = 8;

	if (m == NULL)
		return NULL;
	while (slots < 2 * n)
		slots *= 2;
	if ((m->slots = calloc(slots, sizeof(*m->slots))) == NULL) {
		free(m);
		return NULL;
	}
	m->nslots = slots;
	m->cap = n;
	return m;
}

void hostmap_free(struct hostmap *m)
{
	if (m == NULL)
		return;
	free(m->slots);
	free(m);
}

/* The entry for key, or the empty slot where it belongs. */
static struct host_entry *hostmap_slot(const struct hostmap *m, const char *key,
				       size_t len, uint32_t hash, bool wild)
{
	size_t mask = m->nslots - 1;

	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		struct host_entry *e = &m->slots[i];
		if (e->key == NULL ||
		    (e->hash == hash && e->len == len && e->wild == wild &&
		     strncasecmp(e->key, key, len) == 0))
			return e;
	}
}

int hostmap_add(struct hostmap *m, const char *name, unsigned value)
{
	bool wild = name[0] == '*' && name[1] == '.';
	const char *key = wild ? name + 2 : name;
	size_t len = strlen(key);
	struct host_entry *e;

	if (len > 0 && key[len - 1] == '.')
		len--;
	if (m->count == m->cap)
		return -1;
	uint32_t hash = hash_back(key, len);
	if ((e = hostmap_slot(m, key, len, hash, wild))->key != NULL)
		return 0; /* the first server to name it keeps it */
	*e = (struct host_entry){ key, (uint32_t)len, hash, value, wild };
	m->count++;
	m->nwild += wild;
	return 0;
}

static int hostmap_probe(const struct hostmap *m, const char *key, size_t len,
			 uint32_t hash, bool wild, unsigned *value)
{
	const struct host_entry *e = hostmap_slot(m, key, len, hash, wild);

	if (e->key == NULL)
		return -1;
	*value = e->value;
	return 0;
}

int hostmap_find(const struct hostmap *m, const char *host, size_t len,
		 unsigned *value)
{
	uint32_t h = FNV_BASIS, hashes[LABELS_MAX];
	size_t starts[LABELS_MAX], n = 0;

	if (len > 0 && host[len - 1] == '.')
		len--;
	if (len == 0 || len > 255)
		return -1;
	/* suffixes after a dot with at least one byte before it */
	for (size_t i = len; i-- > 0;) {
		if (host[i] == '.' && i > 0 && i + 1 < len && n < LABELS_MAX) {
			starts[n] = i + 1;
			hashes[n++] = h;
		}
		h = (h ^ lower(host[i])) * FNV_PRIME;
	}
	if (hostmap_probe(m, host, len, h, false, value) == 0)
		return 0;
	while (m->nwild > 0 && n-- > 0)
		if (hostmap_probe(m, host + starts[n], len - starts[n],
				  hashes[n], true, value) == 0)
			return 0;
	return -1;
}
