/*
 * confload.c — the configuration load in progress: where its errors go,
 * and what the option kinds may ask about it.  See confload.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "confload.h"

#define CONFLOAD_WHERE_MAX 512

static struct confload *loading;

void confload_begin(struct confload *ld)
{
	loading = ld;
}

void confload_end(void)
{
	loading = NULL;
}

void confload_verror(int line, const char *fmt, va_list ap)
{
	struct confload *ld = loading;
	char where[CONFLOAD_WHERE_MAX];
	int n;

	if (ld == NULL || ld->err == NULL || ld->errlen == 0)
		return;
	if (ld->failed &&
	    (line <= 0 || ld->err_line <= 0 || line >= ld->err_line))
		return;
	ld->failed = true;
	ld->err_line = line;
	if (line > 0 && ld->text.nspans > 0) {
		confexpand_where(&ld->text, line, where, sizeof(where));
		n = snprintf(ld->err, ld->errlen, "%s: ", where);
	} else if (line > 0) {
		n = snprintf(ld->err, ld->errlen, "%s:%d: ", ld->path, line);
	} else {
		n = snprintf(ld->err, ld->errlen, "%s: ", ld->path);
	}
	if (n >= 0 && (size_t)n < ld->errlen)
		vsnprintf(ld->err + n, ld->errlen - n, fmt, ap);
	/* One line, whatever a quoted value held. */
	for (char *p = ld->err; *p != '\0'; p++)
		if (iscntrl((unsigned char)*p))
			*p = '?';
}

void confload_error(int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	confload_verror(line, fmt, ap);
	va_end(ap);
}

int config_store_failed(const char *msg)
{
	confload_error(0, "%s", msg != NULL ? msg : strerror(errno));
	return -1;
}

const char *config_dir(void)
{
	return loading->dir;
}

struct cfg_t *config_root(void)
{
	return loading->root;
}

int config_line(void)
{
	return loading->line;
}

void config_where(int line, char *out, size_t outsz)
{
	confexpand_where(&loading->text, line, out, outsz);
}

void config_error_line(int line)
{
	loading->check_line = line;
}

struct listen_index *config_listen_index(void)
{
	return &loading->listens;
}

void confload_checking(int line)
{
	loading->line = line;
	loading->check_line = 0;
}

int confload_check_line(void)
{
	return loading->check_line;
}
