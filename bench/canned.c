/*
 * canned.c — the floor for `make bench`: an "HTTP server" that parses
 * nothing and answers every read with one fixed response, a 612-byte
 * body behind headers shaped like a static server's.
 *
 *   canned PORT WORKERS [close]
 *
 * The master opens WORKERS SO_REUSEPORT listeners on 127.0.0.1:PORT and
 * forks one process per listener.  Each runs a level-triggered epoll loop:
 * accept what is queued, then for every readable connection one read()
 * and one write() of the canned bytes (with "close": then close()).  A
 * read of 0 or an error closes.  Pipelined requests get one answer per
 * read, not per request: this is a ceiling for one request per read,
 * nothing more.  SIGTERM, SIGINT or SIGQUIT to the master stops the
 * workers; a worker dies with its master.  Loopback only; never installed.
 */
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define BODY_LEN 612
#define WORKERS_MAX 256
#define EVENTS 64
#define READ_MAX 4096

static char reply[1024];
static size_t reply_len;

/* The canned response: headers the size a file server sends, body of x. */
static void reply_build(int close_after)
{
	int n = snprintf(reply, sizeof(reply),
			 "HTTP/1.1 200 OK\r\n"
			 "Server: canned\r\n"
			 "Date: Thu, 01 Jan 2026 00:00:00 GMT\r\n"
			 "Content-Type: text/html\r\n"
			 "Content-Length: %d\r\n"
			 "Last-Modified: Thu, 01 Jan 2026 00:00:00 GMT\r\n"
			 "ETag: \"677a0000-264\"\r\n"
			 "Accept-Ranges: bytes\r\n"
			 "%s\r\n",
			 BODY_LEN, close_after ? "Connection: close\r\n" : "");

	memset(reply + n, 'x', BODY_LEN);
	reply_len = (size_t)n + BODY_LEN;
}

/* Room for as many connections as the hard limit allows. */
static void nofile_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int listener_open(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd == -1)
		return -1;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) == -1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(fd, 4096) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static void accept_all(int ep, int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
		ev.data.fd = fd;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1)
			close(fd);
	}
}

/* One read, one write: the whole per-request cost this server has. */
static void answer(int fd, int close_after)
{
	char buf[READ_MAX];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 || write(fd, reply, reply_len) != (ssize_t)reply_len ||
	    close_after)
		close(fd); /* closing also removes it from the epoll set */
}

static void worker_run(int lfd, int close_after)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = lfd };
	struct epoll_event evs[EVENTS];
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep == -1 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) == -1) {
		perror("canned: epoll");
		_exit(1);
	}
	for (;;) {
		int n = epoll_wait(ep, evs, EVENTS, -1);

		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == lfd)
				accept_all(ep, lfd);
			else
				answer(evs[i].data.fd, close_after);
		}
	}
}

static pid_t worker_spawn(int lfd, int close_after, const sigset_t *old)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sigprocmask(SIG_SETMASK, old, NULL);
	signal(SIGPIPE, SIG_IGN);
	worker_run(lfd, close_after);
	_exit(0);
}

/* SIGTERM, not SIGKILL: a worker under valgrind still writes its counts. */
static void workers_stop(const pid_t *pids, int n)
{
	for (int i = 0; i < n; i++)
		kill(pids[i], SIGTERM);
	while (wait(NULL) > 0 || errno == EINTR)
		;
}

/* Wait for a stop signal (exit 0) or a worker's death (exit 1). */
static int master_wait(const pid_t *pids, int n, const sigset_t *set)
{
	int sig;

	if (sigwait(set, &sig) != 0)
		sig = SIGCHLD;
	workers_stop(pids, n);
	return sig == SIGCHLD;
}

int main(int argc, char **argv)
{
	pid_t pids[WORKERS_MAX];
	sigset_t set, old;
	int port, workers, close_after;

	if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "close") != 0)) {
		fprintf(stderr, "usage: canned PORT WORKERS [close]\n");
		return 2;
	}
	port = atoi(argv[1]);
	workers = atoi(argv[2]);
	close_after = argc == 4;
	if (port <= 0 || port > 65535 || workers < 1 || workers > WORKERS_MAX) {
		fprintf(stderr, "canned: bad port or worker count\n");
		return 2;
	}
	reply_build(close_after);
	nofile_raise();
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	for (int i = 0; i < workers; i++) {
		int lfd = listener_open(port);

		if (lfd == -1) {
			perror("canned: listen");
			workers_stop(pids, i);
			return 1;
		}
		pids[i] = worker_spawn(lfd, close_after, &old);
		close(lfd);
	}
	return master_wait(pids, workers, &set);
}
