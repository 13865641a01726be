#!/usr/bin/env python3
"""forkd against the best peers on this machine: `make bench`.

    python3 bench/bench.py --forkd build/forkd --canned build/canned
                           [--rounds N] [--duration S] [--quick]
                           [--only KEY,...] [--setups 1,n] [--no-log-pass]

forkd, nginx, lighttpd, h2o and a canned-response server (bench/canned.c,
the floor: no parsing, one read and one write per request) run from
equivalent generated configurations (bench/*.conf.in) on free loopback
ports, serving the same generated docroot.  The request scenarios run
twice: with one worker (or thread) each, and with one per core.  Each
scenario runs in rounds alternating over the servers; the report gives
medians, each server's figure, and forkd's ratio to the best peer (the
best of nginx, lighttpd and h2o).  This is a benchmark, not a test: it
exits 0 unless a server failed to start.  See bench/README.
"""

import argparse
import datetime
import email.utils
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import idle
import instr
import loadgen
import report
import servers
import sites
import vhosts

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "out")
CLK_TCK = os.sysconf("SC_CLK_TCK")
WORKERS = os.cpu_count() or 1
WARMUP_S = 1
SETTLE_S = 0.5
LARGE = 1 << 30
RANGE = (1048576, 1049599)

PEERS = report.PEERS
PROCESS_SERVERS = ("forkd", "nginx", "lighttpd", "h2o")
# Setups: one worker/thread each (per-core efficiency; the client has a
# core of its own), and one per core (the default deployment).
SETUPS = {"1": 1, "n": WORKERS}
REQUEST_FIGURES = ["rps", "p50_us", "p99_us", "cpu_us", "errors"]
# "canned": the canned-response server takes part (it answers anything
# with the same 612 B page, so only where that is the right answer).
# "setups": which setups run it (default both).
SCENARIOS = [
    {"key": "ka", "title": "612 B keep-alive", "path": "/index.html",
     "canned": True, "figures": REQUEST_FIGURES},
    {"key": "close", "title": "612 B Connection: close", "path": "/index.html",
     "headers": {"Connection": "close"}, "canned": True,
     "figures": REQUEST_FIGURES},
    {"key": "100k", "title": "100 KB", "path": "/100k.bin", "setups": ("n",),
     "figures": ["rps", "mbps"] + REQUEST_FIGURES[1:]},
    {"key": "10m", "title": "10 MB (wrk -t1 -c8)", "path": "/10m.bin",
     "connections": 8, "figures": ["rps", "mbps"] + REQUEST_FIGURES[1:]},
    {"key": "304", "title": "304 revalidation", "path": "/index.html",
     "conditional": True, "expect": 304, "figures": REQUEST_FIGURES},
    {"key": "range", "title": "1 KB range of a 1 GiB file", "path": "/large.bin",
     "headers": {"Range": f"bytes={RANGE[0]}-{RANGE[1]}"}, "expect": 206,
     "figures": REQUEST_FIGURES},
    {"key": "pipeline", "title": "612 B pipelined (h2load --h1 -m 16)",
     "path": "/index.html", "tool": "h2load", "setups": ("n",),
     "figures": ["rps", "cpu_us", "errors"]},
]
# How cost grows: keep-alive at more connections, forkd and the best peer.
GROWTH_CONNS = (1000, 10000)
IDLE_SCENARIOS = [
    {"key": "idle10k", "title": "10,000 idle keep-alive", "count": 10000,
     "figures": ["bytes_per_conn", "held", "errors"]},
    {"key": "idle50k", "title": "50,000 idle connections held", "count": 50000,
     "figures": ["held", "errors", "bytes_per_conn"]},
]
INSTR_SCENARIO = {"key": "instr",
                  "title": f"callgrind, 1 worker, {instr.MEASURED} keep-alive requests",
                  "figures": ["ir"]}
INSTR_SERVERS = ("forkd", "nginx", "canned")
LOG_KEYS = ["ka", "close", "304", "pipeline"]
OFC_KEYS = ["ka", "304"]
ACCEPT_MODES = ("reuseport", "shared", "handoff")
ACCEPT_LOADS = ["ka", "close"]  # scenario keys run against each mode
STATUS_PATH = "/_bench_status"


