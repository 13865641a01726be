/*
 * file.c — open files beneath the document root.
 *
 * openat2(RESOLVE_BENEATH) makes the kernel refuse any resolution that
 * leaves the root, symlinks and ".." included; RESOLVE_NO_SYMLINKS refuses
 * links altogether.  Kernels before 5.6 lack it; there we walk the path one
 * component at a time with O_NOFOLLOW, which refuses symbolic links
 * altogether.
 *
 * A plan (file.h) lets the I/O pool make the calls that may block: its
 * entries are looked up first, and what may block is planned, not made.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "autoindex.h"
#include "file.h"
#include "path.h"

#ifndef RESOLVE_CACHED
#define RESOLVE_CACHED 0x20 /* Linux 5.12 */
#endif

/* Written by whichever thread learns the kernel lacks the call or flag. */
static bool have_openat2 = true;
static bool have_cached = true;

static bool flag_get(const bool *f)
{
	return __atomic_load_n(f, __ATOMIC_RELAXED);
}

static void flag_clear(bool *f)
{
	__atomic_store_n(f, false, __ATOMIC_RELAXED);
}

/* The plan in use, on the loop thread (never read by pool threads). */
static struct file_plan *plan_now;

/* fds handed out by plans of slow roots, and those queued for closing:
 * the loop thread's. */
#define SLOW_FDS 65536
#define CLOSE_QUEUE 256
static unsigned char slow_fd[SLOW_FDS / 8];
static int close_queue[CLOSE_QUEUE];
static unsigned nclose;

static int open_openat2(int rootfd, const char *rel, int flags,
			unsigned long long resolve)
{
	struct open_how how = {
		.flags = (unsigned long long)flags,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | resolve,
	};

	return (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
}

static void close_keep_errno(int fd)
{
	int saved = errno;

	close(fd);
	errno = saved;
}

/* O_NOFOLLOW|O_DIRECTORY on a link says ENOTDIR; the walk means ELOOP. */
static int walk_errno(int dirfd, const char *comp)
{
	struct stat st;

	if (errno == ENOTDIR &&
	    fstatat(dirfd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		errno = ELOOP;
	return -1;
}

static int open_walk(int rootfd, const char *rel)
{
	char buf[PATH_MAX_LEN];
	size_t len = strlen(rel);
	bool want_dir = len > 0 && rel[len - 1] == '/';
	int dirfd = rootfd;
	char *save = NULL;
	char *next;

	if (len >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, rel, len + 1);
	char *comp = strtok_r(buf, "/", &save);
	if (comp == NULL || strcmp(comp, ".") == 0)
		return openat(rootfd, ".", O_RDONLY | O_CLOEXEC | O_DIRECTORY);
	for (; comp != NULL; comp = next) {
		next = strtok_r(NULL, "/", &save);
		if (strcmp(comp, "..") == 0) {
			errno = EXDEV;
			goto fail;
		}
		int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK |
			    (next != NULL || want_dir ? O_DIRECTORY : 0);
		int fd = openat(dirfd, comp, flags);
		if (fd == -1)
			walk_errno(dirfd, comp);
		if (dirfd != rootfd)
			close_keep_errno(dirfd);
		dirfd = fd;
		if (fd == -1)
			return -1;
	}
	return dirfd;
fail:
	if (dirfd != rootfd)
		close_keep_errno(dirfd);
	return -1;
}

/* Under SYMLINKS_OWNER: does the link at rel have its target's owner? */
static int owner_same(int rootfd, const char *rel, const struct stat *lst)
{
	struct stat st;
	int fd = open_openat2(rootfd, rel, O_PATH | O_CLOEXEC, 0);

	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1) {
		close_keep_errno(fd);
		return -1;
	}
	close(fd);
	if (st.st_uid != lst->st_uid) {
		errno = EACCES;
		return -1;
	}
	return 0;
}

/*
 * nginx's if_not_owned: every link on the way, the last component
 * included, must belong to the owner of what it points to.
 */
static int owner_check(int rootfd, const char *rel)
{
	char buf[PATH_MAX_LEN];
	size_t len = strlen(rel);
	struct stat lst;

	if (len >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, rel, len + 1);
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '/' || (i + 1 < len && buf[i + 1] != '/'))
			continue;
		/* buf[0..i] is a prefix ending at a component's end */
		char saved = buf[i + 1];
		buf[i + 1] = '\0';
		int rc = fstatat(rootfd, buf, &lst, AT_SYMLINK_NOFOLLOW);
		if (rc == 0 && S_ISLNK(lst.st_mode))
			rc = owner_same(rootfd, buf, &lst);
		buf[i + 1] = saved;
		if (rc == -1)
			return -1;
	}
	return 0;
}

