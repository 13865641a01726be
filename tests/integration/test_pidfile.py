"""The pid file and the status file beside it: one master per pid file,
stale files replaced, the files follow `pid_file` on reload, and a master
removes them on exit only while they are still its own."""

import os
import signal
import subprocess

from harness import alive, daemon, wait_for


def status_path(d, pid_file=None):
    base = pid_file or d.pid_file
    return base[:-4] + ".status" if base.endswith(".pid") else base + ".status"


def status_pid(path):
    with open(path) as f:
        for line in f:
            key, _, value = line.partition(" ")
            if key == "pid":
                return int(value)
    return None


@daemon()
def test_second_master_on_the_same_pid_file_is_refused(d):
    """A second start with the same config must not become a second master
    (with reuseport it could even bind the same port)."""
    p = subprocess.Popen([d.binary, "-c", d.conf_path], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=d.env(), start_new_session=True)
    try:
        out, err = p.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        raise AssertionError("a second master started on the same pid file")
    assert p.returncode == 1, (p.returncode, out, err)
    assert "already running as pid %d" % d.pid in err + d.error_log(), (err, d.diagnostics())
    assert d.pid_from_file() == d.pid, "the refused start touched the pid file"
    assert d.get("/").status == 200


@daemon(start=False)
def test_stale_pid_file_is_replaced(d):
    """A pid file naming a process that is gone, or one that is not forkd,
    does not stop a start; the new master writes its own pid."""
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        with open(d.pid_file, "w") as f:
            f.write("%d\n" % sleeper.pid)
        d.start()
        assert d.pid_from_file() == d.pid
        assert sleeper.poll() is None, "the other program was signalled"
    finally:
        sleeper.kill()
        sleeper.wait()


@daemon()
def test_pid_file_follows_reload_and_leaves_with_the_master(d):
    old_pid_file, old_status = d.pid_file, status_path(d)
    wait_for(lambda: os.path.exists(old_status), 5, what="the status file")
    new_pid_file = d.path("moved.pid")
    d.top["pid_file"] = new_pid_file
    d.write_config()
    d.signal(signal.SIGHUP)
    wait_for(lambda: os.path.exists(new_pid_file), 15, what="the new pid file")
    d.pid_file = new_pid_file
    assert d.pid_from_file() == d.pid
    wait_for(lambda: not os.path.exists(old_pid_file), 5, what="the old pid file to go")
    assert not os.path.exists(old_status), "the old status file stayed"
    wait_for(lambda: os.path.exists(status_path(d)), 5, what="the new status file")
    assert status_pid(status_path(d)) == d.pid
    r = d.run("-s", "stop")            # -s finds the master through the new file
    assert r.returncode == 0, (r.stdout, r.stderr)
    d.wait_exit(10)
    assert not os.path.exists(new_pid_file), "the pid file outlived the master"
    assert not os.path.exists(status_path(d)), "the status file outlived the master"


@daemon()
def test_pid_file_of_another_process_is_left_alone_at_exit(d):
    """A master removes the pid file only while it names the master (after
    an upgrade it names the successor)."""
    wait_for(lambda: os.path.exists(status_path(d)), 5, what="the status file")
    with open(d.pid_file, "w") as f:
        f.write("1\n")
    pid = d.pid
    d.signal(signal.SIGTERM)
    d.wait_exit(10)
    assert not alive(pid)
    with open(d.pid_file) as f:
        assert f.read() == "1\n", "the master removed a pid file that was not its own"
    assert not os.path.exists(status_path(d)), "its own status file stayed"
