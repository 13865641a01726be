/*
 * fuzz_conn.c — libFuzzer harness for the connection handler the workers
 * run: conn_accept() on one end of a socketpair, the real event loop, the
 * real request parser, router, file opener, response writer and access log,
 * against a temporary document root.
 *
 * Input: two flag bytes (see struct variant), then the bytes the client
 * sends.  "\xfe\xff" splits them into chunks, each written and processed
 * before the next; an empty chunk advances the clock one second and expires
 * timers.  After the last chunk the client half-closes (or closes), reads
 * whatever comes, closes, and the connection must be gone: no connection,
 * file descriptor or scoreboard count may outlive the input.
 *
 * Oracles besides ASan/UBSan: the first response starts with a well-formed
 * status line and header block; the file outside the root never appears in
 * the output; bytes the server counted as sent equal the bytes received.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "conn.h"
#include "event.h"
#include "fdcache.h"
#include "log.h"
#include "mime.h"
#include "response.h"
#include "stats.h"
#include "vhost.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SPLIT "\xfe\xff"
#define SPLIT_LEN 2
#define SECRET "FORKD-FUZZ-SECRET-OUTSIDE-ROOT"
#define TICK_MS 1000
#define PUMP_ROUNDS 64         /* event loop rounds per chunk, at most */
#define FINAL_ROUNDS 4096      /* ... after the last chunk (large bodies) */
#define FD_SCAN 256            /* descriptors checked for leaks */
#define HEAD_KEEP 16384        /* bytes of output kept for the head check */

/* What the two leading bytes choose. */
struct variant {
	bool proxy_protocol;   /* byte 0 bit 0 */
	enum real_ip real_ip;  /* bits 1-2: off, XFF, Forwarded, XFF */
	bool no_keepalive;     /* bit 3: keepalive_timeout 0 */
	bool few_requests;     /* bit 4: keepalive_requests 3 */
	bool drain;            /* bit 5: the worker drains after chunk 1 */
	bool small_sndbuf;     /* bit 6: responses go out in small pieces */
	bool lazy_reader;      /* bit 7: the client reads only when it must */
	unsigned log;          /* byte 1 bits 0-1: off, combined, json, custom */
	unsigned peer;         /* bits 2-3: 127.0.0.1, ::1, 192.0.2.7, mapped */
	bool abrupt_close;     /* bit 4: close without half-closing first */
};

static char tmpdir[200];
static struct config *cf;
static struct server_conf sc;
/* What worker.c hands the connections: its loop, clock and pool. */
static struct event_loop loop;
static struct worker_view view;
static struct conn_pool pool;
static struct vhost vh;
static struct access_log *logs[3];
static bool verbose;

/* What the client received during one input. */
static struct capture {
	uint64_t total;
	size_t kept;
	char head[HEAD_KEEP];
	char tail[sizeof(SECRET) - 1]; /* across reads, for the secret scan */
	bool secret_sent;   /* the client sent it: a redirect may echo it */
	size_t tail_len;
} cap;

__attribute__((noreturn)) static void die(const char *what)
{
	fprintf(stderr, "fuzz_conn: %s: %s\n", what, strerror(errno));
	abort();
}

/* A finding: print it and abort, so that libFuzzer keeps the input. */
__attribute__((noreturn)) static void fail(const char *what)
{
	fprintf(stderr, "fuzz_conn: %s\n", what);
	abort();
}

/* ---- the document root ---- */

static void put_file(const char *rel, const char *body, size_t len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1 || write(fd, body, len) != (ssize_t)len || close(fd) == -1)
		die(path);
}

static void put_text(const char *rel, const char *text)
{
	put_file(rel, text, strlen(text));
}

static void put_dir(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	if (mkdir(path, 0755) == -1)
		die(path);
}

static void put_link(const char *target, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	if (symlink(target, path) == -1)
		die(path);
}

/* A file of n bytes that says where it is: offsets are easy to check. */
static void put_pattern(const char *rel, size_t n)
{
	char *body = malloc(n);

	if (body == NULL)
		die("malloc");
	for (size_t i = 0; i < n; i++)
		body[i] = (char)('a' + (i * 7 + i / 26) % 26);
	put_file(rel, body, n);
	free(body);
}

