/*
 * request_impl.h — what the two files of the request module share, and
 * nothing outside it may include.
 *
 *   request.c  llhttp glue: the parser's life, its callbacks, the fields
 *              forkd keeps, Host and framing checks (the only file that
 *              includes llhttp.h)
 *   reqscan.c  the head's bytes before llhttp: the request line, and the
 *              header lines' syntax that llhttp is lenient about
 */
#ifndef FORKD_REQUEST_IMPL_H
#define FORKD_REQUEST_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "request.h"

/*
 * Advance the scan over data[0..len), which follows what was scanned
 * before; returns how many bytes are clean: len, or the offset of the
 * first bad byte.  Sets the request line's fields, rp->line_done and,
 * for a refused line, rp->status.  (reqscan.c)
 */
size_t request_scan_head(struct request_parser *rp, const char *data,
			 size_t len);

/* Whether s[0..len) is a method registered with llhttp.  (request.c) */
bool request_method_registered(const char *s, size_t len);

#endif
