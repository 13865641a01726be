/*
 * conftext.h — a config file's text, ready for libconfuse.
 *
 * Before libconfuse sees the text, comments are blanked (every newline
 * kept) and what would be left open at the end is found: libconfuse 3.3
 * adds two to its line count for each comment, rejects a comment inside a
 * list, and takes a server section that is never closed as complete.
 */
#ifndef FORKD_CONFTEXT_H
#define FORKD_CONFTEXT_H

#include <stddef.h>

/*
 * Read the file at path (at most 64 MB, not a directory) and blank its
 * comments.  Returns the text (the caller frees it) with *brace_line the
 * line of an outermost '{' never closed, or 0.  NULL on failure, with the
 * reason in msg and *line its line (0 when no line applies).
 */
char *conftext_read(const char *path, int *brace_line, int *line, char *msg,
		    size_t len);

/*
 * Blank the comments of text in place.  0 with *brace_line as above; -1
 * when a string or comment is still open at the end, with *line where it
 * started and the reason in msg.  Pure.
 */
int conftext_scan(char *text, int *brace_line, int *line, char *msg,
		  size_t len);

/* The absolute directory holding path, for relative paths in the file;
 * NULL with errno. */
char *conftext_dir(const char *path);

#endif
