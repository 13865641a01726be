"""`forkd -s`: it signals only a forkd master; a pid file naming another
process is refused, a stale one says "not running"."""

import os
import shutil
import signal
import subprocess
import time

from harness import alive, daemon, wait_for

DEFAULT_PID_FILE = "/run/forkd.pid"


def start_sleep(d, name=None):
    """A `sleep 300` the test owns; with name, run from a copy of sleep so
    named (its /proc/PID/comm is then that name)."""
    exe = shutil.which("sleep")
    if name is not None:
        copy = d.path(name)
        shutil.copy(exe, copy)
        exe = copy
    return subprocess.Popen([exe, "300"], stdin=subprocess.DEVNULL,
                            start_new_session=True)


def stop_sleep(proc):
    if proc.poll() is None:
        proc.kill()
    proc.wait(5)


def write_pid_file(d, pid):
    with open(d.pid_file, "w") as f:
        f.write(f"{pid}\n")


def sleep_untouched(proc):
    time.sleep(0.2)  # a signal, had one been sent, has landed by now
    assert proc.poll() is None and alive(proc.pid), \
        f"the sleep {proc.pid} was signalled (exit {proc.returncode})"


@daemon(start=False)
def test_ctl_refuses_pid_of_another_program(d):
    d.write_config()
    proc = start_sleep(d)
    try:
        write_pid_file(d, proc.pid)
        for cmd in ("reopen", "reload", "stop"):
            r = d.run("-s", cmd)
            assert r.returncode == 1, (cmd, r.returncode, r.stdout, r.stderr)
            assert "not a forkd master" in r.stderr and str(proc.pid) in r.stderr, \
                (cmd, r.stderr)
            assert "nothing was sent" in r.stderr, r.stderr
            assert "signal sent" not in r.stdout, r.stdout
            sleep_untouched(proc)
    finally:
        stop_sleep(proc)


def test_ctl_refuses_pid_file_overwritten_while_master_runs(d):
    """The status file names the real master; the pid file another process."""
    proc = start_sleep(d)
    try:
        write_pid_file(d, proc.pid)
        r = d.run("-s", "reopen")
        assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
        assert "not a forkd master" in r.stderr, r.stderr
        sleep_untouched(proc)
        assert d.running()
    finally:
        stop_sleep(proc)


@daemon(start=False)
def test_ctl_refuses_reused_pid_even_named_forkd(d):
    """A process called forkd whose start time is not the one the status
    file records for that pid: the master's pid was reused."""
    d.write_config()
    proc = start_sleep(d, name="forkd")
    try:
        wait_for(lambda: open(f"/proc/{proc.pid}/comm").read().strip() == "forkd", 3,
                 what="the copy of sleep to run as forkd")
        write_pid_file(d, proc.pid)
        with open(d.path("forkd.status"), "w") as f:
            f.write(f"pid {proc.pid}\nstate serving\nstart_time 1\n")
        r = d.run("-s", "reopen")
        assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
        assert "pid was reused" in r.stderr, r.stderr
        sleep_untouched(proc)
    finally:
        stop_sleep(proc)


@daemon(start=False)
def test_ctl_stale_pid_file_says_not_running(d):
    d.write_config()
    proc = subprocess.Popen(["true"])
    proc.wait(5)  # reaped: its pid names no process now
    write_pid_file(d, proc.pid)
    for cmd in ("reopen", "reload", "quit"):
        r = d.run("-s", cmd)
        assert r.returncode == 1, (cmd, r.returncode, r.stdout, r.stderr)
        assert "not running" in r.stderr and str(proc.pid) in r.stderr, (cmd, r.stderr)
    os.unlink(d.pid_file)
    r = d.run("-s", "reopen")
    assert r.returncode == 1 and "not running" in r.stderr, (r.returncode, r.stderr)


def test_ctl_reopen_and_reload_still_work(d):
    r = d.run("-s", "reopen")
    assert r.returncode == 0 and "reopened" in r.stdout, (r.returncode, r.stdout, r.stderr)
    r = d.reload_ok()
    assert "reload ok" in r.stdout, r.stdout
    with open(d.path("forkd.status")) as f:
        status = dict(line.rstrip("\n").split(" ", 1) for line in f if " " in line)
    with open(f"/proc/{d.pid}/stat") as f:
        started = f.read().rsplit(")", 1)[1].split()[19]
    assert status["pid"] == str(d.pid) and status["start_time"] == started, status
    r = d.run("-s", "quit")
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    d.wait_exit(10)


@daemon(start=False)
def test_ctl_reload_without_config_says_not_running(d):
    missing = d.path("no-such.conf")
    r = d.run("-c", missing, "-s", "reload", conf=False)
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert missing in r.stderr and "nothing was sent" in r.stderr, r.stderr
    if os.path.exists(DEFAULT_PID_FILE):
        raise AssertionError(f"{DEFAULT_PID_FILE} exists here; cannot check the message")
    assert "not running" in r.stderr, r.stderr
    assert "keeps its configuration" not in r.stderr, r.stderr


def test_ctl_signals_master_after_sigkill_leaves_stale_files(d):
    """A master killed with SIGKILL leaves its pid and status files: -s says
    not running rather than signalling the pid."""
    pid = d.pid
    for w in d.workers():
        os.kill(w, signal.SIGKILL)
    d.signal(signal.SIGKILL)
    d.wait_exit(5)
    assert d.pid_from_file() == pid and os.path.exists(d.path("forkd.status"))
    r = d.run("-s", "reload")
    assert r.returncode == 1 and "not running" in r.stderr, (r.returncode, r.stderr)