def setup_title(setup):
    n = SETUPS[setup]
    if setup == "1":
        return "1 worker each"
    return f"{n} workers each (one per core)"


class Bench:
    """The run's state: options, working directory, live servers, results."""

    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="forkd-bench-")
        os.chmod(self.tmp, 0o755)
        self.docroot = os.path.join(self.tmp, "www")
        self.forkd_bin = os.path.join(self.tmp, "forkd")
        shutil.copy2(args.forkd, self.forkd_bin)  # immune to rebuilds mid-run
        self.canned_bin = None
        if args.canned and os.access(args.canned, os.X_OK):
            self.canned_bin = os.path.join(self.tmp, "canned")
            shutil.copy2(args.canned, self.canned_bin)
        self.live = []
        self.results = {}
        self.done = []  # scenarios run, in order, as the report names them
        self.notes = []
        self.validators = {}
        self.accept = {}  # load key -> {"title", "runs": {mode: [figs]}}
        self.growth = {}  # {"peer": name, "runs": {(name, conns): [figs]}}
        self.vhosts = []  # rows of the virtual-host scale table

    def wanted(self, key):
        only = self.args.only
        return not only or key in only or key.split("@")[0] in only

    def note(self, text):
        print(f"  note: {text}", flush=True)
        self.notes.append(text)

    # ------------------------------------------------------------ servers

    def have(self, name):
        if name == "canned":
            return self.canned_bin is not None
        binary = {"nginx": servers.NGINX, "lighttpd": servers.LIGHTTPD,
                  "h2o": servers.H2O}.get(name)
        return binary is None or os.access(binary, os.X_OK)

    def server(self, name, tag, **kw):
        root = os.path.join(self.tmp, tag)
        os.makedirs(root, exist_ok=True)
        os.chmod(root, 0o755)
        if name == "forkd":
            return servers.Forkd(self.forkd_bin, root, self.docroot, **kw)
        if name == "canned":
            return servers.Canned(self.canned_bin, root, self.docroot, **kw)
        cls = {"nginx": servers.Nginx, "lighttpd": servers.Lighttpd,
               "h2o": servers.H2o}[name]
        return cls(root, self.docroot, **kw)

    def start(self, server, **kw):
        self.live.append(server)
        server.start(**kw)
        print(f"  {server.name}: pid {server.proc.pid}, workers "
              f"{server.worker_pids or '(threads)'}, port {server.port}",
              flush=True)

    def stop_all(self):
        while self.live:
            self.live.pop().stop()

    def stop(self, server):
        server.stop()
        if server in self.live:
            self.live.remove(server)

    def check_workers(self, server, what):
        if server.proc is not None and server.workers_changed():
            self.note(f"{server.name}: worker processes changed during {what} "
                      f"(was {server.worker_pids}, now "
                      f"{servers.children(server.proc.pid)}): a worker died?")
            server.worker_pids = servers.children(server.proc.pid)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--forkd", default=os.path.join(HERE, "..", "build", "forkd"))
    p.add_argument("--canned", default=os.path.join(HERE, "..", "build", "canned"),
                   help="the canned-response server (make build/canned)")
    p.add_argument("--rounds", type=int, help="rounds per server (3)")
    p.add_argument("--duration", type=int, help="seconds per run (5)")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 1 round of 2 s unless given otherwise")
    p.add_argument("--only", type=lambda s: set(s.split(",")), default=set(),
                   help="comma-separated scenario keys: " + ",".join(
                       [s["key"] for s in SCENARIOS + IDLE_SCENARIOS]
                       + ["growth", "vhosts", "instr", "log", "ofc", "accept"]))
    p.add_argument("--setups", type=lambda s: s.split(","), default=list(SETUPS),
                   help="request-scenario setups: 1 (one worker each), "
                        "n (one per core); default both")
    p.add_argument("--no-log-pass", action="store_true",
                   help="skip the second pass with access logs on")
    args = p.parse_args(argv)
    quick = args.quick
    args.rounds = args.rounds or (1 if quick else 3)
    args.duration = args.duration or (2 if quick else 5)
    if not set(args.setups) <= set(SETUPS):
        p.error(f"--setups: choose from {','.join(SETUPS)}")
    return args


