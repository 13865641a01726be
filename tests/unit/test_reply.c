/*
 * reply: heads, inline bodies and file segments laid out over temporary
 * files, then read back as the bytes conn.c would send.  A small file is
 * copied in and its descriptor closed; a large one stays a segment the
 * reply owns; what does not fit is an error, and the reply's descriptor
 * is closed by whoever drops it (HEAD, or a response gone wrong).
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "reply.h"
#include "suites.h"

#define BIG (3 * REPLY_INLINE_MAX + 5)

static char dir[PATH_MAX];

static void reply_setup(void)
{
	fx_dir_create(dir, "reply");
	fx_put_text(dir, "small.txt", "small body\n");
	fx_put_pattern(dir, "big.bin", BIG);
	fx_put_pattern(dir, "edge.bin", REPLY_INLINE_MAX);
	response_clock(1700000000);
}

static void reply_teardown(void)
{
	fx_dir_remove(dir);
}

static int open_rel(const char *rel)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd != -1, "%s", path);
	return fd;
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

static struct response_head head_of(int status, long long length)
{
	return (struct response_head){ .status = status,
				       .content_type = "text/plain",
				       .content_length = length };
}

/* The pattern file's bytes [off, end) follow at p. */
static void check_pattern(const char *p, size_t off, size_t end)
{
	for (size_t i = off; i < end; i++)
		ck_assert_msg(p[i - off] == fx_pattern_byte(i), "byte %zu", i);
}

START_TEST(test_reply_head)
{
	struct response_head h = head_of(200, 0);
	struct reply r;
	char buf[1024];

	fx_reply_init(&r, buf, sizeof(buf));
	r.keep_alive = true;
	ck_assert_int_eq(reply_head(&r, &h, true), 0);
	ck_assert(h.keep_alive && h.http10);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.len, r.head_len);
	char *wire = fx_reply_wire(&r, NULL);
	ck_assert_str_eq(wire, "HTTP/1.1 200 OK\r\nServer: forkd\r\n"
			       "Date: Tue, 14 Nov 2023 22:13:20 GMT\r\n"
			       "Content-Type: text/plain\r\n"
			       "Content-Length: 0\r\n"
			       "Connection: keep-alive\r\n\r\n");
	free(wire);

	/* keep_alive comes from the reply, not from the head */
	r.keep_alive = false;
	h.keep_alive = true;
	ck_assert_int_eq(reply_head(&r, &h, false), 0);
	ck_assert(!h.keep_alive);
	ck_assert_ptr_nonnull(strstr(buf, "Connection: close\r\n"));
}
END_TEST

START_TEST(test_reply_head_no_room)
{
	struct response_head h = head_of(404, 10);
	struct reply r;
	char buf[40];

	fx_reply_init(&r, buf, sizeof(buf));
	ck_assert_int_eq(reply_head(&r, &h, false), -1);
	ck_assert_uint_eq(r.len, 0);
	ck_assert_uint_eq(r.head_len, 0);
}
END_TEST

START_TEST(test_reply_body)
{
	struct response_head h = head_of(200, 10);
	struct reply r;
	char buf[256];

	fx_reply_init(&r, buf, sizeof(buf));
	ck_assert_int_eq(reply_head(&r, &h, false), 0);
	ck_assert_int_eq(reply_body(&r, "hello", 5), 0);
	ck_assert_int_eq(reply_body(&r, "world", 5), 0);
	char *wire = fx_reply_wire(&r, NULL);
	ck_assert_str_eq(fx_body(wire), "helloworld");
	free(wire);

	/* exactly full, then one byte over: refused, nothing written */
	uint32_t room = r.cap - r.len;
	char fill[256];
	memset(fill, 'x', sizeof(fill));
	ck_assert_int_eq(reply_body(&r, fill, room + 1), -1);
	ck_assert_uint_eq(r.len, r.cap - room);
	ck_assert_int_eq(reply_body(&r, fill, room), 0);
	ck_assert_uint_eq(r.len, r.cap);
	ck_assert_int_eq(reply_body(&r, "y", 1), -1);
}
END_TEST

/* A small file goes into out[] at once: no segment, descriptor closed. */
START_TEST(test_reply_file_small_inline)
{
	struct response_head h = head_of(200, 11);
	struct reply r;
	char buf[1024];
	int fd = open_rel("small.txt");

	fx_reply_init(&r, buf, sizeof(buf));
	ck_assert_int_eq(reply_head(&r, &h, false), 0);
	ck_assert_int_eq(reply_file(&r, fd, 0, 11), 0);
	ck_assert(!fd_open(fd));
	ck_assert_int_eq(r.file_fd, -1);
	ck_assert_uint_eq(r.nseg, 0);
	ck_assert_uint_eq(r.len, r.head_len + 11);
	char *wire = fx_reply_wire(&r, NULL);
	ck_assert_str_eq(fx_body(wire), "small body\n");
	free(wire);

	/* a range of it, and a file exactly at the inline limit */
	ck_assert_int_eq(reply_head(&r, &h, false), 0);
	ck_assert_int_eq(reply_file(&r, open_rel("small.txt"), 6, 10), 0);
	ck_assert_uint_eq(r.nseg, 0);
	ck_assert_mem_eq(r.out + r.head_len, "body", 4);
	char big[REPLY_INLINE_MAX + 512];
	fx_reply_init(&r, big, sizeof(big));
	ck_assert_int_eq(reply_head(&r, &h, false), 0);
	ck_assert_int_eq(
		reply_file(&r, open_rel("edge.bin"), 0, REPLY_INLINE_MAX), 0);
	ck_assert_uint_eq(r.nseg, 0);
	check_pattern(r.out + r.head_len, 0, REPLY_INLINE_MAX);
}
END_TEST

