"""The results: medians, forkd's ratio to the best peer, goals, the
Markdown tables and the gnuplot chart of the ratios."""

import os
import shutil
import statistics
import subprocess

SERVERS = ("forkd", "nginx", "lighttpd", "h2o", "canned")
PEERS = ("nginx", "lighttpd", "h2o")

# Figures the chart leaves out, and the chart's short names for the others.
CHART_SKIP = {"errors", "held", "p50_us"}
SHORT = {"rps": "req/s", "mbps": "MB/s", "p99_us": "p99", "cpu_us": "CPU/req",
         "bytes_per_conn": "B/conn", "ir": "Ir/req"}
# Figures where more is better; for the others less is.
HIGHER = {"rps", "mbps", "held"}

# figure key -> (label, formatter)
FIGURES = {
    "rps": ("requests/s", lambda v: f"{v:,.0f}"),
    "mbps": ("throughput", lambda v: f"{v:,.0f} MB/s"),
    "p50_us": ("p50 latency", lambda v: fmt_us(v)),
    "p99_us": ("p99 latency", lambda v: fmt_us(v)),
    "cpu_us": ("server CPU / request", lambda v: f"{v:.2f} µs"),
    "errors": ("errors", lambda v: f"{v:,.0f}"),
    "held": ("connections held", lambda v: f"{v:,.0f}"),
    "bytes_per_conn": ("user memory / connection (ΔPss)", lambda v: f"{v:,.0f} B"),
    "ir": ("instructions (Ir) / request", lambda v: f"{v:,.0f}"),
}

# (scenario, setup, figure) -> [(against, operator, threshold)], from
# issue 13.  against: "peer" (forkd / the best peer), "canned" (forkd /
# the canned-response server), "forkd" (forkd's own figure).  setup "*"
# is either setup.
GOALS = {
    ("ka", "1", "rps"): [("peer", ">=", 1.0)],
    ("ka", "1", "cpu_us"): [("peer", "<=", 1.0), ("canned", "<=", 1.1)],
    ("ka", "1", "p99_us"): [("peer", "<=", 1.0)],
    ("ka", "n", "rps"): [("peer", ">=", 1.0)],
    ("close", "*", "rps"): [("peer", ">=", 1.0)],
    ("close", "*", "cpu_us"): [("peer", "<=", 0.9)],
    ("10m", "*", "rps"): [("peer", ">=", 1.0)],
    ("304", "*", "rps"): [("peer", ">=", 1.0)],
    ("range", "*", "rps"): [("peer", ">=", 1.0)],
    ("idle10k", "*", "bytes_per_conn"): [("peer", "<=", 1.0)],
    ("idle50k", "*", "errors"): [("forkd", "<=", 0)],
    ("idle50k", "*", "held"): [("forkd", ">=", 50000)],
    ("instr", "*", "ir"): [("forkd", "<=", 3000)],
}
# Virtual hosts at the largest count: -t and reload seconds, last/first.
VHOST_GOALS = {"test_s": 1.0, "reload_s": 2.0, "last_first": 0.95}


def fmt_us(v):
    return f"{v:,.0f} µs" if v < 1000 else f"{v / 1000:,.2f} ms"


def median(runs, key):
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def best_of(values, figure):
    """(name, value) of the best peer for this figure, or (None, None)."""
    have = [(v, n) for n, v in values.items() if n in PEERS and v is not None]
    if not have:
        return None, None
    v, n = (max if figure in HIGHER else min)(have)
    return n, v


def goal_state(goals, values, r_peer):
    """[(text, met)] for each goal of a row."""
    out = []
    for against, op, limit in goals:
        if against == "peer":
            value, text = r_peer, f"{limit:g}× best peer"
        elif against == "canned":
            value, text = ratio(values.get("forkd"), values.get("canned")), \
                f"{limit:g}× canned"
        else:
            value, text = values.get("forkd"), f"forkd {limit:g}"
        text = f"{'≤' if op == '<=' else '≥'} {text}"
        if value is None:
            out.append((text + " (n/a)", None))
            continue
        met = value <= limit if op == "<=" else value >= limit
        out.append((f"{text} **{'met' if met else 'unmet'}**", met))
    return out


def goals_for(sc, figure):
    base = sc["key"].split("@")[0]
    setup = sc.get("setup", "*")
    return GOALS.get((base, setup, figure)) or GOALS.get((base, "*", figure), [])


def rows(scenarios, results):
    """One dict per (scenario, figure): medians per server, the best peer,
    forkd's ratio to it, goals."""
    out = []
    for sc in scenarios:
        runs = results.get(sc["key"])
        if not runs:
            continue
        for figure in sc["figures"]:
            values = {n: median(runs.get(n, []), figure) for n in SERVERS}
            peer, pv = best_of(values, figure)
            r = None if figure == "errors" else ratio(values["forkd"], pv)
            out.append({"scenario": sc["key"], "title": sc["title"],
                        "figure": figure, "values": values, "peer": peer,
                        "ratio": r,
                        "goal": goal_state(goals_for(sc, figure), values, r)})
    return out


