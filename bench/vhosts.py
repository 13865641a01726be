"""Cost as the configuration grows: many name-based virtual hosts on one
listen address, forkd and nginx, one worker each.

For each count in COUNTS a configuration with that many server blocks
(names h0.bench.test, h1.bench.test, ...; one docroot) is generated, and
each server gives:

    config_bytes        size of the generated file
    test_s              wall time of `-t` (load and check the file)
    start_s             start until the last host answers
    reload_s            forkd: wall time of `forkd -s reload`, which returns
                        once the new generation serves (it parses the file
                        itself first, then waits for the master); nginx:
                        SIGHUP until every old worker has been replaced
    master_kib          VmRSS of the master, after start
    worker_kib          VmRSS of the worker, after the load
    rps_first/last      wrk -t1 -c32 keep-alive, Host: the first or the
                        last name
    refused             why `-t` refused the file (nothing else is then
                        measured for that server and count)

Every process is started and stopped through servers.Server, by pid.

Run alone (`python3 bench/vhosts.py --help`) it measures forkd only, with
a short wrk run per host, for the counts given: the figures of the
DESIGN.md entry on configuration scale.
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time

import loadgen
import servers

COUNTS = (1, 1000, 50000)
CONNECTIONS = 32
TEST_TIMEOUT = 300
START_TIMEOUT = 300.0
POLL = 0.02


def host(i):
    return f"h{i}.bench.test"


def forkd_config(run, port, docroot, count):
    head = (f'worker_processes = 1\nworker_connections = 4096\n'
            f'user = "nobody"\npid_file = "{run}/forkd.pid"\n'
            f'error_log = "{run}/error.log"\nerror_log_level = notice\n\n')
    block = ('server {{\n\tlisten = {{ "127.0.0.1:{port}" }}\n'
             '\tserver_name = {{ "{name}" }}\n\troot = "{root}"\n'
             '\tindex = {{ "index.html" }}\n\taccess_log = "off"\n'
             '\tkeepalive_requests = 100000\n}}\n')
    return head + "".join(block.format(port=port, name=host(i), root=docroot)
                          for i in range(count))


def nginx_config(run, port, docroot, count):
    head = (f"daemon off;\nmaster_process on;\nworker_processes 1;\n"
            f"user nobody nogroup;\npid {run}/nginx.pid;\n"
            f"error_log {run}/error.log notice;\n"
            f"events {{ worker_connections 4096; }}\n"
            f"http {{\n\taccess_log off;\n\tsendfile on;\n"
            f"\tkeepalive_requests 100000;\n"
            f"\tserver_names_hash_max_size 262144;\n"
            f"\tserver_names_hash_bucket_size 128;\n"
            f"\tclient_body_temp_path {run}/tmp/body;\n"
            f"\tproxy_temp_path {run}/tmp/proxy;\n"
            f"\tfastcgi_temp_path {run}/tmp/fastcgi;\n"
            f"\tuwsgi_temp_path {run}/tmp/uwsgi;\n"
            f"\tscgi_temp_path {run}/tmp/scgi;\n")
    block = ("\tserver {{ listen 127.0.0.1:{port}; server_name {name}; "
             "root {root}; index index.html; }}\n")
    return head + "".join(block.format(port=port, name=host(i), root=docroot)
                          for i in range(count)) + "}\n"


def timed(cmd):
    """(seconds, exit status, last line of output)."""
    t0 = time.monotonic()
    try:
        out = subprocess.run(cmd, capture_output=True, text=True,
                             timeout=TEST_TIMEOUT)
    except subprocess.TimeoutExpired:
        return TEST_TIMEOUT, -1, f"no answer in {TEST_TIMEOUT} s"
    lines = (out.stderr + out.stdout).strip().splitlines()
    return time.monotonic() - t0, out.returncode, lines[-1] if lines else ""


def test_command(server):
    if server.name == "forkd":
        return [server.binary, "-t", "-c", server.config]
    return [servers.NGINX, "-t", "-p", server.dir + "/", "-e",
            server.error_log, "-c", server.config]


def host_answers(port, name):
    try:
        return servers.http_get(port, "/index.html", {"Host": name},
                                timeout=2.0)[0] == 200
    except OSError:
        return False


def wait_host(port, name, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if host_answers(port, name):
            return True
        time.sleep(POLL)
    return False


def host_rps(bench, server, name):
    script = loadgen.lua_headers(
        os.path.join(bench.tmp, f"vh-{server.name}-{server.port}-{name}.lua"),
        {"Host": name})
    fig = loadgen.wrk(f"http://127.0.0.1:{server.port}/index.html",
                      bench.args.duration, script, connections=CONNECTIONS)
    if fig["errors"]:
        bench.note(f"vhosts: {server.name}, Host {name}: {fig['errors']} "
                   f"errors {fig['error_kinds']}")
    return fig["rps"]


def nginx_reload(server, timeout=START_TIMEOUT):
    """SIGHUP, then wait until no old worker is left and a new one runs."""
    old = set(servers.children(server.proc.pid))
    t0 = time.monotonic()
    os.kill(server.proc.pid, signal.SIGHUP)
    while time.monotonic() - t0 < timeout:
        now = set(servers.children(server.proc.pid))
        if now and not now & old:
            return time.monotonic() - t0
        time.sleep(POLL)
    return None


def reload(server):
    """Seconds until the new configuration serves; None on failure."""
    if server.name == "nginx":
        return nginx_reload(server)
    secs, rc, last = timed([server.binary, "-c", server.config, "-s", "reload"])
    return secs if rc == 0 else None


def measure(bench, server, count, row):
    """Start, load both hosts, reload; fills row."""
    last = host(count - 1)
    t0 = time.monotonic()
    bench.start(server, timeout=START_TIMEOUT)
    if not wait_host(server.port, last, START_TIMEOUT):
        row["refused"] = f"Host {last} never answered 200"
        return
    row["start_s"] = time.monotonic() - t0
    row["master_kib"] = servers.rss_kib(server.proc.pid)
    row["rps_first"] = host_rps(bench, server, host(0))
    row["rps_last"] = host_rps(bench, server, last)
    kids = servers.children(server.proc.pid)
    row["worker_kib"] = servers.rss_kib(kids[0]) if kids else None
    row["reload_s"] = reload(server)
    if row["reload_s"] is None:
        bench.note(f"vhosts: {server.name}, {count:,} blocks: reload failed")


def one(bench, name, count):
    """One server at one count: a row for the report."""
    server = bench.server(name, f"vhosts-{count}", workers=1)
    make = forkd_config if name == "forkd" else nginx_config
    server.config_text = make(server.dir, server.port, bench.docroot, count)
    with open(server.config, "w") as f:
        f.write(server.config_text)
    if name == "nginx":
        os.makedirs(os.path.join(server.dir, "tmp"), exist_ok=True)
    row = {"server": name, "count": count,
           "config_bytes": len(server.config_text.encode())}
    secs, rc, last = timed(test_command(server))
    if rc != 0:
        last = last.replace(server.config, os.path.basename(server.config))
        row["refused"] = last or f"exit status {rc}"
        print(f"    {name:8} {count:>6,} blocks: -t refused: {row['refused']}",
              flush=True)
        return row
    row["test_s"] = secs
    try:
        measure(bench, server, count, row)
    except (servers.StartError, loadgen.LoadError) as exc:
        row["refused"] = str(exc).strip().splitlines()[0]
    finally:
        bench.stop(server)
    print(f"    {name:8} {count:>6,} blocks: " + ", ".join(
        f"{k} {v:,.2f}" if isinstance(v, float) else f"{k} {v}"
        for k, v in row.items() if k not in ("server", "count")), flush=True)
    return row


def run(bench):
    rows = []
    for count in COUNTS:
        for name in ("forkd", "nginx"):
            if bench.have(name):
                rows.append(one(bench, name, count))
    return rows


# ---------------------------------------------------------------- alone

def cpu_seconds(cmd):
    """(wall seconds, CPU seconds of the child, exit status) of cmd."""
    before = os.times()
    t0 = time.monotonic()
    rc = subprocess.run(cmd, capture_output=True).returncode
    wall = time.monotonic() - t0
    after = os.times()
    cpu = (after.children_user - before.children_user
           + after.children_system - before.children_system)
    return wall, cpu, rc


def peak_kib(cmd):
    """Peak RSS of cmd in KiB (GNU time)."""
    out = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd,
                         capture_output=True, text=True)
    return int(out.stderr.strip().splitlines()[-1])


def alone_rps(port, name, duration, tmp, worker):
    """(req/s, worker CPU µs per request): on a shared machine the second
    moves less with the neighbours' load than the first."""
    script = loadgen.lua_headers(os.path.join(tmp, f"{name}.lua"),
                                 {"Host": name})
    ticks = servers.cpu_ticks([worker])
    fig = loadgen.wrk(f"http://127.0.0.1:{port}/index.html", duration,
                      script, connections=CONNECTIONS)
    ticks = servers.cpu_ticks([worker]) - ticks
    us = ticks * 1e6 / os.sysconf("SC_CLK_TCK") / max(fig["requests"], 1)
    return fig["rps"], us


