"""accept_mode = handoff: the master accepts and passes each connection to
the least-loaded worker.  Counts, not timings: every connection is served,
every worker gets a share, and reloads and worker-count changes under load
lose nothing."""

import json
import os
import signal

from harness import daemon, wait_for
from load import Load

HANDOFF = {"accept_mode": "handoff", "shutdown_timeout": "10s"}
STATUS = {"status_path": "/status", "status_allow": ["127.0.0.1/32"]}


def status(d):
    resp = d.get("/status")
    assert resp.status == 200, resp
    return json.loads(resp.body)


def listening_inodes():
    """Inodes of the listening TCP sockets on this machine."""
    found = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(name) as f:
            for line in list(f)[1:]:
                fields = line.split()
                if fields[3] == "0A":  # TCP_LISTEN
                    found.add(fields[9])
    return found


def socket_inodes(pid):
    found = set()
    fd_dir = f"/proc/{pid}/fd"
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(target[8:-1])
    return found


@daemon(top=HANDOFF, server=STATUS)
def test_handoff_spreads_connections(d):
    """A connection per request: each of the two workers takes a fair share,
    and the workers own no listening socket (the master accepts)."""
    with Load(d.port, conns=8, max_seconds=60, close_each=True) as load:
        assert load.wait_requests(2000), "no traffic"
    assert not load.stats.errors, load.stats.summary()
    doc = status(d)
    gen = doc["generation"]
    counts = [w["accepted"] for w in doc["workers"] if w["generation"] == gen]
    assert len(counts) == 2, doc
    assert min(counts) * 3 >= max(counts), f"unbalanced: {counts}"
    listeners = listening_inodes()
    assert listeners, "no listening socket found in /proc/net"
    for pid in d.workers():
        held = socket_inodes(pid) & listeners
        assert not held, f"worker {pid} holds a listening socket"
    assert socket_inodes(d.pid) & listeners, "the master holds no listener"


@daemon(timeout=240, top=HANDOFF)
def test_handoff_reloads_under_load_lose_nothing(d):
    """30 reloads while keep-alive clients and connect-per-request clients
    run: no request fails."""
    with Load(d.port, conns=6, max_seconds=180) as ka, \
            Load(d.port, conns=4, max_seconds=180, close_each=True) as cl:
        assert ka.wait_requests(200) and cl.wait_requests(200), "no traffic"
        for _ in range(30):
            d.reload_ok()
        assert ka.wait_requests(200) and cl.wait_requests(200), \
            "traffic stalled after the reloads"
    assert not ka.stats.errors, ka.stats.summary()
    assert not cl.stats.errors, cl.stats.summary()


@daemon(timeout=180, top=HANDOFF)
def test_handoff_worker_count_changes_under_load(d):
    """2 -> 4 -> 1 -> 3 workers under connect-per-request load: nothing is
    queued in a socket that closes, so nothing is lost."""
    with Load(d.port, conns=8, max_seconds=120, close_each=True) as load:
        assert load.wait_requests(200)
        for count in (4, 1, 3):
            d.set_workers(count)
            assert load.wait_requests(300), "traffic stalled after the reload"
    assert not load.stats.errors, load.stats.summary()


@daemon(top=HANDOFF)
def test_handoff_survives_a_killed_worker(d):
    """SIGKILL of a worker: the master stops handing it connections, a
    replacement takes over, and new connections keep being served."""
    victim = sorted(d.workers())[0]
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: len(d.workers()) == 2 and victim not in d.workers(), 10,
             what="a replacement worker")
    for _ in range(50):
        assert d.get("/index.html").status == 200


@daemon(top=HANDOFF)
def test_handoff_graceful_stop_resets_nothing(d):
    """SIGTERM under connect-per-request load: what the master had queued is
    handed over and answered before its sockets close; after that, connects
    are refused, never reset."""
    with Load(d.port, conns=8, max_seconds=60, close_each=True) as load:
        assert load.wait_requests(300)
        d.signal(signal.SIGTERM)
        assert d.wait_exit(15) == 0
    lost = [e for e in load.stats.errors if "ConnectionRefused" not in e[1]]
    assert not lost, load.stats.summary()


@daemon(top=dict(HANDOFF, drain_delay="1s"))
def test_handoff_lame_duck_serves_and_stop_resets_nothing(d):
    """With drain_delay, the master goes on accepting and handing over
    through the lame duck (it once stopped at its start, so connections
    queued for the whole delay and closing the sockets reset them)."""
    with Load(d.port, conns=8, max_seconds=60, close_each=True) as load:
        assert load.wait_requests(300)
        d.signal(signal.SIGTERM)
        before = load.stats.ok
        wait_for(lambda: load.stats.ok >= before + 300, 0.9,
                 what="requests answered during the lame duck")
        assert d.wait_exit(15) == 0
    lost = [e for e in load.stats.errors if "ConnectionRefused" not in e[1]]
    assert not lost, load.stats.summary()
