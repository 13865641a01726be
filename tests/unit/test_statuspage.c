/*
 * statuspage: the HTML page from a hand-made scoreboard (fields, escaping
 * of a reload error, worker rows, the note when rows do not fit), and the
 * reload history the master records in the scoreboard.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "status.h"
#include "statuspage.h"
#include "suites.h"

static struct stats_board *board;

static void worker(int i, int pid, unsigned gen, unsigned slot, uint32_t state,
		   uint64_t requests)
{
	struct stats_worker *w = &board->w[i];

	w->pid = pid;
	w->gen = gen;
	w->slot = slot;
	w->state = state;
	w->heartbeat_ms = 5000;
	w->requests = requests;
	w->bytes_sent = requests * 1000;
	w->respawns = 2;
}

static void setup(void)
{
	board = calloc(1, sizeof(*board));
	ck_assert_ptr_nonnull(board);
	stats = board;
	board->master.started = 1000;
	board->master.generation = 3;
	board->master.reloads_ok = 1;
	board->master.reloads_failed = 1;
	worker(0, 101, 3, 0, STATS_READY, 300);
	worker(1, 102, 3, 1, STATS_READY, 100);
	worker(7, 99, 2, 0, STATS_DRAINING, 50);
}

static void teardown(void)
{
	free(board);
	stats = NULL;
}

static size_t render(char *out, size_t outsz, uint64_t now)
{
	struct status_totals t;

	status_totals(board, &t);
	return statuspage_render(out, outsz, board, &t, 6500, now);
}

START_TEST(test_page_fields)
{
	static char out[16384];
	size_t n;

	stats_reload_record(true, 2, NULL);
	stats_reload_record(false, 3, "/etc/forkd.conf:7: <bad> & \"worse\"");
	n = render(out, sizeof(out), 1000 + 3 * 3600 + 125);
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_eq(strlen(out), n);
	ck_assert_ptr_nonnull(
		strstr(out, "<meta http-equiv=\"refresh\" content=\"5\">"));
	ck_assert_ptr_nonnull(strstr(out, "name=\"viewport\""));
	ck_assert_ptr_null(strstr(out, "<script"));
	ck_assert_ptr_null(strstr(out, "http://"));
	ck_assert_ptr_null(strstr(out, "https://"));
	ck_assert_ptr_nonnull(strstr(out, "<b>3h 02m</b>"));
	ck_assert_ptr_nonnull(strstr(out, "<b>3.00</b>"));
	ck_assert_ptr_nonnull(strstr(out, "class=\"ok\">no</b>"));
	/* The newest reload first, its error escaped. */
	const char *failed = strstr(out, ">failed<");
	const char *ok = strstr(out, ">ok</td>");
	ck_assert_ptr_nonnull(failed);
	ck_assert_ptr_nonnull(ok);
	ck_assert(failed < ok);
	ck_assert_ptr_nonnull(strstr(out,
				     "/etc/forkd.conf:7: &lt;bad&gt; &amp; "
				     "&quot;worse&quot;"));
	/* Worker rows: the draining one of generation 2 marked as old. */
	ck_assert_ptr_nonnull(strstr(out, "<tr><td>0</td><td>101</td><td>3</td>"
					  "<td class=\"ok\">ready</td>"));
	ck_assert_ptr_nonnull(
		strstr(out, "<tr class=\"old\"><td>0</td><td>99</td>"
			    "<td>2</td><td class=\"warn\">draining</td>"));
	ck_assert_ptr_nonnull(strstr(out, "title=\"300000 bytes\">293 KiB</td>"
					  "<td>2</td><td>1.5 s</td>"));
}
END_TEST

START_TEST(test_page_lame_duck_and_no_reloads)
{
	static char out[16384];

	board->master.lame_duck = 1;
	ck_assert_uint_gt(render(out, sizeof(out), 1000), 0);
	ck_assert_ptr_nonnull(strstr(out, "class=\"warn\">yes</b>"));
	ck_assert_ptr_nonnull(
		strstr(out, "No reload since the master started."));
}
END_TEST

/* Many workers: as many rows as fit, then a note; never a cut page. */
START_TEST(test_page_rows_that_do_not_fit)
{
	static char out[16384];
	size_t n;

	for (int i = 0; i < 200; i++)
		worker(i, 1000 + i, 3, (unsigned)i, STATS_READY, 10);
	n = render(out, sizeof(out), 2000);
	ck_assert_uint_gt(n, 0);
	ck_assert_ptr_nonnull(strstr(out, "more workers are not shown here"));
	ck_assert_ptr_nonnull(strstr(out, "</html>\n"));
	ck_assert_uint_eq(render(out, 100, 2000), 0);
}
END_TEST

START_TEST(test_reload_history_ring)
{
	struct stats_reload r[STATS_RELOADS];
	char why[32];

	ck_assert_uint_eq(stats_reload_history(board, r, 5), 0);
	for (unsigned i = 1; i <= 11; i++) {
		snprintf(why, sizeof(why), "error %u", i);
		stats_reload_record(i % 2 == 0, i, why);
	}
	ck_assert_uint_eq(stats_reload_history(board, r, 5), 5);
	ck_assert_uint_eq(r[0].generation, 11);
	ck_assert_str_eq(r[0].error, "error 11");
	ck_assert_uint_eq(r[0].ok, 0);
	ck_assert_uint_eq(r[1].generation, 10);
	ck_assert_str_eq(r[1].error, "");
	ck_assert_uint_eq(r[4].generation, 7);
	ck_assert_uint_eq(stats_reload_history(board, r, 100), STATS_RELOADS);
	ck_assert_uint_eq(r[STATS_RELOADS - 1].generation, 4);
	/* A writer caught in the middle (odd sequence): nothing torn. */
	board->master.reloads_seq++;
	ck_assert_uint_eq(stats_reload_history(board, r, 5), 0);
}
END_TEST

START_TEST(test_format_html)
{
	ck_assert_int_eq(status_format_of("?format=html", 12), STATUS_HTML);
	ck_assert_str_eq(status_content_type(STATUS_HTML),
			 "text/html; charset=utf-8");
}
END_TEST

Suite *statuspage_suite(void)
{
	Suite *s = suite_create("statuspage");
	TCase *tc = tcase_create("statuspage");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_page_fields);
	tcase_add_test(tc, test_page_lame_duck_and_no_reloads);
	tcase_add_test(tc, test_page_rows_that_do_not_fit);
	tcase_add_test(tc, test_reload_history_ring);
	tcase_add_test(tc, test_format_html);
	suite_add_tcase(s, tc);
	return s;
}
