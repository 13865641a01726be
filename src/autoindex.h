/*
 * autoindex.h — HTML listings of directories that have no index file.
 */
#ifndef FORKD_AUTOINDEX_H
#define FORKD_AUTOINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define AUTOINDEX_ENTRIES_MAX 10000    /* listed, then a note */
#define AUTOINDEX_BODY_MAX (4u << 20)  /* bytes of HTML, then a note */

/*
 * s with & < > " ' as character references, NUL-terminated in out.
 * Returns the length, or 0 with out empty when it does not fit.  Pure.
 */
size_t autoindex_escape_html(const char *s, char *out, size_t outsz);

/*
 * s percent-encoded for a relative href: every byte but ALPHA, DIGIT and
 * "-._~" as %XX (so a name with ':' is never read as a scheme).  Returns
 * the length, or 0 with out empty when it does not fit.  Pure.
 */
size_t autoindex_encode_href(const char *s, char *out, size_t outsz);

/*
 * The listing of the directory open as dirfd (taken and closed), whose
 * decoded URI path is path, in a memfd: names sorted bytewise with
 * directories first (marked by a trailing '/'), sizes and UTC dates,
 * dotfiles only when dotfiles is true, "../" except at "/".  Entries are
 * never followed: links are shown, not resolved.  Returns the memfd with
 * *len set, and *newest to the latest modification time of the directory
 * and of the entries listed (what the listing shows changes with them:
 * its Last-Modified and validator); or -1.
 */
int autoindex_build(int dirfd, const char *path, bool dotfiles, size_t *len,
		    time_t *newest);

#endif
