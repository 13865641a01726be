/*
 * serve: serve_request over a temporary document root, no sockets — a raw
 * request parsed by request.c, answered into a struct reply, read back as
 * its wire bytes.  Files, errors (404 for what is missing or hidden, 403
 * for what may not be listed or leaves the root, 405), the slash redirect,
 * index files, ranges, conditional requests and HEAD.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "fixture.h"
#include "site.h"
#include "suites.h"

#define BIG_SIZE (100 * 1024)
#define INDEX_BODY "<!doctype html><title>forkd</title>hello\n"

static void serve_setup(void)
{
	char path[PATH_MAX * 2];

	site_create("serve", "index = { \"index.html\", \"index.htm\" }\n");
	fx_put_text(site.root, "index.html", INDEX_BODY);
	fx_put_text(site.root, "a.txt", "0123456789abcdef\n");
	fx_put_pattern(site.root, "big.bin", BIG_SIZE);
	fx_put_text(site.root, ".hidden", "a dotfile\n");
	fx_put_text(site.root, "a b.txt", "space\n");
	fx_put_text(site.root, "gone.html", "custom gone page\n");
	fx_mkdir(site.root, "sub");
	fx_put_text(site.root, "sub/index.htm", "second index name\n");
	fx_mkdir(site.root, "empty");
	fx_mkdir(site.root, ".git");
	fx_put_text(site.root, ".git/config", "[core]\n");
	fx_put_text(site.dir, "secret.txt", "outside the root\n");
	ck_assert_int_eq(
		symlink("../secret.txt",
			strcat(strcpy(path, site.root), "/escape.txt")),
		0);
	ck_assert_int_eq(mkfifo(strcat(strcpy(path, site.root), "/fifo"), 0644),
			 0);
}

static char out[SITE_OUT];
static struct reply r;

static char *get(const char *raw)
{
	return site_serve(raw, "127.0.0.1", &r, out);
}

/* "HTTP/1.1 NNN" of wire. */
static int status_of(const char *wire)
{
	ck_assert_msg(strncmp(wire, "HTTP/1.1 ", 9) == 0, "%s", wire);
	return atoi(wire + 9);
}

static const char *hdr(const char *wire, const char *name)
{
	static char value[512];

	return fx_header(wire, name, value, sizeof(value));
}

/* The ETag and Last-Modified a.txt is served with. */
static void validators(char *etag, size_t len, char *date)
{
	struct stat st;
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/a.txt", site.root);
	ck_assert_int_eq(stat(path, &st), 0);
	file_etag(&st, etag, len);
	response_http_date(st.st_mtime, date);
}

START_TEST(test_serve_file_200)
{
	char etag[FILE_ETAG_MAX], date[HTTP_DATE_LEN + 1];
	char *wire = get("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n");

	validators(etag, sizeof(etag), date);
	ck_assert_int_eq(status_of(wire), 200);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(hdr(wire, "Content-Type"),
			 "text/plain; charset=utf-8");
	ck_assert_str_eq(hdr(wire, "Content-Length"), "17");
	ck_assert_str_eq(hdr(wire, "ETag"), etag);
	ck_assert_str_eq(hdr(wire, "Last-Modified"), date);
	ck_assert_str_eq(hdr(wire, "Accept-Ranges"), "bytes");
	ck_assert_str_eq(hdr(wire, "Date"), "Tue, 14 Nov 2023 22:13:20 GMT");
	ck_assert_ptr_null(hdr(wire, "Connection")); /* 1.1 keep-alive */
	ck_assert_str_eq(fx_body(wire), "0123456789abcdef\n");
	free(wire);

	/* HTTP/1.0 without keep-alive: the head says close */
	wire = get("GET /a.txt HTTP/1.0\r\n\r\n");
	ck_assert_str_eq(hdr(wire, "Connection"), "close");
	ck_assert(!r.keep_alive);
	free(wire);
	/* an encoded name */
	wire = get("GET /a%20b.txt HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_str_eq(fx_body(wire), "space\n");
	free(wire);
}
END_TEST

/* A file above the inline limit goes out as a segment of the file. */
START_TEST(test_serve_big_file)
{
	size_t len;
	char *wire = get("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");

	ck_assert_int_eq(status_of(wire), 200);
	ck_assert_str_eq(hdr(wire, "Content-Length"), "102400");
	ck_assert_str_eq(hdr(wire, "Content-Type"), "application/octet-stream");
	ck_assert_uint_eq(r.nseg, 1);
	ck_assert_int_ne(r.file_fd, -1);
	free(wire);
	wire = fx_reply_wire(&r, &len);
	ck_assert_uint_eq(len, r.head_len + BIG_SIZE);
	for (size_t i = 0; i < BIG_SIZE; i += 997)
		ck_assert(wire[r.head_len + i] == fx_pattern_byte(i));
	free(wire);
	reply_drop_body(&r);
}
END_TEST

START_TEST(test_serve_not_found)
{
	static const char *const targets[] = {
		"/missing.txt",
		"/sub/missing",
		"/a.txt/x",
		/* hidden, as if they did not exist */
		"/.hidden",
		"/.git/config",
		"/.git/",
	};

	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		char raw[256];
		snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n",
			 targets[i]);
		char *wire = get(raw);
		ck_assert_msg(status_of(wire) == 404, "%s: %s", targets[i],
			      wire);
		ck_assert_str_eq(hdr(wire, "Content-Type"),
				 "text/html; charset=utf-8");
		ck_assert_ptr_nonnull(strstr(fx_body(wire), "404"));
		ck_assert(r.keep_alive); /* a 404 keeps the connection */
		free(wire);
	}
}
END_TEST

