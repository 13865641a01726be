/*
 * confdump.h — write the parsed configuration back as a config file, for
 * forkd -T; used by config.c only, while the load is in progress.
 */
#ifndef FORKD_CONFDUMP_H
#define FORKD_CONFDUMP_H

#include <stdio.h>

struct cfg_t;

/* Every option of root (the parsed file) on out; 0, or -1 on a write
 * error.  path is named in the opening comment. */
int confdump_write(struct cfg_t *root, const char *path, FILE *out);

#endif