static void docroot_create(void)
{
	char path[512];

	put_dir("outside");
	put_text("outside/secret.txt", SECRET "\n");
	put_dir("root");
	put_text("root/index.html", "<!doctype html><title>forkd</title>hello\n");
	put_text("root/index.html.gz", "not really gzip\n");
	put_pattern("root/big.bin", 100 * 1024);
	put_pattern("root/edge.bin", 16000); /* about the inline body limit */
	put_file("root/empty.txt", "", 0);
	put_text("root/style.css", "body { color: #333 }\n");
	put_text("root/.hidden", "a dotfile\n");
	put_text("root/a b%.txt", "space and percent\n");
	put_text("root/\xc3\xbc" "n\xc3\xaf" "code.txt", "utf-8 name\n");
	put_dir("root/sub");
	put_text("root/sub/index.html", "sub index\n");
	put_dir("root/sub/noindex");
	put_text("root/sub/noindex/file.txt", "a file\n");
	put_dir("root/sub/htm");
	put_text("root/sub/htm/index.htm", "second index name\n");
	put_link("../index.html", "root/sub/link.html");
	put_link("../sub", "root/sub/up");
	put_link("../../outside/secret.txt", "root/sub/escape.txt");
	snprintf(path, sizeof(path), "%s/outside/secret.txt", tmpdir);
	put_link(path, "root/abs.txt");
	snprintf(path, sizeof(path), "%s/outside", tmpdir);
	put_link(path, "root/absdir");
	put_link("loop", "root/loop");
	put_link("missing", "root/dangling");
	snprintf(path, sizeof(path), "%s/root/fifo", tmpdir);
	if (mkfifo(path, 0644) == -1)
		die(path);
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	return remove(path);
}

