#!/usr/bin/env python3
"""Cost of one keep-alive request in one forkd worker: user-space
instructions (callgrind) and system calls (strace -c), for before/after
comparisons of a change.

    python3 bench/percall.py --forkd build/forkd [--no-callgrind]
                             [--no-strace] [--requests N]

One worker serves GET /index.html (612 B, the bench docroot's page) to a
client sending requests one after another on one connection
(bench/instr.py).  Instructions per request are callgrind's worker total
with WARMUP + MEASURED requests minus the total with WARMUP only, over
MEASURED.  System calls per request: strace -c attached to the warm
worker for --requests requests, each count divided by that number (the
attach and detach themselves are not counted by strace).  Needs root
(the master switches its worker to nobody); loopback only; the server is
stopped by pid.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench  # noqa: E402
import instr  # noqa: E402
import servers  # noqa: E402

STRACE_SETTLE = 0.5


def make_server(tmp, binary, docroot, wrapper=()):
    return servers.Forkd(binary, tmp, docroot, workers=1, wrapper=wrapper)


def callgrind(tmp, binary, docroot):
    live = []

    def make(wrapper):
        s = make_server(tmp, binary, docroot, wrapper)
        live.append(s)
        return s
    try:
        return instr.ir_per_request(make, os.path.join(tmp, "cg"))
    finally:
        for s in live:
            s.stop()


def parse_strace(text):
    """{syscall: calls} from strace -c's table."""
    calls = {}
    for line in text.splitlines():
        m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:(\d+)\s+)?(\w+)$", line)
        if m and m.group(3) != "total":
            calls[m.group(3)] = int(m.group(1))
    return calls


def strace(tmp, binary, docroot, requests):
    server = make_server(tmp, binary, docroot)
    server.start()
    try:
        worker = server.worker_pids[0]
        sock = instr.connect(server.port)
        for _ in range(instr.WARMUP):
            sock.sendall(instr.REQUEST)
            instr.read_response(sock)
        out = os.path.join(tmp, "strace.txt")
        tracer = subprocess.Popen(["strace", "-c", "-o", out, "-p", str(worker)],
                                  stderr=subprocess.DEVNULL)
        time.sleep(STRACE_SETTLE)  # attached before the first request
        for _ in range(requests):
            sock.sendall(instr.REQUEST)
            instr.read_response(sock)
        time.sleep(STRACE_SETTLE)
        tracer.send_signal(signal.SIGINT)
        tracer.wait(30)
        sock.close()
        with open(out) as f:
            return parse_strace(f.read())
    finally:
        server.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--forkd", required=True)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--no-callgrind", action="store_true")
    ap.add_argument("--no-strace", action="store_true")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="forkd-percall-")
    os.chmod(tmp, 0o755)
    binary = os.path.join(tmp, "forkd-under-test")
    shutil.copy2(a.forkd, binary)
    docroot = os.path.join(tmp, "www")
    try:
        bench.make_docroot(docroot)
        time.sleep(2.1)  # older than the small-file cache's settle time
        if not a.no_callgrind and instr.have_valgrind():
            res = callgrind(tmp, binary, docroot)
            print(f"callgrind: {res['ir']:,.0f} instructions per request "
                  f"({res['ok']} of {instr.WARMUP + instr.MEASURED} got 200)")
        if not a.no_strace and shutil.which("strace"):
            calls = strace(tmp, binary, docroot, a.requests)
            total = sum(calls.values())
            print(f"strace -c: {total / a.requests:.2f} system calls per "
                  f"request over {a.requests} requests:")
            for name, n in sorted(calls.items(), key=lambda kv: -kv[1]):
                print(f"  {name:16} {n / a.requests:8.3f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
