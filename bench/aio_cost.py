"""What the I/O pool's probe costs on the hot path: user-space instructions
(callgrind) and system calls (strace -c) per keep-alive request of a warm
file, for one or more forkd binaries and `aio` modes.

    python3 bench/aio_cost.py BINARY[:aio] ... [--file 612] [--file 102400]

BINARY:aio sets `aio = ` in the config (omit it for a binary that does not
know the directive).  One worker; WARMUP requests, then MEASURED more; the
difference between the two runs, per request, leaves start-up out.
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from instr import callgrind_totals, read_response  # noqa: E402

WARMUP = 200
MEASURED = 2000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def drive(port, path, count):
    req = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    for _ in range(600):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=30)
            break
        except ConnectionRefusedError:
            time.sleep(0.1)
    with s:
        for _ in range(count):
            s.sendall(req)
            assert read_response(s) == 200


def run(binary, aio, root, path, count, tool, out):
    tmp = tempfile.mkdtemp(prefix="aio-cost-")
    os.chmod(tmp, 0o777)
    port = free_port()
    conf = os.path.join(tmp, "forkd.conf")
    with open(conf, "w") as f:
        f.write(f'worker_processes = 1\npid_file = "{tmp}/pid"\n'
                f'error_log = "{tmp}/error.log"\n'
                + (f'aio = "{aio}"\n' if aio else "")
                + f'server {{\n listen = {{ "127.0.0.1:{port}" }}\n'
                  f' root = "{root}"\n keepalive_requests = 1000000\n}}\n')
    if tool == "callgrind":
        wrap = ["valgrind", "--tool=callgrind", "--trace-children=yes",
                f"--callgrind-out-file={tmp}/cg.%p"]
    else:
        wrap = ["strace", "-f", "-c", "-o", f"{tmp}/strace"]
    p = subprocess.Popen(wrap + [binary, "-c", conf], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        drive(port, path, count)
    finally:
        time.sleep(0.5)
        with open(f"{tmp}/pid") as f:
            os.kill(int(f.read()), signal.SIGQUIT)
        p.wait(120)
    if tool == "callgrind":
        # the worker is the busiest process
        val = max(callgrind_totals(os.path.join(tmp, n))
                  for n in os.listdir(tmp) if n.startswith("cg."))
    else:
        with open(f"{tmp}/strace") as f:
            last = f.read().strip().splitlines()[-1].split()
        val = int(last[3])  # % time, seconds, usecs/call, calls, [errors,] total
    shutil.rmtree(tmp, ignore_errors=True)
    return val


def per_request(binary, aio, root, path, tool):
    base = run(binary, aio, root, path, WARMUP, tool, None)
    full = run(binary, aio, root, path, WARMUP + MEASURED, tool, None)
    return (full - base) / MEASURED


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binaries", nargs="+")
    ap.add_argument("--file", type=int, action="append", default=None)
    a = ap.parse_args()
    root = tempfile.mkdtemp(prefix="aio-cost-root-")
    os.chmod(root, 0o755)
    for size in a.file or [612, 102400]:
        with open(os.path.join(root, f"f{size}"), "wb") as f:
            f.write(os.urandom(size))
        os.chmod(os.path.join(root, f"f{size}"), 0o644)
    os.utime(root)
    time.sleep(2.5)  # the small-file cache keeps files left alone 2 s
    for size in a.file or [612, 102400]:
        for spec in a.binaries:
            binary, _, aio = spec.partition(":")
            ir = per_request(binary, aio, root, f"/f{size}", "callgrind")
            sc = per_request(binary, aio, root, f"/f{size}", "strace")
            print(f"{size:>7} B  {spec:<40} {ir:9.0f} Ir/request  {sc:5.2f} syscalls/request",
                  flush=True)
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
