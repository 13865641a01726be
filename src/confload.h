/*
 * confload.h — the configuration load in progress.
 *
 * libconfuse's callbacks carry no user pointer, so the file being loaded,
 * its directory, its parse tree and the first error found live here for
 * the duration of one config_load().  config.c begins and ends a load;
 * the option kinds of confschema.c report through it.  Below both, so
 * neither calls back up into the other.
 */
#ifndef FORKD_CONFLOAD_H
#define FORKD_CONFLOAD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "confexpand.h"
#include "conflisten.h"

struct cfg_t;

struct confload {
	const char *path;            /* as given, for messages */
	char *dir;                   /* absolute directory of the file */
	struct confexpand text;      /* includes expanded; lines traced back */
	struct listen_index listens; /* every server's, as parsed */
	struct cfg_t *root;
	int line;       /* of the value being checked */
	int check_line; /* a check's error is at this line; 0: libconfuse's */
	char *err;
	size_t errlen;
	int err_line; /* the error's line in the text; 0: none */
	bool failed;
	/*
	 * Each server section is stored as it closes and its libconfuse tree
	 * freed (confsect.c), so that a file of 50,000 servers is never
	 * held whole as a tree.  A store's error is held back until the parse
	 * is done: an error of the parse, even a later one, comes first.
	 */
	struct server_conf *servers;
	size_t nservers, cap;
	unsigned nsections; /* server sections closed, stored or not */
	bool keep_tree;     /* the dump (-T) reads the whole tree */
	bool storing;       /* errors now are a store's */
	bool store_failed;  /* and store_err holds the first */
	char store_err[CONFIG_ERR_MAX];
};

/* ld is the load in progress until confload_end(). */
void confload_begin(struct confload *ld);
void confload_end(void);

/*
 * Record "FILE:LINE: message" (line 0: "FILE: message"; LINE a line of
 * the expanded text, FILE:LINE the file and line it came from) unless an
 * error was recorded already: the first one is the cause.  Except that a
 * repeated directive is recorded before libconfuse runs, and an error of
 * libconfuse's on an earlier line replaces it.
 */
void confload_verror(int line, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void confload_error(int line, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Report a failure while storing (out of memory; msg NULL: errno); -1. */
int config_store_failed(const char *msg);

/*
 * A new zeroed server at the end of the load's servers, for the section
 * that has just closed; NULL when none should be stored (the load failed
 * already) or when out of memory (reported).  Its store's errors are held
 * back until confload_stored().
 */
struct server_conf *confload_server_begin(void);
void confload_stored(void);

/* The server sections closed so far; the next one's number. */
unsigned confload_server_sections(void);

/* Does the dump need the whole tree (no section may be freed)? */
bool confload_keep_tree(void);

/*
 * The servers stored, moved to *v and *n; -1 (and the held-back error
 * reported) when a store failed.
 */
int confload_take_servers(struct server_conf **v, size_t *n);

/* The absolute directory of the file being loaded. */
const char *config_dir(void);

/* The root section of the file being loaded (during the parse). */
struct cfg_t *config_root(void);

/* A check of the value at line begins (config.c, libconfuse's callback). */
void confload_checking(int line);

/* The line config_error_line() gave the failing check, or 0. */
int confload_check_line(void);

/* The line of the value being checked (during the parse). */
int config_line(void);

/* "FILE:LINE" of a line of the text being parsed (includes expanded). */
void config_where(int line, char *out, size_t outsz);

/* The error a check is about to return belongs to this line, not to
 * the one libconfuse is on (a listen value, at its server's end). */
void config_error_line(int line);

/* The listen addresses of the servers parsed so far. */
struct listen_index *config_listen_index(void);

#endif