# ---------------------------------------------------------------- docroot

INDEX_HEAD = (b"<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome!</title>\n"
              b"</head>\n<body>\n<h1>Welcome!</h1>\n<p>A 612-byte page, the "
              b"size of nginx's default index.html.</p>\n<!-- ")
INDEX_TAIL = b" -->\n</body>\n</html>\n"


def make_docroot(path):
    """index.html (612 B), 100k.bin, 10m.bin (random) and a sparse 1 GiB
    large.bin: about 10 MB of disk."""
    os.makedirs(path)
    os.chmod(path, 0o755)
    pad = b"x" * (612 - len(INDEX_HEAD) - len(INDEX_TAIL))
    files = {"index.html": INDEX_HEAD + pad + INDEX_TAIL,
             "100k.bin": os.urandom(100 << 10),
             "10m.bin": os.urandom(10 << 20)}
    for name, data in files.items():
        with open(os.path.join(path, name), "wb") as f:
            f.write(data)
    with open(os.path.join(path, "large.bin"), "wb") as f:
        f.truncate(LARGE)
    for name in list(files) + ["large.bin"]:
        os.chmod(os.path.join(path, name), 0o644)


# ---------------------------------------------------------------- probes

def expected(sc):
    return sc.get("expect", 200)


def probe(bench, sc, server, headers):
    """One request of the scenario's kind; a note when the answer is not
    what the scenario is meant to measure."""
    try:
        status, hdrs, _ = servers.http_get(server.port, sc["path"], headers)
    except OSError as exc:
        bench.note(f"{server.name}: {sc['title']}: probe failed: {exc}")
        return
    problems = []
    if status != expected(sc):
        problems.append(f"status {status}, expected {expected(sc)}")
    if sc["key"] == "range" and status == 206:
        want = f"bytes {RANGE[0]}-{RANGE[1]}/{LARGE}"
        if hdrs.get("content-range") != want:
            problems.append(f"Content-Range {hdrs.get('content-range')!r}")
    if sc["key"] == "close" and "close" not in hdrs.get("connection", "").lower():
        problems.append("no 'Connection: close' in the response")
    if problems:
        bench.note(f"{server.name}: {sc['title']}: " + "; ".join(problems)
                   + f" (Content-Length {hdrs.get('content-length')})")


def validators(server):
    """ETag and Last-Modified of index.html, for the 304 scenario."""
    _, hdrs, _ = servers.http_get(server.port, "/index.html")
    return {"If-None-Match": hdrs.get("etag", '"none"'),
            "If-Modified-Since": hdrs.get("last-modified",
                                          email.utils.formatdate(usegmt=True))}


def headers_for(bench, sc, server):
    headers = dict(sc.get("headers", {}))
    if sc.get("conditional"):
        headers.update(bench.validators[server.name])
    return headers


# ---------------------------------------------------------------- request scenarios

def load(bench, sc, server, duration):
    url = f"http://127.0.0.1:{server.port}{sc['path']}"
    conns = sc.get("connections", loadgen.CONNECTIONS)
    if sc.get("tool") == "h2load":
        return loadgen.h2load(url, duration, connections=conns)
    headers = headers_for(bench, sc, server)
    script = None
    if headers:
        name = f"{sc['key']}-{server.name}-{server.port}.lua"
        script = loadgen.lua_headers(os.path.join(bench.tmp, name), headers)
    return loadgen.wrk(url, duration, script, connections=conns)


def balance(server, before, after):
    """CPU ticks per worker during a run, busiest first (the busiest
    `workers` units: h2o has helper threads besides its event loops), and
    the busiest one's share of them (1/workers is even)."""
    ticks = sorted((after.get(k, 0) - v for k, v in before.items()),
                   reverse=True)[:server.workers]
    total = sum(ticks)
    return ticks, (ticks[0] / total if total else None)


def measured_load(bench, sc, server):
    """One measured run: load figures, server CPU time per request and the
    per-worker spread of that CPU time."""
    before = servers.cpu_ticks(server.pids())
    per_worker = server.worker_ticks()
    fig = load(bench, sc, server, bench.args.duration)
    ticks = servers.cpu_ticks(server.pids()) - before
    fig["cpu_us"] = (ticks * 1e6 / CLK_TCK / fig["requests"]
                     if fig["requests"] else None)
    fig["worker_ticks"], fig["busiest_share"] = balance(
        server, per_worker, server.worker_ticks())
    return fig


