"""The results: medians, forkd/nginx ratios, goals, the Markdown table and
the gnuplot chart of the ratios."""

import os
import shutil
import statistics
import subprocess

SERVERS = ("forkd", "nginx")

# Figures the chart leaves out, and the chart's short names for the others.
CHART_SKIP = {"errors", "held", "p50_us"}
SHORT = {"rps": "req/s", "mbps": "MB/s", "p99_us": "p99", "cpu_us": "CPU/req",
         "bytes_per_conn": "B/conn", "ir": "Ir/req"}

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

# (scenario, figure) -> (what is compared, operator, threshold)
GOALS = {
    ("ka", "cpu_us"): ("ratio", "<=", 0.57),
    ("ka", "rps"): ("ratio", ">=", 1.35),
    ("ka", "p99_us"): ("ratio", "<=", 0.7),
    ("close", "rps"): ("ratio", ">=", 1.15),
    ("10m", "mbps"): ("ratio", ">=", 1.5),
    ("idle10k", "bytes_per_conn"): ("forkd", "<=", 256),
    ("idle50k", "errors"): ("forkd", "<=", 0),
    ("idle50k", "held"): ("forkd", ">=", 50000),
    ("instr", "ir"): ("ratio", "<=", 0.2),
}


def fmt_us(v):
    return f"{v:,.0f} µs" if v < 1000 else f"{v / 1000:,.2f} ms"


def median(runs, key):
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def goal_state(scenario, figure, forkd, r):
    """(text, met) for a figure with a goal, else None."""
    goal = GOALS.get((scenario, figure))
    if goal is None:
        return None
    what, op, limit = goal
    value = r if what == "ratio" else forkd
    unit = "×" if what == "ratio" else ""
    text = f"{'≤' if op == '<=' else '≥'} {limit:g}{unit}"
    if what == "forkd":
        text = "forkd " + text
    if value is None:
        return text + " (n/a)", None
    met = value <= limit if op == "<=" else value >= limit
    return f"{text} **{'met' if met else 'unmet'}**", met


def rows(scenarios, results):
    """One dict per (scenario, figure) with medians, ratio and goal."""
    out = []
    for sc in scenarios:
        runs = results.get(sc["key"])
        if not runs:
            continue
        for figure in sc["figures"]:
            f = median(runs.get("forkd", []), figure)
            n = median(runs.get("nginx", []), figure)
            r = ratio(f, n)
            out.append({"scenario": sc["key"], "title": sc["title"],
                        "figure": figure, "forkd": f, "nginx": n, "ratio": r,
                        "goal": goal_state(sc["key"], figure, f, r)})
    return out


def cell(figure, value):
    return "–" if value is None else FIGURES[figure][1](value)


def table(table_rows):
    lines = ["| scenario | figure | forkd | nginx | forkd/nginx | goal |",
             "|---|---|--:|--:|--:|---|"]
    last = None
    for row in table_rows:
        title = row["title"] if row["title"] != last else ""
        last = row["title"]
        r = "–" if row["ratio"] is None else f"{row['ratio']:.2f}×"
        goal = row["goal"][0] if row["goal"] else ""
        lines.append(f"| {title} | {FIGURES[row['figure']][0]} | "
                     f"{cell(row['figure'], row['forkd'])} | "
                     f"{cell(row['figure'], row['nginx'])} | {r} | {goal} |")
    return "\n".join(lines)


def goal_summary(table_rows):
    goals = [row for row in table_rows if row["goal"]]
    met = sum(1 for row in goals if row["goal"][1])
    return f"Goals met: {met} of {len(goals)}."


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
    parts = ["# forkd vs nginx: `make bench`", ""]
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
            goal = row["goal"]
            colour = (0x999999 if not goal or goal[1] is None
                      else 0x2ca02c if goal[1] else 0xd62728)
            label = f"{row['scenario']} {SHORT[row['figure']]}"
            f.write(f'"{label}" {row["ratio"]:.4f} {colour}\n')


GNUPLOT = """
set terminal pngcairo size 1400,650 font ",10"
set rmargin 6
set bmargin 7
set output "{png}"
set title "forkd / nginx (median ratios; green: goal met, red: unmet, grey: no goal)"
set ylabel "forkd / nginx"
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
    if shutil.which("gnuplot") is None:
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
