/*
 * fdcache.h — open descriptors of files asked for by ranges, kept by each
 * worker and checked against the file system (one stat) at most once
 * every FCACHE_RECHECK_MS, so that a run of small range requests on a
 * large file costs no open, stat or close of its own.
 */
#ifndef FORKD_FDCACHE_H
#define FORKD_FDCACHE_H

#include <sys/stat.h>

#define FDCACHE_SLOTS 16      /* direct-mapped by path */
#define FDCACHE_IDLE_MS 10000 /* an unused descriptor is closed after */

/*
 * file_open_beneath() for a range request: a new descriptor of the file
 * (the caller's to close), -1 with errno as file_open_beneath sets it.
 * A kept file is handed out (duplicated) under fcache.h's rules: used
 * while a stat of its path, taken at most FCACHE_RECHECK_MS ago, showed
 * it unchanged; one changed in the last FCACHE_SETTLE seconds is not
 * kept; a file of a slow root (file.h) is never kept.  A descriptor not
 * handed out for FDCACHE_IDLE_MS is closed by a later call (one slot a
 * call), so a removed file's space is not held for long by a busy worker.
 */
int fdcache_open(int rootfd, const char *path, struct stat *st);

/* Close every kept descriptor. */
void fdcache_clear(void);

#endif
