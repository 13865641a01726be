/*
 * fixture.h — what several unit suites share: a temporary directory with
 * files in it, and a struct reply read back as the bytes conn.c would send
 * (its out[] interleaved with its file segments).  Failures are Check
 * assertions, so a broken fixture fails the test that uses it.
 */
#ifndef FORKD_TEST_FIXTURE_H
#define FORKD_TEST_FIXTURE_H

#include <stddef.h>
#include <sys/socket.h>

#include "reply.h"

/* Descriptors this process has open (entries of /proc/self/fd). */
size_t fx_fds_open(void);

/* mkdtemp under /tmp; dir receives the real path (PATH_MAX bytes). */
void fx_dir_create(char *dir, const char *name);
/* Remove dir and everything beneath it (links are not followed). */
void fx_dir_remove(const char *dir);

/* dir/rel with exactly these bytes (created or truncated). */
void fx_put(const char *dir, const char *rel, const char *data, size_t len);
void fx_put_text(const char *dir, const char *rel, const char *text);
/* n bytes where byte i is fx_pattern_byte(i): offsets are easy to check. */
void fx_put_pattern(const char *dir, const char *rel, size_t n);
char fx_pattern_byte(size_t i);
void fx_mkdir(const char *dir, const char *rel);

/* A reply over buf[0..cap) with no file, as conn.c resets one. */
void fx_reply_init(struct reply *r, char *buf, size_t cap);

/*
 * The bytes r would put on the wire, NUL-terminated, in malloc'ed memory
 * the caller frees; *len (if not NULL) gets their count.  Reads the file
 * with pread: r itself is not changed.
 */
char *fx_reply_wire(const struct reply *r, size_t *len);

/* The body of a wire image: what follows the blank line, or NULL. */
const char *fx_body(const char *wire);

/*
 * The value of header name (any case) in the head of wire, copied into
 * out; NULL when the head has no such line.
 */
const char *fx_header(const char *wire, const char *name, char *out,
		      size_t len);

/* ss is family's address host (as inet_ntop writes it) and port; an
 * IPv6 one has no scope id or flow label. */
void fx_assert_addr(const struct sockaddr_storage *ss, int family,
		    const char *host, unsigned port);

#endif