def median(v):
    return sorted(v)[len(v) // 2]


def alone_serve(args, conf, port, count, row, tmp):
    """Start the master, measure it serving and reloading, stop it."""
    last = host(count - 1)
    t0 = time.monotonic()
    proc = subprocess.Popen([args.bin, "-c", conf],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        if not wait_host(port, last, START_TIMEOUT):
            row["refused"] = f"Host {last} never answered"
            return
        row["start_s"] = time.monotonic() - t0
        row["master_kib"] = servers.rss_kib(proc.pid)
        kids = servers.children(proc.pid)
        # alternating rounds, medians: the machine's noise hits both
        first, lastr = [], []
        for _ in range(args.rounds):
            first.append(alone_rps(port, host(0), args.duration, tmp,
                                   kids[0]))
            lastr.append(alone_rps(port, last, args.duration, tmp, kids[0]))
        for key, figs in (("first", first), ("last", lastr)):
            row[f"rps_{key}"] = median([f[0] for f in figs])
            row[f"us_{key}"] = median([f[1] for f in figs])
        row["last/first"] = row["rps_last"] / row["rps_first"]
        row["worker_kib"] = servers.rss_kib(kids[0])
        wall, cpu, rc = cpu_seconds([args.bin, "-c", conf, "-s", "reload"])
        row["reload_s"] = wall if rc == 0 else None
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


def alone_one(args, count, tmp):
    run = os.path.join(tmp, f"run-{count}")
    os.makedirs(run, exist_ok=True)
    port = servers.free_port()
    conf = os.path.join(run, "forkd.conf")
    with open(conf, "w") as f:
        f.write(forkd_config(run, port, args.docroot, count))
    row = {"count": count, "config_bytes": os.path.getsize(conf)}
    wall, cpu, rc = cpu_seconds([args.bin, "-t", "-c", conf])
    if rc != 0:
        row["refused"] = f"-t exit status {rc}"
        return row
    row["test_s"], row["test_cpu_s"] = wall, cpu
    row["test_peak_kib"] = peak_kib([args.bin, "-t", "-c", conf])
    alone_serve(args, conf, port, count, row, tmp)
    return row


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="forkd alone: -t time, start, reload, memory and "
                    "req/s of the first and the last host, with COUNT "
                    "name-based server blocks on one address")
    ap.add_argument("--bin", default="build/forkd", help="forkd binary")
    ap.add_argument("--counts", default="1,1000,5000,50000",
                    help="server blocks, comma-separated")
    ap.add_argument("--duration", type=int, default=3,
                    help="seconds of wrk per host (keep it short)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="alternating wrk rounds per host (medians)")
    ap.add_argument("--docroot", help="directory with index.html "
                    "(default: a temporary one)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vhosts-") as tmp:
        os.chmod(tmp, 0o755)  # the worker serves it as nobody
        if args.docroot is None:
            args.docroot = os.path.join(tmp, "www")
            os.makedirs(args.docroot)
            with open(os.path.join(args.docroot, "index.html"), "w") as f:
                f.write("x" * 612)
        for count in (int(c) for c in args.counts.split(",")):
            row = alone_one(args, count, tmp)
            print(", ".join(f"{k} {v:,.2f}" if isinstance(v, float)
                            else f"{k} {v}" for k, v in row.items()),
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
