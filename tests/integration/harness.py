"""Helpers for forkd's integration tests (Python 3.11 standard library only).

A Forkd object owns one temporary directory holding a docroot, a config
file, the logs and the pid file, and runs the real binary on a free loopback
port.  Every wait here is bounded in time and in iterations, and everything
a test starts is stopped by pid in Forkd.stop().

Test modules use the decorators at the end (daemon, parametrize) and Skip;
run.py hands each test a fresh Forkd.
"""

import http.client
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass

POLL = 0.05          # seconds between two polls
START_TIMEOUT = float(os.environ.get("FORKD_TEST_START_TIMEOUT", "10"))  # ASan is slow
# A command that runs the master (scripts/valgrind-forkd for `make valgrind`),
# and the executable its processes then show in /proc/PID/exe.
WRAPPER = shlex.split(os.environ.get("FORKD_TEST_WRAPPER", ""))
WRAPPED_EXE = os.environ.get("FORKD_TEST_EXE")
STOP_TIMEOUT = 10.0
MAX_READ = 512 << 20  # no response a test reads is bigger than this

# A 612-byte index page, the size of nginx's default one.
_PAGE = (b"<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to forkd!</title>\n</head>\n"
         b"<body>\n<h1>Welcome to forkd!</h1>\n<p>If you see this page, the forkd web "
         b"server is successfully installed and working.</p>\n<!-- %s -->\n</body>\n</html>\n")
INDEX_HTML = _PAGE % (b"x" * (612 - len(_PAGE % b"")))
assert len(INDEX_HTML) == 612


class Skip(Exception):
    """Raised by a test that cannot run here; run.py reports it as skipped."""


class StartError(AssertionError):
    """The daemon did not come up."""


class ParseError(AssertionError):
    """The bytes the server sent are not a valid HTTP/1.x response."""


# --------------------------------------------------------------------------
# Waiting

def wait_for(predicate, timeout=5.0, interval=POLL, what=None):
    """Poll predicate() until it returns a true value, which is returned.

    Raises AssertionError naming `what` (a string, or a callable giving one
    at that point) after timeout.  Exceptions from the predicate count as
    "not yet" and the last one is reported on timeout.
    """
    deadline = time.monotonic() + timeout
    last_exc = None
    for _ in range(int(timeout / interval) + 2):
        try:
            value = predicate()
            if value:
                return value
            last_exc = None
        except Exception as exc:  # noqa: BLE001 - reported below
            last_exc = exc
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    desc = (what() if callable(what) else what) or getattr(predicate, "__name__", "condition")
    extra = f" (last error: {last_exc!r})" if last_exc else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {desc}{extra}")


# --------------------------------------------------------------------------
# Ports and addresses

def free_port(host="127.0.0.1", also=()):
    """A TCP port that is free on host (and on every address in `also`)."""
    for _ in range(50):
        with socket.socket(family_of(host), socket.SOCK_STREAM) as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
        if all(can_bind(other, port) for other in also):
            return port
    raise RuntimeError(f"no free port on {host} and {also}")


def family_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def can_bind(host, port=0):
    try:
        with socket.socket(family_of(host), socket.SOCK_STREAM) as s:
            s.bind((host, port))
        return True
    except OSError:
        return False


def parse_listen(text):
    """Listen text such as 127.0.0.1:80 or [::1]:80 -> (host, port)."""
    m = re.fullmatch(r"\[([^\]]+)\]:(\d+)|([^:]+):(\d+)", text)
    if not m:
        raise ValueError(f"listen address the harness cannot probe: {text}")
    host = m.group(1) or m.group(3)
    return ("127.0.0.1" if host == "*" else host), int(m.group(2) or m.group(4))


def accepts(host, port, timeout=1.0):
    """True when a TCP connection to host:port is accepted (then closed)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


# --------------------------------------------------------------------------
# Processes

def proc_state(pid):
    """The state letter from /proc/PID/stat, or None when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    return stat[stat.rindex(b")") + 2:][:1].decode()


