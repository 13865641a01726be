"""Binary upgrade (SIGUSR2 / forkd -s upgrade) and systemd socket activation."""

import os
import shutil
import signal
import socket
import subprocess
import time

from harness import INDEX_HTML, Skip, accepts, alive, children, daemon, free_port, proc_exe, wait_for
from load import Load


def own_binary(d):
    """A copy of the binary in the test's directory, so that the test may
    replace it as an operator would."""
    path = d.path("forkd")
    shutil.copy2(d.binary, path)
    d.binary = path
    return path


def replace_binary(path, source):
    tmp = path + ".new"
    shutil.copy2(source, tmp)
    os.replace(tmp, path)


@daemon(start=False, timeout=120, top={"shutdown_timeout": "10s"})
def test_upgrade_under_load_loses_nothing(d):
    original = d.binary
    path = own_binary(d)
    d.start()
    old_master = d.pid
    old_workers = set(d.workers())
    with Load(d.port, conns=8, max_seconds=60) as load:
        assert load.wait_requests(300)
        replace_binary(path, original)          # "install" a new build
        r = d.run("-s", "upgrade", timeout=60)
        assert r.returncode == 0, (r.stdout, r.stderr, d.diagnostics())
        assert "upgrade ok" in r.stdout, r.stdout
        new_master = d.pid_from_file()
        assert new_master and new_master != old_master
        wait_for(lambda: not alive(old_master), 15, what="the old master to exit")
        assert load.wait_requests(300), "traffic stalled after the upgrade"
    assert not load.stats.errors, load.stats.summary()
    d.pid, d.proc = new_master, None            # the new master is ours to stop
    assert not set(d.workers()) & old_workers
    assert d.get("/index.html").body == INDEX_HTML
    log = d.error_log()
    assert "upgrade: master %d serves now" % new_master in log, log
    # Generations go on counting across the upgrade.
    assert "generation 2 serving" in log, log


