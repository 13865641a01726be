/*
 * confsect.h — the checks and stores of the option kinds in confsect.c,
 * for confschema.c's table: listen, try_files, redirects, the redirect
 * map, platform files, and the server and location sections.  Each has
 * the signature of struct kind's check or store (confschema.h).
 */
#ifndef FORKD_CONFSECT_H
#define FORKD_CONFSECT_H

#include <stddef.h>

#include <confuse.h>

#include "confschema.h"

int confsect_check_listen(const struct option *o, cfg_opt_t *opt, char *msg,
			  size_t len);
int confsect_store_listen(const struct option *o, cfg_t *sec, void *base);
int confsect_check_try_files(const struct option *o, cfg_opt_t *opt, char *msg,
			     size_t len);
int confsect_check_redirect(const struct option *o, cfg_opt_t *opt, char *msg,
			    size_t len);
int confsect_store_redirects(const struct option *o, cfg_t *sec, void *base);
int confsect_store_redirect_map(const struct option *o, cfg_t *sec, void *base);
int confsect_store_platform(const struct option *o, cfg_t *sec, void *base);
int confsect_check_server(const struct option *o, cfg_opt_t *opt, char *msg,
			  size_t len);
int confsect_store_servers(const struct option *o, cfg_t *root, void *base);
int confsect_check_location(const struct option *o, cfg_opt_t *opt, char *msg,
			    size_t len);
int confsect_store_locations(const struct option *o, cfg_t *sec, void *base);

#endif
