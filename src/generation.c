/*
 * generation.c — building a generation from a config, and taking it
 * apart (see generation.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>

#include "generation.h"
#include "log.h"

/* "listening on ..." once per address (not per reuseport slot), and not
 * again for a socket kept from the previous generation. */
void generation_announce(const struct generation *g)
{
	const struct listener_set *ls = &g->ls;

	for (size_t i = 0; i < ls->n; i++) {
		const struct listener *l = &ls->v[i];
		char host[INET6_ADDRSTRLEN];
		const struct sockaddr_in *v4 = (const void *)&l->addr;
		const struct sockaddr_in6 *v6 = (const void *)&l->addr;

		if (l->slot != 0 || l->reused)
			continue;
		if (l->addr.ss_family == AF_INET6) {
			inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof(host));
			log_notice("listening on http://[%s]:%u/", host,
				   ntohs(v6->sin6_port));
		} else {
			inet_ntop(AF_INET, &v4->sin_addr, host, sizeof(host));
			log_notice("listening on http://%s:%u/", host,
				   ntohs(v4->sin_port));
		}
	}
}

int generation_prepare(struct generation *g, struct config *cf, unsigned gen,
		       const struct listener_set *old, char *err, size_t errlen)
{
	*g = (struct generation){ .gen = gen };
	if (runas_resolve(cf, &g->as, err, errlen) == -1)
		return -1;
	g->slots = calloc(cf->worker_processes, sizeof(*g->slots));
	if (g->slots == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (listen_open(&g->ls, cf, old, err, errlen) == -1) {
		free(g->slots);
		*g = (struct generation){ 0 };
		return -1;
	}
	runas_prepare_logs(cf, &g->as);
	g->cf = cf;
	return 0;
}

void generation_abandon(struct generation *g)
{
	listen_abandon(&g->ls);
	generation_free(g);
}

void generation_free(struct generation *g)
{
	config_free(g->cf);
	free(g->slots);
	*g = (struct generation){ 0 };
}
