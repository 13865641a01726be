"""Resource exhaustion: descriptors, memory, connection slots, a full disk
for the access log, and files that change while they are sent.

What must hold each time: the worker is the same process at the end (no
crash, no respawn loop), connections already open keep being served or are
closed cleanly, the error log says what happened without flooding, and
service is normal once the pressure is gone.  Bounded in connections and
time; loopback only.
"""

import os
import re
import resource
import signal
import socket
import subprocess
import threading
import time

from harness import INDEX_HTML, Skip, daemon, parametrize, proc_status, req, wait_for


def open_idle(port, n, partial=b""):
    """n connections that send at most a partial head; closed by the caller."""
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        if partial:
            s.sendall(partial)
        socks.append(s)
    return socks


def close_all(socks):
    for s in socks:
        s.close()


def served_by_server(s, timeout):
    """Wait for one complete answer on s; its status, or None."""
    s.settimeout(timeout)
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not chunk:
            break
        data += chunk
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            m = re.search(rb"Content-Length: (\d+)", head)
            if m and len(body) >= int(m.group(1)):
                return int(head.split(b" ")[1])
    return None


@daemon(workers=1, top={"worker_rlimit_nofile": 64},
        server={"client_header_timeout": "2s"})
def test_descriptor_limit_keeps_existing_connections_served(d):
    """Regression: with 64 descriptors, idle sockets used them all and the
    next file open of a connection already being served failed: 500."""
    worker = d.workers()
    with d.conn() as keep:
        keep.send(req("GET", "/index.html"))
        assert keep.response().status == 200
        flood = open_idle(d.port, 150)
        try:
            time.sleep(0.5)
            for _ in range(5):
                keep.send(req("GET", "/index.html"))
                r = keep.response()
                assert r.status == 200 and r.body == INDEX_HTML, r
            # A newcomer waits in the queue, and is served once the idle
            # flood has run into client_header_timeout.
            with socket.create_connection(("127.0.0.1", d.port), timeout=5) as late:
                late.sendall(req("GET", "/index.html"))
                status = served_by_server(late, 12)
                assert status == 200, f"queued connection got {status}"
        finally:
            close_all(flood)
    assert d.get("/index.html").status == 200
    assert d.workers() == worker, "the worker was replaced"
    log = d.error_log()
    assert "connections at most" in log, log
    assert log.count("Too many open files") <= 3, log


# The worker keeps root here so that the test (root) may lower its limit.
@daemon(workers=1, top={"worker_rlimit_nofile": 1024, "user": ""},
        server={"client_header_timeout": "2s"})
def test_accept_backs_off_on_emfile_and_recovers(d):
    """Descriptors used up by open files rather than sockets: accept fails
    with EMFILE; the worker pauses accepting, logs it at most once a
    second, and serves the queue when descriptors come back."""
    worker = d.workers()[0]
    # Lower the worker's limit to what it holds: every accept fails.  (Once
    # the harness's readiness probes are closed: a descriptor freed after
    # this would let one connection in, and its file open fail.)
    time.sleep(1)
    used = len(os.listdir(f"/proc/{worker}/fd"))
    try:
        resource.prlimit(worker, resource.RLIMIT_NOFILE, (used, 1024))
    except PermissionError:
        raise Skip("cannot change the worker's descriptor limit here") from None
    waiting = open_idle(d.port, 20, req("GET", "/index.html"))
    try:
        time.sleep(2.5)
        assert d.workers() == [worker]
        resource.prlimit(worker, resource.RLIMIT_NOFILE, (1024, 1024))
        statuses = [served_by_server(s, 5) for s in waiting]
    finally:
        close_all(waiting)
    assert statuses == [200] * 20, statuses
    complaints = d.error_log().count("Too many open files")
    assert 1 <= complaints <= 4, d.error_log()
    assert d.workers() == [worker]


@daemon(workers=1, top={"worker_connections": 8},
        server={"keepalive_timeout": "1s", "client_header_timeout": "2s"})
def test_worker_connections_reached_new_ones_wait(d):
    """40 clients against 8 slots: each one is answered (the rest wait in
    the kernel queue for a slot); nobody is reset, the worker survives."""
    worker = d.workers()
    results = [None] * 40

    def client(i):
        try:
            with socket.create_connection(("127.0.0.1", d.port), timeout=15) as s:
                s.sendall(req("GET", "/index.html"))
                results[i] = served_by_server(s, 15)
        except OSError as exc:
            results[i] = repr(exc)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    bad = [r for r in results if r not in (200, 503)]
    assert not bad, f"{len(bad)} clients not answered: {bad[:5]}"
    assert d.workers() == worker


@daemon(workers=2, server={"access_log": "/dev/full"})
def test_access_log_on_full_device_keeps_serving(d):
    for _ in range(300):
        r = d.get("/index.html")
        assert r.status == 200 and r.body == INDEX_HTML
    time.sleep(1.5)  # the buffered lines are flushed (and fail) each second
    log = d.error_log()
    failures = log.count("dropping access log lines")
    assert 1 <= failures <= 2, log  # once per worker at most
    assert len(d.workers()) == 2


