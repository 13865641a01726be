/*
 * proctitle.h — what ps, top and systemd-cgls show for this process
 * ("forkd: master process /etc/forkd/forkd.conf"), as nginx does.
 *
 * Linux has no setproctitle(3): the title is written over the memory that
 * holds the command line, extended over the environment strings that
 * follow it, whose contents proctitle_init() first copies elsewhere.
 */
#ifndef FORKD_PROCTITLE_H
#define FORKD_PROCTITLE_H

#include <stdbool.h>

/*
 * Make room for titles: copy the environment and the argument strings to
 * the heap (argv[] and environ then point at the copies, so exec(argv)
 * and getenv keep working).  Call once, before any getenv result is kept.
 * -1 without memory: titles are then left alone.
 */
int proctitle_init(char **argv);

/* Set the title (truncated to the room there is).  No-op before init. */
void proctitle_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "forkd: worker process (generation 7, slot 0[, draining])" */
void proctitle_worker(unsigned gen, unsigned slot, bool draining);

#endif
