/*
 * status.c — JSON, Prometheus and stub_status views of the scoreboard
 * (and the dispatch to the HTML page of statuspage.c).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "strbuf.h"
#include "version.h"
#include "status.h"
#include "statuspage.h"

static const char *state_name(uint32_t state)
{
	switch (state) {
	case STATS_STARTING: return "starting";
	case STATS_READY: return "ready";
	case STATS_DRAINING: return "draining";
	default: return "free";
	}
}

int status_format_of(const char *query, size_t len)
{
	static const struct {
		const char *arg;
		enum status_format f;
	} forms[] = {
		{ "format=json", STATUS_JSON },
		{ "format=prometheus", STATUS_PROMETHEUS },
		{ "format=stub", STATUS_STUB },
		{ "format=html", STATUS_HTML },
	};

	if (len > 0 && query[0] == '?') {
		query++;
		len--;
	}
	if (len == 0)
		return STATUS_JSON;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		if (len == strlen(forms[i].arg) &&
		    memcmp(query, forms[i].arg, len) == 0)
			return (int)forms[i].f;
	return -1;
}

const char *status_content_type(enum status_format f)
{
	switch (f) {
	case STATUS_PROMETHEUS:
		return "text/plain; version=0.0.4; charset=utf-8";
	case STATUS_STUB: return "text/plain";
	case STATUS_HTML: return "text/html; charset=utf-8";
	default: return "application/json";
	}
}

static bool live(const struct stats_worker *w)
{
	return STATS_GET(w->state) != STATS_FREE && STATS_GET(w->pid) > 0;
}

void status_totals(const struct stats_board *b, struct status_totals *t)
{
	uint32_t gen = STATS_GET(b->master.generation);

	memset(t, 0, sizeof(*t));
	t->accepted = STATS_GET(b->master.gone_accepted);
	t->handled = STATS_GET(b->master.gone_handled);
	t->requests = STATS_GET(b->master.gone_requests);
	t->bytes_sent = STATS_GET(b->master.gone_bytes_sent);
	t->req_min = UINT64_MAX;
	for (size_t i = 0; i < STATS_SLOTS; i++) {
		const struct stats_worker *w = &b->w[i];
		if (!live(w))
			continue;
		uint64_t req = STATS_GET(w->requests);
		t->accepted += STATS_GET(w->accepted);
		t->handled += STATS_GET(w->handled);
		t->requests += req;
		t->bytes_sent += STATS_GET(w->bytes_sent);
		t->active += STATS_GET(w->active);
		t->reading += STATS_GET(w->reading);
		t->writing += STATS_GET(w->writing);
		t->idle += STATS_GET(w->idle);
		if (w->gen != gen || STATS_GET(w->state) != STATS_READY)
			continue;
		t->workers++;
		if (req > t->req_max)
			t->req_max = req;
		if (req < t->req_min)
			t->req_min = req;
	}
	if (t->workers == 0)
		t->req_min = 0;
}

/* nginx's stub_status, to the byte. */
static void render_stub(struct strbuf *o, const struct status_totals *t)
{
	strbuf_printf(o,
		      "Active connections: %" PRIu64 " \n"
		      "server accepts handled requests\n"
		      " %" PRIu64 " %" PRIu64 " %" PRIu64 " \n"
		      "Reading: %" PRIu64 " Writing: %" PRIu64
		      " Waiting: %" PRIu64 " \n",
		      t->active, t->accepted, t->handled, t->requests,
		      t->reading, t->writing, t->idle);
}

/*
 * Most over fewest requests per worker, as text: "NaN" (Prometheus) or
 * unknown (JSON) while a worker of the current generation has served
 * nothing, since a ratio over zero says nothing about the spread.
 */
static bool balance(const struct status_totals *t, char *out, size_t outsz,
		    const char *unknown)
{
	if (t->req_min == 0) {
		snprintf(out, outsz, "%s", unknown);
		return false;
	}
	snprintf(out, outsz, "%.3f", (double)t->req_max / (double)t->req_min);
	return true;
}