def count_lines(path):
    n = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            n += chunk.count(b"\n")
    return n


def check_access_log(bench, sc, server, fig):
    time.sleep(1.5)  # both servers flush buffered lines at least once a second
    lines = count_lines(server.access_log_path)
    fig["log_lines"] = lines
    if lines < fig["requests"]:
        bench.note(f"{server.name}: {sc['title']} (access log on): "
                   f"{lines} log lines for {fig['requests']} requests")
    server.truncate_access_log()


def warm_up(bench, sc, server):
    try:
        load(bench, sc, server, WARMUP_S)
    except loadgen.LoadError as exc:
        bench.note(f"{server.name}: {sc['title']}: warm-up: {exc}")
    if server.access_log:
        time.sleep(1.2)
        server.truncate_access_log()


def one_run(bench, sc, server, key, rnd):
    try:
        fig = measured_load(bench, sc, server)
    except loadgen.LoadError as exc:
        bench.note(f"{server.name}: {sc['title']} round {rnd}: {exc}")
        return None
    if server.access_log:
        check_access_log(bench, sc, server, fig)
    if fig["errors"]:
        bench.note(f"{server.name}: {sc['title']}{' (access log on)' if server.access_log else ''}"
                   f" round {rnd}: {fig['errors']} errors {fig['error_kinds']}")
    bench.check_workers(server, f"{key} round {rnd}")
    return fig


def show(server, fig):
    parts = [f"{fig['rps']:,.0f} req/s", f"{fig['mbps']:,.1f} MB/s"]
    if fig.get("p99_us") is not None:
        parts.append(f"p50 {report.fmt_us(fig['p50_us'])} p99 {report.fmt_us(fig['p99_us'])}")
    if fig.get("cpu_us") is not None:
        parts.append(f"cpu {fig['cpu_us']:.2f} µs/req")
    if len(fig.get("worker_ticks", [])) > 1:
        parts.append(f"ticks/worker {fig['worker_ticks']}")
    parts.append(f"errors {fig['errors']}")
    print(f"    {server.name:8}  " + ", ".join(parts), flush=True)


def request_scenario(bench, sc, subjects, key, title):
    """Rounds alternating over the subjects; medians go to the report."""
    print(f"\n== {title}", flush=True)
    runs = {s.name: [] for s in subjects}
    for server in subjects:
        probe(bench, sc, server, headers_for(bench, sc, server))
        warm_up(bench, sc, server)
    for rnd in range(1, bench.args.rounds + 1):
        for server in subjects:
            fig = one_run(bench, sc, server, key, rnd)
            if fig:
                show(server, fig)
                runs[server.name].append(fig)
            time.sleep(SETTLE_S)
    bench.results[key] = runs
    bench.done.append(dict(sc, key=key, title=title,
                           servers=[s.name for s in subjects]))


# ---------------------------------------------------------------- idle scenarios

def idle_workers(count):
    """Workers each server needs to hold `count` connections when no
    process may have more than the hard open-file limit (20% slack for
    SO_REUSEPORT's uneven hashing)."""
    per_worker = servers.fd_hard_limit() - 1000
    return max(WORKERS, math.ceil(count * 1.2 / per_worker))


def idle_run(server, count, hold_s):
    """Pss before and after `count` idle connections; connections lost."""
    before = servers.pss_kib(server.pids())
    holder = idle.Holder(server.port, count, timeout=30 + count / 500)
    try:
        held, errors = holder.opened()
        time.sleep(SETTLE_S)
        after = servers.pss_kib(server.pids())
        lost = holder.release(hold_s)
    finally:
        holder.stop()
    if lost:
        errors["closed by the server while idle"] += lost
    return {"held": held - lost, "errors": sum(errors.values()),
            "error_kinds": dict(errors),
            "bytes_per_conn": (after - before) * 1024 / held if held else None,
            "pss_before_kib": before, "pss_after_kib": after}


