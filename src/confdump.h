/*
 * confdump.h — write the parsed configuration back as a config file, for
 * forkd -T; used by config.c only.  It is handed the table and the
 * directory, so that it calls nothing of the loader's.
 */
#ifndef FORKD_CONFDUMP_H
#define FORKD_CONFDUMP_H

#include <stdio.h>

struct cfg_t;
struct option;

/*
 * Every row of rows (the option table) from root (the parsed file) on
 * out; relative file names are made absolute against dir.  0, or -1 on a
 * write error.  path is named in the opening comment.
 */
int confdump_write(struct cfg_t *root, const char *path, const char *dir,
		   const struct option *rows, size_t nrows, FILE *out);

#endif
