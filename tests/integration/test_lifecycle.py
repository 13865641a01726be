"""Lifecycle under load: reloads, worker count changes, crashes and stops
that lose no request.  Every test counts failed requests with load.Load,
which treats any reset, early EOF, refused connect or non-200 as an error.
"""

import hashlib
import os
import signal
import socket
import time

from harness import INDEX_HTML, daemon, wait_for
from load import Load

NEW_INDEX = b"<p>the new content</p>\n" * 10


def digest(body):
    return hashlib.sha256(body).hexdigest()[:12]


@daemon(timeout=300, top={"shutdown_timeout": "10s"})
def test_100_reloads_under_load_lose_nothing(d):
    """100 reloads while 8 keep-alive clients hammer the server; the content
    changes at reload 50, and is served as soon as that reload returns."""
    new_root = d.new_root("www2", {"index.html": NEW_INDEX})
    with Load(d.port, conns=8, max_seconds=240) as load:
        assert load.wait_requests(200), "no traffic before the reloads"
        for i in range(100):
            if i == 50:
                d.servers[0]["root"] = new_root
            d.write_config()
            d.reload_ok()
            if i == 50:
                resp = d.get("/index.html")
                assert resp.body == NEW_INDEX, "old content after the reload returned"
        assert load.wait_requests(200), "no traffic after the reloads"
    stats = load.stats
    assert not stats.errors, stats.summary()
    assert stats.bodies[digest(INDEX_HTML)] > 0 and stats.bodies[digest(NEW_INDEX)] > 0, \
        stats.summary()
    assert "reload failed" not in d.error_log()


@daemon(timeout=180, workers=4, top={"accept_mode": "reuseport", "shutdown_timeout": "10s"})
def test_worker_count_4_2_4_under_load(d):
    """Shrinking and growing a reuseport group drops no queued connection:
    a new connection per request keeps SYNs arriving on every socket."""
    with Load(d.port, conns=16, max_seconds=120, close_each=True) as load:
        assert load.wait_requests(200)
        for count in (2, 4, 2, 4, 1, 4):
            d.set_workers(count)
            assert load.wait_requests(300), "traffic stalled after the reload"
    assert not load.stats.errors, load.stats.summary()


def test_kill_worker_under_load(d):
    """A worker killed with SIGKILL costs only its own connections, and a
    replacement serves within a second."""
    victim = sorted(d.workers())[0]
    with Load(d.port, conns=8, max_seconds=60) as load:
        assert load.wait_requests(200)
        t0 = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        wait_for(lambda: len(d.workers()) == d.workers_expected and victim not in d.workers(),
                 5, what="a replacement worker")
        replaced = time.monotonic() - t0
        assert load.wait_requests(500), "traffic stalled after the kill"
    stats = load.stats
    # Only connections that the killed worker held may fail, once each.
    assert len(stats.errors) <= 8, stats.summary()
    assert all("Error" in reason or "EOF" in reason for _, reason in stats.errors), \
        stats.summary()
    assert replaced < 1.5, f"replacement took {replaced:.2f}s"


@daemon(top={"shutdown_timeout": "10s"})
def test_sigterm_under_load_completes_received_requests(d):
    """SIGTERM is a graceful stop: every request the server received is
    answered; afterwards connections are refused."""
    with Load(d.port, conns=8, max_seconds=60) as load:
        assert load.wait_requests(300)
        d.signal(signal.SIGTERM)
        assert d.wait_exit(15) == 0
        time.sleep(0.2)
    stats = load.stats
    # After the master is gone connects are refused: those count separately.
    lost = [e for e in stats.errors
            if "ConnectionRefused" not in e[1]]
    assert not lost, stats.summary()
    assert stats.closes > 0, "no response carried Connection: close during the drain"


def test_reload_failure_reports_and_keeps_serving(d):
    good = d.config_text()
    broken = good.replace("worker_processes", "worker_processess", 1)
    d.write_config(broken)
    with Load(d.port, conns=4, max_seconds=30) as load:
        assert load.wait_requests(100)
        r = d.run("-s", "reload", timeout=60)
        assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
        assert "forkd.conf:" in r.stderr and "reload failed" in r.stderr, r.stderr
        assert load.wait_requests(100)
    assert not load.stats.errors, load.stats.summary()
    assert d.get("/index.html").body == INDEX_HTML


@daemon(top={"worker_watchdog": "1s"})
def test_watchdog_replaces_a_stuck_worker(d):
    """A worker that stops heart-beating (here: SIGSTOP) is killed and
    replaced; the kill is logged."""
    victim = sorted(d.workers())[0]
    os.kill(victim, signal.SIGSTOP)
    wait_for(lambda: victim not in d.workers() and len(d.workers()) == 2, 8,
             what="the stuck worker to be replaced")
    d.wait_error_log(r"is stuck: no heartbeat", timeout=3)
    log = d.error_log()
    assert f"(pid {victim})" in log, log
    assert log.count("is stuck") == 1, log
    assert d.get("/index.html").status == 200


@daemon(top={"max_requests_per_worker": 50, "error_log_level": "info"})
def test_max_requests_per_worker_recycles_without_errors(d):
    """Workers past max_requests_per_worker are replaced in place, the new
    one ready before the old one drains: clients see no error."""
    first = set(d.workers())
    with Load(d.port, conns=4, max_seconds=60) as load:
        assert load.wait_requests(600), "traffic stalled"
    assert not load.stats.errors, load.stats.summary()
    wait_for(lambda: len(d.workers()) == 2 and not set(d.workers()) & first, 5,
             what="two workers, none of the first ones")
    assert "served its requests: replacing it" in d.error_log()


@daemon(top={"max_generations": 2, "shutdown_timeout": "20s"})
def test_max_generations_defers_reloads(d):
    """With one generation still draining (an unread download holds it), a
    second reload waits until it is gone, and then happens."""
    size = 32 << 20
    d.write_file("big.bin", os.urandom(1 << 20) * 32)
    with d.conn(timeout=10) as slow:
        slow.send(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        got = len(slow.sock.recv(65536))
        d.reload_ok()                          # generation 2; 1 drains
        d.signal(signal.SIGHUP)               # generation 3 must wait
        d.wait_error_log(r"reload waits", timeout=5)
        time.sleep(0.5)
        assert "generation 3 serving" not in d.error_log()
        while got < size:                     # finish the download
            data = slow.sock.recv(1 << 20)
            assert data, f"download cut at {got} bytes"
            got += len(data)
    d.wait_error_log(r"generation 3 serving", timeout=10)