def show_idle(server, fig):
    delta = fig["pss_after_kib"] - fig["pss_before_kib"]
    print(f"    {server.name:8}  held {fig['held']:,}, errors "
          f"{fig['error_kinds'] or 0}, ΔPss {delta:,} KiB = "
          f"{fig['bytes_per_conn'] or 0:,.0f} B/connection", flush=True)


def idle_round(bench, sc, name, workers, rnd):
    """A fresh server, so the figure is the first-touch memory cost."""
    server = bench.server(name, sc["key"], workers=workers)
    bench.start(server)
    try:
        fig = idle_run(server, sc["count"], bench.args.duration)
    except TimeoutError as exc:
        bench.note(f"{name}: {sc['title']} round {rnd}: {exc}")
        return None
    finally:
        bench.check_workers(server, f"{sc['key']} round {rnd}")
        bench.stop(server)
    show_idle(server, fig)
    if fig["errors"]:
        bench.note(f"{name}: {sc['title']} round {rnd}: {fig['error_kinds']}")
    return fig


def idle_scenario(bench, sc):
    workers = idle_workers(sc["count"])
    if workers != WORKERS:
        sc = dict(sc, title=f"{sc['title']} ({workers} workers)")
        bench.note(f"{sc['key']}: run with {workers} workers per server, not "
                   f"{WORKERS}: the hard open-file limit here is "
                   f"{servers.fd_hard_limit()} and cannot be raised (no "
                   f"CAP_SYS_RESOURCE), so {WORKERS} workers cannot hold "
                   f"{sc['count']:,} connections")
    print(f"\n== {sc['title']}", flush=True)
    names = [n for n in PROCESS_SERVERS if bench.have(n)]
    runs = {name: [] for name in names}
    for rnd in range(1, bench.args.rounds + 1):
        for name in names:
            fig = idle_round(bench, sc, name, workers, rnd)
            if fig:
                runs[name].append(fig)
    bench.results[sc["key"]] = runs
    bench.done.append(dict(sc, servers=names))


# ---------------------------------------------------------------- passes

def start_set(bench, tag, names, workers, **kw):
    """Start one server of each name; {name: server}."""
    started = {}
    for name in names:
        if not bench.have(name):
            bench.note(f"{name} not installed: left out of {tag}")
            continue
        opts = dict(kw) if name != "canned" else {}
        if name != "nginx":
            opts.pop("open_file_cache", None)
        server = bench.server(name, tag, workers=workers, **opts)
        bench.start(server)
        started[name] = server
    return started


def subjects_for(sc, started, canned_close):
    """The servers a scenario runs against, in report order."""
    out = [s for n, s in started.items() if n != "canned"]
    if sc.get("canned") and "canned" in started:
        out.append(canned_close if sc["key"] == "close" and canned_close
                   else started["canned"])
    return out


def request_pass(bench, setup):
    """Every wanted request scenario against every server, `setup`'s
    worker count each."""
    wanted = [sc for sc in SCENARIOS if bench.wanted(f"{sc['key']}@{setup}")
              and setup in sc.get("setups", SETUPS)]
    if not wanted:
        return
    workers = SETUPS[setup]
    print(f"\n# request scenarios, {setup_title(setup)} (access log off)",
          flush=True)
    started = start_set(bench, f"req{setup}", report.SERVERS, workers,
                        access_log=False)
    canned_close = None
    if "canned" in started and any(sc["key"] == "close" for sc in wanted):
        canned_close = servers.Canned(bench.canned_bin, started["canned"].dir
                                      + "-close", bench.docroot,
                                      workers=workers, close=True)
        bench.start(canned_close)
    for server in started.values():
        bench.validators[server.name] = validators(server)
    for sc in wanted:
        if sc.get("tool") == "h2load" and not loadgen.have_h2load():
            bench.note("h2load not installed: pipelining scenario skipped")
            continue
        request_scenario(bench, dict(sc, setup=setup),
                         subjects_for(sc, started, canned_close),
                         f"{sc['key']}@{setup}",
                         f"{sc['title']}, {setup_title(setup)}")
    bench.stop_all()


def best_peer(bench, key):
    """The peer with the most requests/s in scenario `key` (h2o when that
    scenario did not run)."""
    runs = bench.results.get(key, {})
    rated = [(report.median(runs.get(p, []), "rps") or 0, p) for p in PEERS
             if runs.get(p)]
    return max(rated)[1] if rated else "h2o"