@daemon(start=False, workers=1)
def test_access_log_on_full_tmpfs_recovers(d):
    """A 64 KiB tmpfs holds the access log, then fills up: serving goes on,
    one error, and once space is freed the log works again (and says so)."""
    if os.geteuid() != 0:
        raise Skip("mounting a tmpfs needs root")
    mnt = d.path("logfs")
    os.makedirs(mnt)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", mnt],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise Skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    try:
        d.servers[0]["access_log"] = os.path.join(mnt, "access.log")
        d.start()
        filler = os.path.join(mnt, "filler")
        with open(filler, "wb") as f:
            try:
                f.write(b"\0" * (64 << 10))
            except OSError:
                pass
        for _ in range(300):
            assert d.get("/index.html").status == 200
        time.sleep(1.5)
        assert d.error_log().count("dropping access log lines") == 1, d.error_log()
        os.unlink(filler)
        for _ in range(5):
            assert d.get("/index.html").status == 200
        d.wait_error_log(r"works again \(\d+ bytes of log lines lost\)", timeout=5)
        assert d.workers() and d.running()
    finally:
        d.stop()
        subprocess.run(["umount", "-l", mnt], capture_output=True)


def plain_binary(d):
    """The build without sanitizers beside the ASan one (ASan reserves
    terabytes of address space, so an address-space limit cannot apply)."""
    plain = os.path.join(os.path.dirname(os.path.dirname(d.binary)), "forkd")
    if not os.access(plain, os.X_OK):
        raise Skip(f"no plain build at {plain}")
    return os.path.realpath(plain)


@daemon(start=False, workers=1, top={"worker_rlimit_nofile": 4096},
        server={"client_header_timeout": "3s"})
def test_memory_limit_closes_connections_not_the_worker(d):
    """The master gets an 8 MiB address-space allowance over what it uses,
    so the next generation's worker runs out of memory under 1500 partial
    requests: connections are closed, the worker lives, the error log
    says why (at most once a second), and service comes back."""
    d.binary = plain_binary(d)
    d.start()
    vm_kb = int(proc_status(d.pid, "VmSize")[0])
    limit = (vm_kb + 8192) << 10
    resource.prlimit(d.pid, resource.RLIMIT_AS, (limit, limit))
    old = set(d.workers())
    d.signal(signal.SIGHUP)
    wait_for(lambda: d.workers() and not set(d.workers()) & old, 10, what="generation 2")
    worker = d.workers()
    flood = open_idle(d.port, 1500, b"GET /index.html HTTP/1.1\r\nHost: x\r\n")
    try:
        time.sleep(1)
        assert d.workers() == worker, "the worker died"
        assert d.running()
    finally:
        close_all(flood)
    d.wait_error_log("no memory for a connection buffer", timeout=5)
    for _ in range(50):
        assert d.get("/index.html").status == 200
    assert d.workers() == worker
    complaints = d.error_log().count("no memory for a connection buffer")
    assert complaints <= 5, d.error_log()


def read_to_close(c, timeout):
    """Like HttpConn.read_until_close, without its quadratic copying."""
    got = bytearray(c.buf)
    c.sock.settimeout(timeout)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = c.sock.recv(1 << 20)
        except socket.timeout:
            return None
        except ConnectionResetError:
            return got
        if not chunk:
            return got
        got += chunk
    return None


@parametrize("change", ["unlink", "truncate0", "replace"])
def test_file_changed_while_sent(d, change):
    """A slow reader of a 32 MiB file; meanwhile the file is deleted,
    truncated to nothing or replaced.  The connection ends cleanly (all of
    the file as it was opened, or closed early), never with bytes from
    elsewhere; the worker is unharmed and the next request is fine."""
    data = bytes(range(256)) * (128 << 10)
    path = d.write_file("moving.bin", data)
    workers = sorted(d.workers())
    with d.conn(timeout=10) as c:
        c.send(req("GET", "/moving.bin", headers={"Connection": "close"}))
        assert c.recv_some(time.monotonic() + 5)
        if change == "unlink":
            os.unlink(path)
        elif change == "truncate0":
            os.truncate(path, 0)
        else:
            d.write_file("moving.bin.new", b"n" * len(data))
            os.replace(path + ".new", path)
        got = read_to_close(c, timeout=20)
        assert got is not None, f"not closed: {len(c.buf)} bytes so far"
        head, _, body = bytes(got).partition(b"\r\n\r\n")
        assert b" 200 " in head.split(b"\r\n")[0], head[:100]
        assert data.startswith(body), "bytes that were never in the file"
        if change in ("unlink", "replace"):
            assert len(body) == len(data), f"{len(body)} of {len(data)} bytes"
    assert d.get("/index.html").status == 200
    assert sorted(d.workers()) == workers, "a worker died"
