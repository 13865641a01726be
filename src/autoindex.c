/*
 * autoindex.c — HTML listings of directories that have no index file.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "autoindex.h"

size_t autoindex_escape_html(const char *s, char *out, size_t outsz)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		const char *rep;
		char one[2] = { *s, '\0' };
		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: rep = one; break;
		}
		size_t len = strlen(rep);
		if (n + len >= outsz)
			goto full;
		memcpy(out + n, rep, len);
		n += len;
	}
	if (outsz == 0)
		return 0;
	out[n] = '\0';
	return n;
full:
	if (outsz > 0)
		out[0] = '\0';
	return 0;
}

size_t autoindex_encode_href(const char *s, char *out, size_t outsz)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			     (ch >= '0' && ch <= '9') || strchr("-._~", ch) != NULL;
		if (n + (plain ? 1 : 3) >= outsz) {
			if (outsz > 0)
				out[0] = '\0';
			return 0;
		}
		if (plain) {
			out[n++] = (char)ch;
		} else {
			out[n++] = '%';
			out[n++] = hex[ch >> 4];
			out[n++] = hex[ch & 15];
		}
	}
	if (outsz == 0)
		return 0;
	out[n] = '\0';
	return n;
}

struct entry {
	char *name;
	bool dir;
	bool link;
	long long size;
	time_t mtime;
};

static int entry_cmp(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;

	if (a->dir != b->dir)
		return a->dir ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* Up to AUTOINDEX_ENTRIES_MAX entries of d; *more when some were left. */
static struct entry *entries_read(DIR *d, bool dotfiles, size_t *n,
				  bool *more)
{
	struct entry *v = NULL;
	size_t cap = 0;
	struct dirent *de;

	*n = 0;
	*more = false;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    (!dotfiles && de->d_name[0] == '.'))
			continue;
		if (*n == AUTOINDEX_ENTRIES_MAX) {
			*more = true;
			break;
		}
		/* Never through a link: what it points at may be outside. */
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct entry *nv = realloc(v, ncap * sizeof(*v));
			if (nv == NULL)
				goto fail;
			v = nv;
			cap = ncap;
		}
		struct entry *e = &v[*n];
		if ((e->name = strdup(de->d_name)) == NULL)
			goto fail;
		e->dir = S_ISDIR(st.st_mode);
		e->link = S_ISLNK(st.st_mode);
		e->size = (long long)st.st_size;
		e->mtime = st.st_mtime;
		(*n)++;
	}
	return v != NULL ? v : calloc(1, sizeof(*v));
fail:
	for (size_t i = 0; i < *n; i++)
		free(v[i].name);
	free(v);
	return NULL;
}

static void entry_line(FILE *f, const struct entry *e)
{
	char html[NAME_MAX * 6 + 8], href[NAME_MAX * 3 + 8], date[32];
	struct tm tm;

	autoindex_escape_html(e->name, html, sizeof(html));
	autoindex_encode_href(e->name, href, sizeof(href));
	gmtime_r(&e->mtime, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M", &tm);
	if (e->dir)
		fprintf(f, "<a href=\"%s/\">%s/</a> %s -\n", href, html, date);
	else if (e->link)
		fprintf(f, "<a href=\"%s\">%s</a> %s link\n", href, html, date);
	else
		fprintf(f, "<a href=\"%s\">%s</a> %s %lld\n", href, html, date,
			e->size);
}

static void listing_write(FILE *f, const char *path, struct entry *v,
			  size_t n, bool more)
{
	char title[4096 * 6 + 8];

	autoindex_escape_html(path, title, sizeof(title));
	fprintf(f, "<!DOCTYPE html>\n<html>\n<head><title>Index of %s</title>"
		"</head>\n<body>\n<h1>Index of %s</h1>\n<pre>\n", title, title);
	if (strcmp(path, "/") != 0)
		fputs("<a href=\"../\">../</a>\n", f);
	for (size_t i = 0; i < n; i++) {
		if (ftell(f) > (long)AUTOINDEX_BODY_MAX) {
			more = true;
			break;
		}
		entry_line(f, &v[i]);
	}
	fputs("</pre>\n", f);
	if (more)
		fputs("<p>This directory has more entries than are listed.</p>\n",
		      f);
	fputs("</body>\n</html>\n", f);
}

/* The latest mtime of the directory d and its n entries v. */
static time_t entries_newest(DIR *d, const struct entry *v, size_t n)
{
	struct stat st;
	time_t t = fstat(dirfd(d), &st) == 0 ? st.st_mtime : 0;

	for (size_t i = 0; i < n; i++)
		if (v[i].mtime > t)
			t = v[i].mtime;
	return t;
}

int autoindex_build(int dirfd, const char *path, bool dotfiles, size_t *len,
		    time_t *newest)
{
	DIR *d = fdopendir(dirfd);
	struct entry *v;
	size_t n = 0;
	bool more;
	int mfd = -1;
	FILE *f = NULL;

	if (d == NULL) {
		close(dirfd);
		return -1;
	}
	if ((v = entries_read(d, dotfiles, &n, &more)) == NULL)
		goto done;
	qsort(v, n, sizeof(*v), entry_cmp);
	*newest = entries_newest(d, v, n);
	if ((mfd = memfd_create("forkd-autoindex", MFD_CLOEXEC)) == -1)
		goto done;
	int wfd = dup(mfd);
	if (wfd == -1 || (f = fdopen(wfd, "w")) == NULL) {
		if (wfd != -1)
			close(wfd);
		goto fail;
	}
	listing_write(f, path, v, n, more);
	long size = ftell(f);
	if (fclose(f) != 0 || size < 0)
		goto fail;
	*len = (size_t)size;
	goto done;
fail:
	close(mfd);
	mfd = -1;
done:
	for (size_t i = 0; v != NULL && i < n; i++)
		free(v[i].name);
	free(v);
	closedir(d);
	return mfd;
}