def growth_pass(bench):
    """Keep-alive at 1,000 and 10,000 connections, one worker per core,
    forkd and the best peer of the 64-connection run."""
    if not bench.wanted("growth"):
        return
    peer = best_peer(bench, "ka@n")
    names = [n for n in ("forkd", peer) if bench.have(n)]
    print(f"\n# how cost grows: forkd and {peer}, {setup_title('n')}",
          flush=True)
    started = start_set(bench, "growth", names, SETUPS["n"])
    ka = next(sc for sc in SCENARIOS if sc["key"] == "ka")
    for conns in GROWTH_CONNS:
        sc = dict(ka, connections=conns, setup="n")
        key = f"ka{conns}@n"
        request_scenario(bench, sc, list(started.values()), key,
                         f"612 B keep-alive, {conns:,} connections, "
                         f"{setup_title('n')}")
        bench.done.pop()  # reported in the growth table, not the main one
    bench.growth = {"peer": peer}
    bench.stop_all()


def vhost_pass(bench):
    if not bench.wanted("vhosts"):
        return
    print("\n# virtual-host scale (1 worker each)", flush=True)
    bench.vhosts = vhosts.run(bench)


def accept_run(bench, sc, server, rnd):
    """One measured run plus the balance: most over fewest requests served
    per worker during the run, from the status endpoint's counters."""
    before = server.worker_requests()
    fig = one_run(bench, sc, server, f"accept:{server.accept_mode}", rnd)
    after = server.worker_requests()
    if fig is None:
        return None
    served = [after[pid] - before.get(pid, 0) for pid in after]
    fig["per_worker"] = served
    fig["balance"] = (max(served) / min(served)
                      if served and min(served) > 0 else None)
    return fig


def accept_pass(bench):
    """forkd's three accept modes side by side, rounds alternating over
    the modes, for the keep-alive and the Connection: close loads."""
    if not bench.wanted("accept"):
        return
    print("\n# accept modes (forkd only; access log off)", flush=True)
    modes = []
    for mode in ACCEPT_MODES:
        s = bench.server("forkd", f"accept-{mode}", workers=WORKERS,
                         accept_mode=mode, status_path=STATUS_PATH)
        bench.start(s)
        modes.append(s)
    for sc in [s for s in SCENARIOS if s["key"] in ACCEPT_LOADS]:
        print(f"\n== accept modes: {sc['title']}", flush=True)
        runs = {s.accept_mode: [] for s in modes}
        for server in modes:
            warm_up(bench, sc, server)
        for rnd in range(1, bench.args.rounds + 1):
            for server in modes:
                fig = accept_run(bench, sc, server, rnd)
                if fig:
                    print(f"    {server.accept_mode:9}  {fig['rps']:,.0f} req/s, "
                          f"p99 {report.fmt_us(fig['p99_us'] or 0)}, "
                          f"per worker {fig['per_worker']}", flush=True)
                    runs[server.accept_mode].append(fig)
                time.sleep(SETTLE_S)
        bench.accept[sc["key"]] = {"title": sc["title"], "runs": runs}
    bench.stop_all()


def idle_pass(bench):
    for sc in IDLE_SCENARIOS:
        if bench.wanted(sc["key"]):
            idle_scenario(bench, sc)


def coldfs_pass(bench):
    """The cold-disk scenario (bench/coldfs.py): forkd with the I/O pool and
    without, nginx default and with `aio threads`, on a FUSE file system
    whose every read sleeps.  Its lines go into the report's notes."""
    if not bench.wanted("coldfs"):
        return
    if os.geteuid() != 0 or not os.path.exists("/dev/fuse"):
        bench.note("cold disk: skipped (needs root and /dev/fuse)")
        return
    print("\n# cold disk: small fetches during cold downloads", flush=True)
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "coldfs.py")
    r = subprocess.run([sys.executable, script, bench.args.forkd],
                       capture_output=True, text=True, timeout=600)
    for line in r.stdout.splitlines():
        bench.note("cold disk: " + line)
    if r.returncode != 0:
        bench.note(f"cold disk: coldfs.py exited {r.returncode}: {r.stderr[-300:]}")


