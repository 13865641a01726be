/* The status documents rendered from a hand-made scoreboard. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"
#include "suites.h"

static struct stats_board board;

static void worker(int i, int pid, unsigned gen, unsigned slot, uint32_t state,
		   uint64_t requests, uint32_t active)
{
	struct stats_worker *w = &board.w[i];

	w->pid = pid;
	w->gen = gen;
	w->slot = slot;
	w->state = state;
	w->started = 1000;
	w->heartbeat_ms = 5000;
	w->accepted = requests / 2;
	w->handled = requests / 2 - active;
	w->requests = requests;
	w->bytes_sent = requests * 100;
	w->active = active;
	w->reading = 1;
	w->writing = active > 1 ? active - 1 : 0;
	w->idle = 0;
	w->aio_queued = 2;
	w->aio_in_flight = 3;
	w->aio_offloaded = requests * 10;
}

static void setup(void)
{
	memset(&board, 0, sizeof(board));
	board.master.started = 900;
	board.master.generation = 3;
	board.master.reloads_ok = 2;
	board.master.reloads_failed = 1;
	board.master.gone_accepted = 10;
	board.master.gone_handled = 10;
	board.master.gone_requests = 40;
	board.master.gone_bytes_sent = 4000;
	worker(0, 101, 3, 0, STATS_READY, 300, 3);
	worker(1, 102, 3, 1, STATS_READY, 100, 2);
	worker(5, 99, 2, 0, STATS_DRAINING, 50, 1);
}

START_TEST(test_status_stub_exact)
{
	char out[512];
	size_t n = status_render(out, sizeof(out), STATUS_STUB, &board, 6000,
				 1000);

	ck_assert_uint_gt(n, 0);
	/* accepts 10+150+50+25, handled 10+147+48+24, requests 40+300+100+50 */
	ck_assert_str_eq(out, "Active connections: 6 \n"
			      "server accepts handled requests\n"
			      " 235 229 490 \n"
			      "Reading: 3 Writing: 3 Waiting: 0 \n");
}
END_TEST

START_TEST(test_status_json)
{
	char out[8192];
	size_t n = status_render(out, sizeof(out), STATUS_JSON, &board, 6000,
				 1000);

	ck_assert_uint_gt(n, 0);
	ck_assert_uint_eq(strlen(out), n);
	ck_assert_ptr_nonnull(strstr(out, "\"generation\": 3,"));
	ck_assert_ptr_nonnull(strstr(out, "\"uptime\": 100,"));
	ck_assert_ptr_nonnull(
		strstr(out, "\"reloads\": {\"ok\": 2, \"failed\": 1}"));
	ck_assert_ptr_nonnull(strstr(out, "\"requests\": 490,"));
	/* balance over the current generation only: 300 / 100 */
	ck_assert_ptr_nonnull(strstr(
		out, "\"balance\": {\"workers\": 2, \"max_requests\": 300, "
		     "\"min_requests\": 100, \"ratio\": 3.000}"));
	ck_assert_ptr_nonnull(strstr(
		out,
		"\"pid\": 99, \"generation\": 2, \"state\": \"draining\""));
	ck_assert_ptr_nonnull(
		strstr(out, "\"heartbeat_age_ms\": 1000, "
			    "\"aio\": {\"queued\": 2, \"in_flight\": 3, "
			    "\"offloaded\": 500}}"));
	/* three worker objects, balanced braces and brackets */
	int objs = 0, depth = 0;
	for (const char *p = out; *p; p++) {
		objs += strncmp(p, "{\"slot\"", 7) == 0;
		depth += (*p == '{' || *p == '[') - (*p == '}' || *p == ']');
		ck_assert_int_ge(depth, 0);
	}
	ck_assert_int_eq(objs, 3);
	ck_assert_int_eq(depth, 0);
}
END_TEST