/* A large file is a segment: the reply keeps the descriptor. */
START_TEST(test_reply_file_large_segment)
{
	struct response_head h = head_of(200, BIG);
	struct reply r;
	char buf[1024];
	size_t len;
	int fd = open_rel("big.bin");

	fx_reply_init(&r, buf, sizeof(buf));
	ck_assert_int_eq(reply_head(&r, &h, false), 0);
	ck_assert_int_eq(reply_file(&r, fd, 0, BIG), 0);
	ck_assert_int_eq(r.file_fd, fd);
	ck_assert(fd_open(fd));
	ck_assert_uint_eq(r.nseg, 1);
	ck_assert_uint_eq(r.seg[0].out_end, r.head_len);
	ck_assert_int_eq(r.seg[0].file_off, 0);
	ck_assert_int_eq(r.seg[0].file_end, BIG);
	ck_assert_uint_eq(r.len, r.head_len);
	char *wire = fx_reply_wire(&r, &len);
	ck_assert_uint_eq(len, r.head_len + BIG);
	check_pattern(wire + r.head_len, 0, BIG);
	free(wire);
	reply_drop_body(&r);
	ck_assert(!fd_open(fd));
}
END_TEST

/* Inline only when out[] has the room: otherwise a segment, no error. */
START_TEST(test_reply_file_small_no_room)
{
	struct response_head h = head_of(200, 11);
	struct reply r;
	char buf[160], fill[160] = { 0 };
	int fd = open_rel("small.txt");

	fx_reply_init(&r, buf, sizeof(buf));
	ck_assert_int_eq(reply_head(&r, &h, false), 0);
	ck_assert_int_eq(reply_body(&r, fill, r.cap - r.len - 5), 0);
	ck_assert_int_eq(reply_file(&r, fd, 0, 11), 0);
	ck_assert_uint_eq(r.nseg, 1);
	ck_assert_int_eq(r.file_fd, fd);
	char *wire = fx_reply_wire(&r, NULL);
	ck_assert_str_eq(wire + r.len, "small body\n");
	free(wire);
	reply_drop_body(&r);
	ck_assert(!fd_open(fd));
}
END_TEST

/* The file shrank below what was asked: an error, descriptor closed. */
START_TEST(test_reply_file_short_read)
{
	struct response_head h = head_of(200, 50);
	struct reply r;
	char buf[1024];
	int fd = open_rel("small.txt");

	fx_reply_init(&r, buf, sizeof(buf));
	ck_assert_int_eq(reply_head(&r, &h, false), 0);
	ck_assert_int_eq(reply_file(&r, fd, 0, 50), -1);
	ck_assert(!fd_open(fd));
	ck_assert_int_eq(r.file_fd, -1);
}
END_TEST

/* Past REPLY_SEGS_MAX segments: -1, and the reply still owns the file. */
START_TEST(test_reply_file_too_many_segments)
{
	struct response_head h = head_of(200, -1);
	struct reply r;
	char buf[1024];
	int fd = open_rel("big.bin");

	fx_reply_init(&r, buf, sizeof(buf));
	ck_assert_int_eq(reply_head(&r, &h, false), 0);
	for (unsigned k = 0; k < REPLY_SEGS_MAX; k++)
		ck_assert_int_eq(reply_file(&r, fd, 0, BIG), 0);
	ck_assert_int_eq(reply_file(&r, fd, 0, BIG), -1);
	ck_assert_int_eq(r.file_fd, fd);
	ck_assert(fd_open(fd));
	reply_drop_body(&r);
	ck_assert(!fd_open(fd));
}
END_TEST

/* A second file replaces the first: the first descriptor is closed. */
START_TEST(test_reply_file_replaces_fd)
{
	struct response_head h = head_of(200, -1);
	struct reply r;
	char buf[1024];
	int a = open_rel("big.bin"), b = open_rel("big.bin");

	fx_reply_init(&r, buf, sizeof(buf));
	ck_assert_int_eq(reply_head(&r, &h, false), 0);
	ck_assert_int_eq(reply_file(&r, a, 0, BIG), 0);
	ck_assert_int_eq(reply_file(&r, b, 10, BIG), 0);
	ck_assert(!fd_open(a));
	ck_assert_int_eq(r.file_fd, b);
	/* a new head drops what was laid out before it */
	ck_assert_int_eq(reply_head(&r, &h, false), 0);
	ck_assert(!fd_open(b));
	ck_assert_uint_eq(r.nseg, 0);
	ck_assert_int_eq(r.file_fd, -1);
}
END_TEST

