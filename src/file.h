/*
 * file.h — opening files beneath a document root, and their validators.
 */
#ifndef FORKD_FILE_H
#define FORKD_FILE_H

#include <stddef.h>
#include <sys/stat.h>

#define FILE_ETAG_MAX 40

/*
 * Open path (normalised by path_normalize, starting with '/') beneath the
 * directory rootfd, read-only.  Symbolic links are followed only while they
 * stay beneath the root.  Returns the fd and fills *st, or -1 with errno:
 * ENOENT, ENOTDIR, EACCES, EXDEV or ELOOP (tried to leave the root), ...
 */
int file_open_beneath(int rootfd, const char *path, struct stat *st);

/* The entity tag of a file: "\"<mtime hex>-<size hex>\"", as nginx makes it. */
void file_etag(const struct stat *st, char *out, size_t outsz);

#endif
