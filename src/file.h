/*
 * file.h — opening files beneath a document root, and their validators.
 */
#ifndef FORKD_FILE_H
#define FORKD_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

#include "autoindex.h"
#include "path.h"

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

/*
 * Opens done ahead, in the I/O pool.  While a plan is in use (on the
 * loop, around the building of one response), file_open, file_stat and
 * file_listing answer from its entries, and a call that may block is not
 * made: it is added to the plan as an entry to run, and fails with EAGAIN.
 * The caller then throws the response away, has a pool thread run the
 * plan (file_plan_run), and builds the response again, until a pass adds
 * nothing.  Each pass only meets the calls the earlier ones led to (the
 * file, then its index, then its precompressed sibling), so the response
 * code stays written as if opens never blocked.  A full plan stops
 * planning: the calls are then made where they are, on the loop.
 */
#define FILE_PLAN_MAX 8

enum file_plan_kind {
	FILE_PLAN_OPEN,
	FILE_PLAN_STAT,
	FILE_PLAN_LISTING,
};

enum file_plan_mode {
	/* A local file system: an open whose lookup is all in the dentry
	 * cache (openat2 RESOLVE_CACHED) is made at once; one that needs
	 * the disk is planned.  Stats stay on the loop; listings are planned. */
	FILE_PLAN_CACHED,
	/* A network or FUSE file system, whose server may answer any call
	 * late: every open, stat and listing is planned. */
	FILE_PLAN_ALL,
};

struct file_plan_entry {
	unsigned char kind;      /* enum file_plan_kind */
	unsigned char policy;    /* OPEN: enum file_symlinks; LISTING: dotfiles
				 * | format << 1 */
	bool done;               /* a pool thread ran it */
	bool dotfiles;           /* LISTING */
	int rootfd;              /* OPEN, STAT */
	int fd;                  /* OPEN: the file; LISTING: its directory,
				 * then the listing; -1: none */
	int err;                 /* done: 0, or the call's errno */
	size_t len;              /* LISTING: bytes */
	time_t newest;           /* LISTING: latest mtime it shows */
	struct stat st;          /* OPEN, STAT */
	char path[PATH_MAX_LEN]; /* OPEN, LISTING: as given; STAT: relative */
};

struct file_plan {
	enum file_plan_mode mode;
	unsigned n;       /* entries */
	unsigned pending; /* entries not yet done */
	struct file_plan_entry e[FILE_PLAN_MAX];
};

/* FILE_PLAN_ALL for a root on a network or FUSE file system (statfs
 * f_type), FILE_PLAN_CACHED for the others. */
enum file_plan_mode file_plan_mode_of(int rootfd);

/* Make the calls below answer from plan (NULL: act at once, as usual).
 * The loop thread only. */
void file_plan_use(struct file_plan *plan);

/* Has the plan in use calls to make?  Then the response being built will
 * be thrown away: what it would log is not logged (the last pass does). */
bool file_plan_deferred(void);

/* Run the entries not yet done (a pool thread; touches nothing else). */
void file_plan_run(struct file_plan *plan);

/* Close what the entries hold, and empty the plan. */
void file_plan_clear(struct file_plan *plan);

/*
 * Closing can wait as well: on FUSE, every close(2) sends FLUSH to the
 * daemon and waits for its answer.  file_close() closes a file that a plan
 * of a slow root (FILE_PLAN_ALL) handed out by queueing it for the I/O
 * pool (file_closes_take), and any other at once.  The loop thread only.
 */
void file_close(int fd);

/* Was fd handed out by a plan of a slow root (or is it past what is
 * tracked)?  Then only file_close may close it. */
bool file_fd_slow(int fd);

/* The same unchanged file: device, inode, size, mode, owner, mtime and
 * ctime to the nanosecond. */
bool file_same(const struct stat *a, const struct stat *b);

/* Up to max queued fds into fds, for a pool thread to close; how many. */
unsigned file_closes_take(int *fds, unsigned max);

/* How many fds wait to be closed. */
unsigned file_closes_pending(void);

/* fstatat(rootfd, rel, st, 0), through the plan in use. */
int file_stat(int rootfd, const char *rel, struct stat *st);

/* autoindex_build(dirfd, path, dotfiles, format, len, newest), through
 * the plan in use: takes dirfd, returns the listing's memfd or -1. */
int file_listing(int dirfd, const char *path, bool dotfiles,
		 enum autoindex_format format, size_t *len, time_t *newest);

#endif
