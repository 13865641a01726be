/*
 * pidfile.h — the master's pid file and, beside it, its status file.
 *
 * The pid file holds the master's pid and a newline.  It is written whole
 * (a temporary file renamed over it), so a reader never sees half a number;
 * it is rewritten only when its configured path changes; and it is removed
 * only while it still names this process, so a master that handed over to
 * a new one (binary upgrade) leaves its successor's file alone.  The status
 * file (control.h) lives and dies with it.
 */
#ifndef FORKD_PIDFILE_H
#define FORKD_PIDFILE_H

#include <limits.h>

struct pidfile {
	char *path;                      /* the one we wrote, or NULL */
	char status_path[PATH_MAX + 16]; /* its status file; "" before */
};

/*
 * Refuse to start over a running master: -1 (logged) when path names a
 * live process whose command name is ours, else 0 (no file, a stale pid,
 * our own pid, or some other program that happens to reuse the number).
 */
int pidfile_check_running(const char *path);

/*
 * Make path the pid file: write it if it is not already ours, then remove
 * the previous one (and its status file).  -1 (logged) leaves pf unchanged.
 */
int pidfile_update(struct pidfile *pf, const char *path);

/* Remove the pid and status files if they still name this process. */
void pidfile_remove(const struct pidfile *pf);

/* pidfile_remove, then forget the path. */
void pidfile_release(struct pidfile *pf);

#endif
