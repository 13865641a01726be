/*
 * autoindex.h — listings of directories that have no index file: an HTML
 * page for people, a JSON array for scripts (?format=json).
 */
#ifndef FORKD_AUTOINDEX_H
#define FORKD_AUTOINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define AUTOINDEX_ENTRIES_MAX 10000   /* listed, then a note */
#define AUTOINDEX_BODY_MAX (4u << 20) /* bytes of HTML, then a note */

enum autoindex_format {
	AUTOINDEX_HTML,
	AUTOINDEX_JSON,
};

/* AUTOINDEX_JSON when a parameter of the query ("?a=b&c") is exactly
 * format=json, else AUTOINDEX_HTML.  Pure. */
enum autoindex_format autoindex_format_of(const char *query, size_t len);

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
 * s as the inside of a JSON string: '"', '\\' and control characters
 * escaped, valid UTF-8 kept, each byte that is not UTF-8 as U+FFFD (the
 * entry's "url" keeps the exact bytes).  NUL-terminated in out; returns
 * the length, or 0 with out empty when it does not fit.  Pure.
 */
size_t autoindex_escape_json(const char *s, char *out, size_t outsz);

/*
 * The listing of the directory open as dirfd (taken and closed), whose
 * decoded URI path is path, in a memfd, as format says.  Names sorted
 * bytewise with directories first, dotfiles only when dotfiles is true;
 * entries are never followed: links are shown, not resolved.
 *
 * HTML: a table of name (directories with a trailing '/', "../" except at
 * "/"), size for people with the byte count in a title, and UTC date.
 * JSON: an array of {"name", "type" (file, directory, symlink, other),
 * "size" (bytes, as lstat gives it), "mtime" (RFC 3339, UTC), "url" (the
 * name percent-encoded, relative, with '/' after a directory)}.
 *
 * Returns the memfd with *len set, and *newest to the latest modification
 * time of the directory and of the entries listed (what the listing shows
 * changes with them: its Last-Modified and validator); or -1.
 */
int autoindex_build(int dirfd, const char *path, bool dotfiles,
		    enum autoindex_format format, size_t *len, time_t *newest);

#endif