def log_pass(bench):
    if bench.args.no_log_pass or (bench.args.only
                                  and "log" not in bench.args.only):
        return
    print("\n# access log on (combined format, to a file): forkd and nginx",
          flush=True)
    started = start_set(bench, "log", ("forkd", "nginx"), WORKERS,
                        access_log=True)
    pair = list(started.values())
    for server in pair:
        bench.validators[server.name] = validators(server)
    for sc in SCENARIOS:
        if sc["key"] not in LOG_KEYS or (sc.get("tool") == "h2load"
                                     and not loadgen.have_h2load()):
            continue
        request_scenario(bench, dict(sc, setup="n"), pair, "log:" + sc["key"],
                         sc["title"] + ", access log on")
    bench.stop_all()


def ofc_pass(bench):
    """forkd keeps small files in memory (checked by a stat per request);
    nginx's nearest setting, off by default, is open_file_cache (open
    descriptors, checked once a second).  The keep-alive scenario again
    with it on, so the comparison can be read both ways."""
    if bench.args.only and "ofc" not in bench.args.only:
        return
    print("\n# nginx with open_file_cache", flush=True)
    started = start_set(bench, "ofc", ("forkd", "nginx"), WORKERS,
                        access_log=False, open_file_cache=True)
    pair = list(started.values())
    for server in pair:
        bench.validators[server.name] = validators(server)
    for sc in SCENARIOS:
        if sc["key"] in OFC_KEYS:
            request_scenario(bench, dict(sc, setup="n"), pair, "ofc:" + sc["key"],
                             sc["title"] + ", nginx with open_file_cache")
    bench.stop_all()


def instr_pass(bench):
    if not bench.wanted("instr"):
        return
    if not instr.have_valgrind():
        bench.note("valgrind not installed: instruction counts skipped")
        return
    print(f"\n== {INSTR_SCENARIO['title']} (valgrind; slow)", flush=True)
    runs = {}
    names = [n for n in INSTR_SERVERS if bench.have(n)]
    for name in names:
        def make(wrapper, name=name):
            s = bench.server(name, f"instr-{name}", workers=1,
                             wrapper=wrapper, keepalive_requests=100000)
            bench.live.append(s)
            return s
        try:
            res = instr.ir_per_request(make, os.path.join(bench.tmp, f"cg-{name}"))
        except (OSError, ValueError) as exc:
            bench.note(f"{name}: callgrind run failed: {exc}")
            continue
        finally:
            bench.stop_all()
        if res["ok"] != instr.WARMUP + instr.MEASURED:
            bench.note(f"{name}: callgrind run: only {res['ok']} of "
                       f"{instr.WARMUP + instr.MEASURED} requests got 200")
        print(f"    {name:8}  {res['ir']:,.0f} Ir/request (worker totals: "
              f"{res['full']:,} with {instr.WARMUP + instr.MEASURED} requests, "
              f"{res['base']:,} with {instr.WARMUP})", flush=True)
        runs[name] = [res]
    bench.results["instr"] = runs
    bench.done.append(dict(INSTR_SCENARIO, servers=names))


# ---------------------------------------------------------------- report

