"""Smaller truths: the status document's balance ratio before there is data,
socket activation with the wrong accept_mode, "listening on" for inherited
sockets, and a failing `forkd -d` start that says why on the terminal."""

import json
import os
import shutil
import signal
import socket
import subprocess

from harness import INDEX_HTML, Skip, daemon, wait_for

STATUS = {"status_path": "/status"}


def status_doc(d):
    resp = d.get("/status")
    assert resp.status == 200, resp
    return json.loads(resp.body)


@daemon(server=STATUS)
def test_status_balance_without_data_is_null_with_note(d):
    """Two fresh workers: at most one has served the /status request, so
    there is no ratio yet (it was 0.000, which reads as a perfect imbalance)."""
    balance = status_doc(d)["balance"]
    assert balance["min_requests"] == 0, balance
    assert balance["ratio"] is None, balance
    assert "not enough data" in balance["note"], balance
    text = d.get("/status?format=prometheus").body.decode()
    assert "\nforkd_balance_ratio NaN\n" in text, text


@daemon(server=STATUS, workers=1)
def test_status_balance_with_data_is_a_number(d):
    for _ in range(3):
        assert d.get("/index.html").status == 200
    balance = wait_for(lambda: (b := status_doc(d)["balance"])["min_requests"] > 0 and b, 5,
                       what="requests counted")
    assert balance["ratio"] == 1.0 and "note" not in balance, balance
    text = d.get("/status?format=prometheus").body.decode()
    assert "\nforkd_balance_ratio 1.000\n" in text, text


def _poke(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def socket_activate(d):
    """forkd under systemd-socket-activate (one inherited socket, no
    SO_REUSEPORT on it); the Popen, its stderr in d.path("activate.err")."""
    tool = shutil.which("systemd-socket-activate")
    if tool is None:
        raise Skip("systemd-socket-activate is not installed")
    d.write_config()
    err = open(d.path("activate.err"), "wb")
    proc = subprocess.Popen([tool, "-l", f"127.0.0.1:{d.port}", d.binary, "-c", d.conf_path],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=err, env=d.env(), start_new_session=True)
    err.close()
    d.proc, d.pid = proc, proc.pid
    return proc


def end(proc):
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(10)


@daemon(start=False, timeout=60)
def test_socket_activation_with_reuseport_says_what_to_do(d):
    """The default accept_mode = reuseport cannot use a socket systemd bound
    without ReusePort=yes: the error must say so, not just EADDRINUSE."""
    proc = socket_activate(d)
    try:
        # The tool starts forkd at the first connection.
        wait_for(lambda: _poke(d.port), 5, what="the socket to be listening")
        wait_for(lambda: proc.poll() is not None, 10, what="forkd to refuse to start")
        log = d.error_log()
        assert "ReusePort=yes" in log and "accept_mode = shared" in log, log
    finally:
        end(proc)


@daemon(start=False, timeout=60, top={"accept_mode": "shared"})
def test_socket_activation_logs_listening_on_inherited(d):
    proc = socket_activate(d)
    try:
        wait_for(lambda: _poke(d.port), 5, what="the socket to be listening")
        d.wait_ready()
        assert d.get("/index.html").body == INDEX_HTML
        line = d.wait_error_log(r"listening on http://127\.0\.0\.1:%d/[^\n]*" % d.port).group(0)
        assert "inherited" in line, line
    finally:
        end(proc)


@daemon(start=False)
def test_detached_start_failure_reaches_the_terminal(d):
    """forkd -d with error_log a file, whose start fails (the port is
    taken): the reason is on stderr as well as in the error log."""
    with socket.socket() as busy:
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        busy.bind(("127.0.0.1", d.port))
        busy.listen(1)
        d.write_config()
        r = subprocess.run([d.binary, "-d", "-c", d.conf_path], capture_output=True,
                           text=True, errors="replace", timeout=20, env=d.env(),
                           stdin=subprocess.DEVNULL)
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert "Address already in use" in d.error_log(), d.error_log()
    assert "cannot start" in r.stderr and "Address already in use" in r.stderr, r.stderr
