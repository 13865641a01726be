/*
 * etag.c — content entity tags: XXH3-128 of a file's bytes, once per file
 * version, kept per worker and in a user extended attribute.
 *
 * Hashing must not hold the event loop for long.  A file of at most
 * ETAG_INLINE_MAX bytes is hashed whole on its first request (0.1 to 0.3
 * ms from the page cache).  A larger one is hashed by a thread of the I/O
 * pool when the worker has one (etag_content_offload): its first request
 * starts a job and every request is answered without an ETag until the
 * job is done; the thread only hashes (and writes the attribute), the
 * loop alone records the result in the table.  Without a pool (aio =
 * off) it is hashed ETAG_STEP bytes per request for it, on the loop, the
 * state kept between requests, so a 100 MiB file carries its tag from
 * its 100th request on, and a file not in the page cache stalls the loop
 * for a step's worth of disk reads.  The attribute, once written, makes
 * the tag immediate for every other worker and every later run.
 *
 * The attribute names the version it was made for, so a file rewritten in
 * place is hashed again.  Writing it needs write permission on the file
 * (workers usually run as another account than the one that deployed the
 * site) and a file system with user attributes (tmpfs before Linux 6.6
 * has none): failures are ignored, and each worker then keeps its own.
 * Writing it changes the file's ctime, never its mtime or bytes.
 */
#include <sys/xattr.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "etag.h"

#define READ_CHUNK (64 * 1024)

/* One file version: its hash, or how far hashing it has come. */
struct etag_slot {
	bool used;
	bool known; /* h is the hash of the whole file */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct etag_hash h;
	XXH3_state_t *state; /* being hashed: bytes [0, done) so far */
	off_t done;
	bool hashing; /* a pool job is hashing this version */
};

/* A version being hashed by a pool thread.  From the offload until
 * etag_job_finish only that thread touches it. */
struct etag_job {
	struct stat st; /* the version: the slot is found again by it */
	int fd;         /* a duplicate: the request's may be closed */
	XXH3_state_t *state;
	off_t done;
	int rc; /* 1: hashed into h; 0: not yet; -1: failed */
	struct etag_hash h;
};

static struct etag_slot *slots;  /* allocated on first use */
static etag_offload_fn *offload; /* NULL: aio = off, hash in steps */
static unsigned jobs;            /* in the pool */

void etag_format(const struct etag_hash *h, const char *coding, char *out,
		 size_t outsz)
{
	snprintf(out, outsz, "\"%016" PRIx64 "%016" PRIx64 "%s%s\"", h->hi,
		 h->lo, coding != NULL ? "-" : "",
		 coding != NULL ? coding : "");
}

size_t etag_xattr_format(const struct stat *st, const struct etag_hash *h,
			 char *out, size_t outsz)
{
	int n = snprintf(out, outsz,
			 "forkd1 %lld %lld %ld %016" PRIx64 "%016" PRIx64,
			 (long long)st->st_size, (long long)st->st_mtim.tv_sec,
			 st->st_mtim.tv_nsec, h->hi, h->lo);

	return n > 0 && (size_t)n < outsz ? (size_t)n : 0;
}

