/*
 * fdcache.c — range requests reuse an open descriptor of their file.
 *
 * A 1 KB range of a large file spent about a fifth of the worker's time
 * in openat2, fstat and close (perf, bench/bench.py --only range); here a
 * hit costs one fcntl (F_DUPFD_CLOEXEC), and one fstatat a second.  What
 * is handed out is always a descriptor opened beneath the root; a hit only
 * says that the path led to that same, unchanged file less than
 * FCACHE_RECHECK_MS ago, by the rules fcache.c keeps small files by
 * (fcache_recheck, fcache_settled).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "fcache.h"
#include "fdcache.h"
#include "file.h"

struct fdcache_slot {
	char *path; /* NULL: empty */
	size_t plen;
	int rootfd;
	int fd;
	struct stat st;      /* as the file was when opened */
	uint64_t checked_ms; /* when a stat last showed st */
	uint64_t used_ms;    /* when last handed out */
};

static struct fdcache_slot slots[FDCACHE_SLOTS];
static unsigned sweep_next; /* the slot the next call looks at for age */

static uint32_t path_hash(int rootfd, const char *path, size_t len)
{
	uint32_t h = 2166136261u ^ (uint32_t)rootfd; /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)path[i]) * 16777619u;
	return h;
}

static void slot_clear(struct fdcache_slot *s)
{
	if (s->path == NULL)
		return;
	close(s->fd);
	free(s->path);
	s->path = NULL;
}

/* Close one slot's descriptor if nobody asked for it lately. */
static void sweep_one(uint64_t now)
{
	struct fdcache_slot *s = &slots[sweep_next++ % FDCACHE_SLOTS];

	if (s->path != NULL && now - s->used_ms >= FDCACHE_IDLE_MS)
		slot_clear(s);
}

static int slot_hand_out(struct fdcache_slot *s, struct stat *st, uint64_t now)
{
	int fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 0);

	if (fd == -1)
		return -1;
	*st = s->st;
	s->used_ms = now;
	return fd;
}

/* Keep a duplicate of the fresh fd in s; on failure s stays empty. */
static void slot_fill(struct fdcache_slot *s, int rootfd, const char *path,
		      size_t plen, int fd, const struct stat *st)
{
	uint64_t now = clock_coarse_ms();

	if ((s->path = malloc(plen + 1)) == NULL)
		return;
	if ((s->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1) {
		free(s->path);
		s->path = NULL;
		return;
	}
	memcpy(s->path, path, plen + 1);
	s->plen = plen;
	s->rootfd = rootfd;
	s->st = *st;
	s->checked_ms = s->used_ms = now;
}

int fdcache_open(int rootfd, const char *path, struct stat *st)
{
	size_t plen = strlen(path);
	const char *rel = path[0] == '/' ? path + 1 : path;
	struct fdcache_slot *s =
		&slots[path_hash(rootfd, path, plen) % FDCACHE_SLOTS];
	uint64_t now = clock_coarse_ms();
	int fd;

	sweep_one(now);
	if (s->path != NULL && s->rootfd == rootfd && s->plen == plen &&
	    memcmp(s->path, path, plen) == 0 && *rel != '\0') {
		int valid = fcache_recheck(rootfd, rel, &s->st, &s->checked_ms,
					   now);
		if (valid == 1 && (fd = slot_hand_out(s, st, now)) != -1)
			return fd;
		if (valid == -1)
			return -1; /* errno EAGAIN: planned */
		if (valid == 0)
			slot_clear(s); /* changed or gone: the open decides */
	}
	if ((fd = file_open_beneath(rootfd, path, st)) == -1 ||
	    file_fd_slow(fd) || !fcache_settled(st))
		return fd;
	slot_clear(s);
	slot_fill(s, rootfd, path, plen, fd, st);
	return fd;
}

void fdcache_clear(void)
{
	for (size_t i = 0; i < FDCACHE_SLOTS; i++)
		slot_clear(&slots[i]);
}
