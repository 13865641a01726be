#!/usr/bin/env python3
"""Where the instructions of one keep-alive request go: callgrind's self
cost per function, per request, in one forkd worker.

    python3 bench/perfunc.py --forkd build/forkd [--min N]

The same measurement as bench/percall.py (bench/instr.py's client: one
worker, one connection, GET /index.html answered from the small-file
cache), broken down by function: two callgrind runs, one with WARMUP
requests and one with WARMUP + MEASURED, are annotated with
callgrind_annotate, and each function's difference is divided by
MEASURED.  So start-up, the accept and the close drop out.  Functions
below --min instructions per request are left out of the list but kept
in the total.  Needs root and valgrind; loopback only; servers are
stopped by pid.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench  # noqa: E402
import instr  # noqa: E402
import servers  # noqa: E402

LINE = re.compile(r"\s*([\d,]+)\s+(?:\([^)]*\)\s+)?\S+:(\S+)")


def self_costs(tmp, binary, docroot, out_dir, count):
    """{function: self Ir} of the worker after `count` requests."""
    def make(wrapper):
        return servers.Forkd(binary, tmp, docroot, workers=1,
                             wrapper=wrapper)
    instr.worker_ir(make, out_dir, count)
    # The worker's file is the one with the most instructions.
    files = [os.path.join(out_dir, p) for p in os.listdir(out_dir)]
    worker = max(files, key=instr.callgrind_totals)
    out = subprocess.run(["callgrind_annotate", "--threshold=100", worker],
                         capture_output=True, text=True, check=True).stdout
    costs = {}
    for line in out.splitlines():
        m = LINE.match(line)
        if m:
            name = m.group(2)
            costs[name] = costs.get(name, 0) + int(m.group(1).replace(",", ""))
    return costs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--forkd", required=True)
    ap.add_argument("--min", type=float, default=5.0)
    a = ap.parse_args()
    if not instr.have_valgrind():
        sys.exit("perfunc: valgrind is not installed")
    tmp = tempfile.mkdtemp(prefix="forkd-perfunc-")
    os.chmod(tmp, 0o755)
    try:
        binary = os.path.join(tmp, "forkd-under-test")
        shutil.copy2(a.forkd, binary)
        docroot = os.path.join(tmp, "www")
        bench.make_docroot(docroot)
        time.sleep(2.1)  # older than the small-file cache's settle time
        w, m = instr.WARMUP, instr.MEASURED
        base = self_costs(tmp, binary, docroot, os.path.join(tmp, "a"), w)
        full = self_costs(tmp, binary, docroot, os.path.join(tmp, "b"), w + m)
        per = {k: (full.get(k, 0) - base.get(k, 0)) / m
               for k in set(base) | set(full)}
        for name, ir in sorted(per.items(), key=lambda kv: -kv[1]):
            if abs(ir) >= a.min:
                print(f"{ir:8.0f}  {name}")
        print(f"{sum(per.values()):8.0f}  total")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
