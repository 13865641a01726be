/*
 * redirmap.h — `redirect_map = FILE`: thousands of exact-path redirects in
 * one hash table.
 *
 * The file has one "FROM TO [STATUS]" per line (blanks between fields,
 * '#' starts a comment line, empty lines skipped); FROM is a path,
 * percent-encoded or not (it is normalised as a request path is), TO a
 * path or an absolute URL (redirect_check_to), STATUS 301 (the default),
 * 302, 303, 307 or 308.  A duplicate FROM, a bad status, a line longer
 * than REDIRMAP_LINE_MAX: the whole file is refused with "FILE:LINE: why".
 *
 * The master loads the table; workers inherit it through fork() and only
 * read it, so its pages stay shared.  It lives in three allocations (the
 * text, the entries, the index), none of which a worker writes.
 */
#ifndef FORKD_REDIRMAP_H
#define FORKD_REDIRMAP_H

#include <stddef.h>

#define REDIRMAP_LINE_MAX 8192

struct redirmap;

/*
 * Parse text[0..len) (taken over: freed with the map, or at once on
 * failure); name is the file's name for messages.  NULL with
 * "name:LINE: why" in err, or errno ENOMEM.
 */
struct redirmap *redirmap_parse(char *text, size_t len, const char *name,
				char *err, size_t errlen);

/* Read and parse the file at path; NULL with the reason in err. */
struct redirmap *redirmap_load(const char *path, char *err, size_t errlen);

/*
 * The entry for the normalised path[0..len): its TO and status; NULL when
 * there is none.  One hash and, on average, about one comparison.
 */
const char *redirmap_find(const struct redirmap *m, const char *path,
			  size_t len, int *status);

/* How many entries. */
size_t redirmap_count(const struct redirmap *m);

void redirmap_free(struct redirmap *m);

#endif