def read_first(path, prefix):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def git_commit():
    try:
        out = subprocess.run(["git", "-C", HERE, "describe", "--always",
                              "--dirty"], capture_output=True, text=True,
                             timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return out.stdout.strip() or "?"


def loadavg():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def machine_info(bench, started):
    mem_kib = int(read_first("/proc/meminfo", "MemTotal").split()[0])
    return {
        "date": started.strftime("%Y-%m-%d %H:%M:%S %Z").strip(),
        "machine": f"{os.cpu_count()} CPUs (nproc), "
                   f"{read_first('/proc/cpuinfo', 'model name')}, "
                   f"{mem_kib / (1 << 20):.1f} GiB RAM",
        "kernel": f"{platform.system()} {platform.release()}",
        "forkd": f"{servers.forkd_version(bench.forkd_bin)} "
                 f"({os.path.abspath(bench.args.forkd)})",
        "peers": f"{servers.nginx_version()}, {servers.lighttpd_version()}, "
                 f"{servers.h2o_version()}; canned-response server "
                 f"bench/canned.c"
                 + ("" if bench.canned_bin else " (not built: left out)"),
        "commit": git_commit(),
        "tools": ", ".join(loadgen.tool_version(c) for c in
                           (["wrk", "-v"], ["h2load", "--version"],
                            ["valgrind", "--version"])),
        "method": f"{bench.args.rounds} round(s) × {bench.args.duration} s per "
                  f"scenario and server, rounds alternating over the servers, "
                  f"medians; request scenarios with 1 worker (or thread) "
                  f"each and with {WORKERS} (one per core); access log off, "
                  f"sendfile on (h2o has none), keep-alive 75 s and "
                  f"{servers.KEEPALIVE_REQUESTS:,} requests (h2o, canned: no "
                  f"limit); wrk -t{loadgen.THREADS} -c{loadgen.CONNECTIONS} "
                  f"--latency --timeout {loadgen.TIMEOUT} unless the "
                  f"scenario says otherwise; the client shares the "
                  f"machine's CPUs with the servers",
        "load average at start": loadavg(),
    }


def finish(bench, info):
    info["load average at end"] = loadavg()
    info["note"] = ("the machine was not guaranteed quiet (other jobs, e.g. "
                    "test suites, may have run alongside)")
    table_rows = report.rows(bench.done, bench.results)
    extra = [report.balance_table(bench.done, bench.results, WORKERS),
             report.growth_table(bench.results, bench.growth, WORKERS,
                                 GROWTH_CONNS),
             report.vhost_table(bench.vhosts),
             report.accept_table(bench.accept, ACCEPT_MODES)]
    text = report.markdown(info, table_rows, bench.notes,
                           "\n".join(e for e in extra if e))
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "results.md"), "w") as f:
        f.write(text)
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump({"info": info, "scenarios": bench.done,
                   "results": bench.results, "accept": bench.accept,
                   "growth": bench.growth, "vhosts": bench.vhosts,
                   "notes": bench.notes},
                  f, indent=1, default=str)
    png = report.chart(table_rows, OUT)
    print("\n" + text)
    print(f"written: {OUT}/results.md, results.json"
          + (f", {os.path.basename(png)}" if png else ""))
    if not (bench.args.quick or bench.args.only):
        shutil.copy(os.path.join(OUT, "results.md"),
                    os.path.join(HERE, "results.md"))
        print(f"copied to {HERE}/results.md")


def save_logs(bench):
    """Keep the servers' error logs in bench/out/logs for a look later."""
    dest = os.path.join(OUT, "logs")
    shutil.rmtree(dest, ignore_errors=True)
    for dirpath, _, files in os.walk(bench.tmp):
        for name in files:
            if name in ("error.log", "stdout.log"):
                rel = os.path.relpath(dirpath, bench.tmp).replace(os.sep, "-")
                os.makedirs(dest, exist_ok=True)
                shutil.copy(os.path.join(dirpath, name),
                            os.path.join(dest, f"{rel}-{name}"))


def on_signal(signum, frame):
    raise SystemExit(128 + signum)


def main(argv):
    args = parse_args(argv)
    if not os.access(args.forkd, os.X_OK):
        print(f"bench: {args.forkd} is not executable (make build/forkd)")
        return 1
    signal.signal(signal.SIGTERM, on_signal)
    servers.raise_hard_limit()
    started = datetime.datetime.now().astimezone()
    t0 = time.monotonic()
    bench = Bench(args)
    status = 0
    try:
        make_docroot(bench.docroot)
        info = machine_info(bench, started)
        print("forkd benchmark: " + info["method"], flush=True)
        try:
            for setup in args.setups:
                request_pass(bench, setup)
            growth_pass(bench)
            vhost_pass(bench)
            log_pass(bench)
            ofc_pass(bench)
            accept_pass(bench)
            idle_pass(bench)
            sites.sites_pass(bench, request_scenario, WORKERS)
            coldfs_pass(bench)
            instr_pass(bench)
        except servers.StartError as exc:
            bench.note(f"start failed: {exc}")
            print(f"bench: {exc}")
            status = 1
        info["duration of this run"] = f"{time.monotonic() - t0:.0f} s"
        finish(bench, info)
    finally:
        bench.stop_all()
        save_logs(bench)
        shutil.rmtree(bench.tmp, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