def alive(pid):
    """A running (not zombie) process."""
    return proc_state(pid) not in (None, "Z", "X")


def proc_status(pid, key):
    """A field of /proc/PID/status, split on whitespace (e.g. "Uid")."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            if name == key:
                return value.split()
    raise KeyError(key)


def proc_exe(pid):
    try:
        return os.path.realpath(f"/proc/{pid}/exe")
    except OSError:
        return None


def children(pid):
    """Direct children of pid (all its threads), zombies included."""
    kids = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return kids
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return sorted(set(kids))


# --------------------------------------------------------------------------
# HTTP: requests, a strict minimal response parser, raw connections

def req(method, target, version="HTTP/1.1", headers=None, host="127.0.0.1"):
    """Request bytes; target may be bytes (sent verbatim).  Host comes first
    unless headers holds one (None as a value drops a header)."""
    hdrs = {"Host": host}
    hdrs.update(headers or {})
    if isinstance(target, str):
        target = target.encode()
    lines = [method.encode() + b" " + target + b" " + version.encode()]
    lines += [f"{k}: {v}".encode() for k, v in hdrs.items() if v is not None]
    return b"\r\n".join(lines) + b"\r\n\r\n"


@dataclass
class Response:
    version: str
    status: int
    reason: str
    header_list: list
    body: bytes = b""
    raw_head: bytes = b""

    def header(self, name, default=None):
        """The value of a header (case-insensitive); a repeated one is an error."""
        values = [v for k, v in self.header_list if k.lower() == name.lower()]
        if len(values) > 1:
            raise AssertionError(f"header {name} repeated: {values}")
        return values[0] if values else default

    @property
    def headers(self):
        return {k.lower(): v for k, v in self.header_list}

    def __repr__(self):
        return (f"<Response {self.version} {self.status} {self.reason!r} "
                f"{self.header_list} body={len(self.body)}B {self.body[:80]!r}>")


_STATUS_RE = re.compile(rb"HTTP/(\d\.\d) (\d{3})(?: (.*))?")
_HEADER_RE = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*")


def parse_head(head):
    """Status line and header lines (without the final CRLF CRLF)."""
    lines = head.split(b"\r\n")
    m = _STATUS_RE.fullmatch(lines[0])
    if not m:
        raise ParseError(f"bad status line {lines[0][:200]!r}")
    headers = []
    for line in lines[1:]:
        h = _HEADER_RE.fullmatch(line)
        if not h or b"\n" in line or b"\r" in line:
            raise ParseError(f"bad header line {line[:200]!r}")
        headers.append((h.group(1).decode(), h.group(2).decode("latin-1")))
    return Response("HTTP/" + m.group(1).decode(), int(m.group(2)),
                    (m.group(3) or b"").decode("latin-1"), headers, raw_head=head)


def has_body(method, status):
    return method != "HEAD" and not (100 <= status < 200 or status in (204, 304))


def parse_responses(data, methods=(), eof=False):
    """Split raw bytes into complete responses.

    methods[i] is the request method the i-th response answers (missing
    entries mean GET); a HEAD response, 1xx, 204 and 304 have no body.  A
    body without Content-Length runs to the end of the data, and so is
    complete only when eof (the server closed).  Returns (responses, rest):
    rest is an incomplete tail.  Raises ParseError on malformed bytes.
    """
    responses = []
    pos = 0
    for i in range(10000):
        if pos >= len(data):
            break
        end = data.find(b"\r\n\r\n", pos)
        if end < 0:
            if not data.startswith(b"HTTP/"[:len(data) - pos], pos):
                raise ParseError(f"garbage where a response should start: {data[pos:pos+200]!r}")
            break
        resp = parse_head(data[pos:end])
        body_start = end + 4
        method = methods[i] if i < len(methods) else "GET"
        if not has_body(method, resp.status):
            body_end = body_start
        elif resp.header("Transfer-Encoding") is not None:
            raise ParseError("Transfer-Encoding in a response: the harness does not parse it")
        elif resp.header("Content-Length") is not None:
            cl = resp.header("Content-Length")
            if not cl.isdigit():
                raise ParseError(f"bad Content-Length {cl!r}")
            body_end = body_start + int(cl)
            if body_end > len(data):
                break
        elif eof:
            body_end = len(data)
        else:
            break
        resp.body = data[body_start:body_end]
        responses.append(resp)
        pos = body_end
    return responses, data[pos:]


class HttpConn:
    """A raw client connection with a receive buffer."""

    def __init__(self, port, host="127.0.0.1", timeout=5.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""
        self.eof = False
        self.reset = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def recv_some(self, deadline):
        """One recv into buf; False at EOF, on a reset, or at the deadline."""
        left = deadline - time.monotonic()
        if left <= 0 or self.eof:
            return False
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(1 << 20)
        except socket.timeout:
            return False
        except ConnectionResetError:
            self.eof = self.reset = True
            return False
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        if len(self.buf) > MAX_READ:
            raise AssertionError("response larger than the harness allows")
        return True

    def responses(self, n, methods=(), timeout=5.0):
        """Read exactly n complete responses (the buffer keeps what follows)."""
        deadline = time.monotonic() + timeout
        for _ in range(1_000_000):
            got, rest = parse_responses(self.buf, methods, self.eof)
            if len(got) >= n:
                consumed = sum(len(r.raw_head) + 4 + len(r.body) for r in got[:n])
                self.buf = self.buf[consumed:]
                return got[:n]
            if not self.recv_some(deadline):
                break
        got, _ = parse_responses(self.buf, methods, self.eof)
        state = "closed" if self.eof else f"timeout {timeout}s"
        raise AssertionError(f"expected {n} responses, got {len(got)} ({state}); "
                             f"received {self.buf[:300]!r}")

    def response(self, method="GET", timeout=5.0):
        return self.responses(1, (method,), timeout)[0]

    def read_until_close(self, timeout=5.0):
        """Everything until the server closes; None if it does not within timeout."""
        deadline = time.monotonic() + timeout
        for _ in range(1_000_000):
            if not self.recv_some(deadline):
                break
        return self.buf if self.eof else None

    def closed_by_server(self, timeout=3.0):
        """True when the server closes (EOF or reset) within timeout, with
        nothing more sent; data arriving meanwhile stays in buf."""
        before = len(self.buf)
        return self.read_until_close(timeout) is not None and len(self.buf) == before


@dataclass
class RawResult:
    responses: list
    closed: bool
    data: bytes
    rest: bytes = b""


def raw_request(port, data, n=None, methods=(), host="127.0.0.1", timeout=5.0):
    """Send bytes on a new connection; read until the server closes or, when
    n is given, until n responses are complete."""
    with HttpConn(port, host, timeout) as c:
        c.send(data)
        deadline = time.monotonic() + timeout
        for _ in range(1_000_000):
            if n is not None:
                got, _ = parse_responses(c.buf, methods, c.eof)
                if len(got) >= n:
                    break
            if not c.recv_some(deadline):
                break
        got, rest = parse_responses(c.buf, methods, c.eof)
        return RawResult(got, c.eof, c.buf, rest)


def http_request(port, path, method="GET", headers=None, host="127.0.0.1",
                 body=None, timeout=10.0):
    """One request through http.client on its own connection."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return Response(f"HTTP/{r.version // 10}.{r.version % 10}", r.status, r.reason,
                        r.getheaders(), data)
    finally:
        conn.close()


