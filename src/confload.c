/*
 * confload.c — the configuration load in progress: where its errors go,
 * and what the option kinds may ask about it.  See confload.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

/* "FILE:LINE: message" into out, on one line. */
static void format_error(const struct confload *ld, char *out, size_t len,
			 int line, const char *fmt, va_list ap)
{
	char where[CONFLOAD_WHERE_MAX];
	int n;

	if (line > 0 && ld->text.nspans > 0) {
		confexpand_where(&ld->text, line, where, sizeof(where));
		n = snprintf(out, len, "%s: ", where);
	} else if (line > 0) {
		n = snprintf(out, len, "%s:%d: ", ld->path, line);
	} else {
		n = snprintf(out, len, "%s: ", ld->path);
	}
	if (n >= 0 && (size_t)n < len)
		vsnprintf(out + n, len - n, fmt, ap);
	/* One line, whatever a quoted value held. */
	for (char *p = out; *p != '\0'; p++)
		if (iscntrl((unsigned char)*p))
			*p = '?';
}

void confload_verror(int line, const char *fmt, va_list ap)
{
	struct confload *ld = loading;

	if (ld == NULL || ld->err == NULL || ld->errlen == 0)
		return;
	if (ld->storing) {
		if (!ld->store_failed)
			format_error(ld, ld->store_err, sizeof(ld->store_err),
				     line, fmt, ap);
		ld->store_failed = true;
		return;
	}
	if (ld->failed &&
	    (line <= 0 || ld->err_line <= 0 || line >= ld->err_line))
		return;
	ld->failed = true;
	ld->err_line = line;
	format_error(ld, ld->err, ld->errlen, line, fmt, ap);
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

struct server_conf *confload_server_begin(void)
{
	struct confload *ld = loading;
	struct server_conf *v;
	size_t cap;

	ld->nsections++;
	if (ld->failed || ld->store_failed)
		return NULL; /* the load fails whatever this one holds */
	if (ld->nservers == ld->cap) {
		cap = ld->cap ? ld->cap * 2 : 16;
		if ((v = realloc(ld->servers, cap * sizeof(*v))) == NULL) {
			config_store_failed(NULL);
			return NULL;
		}
		ld->servers = v;
		ld->cap = cap;
	}
	v = &ld->servers[ld->nservers++];
	memset(v, 0, sizeof(*v));
	ld->storing = true;
	return v;
}

void confload_stored(void)
{
	loading->storing = false;
}

unsigned confload_server_sections(void)
{
	return loading->nsections;
}

bool confload_keep_tree(void)
{
	return loading->keep_tree;
}

int confload_take_servers(struct server_conf **v, size_t *n)
{
	struct confload *ld = loading;

	if (ld->store_failed) {
		if (!ld->failed && ld->err != NULL && ld->errlen > 0)
			snprintf(ld->err, ld->errlen, "%s", ld->store_err);
		ld->failed = true;
		ld->err_line = 0;
		return -1;
	}
	*v = ld->servers;
	*n = ld->nservers;
	ld->servers = NULL;
	ld->nservers = ld->cap = 0;
	return 0;
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
