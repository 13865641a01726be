/*
 * fixture.c — temporary trees and reply images for the unit suites.
 */
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <check.h>

#include "fixture.h"

void fx_dir_create(char *dir, const char *name)
{
	char tmpl[PATH_MAX];

	snprintf(tmpl, sizeof(tmpl), "/tmp/forkd-test-%s-XXXXXX", name);
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	ck_assert_ptr_nonnull(realpath(tmpl, dir));
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	return remove(path);
}

void fx_dir_remove(const char *dir)
{
	if (dir[0] != '\0')
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void fx_put(const char *dir, const char *rel, const char *data, size_t len)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_msg(fd != -1, "%s", path);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

void fx_put_text(const char *dir, const char *rel, const char *text)
{
	fx_put(dir, rel, text, strlen(text));
}

char fx_pattern_byte(size_t i)
{
	return (char)('a' + (i * 7 + i / 26) % 26);
}

void fx_put_pattern(const char *dir, const char *rel, size_t n)
{
	char *body = malloc(n + 1);

	ck_assert_ptr_nonnull(body);
	for (size_t i = 0; i < n; i++)
		body[i] = fx_pattern_byte(i);
	fx_put(dir, rel, body, n);
	free(body);
}

void fx_mkdir(const char *dir, const char *rel)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	ck_assert_msg(mkdir(path, 0755) == 0, "%s", path);
}

void fx_reply_init(struct reply *r, char *buf, size_t cap)
{
	*r = (struct reply){ .out = buf, .cap = (uint32_t)cap, .file_fd = -1 };
}

static size_t wire_size(const struct reply *r)
{
	size_t n = r->len;

	for (unsigned k = 0; k < r->nseg; k++)
		n += (size_t)(r->seg[k].file_end - r->seg[k].file_off);
	return n;
}

char *fx_reply_wire(const struct reply *r, size_t *len)
{
	char *wire = malloc(wire_size(r) + 1), *p = wire;
	uint32_t at = 0;

	ck_assert_ptr_nonnull(wire);
	for (unsigned k = 0; k < r->nseg; k++) {
		const struct reply_seg *s = &r->seg[k];
		size_t n = (size_t)(s->file_end - s->file_off);
		ck_assert_uint_le(at, s->out_end);
		memcpy(p, r->out + at, s->out_end - at);
		p += s->out_end - at;
		at = s->out_end;
		ck_assert_int_ne(r->file_fd, -1);
		ck_assert_int_eq(pread(r->file_fd, p, n, s->file_off),
				 (ssize_t)n);
		p += n;
	}
	memcpy(p, r->out + at, r->len - at);
	p += r->len - at;
	*p = '\0';
	if (len != NULL)
		*len = (size_t)(p - wire);
	return wire;
}

const char *fx_body(const char *wire)
{
	const char *p = strstr(wire, "\r\n\r\n");

	return p != NULL ? p + 4 : NULL;
}

const char *fx_header(const char *wire, const char *name, char *out, size_t len)
{
	const char *end = strstr(wire, "\r\n\r\n");
	size_t nlen = strlen(name);

	for (const char *p = strstr(wire, "\r\n"); p != NULL && p < end;
	     p = strstr(p + 2, "\r\n")) {
		const char *line = p + 2;
		if (strncasecmp(line, name, nlen) != 0 || line[nlen] != ':')
			continue;
		const char *v = line + nlen + 1 + (line[nlen + 1] == ' ');
		size_t vlen = (size_t)(strstr(v, "\r\n") - v);
		snprintf(out, len, "%.*s", (int)vlen, v);
		return out;
	}
	return NULL;
}

void fx_assert_addr(const struct sockaddr_storage *ss, int family,
		    const char *host, unsigned port)
{
	char buf[INET6_ADDRSTRLEN];
	const void *a;
	unsigned p;

	ck_assert_int_eq(ss->ss_family, family);
	if (family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		a = &sin->sin_addr;
		p = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		a = &sin6->sin6_addr;
		p = ntohs(sin6->sin6_port);
		ck_assert_uint_eq(sin6->sin6_scope_id, 0);
		ck_assert_uint_eq(sin6->sin6_flowinfo, 0);
	}
	ck_assert_ptr_nonnull(inet_ntop(family, a, buf, sizeof(buf)));
	ck_assert_str_eq(buf, host);
	ck_assert_uint_eq(p, port);
}

size_t fx_fds_open(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t n = 0;

	ck_assert_ptr_nonnull(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}
