#!/usr/bin/env python3
"""Reloads under load, forkd against nginx: failed requests per reload storm.

    python3 bench/reloads.py --forkd build/forkd [--reloads 40] [--conns 64]

Both servers serve the same small file from the bench docroot with the same
worker count; a bounded keep-alive client (tests/integration/load.py, which
counts a reset, an early EOF, a refused connect or a non-200 as a failure
and never retries) runs `conns` connections while the master gets SIGHUP
`reloads` times, one every `--interval` seconds.  Prints the counts.  Needs
root (both masters switch their workers to nobody); loopback only; every
process started is stopped by pid.
"""
import argparse
import os
import shutil
import signal
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

import servers  # noqa: E402
from load import Load  # noqa: E402


def storm(server, reloads, interval, conns):
    with Load(server.port, conns=conns, path="/index.html",
              max_seconds=reloads * interval + 60,
              max_requests=10_000_000) as load:
        if not load.wait_requests(1000):
            raise SystemExit(f"{server.name}: no traffic before the reloads")
        for _ in range(reloads):
            os.kill(server.proc.pid, signal.SIGHUP)
            time.sleep(interval)
        time.sleep(2)  # the last old generation drains
    return load.stats


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--forkd", required=True)
    ap.add_argument("--reloads", type=int, default=40)
    ap.add_argument("--interval", type=float, default=0.25)
    ap.add_argument("--conns", type=int, default=64)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    a = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="forkd-reloads-")
    os.chmod(tmp, 0o755)
    docroot = os.path.join(tmp, "www")
    os.makedirs(docroot)
    with open(os.path.join(docroot, "index.html"), "wb") as f:
        f.write(b"x" * 612)
    os.chmod(docroot, 0o755)
    os.chmod(os.path.join(docroot, "index.html"), 0o644)
    results = {}
    try:
        for server in (servers.Forkd(os.path.abspath(a.forkd), tmp, docroot, a.workers),
                       servers.Nginx(tmp, docroot, a.workers)):
            server.start()
            try:
                results[server.name] = storm(server, a.reloads, a.interval, a.conns)
            finally:
                server.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{a.reloads} SIGHUPs, one every {a.interval} s, during {a.conns} "
          f"keep-alive connections ({a.workers} workers):")
    for name, st in results.items():
        print(f"  {name:6} {st.ok:8d} ok  {len(st.errors):6d} failed  "
              f"first: {st.errors[:2]}")


if __name__ == "__main__":
    main()
