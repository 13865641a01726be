/*
 * docroot.h — a document root as its path names it now: the directory is
 * opened once, and a cheap identity check of the path (one stat) tells
 * when a deploy pointed the path at another directory (a `current`
 * symbolic link flipped with rename, a directory renamed over another).
 *
 * The worker checks each root at most once a second, on its cached clock,
 * and gives its servers the new descriptor; responses already going out
 * hold their own file descriptors and finish from the old tree.
 */
#ifndef FORKD_DOCROOT_H
#define FORKD_DOCROOT_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#define DOCROOT_RETIRE_S 5 /* an old root's fd stays open this long */

struct docroot {
	const char *path; /* absolute, as configured (not owned) */
	int fd;           /* O_PATH of the directory path named when opened */
	dev_t dev;
	ino_t ino;
	int retired_fd; /* the one before, for code that may still hold it */
	time_t retired_at;
	bool failing; /* the last reopen failed: logged once */
};

/* Open path as the root r.  0, or -1 with errno. */
int docroot_open(struct docroot *r, const char *path);

/*
 * Does r->path still name the directory r->fd is?  When it names another
 * directory, open that one, retire the old fd and return 1; 0 when
 * nothing changed (or the path does not resolve to a directory now: the
 * old tree goes on serving, logged once, until it does); also closes a
 * retired fd older than DOCROOT_RETIRE_S seconds.
 */
int docroot_check(struct docroot *r, time_t now);

void docroot_close(struct docroot *r);

/*
 * The distinct roots of a worker's servers, checked round-robin: at most
 * DOCROOT_CHECKS of them per second, so a flip is seen within
 * ceil(n / DOCROOT_CHECKS) seconds (one second for up to that many roots).
 */
#define DOCROOT_CHECKS 1000

struct docroot_set {
	struct docroot *v;
	size_t n;
	size_t next;    /* where the next round of checks starts */
	time_t checked; /* the second of the last round */
};

/*
 * Open the n paths as a set, one docroot per distinct path; index[i] gets
 * the position in s->v of path i.  0, or -1 with errno and the failing
 * path in *bad (everything opened so far closed).
 */
int docroot_set_open(struct docroot_set *s, const char *const *paths, size_t n,
		     size_t *index, const char **bad);

/*
 * Once per second of now (later calls in the same second return at once):
 * check the next DOCROOT_CHECKS roots.  Returns how many changed.
 */
size_t docroot_set_check(struct docroot_set *s, time_t now);

void docroot_set_close(struct docroot_set *s);

#endif