static int hex64(const char *s, uint64_t *v)
{
	*v = 0;
	for (int i = 0; i < 16; i++) {
		char c = s[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return -1;
		*v = *v << 4 | d;
	}
	return 0;
}

int etag_xattr_parse(const char *s, size_t len, const struct stat *st,
		     struct etag_hash *h)
{
	char want[ETAG_XATTR_MAX];
	struct etag_hash zero = { 0, 0 };
	size_t n = etag_xattr_format(st, &zero, want, sizeof(want));

	/* The same text up to the hash, then exactly 32 lowercase digits. */
	if (n < 32 || len != n || memcmp(s, want, n - 32) != 0)
		return -1;
	if (hex64(s + n - 32, &h->hi) == -1 || hex64(s + n - 16, &h->lo) == -1)
		return -1;
	return 0;
}

static bool same_version(const struct etag_slot *s, const struct stat *st)
{
	return s->used && s->ino == st->st_ino && s->dev == st->st_dev &&
	       s->size == st->st_size &&
	       s->mtime.tv_sec == st->st_mtim.tv_sec &&
	       s->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

static void slot_reset(struct etag_slot *s, const struct stat *st)
{
	if (s->state != NULL)
		XXH3_freeState(s->state);
	*s = (struct etag_slot){
		.used = st != NULL,
		.dev = st != NULL ? st->st_dev : 0,
		.ino = st != NULL ? st->st_ino : 0,
		.size = st != NULL ? st->st_size : 0,
		.mtime = st != NULL ? st->st_mtim : (struct timespec){ 0, 0 },
	};
}

static struct etag_slot *slot_of(const struct stat *st)
{
	uint64_t k = (uint64_t)st->st_ino * 0x9e3779b97f4a7c15ull ^
		     (uint64_t)st->st_dev;

	return &slots[(k >> 32) % ETAG_SLOTS];
}

static void set_hash(struct etag_slot *s, XXH128_hash_t h)
{
	s->h.hi = h.high64;
	s->h.lo = h.low64;
	s->known = true;
}

static int read_xattr(int fd, const struct stat *st, struct etag_hash *h)
{
	char v[ETAG_XATTR_MAX];
	ssize_t n = fgetxattr(fd, ETAG_XATTR, v, sizeof(v));

	return n > 0 ? etag_xattr_parse(v, (size_t)n, st, h) : -1;
}

/* Best effort: see the top of the file. */
static void write_xattr(int fd, const struct stat *st,
			const struct etag_hash *h)
{
	char v[ETAG_XATTR_MAX];
	size_t n = etag_xattr_format(st, h, v, sizeof(v));

	if (n > 0)
		(void)fsetxattr(fd, ETAG_XATTR, v, n, 0);
}

/*
 * Hash up to limit more bytes of fd into s.  1 when the whole file is
 * hashed (s->known), 0 when there is more, -1 on a read error or a file
 * shorter than its stat said.
 */
static int hash_step(struct etag_slot *s, int fd, off_t limit)
{
	static char buf[READ_CHUNK];
	off_t end = s->done + limit < s->size ? s->done + limit : s->size;

	if (s->state == NULL) {
		if ((s->state = XXH3_createState()) == NULL)
			return -1;
		XXH3_128bits_reset(s->state);
	}
	while (s->done < end) {
		size_t want = end - s->done < READ_CHUNK
				      ? (size_t)(end - s->done)
				      : READ_CHUNK;
		ssize_t n = pread(fd, buf, want, s->done);
		if (n <= 0)
			return -1;
		XXH3_128bits_update(s->state, buf, (size_t)n);
		s->done += n;
	}
	if (s->done < s->size)
		return 0;
	set_hash(s, XXH3_128bits_digest(s->state));
	XXH3_freeState(s->state);
	s->state = NULL;
	return 1;
}

void etag_content_offload(etag_offload_fn *fn)
{
	offload = fn;
}

static void job_free(struct etag_job *j)
{
	if (j->fd >= 0)
		close(j->fd);
	XXH3_freeState(j->state);
	free(j);
}

/* Start hashing version st in the pool, unless a job already does or
 * ETAG_JOBS do: the request is answered without a tag either way. */
static void job_start(struct etag_slot *s, int fd, const struct stat *st)
{
	struct etag_job *j;

	if (jobs >= ETAG_JOBS || (j = calloc(1, sizeof(*j))) == NULL)
		return;
	j->st = *st;
	j->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	j->state = XXH3_createState();
	if (j->fd == -1 || j->state == NULL)
		goto fail;
	XXH3_128bits_reset(j->state);
	if (offload(j) == -1)
		goto fail;
	jobs++;
	s->hashing = true;
	return;
fail:
	job_free(j);
}

/* In a pool thread: see etag.h.  The attribute is written here, off the
 * loop; the table is left to etag_job_finish, on the loop. */
int etag_job_step(struct etag_job *j, char *buf, size_t bufsz)
{
	off_t size = j->st.st_size;
	off_t end = size - j->done > ETAG_PIECE ? j->done + ETAG_PIECE : size;

	while (j->done < end) {
		size_t want = end - j->done < (off_t)bufsz
				      ? (size_t)(end - j->done)
				      : bufsz;
		ssize_t n = pread(j->fd, buf, want, j->done);
		if (n <= 0) {
			j->rc = -1;
			return 1;
		}
		XXH3_128bits_update(j->state, buf, (size_t)n);
		j->done += n;
	}
	if (j->done < size)
		return 0;
	XXH128_hash_t h = XXH3_128bits_digest(j->state);
	j->h = (struct etag_hash){ h.high64, h.low64 };
	j->rc = 1;
	write_xattr(j->fd, &j->st, &j->h);
	return 1;
}

void etag_job_finish(struct etag_job *j)
{
	struct etag_slot *s = slots != NULL ? slot_of(&j->st) : NULL;

	/* The slot may hold another version by now: then drop the result. */
	if (s != NULL && same_version(s, &j->st)) {
		s->hashing = false;
		if (j->rc == 1) {
			s->h = j->h;
			s->known = true;
		}
	}
	jobs--;
	job_free(j);
}

/* Find, read or compute the hash of version st; 0 when known. */
static int content_hash(struct etag_slot *s, int fd, const char *data,
			const struct stat *st)
{
	if (!same_version(s, st))
		slot_reset(s, st);
	if (s->known)
		return 0;
	if (data != NULL) {
		set_hash(s, XXH3_128bits(data, (size_t)st->st_size));
		return 0;
	}
	if (s->hashing)
		return -1;
	if (s->state == NULL && read_xattr(fd, st, &s->h) == 0) {
		s->known = true;
		return 0;
	}
	if (offload != NULL && st->st_size > ETAG_INLINE_MAX) {
		job_start(s, fd, st);
		return -1;
	}
	int rc = hash_step(s, fd,
			   st->st_size <= ETAG_INLINE_MAX ? st->st_size
							  : ETAG_STEP);
	if (rc == -1)
		slot_reset(s, NULL);
	if (rc != 1)
		return -1;
	write_xattr(fd, st, &s->h);
	return 0;
}

int etag_content(int fd, const char *data, const struct stat *st,
		 const char *coding, char *out, size_t outsz)
{
	struct etag_slot *s;

	if (slots == NULL &&
	    (slots = calloc(ETAG_SLOTS, sizeof(*slots))) == NULL)
		return -1;
	s = slot_of(st);
	if (content_hash(s, fd, data, st) == -1)
		return -1;
	etag_format(&s->h, coding, out, outsz);
	return 0;
}

void etag_content_clear(void)
{
	if (slots == NULL)
		return;
	for (size_t i = 0; i < ETAG_SLOTS; i++)
		slot_reset(&slots[i], NULL);
	free(slots);
	slots = NULL;
}
