/*
 * file.c — open files beneath the document root.
 *
 * openat2(RESOLVE_BENEATH) makes the kernel refuse any resolution that
 * leaves the root, symlinks and ".." included.  Kernels before 5.6 lack it;
 * there we walk the path one component at a time with O_NOFOLLOW, which
 * refuses symbolic links altogether.
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

static int open_openat2(int rootfd, const char *rel)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};

	return (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
}

static int open_walk(int rootfd, const char *rel)
{
	char buf[PATH_MAX_LEN];
	int dirfd = rootfd;
	char *save = NULL;
	char *next;

	if (strlen(rel) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, rel);
	char *comp = strtok_r(buf, "/", &save);
	if (comp == NULL)
		return openat(rootfd, ".", O_RDONLY | O_CLOEXEC);
	for (; comp != NULL; comp = next) {
		next = strtok_r(NULL, "/", &save);
		if (strcmp(comp, "..") == 0) {
			errno = EXDEV;
			goto fail;
		}
		int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK |
			    (next != NULL ? O_DIRECTORY : 0);
		int fd = openat(dirfd, comp, flags);
		if (dirfd != rootfd)
			close(dirfd);
		dirfd = fd;
		if (fd == -1)
			return -1;
	}
	return dirfd;
fail:
	if (dirfd != rootfd) {
		int saved = errno;
		close(dirfd);
		errno = saved;
	}
	return -1;
}

int file_open_beneath(int rootfd, const char *path, struct stat *st)
{
	const char *rel = path[0] == '/' ? path + 1 : path;
	int fd = -1;

	if (*rel == '\0')
		rel = ".";
	if (have_openat2) {
		fd = open_openat2(rootfd, rel);
		if (fd == -1 && errno == ENOSYS)
			have_openat2 = false;
	}
	if (!have_openat2)
		fd = open_walk(rootfd, rel);
	if (fd == -1)
		return -1;
	if (fstat(fd, st) == -1) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

void file_etag(const struct stat *st, char *out, size_t outsz)
{
	snprintf(out, outsz, "\"%llx-%llx\"", (unsigned long long)st->st_mtime,
		 (unsigned long long)st->st_size);
}
