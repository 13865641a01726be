"""Slow clients: slowhttptest's four attacks against short timeouts.

While slowhttptest holds a few hundred connections (slowloris, slow body,
slow read, range), a normal keep-alive client keeps fetching.  What must
hold: the normal client never sees an error, the workers are the same
processes at the end, their RSS stays within a bound, and the attackers'
connections are cut off: forkd's workers hold no more than a handful of
descriptors once the timeouts have had time to act.

Bounded: each attack runs ATTACK_SECONDS (FORKD_SOAK_SECONDS, set by
`make soak`, stretches it) with at most SLOW_CONNS connections, loopback only.
"""

import os
import re
import shutil
import signal
import subprocess
import time

from harness import Skip, daemon, proc_status
from load import Load

ATTACK_SECONDS = int(os.environ.get("FORKD_SOAK_SECONDS", "10"))
SLOW_CONNS = int(os.environ.get("FORKD_SLOW_CONNS", "300"))
RSS_GROWTH_KB = 64 << 10    # per worker, ASan build included
FD_SLACK = 16               # descriptors a worker may hold beyond its start
TIMEOUTS = {"client_header_timeout": "2s", "client_body_timeout": "2s",
            "send_timeout": "2s", "keepalive_timeout": "2s"}
BIG = 8 << 20


def fd_count(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def rss_kb(pid):
    try:
        return int(proc_status(pid, "VmRSS")[0])
    except (OSError, KeyError):
        return 0


def run_attack(d, args, conns, url_path="/index.html"):
    """Run slowhttptest with the normal client alongside; returns a dict of
    what was measured.  Asserts the normal client's and the workers' side."""
    if shutil.which("slowhttptest") is None:
        raise Skip("slowhttptest is not installed (Debian package slowhttptest)")
    workers = sorted(d.workers())
    base_fds = {p: fd_count(p) for p in workers}
    base_rss = {p: rss_kb(p) for p in workers}
    out = d.path("slow")
    cmd = ["slowhttptest", *args, "-c", str(conns), "-r", "200", "-l", str(ATTACK_SECONDS),
           "-p", "2", "-g", "-o", out, "-u", d.url(url_path)]
    log = open(d.path("slowhttptest.txt"), "wb")
    attacker = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    peak_rss = dict(base_rss)
    late_fds = []   # worker descriptors once the timeouts have had time
    t0 = time.monotonic()
    try:
        with Load(d.port, conns=2, max_seconds=ATTACK_SECONDS + 30) as load:
            for _ in range(int((ATTACK_SECONDS + 20) / 0.25)):
                if attacker.poll() is not None:
                    break
                for p in workers:
                    peak_rss[p] = max(peak_rss[p], rss_kb(p))
                if time.monotonic() - t0 > ATTACK_SECONDS - 2:
                    late_fds.append(sum(fd_count(p) - base_fds[p] for p in workers))
                time.sleep(0.25)
            # Attackers all cut off end slowhttptest early: look once more.
            late_fds.append(sum(fd_count(p) - base_fds[p] for p in workers))
        stats = load.stats
        took = time.monotonic() - t0
    finally:
        if attacker.poll() is None:
            os.killpg(attacker.pid, signal.SIGKILL)
        attacker.wait(10)
    assert not stats.errors, "normal client: " + stats.summary()
    assert stats.ok >= 50, "normal client starved: " + stats.summary()
    assert sorted(d.workers()) == workers, f"workers changed: {workers} -> {d.workers()}"
    for p in workers:
        grew = peak_rss[p] - base_rss[p]
        assert grew < RSS_GROWTH_KB, f"worker {p} RSS grew {grew} kB"
    with open(d.path("slowhttptest.txt"), errors="replace") as f:
        text = f.read()
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)
    exit_line = ([line.split(":", 1)[1].strip() for line in text.splitlines()
                  if line.startswith("Exit status:")] or ["?"])[-1]
    print(f"  {args[0]}: {conns} conns, {took:.1f}s, normal client {stats.ok} ok, "
          f"late extra fds {late_fds[-3:]}, slowhttptest: {exit_line}")
    return {"normal_ok": stats.ok, "late_fds": late_fds, "exit": exit_line,
            "took": took,
            "rss_growth_kb": max(peak_rss[p] - base_rss[p] for p in workers)}


def assert_cut_off(m, what):
    worst = max(m["late_fds"])
    assert worst <= FD_SLACK, f"{what}: workers still hold {worst} extra descriptors " \
        f"{ATTACK_SECONDS - 2}s into the attack: {m['late_fds']}"


@daemon(timeout=ATTACK_SECONDS + 80, server=TIMEOUTS)
def test_slowloris_headers_cut_off(d):
    m = run_attack(d, ["-H", "-i", "1", "-x", "10"], SLOW_CONNS)
    assert_cut_off(m, "slowloris")
    assert m["exit"] == "No open connections left" and m["took"] < ATTACK_SECONDS, m


@daemon(timeout=ATTACK_SECONDS + 80, server=TIMEOUTS)
def test_slow_body_cut_off(d):
    # POST with a large Content-Length, a few bytes a second: within the
    # 2 s body timeout each time, so only answering at once cuts it short.
    m = run_attack(d, ["-B", "-i", "1", "-s", "65536", "-x", "10"], SLOW_CONNS)
    assert_cut_off(m, "slow body")
    assert m["exit"] == "No open connections left" and m["took"] < ATTACK_SECONDS, m


@daemon(timeout=ATTACK_SECONDS + 80, server=TIMEOUTS)
def test_slow_read_cut_off(d):
    d.write_file("big.bin", b"r" * BIG)
    # A tiny receive window read 16 bytes every 3 s: the send timeout fires.
    m = run_attack(d, ["-X", "-w", "1", "-y", "4", "-n", "3", "-z", "16", "-k", "2"],
                   SLOW_CONNS // 3, url_path="/big.bin")
    assert_cut_off(m, "slow read")


@daemon(timeout=ATTACK_SECONDS + 80, server=TIMEOUTS)
def test_range_attack_bounded(d):
    d.write_file("big.bin", b"g" * (256 << 10))
    m = run_attack(d, ["-R", "-t", "GET", "-a", "10", "-b", "3000"], SLOW_CONNS // 3,
                   url_path="/big.bin")
    assert_cut_off(m, "range")
    # The many-overlapping-ranges header gets one plain answer (200, or 416
    # past the end), never a multipart body larger than the file.
    r = d.get("/big.bin", headers={"Range": "bytes=0-," + ",".join(f"5-{i}" for i in range(
        10, 1500, 3))})
    assert r.status in (200, 416) and len(r.body) <= 256 << 10, r


def test_post_with_unsent_body_answered_at_once(d):
    """Regression: a POST whose body is still coming got its 405 only once
    the whole body was in, so a sender trickling it held the connection."""
    with d.conn() as c:
        t0 = time.monotonic()
        c.send(b"POST /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n0123")
        r = c.response(timeout=3)
        took = time.monotonic() - t0
        assert r.status == 405 and r.header("Connection") == "close", r
        assert took < 1.5, f"answered after {took:.2f}s"
        c.send(b"more body bytes")
        assert c.read_until_close(timeout=4) is not None, "not closed after the 405"
