"""Paired comparison of forkd binaries (and peers) in alternating rounds,
one worker each, for a before/after check of one change on a machine that
is not quiet enough for absolute numbers.  Per server: median req/s, CPU
per response of the server (its worker's, or the whole process's for a
peer) and of the client (wrk, from its rusage), and median p50 latency.

    python3 bench/paired.py OLD_FORKD NEW_FORKD [ROUNDS]
    python3 bench/paired.py --scenario 10m --rounds 8 --duration 4 \\
        main=/tmp/forkd-main new=build/forkd lighttpd h2o

Scenarios (bench/bench.py's, same files): ka (612 B keep-alive,
wrk -c64), close (the same with Connection: close), 10m (10 MB, wrk -c8), range (1 KB range of a sparse 1 GiB
file, wrk -c64), 100k (100 KB, wrk -c64).  On loopback the client's CPU
per response is part of the answer for large files: wrk runs on the other
core, and the kernel work of moving bytes that a server leaves queued in
its sockets is done in wrk's time (doc/DESIGN.md, "Large files: unsent
bytes").  Needs root for the peers (they drop to nobody).
"""
import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (the docroot and range of `make bench`)
import servers  # noqa: E402

SCENARIOS = {  # path, connections, extra request header
    "ka": ("/index.html", 64, None),
    "close": ("/index.html", 64, ("Connection", "close")),
    "10m": ("/10m.bin", 8, None),
    "range": ("/large.bin", 64, ("Range", "bytes=%d-%d" % bench.RANGE)),
    "100k": ("/100k.bin", 64, None),
}
PEERS = {"lighttpd": servers.Lighttpd, "h2o": servers.H2o, "nginx": servers.Nginx}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scenario", choices=sorted(SCENARIOS), default="ka")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--duration", type=int, default=5, help="seconds a round")
    p.add_argument("subjects", nargs="+",
                   help="NAME=FORKD_BINARY[@ACCEPT_MODE], a bare binary, "
                   "a peer name, or canned=CANNED_BINARY")
    args = p.parse_args(argv)
    if args.subjects[-1].isdigit():  # the old form: OLD NEW [ROUNDS]
        args.rounds = int(args.subjects.pop())
    return args


def start(tmp, docroot, subject, scenario):
    name, _, binary = subject.partition("=")
    if not binary and name not in PEERS:
        name, binary = subject, subject
    root = os.path.join(tmp, f"{name}-{len(os.listdir(tmp))}")
    os.makedirs(root)
    os.chmod(root, 0o755)
    binary, _, mode = binary.partition("@")
    if name in PEERS and not binary:
        server = PEERS[name](root, docroot, workers=1)
    elif name == "canned":
        server = servers.Canned(os.path.abspath(binary), root, docroot, workers=1,
                                close=scenario == "close")
    else:
        server = servers.Forkd(os.path.abspath(binary), root, docroot, workers=1,
                               accept_mode=mode or "reuseport")
    server.start()
    return name, server


def one_round(server, sc, duration, script):
    path, conns, _ = SCENARIOS[sc]
    cmd = ["wrk", "-t1", f"-c{conns}", f"-d{duration}s", "--latency"]
    if script:
        cmd += ["-s", script]
    pids = server.worker_pids or [server.proc.pid]
    ticks0 = servers.cpu_ticks(pids)
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd + [f"http://127.0.0.1:{server.port}{path}"],
                         capture_output=True, text=True).stdout
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    ticks = servers.cpu_ticks(pids) - ticks0
    n = int(re.search(r"(\d+) requests in", out).group(1))
    m = re.search(r"50%\s+([\d.]+)(us|ms|s)\b", out)
    wrk_s = ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "srv_us": ticks * 1e6 / os.sysconf("SC_CLK_TCK") / max(n, 1),
            "wrk_us": wrk_s * 1e6 / max(n, 1),
            "p50_ms": float(m.group(1)) * {"us": 1e-3, "ms": 1, "s": 1e3}[m.group(2)]}


def main(argv):
    args = parse_args(argv)
    tmp = tempfile.mkdtemp(prefix="paired-")
    os.chmod(tmp, 0o755)
    docroot = os.path.join(tmp, "www")
    bench.make_docroot(docroot)
    script = None
    if SCENARIOS[args.scenario][2]:
        script = os.path.join(tmp, "header.lua")
        with open(script, "w") as f:
            f.write('wrk.headers["%s"] = "%s"\n' % SCENARIOS[args.scenario][2])
    live = []
    try:
        for subject in args.subjects:
            live.append(start(tmp, docroot, subject, args.scenario))
        res = {name: [] for name, _ in live}
        for r in range(args.rounds):
            for name, server in live:
                res[name].append(one_round(server, args.scenario, args.duration, script))
            print(f"round {r + 1}: " + "  ".join(
                f"{name} {res[name][-1]['rps']:,.0f}" for name, _ in live), flush=True)
    finally:
        for _, server in live:
            server.stop()
    print(f"{args.scenario}, {args.rounds} rounds of {args.duration} s, medians:")
    for name, _ in live:
        med = {k: statistics.median(f[k] for f in res[name]) for k in res[name][0]}
        print(f"  {name:10s} req/s {med['rps']:10,.1f}  server CPU us/resp "
              f"{med['srv_us']:9.2f}  wrk CPU us/resp {med['wrk_us']:9.2f}  "
              f"p50 ms {med['p50_ms']:.3f}  rounds {[round(f['rps']) for f in res[name]]}")


if __name__ == "__main__":
    main(sys.argv[1:])