def cell(figure, value):
    return "–" if value is None else FIGURES[figure][1](value)


def table(table_rows):
    head = " | ".join(SERVERS)
    lines = [f"| scenario | figure | {head} | forkd / best peer | goal |",
             "|---|---|" + "--:|" * len(SERVERS) + "--:|---|"]
    last = None
    for row in table_rows:
        title = row["title"] if row["title"] != last else ""
        last = row["title"]
        r = ("–" if row["ratio"] is None
             else f"{row['ratio']:.2f}× ({row['peer']})")
        goal = "; ".join(g[0] for g in row["goal"])
        cells = " | ".join(cell(row["figure"], row["values"][n]) for n in SERVERS)
        lines.append(f"| {title} | {FIGURES[row['figure']][0]} | {cells} | "
                     f"{r} | {goal} |")
    return "\n".join(lines)


def goal_summary(table_rows):
    goals = [g for row in table_rows for g in row["goal"]]
    met = sum(1 for g in goals if g[1])
    return f"Goals met: {met} of {len(goals)}."


def balance_table(scenarios, results, workers):
    """Per-worker spread of CPU time in the one-worker-per-core runs."""
    lines = []
    for sc in scenarios:
        if sc.get("setup") != "n" or "@" not in sc["key"]:
            continue
        runs = results.get(sc["key"], {})
        cells = []
        for name in SERVERS:
            share = median(runs.get(name, []), "busiest_share")
            last = runs[name][-1].get("worker_ticks") if runs.get(name) else None
            cells.append("–" if share is None
                         else f"{share:.0%} {last}")
        lines.append(f"| {sc['title']} | " + " | ".join(cells) + " |")
    if not lines:
        return ""
    return "\n".join(
        [f"## Per-worker balance, {workers} workers each", "",
         "The busiest worker's share of the server's CPU ticks (median over "
         f"the rounds; {1 / workers:.0%} is even), then the ticks per worker "
         "(process, or thread for h2o) in the last round, from /proc.", "",
         "| scenario | " + " | ".join(SERVERS) + " |",
         "|---|" + "--:|" * len(SERVERS)] + lines) + "\n"


def growth_table(results, growth, workers, conns):
    """How cost grows: forkd and the best peer at more connections, and
    requests/s with 1 and `workers` workers."""
    peer = growth.get("peer")
    if not peer:
        return ""
    lines = [f"## How cost grows: forkd and the best peer ({peer}), 612 B "
             "keep-alive", "",
             f"| figure | forkd | {peer} | forkd / {peer} |", "|---|--:|--:|--:|"]

    def add(label, key, figure):
        runs = results.get(key, {})
        f, p = median(runs.get("forkd", []), figure), median(runs.get(peer, []), figure)
        r = ratio(f, p)
        lines.append(f"| {label} | {cell(figure, f)} | {cell(figure, p)} | "
                     f"{'–' if r is None else f'{r:.2f}×'} |")

    for c, key in [(64, "ka@n")] + [(c, f"ka{c}@n") for c in conns]:
        add(f"CPU / request, {c:,} connections, {workers} workers", key, "cpu_us")
        add(f"p99 latency, {c:,} connections, {workers} workers", key, "p99_us")
        add(f"requests/s, {c:,} connections, {workers} workers", key, "rps")
    add("requests/s, 64 connections, 1 worker", "ka@1", "rps")
    add(f"requests/s, 64 connections, {workers} workers", "ka@n", "rps")
    return "\n".join(lines) + "\n"


def vhost_cell(row, key, fmt):
    v = row.get(key)
    return "–" if v is None else fmt(v)


def vhost_goal(row, biggest):
    if row["server"] != "forkd" or row["count"] != biggest:
        return ""
    if row.get("refused"):
        return "**unmet** (refused)"
    lf = ratio(row.get("rps_last"), row.get("rps_first"))
    met = [row.get("test_s") is not None and row["test_s"] < VHOST_GOALS["test_s"],
           row.get("reload_s") is not None and row["reload_s"] < VHOST_GOALS["reload_s"],
           lf is not None and lf >= VHOST_GOALS["last_first"]]
    return (f"-t < 1 s {'met' if met[0] else '**unmet**'}; reload < 2 s "
            f"{'met' if met[1] else '**unmet**'}; last ≥ 0.95× first "
            f"{'met' if met[2] else '**unmet**'}")