START_TEST(test_serve_dotfiles_allowed)
{
	site.sc.defaults.dotfiles = true;
	char *wire = get("GET /.hidden HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(status_of(wire), 200);
	ck_assert_str_eq(fx_body(wire), "a dotfile\n");
	free(wire);
}
END_TEST

START_TEST(test_serve_forbidden)
{
	static const char *const targets[] = {
		"/empty/",     /* a directory without index, autoindex off */
		"/fifo",       /* not a regular file */
		"/escape.txt", /* a link that leaves the root */
	};

	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		char raw[256];
		snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n",
			 targets[i]);
		char *wire = get(raw);
		ck_assert_msg(status_of(wire) == 403, "%s: %s", targets[i],
			      wire);
		ck_assert_ptr_null(strstr(wire, "outside the root"));
		free(wire);
	}
}
END_TEST

START_TEST(test_serve_bad_requests)
{
	char *wire = get("POST /a.txt HTTP/1.1\r\nHost: x\r\n"
			 "Content-Length: 0\r\n\r\n");
	ck_assert_int_eq(status_of(wire), 405);
	ck_assert_str_eq(hdr(wire, "Allow"), "GET, HEAD");
	free(wire);
	/* above the root: not understood, and the connection closes */
	wire = get("GET /../secret.txt HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(status_of(wire), 400);
	ck_assert(!r.keep_alive);
	ck_assert_str_eq(hdr(wire, "Connection"), "close");
	free(wire);
}
END_TEST

/* A directory without its slash: 301 to it, the query kept. */
START_TEST(test_serve_dir_redirect)
{
	char *wire = get("GET /sub HTTP/1.1\r\nHost: x\r\n\r\n");

	ck_assert_int_eq(status_of(wire), 301);
	ck_assert_str_eq(hdr(wire, "Location"), "/sub/");
	ck_assert_ptr_nonnull(strstr(fx_body(wire), "301"));
	free(wire);
	wire = get("GET /sub?a=1&b=%20 HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_str_eq(hdr(wire, "Location"), "/sub/?a=1&b=%20");
	free(wire);
	wire = get("HEAD /sub HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(status_of(wire), 301);
	ck_assert_str_eq(fx_body(wire), "");
	free(wire);
}
END_TEST

/* The index names in order: index.html at /, index.htm in /sub/. */
START_TEST(test_serve_index)
{
	char *wire = get("GET / HTTP/1.1\r\nHost: x\r\n\r\n");

	ck_assert_int_eq(status_of(wire), 200);
	ck_assert_str_eq(hdr(wire, "Content-Type"), "text/html; charset=utf-8");
	ck_assert_str_eq(fx_body(wire), INDEX_BODY);
	free(wire);
	wire = get("GET /sub/ HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(status_of(wire), 200);
	ck_assert_str_eq(fx_body(wire), "second index name\n");
	free(wire);
	/* autoindex on lists a directory that has no index */
	site.sc.defaults.autoindex = true;
	wire = get("GET /empty/ HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(status_of(wire), 200);
	free(wire);
}
END_TEST

START_TEST(test_serve_range)
{
	char *wire = get("GET /a.txt HTTP/1.1\r\nHost: x\r\n"
			 "Range: bytes=2-5\r\n\r\n");

	ck_assert_int_eq(status_of(wire), 206);
	ck_assert_str_eq(hdr(wire, "Content-Range"), "bytes 2-5/17");
	ck_assert_str_eq(hdr(wire, "Content-Length"), "4");
	ck_assert_str_eq(fx_body(wire), "2345");
	free(wire);

	wire = get("GET /a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=-3\r\n\r\n");
	ck_assert_str_eq(fx_body(wire), "ef\n");
	free(wire);

	wire = get(
		"GET /a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=99-\r\n\r\n");
	ck_assert_int_eq(status_of(wire), 416);
	ck_assert_str_eq(hdr(wire, "Content-Range"), "bytes */17");
	free(wire);

	/* malformed: the whole file */
	wire = get(
		"GET /a.txt HTTP/1.1\r\nHost: x\r\nRange: lines=1-2\r\n\r\n");
	ck_assert_int_eq(status_of(wire), 200);
	free(wire);
}
END_TEST

START_TEST(test_serve_range_multipart)
{
	char *wire = get("GET /a.txt HTTP/1.1\r\nHost: x\r\n"
			 "Range: bytes=0-1,10-11\r\n\r\n");
	char boundary[64];

	ck_assert_int_eq(status_of(wire), 206);
	const char *type = hdr(wire, "Content-Type");
	ck_assert_int_eq(
		sscanf(type, "multipart/byteranges; boundary=%63s", boundary),
		1);
	const char *body = fx_body(wire);
	ck_assert_uint_eq(strlen(body),
			  strtoul(hdr(wire, "Content-Length"), NULL, 10));
	char want[512];
	snprintf(want, sizeof(want),
		 "\r\n--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
		 "Content-Range: bytes 0-1/17\r\n\r\n01"
		 "\r\n--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
		 "Content-Range: bytes 10-11/17\r\n\r\nab"
		 "\r\n--%s--\r\n",
		 boundary, boundary, boundary);
	ck_assert_str_eq(body, want);
	free(wire);
	reply_drop_body(&r);
}
END_TEST

START_TEST(test_serve_conditional)
{
	char etag[FILE_ETAG_MAX], date[HTTP_DATE_LEN + 1], raw[512];

	validators(etag, sizeof(etag), date);
	snprintf(raw, sizeof(raw),
		 "GET /a.txt HTTP/1.1\r\nHost: x\r\n"
		 "If-None-Match: \"nope\", %s\r\n\r\n",
		 etag);
	char *wire = get(raw);
	ck_assert_int_eq(status_of(wire), 304);
	ck_assert_str_eq(hdr(wire, "ETag"), etag);
	ck_assert_ptr_null(hdr(wire, "Content-Length"));
	ck_assert_str_eq(fx_body(wire), "");
	free(wire);

	snprintf(raw, sizeof(raw),
		 "GET /a.txt HTTP/1.1\r\nHost: x\r\n"
		 "If-Modified-Since: %s\r\n\r\n",
		 date);
	wire = get(raw);
	ck_assert_int_eq(status_of(wire), 304);
	free(wire);

	wire = get("GET /a.txt HTTP/1.1\r\nHost: x\r\n"
		   "If-Modified-Since: Thu, 01 Jan 1998 00:00:00 GMT\r\n\r\n");
	ck_assert_int_eq(status_of(wire), 200);
	free(wire);

	wire = get("GET /a.txt HTTP/1.1\r\nHost: x\r\n"
		   "If-Match: \"other\"\r\n\r\n");
	ck_assert_int_eq(status_of(wire), 412);
	free(wire);

	wire = get(
		"GET /a.txt HTTP/1.1\r\nHost: x\r\n"
		"If-Unmodified-Since: Thu, 01 Jan 1998 00:00:00 GMT\r\n\r\n");
	ck_assert_int_eq(status_of(wire), 412);
	free(wire);

	/* If-Range with a stale tag: the whole file, not the range */
	wire = get("GET /a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\n"
		   "If-Range: \"stale\"\r\n\r\n");
	ck_assert_int_eq(status_of(wire), 200);
	free(wire);
}
END_TEST

/* HEAD: the head GET would get, Content-Length included, and no body. */
START_TEST(test_serve_head)
{
	char *get_wire = get("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
	uint32_t get_head = r.head_len;
	reply_drop_body(&r);
	char *head_wire = get("HEAD /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");

	ck_assert_uint_eq(strlen(head_wire), get_head);
	ck_assert_int_eq(memcmp(head_wire, get_wire, get_head), 0);
	ck_assert_uint_eq(r.nseg, 0);
	ck_assert_int_eq(r.file_fd, -1);
	ck_assert_str_eq(hdr(head_wire, "Content-Length"), "102400");
	free(get_wire);
	free(head_wire);
	head_wire = get("HEAD /missing HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(status_of(head_wire), 404);
	ck_assert_str_eq(fx_body(head_wire), "");
	free(head_wire);
}
END_TEST

/* error_page: the configured file is the body of its status. */
START_TEST(test_serve_error_page)
{
	site.sc.defaults.error_page[404 - ERROR_PAGE_FIRST] = "/gone.html";
	char *wire = get("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(status_of(wire), 404);
	ck_assert_str_eq(fx_body(wire), "custom gone page\n");
	free(wire);
}
END_TEST

Suite *serve_suite(void)
{
	Suite *s = suite_create("serve");
	TCase *tc = tcase_create("request");

	tcase_add_unchecked_fixture(tc, serve_setup, site_remove);
	tcase_add_test(tc, test_serve_file_200);
	tcase_add_test(tc, test_serve_big_file);
	tcase_add_test(tc, test_serve_not_found);
	tcase_add_test(tc, test_serve_dotfiles_allowed);
	tcase_add_test(tc, test_serve_forbidden);
	tcase_add_test(tc, test_serve_bad_requests);
	tcase_add_test(tc, test_serve_dir_redirect);
	tcase_add_test(tc, test_serve_index);
	tcase_add_test(tc, test_serve_range);
	tcase_add_test(tc, test_serve_range_multipart);
	tcase_add_test(tc, test_serve_conditional);
	tcase_add_test(tc, test_serve_head);
	tcase_add_test(tc, test_serve_error_page);
	suite_add_tcase(s, tc);
	return s;
}
