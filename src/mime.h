/*
 * mime.h — file name extension to media type.
 */
#ifndef FORKD_MIME_H
#define FORKD_MIME_H

#include <stddef.h>

/*
 * Media type for a file name or path (only the last extension counts,
 * case-insensitively).  Text types carry "; charset=utf-8".  Never NULL:
 * unknown extensions give "application/octet-stream".
 */
const char *mime_type(const char *name, size_t len);

#endif
