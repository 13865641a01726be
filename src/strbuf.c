/*
 * strbuf.c — appending formatted text to a fixed buffer; see strbuf.h.
 */
#include <stdarg.h>
#include <stdio.h>

#include "strbuf.h"

void strbuf_printf(struct strbuf *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len)
		o->full = true;
	else
		o->len += (size_t)n;
}
