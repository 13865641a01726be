"""User-space instructions per keep-alive request, counted by callgrind.

Each server runs with one worker under `valgrind --tool=callgrind
--trace-children=yes`; callgrind writes one file per process (%p), and the
worker's file is the one named after the worker's pid.  A deterministic
client sends WARMUP + MEASURED requests, one after another, over a single
keep-alive connection.  The baseline run is the same start-up with only the
WARMUP requests, so

    Ir per request = (Ir(full run) - Ir(baseline run)) / MEASURED

leaves out start-up, the connection's accept and close, and the warm-up.
"""

import os
import shutil
import signal
import socket
import time

from idle import response_done

WARMUP = 200
MEASURED = 2000
START_TIMEOUT = 120.0
STOP_TIMEOUT = 60.0
CONNECT_TRIES = 600
REQUEST = b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def have_valgrind():
    return shutil.which("valgrind") is not None


def connect(port):
    """Connect, retrying while the port refuses (the server is starting).
    A refused attempt never reaches the worker, so the count it sees is
    the same in every run."""
    for _ in range(CONNECT_TRIES):
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=30)
        except ConnectionRefusedError:
            time.sleep(0.1)
    raise OSError(f"port {port} still refuses connections")


def read_response(s):
    buf = b""
    while True:
        data = s.recv(65536)
        if not data:
            raise OSError("server closed the keep-alive connection")
        buf += data
        status = response_done(buf)
        if status is not None:
            return status


def drive(port, count):
    """Send `count` requests over one connection; returns how many got 200."""
    ok = 0
    with connect(port) as s:
        for _ in range(count):
            s.sendall(REQUEST)
            ok += read_response(s) == 200
    return ok


def callgrind_totals(path):
    with open(path) as f:
        for line in f:
            if line.startswith(("totals:", "summary:")):
                return int(line.split()[1])
    raise ValueError(f"{path}: no totals line")


def worker_ir(make_server, out_dir, count):
    """Start a one-worker server under callgrind, drive `count` requests,
    stop it gracefully and return (worker Ir, requests answered 200)."""
    os.makedirs(out_dir, exist_ok=True)
    os.chmod(out_dir, 0o777)  # the worker writes its file as nobody
    wrapper = ["valgrind", "--tool=callgrind", "--trace-children=yes",
               f"--callgrind-out-file={out_dir}/callgrind.out.%p"]
    server = make_server(wrapper)
    server.start(probe=False, timeout=START_TIMEOUT)
    try:
        worker = server.worker_pids[0]
        ok = drive(server.port, count)
    finally:
        server.stop(signal.SIGQUIT, timeout=STOP_TIMEOUT)
    return callgrind_totals(f"{out_dir}/callgrind.out.{worker}"), ok


def ir_per_request(make_server, out_dir):
    """{'ir': Ir per request, 'base': baseline Ir, 'full': full-run Ir,
    'ok': 200s in the full run}."""
    base, _ = worker_ir(make_server, os.path.join(out_dir, "base"), WARMUP)
    full, ok = worker_ir(make_server, os.path.join(out_dir, "full"),
                         WARMUP + MEASURED)
    return {"ir": (full - base) / MEASURED, "base": base, "full": full,
            "ok": ok}
