"""Master and workers: count, identity, respawn after a crash."""

import os
import pwd
import re
import signal
import time

from harness import INDEX_HTML, Skip, alive, daemon, proc_state, proc_status, wait_for

NOBODY = pwd.getpwnam("nobody").pw_uid


@daemon(workers=3)
def test_worker_count(d):
    workers = d.workers()
    assert len(workers) == 3, workers
    for pid in workers:
        assert proc_status(pid, "PPid") == [str(d.pid)]


def need_root():
    if os.geteuid() != 0:
        raise Skip("needs root: workers switch users only when the master is root")


def test_workers_run_as_nobody_master_as_root(d):
    need_root()
    assert proc_status(d.pid, "Uid") == ["0"] * 4, proc_status(d.pid, "Uid")
    for pid in d.workers():
        uids = proc_status(pid, "Uid")
        assert uids == [str(NOBODY)] * 4, f"worker {pid} Uid {uids}"
        gids = proc_status(pid, "Gid")
        assert "0" not in gids, f"worker {pid} Gid {gids}"
        groups = proc_status(pid, "Groups")
        assert "0" not in groups, f"worker {pid} keeps supplementary group root: {groups}"


@daemon(top={"user": ""})
def test_empty_user_keeps_root(d):
    need_root()
    for pid in d.workers():
        assert proc_status(pid, "Uid") == ["0"] * 4


def test_killed_worker_is_respawned(d):
    before = sorted(d.workers())
    victim = before[0]
    os.kill(victim, signal.SIGKILL)
    # Once the victim is dead its sockets are closed: no fresh connection
    # can reach it, so every request below must succeed.
    wait_for(lambda: proc_state(victim) in (None, "Z"), 5, what=f"worker {victim} to die")
    t_kill = time.monotonic()
    failures = []
    for i in range(50):
        try:
            resp = d.get("/index.html", timeout=5)
            if resp.status != 200 or resp.body != INDEX_HTML:
                failures.append((i, resp))
        except OSError as exc:
            failures.append((i, repr(exc)))
        time.sleep(0.02)
    assert not failures, f"{len(failures)} of 50 requests failed during respawn: {failures[:3]}"

    def replaced():
        now = d.workers()
        return len(now) == len(before) and victim not in now and \
            len(set(now) - set(before)) == 1 and now
    now = wait_for(replaced, max(0.1, 5 - (time.monotonic() - t_kill)),
                   what=lambda: f"a worker in place of {victim} (have {d.workers()})")
    assert not alive(victim)
    log = d.wait_error_log(rf"[^\n]*\b{victim}\b[^\n]*exited[^\n]*signal 9[^\n]*")
    assert log, d.error_log()
    assert d.get("/").body == INDEX_HTML
    assert set(before) - {victim} <= set(now), "other workers were replaced too"


def test_error_log_format_and_listening_message(d):
    d.wait_error_log(r"generation \d+ serving")
    log = d.error_log()
    assert f"listening on http://127.0.0.1:{d.port}/" in log, log
    for line in log.splitlines():
        assert re.fullmatch(r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[(emerg|alert|crit|error|warn|"
                            r"notice|info|debug)\] \d+: .*", line), f"bad error log line {line!r}"


def cmdline(pid):
    """What ps shows for pid: /proc/PID/cmdline with its NULs as spaces."""
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        parts = f.read().split(b"\0")
    return " ".join(p.decode() for p in parts if p)


@daemon(top={"shutdown_timeout": "20s"})
def test_process_titles(d):
    """ps tells the master, the workers of each generation and the draining
    ones apart, as nginx's titles do."""
    assert cmdline(d.pid) == f"forkd: master process {d.conf_path}"
    titles = sorted(cmdline(p) for p in d.workers())
    assert titles == [f"forkd: worker process (generation 1, slot {s})"
                      for s in (0, 1)], titles
    size = 16 << 20
    d.write_file("big.bin", os.urandom(1 << 20) * 16)
    with d.conn(timeout=10) as slow:           # holds its worker in the drain
        slow.send(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        got = len(slow.sock.recv(65536))
        d.reload_ok()
        wait_for(lambda: len(d.workers()) == 3, 10,
                 what="two new workers and one draining")
        titles = sorted(cmdline(p) for p in d.workers())
        assert re.fullmatch(r"forkd: worker process \(generation 1, slot [01], "
                            r"draining\)", titles[0]), titles
        assert titles[1:] == [f"forkd: worker process (generation 2, slot {s})"
                              for s in (0, 1)], titles
        assert cmdline(d.pid) == f"forkd: master process {d.conf_path}"
        while got < size:
            data = slow.sock.recv(1 << 20)
            assert data, f"download cut at {got} bytes"
            got += len(data)
    wait_for(lambda: len(d.workers()) == 2, 10, what="the draining worker to exit")
    # The environment the title overwrote still works: an upgrade re-execs
    # the binary with its arguments and inherited variables.
    r = d.run("-s", "reopen")
    assert r.returncode == 0, (r.stdout, r.stderr)
