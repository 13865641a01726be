"""The benchmark's subjects -- forkd, nginx, lighttpd, h2o and the canned-
response floor (bench/canned.c) -- configuration, start, stop, and the
figures /proc gives about their processes (CPU time, Pss, per-worker CPU).

Each Server owns a directory for its configuration, pid file and logs and
listens on a free loopback port.  Every process it starts is remembered by
pid and stopped by pid; nothing is looked up by name.
"""

import http.client
import json
import os
import resource
import signal
import socket
import string
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
NGINX = "/usr/sbin/nginx"
LIGHTTPD = "/usr/sbin/lighttpd"
H2O = "/usr/bin/h2o"
KEEPALIVE_REQUESTS = 100000  # per connection, for every server that has a limit
NOFILE_HARD = 262144  # hard limit the servers get; each raises its soft limit
POLL = 0.05
START_TIMEOUT = 15.0
STOP_TIMEOUT = 15.0


class StartError(Exception):
    """A server did not come up; the message carries its log tail."""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def render(template, path, values):
    with open(os.path.join(HERE, template)) as f:
        text = string.Template(f.read()).substitute(values)
    with open(path, "w") as f:
        f.write(text)


def tail(path, lines=20):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


def raise_hard_limit():
    """Lift this process's hard open-file limit to NOFILE_HARD where allowed
    (root with CAP_SYS_RESOURCE), keeping the soft limit at most 20000.
    The servers inherit both and must raise their own soft limit from their
    configuration, as they would in production."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE,
                           (min(soft, 20000), max(hard, NOFILE_HARD)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, 20000), hard))


def fd_hard_limit():
    return resource.getrlimit(resource.RLIMIT_NOFILE)[1]


def fd_limit_wanted(worker_connections=65536):
    """What forkd asks for (2 per connection + 64), capped by the hard
    limit; nginx gets the same as worker_rlimit_nofile."""
    return min(2 * worker_connections + 64, fd_hard_limit())


# ---------------------------------------------------------------- /proc

def stat_fields(pid):
    """Fields of /proc/PID/stat after the command name (state is [0])."""
    with open(f"/proc/{pid}/stat") as f:
        data = f.read()
    return data[data.rindex(")") + 2:].split()


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def cpu_ticks(pids):
    """utime + stime of the given processes, in clock ticks."""
    total = 0
    for pid in pids:
        try:
            fields = stat_fields(pid)
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total


def tasks(pid):
    try:
        return sorted(int(t) for t in os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return []


def task_ticks(pid, tid):
    try:
        with open(f"/proc/{pid}/task/{tid}/stat") as f:
            data = f.read()
    except OSError:
        return 0
    fields = data[data.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])


def rss_kib(pid):
    """VmRSS of one process, KiB (0 when gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kib(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total


def alive(pid):
    try:
        return stat_fields(pid)[0] != "Z"
    except OSError:
        return False


# ---------------------------------------------------------------- HTTP

def http_get(port, path, headers=None, timeout=5.0):
    """One GET; returns (status, headers dict, body length read).

    The body is read only when small, so a server that ignores Range and
    answers with the whole 1 GiB file does not stall the harness.
    """
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
        length = int(hdrs.get("content-length", "0") or 0)
        body = resp.read() if length <= (1 << 20) else b""
        return resp.status, hdrs, len(body)
    finally:
        conn.close()


# ---------------------------------------------------------------- servers

class Server:
    """A master process and its workers, started from a template config."""

    name = "server"
    template = None
    stop_signal = signal.SIGINT

    def __init__(self, root_dir, docroot, workers, access_log=False,
                 wrapper=(), keepalive_requests=KEEPALIVE_REQUESTS):
        self.dir = os.path.join(root_dir, self.name)
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o777)  # workers run as nobody and write logs
        self.docroot = docroot
        self.workers = workers
        self.access_log = access_log
        self.wrapper = list(wrapper)
        self.keepalive_requests = keepalive_requests
        self.port = free_port()
        self.proc = None
        self.worker_pids = []
        self.config = os.path.join(self.dir, self.name + ".conf")
        self.config_text = None  # a generated configuration, used as is

    @property
    def error_log(self):
        return os.path.join(self.dir, "error.log")

    @property
    def access_log_path(self):
        return os.path.join(self.dir, "access.log")

    def values(self):
        return {"workers": self.workers, "run": self.dir, "port": self.port,
                "docroot": self.docroot,
                "keepalive_requests": self.keepalive_requests}

    def command(self):
        raise NotImplementedError

    def start(self, probe=True, timeout=START_TIMEOUT):
        """Start and wait until every worker runs (and, with probe, until a
        request is answered).  Raises StartError."""
        if self.config_text is not None:
            with open(self.config, "w") as f:
                f.write(self.config_text)
        elif self.template:
            render(self.template, self.config, self.values())
        out = open(os.path.join(self.dir, "stdout.log"), "wb")
        self.proc = subprocess.Popen(
            self.wrapper + self.command(), stdin=subprocess.DEVNULL,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            cwd=self.dir)
        out.close()
        try:
            self.wait_ready(probe, timeout)
        except StartError:
            self.stop()
            raise

    def wait_ready(self, probe, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            kids = children(self.proc.pid)
            if (len(kids) >= self.expected_children()
                    and (not probe or self.answers())):
                # threads, not processes, where no child is expected
                self.worker_pids = kids if self.expected_children() else []
                return
            time.sleep(POLL)
        log = tail(self.error_log) + tail(os.path.join(self.dir, "stdout.log"))
        raise StartError(f"{self.name} did not start on port {self.port}:\n{log}")

    def expected_children(self):
        """Worker processes the master forks (0: one process does it all)."""
        return self.workers

    def worker_ticks(self):
        """{worker label: CPU ticks so far}: one entry per worker process,
        or per thread where one process serves with threads."""
        if self.proc is None:
            return {}
        if self.expected_children() > 0:
            return {f"pid {p}": cpu_ticks([p]) for p in children(self.proc.pid)}
        pid = self.proc.pid
        return {f"tid {t}": task_ticks(pid, t) for t in tasks(pid)}

    def answers(self):
        try:
            return http_get(self.port, "/index.html", timeout=1.0)[0] == 200
        except OSError:
            return False

    def pids(self):
        if self.proc is None or self.proc.poll() is not None:
            return []
        return [self.proc.pid] + children(self.proc.pid)

    def workers_changed(self):
        """True when the worker set differs from the one seen at start:
        a worker died and was replaced, or is missing."""
        if self.expected_children() == 0:
            return False
        return sorted(children(self.proc.pid)) != sorted(self.worker_pids)

    def stop(self, sig=None, timeout=STOP_TIMEOUT):
        """Signal the master, wait, then SIGKILL whatever is left, by pid."""
        if self.proc is None:
            return
        pids = set(self.pids()) | set(self.worker_pids)
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig or self.stop_signal)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        deadline = time.monotonic() + timeout
        while any(alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(POLL)
        for pid in pids:
            if alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if self.proc.poll() is None:
            self.proc.wait(5)
        self.proc = None

    def truncate_access_log(self):
        if self.access_log and os.path.exists(self.access_log_path):
            os.truncate(self.access_log_path, 0)


class Forkd(Server):
    name = "forkd"
    template = "forkd.conf.in"
    stop_signal = signal.SIGINT  # fast stop

    def __init__(self, binary, *args, accept_mode="reuseport",
                 status_path=None, **kw):
        self.binary = binary
        self.accept_mode = accept_mode
        self.status_path = status_path
        super().__init__(*args, **kw)

    def values(self):
        v = super().values()
        v["access_log"] = self.access_log_path if self.access_log else "off"
        v["accept_mode"] = self.accept_mode
        v["status"] = (f'\tstatus_path        = "{self.status_path}"'
                       if self.status_path else "")
        return v

    def worker_requests(self):
        """{pid: requests} of the current generation's workers, from the
        status endpoint's JSON."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", self.status_path)
            doc = json.loads(conn.getresponse().read())
        finally:
            conn.close()
        gen = doc["generation"]
        return {w["pid"]: w["requests"] for w in doc["workers"]
                if w["generation"] == gen}

    def command(self):
        return [self.binary, "-c", self.config]



class Nginx(Server):
    name = "nginx"
    template = "nginx.conf.in"
    stop_signal = signal.SIGTERM  # fast stop

    def __init__(self, *args, open_file_cache=False, **kw):
        self.open_file_cache = open_file_cache
        super().__init__(*args, **kw)

    def values(self):
        v = super().values()
        v["open_file_cache"] = ("\topen_file_cache    max=1000;\n"
                                "\topen_file_cache_valid 1s;"
                                if self.open_file_cache else "")
        v["access_log"] = (f"{self.access_log_path} combined buffer=64k flush=1s"
                           if self.access_log else "off")
        v["rlimit_nofile"] = fd_limit_wanted()
        return v

    def start(self, probe=True, timeout=START_TIMEOUT):
        os.makedirs(os.path.join(self.dir, "tmp"), exist_ok=True)
        super().start(probe, timeout)

    def command(self):
        return [NGINX, "-p", self.dir + "/", "-e", self.error_log,
                "-c", self.config]


class Lighttpd(Server):
    """lighttpd in the foreground (-D).  With one worker it runs as one
    process (server.max-worker forks only from two on)."""
    name = "lighttpd"
    template = "lighttpd.conf.in"
    stop_signal = signal.SIGINT  # lighttpd: INT and TERM stop at once

    def expected_children(self):
        return self.workers if self.workers > 1 else 0

    def values(self):
        v = super().values()
        v["max_worker"] = self.workers if self.workers > 1 else 0
        v["max_fds"] = fd_limit_wanted()
        return v

    def command(self):
        return [LIGHTTPD, "-D", "-f", self.config]


class H2o(Server):
    """h2o in worker mode: one process, num-threads event loops."""
    name = "h2o"
    template = "h2o.conf.in"
    stop_signal = signal.SIGTERM

    def expected_children(self):
        return 0

    def command(self):
        return [H2O, "-m", "worker", "-c", self.config]


class Canned(Server):
    """bench/canned.c: parses nothing, one read and one write per request."""
    name = "canned"
    template = None
    stop_signal = signal.SIGTERM

    def __init__(self, binary, *args, close=False, **kw):
        self.binary = binary
        self.close = close
        super().__init__(*args, **kw)

    def command(self):
        return [self.binary, str(self.port), str(self.workers)] + (
            ["close"] if self.close else [])


def lighttpd_version():
    out = subprocess.run([LIGHTTPD, "-v"], capture_output=True, text=True,
                         timeout=10)
    return (out.stdout or out.stderr).strip().split(" - ")[0]


def h2o_version():
    out = subprocess.run([H2O, "-v"], capture_output=True, text=True,
                         timeout=10)
    return (out.stdout or out.stderr).strip().splitlines()[0]


def forkd_version(binary):
    out = subprocess.run([binary, "-v"], capture_output=True, text=True,
                         timeout=10)
    return (out.stdout or out.stderr).strip()


def nginx_version():
    out = subprocess.run([NGINX, "-v"], capture_output=True, text=True,
                         timeout=10)
    return (out.stderr or out.stdout).strip().replace("nginx version: ", "")