/*
 * extra: RESOLVE_CACHED or 0.  With RESOLVE_CACHED, EAGAIN says the
 * lookup needs I/O; a kernel without the flag, or without openat2, makes
 * the call in full instead.
 */
static int open_rel(int rootfd, const char *rel, enum file_symlinks policy,
		    unsigned long long extra)
{
	const int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK;
	int fd = -1;

	if (flag_get(&have_openat2)) {
		if (policy == SYMLINKS_OWNER && strcmp(rel, ".") != 0 &&
		    owner_check(rootfd, rel) == -1 && errno != ENOSYS)
			return -1;
		if (!flag_get(&have_cached))
			extra = 0;
		fd = open_openat2(rootfd, rel, flags,
				  extra | (policy == SYMLINKS_OFF
						   ? RESOLVE_NO_SYMLINKS
						   : 0));
		if (fd == -1 && errno == EINVAL && extra != 0) {
			flag_clear(&have_cached);
			return open_rel(rootfd, rel, policy, 0);
		}
		if (fd == -1 && errno == ENOSYS)
			flag_clear(&have_openat2);
	}
	if (!flag_get(&have_openat2))
		fd = open_walk(rootfd, rel);
	return fd;
}

static int open_stat(int rootfd, const char *path, enum file_symlinks policy,
		     struct stat *st, unsigned long long extra)
{
	const char *rel = path[0] == '/' ? path + 1 : path;
	int fd;

	if (*rel == '\0')
		rel = ".";
	if ((fd = open_rel(rootfd, rel, policy, extra)) == -1)
		return -1;
	if (fstat(fd, st) == -1) {
		close_keep_errno(fd);
		return -1;
	}
	return fd;
}

/* ---- closing ---- */

static void slow_fd_mark(int fd)
{
	if (fd >= 0 && fd < SLOW_FDS)
		slow_fd[fd / 8] |= (unsigned char)(1u << (fd % 8));
}

/* Queue fd for the pool; false when the queue is full. */
static bool close_later(int fd)
{
	if (nclose >= CLOSE_QUEUE)
		return false;
	close_queue[nclose++] = fd;
	return true;
}

void file_close(int fd)
{
	if (fd >= 0 && fd < SLOW_FDS && (slow_fd[fd / 8] & (1u << (fd % 8)))) {
		slow_fd[fd / 8] &= (unsigned char)~(1u << (fd % 8));
		if (close_later(fd))
			return;
	}
	if (fd >= 0)
		close(fd);
}

bool file_fd_slow(int fd)
{
	return fd >= SLOW_FDS || (slow_fd[fd / 8] & (1u << (fd % 8))) != 0;
}

