"""A cold disk never stalls a worker: files on a slow FUSE file system
(tests/integration/slowfs.py: every read sleeps, direct_io so nothing is
cached) are read by the worker's I/O pool, while small fetches on other
connections go on.  One worker everywhere, so that a stall has nowhere to
hide.  With aio = off the same scenario shows the stall: the test measures
something."""

import contextlib
import hashlib
import http.client
import json
import os
import signal
import socket
import struct
import subprocess
import threading
import time

from harness import Skip, alive, daemon, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"  # Debian's, which has python3-fusepy
READ_MS = 50                 # the file system's own latency per read
BIG = 10 * 1000 * 1000
MID = 4 * 1000 * 1000
STATUS = {"status_path": "/status"}


def usable():
    if not os.path.exists("/dev/fuse"):
        raise Skip("no /dev/fuse")
    r = subprocess.run([PYTHON, "-c", "import fusepy"], capture_output=True)
    if r.returncode != 0:
        raise Skip("python3-fusepy is not installed (sh scripts/deps.sh test)")


def unmount(mnt, proc):
    for _ in range(50):
        if subprocess.run(["fusermount3", "-u", mnt], capture_output=True).returncode == 0:
            break
        time.sleep(0.1)
    else:
        subprocess.run(["fusermount3", "-u", "-z", mnt], capture_output=True)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(5)


@contextlib.contextmanager
def slow_fs(d, files, read_ms=READ_MS, meta_ms=0, flush_ms=0):
    """Serve `files` {name: bytes} from a slow mount as the server's root;
    start forkd on it; on the way out stop forkd, unmount and kill the
    file system's process."""
    usable()
    n = sum(1 for e in os.listdir(d.dir) if e.startswith("slow-src"))
    src, mnt = d.path(f"slow-src{n}"), d.path(f"slow-mnt{n}")
    for p in (src, mnt):
        os.makedirs(p)
        os.chmod(p, 0o755)
    for name, data in files.items():
        d.write_file(name, data, root=src)
    log = open(d.path("slowfs.log"), "wb")
    proc = subprocess.Popen([PYTHON, os.path.join(HERE, "slowfs.py"), src, mnt,
                             "--read-ms", str(read_ms), "--meta-ms", str(meta_ms),
                             "--flush-ms", str(flush_ms)],
                            stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    try:
        wait_for(lambda: os.path.ismount(mnt) or proc.poll() is not None, 10,
                 what="the slow file system to mount")
        assert proc.poll() is None, "slowfs.py exited: " + open(d.path("slowfs.log")).read()
        d.servers[0]["root"] = mnt
        d.write_config()
        d.start()
        yield mnt
    finally:
        d.stop()
        unmount(mnt, proc)
        log.close()


def blob(n, seed):
    """n pseudo-random bytes (fast, reproducible, incompressible enough)."""
    out = bytearray()
    x = seed
    while len(out) < n:
        x = hashlib.sha256(x.to_bytes(8, "little") + b"slowfs").digest()
        out += x * 128
        x = int.from_bytes(x[:8], "little")
    return bytes(out[:n])


class Download:
    """GET path with curl, in its own process (so that the test's own
    threads do not compete with it for the interpreter), into a file."""

    def __init__(self, d, path, timeout=60):
        self.path = path
        self.out = d.path("dl-" + path.strip("/").replace("/", "_"))
        self.proc = subprocess.Popen(
            ["curl", "-s", "-o", self.out, "-w", "%{http_code}", "--max-time",
             str(timeout), d.url(path)], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)

    def received(self):
        try:
            return os.path.getsize(self.out)
        except FileNotFoundError:
            return 0

    def is_alive(self):
        return self.proc.poll() is None

    def result(self, timeout):
        """(status, body) once curl is done."""
        out, _ = self.proc.communicate(timeout=timeout)
        with open(self.out, "rb") as f:
            return int(out or b"0"), f.read()


def start_downloads(d, names):
    dls = [Download(d, "/" + n) for n in names]
    for dl in dls:  # each is past its head and into the cold bytes
        wait_for(lambda: dl.received() > 0 or not dl.is_alive(), 10,
                 what=f"{dl.path} to start")
        assert dl.is_alive(), f"{dl.path} ended at once"
    return dls


def check_downloads(dls, files, timeout=60):
    for dl in dls:
        status, body = dl.result(timeout)
        want = files[dl.path[1:]]
        assert status == 200 and len(body) == len(want), (dl.path, status, len(body))
        assert body == want, f"{dl.path}: bytes differ"


def small_fetches(d, files, names):
    """Fetch each name in turn on one keep-alive connection; the latencies."""
    lat = []
    c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=30)
    for n in names:
        t0 = time.monotonic()
        c.request("GET", "/" + n)
        r = c.getresponse()
        body = r.read()
        lat.append(time.monotonic() - t0)
        assert r.status == 200 and body == files[n], (n, r.status, len(body))
    c.close()
    return lat


