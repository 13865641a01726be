"""Stopping: QUIT and TERM drain in-flight downloads, INT stops at once."""

import os
import signal
import socket
import threading
import time

from harness import alive, daemon, parse_head, wait_for

HUGE = 64 << 20
CHUNK = 1 << 20


class SlowDownload(threading.Thread):
    """GET a file, reading 1 MiB at a time with a pause after each."""

    def __init__(self, port, path, pause):
        super().__init__(daemon=True)
        self.port, self.path, self.pause = port, path, pause
        self.status = None
        self.length = None
        self.received = 0
        self.nonzero = False
        self.error = None
        self.finished = threading.Event()

    def run(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
                s.sendall(f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
                body = self._read_head(s)
                self._count(body)
                deadline = time.monotonic() + 60
                while self.received < self.length and time.monotonic() < deadline:
                    if not self._read_chunk(s):
                        break
                    time.sleep(self.pause)
        except OSError as exc:
            self.error = exc
        finally:
            self.finished.set()

    def _read_head(self, s):
        data = b""
        for _ in range(1000):
            chunk = s.recv(65536)
            if not chunk:
                raise ConnectionError(f"closed before the headers: {data[:200]!r}")
            data += chunk
            if b"\r\n\r\n" in data:
                head, _, rest = data.partition(b"\r\n\r\n")
                resp = parse_head(head)
                self.status = resp.status
                self.length = int(resp.header("Content-Length", "0"))
                return rest
        raise ConnectionError("no end of headers")

    def _read_chunk(self, s):
        """About 1 MiB; False at EOF."""
        want = min(CHUNK, self.length - self.received)
        got = 0
        while got < want:
            data = s.recv(want - got)
            if not data:
                return False
            got += len(data)
            self._count(data)
        return True

    def _count(self, data):
        self.received += len(data)
        self.nonzero = self.nonzero or bool(data.strip(b"\0"))


def start_download(d, pause=0.03, size=HUGE):
    path = d.write_file("huge.bin", b"")
    os.truncate(path, size)  # sparse: reads as zeros
    dl = SlowDownload(d.port, "/huge.bin", pause)
    dl.start()
    wait_for(lambda: dl.received >= 4 * CHUNK or dl.finished.is_set(), 10,
             what="the download to get going")
    assert not dl.finished.is_set(), f"download ended early: {dl.received} bytes, {dl.error!r}"
    return dl


def refused(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return False
    except ConnectionRefusedError:
        return True


def drains(d, sig):
    dl = start_download(d)
    workers = d.workers()
    d.signal(sig)
    assert dl.finished.wait(30), f"download still running 30s after {sig.name}"
    assert dl.error is None, f"download failed after {dl.received} bytes: {dl.error!r}"
    assert dl.status == 200 and dl.length == HUGE, (dl.status, dl.length)
    assert dl.received == HUGE, f"got {dl.received} of {HUGE} bytes"
    assert not dl.nonzero, "a sparse file came back with non-zero bytes"
    assert d.wait_exit(10) == 0, f"master exit status after {sig.name}"
    assert not any(alive(p) for p in workers), "workers outlived the master"
    assert refused(d.port), "new connections accepted after the master exited"


@daemon(top={"shutdown_timeout": "20s"})
def test_sigquit_drains_download(d):
    drains(d, signal.SIGQUIT)


@daemon(top={"shutdown_timeout": "20s"})
def test_sigterm_drains_download(d):
    drains(d, signal.SIGTERM)


@daemon(top={"shutdown_timeout": "20s"})
def test_sigint_stops_at_once(d):
    dl = start_download(d, pause=0.1)
    workers = d.workers()
    t0 = time.monotonic()
    d.signal(signal.SIGINT)
    d.wait_exit(2)
    took = time.monotonic() - t0
    assert took < 2, f"SIGINT took {took:.1f}s"
    wait_for(lambda: not any(alive(p) for p in workers), 1, what="workers to exit")
    assert dl.finished.wait(10), "download still running after a fast stop"
    assert dl.received < HUGE, "in-flight download completed despite SIGINT"
    assert refused(d.port)


@daemon(top={"shutdown_timeout": "1s"})
def test_shutdown_timeout_cuts_slow_download(d):
    dl = start_download(d, pause=0.1)  # would take ~7 s
    t0 = time.monotonic()
    d.signal(signal.SIGQUIT)
    d.wait_exit(6)
    took = time.monotonic() - t0
    assert took < 5, f"master took {took:.1f}s with shutdown_timeout 1s"
    assert dl.finished.wait(10) and dl.received < HUGE, dl.received


def test_idle_keepalive_connection_does_not_block_graceful_stop(d):
    with d.conn() as c:
        c.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        assert c.response().status == 200
        t0 = time.monotonic()
        d.signal(signal.SIGQUIT)
        assert d.wait_exit(4) == 0
        assert time.monotonic() - t0 < 3, "idle keep-alive connection delayed the stop"
        assert c.closed_by_server(1)
