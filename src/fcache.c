/*
 * fcache.c — small files held in memory, revalidated by stat at most once
 * every FCACHE_RECHECK_MS.
 *
 * Serving a small file from disk takes openat2, fstat, pread and close;
 * from here it takes no system call, and one fstatat a second.  The
 * content served is always bytes read through a regular open beneath the
 * root: a hit only says that the path led to that same, unchanged file
 * less than FCACHE_RECHECK_MS ago.  Only bytes already in the page cache
 * are kept, so that filling a slot never waits on a disk.  Each entry also
 * holds the head lines the server made of it (struct fcache_head), emptied
 * whenever the entry is filled again.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include "clock.h"
#include "fcache.h"
#include "file.h"
#include "resident.h"

struct fcache_slot {
	char *path; /* NULL: empty */
	size_t plen;
	int rootfd;
	struct stat st;      /* as the file was when read */
	char *data;          /* st.st_size bytes */
	uint64_t checked_ms; /* when a stat last showed st */
	struct fcache_head head;
};

static struct fcache_slot *slots; /* allocated on first use */
static uint64_t fresh_ms;         /* how long a stat stays trusted */

/*
 * The coarse monotonic clock is a vDSO read, no system call.  It lags the
 * real one by up to a tick, so two readings can show up to a tick less
 * than really passed: trusting a stat for the bound minus one tick keeps
 * the real age under the bound.
 */
static uint64_t trusted_ms(void)
{
	struct timespec res;
	uint64_t tick = 10; /* HZ=100, the coarsest kernels use */

	if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) == 0)
		tick = (uint64_t)res.tv_sec * 1000 +
		       ((uint64_t)res.tv_nsec + 999999) / 1000000;
	return tick < FCACHE_RECHECK_MS ? FCACHE_RECHECK_MS - tick : 0;
}

static uint64_t hash_mix(uint64_t h, const char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	h = (h ^ w) * 0x9e3779b97f4a7c15u;
	return h ^ (h >> 29);
}

/* Eight bytes a step (the last eight may overlap the step before): a path
 * is hashed on every request, and a collision only costs a miss. */
static uint32_t path_hash(int rootfd, const char *path, size_t len)
{
	uint64_t h = ((uint64_t)(unsigned)rootfd << 32) ^ len;
	size_t i = 0;

	for (; i + 8 < len; i += 8)
		h = hash_mix(h, path + i);
	if (len >= 8)
		h = hash_mix(h, path + len - 8);
	else
		for (; i < len; i++)
			h = (h ^ (unsigned char)path[i]) * 0x100000001b3u;
	return (uint32_t)(h ^ (h >> 32));
}

static void slot_clear(struct fcache_slot *s)
{
	free(s->path);
	free(s->data);
	s->path = s->data = NULL;
	s->head.full = false;
}

bool fcache_settled(const struct stat *st)
{
	time_t now = time(NULL);

	return S_ISREG(st->st_mode) &&
	       now - st->st_mtim.tv_sec >= FCACHE_SETTLE &&
	       now - st->st_ctim.tv_sec >= FCACHE_SETTLE;
}

static bool cacheable(const struct stat *st)
{
	return st->st_size > 0 && st->st_size <= FCACHE_FILE_MAX &&
	       fcache_settled(st);
}

/* Read the open file fd into slot s; false (s left empty) on failure. */
static bool slot_fill(struct fcache_slot *s, int rootfd, const char *path,
		      size_t plen, int fd, const struct stat *st)
{
	size_t size = (size_t)st->st_size;

	slot_clear(s);
	if (!resident_range(fd, 0, size))
		return false; /* a cold read waits for no one: served as a file */
	if ((s->path = malloc(plen + 1)) == NULL ||
	    (s->data = malloc(size)) == NULL ||
	    pread(fd, s->data, size, 0) != (ssize_t)size) {
		slot_clear(s);
		return false;
	}
	memcpy(s->path, path, plen + 1);
	s->plen = plen;
	s->rootfd = rootfd;
	s->st = *st;
	s->checked_ms = clock_coarse_ms();
	return true;
}

/* fcache_recheck, inlined in fcache_open: every kept file's hit asks. */
__attribute__((always_inline)) static inline int recheck(
	int rootfd, const char *rel, const struct stat *kept,
	uint64_t *checked_ms, uint64_t now)
{
	struct stat st;

	if (__builtin_expect(fresh_ms == 0, 0))
		fresh_ms = trusted_ms();
	if (now - *checked_ms < fresh_ms)
		return 1;
	if (file_stat(rootfd, rel, &st) == -1)
		return errno == EAGAIN ? -1 : 0;
	if (!file_same(&st, kept))
		return 0;
	*checked_ms = now;
	return 1;
}

int fcache_recheck(int rootfd, const char *rel, const struct stat *kept,
		   uint64_t *checked_ms, uint64_t now_ms)
{
	return recheck(rootfd, rel, kept, checked_ms, now_ms);
}

int fcache_open(int rootfd, const char *path, struct stat *st,
		struct fcache_hit *hit)
{
	size_t plen = strlen(path);
	const char *rel = path[0] == '/' ? path + 1 : path;
	struct fcache_slot *s;
	int fd;

	if (slots == NULL &&
	    (slots = calloc(FCACHE_SLOTS, sizeof(*slots))) == NULL)
		return file_open_beneath(rootfd, path, st);
	s = &slots[path_hash(rootfd, path, plen) % FCACHE_SLOTS];
	if (s->path != NULL && s->rootfd == rootfd && s->plen == plen &&
	    memcmp(s->path, path, plen) == 0 && *rel != '\0') {
		int valid = recheck(rootfd, rel, &s->st, &s->checked_ms,
				    clock_coarse_ms());
		if (valid == 1) {
			*st = s->st;
			*hit = (struct fcache_hit){ s->data, &s->head };
			return FCACHE_HIT;
		}
		if (valid == -1)
			return -1; /* errno EAGAIN: planned */
		slot_clear(s);     /* changed or gone: the open below decides */
	}
	if ((fd = file_open_beneath(rootfd, path, st)) == -1 || !cacheable(st))
		return fd;
	if (!slot_fill(s, rootfd, path, plen, fd, st))
		return fd;
	file_close(fd);
	*hit = (struct fcache_hit){ s->data, &s->head };
	return FCACHE_HIT;
}

void fcache_clear(void)
{
	if (slots == NULL)
		return;
	for (size_t i = 0; i < FCACHE_SLOTS; i++)
		slot_clear(&slots[i]);
	free(slots);
	slots = NULL;
}
