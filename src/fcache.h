/*
 * fcache.h — small files held in memory by each worker, checked against
 * the file system (one stat) at most once every FCACHE_RECHECK_MS.
 */
#ifndef FORKD_FCACHE_H
#define FORKD_FCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "file.h"

#define FCACHE_HIT (-2)        /* fcache_open: the bytes are in memory */
#define FCACHE_SLOTS 64        /* direct-mapped by path */
#define FCACHE_FILE_MAX 8192   /* larger files are never kept */
#define FCACHE_SETTLE 2        /* seconds a file must be left alone first */
#define FCACHE_RECHECK_MS 1000 /* the bound on serving a changed file */
#define FCACHE_TYPE_MAX 128    /* a longer media type is not kept */
#define FCACHE_LINES_MAX 320   /* the header lines of a kept head */

/*
 * What a response head needs of a kept file, made once by the server (its
 * media type, its ETag, and their header lines formatted): it depends only
 * on the file's path and stat, which a hit says are unchanged, and on
 * charset, the key it was made for.  Emptied (full false) whenever its
 * entry is filled anew; a revalidation that finds the file unchanged
 * keeps it.
 */
struct fcache_head {
	bool full;
	const char *charset; /* the key: the charset it was made for */
	char type[FCACHE_TYPE_MAX];
	char etag[FILE_ETAG_MAX];
	size_t len; /* of lines */
	char lines[FCACHE_LINES_MAX];
};

/* What an FCACHE_HIT gives: the bytes and the entry's head, valid until
 * the next fcache_open or fcache_clear. */
struct fcache_hit {
	const char *data;
	struct fcache_head *head;
};

/*
 * file_open_beneath() for serving: returns an fd as it would, -1 with
 * errno as it would, or FCACHE_HIT with *st filled, hit->data pointing at
 * the file's st_size bytes and hit->head at the entry's head memo (both
 * valid until the next call).
 *
 * A kept file is used while a stat of its path, taken at most
 * FCACHE_RECHECK_MS ago, showed the same file unchanged (device, inode,
 * size, mode, owner, mtime and ctime to the nanosecond); once that stat is
 * older, the next use takes a new one, and anything changed drops the copy
 * and opens the path afresh, beneath the root as usual.  So a file
 * replaced, rewritten, made unreadable or removed is served as it was for
 * at most FCACHE_RECHECK_MS.  A file changed within the last FCACHE_SETTLE
 * seconds is not kept: on file systems with coarse timestamps a second
 * write could otherwise leave every stat field alone.
 */
int fcache_open(int rootfd, const char *path, struct stat *st,
		struct fcache_hit *hit);

/* Forget every file (and free the memory). */
void fcache_clear(void);

/*
 * The two rules above, for other caches of files (fdcache.h).  Settled:
 * a regular file left alone for FCACHE_SETTLE seconds, which may be kept.
 * Recheck: may a file kept as *kept, last seen so at *checked_ms, still
 * be used at now_ms (clock_coarse_ms)?  1 yes (trusted still, or a stat of rel beneath rootfd taken
 * now shows it unchanged, which renews *checked_ms), 0 changed or gone,
 * -1 the stat is planned (file.h): ask again once the I/O pool made it.
 */
bool fcache_settled(const struct stat *st);
int fcache_recheck(int rootfd, const char *rel, const struct stat *kept,
		   uint64_t *checked_ms, uint64_t now_ms);

#endif
