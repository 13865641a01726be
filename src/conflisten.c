/*
 * conflisten.c — every server's listen addresses, with their lines: the
 * rules for sharing an address between servers and against overlapping
 * addresses on one port.
 *
 * A wildcard and a specific address on one port are refused.  Linux lets
 * both be bound only when every socket has SO_REUSEPORT, which
 * accept_mode = shared does not set, and where it allows them the kernel,
 * not the configuration, picks the socket a client reaches.  nginx binds
 * the wildcard alone and routes by the local address; forkd routes by
 * the listening socket, so the honest answer is an error that names both
 * lines (see forkd.conf(5), listen).
 */
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conflisten.h"
#include "confval.h"

#define WHERE_MAX 512

static bool is_wildcard(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in *v4 = (const void *)ss;
	const struct sockaddr_in6 *v6 = (const void *)ss;

	if (ss->ss_family == AF_INET)
		return v4->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&v6->sin6_addr);
}

static in_port_t port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)ss)->sin_port;
	return ((const struct sockaddr_in6 *)(const void *)ss)->sin6_port;
}

bool conflisten_overlap(const struct sockaddr_storage *a,
			const struct sockaddr_storage *b)
{
	return a->ss_family == b->ss_family && port_of(a) == port_of(b) &&
	       is_wildcard(a) != is_wildcard(b);
}

int conflisten_note(struct listen_index *ix, size_t idx, int line)
{
	int *p;

	if (idx != ix->nlines)
		return 0; /* seen already, or out of order: keep the first */
	if (ix->nlines == ix->linecap) {
		size_t cap = ix->linecap ? ix->linecap * 2 : 8;
		if ((p = realloc(ix->lines, cap * sizeof(*p))) == NULL)
			return -1;
		ix->lines = p;
		ix->linecap = cap;
	}
	ix->lines[ix->nlines++] = line;
	return 0;
}

int conflisten_line(const struct listen_index *ix, size_t idx)
{
	return idx < ix->nlines ? ix->lines[idx] : 0;
}

void conflisten_next(struct listen_index *ix)
{
	ix->nlines = 0;
}

static int entry_add(struct listen_index *ix, const struct listen_entry *e)
{
	struct listen_entry *p;

	if (ix->n == ix->cap) {
		size_t cap = ix->cap ? ix->cap * 2 : 16;
		if ((p = realloc(ix->v, cap * sizeof(*p))) == NULL)
			return -1;
		ix->v = p;
		ix->cap = cap;
	}
	ix->v[ix->n] = *e;
	if ((ix->v[ix->n].text = strdup(e->text)) == NULL)
		return -1;
	ix->n++;
	return 0;
}

/* A later server on an address an earlier one has: Host must tell them
 * apart, and only one may be the default. */
static int share(struct listen_entry *e, bool named, bool dflt, int line,
		 const char *text, conflisten_where where, char *msg,
		 size_t len)
{
	char first[WHERE_MAX];

	if (!named && !dflt) {
		where(e->line, first, sizeof(first));
		snprintf(msg, len,
			 "listen \"%s\": same address as \"%s\" of an "
			 "earlier server (%s); give this one a server_name",
			 text, e->text, first);
		return -1;
	}
	if (dflt && e->default_line != 0) {
		where(e->default_line, first, sizeof(first));
		snprintf(msg, len,
			 "listen \"%s\": the server listening at %s "
			 "is default_server for \"%s\" already",
			 text, first, e->text);
		return -1;
	}
	if (dflt)
		e->default_line = line;
	return 0;
}

int conflisten_add(struct listen_index *ix, unsigned server, bool named,
		   bool dflt, const char *text, size_t idx,
		   conflisten_where where, char *msg, size_t len)
{
	struct listen_entry e = { .line = conflisten_line(ix, idx),
				  .server = server,
				  .text = (char *)text };
	char first[WHERE_MAX];
	socklen_t sslen;

	if (confval_parse_listen(text, &e.addr, &sslen, msg, len) == -1)
		return -1; /* checked at its line already */
	for (size_t i = 0; i < ix->n; i++) {
		struct listen_entry *o = &ix->v[i];
		if (confval_listen_same(&o->addr, &e.addr))
			return o->server == server
				       ? 0
				       : share(o, named, dflt, e.line, text,
					       where, msg, len);
		if (!conflisten_overlap(&o->addr, &e.addr))
			continue;
		where(o->line, first, sizeof(first));
		snprintf(msg, len,
			 "listen \"%s\" overlaps \"%s\" at %s: a "
			 "wildcard and a specific address cannot share a port; "
			 "listen on the same address in both and tell the "
			 "servers apart by server_name",
			 text, o->text, first);
		return -1;
	}
	e.default_line = dflt ? e.line : 0;
	if (entry_add(ix, &e) == -1) {
		snprintf(msg, len, "out of memory");
		return -1;
	}
	return 0;
}

void conflisten_free(struct listen_index *ix)
{
	for (size_t i = 0; i < ix->n; i++)
		free(ix->v[i].text);
	free(ix->v);
	free(ix->lines);
	memset(ix, 0, sizeof(*ix));
}