@daemon(start=False, timeout=60)
def test_broken_new_binary_keeps_old_master(d):
    original = d.binary
    path = own_binary(d)
    d.start()
    with open(path + ".new", "w") as f:
        f.write("#!/bin/sh\necho 'not a server' >&2\nexit 3\n")
    os.chmod(path + ".new", 0o755)
    os.replace(path + ".new", path)
    r = subprocess.run([original, "-c", d.conf_path, "-s", "upgrade"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "upgrade failed" in r.stderr and "code 3" in r.stderr, r.stderr
    assert "still serving" in r.stderr, r.stderr
    assert d.running() and d.pid_from_file() == d.pid
    assert d.get("/index.html").status == 200
    assert "upgrade failed" in d.error_log()


def install_closer(d, original, body):
    """Replace the test's binary with a script that closes the upgrade pipe
    and then runs body (Python); returns the client for `-s upgrade`."""
    path = own_binary(d)
    d.start()
    with open(path + ".new", "w") as f:
        f.write("#!/usr/bin/env python3\nimport os, sys, time\n"
                'os.close(int(os.environ["FORKD_UPGRADE_FD"]))\n' + body)
    os.chmod(path + ".new", 0o755)
    os.replace(path + ".new", path)
    return original


def upgrade_fails(d, client, reason):
    t0 = time.monotonic()
    r = subprocess.run([client, "-c", d.conf_path, "-s", "upgrade"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert reason in r.stderr, r.stderr
    assert d.running() and d.pid_from_file() == d.pid
    assert d.get("/index.html").status == 200
    return time.monotonic() - t0


@daemon(start=False, timeout=60)
def test_new_master_that_closes_its_pipe_and_exits_later(d):
    """The pipe's end is an event, the exit another: the old master waits for
    the exit without blocking its loop, so the reason is the exit status even
    when it comes a little after the pipe closed (it used to poll for 100 ms
    and then give up on knowing why)."""
    client = install_closer(d, d.binary, "time.sleep(0.4)\nsys.exit(5)\n")
    upgrade_fails(d, client, "exited with code 5 before it was ready")


@daemon(start=False, timeout=60)
def test_new_master_that_closes_its_pipe_and_lingers_is_killed(d):
    client = install_closer(d, d.binary, 'os.execvp("sleep", ["sleep", "60"])\n')
    took = upgrade_fails(d, client, "closed its pipe before it was ready")
    assert took < 10, f"the old master took {took:.1f}s to give up"
    assert "upgrade failed" in d.error_log()
    wait_for(lambda: not any(proc_exe(p) == os.path.realpath(shutil.which("sleep")) for p in children(d.pid)),
             5, what="the lingering new master to be killed")


@daemon(start=False, timeout=60, top={"accept_mode": "shared"})
def test_systemd_socket_activation(d):
    """systemd-socket-activate binds the port and hands the socket over;
    forkd serves on it without binding its own."""
    tool = shutil.which("systemd-socket-activate")
    if tool is None:
        from harness import Skip
        raise Skip("systemd-socket-activate is not installed")
    d.write_config()
    env = d.env()
    proc = subprocess.Popen([tool, "-l", f"127.0.0.1:{d.port}", d.binary, "-c", d.conf_path],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env, start_new_session=True)
    d.proc, d.pid = proc, proc.pid
    try:
        # The tool execs forkd at the first connection attempt.
        wait_for(lambda: _poke(d.port), 5, what="the socket to be listening")
        d.wait_ready()
        assert d.get("/index.html").body == INDEX_HTML
        own = [line for line in d.error_log().splitlines()
               if "listening on" in line and "inherited from systemd" not in line]
        assert not own, f"forkd opened its own socket instead of the inherited one: {own}"
        # A reload keeps serving on the inherited socket.
        r = d.run("-s", "reload", timeout=30)
        assert r.returncode == 0, r.stderr
        assert d.get("/index.html").status == 200
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            proc.wait(10)


# As systemd starts a socket-activated service: the socket as fd 3,
# LISTEN_PID naming the process that execs forkd.
ACTIVATE = ("import os, sys; fd = int(sys.argv[1]); os.dup2(fd, 3); "
            "fd != 3 and os.close(fd); os.environ.update(LISTEN_PID=str(os.getpid()), "
            "LISTEN_FDS='1'); os.execv(sys.argv[2], sys.argv[2:])")


@daemon(start=False)
def test_socket_systemd_keeps_is_usable_after_a_stop(d):
    """The listening socket stays with systemd (here: this test) when forkd
    stops; the graceful stop's seal must not be left on it, or no
    connection would ever reach it again (socket activation would never
    start the next forkd).  The next connection completes and waits in
    the queue."""
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)  # ReusePort=yes
    lsock.bind(("127.0.0.1", d.port))
    lsock.listen(64)
    d.write_config()
    proc = subprocess.Popen(["python3", "-c", ACTIVATE, str(lsock.fileno()),
                             d.binary, "-c", d.conf_path],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=d.env(),
                            pass_fds=(lsock.fileno(),), start_new_session=True)
    d.proc, d.pid = proc, proc.pid
    try:
        d.wait_ready()
        assert d.get("/index.html").body == INDEX_HTML
        d.wait_error_log("inherited from systemd")
        d.signal(signal.SIGTERM)
        assert d.wait_exit(15) == 0
        with socket.socket() as c:
            c.settimeout(3)
            c.connect(("127.0.0.1", d.port))  # times out if SYNs are dropped
            c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            lsock.settimeout(3)
            got, _ = lsock.accept()
            got.close()
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
        lsock.close()


def _poke(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def test_unit_file_verifies(d):
    """systemd-analyze verify: the shipped unit is well formed, with its
    @SBINDIR@ pointing at the binary under test (the man pages need not be
    installed here, so those complaints are allowed)."""
    tool = shutil.which("systemd-analyze")
    if tool is None:
        from harness import Skip
        raise Skip("systemd-analyze is not installed")
    template = os.path.join(os.path.dirname(__file__), "..", "..", "conf", "forkd.service.in")
    with open(template) as f:
        text = f.read().replace("@SBINDIR@", os.path.dirname(d.binary))
    unit = d.path("forkd.service")
    with open(unit, "w") as f:
        f.write(text.replace("@SYSCONFDIR@", "/etc"))
    r = subprocess.run([tool, "verify", unit], capture_output=True, text=True, timeout=60)
    problems = [line for line in (r.stdout + r.stderr).splitlines()
                if line.strip() and "forkd(8)" not in line and "forkd.conf(5)" not in line]
    assert not problems, "\n".join(problems)


# --- as PID 1 of a PID namespace, as in a container (issue 14, item 6)

def ns_pid_file(d):
    """The pid the namespace's pid file names (a pid inside it)."""
    try:
        with open(d.pid_file) as f:
            text = f.read().strip()
    except FileNotFoundError:
        return None
    return int(text) if text.isdigit() else None


@daemon(start=False, timeout=120, top={"shutdown_timeout": "5s"})
def test_upgrade_as_pid1_keeps_the_namespace_serving(d):
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        raise Skip("needs root and unshare(1)")
    d.write_config()
    err = open(d.path("stderr.txt"), "ab")
    ns = subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc", d.binary,
                           "-c", d.conf_path], stdin=subprocess.DEVNULL,
                          stdout=err, stderr=err, env=d.env(), start_new_session=True)
    init = None
    try:
        # forkd is unshare's child and PID 1 inside; its pid file says 1
        init = wait_for(lambda: (children(ns.pid) or [None])[0], 10, what="PID 1")
        wait_for(lambda: ns_pid_file(d) == 1 and accepts("127.0.0.1", d.port) and
                 len(children(init)) == d.workers_expected, 20,
                 what=lambda: f"forkd as PID 1 to serve\n{d.diagnostics()}")
        with Load(d.port, conns=4, max_seconds=60) as load:
            assert load.wait_requests(200)
            os.kill(init, signal.SIGUSR2)
            d.wait_error_log(r"upgrade: master \d+ serves now", 30)
            d.wait_error_log(r"graceful stop: draining", 30)   # the old generation
            wait_for(lambda: not alive(init) or len(children(init)) == 1, 30,
                     what=lambda: f"the old workers to go: {children(init)}")
            time.sleep(0.5)  # the old master would exit now, and PID 1 with it
            assert ns.poll() is None and alive(init), "the namespace died"
            assert load.wait_requests(300), "traffic stopped after the upgrade"
        assert not load.stats.errors, load.stats.summary()
        d.wait_error_log(r"supervisor: staying as PID 1 for master \d+", 30)
        first = ns_pid_file(d)
        assert first not in (None, 1), first
        assert d.get("/index.html").body == INDEX_HTML

        # Signals to PID 1 reach the master that serves: a second upgrade
        # (the new master hands over to a newer one and exits; PID 1 adopts
        # the newer one), then a graceful stop that ends the namespace.
        os.kill(init, signal.SIGUSR2)
        d.wait_error_log(rf"supervisor: master {first} exited with code 0; "
                         r"master \d+ serves", 30)
        assert ns_pid_file(d) not in (None, 1, first)
        assert d.get("/index.html").status == 200
        os.kill(init, signal.SIGTERM)
        assert ns.wait(30) == 0, "PID 1 should end with the last master's status"
        d.wait_error_log(r"supervisor: master \d+ exited with code 0; no master is left")
    finally:
        if ns.poll() is None:
            if init is not None:
                os.kill(init, signal.SIGKILL)  # the namespace goes with it
            ns.kill()
            ns.wait(10)
        err.close()