static void render_json_worker(struct strbuf *o, const struct stats_worker *w,
			       uint64_t now_ms, bool first)
{
	uint64_t beat = STATS_GET(w->heartbeat_ms);

	strbuf_printf(o,
		      "%s\n    {\"slot\": %u, \"pid\": %d, \"generation\": %u, "
		      "\"state\": \"%s\", \"started\": %" PRIu64 ", "
		      "\"accepted\": %" PRIu64 ", \"handled\": %" PRIu64 ", "
		      "\"requests\": %" PRIu64 ", \"bytes_sent\": %" PRIu64 ", "
		      "\"active\": %u, \"reading\": %u, \"writing\": %u, "
		      "\"idle\": %u, "
		      "\"respawns\": %u, \"heartbeat_age_ms\": %" PRIu64 ", "
		      "\"aio\": {\"queued\": %u, \"in_flight\": %u, "
		      "\"offloaded\": %" PRIu64 "}}",
		      first ? "" : ",", w->slot, (int)STATS_GET(w->pid), w->gen,
		      state_name(STATS_GET(w->state)), w->started,
		      STATS_GET(w->accepted), STATS_GET(w->handled),
		      STATS_GET(w->requests), STATS_GET(w->bytes_sent),
		      STATS_GET(w->active), STATS_GET(w->reading),
		      STATS_GET(w->writing), STATS_GET(w->idle),
		      STATS_GET(w->respawns), now_ms > beat ? now_ms - beat : 0,
		      STATS_GET(w->aio_queued), STATS_GET(w->aio_in_flight),
		      STATS_GET(w->aio_offloaded));
}

static void render_json(struct strbuf *o, const struct stats_board *b,
			const struct status_totals *t, uint64_t now_ms,
			uint64_t now)
{
	const struct stats_master *m = &b->master;
	bool first = true;
	char ratio[32];
	bool known = balance(t, ratio, sizeof(ratio), "null");

	strbuf_printf(
		o,
		"{\n  \"version\": \"%s\",\n  \"generation\": %u,\n"
		"  \"uptime\": %" PRIu64 ",\n  \"lame_duck\": %s,\n"
		"  \"reloads\": {\"ok\": %u, \"failed\": %u},\n  \"upgrades\": "
		"%u,\n"
		"  \"connections\": {\"active\": %" PRIu64
		", \"reading\": %" PRIu64 ", \"writing\": %" PRIu64
		", \"idle\": %" PRIu64 "},\n"
		"  \"accepted\": %" PRIu64 ",\n  \"handled\": %" PRIu64 ",\n"
		"  \"requests\": %" PRIu64 ",\n  \"bytes_sent\": %" PRIu64 ",\n"
		"  \"balance\": {\"workers\": %u, \"max_requests\": %" PRIu64
		", \"min_requests\": %" PRIu64 ", \"ratio\": %s%s},\n"
		"  \"workers\": [",
		FORKD_VERSION, STATS_GET(m->generation),
		now > m->started ? now - m->started : 0,
		STATS_GET(m->lame_duck) ? "true" : "false",
		STATS_GET(m->reloads_ok), STATS_GET(m->reloads_failed),
		STATS_GET(m->upgrades), t->active, t->reading, t->writing,
		t->idle, t->accepted, t->handled, t->requests, t->bytes_sent,
		t->workers, t->req_max, t->req_min, ratio,
		known ? ""
		      : ", \"note\": \"not enough data: a worker has served "
			"no request yet\"");
	for (size_t i = 0; i < STATS_SLOTS; i++) {
		if (!live(&b->w[i]))
			continue;
		render_json_worker(o, &b->w[i], now_ms, first);
		first = false;
	}
	strbuf_printf(o, "\n  ]\n}\n");
}

/* One metric family: HELP, TYPE, then a sample per live worker. */
enum field {
	F_ACCEPTED,
	F_HANDLED,
	F_REQUESTS,
	F_BYTES,
	F_ACTIVE,
	F_READING,
	F_WRITING,
	F_IDLE,
	F_RESPAWNS,
	F_HEARTBEAT,
	F_AIO_QUEUED,
	F_AIO_IN_FLIGHT,
	F_AIO_OFFLOADED,
};

static uint64_t field_of(const struct stats_worker *w, enum field f,
			 uint64_t now_ms)
{
	switch (f) {
	case F_ACCEPTED: return STATS_GET(w->accepted);
	case F_HANDLED: return STATS_GET(w->handled);
	case F_REQUESTS: return STATS_GET(w->requests);
	case F_BYTES: return STATS_GET(w->bytes_sent);
	case F_ACTIVE: return STATS_GET(w->active);
	case F_READING: return STATS_GET(w->reading);
	case F_WRITING: return STATS_GET(w->writing);
	case F_IDLE: return STATS_GET(w->idle);
	case F_RESPAWNS: return STATS_GET(w->respawns);
	case F_AIO_QUEUED: return STATS_GET(w->aio_queued);
	case F_AIO_IN_FLIGHT: return STATS_GET(w->aio_in_flight);
	case F_AIO_OFFLOADED: return STATS_GET(w->aio_offloaded);
	case F_HEARTBEAT: {
		uint64_t beat = STATS_GET(w->heartbeat_ms);
		return now_ms > beat ? now_ms - beat : 0;
	}
	}
	return 0;
}

