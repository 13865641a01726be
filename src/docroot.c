/*
 * docroot.c — document roots that follow their path: see docroot.h.
 *
 * The check is a stat() of the path, compared by device and inode with
 * the directory that is open.  A rename over a symbolic link or a
 * directory is atomic, so the path names either the old directory or the
 * new one, never neither; a non-atomic flip (`ln -sfn` alone removes the
 * link before it makes the new one) can make the path vanish for a moment,
 * which keeps the old tree rather than failing requests.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "docroot.h"
#include "log.h"

int docroot_open(struct docroot *r, const char *path)
{
	struct stat st;

	*r = (struct docroot){ .path = path, .fd = -1, .retired_fd = -1 };
	r->fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r->fd == -1)
		return -1;
	if (fstat(r->fd, &st) == -1) {
		close(r->fd);
		r->fd = -1;
		return -1;
	}
	r->dev = st.st_dev;
	r->ino = st.st_ino;
	return 0;
}

static void retire_expired(struct docroot *r, time_t now)
{
	if (r->retired_fd != -1 && now - r->retired_at >= DOCROOT_RETIRE_S) {
		close(r->retired_fd);
		r->retired_fd = -1;
	}
}

/* The directory path names now, opened; -1 when there is none. */
static int reopen(struct docroot *r, struct stat *st)
{
	int fd = open(r->path, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd != -1 && fstat(fd, st) == 0)
		return fd;
	if (!r->failing)
		log_errno(LOG_LVL_WARN,
			  "root %s changed but cannot be opened; "
			  "still serving the previous tree",
			  r->path);
	r->failing = true;
	if (fd != -1)
		close(fd);
	return -1;
}

int docroot_check(struct docroot *r, time_t now)
{
	struct stat st;
	int fd;

	retire_expired(r, now);
	if (stat(r->path, &st) == 0 && st.st_dev == r->dev &&
	    st.st_ino == r->ino)
		return 0;
	if ((fd = reopen(r, &st)) == -1)
		return 0;
	r->failing = false;
	if (st.st_dev == r->dev && st.st_ino == r->ino) {
		close(fd); /* flipped back between the stat and the open */
		return 0;
	}
	if (r->retired_fd != -1)
		close(r->retired_fd);
	r->retired_fd = r->fd;
	r->retired_at = now;
	r->fd = fd;
	r->dev = st.st_dev;
	r->ino = st.st_ino;
	log_msg(LOG_LVL_INFO,
		"root %s names another directory now: "
		"new requests are served from it",
		r->path);
	return 1;
}

void docroot_close(struct docroot *r)
{
	if (r->fd != -1)
		close(r->fd);
	if (r->retired_fd != -1)
		close(r->retired_fd);
	r->fd = r->retired_fd = -1;
}

struct named {
	const char *path;
	size_t i;
};

static int named_cmp(const void *x, const void *y)
{
	const struct named *a = x, *b = y;
	int c = strcmp(a->path, b->path);

	return c != 0 ? c : (a->i > b->i) - (a->i < b->i);
}

/* Sorted by path, so that equal paths are neighbours: O(n log n) for
 * tens of thousands of servers. */
static struct named *sorted(const char *const *paths, size_t n)
{
	struct named *v = calloc(n > 0 ? n : 1, sizeof(*v));

	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = (struct named){ paths[i], i };
	qsort(v, n, sizeof(*v), named_cmp);
	return v;
}

int docroot_set_open(struct docroot_set *s, const char *const *paths, size_t n,
		     size_t *index, const char **bad)
{
	struct named *v = sorted(paths, n);

	*s = (struct docroot_set){ 0 };
	if (v == NULL || (s->v = calloc(n > 0 ? n : 1, sizeof(*s->v))) == NULL)
		goto fail;
	for (size_t k = 0; k < n; k++) {
		if (k == 0 || strcmp(v[k].path, v[k - 1].path) != 0) {
			if (docroot_open(&s->v[s->n], v[k].path) == -1) {
				*bad = v[k].path;
				goto fail;
			}
			s->n++;
		}
		index[v[k].i] = s->n - 1;
	}
	free(v);
	return 0;
fail:
	free(v);
	docroot_set_close(s);
	return -1;
}

size_t docroot_set_check(struct docroot_set *s, time_t now)
{
	size_t changed = 0;

	if (now == s->checked || s->n == 0)
		return 0;
	s->checked = now;
	for (size_t k = 0; k < s->n && k < DOCROOT_CHECKS; k++) {
		changed += (size_t)docroot_check(&s->v[s->next], now);
		s->next = (s->next + 1) % s->n;
	}
	return changed;
}

void docroot_set_close(struct docroot_set *s)
{
	int err = errno;

	for (size_t i = 0; i < s->n; i++)
		docroot_close(&s->v[i]);
	free(s->v);
	*s = (struct docroot_set){ 0 };
	errno = err;
}
