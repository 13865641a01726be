/*
 * mime.h — file name extension to media type.
 */
#ifndef FORKD_MIME_H
#define FORKD_MIME_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Media type for a file name or path (only the last extension counts,
 * case-insensitively): from the loaded mime.types, else the built-in
 * table.  Types that mime_has_charset() names carry "; charset=" and
 * charset unless that is NULL or "".  Never NULL: unknown extensions give
 * "application/octet-stream".  The result stays valid until the next call.
 */
const char *mime_type_charset(const char *name, size_t len,
			      const char *charset);

/* mime_type_charset() with "utf-8". */
const char *mime_type(const char *name, size_t len);

/* text/ types, +json, +xml, and the JavaScript, JSON, XML, YAML, TOML types. */
bool mime_has_charset(const char *type);

/*
 * Replace the loaded types with those of a mime.types text ("type ext
 * ext ..." lines, '#' comments; the first line naming an extension wins).
 * NULL: none, the built-in table alone.  Returns 0, or -1 (ENOMEM) with
 * the old table kept.
 */
int mime_set_types(const char *text, size_t len);

/* mime_set_types() with the file at path; -1 with errno when unreadable. */
int mime_load(const char *path);

/* Drop the remembered last lookup (after the tables change). */
void mime_forget(void);

#endif