static void prom_family(struct strbuf *o, const struct stats_board *b,
			const char *name, const char *type, const char *help,
			enum field f, uint64_t now_ms)
{
	strbuf_printf(o, "# HELP forkd_%s %s\n# TYPE forkd_%s %s\n", name, help,
		      name, type);
	for (size_t i = 0; i < STATS_SLOTS; i++) {
		const struct stats_worker *w = &b->w[i];
		if (!live(w))
			continue;
		strbuf_printf(
			o,
			"forkd_%s{worker=\"%u\",generation=\"%u\",pid=\"%d\"} "
			"%" PRIu64 "\n",
			name, w->slot, w->gen, (int)STATS_GET(w->pid),
			field_of(w, f, now_ms));
	}
}

static void render_prometheus(struct strbuf *o, const struct stats_board *b,
			      const struct status_totals *t, uint64_t now_ms,
			      uint64_t now)
{
	static const struct {
		const char *name, *type, *help;
		enum field f;
	} fams[] = {
		{ "connections_accepted_total", "counter",
		  "Connections accepted by the worker.", F_ACCEPTED },
		{ "connections_handled_total", "counter",
		  "Connections the worker finished with.", F_HANDLED },
		{ "requests_total", "counter", "Responses the worker sent.",
		  F_REQUESTS },
		{ "sent_bytes_total", "counter",
		  "Bytes the worker sent, heads included.", F_BYTES },
		{ "connections_active", "gauge", "Open connections.",
		  F_ACTIVE },
		{ "connections_reading", "gauge",
		  "Connections receiving a request.", F_READING },
		{ "connections_writing", "gauge",
		  "Connections sending a response.", F_WRITING },
		{ "connections_idle", "gauge", "Idle keep-alive connections.",
		  F_IDLE },
		{ "worker_respawns", "gauge",
		  "Times the worker's slot was respawned.", F_RESPAWNS },
		{ "worker_heartbeat_age_milliseconds", "gauge",
		  "Time since the worker's last heartbeat.", F_HEARTBEAT },
		{ "aio_queued", "gauge",
		  "I/O pool operations waiting for a thread.", F_AIO_QUEUED },
		{ "aio_in_flight", "gauge",
		  "I/O pool operations submitted and not yet back.",
		  F_AIO_IN_FLIGHT },
		{ "aio_offloaded_total", "counter",
		  "Operations the worker gave its I/O pool.", F_AIO_OFFLOADED },
	};
	const struct stats_master *m = &b->master;
	char ratio[32];

	balance(t, ratio, sizeof(ratio), "NaN");
	strbuf_printf(
		o,
		"# HELP forkd_info Version of the running forkd.\n"
		"# TYPE forkd_info gauge\nforkd_info{version=\"%s\"} 1\n"
		"# HELP forkd_generation Generation of workers now serving.\n"
		"# TYPE forkd_generation gauge\nforkd_generation %u\n"
		"# HELP forkd_uptime_seconds Time since the master started.\n"
		"# TYPE forkd_uptime_seconds gauge\nforkd_uptime_seconds "
		"%" PRIu64 "\n"
		"# HELP forkd_reloads_total Reloads, by result.\n"
		"# TYPE forkd_reloads_total counter\n"
		"forkd_reloads_total{result=\"ok\"} %u\n"
		"forkd_reloads_total{result=\"failed\"} %u\n"
		"# HELP forkd_upgrades_total Binary upgrades attempted.\n"
		"# TYPE forkd_upgrades_total counter\nforkd_upgrades_total %u\n"
		"# HELP forkd_requests_all_total Responses sent by all "
		"workers, "
		"past ones included.\n"
		"# TYPE forkd_requests_all_total "
		"counter\nforkd_requests_all_total "
		"%" PRIu64 "\n"
		"# HELP forkd_balance_ratio Most over fewest requests per "
		"worker "
		"of the current generation; NaN until each has served one.\n"
		"# TYPE forkd_balance_ratio gauge\nforkd_balance_ratio %s\n",
		FORKD_VERSION, STATS_GET(m->generation),
		now > m->started ? now - m->started : 0,
		STATS_GET(m->reloads_ok), STATS_GET(m->reloads_failed),
		STATS_GET(m->upgrades), t->requests, ratio);
	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++)
		prom_family(o, b, fams[i].name, fams[i].type, fams[i].help,
			    fams[i].f, now_ms);
}

size_t status_render(char *out, size_t outsz, enum status_format f,
		     const struct stats_board *b, uint64_t now_ms, uint64_t now)
{
	struct strbuf o = { out, outsz, 0, outsz == 0 };
	struct status_totals t;

	status_totals(b, &t);
	switch (f) {
	case STATUS_STUB: render_stub(&o, &t); break;
	case STATUS_PROMETHEUS:
		render_prometheus(&o, b, &t, now_ms, now);
		break;
	case STATUS_HTML:
		return statuspage_render(out, outsz, b, &t, now_ms, now);
	default: render_json(&o, b, &t, now_ms, now); break;
	}
	return o.full ? 0 : o.len;
}