def curl(*args, timeout=60):
    """Run curl quietly; returns CompletedProcess (bytes)."""
    return subprocess.run(["curl", "-sS", "--max-time", str(int(timeout)), *args],
                          capture_output=True, timeout=timeout + 5)


# --------------------------------------------------------------------------
# Config text

_BARE = re.compile(r"[A-Za-z0-9_.]+")


def conf_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, (list, tuple)):
        return "{ " + ", ".join(conf_value(x) for x in v) + " }"
    v = str(v)
    if _BARE.fullmatch(v):
        return v
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_config(top, servers):
    lines = ["# forkd integration test configuration"]
    lines += [f"{k} = {conf_value(v)}" for k, v in top.items()]
    for srv in servers:
        lines.append("server {")
        lines += [f"    {k} = {conf_value(v)}" for k, v in srv.items()]
        lines.append("}")
    return "\n".join(lines) + "\n"


def insert_line(text, lineno, content):
    """text with `content` as its line number lineno (1-based)."""
    lines = text.splitlines()
    lines.insert(lineno - 1, content)
    return "\n".join(lines) + "\n"


def line_of(text, needle):
    """1-based number of the first line containing needle."""
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    raise ValueError(f"{needle!r} not in config")


# --------------------------------------------------------------------------
# The daemon

