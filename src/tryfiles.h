/*
 * tryfiles.h — `try_files` candidates: what each one is, checked at load,
 * and the path it names for a request.  Pure functions, no I/O.
 *
 * A candidate is a path template with "$uri" standing for the normalised
 * request path ("$uri", "$uri.html", "$uri/", "/index.html"): one ending in
 * '/' names a directory (served by its index file), any other a regular
 * file.  The last candidate may also be "=CODE" (an error status), or a
 * fixed path without "$uri": the fallback page, answered to navigations
 * only.
 */
#ifndef FORKD_TRYFILES_H
#define FORKD_TRYFILES_H

#include <stdbool.h>
#include <stddef.h>

enum try_kind {
	TRY_FILE,     /* a regular file */
	TRY_DIR,      /* a directory: its index, after the slash redirect */
	TRY_STATUS,   /* "=404": answer that status */
	TRY_FALLBACK, /* the last, a fixed path: the page for navigations */
};

/*
 * Check candidate i of values[0..n) as the config gives them: "=CODE"
 * (400-599) only last; a template starting with '/' or "$uri", of visible
 * characters but '?', '#' and '%', with no "." or ".." segment and no
 * "//".  -1 with a message.
 */
int tryfiles_check(const char *const *values, size_t n, size_t i, char *msg,
		   size_t len);

/* What candidate i of n is (*status set for TRY_STATUS). */
enum try_kind tryfiles_kind(const char *cand, bool last, int *status);

/*
 * The path a (checked) candidate names for the normalised uri: each
 * "$uri" replaced, a "//" where uri's slash meets the template's made one.
 * Returns the length (out NUL-terminated), or -1 when it does not fit.
 */
int tryfiles_expand(const char *cand, const char *uri, char *out, size_t outsz);

#endif