/* Every line is a comment (# HELP/# TYPE) or "name{labels} value". */
START_TEST(test_status_prometheus_lines)
{
	char out[16384];
	size_t n = status_render(out, sizeof(out), STATUS_PROMETHEUS, &board,
				 6000, 1000);
	int samples = 0;

	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(out[n - 1], '\n');
	for (char *line = strtok(out, "\n"); line != NULL;
	     line = strtok(NULL, "\n")) {
		if (strncmp(line, "# HELP forkd_", 13) == 0 ||
		    strncmp(line, "# TYPE forkd_", 13) == 0)
			continue;
		ck_assert_msg(strncmp(line, "forkd_", 6) == 0, "bad line: %s",
			      line);
		char *sp = strrchr(line, ' ');
		ck_assert_msg(sp != NULL, "no value: %s", line);
		char *end;
		strtod(sp + 1, &end);
		ck_assert_msg(*end == '\0' && end != sp + 1, "bad value: %s",
			      line);
		samples++;
	}
	/* 8 master-wide samples + 13 families x 3 workers */
	ck_assert_int_eq(samples, 8 + 39);
}
END_TEST

START_TEST(test_status_prometheus_samples)
{
	char out[16384];

	status_render(out, sizeof(out), STATUS_PROMETHEUS, &board, 6000, 1000);
	ck_assert_ptr_nonnull(
		strstr(out, "\nforkd_requests_total{worker=\"1\",generation="
			    "\"3\",pid=\"102\"} 100\n"));
	ck_assert_ptr_nonnull(
		strstr(out, "\nforkd_reloads_total{result=\"failed\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nforkd_balance_ratio 3.000\n"));
	ck_assert_ptr_nonnull(
		strstr(out, "# TYPE forkd_requests_total counter\n"));
	const char *offloaded = "\nforkd_aio_offloaded_total{worker=\"1\","
				"generation=\"3\",pid=\"102\"} 1000\n";
	ck_assert_ptr_nonnull(strstr(out, offloaded));
	ck_assert_ptr_nonnull(strstr(out, "\nforkd_aio_queued{worker=\"1\","
					  "generation=\"3\",pid=\"102\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nforkd_aio_in_flight{worker=\"1\","
					  "generation=\"3\",pid=\"102\"} 3\n"));
}
END_TEST

/* A worker that has served nothing yet leaves the ratio undefined. */
START_TEST(test_status_balance_without_data)
{
	char out[16384];

	board.w[1].requests = 0;
	status_render(out, sizeof(out), STATUS_JSON, &board, 6000, 1000);
	ck_assert_ptr_nonnull(strstr(out,
				     "\"min_requests\": 0, \"ratio\": null, "
				     "\"note\": \"not enough data"));
	status_render(out, sizeof(out), STATUS_PROMETHEUS, &board, 6000, 1000);
	ck_assert_ptr_nonnull(strstr(out, "\nforkd_balance_ratio NaN\n"));
}
END_TEST

START_TEST(test_status_too_small_and_formats)
{
	char out[64];

	ck_assert_uint_eq(
		status_render(out, sizeof(out), STATUS_JSON, &board, 0, 0), 0);
	ck_assert_int_eq(status_format_of("", 0), STATUS_JSON);
	ck_assert_int_eq(status_format_of("?format=json", 12), STATUS_JSON);
	ck_assert_int_eq(status_format_of("?format=prometheus", 18),
			 STATUS_PROMETHEUS);
	ck_assert_int_eq(status_format_of("?format=stub", 12), STATUS_STUB);
	ck_assert_int_eq(status_format_of("?format=xml", 11), -1);
	ck_assert_int_eq(status_format_of("?format=stubby", 14), -1);
}
END_TEST

Suite *status_suite(void)
{
	Suite *s = suite_create("status");
	TCase *tc = tcase_create("render");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_status_stub_exact);
	tcase_add_test(tc, test_status_json);
	tcase_add_test(tc, test_status_prometheus_lines);
	tcase_add_test(tc, test_status_prometheus_samples);
	tcase_add_test(tc, test_status_balance_without_data);
	tcase_add_test(tc, test_status_too_small_and_formats);
	suite_add_tcase(s, tc);
	return s;
}
