/*
 * etag.h — content entity tags (`etag = content`): a hash of a file's
 * bytes, so that every node holding the same bytes sends the same tag,
 * whatever its mtimes and inode numbers.
 *
 * A tag is computed once per file version (device, inode, size and mtime
 * to the nanosecond) and kept in a per-worker table, and in the file's
 * user.forkd.etag extended attribute where the file system and the
 * worker's rights allow it, so that other workers and later runs read it
 * instead of hashing again.  See etag.c for how large files are hashed.
 */
#ifndef FORKD_ETAG_H
#define FORKD_ETAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* The `etag` option. */
enum etag_mode {
	ETAG_MTIME_SIZE, /* "<mtime>-<size>", as nginx (the default) */
	ETAG_CONTENT,    /* a hash of the bytes */
};

#define ETAG_CONTENT_MAX 48       /* a tag, quotes and NUL included */
#define ETAG_INLINE_MAX (1 << 20) /* hashed whole on first request */
#define ETAG_STEP (1 << 20)       /* bytes of a larger file per request */
#define ETAG_PIECE (8 << 20)      /* bytes a pool thread hashes per turn */
#define ETAG_JOBS 2               /* files hashed in the pool at once */
#define ETAG_SLOTS 1024           /* versions kept per worker */
#define ETAG_XATTR "user.forkd.etag"
#define ETAG_XATTR_MAX 96

/* A 128-bit content hash. */
struct etag_hash {
	uint64_t hi, lo;
};

/*
 * The content tag of the regular file open as fd (st its fstat), or of
 * the st_size bytes at data when data is not NULL (a file held in memory;
 * fd is then ignored).  coding names a precompressed sibling's coding and
 * is appended as file_etag_coded() does.  Returns 0 with the tag in out,
 * or -1 while it is not known yet (a large file still being hashed, or a
 * read error): answer without an ETag then.
 */
int etag_content(int fd, const char *data, const struct stat *st,
		 const char *coding, char *out, size_t outsz);

/*
 * Hashing a large file off the loop.  etag.c cannot see the worker's I/O
 * pool (a layer above it), so the worker hands it a function that gives
 * a job to a pool thread: 0, or -1 when it could not (the caller keeps
 * the job).  The thread calls etag_job_step until it returns 1 (hashed, or
 * failed), letting other work through between pieces; the loop then calls
 * etag_job_finish, which records the tag and frees the job.  Without
 * such a function (aio = off) large files are hashed in steps on the loop.
 */
struct etag_job;
typedef int etag_offload_fn(struct etag_job *job);
void etag_content_offload(etag_offload_fn *fn);
int etag_job_step(struct etag_job *job, char *buf, size_t bufsz);
void etag_job_finish(struct etag_job *job);

/* Forget every version (and free what is being hashed). */
void etag_content_clear(void);

/* "\"<32 hex>\"" or "\"<32 hex>-coding\"" into out.  Pure. */
void etag_format(const struct etag_hash *h, const char *coding, char *out,
		 size_t outsz);

/*
 * The attribute's value for version st: "forkd1 SIZE MTIME_S MTIME_NS HEX".
 * Returns its length.  Pure.
 */
size_t etag_xattr_format(const struct stat *st, const struct etag_hash *h,
			 char *out, size_t outsz);

/*
 * Parse an attribute value (len bytes, not NUL-terminated) and accept it
 * only when it was made for version st.  0 with *h set, else -1.  Pure.
 */
int etag_xattr_parse(const char *s, size_t len, const struct stat *st,
		     struct etag_hash *h);

#endif