bool file_same(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
	       a->st_size == b->st_size && a->st_mode == b->st_mode &&
	       a->st_uid == b->st_uid && a->st_gid == b->st_gid &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

unsigned file_closes_pending(void)
{
	return nclose;
}

unsigned file_closes_take(int *fds, unsigned max)
{
	unsigned n = nclose < max ? nclose : max;

	memcpy(fds, close_queue + nclose - n, n * sizeof(*fds));
	nclose -= n;
	return n;
}

/* ---- plans ---- */

/* File systems whose every call may wait on a server or a daemon. */
static const unsigned long remote_fs[] = {
	0x6969,     /* NFS */
	0x517B,     /* SMB */
	0xFF534D42, /* CIFS */
	0xFE534D42, /* SMB2 */
	0x65735546, /* FUSE (sshfs, s3fs, ...) */
	0x00C36400, /* Ceph */
	0x01021997, /* 9p */
	0x5346414F, /* AFS */
	0x6B414653, /* kAFS */
	0x73757245, /* Coda */
	0x01161970, /* GFS2 */
	0x7461636F, /* OCFS2 */
	0x0BD00BD0, /* Lustre */
	0x20030528, /* OrangeFS */
};

enum file_plan_mode file_plan_mode_of(int rootfd)
{
	struct statfs sf;

	if (fstatfs(rootfd, &sf) == -1)
		return FILE_PLAN_ALL; /* cannot tell: assume the worst */
	for (size_t i = 0; i < sizeof(remote_fs) / sizeof(remote_fs[0]); i++)
		if ((unsigned long)sf.f_type == remote_fs[i])
			return FILE_PLAN_ALL;
	return FILE_PLAN_CACHED;
}

void file_plan_use(struct file_plan *plan)
{
	plan_now = plan;
}

bool file_plan_deferred(void)
{
	return plan_now != NULL && plan_now->pending > 0;
}

static struct file_plan_entry *plan_find(struct file_plan *plan,
					 enum file_plan_kind kind, int rootfd,
					 int policy, const char *path)
{
	for (unsigned i = 0; i < plan->n; i++) {
		struct file_plan_entry *e = &plan->e[i];
		if (e->kind == kind && e->rootfd == rootfd &&
		    e->policy == policy && strcmp(e->path, path) == 0)
			return e;
	}
	return NULL;
}

/* A new entry to run, or NULL when the plan is full (or path too long). */
static struct file_plan_entry *plan_add(struct file_plan *plan,
					enum file_plan_kind kind, int rootfd,
					int policy, const char *path)
{
	size_t len = strlen(path);
	struct file_plan_entry *e;

	if (plan->n >= FILE_PLAN_MAX || len >= sizeof(e->path))
		return NULL;
	e = &plan->e[plan->n++];
	e->kind = (unsigned char)kind;
	e->policy = (unsigned char)policy;
	e->done = false;
	e->rootfd = rootfd;
	e->fd = -1;
	e->err = 0;
	e->len = 0;
	memcpy(e->path, path, len + 1);
	plan->pending++;
	return e;
}

/* What a done entry says, as the call would have said it. */
static int plan_answer(const struct file_plan_entry *e, struct stat *st)
{
	int fd = 0;

	if (!e->done) {
		errno = EAGAIN; /* asked twice in one pass */
		return -1;
	}
	if (e->err != 0) {
		errno = e->err;
		return -1;
	}
	if (e->fd >= 0 && (fd = fcntl(e->fd, F_DUPFD_CLOEXEC, 0)) == -1)
		return -1;
	if (e->fd >= 0 && plan_now->mode == FILE_PLAN_ALL)
		slow_fd_mark(fd);
	if (st != NULL)
		*st = e->st;
	return fd;
}

/* Plan the call: -1 with EAGAIN, or 1 when the plan is full. */
static int plan_defer(enum file_plan_kind kind, int rootfd, int policy,
		      const char *path)
{
	if (plan_add(plan_now, kind, rootfd, policy, path) == NULL)
		return 1;
	errno = EAGAIN;
	return -1;
}

static int plan_open(int rootfd, const char *path, enum file_symlinks policy,
		     struct stat *st)
{
	struct file_plan_entry *e = plan_find(plan_now, FILE_PLAN_OPEN, rootfd,
					      (int)policy, path);
	int fd;

	if (e != NULL)
		return plan_answer(e, st);
	if (plan_now->mode == FILE_PLAN_ALL) {
		if ((fd = plan_defer(FILE_PLAN_OPEN, rootfd, (int)policy,
				     path)) != 1)
			return fd;
		fd = open_stat(rootfd, path, policy, st, 0);
		slow_fd_mark(fd);
		return fd;
	}
	fd = open_stat(rootfd, path, policy, st, RESOLVE_CACHED);
	if (fd == -1 && errno == EAGAIN &&
	    plan_defer(FILE_PLAN_OPEN, rootfd, (int)policy, path) == 1)
		return open_stat(rootfd, path, policy, st, 0);
	return fd;
}

int file_open(int rootfd, const char *path, enum file_symlinks policy,
	      struct stat *st)
{
	if (plan_now != NULL)
		return plan_open(rootfd, path, policy, st);
	return open_stat(rootfd, path, policy, st, 0);
}

int file_stat(int rootfd, const char *rel, struct stat *st)
{
	struct file_plan_entry *e;
	int rc;

	if (plan_now == NULL || plan_now->mode != FILE_PLAN_ALL)
		return fstatat(rootfd, rel, st, 0);
	if ((e = plan_find(plan_now, FILE_PLAN_STAT, rootfd, 0, rel)) != NULL)
		return plan_answer(e, st);
	if ((rc = plan_defer(FILE_PLAN_STAT, rootfd, 0, rel)) != 1)
		return rc;
	return fstatat(rootfd, rel, st, 0);
}

int file_listing(int dirfd, const char *path, bool dotfiles,
		 enum autoindex_format format, size_t *len, time_t *newest)
{
	int key = (int)dotfiles | (int)format << 1;
	struct file_plan_entry *e;
	int fd;

	if (plan_now == NULL)
		return autoindex_build(dirfd, path, dotfiles, format, len,
				       newest);
	e = plan_find(plan_now, FILE_PLAN_LISTING, -1, key, path);
	if (e != NULL) {
		file_close(dirfd);
		if ((fd = plan_answer(e, NULL)) != -1) {
			*len = e->len;
			*newest = e->newest;
		}
		return fd;
	}
	if ((e = plan_add(plan_now, FILE_PLAN_LISTING, -1, key, path)) == NULL)
		return autoindex_build(dirfd, path, dotfiles, format, len,
				       newest);
	e->fd = dirfd; /* the thread's to list, and close */
	e->dotfiles = dotfiles;
	errno = EAGAIN;
	return -1;
}

static void plan_run_entry(struct file_plan_entry *e)
{
	int fd = 0;

	switch ((enum file_plan_kind)e->kind) {
	case FILE_PLAN_OPEN:
		fd = open_stat(e->rootfd, e->path,
			       (enum file_symlinks)e->policy, &e->st, 0);
		break;
	case FILE_PLAN_STAT: fd = fstatat(e->rootfd, e->path, &e->st, 0); break;
	case FILE_PLAN_LISTING:
		fd = autoindex_build(e->fd, e->path, e->dotfiles,
				     (enum autoindex_format)(e->policy >> 1),
				     &e->len, &e->newest);
		break;
	}
	e->err = fd == -1 ? errno : 0;
	e->fd = e->kind == FILE_PLAN_STAT ? -1 : fd;
	e->done = true;
}

void file_plan_run(struct file_plan *plan)
{
	for (unsigned i = 0; i < plan->n; i++)
		if (!plan->e[i].done)
			plan_run_entry(&plan->e[i]);
	plan->pending = 0;
}

void file_plan_clear(struct file_plan *plan)
{
	for (unsigned i = 0; i < plan->n; i++) {
		int fd = plan->e[i].fd;
		if (fd >= 0 &&
		    (plan->mode != FILE_PLAN_ALL || !close_later(fd)))
			close(fd);
	}
	plan->n = 0;
	plan->pending = 0;
}

int file_open_beneath(int rootfd, const char *path, struct stat *st)
{
	return file_open(rootfd, path, SYMLINKS_FOLLOW, st);
}

void file_etag(const struct stat *st, char *out, size_t outsz)
{
	file_etag_coded(st, NULL, out, outsz);
}

static char *put_hex(char *p, unsigned long long v)
{
	static const char hex[] = "0123456789abcdef";
	char digits[16];
	size_t i = sizeof(digits);

	do
		digits[--i] = hex[v & 15];
	while ((v >>= 4) != 0);
	memcpy(p, digits + i, sizeof(digits) - i);
	return p + sizeof(digits) - i;
}

void file_etag_coded(const struct stat *st, const char *coding, char *out,
		     size_t outsz)
{
	if (coding == NULL && outsz >= 2 * 16 + 4) {
		/* Every response has one: no snprintf on this path. */
		char *p = out;
		*p++ = '"';
		p = put_hex(p, (unsigned long long)st->st_mtime);
		*p++ = '-';
		p = put_hex(p, (unsigned long long)st->st_size);
		*p++ = '"';
		*p = '\0';
		return;
	}
	snprintf(out, outsz, "\"%llx-%llx%s%s\"",
		 (unsigned long long)st->st_mtime,
		 (unsigned long long)st->st_size, coding != NULL ? "-" : "",
		 coding != NULL ? coding : "");
}
