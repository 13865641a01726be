/*
 * confloc.c — copying and freeing per-location settings.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "confloc.h"

/* *to = a copy of s (NULL stays NULL); -1 when out of memory. */
static int dup_into(char **to, const char *s)
{
	*to = s != NULL ? strdup(s) : NULL;
	return s != NULL && *to == NULL ? -1 : 0;
}

/* Every status's built-in page: never written, shared by all. */
static char *builtin_pages[ERROR_PAGE_COUNT];

static bool pages_shared(char **pages)
{
	return pages == NULL || pages == builtin_pages;
}

/* to's error pages: from's table when shared, else a copy of it. */
static int copy_pages(struct location_conf *to, char **from)
{
	to->error_page = builtin_pages;
	if (pages_shared(from))
		return 0;
	if ((to->error_page = calloc(ERROR_PAGE_COUNT, sizeof(char *))) == NULL)
		return -1;
	for (size_t i = 0; i < ERROR_PAGE_COUNT; i++)
		if (dup_into(&to->error_page[i], from[i]) == -1)
			return -1;
	return 0;
}

void confloc_error_pages_shared(struct location_conf *loc)
{
	if (loc->error_page == NULL)
		loc->error_page = builtin_pages;
}

char **confloc_error_pages_own(struct location_conf *loc)
{
	char **shared = loc->error_page;

	if (!pages_shared(shared))
		return shared;
	if ((loc->error_page = calloc(ERROR_PAGE_COUNT, sizeof(char *))) ==
	    NULL) {
		loc->error_page = shared;
		return NULL;
	}
	return loc->error_page; /* shared ones are all NULL */
}

static int copy_strings(struct location_conf *to,
			const struct location_conf *from)
{
	if (from->ntry_files > 0 &&
	    (to->try_files = calloc(from->ntry_files, sizeof(char *))) == NULL)
		return -1;
	for (; to->ntry_files < from->ntry_files; to->ntry_files++)
		if (dup_into(&to->try_files[to->ntry_files],
			     from->try_files[to->ntry_files]) == -1)
			return -1;
	return copy_pages(to, from->error_page);
}

static int copy_redirects(struct location_conf *to,
			  const struct location_conf *from)
{
	size_t n = from->nredirects;

	if (n > 0 &&
	    (to->redirects = calloc(n, sizeof(*to->redirects))) == NULL)
		return -1;
	for (; to->nredirects < n; to->nredirects++) {
		struct redirect_rule *d = &to->redirects[to->nredirects];
		const struct redirect_rule *s =
			&from->redirects[to->nredirects];
		*d = *s;
		d->to = NULL;
		if (dup_into(&d->from, s->from) == -1 ||
		    dup_into(&d->to, s->to) == -1)
			return -1;
	}
	return 0;
}

int confloc_inherit(struct location_conf *to, const struct location_conf *from)
{
	to->expires = from->expires;
	to->headers_len = from->headers_len;
	to->log_off = from->log_off;
	to->dotfiles = from->dotfiles;
	to->precompressed = from->precompressed;
	to->autoindex = from->autoindex;
	to->etag = from->etag;
	if (dup_into(&to->headers, from->headers) == -1 ||
	    dup_into(&to->charset, from->charset) == -1 ||
	    dup_into(&to->fallback, from->fallback) == -1 ||
	    dup_into(&to->root, from->root) == -1 ||
	    dup_into(&to->alias, from->alias) == -1 ||
	    copy_strings(to, from) == -1 || copy_redirects(to, from) == -1)
		return -1;
	return 0;
}

void confloc_free_redirects(struct redirect_rule *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].from);
		free(r[i].to);
	}
	free(r);
}

void confloc_free(struct location_conf *loc)
{
	free(loc->prefix);
	free(loc->headers);
	free(loc->charset);
	free(loc->fallback);
	if (!pages_shared(loc->error_page)) {
		for (size_t i = 0; i < ERROR_PAGE_COUNT; i++)
			free(loc->error_page[i]);
		free(loc->error_page);
	}
	for (size_t i = 0; i < loc->ntry_files; i++)
		free(loc->try_files[i]);
	free(loc->try_files);
	confloc_free_redirects(loc->redirects, loc->nredirects);
	free(loc->root);
	free(loc->alias);
}
