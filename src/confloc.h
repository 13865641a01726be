/*
 * confloc.h — a location's settings start as a deep copy of its server's
 * defaults; this file copies and frees a struct location_conf, so that
 * the option table's stores can replace any inherited value (freeing it)
 * without caring where it came from.
 */
#ifndef FORKD_CONFLOC_H
#define FORKD_CONFLOC_H

#include "config.h"

/* Copy every setting of from into to (prefix and index excepted); 0 or -1
 * (ENOMEM; what was copied stays in to, for confloc_free). */
int confloc_inherit(struct location_conf *to, const struct location_conf *from);

/*
 * The error pages of loc, made its own to change: a location that sets
 * none shares one table of built-in pages (200 pointers a location, 80 MB
 * at 50,000 servers otherwise).  NULL when out of memory.
 */
char **confloc_error_pages_own(struct location_conf *loc);

/* A server's error pages that the file does not set: the shared table. */
void confloc_error_pages_shared(struct location_conf *loc);

/* Free what loc owns (not loc itself). */
void confloc_free(struct location_conf *loc);

/* Free a redirect rule list. */
void confloc_free_redirects(struct redirect_rule *r, size_t n);

#endif
