"""Chaos under load: random kill -9 of workers, SIGHUPs and log reopens.

For CHAOS_SECONDS (FORKD_SOAK_SECONDS under `make soak`) a seeded random
schedule kills a worker with SIGKILL, reloads with SIGHUP, or reopens the
logs (SIGUSR1, and now and then `forkd -s reopen`), while two clients keep
fetching: one over keep-alive connections, one with a new connection per
request.  What must hold:

- the master never exits, and ends with its full set of workers;
- a client error only ever happens within a moment of a worker being
  killed (a connection that worker held); reloads and reopens cost nothing;
- the master leaks nothing: same descriptor count, and VmRSS within a
  small bound, before and after (measured after a warm-up round).
"""

import os
import random
import signal
import time

from harness import daemon, proc_status, wait_for
from load import Load

CHAOS_SECONDS = int(os.environ.get("FORKD_SOAK_SECONDS", "20"))
SEED = int(os.environ.get("FORKD_CHAOS_SEED", "7"))
KILL_GRACE = 1.5        # seconds after a kill in which its connections may fail
RSS_SLACK_KB = 8 << 10  # allocator noise in the master


def master_fds(d):
    return sorted(os.readlink(f"/proc/{d.pid}/fd/{fd}") for fd in os.listdir(f"/proc/{d.pid}/fd"))


def master_rss(d):
    return int(proc_status(d.pid, "VmRSS")[0])


def settle(d):
    """Until the current generation is complete and older ones are gone."""
    wait_for(lambda: len(d.workers()) == d.workers_expected, 15,
             what=lambda: f"{d.workers_expected} workers, have {d.workers()}")
    time.sleep(0.5)


def one_of_each(d):
    """A warm-up round, so that first-use allocations are not counted."""
    d.signal(signal.SIGHUP)
    settle(d)
    d.signal(signal.SIGUSR1)
    os.kill(d.workers()[0], signal.SIGKILL)
    settle(d)
    assert d.run("-s", "reopen").returncode == 0


@daemon(start=False, timeout=CHAOS_SECONDS + 90, workers=3,
        top={"shutdown_timeout": "3s", "worker_watchdog": "5s"},
        server={"keepalive_timeout": "5s"})
def test_chaos_kill_reload_reopen_under_load(d):
    # Freed memory goes straight back under ASan, so that VmRSS means the
    # same as in a plain build (the quarantine would otherwise grow it).
    asan = d.env()["ASAN_OPTIONS"] + ":quarantine_size_mb=0"
    d.start(env={"ASAN_OPTIONS": asan})
    one_of_each(d)
    fds0, rss0 = master_fds(d), master_rss(d)
    rng = random.Random(SEED)
    kills, actions = [], []
    master_alive = True
    with Load(d.port, conns=3, max_seconds=CHAOS_SECONDS + 30) as keep, \
            Load(d.port, conns=2, max_seconds=CHAOS_SECONDS + 30, close_each=True) as fresh:
        t0 = keep.t0
        end = time.monotonic() + CHAOS_SECONDS
        for _ in range(CHAOS_SECONDS * 10):
            if time.monotonic() >= end:
                break
            time.sleep(rng.uniform(0.2, 0.8))
            master_alive = master_alive and d.running()
            action = rng.choice(["kill", "kill", "hup", "usr1", "reopen"])
            if action == "kill":
                victims = d.workers()
                if victims:
                    kills.append(time.monotonic() - t0)
                    try:
                        os.kill(rng.choice(victims), signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            elif action == "hup":
                d.signal(signal.SIGHUP)
            elif action == "usr1":
                d.signal(signal.SIGUSR1)
            else:
                d.run("-s", "reopen", timeout=15)
            actions.append(action)
        assert keep.wait_requests(50, timeout=15) and fresh.wait_requests(20, timeout=15), \
            "clients made no progress after the chaos"
    assert master_alive and d.running(), "the master exited"
    errors = keep.stats.errors + [(t + fresh.t0 - keep.t0, why) for t, why in fresh.stats.errors]
    unexplained = [(t, why) for t, why in errors
                   if not any(k <= t <= k + KILL_GRACE for k in kills)]
    summary = (f"{len(actions)} actions ({actions.count('kill')} kills, {actions.count('hup')} "
               f"HUPs, {actions.count('usr1') + actions.count('reopen')} reopens); "
               f"keep-alive: {keep.stats.summary()}; new connections: {fresh.stats.summary()}")
    print(f"  {len(actions)} actions, {len(kills)} kills; keep-alive {keep.stats.ok} ok "
          f"{len(keep.stats.errors)} errors; new connections {fresh.stats.ok} ok "
          f"{len(fresh.stats.errors)} errors")
    assert not unexplained, f"errors away from any kill: {unexplained[:5]}\n{summary}"
    assert len(errors) <= 5 * max(1, len(kills)), summary
    settle(d)
    wait_for(lambda: master_fds(d) == fds0, 10,
             what=lambda: f"master descriptors back to {fds0}, have {master_fds(d)}")
    grew = master_rss(d) - rss0
    print(f"  master: {len(fds0)} descriptors before and after, VmRSS {rss0} -> {rss0 + grew} kB")
    assert grew < RSS_SLACK_KB, f"master VmRSS grew {grew} kB over the chaos"
    assert d.get("/index.html").status == 200
