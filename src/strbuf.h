/*
 * strbuf.h — text appended to a caller's fixed buffer with printf formats,
 * remembering when it no longer fitted: the status documents and the status
 * page are built this way, and a full buffer is an answer of its own.
 */
#ifndef FORKD_STRBUF_H
#define FORKD_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *buf;
	size_t size;
	size_t len; /* bytes of buf in use, NUL not counted */
	bool full;  /* something did not fit: the text is cut */
};

/* Append; once something does not fit, nothing more is appended. */
void strbuf_printf(struct strbuf *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
