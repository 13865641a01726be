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

/*
 * pread of what is cached of [off, off + len), without waiting for the
 * rest: the bytes read (short when a later page is not cached, or at the
 * end of the file), or -1 (EAGAIN: the first page is not cached;
 * EOPNOTSUPP: the file system cannot tell).  Probe and read in one call.
 */
ssize_t resident_pread(int fd, void *buf, size_t len, off_t off);

#endif
