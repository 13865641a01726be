/* event.c: dispatch (by event_source and by fd), and forgetting a source
 * removed during a batch. */
#include <stdlib.h>
#include <unistd.h>

#include "event.h"
#include "suites.h"

struct probe {
	struct event_source ev;
	int wfd;
	int calls;
	struct probe *victim; /* removed (and "freed") by this one's handler */
	struct event_loop *loop;
};

static void on_probe(struct event_source *src, unsigned events)
{
	struct probe *p = (struct probe *)src;

	(void)events;
	p->calls++;
	if (p->victim != NULL) {
		event_del(p->loop, &p->victim->ev);
		p->victim->ev.handler = NULL; /* a call now would crash */
	}
}

static void probe_open(struct probe *p, struct event_loop *loop)
{
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	*p = (struct probe){ .ev = { on_probe, fds[0] },
			     .wfd = fds[1],
			     .loop = loop };
	ck_assert_int_eq(event_add(loop, &p->ev, EV_READ), 0);
	ck_assert_int_eq(write(fds[1], "x", 1), 1);
}

static void probe_close(struct probe *p)
{
	close(p->ev.fd);
	close(p->wfd);
}

/* Whichever of two ready sources runs first removes the other: the other
 * must not be called in the same batch (its struct may be gone). */
START_TEST(test_event_del_forgets_pending)
{
	struct event_loop loop;
	struct probe a, b;

	ck_assert_int_eq(event_loop_init(&loop), 0);
	probe_open(&a, &loop);
	probe_open(&b, &loop);
	a.victim = &b;
	b.victim = &a;
	ck_assert_int_eq(event_run_once(&loop, 1000), 2);
	ck_assert_int_eq(a.calls + b.calls, 1);
	ck_assert_ptr_null(loop.batch);
	probe_close(&a);
	probe_close(&b);
	event_loop_close(&loop);
}
END_TEST

START_TEST(test_event_dispatch_all)
{
	struct event_loop loop;
	struct probe p[3];

	ck_assert_int_eq(event_loop_init(&loop), 0);
	for (int i = 0; i < 3; i++)
		probe_open(&p[i], &loop);
	ck_assert_int_eq(event_run_once(&loop, 1000), 3);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(p[i].calls, 1);
		probe_close(&p[i]);
	}
	ck_assert_int_eq(event_run_once(&loop, 0), 0);
	event_loop_close(&loop);
}
END_TEST

static int fd_seen[2];
static unsigned fd_events[2];
static int fd_calls;

static void on_fd(int fd, unsigned events)
{
	ck_assert_int_lt(fd_calls, 2);
	fd_seen[fd_calls] = fd;
	fd_events[fd_calls++] = events;
}

/* Sources registered by fd reach on_fd with their fd, beside ordinary
 * ones in the same batch (the data word tells them apart). */
START_TEST(test_event_dispatch_by_fd)
{
	struct event_loop loop;
	struct probe p;
	int fds[2];

	ck_assert_int_eq(event_loop_init(&loop), 0);
	loop.on_fd = on_fd;
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(event_add_fd(&loop, fds[0], EV_READ), 0);
	ck_assert_int_eq(event_add_fd(&loop, fds[1], EV_WRITE), 0);
	probe_open(&p, &loop);
	ck_assert_int_eq(write(fds[1], "x", 1), 1);
	ck_assert_int_eq(event_run_once(&loop, 1000), 3);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(fd_seen[0] + fd_seen[1], fds[0] + fds[1]);
	ck_assert_int_ne(fd_seen[0], fd_seen[1]);
	for (int i = 0; i < 2; i++)
		ck_assert_uint_eq(fd_events[i],
				  fd_seen[i] == fds[0] ? EV_READ : EV_WRITE);
	probe_close(&p);
	close(fds[0]);
	close(fds[1]);
	event_loop_close(&loop);
}
END_TEST

Suite *event_suite(void)
{
	Suite *s = suite_create("event");
	TCase *tc = tcase_create("dispatch");

	tcase_add_test(tc, test_event_dispatch_all);
	tcase_add_test(tc, test_event_del_forgets_pending);
	tcase_add_test(tc, test_event_dispatch_by_fd);
	suite_add_tcase(s, tc);
	return s;
}
