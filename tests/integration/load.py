"""A bounded keep-alive load generator that counts every failure.

Each of `conns` threads keeps one connection open and sends GET requests
back to back, reconnecting whenever the server answers "Connection: close"
(with close_each, every request asks for that: a new connection each time).
Anything else counts as an error: a refused connect, a reset, an EOF or a
timeout before a whole response arrived, or a status other than 200.  This
is stricter than most HTTP clients (which retry a request on a keep-alive
connection the server just closed): zero here means zero for any client.

Every loop is bounded by max_seconds and max_requests; loopback only.
"""
import collections
import hashlib
import socket
import threading
import time


class LoadStats:
    def __init__(self):
        self.lock = threading.Lock()
        self.ok = 0
        self.errors = []                  # (seconds since start, reason)
        self.statuses = collections.Counter()
        self.bodies = collections.Counter()   # sha256 prefix -> count
        self.closes = 0                   # responses with Connection: close
        self.connects = 0

    def summary(self):
        return (f"{self.ok} ok, {len(self.errors)} errors, {self.connects} connects, "
                f"{self.closes} closes, statuses {dict(self.statuses)}; "
                f"first errors: {self.errors[:5]}")


def _read_response(sock, buf):
    """(status, headers dict, body, rest) for one response; raises on EOF."""
    while b"\r\n\r\n" not in buf:
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("EOF before response head" if not buf
                                  else "EOF inside response head")
        buf += data
    head, _, buf = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(buf) < length:
        data = sock.recv(65536)
        if not data:
            raise ConnectionError(f"EOF inside body ({len(buf)}/{length})")
        buf += data
    return status, headers, buf[:length], buf[length:]


class Load:
    def __init__(self, port, path="/index.html", conns=8, max_seconds=120,
                 max_requests=5_000_000, host="127.0.0.1", timeout=10.0,
                 close_each=False):
        self.addr = (host, port)
        extra = "Connection: close\r\n" if close_each else ""
        self.request = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\n"
                        f"User-Agent: forkd-load\r\n{extra}\r\n").encode()
        self.conns = conns
        self.max_seconds = max_seconds
        self.max_requests = max_requests
        self.timeout = timeout
        self.stats = LoadStats()
        self.stop_event = threading.Event()
        self.threads = []
        self.t0 = None

    def _error(self, reason):
        with self.stats.lock:
            self.stats.errors.append((round(time.monotonic() - self.t0, 3), reason))

    def _record(self, status, headers, body):
        digest = hashlib.sha256(body).hexdigest()[:12]
        with self.stats.lock:
            self.stats.statuses[status] += 1
            self.stats.bodies[digest] += 1
            if status == 200:
                self.stats.ok += 1
            if headers.get("connection", "").lower() == "close":
                self.stats.closes += 1
        if status != 200:
            self._error(f"status {status}")

    def _budget_left(self):
        with self.stats.lock:
            done = self.stats.ok + len(self.stats.errors)
        return (done < self.max_requests and not self.stop_event.is_set()
                and time.monotonic() - self.t0 < self.max_seconds)

    def _connect(self):
        sock = socket.create_connection(self.addr, timeout=self.timeout)
        with self.stats.lock:
            self.stats.connects += 1
        return sock

    def _worker(self):
        sock, buf = None, b""
        while self._budget_left():
            try:
                if sock is None:
                    sock, buf = self._connect(), b""
                sock.sendall(self.request)
                status, headers, body, buf = _read_response(sock, buf)
                self._record(status, headers, body)
                if headers.get("connection", "").lower() == "close":
                    sock.close()
                    sock = None
            except OSError as exc:      # includes ConnectionError, timeouts
                self._error(f"{type(exc).__name__}: {exc}")
                if sock is not None:
                    sock.close()
                sock = None
                time.sleep(0.01)
        if sock is not None:
            sock.close()

    def start(self):
        self.t0 = time.monotonic()
        for _ in range(self.conns):
            t = threading.Thread(target=self._worker, daemon=True)
            t.start()
            self.threads.append(t)
        return self

    def wait_requests(self, n, timeout=30.0):
        """Until at least n more successful responses arrive (bounded)."""
        with self.stats.lock:
            target = self.stats.ok + n
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.stats.lock:
                if self.stats.ok >= target:
                    return True
            if not self._budget_left():
                # The client stopped by its own bounds: not the server's doing.
                raise RuntimeError(
                    f"load budget used up ({self.max_requests} requests or "
                    f"{self.max_seconds} s): raise it for this test")
            time.sleep(0.01)
        return False

    def stop(self):
        self.stop_event.set()
        for t in self.threads:
            t.join(self.timeout + 5)
        return self.stats

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