def vhost_table(vrows):
    if not vrows:
        return ""
    biggest = max(r["count"] for r in vrows)
    secs = lambda v: f"{v:.2f} s"  # noqa: E731
    mib = lambda v: f"{v / 1024:,.1f} MiB"  # noqa: E731
    rps = lambda v: f"{v:,.0f}"  # noqa: E731
    lines = ["## Virtual hosts on one address (1 worker each; wrk -t1 -c32, "
             "Host: the first or the last name)", "",
             "| server blocks | server | config | -t | start until serving | "
             "reload until done | master RSS | worker RSS | req/s first host | "
             "req/s last host | last / first | goal |",
             "|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|"]
    for r in vrows:
        lf = ratio(r.get("rps_last"), r.get("rps_first"))
        size = (f"{r['config_bytes']:,} B" if r["config_bytes"] < 10240
                else f"{r['config_bytes'] / 1024:,.0f} KiB")
        if r.get("refused") and r.get("test_s") is None:
            lines.append(f"| {r['count']:,} | {r['server']} | {size} | "
                         f"refused: {r['refused']} | | | | | | | | "
                         f"{vhost_goal(r, biggest)} |")
            continue
        lines.append(
            f"| {r['count']:,} | {r['server']} | {size} | "
            f"{vhost_cell(r, 'test_s', secs)} | {vhost_cell(r, 'start_s', secs)} | "
            f"{vhost_cell(r, 'reload_s', secs)} | "
            f"{vhost_cell(r, 'master_kib', mib)} | "
            f"{vhost_cell(r, 'worker_kib', mib)} | "
            f"{vhost_cell(r, 'rps_first', rps)} | {vhost_cell(r, 'rps_last', rps)} | "
            f"{'–' if lf is None else f'{lf:.2f}×'} | {vhost_goal(r, biggest)} |")
        if r.get("refused"):
            lines[-1] += f" refused: {r['refused']}"
    return "\n".join(lines) + "\n"


def accept_table(accept, modes):
    """forkd's accept modes: medians per load and mode, and each mode's
    requests/s and p99 relative to reuseport."""
    if not accept:
        return ""
    lines = ["## Accept modes (forkd, same load, rounds alternating over "
             "the modes)", "",
             "| load | accept_mode | requests/s | p99 latency | "
             "server CPU / request | balance (max/min requests per worker) | "
             "req/s vs reuseport | p99 vs reuseport |",
             "|---|---|--:|--:|--:|--:|--:|--:|"]
    for entry in accept.values():
        runs = entry["runs"]
        base = runs.get("reuseport", [])
        base_rps, base_p99 = median(base, "rps"), median(base, "p99_us")
        title = entry["title"]
        for mode in modes:
            if mode not in runs:
                continue
            rps, p99 = median(runs[mode], "rps"), median(runs[mode], "p99_us")
            cpu, bal = median(runs[mode], "cpu_us"), median(runs[mode], "balance")
            r1, r2 = ratio(rps, base_rps), ratio(p99, base_p99)
            lines.append(
                f"| {title} | {mode} | {cell('rps', rps)} | "
                f"{cell('p99_us', p99)} | {cell('cpu_us', cpu)} | "
                f"{'–' if bal is None else f'{bal:.3f}'} | "
                f"{'–' if r1 is None else f'{r1:.2f}×'} | "
                f"{'–' if r2 is None else f'{r2:.2f}×'} |")
            title = ""
    return "\n".join(lines) + "\n"


def markdown(info, table_rows, notes, extra=""):
    parts = ["# forkd against the best peers: `make bench`", ""]
    parts += [f"- {k}: {v}" for k, v in info.items()]
    parts += ["", table(table_rows), "", goal_summary(table_rows), ""]
    if extra:
        parts += [extra]
    if notes:
        parts += ["## Notes", ""] + [f"- {n}" for n in notes] + [""]
    return "\n".join(parts)


# ---------------------------------------------------------------- chart

def chart_data(table_rows, path):
    """label, ratio, colour (green met, red unmet, grey no goal)."""
    with open(path, "w") as f:
        for row in table_rows:
            if row["ratio"] is None or row["figure"] in CHART_SKIP:
                continue
            states = [g[1] for g in row["goal"] if g[1] is not None]
            colour = (0x999999 if not states
                      else 0x2ca02c if all(states) else 0xd62728)
            label = f"{row['scenario']} {SHORT.get(row['figure'], row['figure'])}"
            f.write(f'"{label}" {row["ratio"]:.4f} {colour}\n')


GNUPLOT = """
set terminal pngcairo size 1400,650 font ",10"
set rmargin 6
set bmargin 7
set output "{png}"
set title "forkd / best peer (median ratios; green: goal met, red: unmet, grey: no goal)"
set ylabel "forkd / best peer"
set style fill solid 0.8 border -1
set boxwidth 0.7
set xtics rotate by -45 left
set grid ytics
set yrange [0:*]
set key off
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 2
plot "{data}" using 0:2:3:xtic(1) with boxes lc rgb variable, \\
     "" using 0:2:(sprintf("%.2f", $2)) with labels offset 0,0.7
"""


def chart(table_rows, out_dir):
    """Write ratios.png with gnuplot; returns its path or None."""
    if shutil.which("gnuplot") is None or not any(
            r["ratio"] is not None for r in table_rows):
        return None
    data = os.path.join(out_dir, "ratios.dat")
    png = os.path.join(out_dir, "ratios.png")
    chart_data(table_rows, data)
    script = GNUPLOT.format(png=png, data=data)
    out = subprocess.run(["gnuplot"], input=script, text=True,
                         capture_output=True, timeout=60)
    if out.returncode != 0:
        print(f"bench: gnuplot failed: {out.stderr.strip()}")
        return None
    return png