def site(nbig, big=BIG, nsmall=20):
    files = {f"big{i}.bin": blob(big, i) for i in range(nbig)}
    files.update({f"s{i}.bin": blob(2000 + i, 100 + i) for i in range(nsmall)})
    return files


def status(d):
    r = d.get("/status")
    assert r.status == 200, r.status
    return json.loads(r.body)["workers"]


def during_downloads(d, nbig):
    files = site(nbig)
    with slow_fs(d, files):
        dls = start_downloads(d, [f"big{i}.bin" for i in range(nbig)])
        lat = small_fetches(d, files, [f"s{i}.bin" for i in range(20)])
        running = sum(dl.is_alive() for dl in dls)
        check_downloads(dls, files)
        # Nothing stays in the pool (the closes of the last files may
        # still be on their way).
        wait_for(lambda: status(d)[0]["aio"]["in_flight"] == 0, 5,
                 what="the I/O pool to empty")
        return lat, running, status(d)


def check_no_stall(d, nbig):
    """The slowest small fetch within 1.5x the file system's latency.  A
    loaded machine sometimes schedules the Python file system late, so a
    second run is allowed; a worker that stalls on cold reads fails both
    (every cold chunk would stall it: see test_slowfs_aio_off_stalls)."""
    runs = []
    for _ in range(2):
        lat, running, workers = during_downloads(d, nbig)
        assert running == nbig, "a download ended before the small fetches did"
        assert workers[0]["aio"]["offloaded"] > BIG * nbig // (128 << 10), workers
        runs.append([round(x * 1000) for x in lat])
        if max(lat) * 1000 <= 1.5 * READ_MS:
            return
    raise AssertionError(
        f"slowest small fetch {max(runs[0])} ms, then {max(runs[1])} ms, during "
        f"{nbig} cold download(s) (the file system's own latency: {READ_MS} ms); "
        f"all: {runs}")


@daemon(start=False, workers=1, server=STATUS)
def test_slowfs_small_fetches_during_one_cold_download(d):
    check_no_stall(d, 1)


@daemon(start=False, workers=1, server=STATUS)
def test_slowfs_small_fetches_during_two_cold_downloads(d):
    check_no_stall(d, 2)


@daemon(start=False, workers=1, top={"aio": "off"}, server=STATUS)
def test_slowfs_aio_off_stalls(d):
    lat, _, workers = during_downloads(d, 1)
    slowest = max(lat) * 1000
    assert slowest > 3 * READ_MS, \
        f"with aio = off the slowest small fetch took only {slowest:.0f} ms"
    assert workers[0]["aio"]["offloaded"] == 0, workers


@daemon(start=False, workers=1, top={"shutdown_timeout": "30s"})
def test_slowfs_reload_during_cold_downloads(d):
    files = site(2, MID, 0)
    with slow_fs(d, files):
        old = d.workers()
        dls = start_downloads(d, ["big0.bin", "big1.bin"])
        d.reload_ok()
        assert any(dl.is_alive() for dl in dls), "downloads ended before the reload"
        assert all(alive(p) for p in old), "the old worker left its downloads"
        check_downloads(dls, files)
        wait_for(lambda: not any(alive(p) for p in old), 5,
                 what="the old worker to exit once its downloads ended")
        new = d.workers()
        assert new and not set(new) & set(old), (old, new)


@daemon(start=False, workers=1, top={"shutdown_timeout": "30s"})
def test_slowfs_graceful_stop_during_cold_downloads(d):
    files = site(2, MID, 0)
    with slow_fs(d, files):
        workers = d.workers()
        dls = start_downloads(d, ["big0.bin", "big1.bin"])
        d.signal(signal.SIGQUIT)
        time.sleep(0.3)
        assert d.running() and all(dl.is_alive() for dl in dls), \
            "the master or a download ended at once"
        check_downloads(dls, files)
        assert d.wait_exit(5) == 0
        assert not any(alive(p) for p in workers)


