/*
 * statuspage.c — the status endpoint's page for people (?format=html): one
 * self-contained HTML document (no script, no external asset) that reloads
 * itself every STATUSPAGE_REFRESH seconds through a meta refresh, with a
 * layout that turns the tables into cards on a narrow (phone) screen.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "strbuf.h"
#include "version.h"
#include "human.h"
#include "statuspage.h"

#define RELOADS_SHOWN 5
#define ROOM_AFTER_ROWS 512 /* what the page needs after the worker rows */

/* Text from elsewhere (a reload error names files) as HTML. */
static void put_escaped(struct strbuf *o, const char *s)
{
	for (; *s != '\0' && !o->full; s++) {
		switch (*s) {
		case '&': strbuf_printf(o, "&amp;"); break;
		case '<': strbuf_printf(o, "&lt;"); break;
		case '>': strbuf_printf(o, "&gt;"); break;
		case '"': strbuf_printf(o, "&quot;"); break;
		default: strbuf_printf(o, "%c", *s); break;
		}
	}
}

static void utc(uint64_t t, char *out, size_t outsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, outsz, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/*
 * Cards on a wide screen and a phone alike; the worker table becomes one
 * card per worker below 40em, its labels coming from the CSS (so a row
 * costs no label bytes: the page fits many workers in the reply buffer).
 */
static const char style[] =
	":root{color-scheme:light "
	"dark;--fg:#1d2430;--mute:#5d6776;--bg:#f6f7f9;"
	"--card:#fff;--line:#dde1e7;--ok:#17803d;--bad:#c0362c;--warn:#a15c00}"
	"@media(prefers-color-scheme:dark){:root{--fg:#e6e9ee;--mute:#9aa3b1;"
	"--bg:#15181d;--card:#1e232a;--line:#2e353f;--ok:#4cc476;--bad:#ff7b6e;"
	"--warn:#f0b34a}}"
	"*{box-sizing:border-box}body{margin:0 auto;max-width:72em;padding:1em;"
	"font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;"
	"color:var(--fg);background:var(--bg)}"
	"h1{font-size:1.4em;margin:.2em 0}h1 small{color:var(--mute);"
	"font-weight:400;font-size:.6em}h2{font-size:1.05em;margin:1.4em 0 "
	".5em}"
	".sub,.foot{color:var(--mute);font-size:.85em;margin:.2em 0 1em}"
	"a{color:inherit}.grid{display:grid;gap:.6em;"
	"grid-template-columns:repeat(auto-fill,minmax(11em,1fr))}"
	".card{background:var(--card);border:1px solid var(--line);"
	"border-radius:8px;padding:.6em .8em}.card span{display:block;"
	"color:var(--mute);font-size:.8em;text-transform:uppercase;"
	"letter-spacing:.04em}.card b{font-size:1.5em;font-weight:600}"
	".card small{display:block;color:var(--mute)}"
	".ok{color:var(--ok)}.bad{color:var(--bad)}.warn{color:var(--warn)}"
	"table{width:100%;border-collapse:collapse;background:var(--card);"
	"border:1px solid var(--line);border-radius:8px;overflow:hidden}"
	"th,td{padding:.4em .7em;border-bottom:1px solid var(--line);"
	"text-align:left;white-space:nowrap}th{color:var(--mute);font-size:."
	"8em;"
	"font-weight:600}td.n,th.n,table.w td,table.w th{text-align:right;"
	"font-variant-numeric:tabular-nums}table.w td:nth-child(4),"
	"table.w th:nth-child(4){text-align:left}tr.old td{color:var(--mute)}"
	"td.err{white-space:normal;word-break:break-word}"
	"@media(max-width:40em){table,tbody,tr,td{display:block;width:100%}"
	"thead{display:none}tr{border-bottom:1px solid var(--line);"
	"padding:.3em 0}td{border:0;padding:.1em .8em;display:flex;"
	"justify-content:space-between;white-space:normal}td.n{text-align:"
	"right}"
	"td::before{color:var(--mute);padding-right:1em;flex-shrink:0}"
	"table.w td:nth-child(1)::before{content:'slot'}"
	"table.w td:nth-child(2)::before{content:'pid'}"
	"table.w td:nth-child(3)::before{content:'generation'}"
	"table.w td:nth-child(4)::before{content:'state'}"
	"table.w td:nth-child(5)::before{content:'connections'}"
	"table.w td:nth-child(6)::before{content:'requests'}"
	"table.w td:nth-child(7)::before{content:'sent'}"
	"table.w td:nth-child(8)::before{content:'restarts'}"
	"table.w td:nth-child(9)::before{content:'heartbeat'}"
	"table.r td:nth-child(1)::before{content:'when'}"
	"table.r td:nth-child(2)::before{content:'result'}"
	"table.r td:nth-child(3)::before{content:'generation'}"
	"table.r td:nth-child(4)::before{content:'detail'}}";

static void render_head(struct strbuf *o)
{
	strbuf_printf(o,
		      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta "
		      "charset=\"utf-8\">\n"
		      "<meta name=\"viewport\" content=\"width=device-width, "
		      "initial-scale=1\">\n"
		      "<meta http-equiv=\"refresh\" content=\"%d\">\n"
		      "<title>forkd "
		      "status</title>\n<style>%s</style>\n</head>\n<body>\n",
		      STATUSPAGE_REFRESH, style);
}

static void card(struct strbuf *o, const char *id, const char *label,
		 const char *cls, const char *value, const char *note)
{
	strbuf_printf(
		o,
		"<div class=\"card\" id=\"%s\"><span>%s</span><b%s%s%s>%s</b>"
		"<small>%s</small></div>\n",
		id, label, cls[0] ? " class=\"" : "", cls, cls[0] ? "\"" : "",
		value, note);
}

static void render_cards(struct strbuf *o, const struct stats_board *b,
			 const struct status_totals *t, uint64_t now)
{
	const struct stats_master *m = &b->master;
	uint64_t up = now > m->started ? now - m->started : 0;
	bool lame = STATS_GET(m->lame_duck) != 0;
	char v[64], note[160], when[40];

	human_duration(up, v, sizeof(v));
	utc(m->started, when, sizeof(when));
	snprintf(note, sizeof(note), "since %s", when);
	card(o, "uptime", "Uptime", "", v, note);
	snprintf(v, sizeof(v), "%u", STATS_GET(m->generation));
	snprintf(note, sizeof(note), "%u workers ready", t->workers);
	card(o, "generation", "Generation", "", v, note);
	card(o, "lameduck", "Lame duck", lame ? "warn" : "ok",
	     lame ? "yes" : "no",
	     lame ? "stopping: health checks answer 503"
		  : "health checks answer 200");
	snprintf(v, sizeof(v), "%" PRIu64, t->active);
	snprintf(note, sizeof(note),
		 "%" PRIu64 " reading &middot; %" PRIu64
		 " writing &middot; %" PRIu64 " idle",
		 t->reading, t->writing, t->idle);
	card(o, "connections", "Connections", "", v, note);
	snprintf(v, sizeof(v), "%" PRIu64, t->requests);
	human_bytes(t->bytes_sent, when, sizeof(when));
	snprintf(note, sizeof(note), "%s sent", when);
	card(o, "requests", "Requests", "", v, note);
	if (t->req_min == 0)
		card(o, "balance", "Balance", "", "&ndash;",
		     "not enough data: a worker has served nothing yet");
	else {
		snprintf(v, sizeof(v), "%.2f",
			 (double)t->req_max / (double)t->req_min);
		snprintf(note, sizeof(note),
			 "most / fewest requests per worker "
			 "(%" PRIu64 " / %" PRIu64 ")",
			 t->req_max, t->req_min);
		card(o, "balance", "Balance", "", v, note);
	}
}

static void render_reloads(struct strbuf *o, const struct stats_board *b,
			   uint64_t now)
{
	const struct stats_master *m = &b->master;
	struct stats_reload r[RELOADS_SHOWN];
	size_t n = stats_reload_history(b, r, RELOADS_SHOWN);
	char when[40], ago[HUMAN_MAX];

	strbuf_printf(
		o,
		"<h2>Reloads <small class=\"sub\">%u ok &middot; %u failed "
		"&middot; "
		"%u upgrades</small></h2>\n",
		STATS_GET(m->reloads_ok), STATS_GET(m->reloads_failed),
		STATS_GET(m->upgrades));
	if (n == 0) {
		strbuf_printf(o, "<p class=\"sub\" id=\"lastreload\">No reload "
				 "since the "
				 "master started.</p>\n");
		return;
	}
	strbuf_printf(
		o,
		"<table class=\"r\" id=\"reloads\"><thead><tr><th>when</th>"
		"<th>result</th><th class=\"n\">generation</th><th>detail</th>"
		"</tr></thead><tbody>\n");
	for (size_t i = 0; i < n; i++) {
		utc(r[i].when, when, sizeof(when));
		human_duration(now > r[i].when ? now - r[i].when : 0, ago,
			       sizeof(ago));
		strbuf_printf(o,
			      "<tr><td>%s (%s ago)</td><td class=\"%s\">%s</td>"
			      "<td class=\"n\">%u</td><td class=\"err\">",
			      when, ago, r[i].ok ? "ok" : "bad",
			      r[i].ok ? "ok" : "failed", r[i].generation);
		put_escaped(o, r[i].ok ? "-" : r[i].error);
		strbuf_printf(o, "</td></tr>\n");
	}
	strbuf_printf(o, "</tbody></table>\n");
}

static const char *state_name(uint32_t state)
{
	switch (state) {
	case STATS_STARTING: return "starting";
	case STATS_READY: return "ready";
	case STATS_DRAINING: return "draining";
	default: return "free";
	}
}

static void worker_row(struct strbuf *o, const struct stats_worker *w,
		       uint32_t gen, uint64_t now_ms)
{
	uint64_t beat = STATS_GET(w->heartbeat_ms);
	uint32_t state = STATS_GET(w->state);
	char sent[HUMAN_MAX];

	human_bytes(STATS_GET(w->bytes_sent), sent, sizeof(sent));
	strbuf_printf(o,
		      "<tr%s><td>%u</td><td>%d</td><td>%u</td><td "
		      "class=\"%s\">%s</td>"
		      "<td>%u</td><td>%" PRIu64 "</td><td title=\"%" PRIu64
		      " bytes\">"
		      "%s</td><td>%u</td><td>%.1f s</td></tr>\n",
		      w->gen == gen ? "" : " class=\"old\"", w->slot,
		      (int)STATS_GET(w->pid), w->gen,
		      state == STATS_READY ? "ok" : "warn", state_name(state),
		      STATS_GET(w->active), STATS_GET(w->requests),
		      STATS_GET(w->bytes_sent), sent, STATS_GET(w->respawns),
		      now_ms > beat ? (double)(now_ms - beat) / 1000.0 : 0.0);
}

static void render_workers(struct strbuf *o, const struct stats_board *b,
			   uint64_t now_ms)
{
	uint32_t gen = STATS_GET(b->master.generation);
	size_t shown = 0, left = 0;

	strbuf_printf(o, "<h2>Workers</h2>\n<table class=\"w\" "
			 "id=\"workers\"><thead><tr>"
			 "<th>slot</th><th>pid</th><th>gen</th><th>state</"
			 "th><th>conns</th>"
			 "<th>requests</th><th>sent</th><th>restarts</"
			 "th><th>heartbeat</th>"
			 "</tr></thead><tbody>\n");
	for (size_t i = 0; i < STATS_SLOTS; i++) {
		const struct stats_worker *w = &b->w[i];
		if (STATS_GET(w->state) == STATS_FREE || STATS_GET(w->pid) <= 0)
			continue;
		/* Rather a note than a page cut short. */
		if (o->size - o->len < ROOM_AFTER_ROWS + 400) {
			left++;
			continue;
		}
		worker_row(o, w, gen, now_ms);
		shown++;
	}
	strbuf_printf(o, "</tbody></table>\n");
	if (left > 0)
		strbuf_printf(
			o,
			"<p class=\"sub\">%zu more workers are not shown here; "
			"<a href=\"?format=json\">the JSON</a> has them "
			"all.</p>\n",
			left);
}

size_t statuspage_render(char *out, size_t outsz, const struct stats_board *b,
			 const struct status_totals *t, uint64_t now_ms,
			 uint64_t now)
{
	struct strbuf o = { out, outsz, 0, outsz == 0 };
	char when[40];

	render_head(&o);
	strbuf_printf(
		&o,
		"<h1>forkd <small>%s</small></h1>\n<p class=\"sub\">This page "
		"reloads itself every %d s &middot; also as <a "
		"href=\"?format=json\">"
		"JSON</a>, <a href=\"?format=prometheus\">Prometheus</a>, "
		"<a href=\"?format=stub\">stub_status</a></p>\n<div "
		"class=\"grid\">\n",
		FORKD_VERSION, STATUSPAGE_REFRESH);
	render_cards(&o, b, t, now);
	strbuf_printf(&o, "</div>\n");
	render_reloads(&o, b, now);
	render_workers(&o, b, now_ms);
	utc(now, when, sizeof(when));
	strbuf_printf(&o, "<p class=\"foot\">As of %s.</p>\n</body>\n</html>\n",
		      when);
	return o.full ? 0 : o.len;
}
