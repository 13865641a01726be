/*
 * conflisten.h — the listen addresses of all servers, checked as each
 * server section ends, with the line of every address: servers may share
 * an address when Host can tell them apart, and an address may not
 * overlap another on the same port (a wildcard and a specific address).
 *
 * Pure: no libconfuse, no sockets.  The loader feeds it lines and keeps
 * one index per load; lookups are by distinct address, so that a file of
 * many virtual hosts on a few addresses loads in linear time.
 */
#ifndef FORKD_CONFLISTEN_H
#define FORKD_CONFLISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* "FILE:LINE" of a line of the text being loaded. */
typedef void (*conflisten_where)(int line, char *out, size_t outsz);

struct listen_entry {
	struct sockaddr_storage addr;
	char *text;       /* the first spelling */
	int line;         /* where it was first given */
	unsigned server;  /* by the server_index of conflisten_add */
	int default_line; /* of the server that is its default; 0: none */
};

struct listen_index {
	struct listen_entry *v;
	size_t n, cap;
	int *lines; /* the current server's listen lines, by index */
	size_t nlines, linecap;
};

/* The line of the current server's listen value number idx (the first
 * report of each index counts; libconfuse checks a list's last value
 * again at its closing brace). */
int conflisten_note(struct listen_index *ix, size_t idx, int line);

/* The line noted for value idx, or 0. */
int conflisten_line(const struct listen_index *ix, size_t idx);

/*
 * Check the address of value idx of server number server (named: it has
 * a server_name; dflt: it is default_server) against those of earlier
 * servers and earlier values, then add it.  0, or -1 with the reason in
 * msg (naming the other line through where).
 */
int conflisten_add(struct listen_index *ix, unsigned server, bool named,
		   bool dflt, const char *text, size_t idx,
		   conflisten_where where, char *msg, size_t len);

/* The current server is complete: forget its lines. */
void conflisten_next(struct listen_index *ix);

void conflisten_free(struct listen_index *ix);

/* Is one of a and b a wildcard address and the other a specific one of
 * the same family, on the same port? */
bool conflisten_overlap(const struct sockaddr_storage *a,
			const struct sockaddr_storage *b);

#endif
