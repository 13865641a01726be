"""Log files: SIGUSR1 and -s reopen reopen them (for logrotate)."""

import os
import signal

from harness import req, wait_for


def fetch(d, agent):
    r = d.raw(req("GET", "/index.html", headers={"User-Agent": agent, "Connection": "close"}),
              n=1)
    assert r.responses and r.responses[0].status == 200, r.data[:200]


def agents(lines):
    return [line.rsplit('"', 2)[-2] for line in lines]


def rotate(d, reopen):
    """Request, rename the logs, reopen, request: each line lands in its file."""
    fetch(d, "before-rotation")
    d.wait_access_log(1)
    rotated = d.access_log_path + ".1"
    os.rename(d.access_log_path, rotated)
    os.rename(d.error_log_path, d.error_log_path + ".1")
    reopen()
    wait_for(lambda: os.path.exists(d.access_log_path), 5, what="a new access.log")
    wait_for(lambda: os.path.exists(d.error_log_path), 5, what="a new error.log")
    fetch(d, "after-rotation")
    lines = d.wait_access_log(1)
    assert agents(lines) == ["after-rotation"], lines
    assert agents(d.access_log(rotated)) == ["before-rotation"], d.access_log(rotated)
    st = os.stat(d.access_log_path)
    assert st.st_size > 0


def test_sigusr1_reopens_logs(d):
    rotate(d, lambda: d.signal(signal.SIGUSR1))


def test_ctl_reopen(d):
    def reopen():
        r = d.run("-s", "reopen")
        assert r.returncode == 0, (r.returncode, r.stderr)
    rotate(d, reopen)


def test_reopen_keeps_workers(d):
    workers = sorted(d.workers())
    d.signal(signal.SIGUSR1)
    fetch(d, "x")
    d.wait_access_log(1)
    assert sorted(d.workers()) == workers, "SIGUSR1 replaced the workers"
