/*
 * path.h — request-target path normalisation.  Pure functions, no I/O.
 */
#ifndef FORKD_PATH_H
#define FORKD_PATH_H

#include <stdbool.h>
#include <stddef.h>

#define PATH_MAX_LEN 4096

enum path_error {
	PATH_OK = 0,
	PATH_EBADPCT = -1, /* malformed percent escape ("%4", "%zz") */
	PATH_ENUL = -2,    /* NUL byte, raw or encoded */
	PATH_EESCAPE = -3, /* ".." would climb above the root */
	PATH_ELONG = -4,   /* result does not fit out */
	PATH_ENOTABS = -5, /* does not start with '/' */
};

/*
 * Normalise the path part of a request target (no query string) into out:
 * percent-decode exactly once, collapse repeated slashes, remove "." and
 * ".." segments (RFC 3986 §5.2.4).  The result starts with '/', keeps a
 * trailing slash when the input had one (or ended in "/." or "/.."), and is
 * NUL-terminated.  Returns its length, or a negative enum path_error.
 * A decoded '/' ("%2F") is a separator like any other.
 */
int path_normalize(const char *in, size_t inlen, char *out, size_t outsz);

/*
 * path_normalize, and *hidden set to path_is_hidden of the result (false
 * on error): a target that needed no work is known not hidden from the
 * same pass.
 */
int path_normalize_hidden(const char *in, size_t inlen, char *out, size_t outsz,
			  bool *hidden);

/*
 * Does the normalised path name a hidden file or directory: a segment that
 * starts with '.'?  "/.well-known/" (RFC 8615) as the first segment does
 * not count: ACME challenges and security.txt live there.
 */
bool path_is_hidden(const char *path);

#endif