static void docroot_remove(void)
{
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- the worker ---- */

static void config_create(void)
{
	char path[512], err[CONFIG_ERR_MAX];
	char text[4096];

	snprintf(text, sizeof(text),
		 "worker_processes = 1\n"
		 "pid_file = \"%s/forkd.pid\"\n"
		 "user = \"\"\n"
		 "server {\n"
		 "  listen = { \"127.0.0.1:8080\" }\n"
		 "  root = \"%s/root\"\n"
		 "  index = { \"index.html\", \"index.htm\" }\n"
		 "  keepalive_timeout = 3\n"
		 "  client_header_timeout = 2\n"
		 "  send_timeout = 2\n"
		 "  status_path = \"/status\"\n"
		 "  health_path = \"/health\"\n"
		 "  status_allow = { \"127.0.0.0/8\", \"::1\" }\n"
		 "  set_real_ip_from = { \"127.0.0.1\", \"::1\" }\n"
		 "}\n",
		 tmpdir, tmpdir);
	snprintf(path, sizeof(path), "%s/forkd.conf", tmpdir);
	put_text("forkd.conf", text);
	if ((cf = config_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_conn: config: %s\n", err);
		abort();
	}
	mime_use(cf->mime); /* as a worker does */
}

static void logs_open(void)
{
	static const char custom[] =
		"$remote_addr [$time_local] $time_iso8601 $msec \"$request\" "
		"$request_method $request_uri $server_protocol $host $status "
		"$body_bytes_sent $bytes_sent $request_time \"$http_referer\" "
		"\"$http_user_agent\" $connection $connection_requests ${pid}";

	logs[0] = access_log_open_as("/dev/null", ACCESS_COMBINED, NULL, 4096);
	logs[1] = access_log_open_as("/dev/null", ACCESS_JSON, NULL, 4096);
	logs[2] = access_log_open_as("/dev/null", ACCESS_CUSTOM, custom, 4096);
	if (logs[0] == NULL || logs[1] == NULL || logs[2] == NULL)
		die("access_log_open_as");
}

static void worker_create(void)
{
	if (stats_init() == -1)
		die("stats_init");
	int slot = stats_slot_take(getpid(), 1, 0);
	if (slot == -1)
		die("stats_slot_take");
	if (event_loop_init(&loop) == -1)
		die("event_loop_init");
	pool = (struct conn_pool){
		.loop = &loop,
		.cf = cf,
		.vhosts = &vh,
		.sw = &stats->w[slot],
		.trace = verbose,
	};
	view.now = 1700000000;
	view.now_ms = 1000000;
	response_clock(view.now);
	if ((vh.rootfd = open(cf->servers[0].root,
			      O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		die(cf->servers[0].root);
	vh.view = &view;
	vh.pool = &pool;
	vh.conf = &sc;
}

static void cleanup(void)
{
	docroot_remove();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *base = getenv("TMPDIR");

	verbose = getenv("FORKD_FUZZ_VERBOSE") != NULL;
	log_set_level(verbose ? LOG_LVL_DEBUG : LOG_LVL_CRIT);
	signal(SIGPIPE, SIG_IGN); /* as the worker does: sendfile may raise it */
	snprintf(tmpdir, sizeof(tmpdir), "%s/forkd-fuzz.XXXXXX",
		 base != NULL && strlen(base) < 160 ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		die("mkdtemp");
	atexit(cleanup);
	docroot_create();
	config_create();
	logs_open();
	worker_create();
	return 0;
}

/* ---- one input ---- */

static struct variant variant_of(const uint8_t *flags)
{
	return (struct variant){
		.proxy_protocol = flags[0] & 1,
		.real_ip = (flags[0] >> 1 & 3) == 2 ? REAL_IP_FORWARDED :
			   (flags[0] >> 1 & 3) != 0 ? REAL_IP_XFF : REAL_IP_OFF,
		.no_keepalive = flags[0] >> 3 & 1,
		.few_requests = flags[0] >> 4 & 1,
		.drain = flags[0] >> 5 & 1,
		.small_sndbuf = flags[0] >> 6 & 1,
		.lazy_reader = flags[0] >> 7 & 1,
		.log = flags[1] & 3,
		.peer = flags[1] >> 2 & 3,
		.abrupt_close = flags[1] >> 4 & 1,
	};
}

/* The vhost as worker.c's setup_vhosts leaves it, with the variant's
 * settings in a copy of the loaded server section. */
static void vhost_reset(const struct variant *v)
{
	sc = cf->servers[0];
	sc.proxy_protocol = v->proxy_protocol;
	sc.real_ip = v->real_ip;
	if (v->no_keepalive)
		sc.keepalive_timeout = 0;
	if (v->few_requests)
		sc.keepalive_requests = 3;
	vh.log = v->log == 0 ? NULL : logs[v->log - 1];
	memset(vh.timers, 0, sizeof(vh.timers));
	conn_vhost_init(&vh);
	view.draining = false;
}

static void peer_of(unsigned which, struct sockaddr_storage *ss)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	switch (which) {
	case 0:
	case 2:
		v4->sin_family = AF_INET;
		v4->sin_port = htons(40000);
		v4->sin_addr.s_addr = htonl(which == 0 ? 0x7f000001 : 0xc0000207);
		break;
	default:
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(40000);
		v6->sin6_addr.s6_addr[15] = 1;        /* ::1 */
		if (which == 3) {                     /* ::ffff:127.0.0.1 */
			v6->sin6_addr.s6_addr[10] = 0xff;
			v6->sin6_addr.s6_addr[11] = 0xff;
			v6->sin6_addr.s6_addr[12] = 127;
		}
		break;
	}
}

/* The descriptors open now, as a bitmap over [0, FD_SCAN): one poll(2). */
static void fds_open(bool open_fds[FD_SCAN])
{
	struct pollfd p[FD_SCAN];

	for (int i = 0; i < FD_SCAN; i++)
		p[i] = (struct pollfd){ .fd = i, .events = 0 };
	if (poll(p, FD_SCAN, 0) == -1)
		die("poll");
	for (int i = 0; i < FD_SCAN; i++)
		open_fds[i] = !(p[i].revents & POLLNVAL);
}

static void capture_add(const char *buf, size_t n)
{
	char scan[sizeof(cap.tail) + 4096];
	size_t keep = sizeof(cap.tail);

	if (cap.kept < sizeof(cap.head)) {
		size_t k = n < sizeof(cap.head) - cap.kept ? n : sizeof(cap.head) - cap.kept;
		memcpy(cap.head + cap.kept, buf, k);
		cap.kept += k;
	}
	cap.total += n;
	memcpy(scan, cap.tail, cap.tail_len);
	memcpy(scan + cap.tail_len, buf, n);
	size_t len = cap.tail_len + n;
	if (!cap.secret_sent && memmem(scan, len, SECRET, sizeof(SECRET) - 1) != NULL)
		fail("a file outside the root was served");
	cap.tail_len = len < keep ? len : keep;
	memcpy(cap.tail, scan + len - cap.tail_len, cap.tail_len);
}

/* Read what the server sent; returns the bytes read. */
static size_t client_drain(int fd)
{
	char buf[4096];
	size_t got = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		capture_add(buf, (size_t)n);
		got += (size_t)n;
	}
	return got;
}

/* Run the loop until nothing moves (or rounds run out). */
static void pump(int client, bool drain, int rounds)
{
	for (int i = 0; i < rounds; i++) {
		int n = event_run_once(&loop, 0);
		size_t got = drain ? client_drain(client) : 0;
		if (n == -1)
			die("event_run_once");
		if (n == 0 && got == 0)
			break;
	}
}

/* Send one chunk; a full socket makes the client read and the server run. */
static bool client_send(int client, const uint8_t *p, size_t len, bool lazy)
{
	while (len > 0) {
		ssize_t n = send(client, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n == -1 && errno == EAGAIN) {
			pump(client, true, PUMP_ROUNDS);
		} else {
			return false; /* the server closed: the rest is moot */
		}
	}
	pump(client, !lazy, PUMP_ROUNDS);
	return true;
}

static void tick(void)
{
	view.now_ms += TICK_MS;
	view.now += TICK_MS / 1000;
	response_clock(view.now);
	conn_expire(&vh, view.now_ms);
}

/* "HTTP/1.1 NNN reason\r\n", then "name: value\r\n" lines, then "\r\n". */
static void check_head(void)
{
	const char *p = cap.head, *end = cap.head + cap.kept;

	if (cap.kept == 0)
		return;
	if (memcmp(p, "HTTP/1.1 ", cap.kept < 9 ? cap.kept : 9) != 0)
		fail("the response does not start with \"HTTP/1.1 \"");
	if (cap.kept < 13)
		return;
	if (p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' ||
	    p[11] < '0' || p[11] > '9' || p[12] != ' ')
		fail("malformed status code");
	const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
	while (eol != NULL) {
		for (const char *c = p; c < eol; c++)
			if (*c == '\r' || *c == '\n' || *c == '\0')
				fail("a bare CR, LF or NUL in the response head");
		p = eol + 2;
		if (p + 2 <= end && p[0] == '\r' && p[1] == '\n')
			return; /* the blank line */
		eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (eol == NULL)
			return; /* cut short (a timeout, a close) */
		const char *colon = memchr(p, ':', (size_t)(eol - p));
		if (colon == NULL || colon == p || colon + 1 >= eol || colon[1] != ' ')
			fail("a header line is not \"name: value\"");
	}
}

/* FORKD_FUZZ_VERBOSE: the status lines seen (in the first HEAD_KEEP bytes;
 * a body may hold lookalikes). */
static void report(void)
{
	const char *p = cap.head, *end = cap.head + cap.kept;

	fprintf(stderr, "fuzz_conn: %llu bytes:", (unsigned long long)cap.total);
	while ((p = memmem(p, (size_t)(end - p), "HTTP/1.1 ", 9)) != NULL &&
	       end - p >= 12) {
		fprintf(stderr, " %.3s", p + 9);
		p += 12;
	}
	fprintf(stderr, "\n");
}

/* After the client closed: the connection and all it held are gone. */
static void check_gone(int client, const bool fds_before[FD_SCAN],
		       uint64_t sent_before)
{
	bool fds_after[FD_SCAN];
	struct stats_worker *sw = pool.sw;

	pump(client, false, FINAL_ROUNDS);
	/* Range requests may leave a descriptor in the worker's cache on
	 * purpose; what the connection itself opened must be gone. */
	fdcache_clear();
	if (pool.nconns != 0)
		fail("the connection outlived its client (would wait for a timer)");
	if (STATS_GET(sw->reading) || STATS_GET(sw->writing) || STATS_GET(sw->idle))
		fail("scoreboard state counters did not return to 0");
	if (STATS_GET(sw->bytes_sent) - sent_before != cap.total)
		fail("bytes counted as sent differ from bytes received");
	fds_open(fds_after);
	for (int i = 0; i < FD_SCAN; i++)
		if (fds_after[i] && !fds_before[i])
			fail("a file descriptor leaked");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool fds_before[FD_SCAN];
	struct sockaddr_storage peer;
	int sv[2];

	if (size < 2)
		return 0;
	struct variant v = variant_of(data);
	data += 2;
	size -= 2;
	fdcache_clear();
	fds_open(fds_before);
	vhost_reset(&v);
	memset(&cap, 0, offsetof(struct capture, head));
	cap.tail_len = 0;
	cap.secret_sent = memmem(data, size, SECRET, sizeof(SECRET) - 1) != NULL;
	uint64_t sent_before = STATS_GET(pool.sw->bytes_sent);

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
		       sv) == -1)
		die("socketpair");
	if (v.small_sndbuf) {
		int sz = 4096;
		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	}
	peer_of(v.peer, &peer);
	if (conn_accept(&vh, sv[0], &peer) == -1)
		die("conn_accept");

	bool alive = true;
	for (size_t chunk = 0; alive; chunk++) {
		const uint8_t *split = memmem(data, size, SPLIT, SPLIT_LEN);
		size_t len = split != NULL ? (size_t)(split - data) : size;
		if (len == 0 && split != NULL)
			tick();
		else if (len > 0)
			alive = client_send(sv[1], data, len, v.lazy_reader);
		if (chunk == 0 && v.drain) {
			view.draining = true;
			conn_drain(&vh);
		}
		if (split == NULL)
			break;
		data += len + SPLIT_LEN;
		size -= len + SPLIT_LEN;
	}
	if (!v.abrupt_close) {
		shutdown(sv[1], SHUT_WR);
		pump(sv[1], true, FINAL_ROUNDS);
	}
	client_drain(sv[1]);
	close(sv[1]);
	check_gone(sv[1], fds_before, sent_before);
	check_head();
	if (verbose)
		report();
	return 0;
}
