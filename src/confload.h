/*
 * confload.h — the configuration load in progress.
 *
 * libconfuse's callbacks carry no user pointer, so the file being loaded,
 * its directory, its parse tree and the first error found live here for
 * the duration of one config_load().  config.c begins and ends a load;
 * the option kinds of confschema.c report through it.  Below both, so
 * neither calls back up into the other.
 */
#ifndef FORKD_CONFLOAD_H
#define FORKD_CONFLOAD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct cfg_t;

struct confload {
	const char *path;  /* as given, for messages */
	char *dir;         /* absolute directory of the file */
	struct cfg_t *root;
	char *err;
	size_t errlen;
	bool failed;
};

/* ld is the load in progress until confload_end(). */
void confload_begin(struct confload *ld);
void confload_end(void);

/* Record "FILE:LINE: message" (line 0: "FILE: message") unless an error
 * was recorded already: the first one is the cause. */
void confload_verror(int line, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void confload_error(int line, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Report a failure while storing (out of memory; msg NULL: errno); -1. */
int config_store_failed(const char *msg);

/* The absolute directory of the file being loaded. */
const char *config_dir(void);

/* The root section of the file being loaded (during the parse). */
struct cfg_t *config_root(void);

#endif
