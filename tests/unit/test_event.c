/* event.c: dispatch, and forgetting a source removed during a batch. */
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
	*p = (struct probe){ .ev = { on_probe, fds[0] }, .wfd = fds[1],
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

Suite *event_suite(void)
{
	Suite *s = suite_create("event");
	TCase *tc = tcase_create("dispatch");

	tcase_add_test(tc, test_event_dispatch_all);
	tcase_add_test(tc, test_event_del_forgets_pending);
	suite_add_tcase(s, tc);
	return s;
}