START_TEST(test_reply_multipart)
{
	struct range_set rs = { .r = { { 0, 10 }, { 20000, 20005 } }, .n = 2 };
	struct response_head h = head_of(206, -1);
	struct reply r;
	char buf[1024], want[1024];
	size_t len;
	int fd = open_rel("big.bin");

	h.content_type = "multipart/byteranges; boundary=BOUND";
	fx_reply_init(&r, buf, sizeof(buf));
	ck_assert_int_eq(reply_head(&r, &h, false), 0);
	ck_assert_int_eq(
		reply_multipart(&r, fd, &rs, "BOUND", "text/plain", BIG), 0);
	ck_assert_uint_eq(r.nseg, 2);
	ck_assert_int_eq(r.file_fd, fd);
	char *wire = fx_reply_wire(&r, &len);
	ck_assert_uint_eq(
		len - r.head_len,
		range_multipart_length(&rs, "BOUND", "text/plain", BIG));
	char part1[10], part2[5];
	for (size_t i = 0; i < 10; i++)
		part1[i] = fx_pattern_byte(i);
	for (size_t i = 0; i < 5; i++)
		part2[i] = fx_pattern_byte(20000 + i);
	snprintf(want, sizeof(want),
		 "\r\n--BOUND\r\nContent-Type: text/plain\r\n"
		 "Content-Range: bytes 0-9/%d\r\n\r\n%.10s"
		 "\r\n--BOUND\r\nContent-Type: text/plain\r\n"
		 "Content-Range: bytes 20000-20004/%d\r\n\r\n%.5s"
		 "\r\n--BOUND--\r\n",
		 BIG, part1, BIG, part2);
	ck_assert_str_eq(wire + r.head_len, want);
	free(wire);
	reply_drop_body(&r);
	ck_assert(!fd_open(fd));
}
END_TEST

/* Part heads that do not fit: -1, the file is the reply's to close. */
START_TEST(test_reply_multipart_no_room)
{
	struct range_set rs = { .r = { { 0, 10 }, { 20, 30 }, { 40, 50 } },
				.n = 3 };
	struct response_head h = head_of(206, -1);
	struct reply r;
	char buf[300];
	int fd = open_rel("big.bin");

	fx_reply_init(&r, buf, sizeof(buf));
	ck_assert_int_eq(reply_head(&r, &h, false), 0);
	ck_assert_int_eq(
		reply_multipart(&r, fd, &rs, "BOUND", "text/plain", BIG), -1);
	ck_assert_uint_le(r.len, r.cap);
	ck_assert_int_eq(r.file_fd, fd);
	reply_drop_body(&r);
	ck_assert(!fd_open(fd));
}
END_TEST

/* HEAD: the head as laid out for GET, no body bytes, no file. */
START_TEST(test_reply_drop_body_head)
{
	struct response_head h = head_of(200, BIG);
	struct reply r;
	char buf[1024];
	int fd = open_rel("big.bin");

	fx_reply_init(&r, buf, sizeof(buf));
	ck_assert_int_eq(reply_head(&r, &h, false), 0);
	uint32_t head_len = r.head_len;
	ck_assert_int_eq(reply_body(&r, "preamble", 8), 0);
	ck_assert_int_eq(reply_file(&r, fd, 0, BIG), 0);
	reply_drop_body(&r);
	ck_assert(!fd_open(fd));
	ck_assert_int_eq(r.file_fd, -1);
	ck_assert_uint_eq(r.nseg, 0);
	ck_assert_uint_eq(r.len, head_len);
	char *wire = fx_reply_wire(&r, NULL);
	ck_assert_str_eq(fx_body(wire), "");
	ck_assert_ptr_nonnull(strstr(wire, "Content-Length: 24581\r\n"));
	free(wire);
	/* dropping twice is harmless */
	reply_drop_body(&r);
	ck_assert_uint_eq(r.len, head_len);
}
END_TEST

Suite *reply_suite(void)
{
	Suite *s = suite_create("reply");
	TCase *tc = tcase_create("layout");

	tcase_add_unchecked_fixture(tc, reply_setup, reply_teardown);
	tcase_add_test(tc, test_reply_head);
	tcase_add_test(tc, test_reply_head_no_room);
	tcase_add_test(tc, test_reply_body);
	tcase_add_test(tc, test_reply_file_small_inline);
	tcase_add_test(tc, test_reply_file_large_segment);
	tcase_add_test(tc, test_reply_file_small_no_room);
	tcase_add_test(tc, test_reply_file_short_read);
	tcase_add_test(tc, test_reply_file_too_many_segments);
	tcase_add_test(tc, test_reply_file_replaces_fd);
	tcase_add_test(tc, test_reply_multipart);
	tcase_add_test(tc, test_reply_multipart_no_room);
	tcase_add_test(tc, test_reply_drop_body_head);
	suite_add_tcase(s, tc);
	return s;
}