def make_public_dir(path):
    os.makedirs(path, exist_ok=True)
    os.chmod(path, 0o755)


class Forkd:
    """One forkd master with its temporary directory.

    Attributes a test may change before start(): top (top-level settings),
    servers (list of server-section dicts), workers (expected count).
    """

    def __init__(self, binary, workers=2, top=None, server=None):
        self.binary = os.path.realpath(binary)
        self.dir = tempfile.mkdtemp(prefix="forkd-it-")
        os.chmod(self.dir, 0o755)
        self.root = os.path.join(self.dir, "www")
        make_public_dir(self.root)
        self.write_file("index.html", INDEX_HTML)
        self.san_dir = os.path.join(self.dir, "san")
        os.makedirs(self.san_dir)
        os.chmod(self.san_dir, 0o1777)  # workers (nobody) write reports here
        self.conf_path = self.path("forkd.conf")
        self.pid_file = self.path("forkd.pid")
        self.error_log_path = self.path("error.log")
        self.access_log_path = self.path("access.log")
        self.port = free_port()
        self.workers_expected = workers
        self.top = {
            "worker_processes": workers,
            "pid_file": self.pid_file,
            "error_log": self.error_log_path,
            "shutdown_timeout": "5s",
        }
        self.top.update(top or {})
        self.servers = [dict({
            "listen": [f"127.0.0.1:{self.port}"],
            "root": self.root,
            "access_log": self.access_log_path,
        }, **(server or {}))]
        self.proc = None
        self.pid = None
        self.seen_workers = set()
        self._outputs = []

    # --- files -------------------------------------------------------------

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def write_file(self, rel, data, mtime=None, root=None):
        """A world-readable file below the docroot (or `root`), parents 0755."""
        base = root or self.root
        full = os.path.join(base, rel)
        d = base
        for part in os.path.dirname(rel).split("/"):
            if part:
                d = os.path.join(d, part)
                make_public_dir(d)
        with open(full, "wb") as f:
            f.write(data)
        os.chmod(full, 0o644)
        if mtime is not None:
            os.utime(full, (mtime, mtime))
        return full

    def new_root(self, name, files):
        """A second docroot inside the temp dir holding files {rel: bytes}."""
        root = self.path(name)
        make_public_dir(root)
        for rel, data in files.items():
            self.write_file(rel, data, root=root)
        return root

    def config_text(self):
        return render_config(self.top, self.servers)

    def write_config(self, text=None, path=None):
        path = path or self.conf_path
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(self.config_text() if text is None else text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        return path

    def listeners(self):
        return [parse_listen(text) for srv in self.servers for text in srv["listen"]]

    # --- logs --------------------------------------------------------------

    def _read(self, path):
        try:
            with open(path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def error_log(self):
        return self._read(self.error_log_path)

    def access_log(self, path=None):
        return self._read(path or self.access_log_path).splitlines()

    def wait_access_log(self, count, timeout=5.0, path=None):
        """At least count access-log lines (the log is flushed once a second)."""
        def enough():
            lines = self.access_log(path)
            return lines if len(lines) >= count else None
        try:
            return wait_for(enough, timeout)
        except AssertionError:
            lines = self.access_log(path)
            raise AssertionError(f"{len(lines)} access log lines after {timeout}s, "
                                 f"want {count}: {lines}") from None

    def wait_error_log(self, pattern, timeout=5.0):
        """The first match of regex pattern in the error log."""
        return wait_for(lambda: re.search(pattern, self.error_log()), timeout,
                        what=f"error log matching {pattern!r}")

    def sanitizer_reports(self):
        reports = []
        for name in sorted(os.listdir(self.san_dir)):
            text = self._read(os.path.join(self.san_dir, name))
            if text.strip():
                reports.append(f"{name}:\n{text}")
        return reports

    def diagnostics(self, lines=15):
        """Tails of the error log and of the master's stdout/stderr."""
        out = []
        for label, path in [("error.log", self.error_log_path),
                            ("stderr", self.path("stderr.txt")),
                            ("stdout", self.path("stdout.txt"))]:
            text = self._read(path).splitlines()[-lines:]
            if text:
                out.append(f"--- {label} (last {len(text)} lines)")
                out += text
        return "\n".join(out)

    # --- running -----------------------------------------------------------

    def env(self, extra=None):
        env = dict(os.environ)
        log = os.path.join(self.san_dir, "san")
        for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS"):
            env[var] = ":".join(filter(None, [env.get(var), f"log_path={log}"]))
        env.pop("NOTIFY_SOCKET", None)
        env.update(extra or {})
        return env

    def run(self, *args, timeout=15, conf=True):
        """Run the binary to completion (-t, -s, -v ...); CompletedProcess of str."""
        cmd = [self.binary] + (["-c", self.conf_path] if conf else []) + list(args)
        return subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                              timeout=timeout, env=self.env(), stdin=subprocess.DEVNULL)

    def start(self, *args, env=None, wait=True):
        """Start the master in the foreground (the Popen pid is the master)."""
        if not os.path.exists(self.conf_path):
            self.write_config()
        out = open(self.path("stdout.txt"), "ab")
        err = open(self.path("stderr.txt"), "ab")
        self._outputs += [out, err]
        self.proc = subprocess.Popen([*WRAPPER, self.binary, "-c", self.conf_path, *args],
                                     stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                     env=self.env(env), start_new_session=True)
        self.pid = self.proc.pid
        if wait:
            self.wait_ready()
        return self

    def start_daemon(self, timeout=5.0, flag=True):
        """forkd -d (or without -d when flag is False, for `daemon = true`): it
        must return promptly; the master's pid comes from the pid file."""
        if not os.path.exists(self.conf_path):
            self.write_config()
        t0 = time.monotonic()
        args = ["-d"] if flag else []
        r = subprocess.run([self.binary, *args, "-c", self.conf_path], capture_output=True,
                           text=True, errors="replace", timeout=timeout + 5,
                           env=self.env(), stdin=subprocess.DEVNULL)
        elapsed = time.monotonic() - t0
        assert r.returncode == 0, f"forkd -d exited {r.returncode}: {r.stderr}"
        assert elapsed < timeout, f"forkd -d took {elapsed:.1f}s to return"
        self.pid = wait_for(self.pid_from_file, timeout, what="pid file of the detached master")
        self.wait_ready()
        return r

    @property
    def exe(self):
        """What /proc/PID/exe shows for our processes."""
        return os.path.realpath(WRAPPED_EXE) if WRAPPER and WRAPPED_EXE else self.binary

    def pid_from_file(self):
        try:
            with open(self.pid_file) as f:
                text = f.read().strip()
        except FileNotFoundError:
            return None
        return int(text) if text.isdigit() else None

    def running(self):
        if self.proc is not None:
            return self.proc.poll() is None
        return self.pid is not None and alive(self.pid)

    def workers(self):
        """Live worker pids (children of the master running the binary)."""
        if self.pid is None:
            return []
        pids = [p for p in children(self.pid)
                if alive(p) and proc_exe(p) == self.exe]
        self.seen_workers.update(pids)
        return pids

    def wait_ready(self, timeout=START_TIMEOUT, workers=None):
        """Until every listener accepts, the master has its workers and the
        pid file names the master (so that -s works)."""
        want = self.workers_expected if workers is None else workers
        deadline = time.monotonic() + timeout
        for _ in range(int(timeout / POLL) + 2):
            if not self.running():
                code = self.proc.returncode if self.proc else "?"
                raise StartError(f"forkd exited during start (status {code})\n"
                                 + self.diagnostics())
            if len(self.workers()) == want and self.pid_from_file() == self.pid and \
                    all(accepts(h, p) for h, p in self.listeners()):
                return
            if time.monotonic() > deadline:
                break
            time.sleep(POLL)
        raise StartError(f"forkd not ready after {timeout}s: workers {self.workers()} "
                         f"(want {want}), pid file {self.pid_from_file()} (master {self.pid}), "
                         f"listeners {self.listeners()}\n" + self.diagnostics())

    def signal(self, sig):
        os.kill(self.pid, sig)

    def reload(self, text=None):
        """Rewrite the config (default: from top/servers) and send SIGHUP."""
        self.write_config(text)
        self.signal(signal.SIGHUP)

    def reload_ok(self):
        """`forkd -s reload`, which waits for the outcome; assert it worked."""
        r = self.run("-s", "reload", timeout=60)
        assert r.returncode == 0, f"-s reload failed: {r.stdout} {r.stderr}\n" + self.diagnostics()
        return r

    def set_workers(self, count):
        """Reload with worker_processes = count; wait until that many run."""
        self.top["worker_processes"] = count
        self.workers_expected = count
        self.write_config()
        self.reload_ok()
        wait_for(lambda: len(self.workers()) == count, 15,
                 what=f"{count} workers after the reload")

    def wait_exit(self, timeout):
        """The master's exit status (None for a detached master), or raise."""
        if self.proc is not None:
            try:
                return self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                raise AssertionError(f"master {self.pid} still running after {timeout}s") from None
        wait_for(lambda: not alive(self.pid), timeout, what=f"master {self.pid} to exit")
        return None

    def stop(self):
        """Stop everything this object started, whatever state it is in."""
        if self.pid is None:
            return
        self.workers()  # note the current workers before the master goes
        if self.running():
            try:
                os.kill(self.pid, signal.SIGTERM)
                self.wait_exit(STOP_TIMEOUT)
            except (AssertionError, ProcessLookupError):
                pass
        if self.running():
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                self.wait_exit(STOP_TIMEOUT)
            except AssertionError:
                pass
        for pid in sorted(self.seen_workers):
            if alive(pid) and proc_exe(pid) == self.exe:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for f in self._outputs:
            f.close()
        self._outputs = []

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- requests ----------------------------------------------------------

    def get(self, path, method="GET", headers=None, port=None, host="127.0.0.1", **kw):
        return http_request(port or self.port, path, method, headers, host, **kw)

    def raw(self, data, n=None, methods=(), port=None, host="127.0.0.1", timeout=5.0):
        return raw_request(port or self.port, data, n, methods, host, timeout)

    def conn(self, port=None, host="127.0.0.1", timeout=5.0):
        return HttpConn(port or self.port, host, timeout)

    def url(self, path, host="127.0.0.1", port=None):
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{port or self.port}{path}"


# --------------------------------------------------------------------------
# Test declarations (read by run.py)

def daemon(start=True, **options):
    """How run.py prepares the test's Forkd: options go to Forkd(); with
    start=False the test gets it configured but not running."""
    def wrap(fn):
        fn.forkd_options = dict(options, start=start)
        return fn
    return wrap


def parametrize(name, values):
    """Run the test once per value, passed as keyword `name`."""
    def wrap(fn):
        fn.params = [(name, v) for v in values]
        return fn
    return wrap
