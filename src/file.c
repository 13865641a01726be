/*
 * file.c — open files beneath the document root.
 *
 * openat2(RESOLVE_BENEATH) makes the kernel refuse any resolution that
 * leaves the root, symlinks and ".." included; RESOLVE_NO_SYMLINKS refuses
 * links altogether.  Kernels before 5.6 lack it; there we walk the path one
 * component at a time with O_NOFOLLOW, which refuses symbolic links
 * altogether.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "file.h"
#include "path.h"

static bool have_openat2 = true;

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

static int open_rel(int rootfd, const char *rel, enum file_symlinks policy)
{
	const int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK;
	int fd = -1;

	if (have_openat2) {
		if (policy == SYMLINKS_OWNER && strcmp(rel, ".") != 0 &&
		    owner_check(rootfd, rel) == -1 && errno != ENOSYS)
			return -1;
		fd = open_openat2(rootfd, rel, flags,
				  policy == SYMLINKS_OFF ? RESOLVE_NO_SYMLINKS : 0);
		if (fd == -1 && errno == ENOSYS)
			have_openat2 = false;
	}
	if (!have_openat2)
		fd = open_walk(rootfd, rel);
	return fd;
}

int file_open(int rootfd, const char *path, enum file_symlinks policy,
	      struct stat *st)
{
	const char *rel = path[0] == '/' ? path + 1 : path;
	int fd;

	if (*rel == '\0')
		rel = ".";
	if ((fd = open_rel(rootfd, rel, policy)) == -1)
		return -1;
	if (fstat(fd, st) == -1) {
		close_keep_errno(fd);
		return -1;
	}
	return fd;
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
