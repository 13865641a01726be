/*
 * mime.h — file name extension to media type.
 */
#ifndef FORKD_MIME_H
#define FORKD_MIME_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Media type for a file name or path (only the last extension counts,
 * case-insensitively): from the table mime_use() named, else the built-in
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

/* A parsed mime.types file ("type ext ext ..." lines, '#' comments; the
 * first line naming an extension wins). */
struct mime_types;

/* Parse a mime.types text.  NULL (ENOMEM) on failure.  Installs nothing. */
struct mime_types *mime_types_parse(const char *text, size_t len);

/* mime_types_parse() of the file at path; NULL with errno when unreadable
 * or larger than 4 MB. */
struct mime_types *mime_types_load(const char *path);

/* Free t; if it is in use, lookups fall back to the built-in table. */
void mime_types_free(struct mime_types *t);

/*
 * Answer lookups from t, then the built-in table (NULL: the built-in table
 * alone).  t stays owned by the caller.  A worker calls this with its own
 * generation's table after fork(): the master installs nothing, so a reload
 * that fails after parsing leaves every process's types as they were.
 */
void mime_use(const struct mime_types *t);

/* Drop the remembered last lookup (after the tables change). */
void mime_forget(void);

#endif
