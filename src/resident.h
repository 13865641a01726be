/*
 * resident.h — whether a file's bytes are in the page cache, so that
 * sending them from the event loop cannot wait on a disk or a server.
 */
#ifndef FORKD_RESIDENT_H
#define FORKD_RESIDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * true when every page of bytes [off, off + len) of fd is cached.  One
 * cachestat(2) (Linux 6.5) covers the range; before it, preadv2 with
 * RWF_NOWAIT of the range's first byte answers for its first page.  A
 * file system that cannot say (EOPNOTSUPP, ...) counts as cold.
 */
bool resident_range(int fd, off_t off, size_t len);

#endif
