/*
 * fcache.h — small files held in memory by each worker, checked against
 * the file system (one stat) every time they are used.
 */
#ifndef FORKD_FCACHE_H
#define FORKD_FCACHE_H

#include <sys/stat.h>

#define FCACHE_HIT (-2)        /* fcache_open: the bytes are in memory */
#define FCACHE_SLOTS 64        /* direct-mapped by path */
#define FCACHE_FILE_MAX 8192   /* larger files are never kept */
#define FCACHE_SETTLE 2        /* seconds a file must be left alone first */

/*
 * file_open_beneath() for serving: returns an fd as it would, -1 with
 * errno as it would, or FCACHE_HIT with *st filled and *data pointing at
 * the file's st_size bytes (valid until the next call).
 *
 * A kept file is used only while a stat of its path still shows the same
 * file, unchanged (device, inode, size, mode, owner, mtime and ctime to
 * the nanosecond); anything else drops it and opens the path afresh,
 * beneath the root as usual.  A file changed within the last
 * FCACHE_SETTLE seconds is not kept: on file systems with coarse
 * timestamps a second write could otherwise leave every stat field alone.
 */
int fcache_open(int rootfd, const char *path, struct stat *st,
		const char **data);

/* Forget every file (and free the memory). */
void fcache_clear(void);

#endif