def fds_of(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def abort_mid_download(d, path):
    """Read a little of path, then reset the connection."""
    s = socket.create_connection(("127.0.0.1", d.port), timeout=10)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    got = b""
    while len(got) < 200000:
        got += s.recv(65536)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


@daemon(start=False, workers=1, server=STATUS)
def test_slowfs_client_gone_during_offloaded_read(d):
    files = site(1, MID, 2)
    with slow_fs(d, files):
        worker = d.workers()[0]
        small_fetches(d, files, ["s0.bin"])
        base = fds_of(worker)
        for _ in range(3):
            abort_mid_download(d, "/big0.bin")
        # The reads in flight finish in the pool, then are dropped.
        wait_for(lambda: status(d)[0]["aio"]["in_flight"] == 0 and
                 status(d)[0]["active"] <= 1, 5, what="the pool to let go")
        wait_for(lambda: fds_of(worker) <= base, 5,
                 what=f"the worker's fds back to {base} (now {fds_of(worker)})")
        assert small_fetches(d, files, ["s1.bin", "s0.bin"])
        assert worker in d.workers()


@daemon(start=False, workers=1)
def test_slowfs_file_truncated_during_offloaded_read(d):
    files = site(1, MID, 1)
    with slow_fs(d, files):
        s = socket.create_connection(("127.0.0.1", d.port), timeout=10)
        s.sendall(b"GET /big0.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        got = s.recv(65536)
        assert got.startswith(b"HTTP/1.1 200"), got[:100]
        os.truncate(d.path("slow-src0", "big0.bin"), 1 << 20)
        t0 = time.monotonic()
        while True:  # a short body, then the server closes
            data = s.recv(65536)
            if not data:
                break
            got += data
            assert time.monotonic() - t0 < 10, "the connection did not close"
        s.close()
        body = got.partition(b"\r\n\r\n")[2]
        assert len(body) < MID, len(body)
        assert body == files["big0.bin"][:len(body)], "bytes differ before the cut"
        assert small_fetches(d, files, ["s0.bin"])


@daemon(start=False, workers=1)
def test_slowfs_slow_open_does_not_stall_others(d):
    files = site(0, 0, 2)
    files["meta/slow.txt"] = b"slow to find\n"
    with slow_fs(d, files, meta_ms=400):
        got = {}

        def slow():
            t0 = time.monotonic()
            r = d.get("/meta/slow.txt", timeout=10)
            got["slow"] = (r.status, time.monotonic() - t0)

        t = threading.Thread(target=slow)
        t.start()
        time.sleep(0.1)  # its lookup is under way
        lat = small_fetches(d, files, ["s0.bin", "s1.bin"])
        t.join(10)
        assert got["slow"][0] == 200 and got["slow"][1] >= 0.4, got
        assert max(lat) * 1000 <= 1.5 * READ_MS + 50, \
            f"a fetch waited {max(lat) * 1000:.0f} ms behind a slow open"


@daemon(start=False, workers=1, server=dict(STATUS, autoindex="on", index=["index.html"]))
def test_slowfs_listing_and_index_through_plans(d):
    """On a FUSE root every open, stat and listing is planned: a directory
    listing, an index file and a fallback to 404 come out as on a local
    disk, each after its round through the pool."""
    files = {"meta/a.txt": b"a\n", "meta/b.txt": b"bb\n", "docs/index.html": b"<p>docs</p>\n"}
    with slow_fs(d, files, meta_ms=30):
        r = d.get("/meta/")
        assert r.status == 200 and b'href="a.txt"' in r.body and b'href="b.txt"' in r.body, r
        r = d.get("/docs/")
        assert r.status == 200 and r.body == files["docs/index.html"], r
        assert d.get("/docs").status == 301
        assert d.get("/nothing.txt").status == 404
        assert d.get("/meta/a.txt").body == b"a\n"
        assert status(d)[0]["aio"]["offloaded"] >= 5


@daemon(start=False, workers=1, server=STATUS)
def test_slowfs_slow_close_does_not_stall_others(d):
    """On FUSE every close(2) waits for the daemon's answer to FLUSH: the
    files of a slow root are closed by the pool, so the status page (which
    touches no file) answers while a close takes 400 ms."""
    files = site(0, 0, 4)
    with slow_fs(d, files, read_ms=10, flush_ms=400):
        lat = []
        for n in ("s0.bin", "s1.bin", "s2.bin"):
            small_fetches(d, files, [n])  # leaves a close of 400 ms behind
            t0 = time.monotonic()
            assert d.get("/status").status == 200
            lat.append((time.monotonic() - t0) * 1000)
        assert max(lat) < 150, f"the status page waited {max(lat):.0f} ms behind a close"
