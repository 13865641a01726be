/*
 * file.h — opening files beneath a document root, and their validators.
 */
#ifndef FORKD_FILE_H
#define FORKD_FILE_H

#include <stddef.h>
#include <sys/stat.h>

#define FILE_ETAG_MAX 48

/* What a symbolic link below the root may do (the `symlinks` directive). */
enum file_symlinks {
	SYMLINKS_FOLLOW, /* followed while they stay beneath the root */
	SYMLINKS_OWNER,  /* ... and only when link and target have one owner */
	SYMLINKS_OFF,    /* never followed: ELOOP */
};

/*
 * Open path (normalised by path_normalize, starting with '/') beneath the
 * directory rootfd, read-only and without blocking.  Symbolic links are
 * treated as policy says; nothing ever resolves outside the root.  Returns
 * the fd and fills *st, or -1 with errno: ENOENT, ENOTDIR, EACCES (also: an
 * owner mismatch under SYMLINKS_OWNER), EXDEV or ELOOP (tried to leave the
 * root, or a link where none may be), ENAMETOOLONG, ...
 *
 * Kernels before 5.6 lack openat2(); there the path is walked one
 * component at a time with O_NOFOLLOW, which refuses every link (ELOOP),
 * whatever the policy.
 */
int file_open(int rootfd, const char *path, enum file_symlinks policy,
	      struct stat *st);

/* file_open with SYMLINKS_FOLLOW. */
int file_open_beneath(int rootfd, const char *path, struct stat *st);

/* The entity tag of a file: "\"<mtime hex>-<size hex>\"", as nginx makes it. */
void file_etag(const struct stat *st, char *out, size_t outsz);

/*
 * The tag of a precompressed sibling: the coding's name is appended inside
 * the quotes ("\"<mtime>-<size>-gzip\""), so that no two codings of one
 * file can share a tag.  coding NULL: file_etag().
 */
void file_etag_coded(const struct stat *st, const char *coding, char *out,
		     size_t outsz);

#endif
