"""forkd -d: a classic daemon controlled through its pid file."""

import os
import re

from harness import INDEX_HTML, alive, daemon, proc_status


@daemon(start=False)
def test_detach_serve_stop(d):
    d.start_daemon()  # returns promptly, adopts the pid from the pid file
    pid = d.pid
    assert alive(pid), f"pid file names {pid}, which is not running"
    assert proc_status(pid, "PPid") != [str(os.getpid())], "the master did not detach"
    assert os.getsid(pid) != os.getsid(0), "the master did not start a new session"
    for fd in (0, 1, 2):
        target = os.readlink(f"/proc/{pid}/fd/{fd}")
        assert target == "/dev/null", f"fd {fd} of the daemon is {target}"
    assert len(d.workers()) == 2
    # Every line the master logged since it started names the master's
    # own pid, "listening on" included (it used to carry the pid of the
    # process that detached).
    pids = {m.group(1) for m in re.finditer(r"\[notice\] (\d+): (?:listening on|generation)",
                                            d.error_log())}
    assert pids == {str(pid)}, (pids, pid, d.error_log())
    resp = d.get("/index.html")
    assert resp.status == 200 and resp.body == INDEX_HTML, resp
    r = d.run("-s", "stop")
    assert r.returncode == 0, (r.returncode, r.stderr)
    d.wait_exit(5)


@daemon(start=False, top={"daemon": True})
def test_daemon_setting(d):
    d.start_daemon(flag=False)
    assert d.get("/").body == INDEX_HTML
    r = d.run("-s", "quit")
    assert r.returncode == 0, (r.returncode, r.stderr)
    d.wait_exit(5)
