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
