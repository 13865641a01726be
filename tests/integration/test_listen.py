"""Listeners: IPv6, several server sections, both accept modes."""

import os
import re
import shutil
import socket
import subprocess
import time

from harness import INDEX_HTML, Skip, can_bind, curl, daemon, free_port, parametrize


@daemon(start=False)
def test_ipv4_and_ipv6(d):
    if not can_bind("::1"):
        raise Skip("::1 is not available on this machine")
    d.port = free_port("127.0.0.1", also=["::1"])
    d.servers[0]["listen"] = [f"127.0.0.1:{d.port}", f"[::1]:{d.port}"]
    d.start()
    for host in ["127.0.0.1", "::1"]:
        resp = d.get("/index.html", host=host)
        assert resp.status == 200 and resp.body == INDEX_HTML, (host, resp)
        r = curl("-o", "/dev/null", "-w", "%{http_code}", d.url("/index.html", host=host))
        assert r.stdout == b"200", (host, r.stdout, r.stderr)
    for url in [f"http://127.0.0.1:{d.port}/", f"http://[::1]:{d.port}/"]:
        d.wait_error_log(re.escape(f"listening on {url}"))


@daemon(start=False)
def test_two_servers_own_roots(d):
    other_port = free_port()
    other_root = d.new_root("www-b", {"index.html": b"<p>server b</p>\n",
                                      "only-b.txt": b"b only\n"})
    d.servers.append({"listen": [f"127.0.0.1:{other_port}"], "root": other_root})
    d.start()
    assert d.get("/").body == INDEX_HTML
    assert d.get("/", port=other_port).body == b"<p>server b</p>\n"
    assert d.get("/only-b.txt", port=other_port).body == b"b only\n"
    assert d.get("/only-b.txt").status == 404


@daemon(start=False)
@parametrize("mode", ["reuseport", "shared"])
def test_accept_mode(d, mode):
    d.top["accept_mode"] = mode
    big = os.urandom(1 << 20)
    d.write_file("one-mib.bin", big)
    d.start()
    for _ in range(20):
        assert d.get("/index.html").body == INDEX_HTML
    resp = d.get("/one-mib.bin")
    assert resp.status == 200 and resp.body == big, resp


@daemon(start=False)
def test_port_in_use_fails_to_start(d):
    with socket.socket() as s:
        s.bind(("127.0.0.1", d.port))
        s.listen()
        d.start(wait=False)
        code = d.wait_exit(10)
    assert code not in (0, None), f"exit status {code} with the port taken"
    assert str(d.port) in d.error_log() + open(d.path("stderr.txt")).read()


def unsent_bytes(port):
    """Bytes queued but not yet sent on the daemon's side of its one
    established connection on port (ss's notsent; absent means 0)."""
    out = subprocess.run(["ss", "-tniH", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True, timeout=5).stdout
    m = re.search(r"notsent:(\d+)", out)
    assert out.strip(), "ss shows no connection"
    return int(m.group(1)) if m else 0


def test_large_response_queues_little_unsent(d):
    """A client that does not read a large response: the daemon's socket
    holds about TCP_NOTSENT_LOWAT (16 KiB, src/listen.c) of unsent bytes,
    not megabytes (doc/DESIGN.md, "Large files: unsent bytes")."""
    if shutil.which("ss") is None:
        raise Skip("ss (iproute2) is not installed")
    d.write_file("big.bin", os.urandom(12 << 20))
    with socket.create_connection(("127.0.0.1", d.port)) as s:
        s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.5)  # the client's window fills; nothing is read
        queued = unsent_bytes(d.port)
    assert queued <= 256 << 10, f"{queued} unsent bytes queued in the socket"


def server_states(port):
    """ss's TCP states of the daemon's side of the open connections to port
    (established, or with the handshake done on the client's side only)."""
    out = subprocess.run(["ss", "-tnaH", f"( sport = :{port} )"],
                         capture_output=True, text=True, timeout=5).stdout
    return [line.split()[0] for line in out.splitlines()
            if line.split() and line.split()[0] in ("ESTAB", "SYN-RECV")]


def silent_connections(port, n):
    return [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(n)]


def ask_all(socks):
    """Send one GET on each socket; the status line each one gets back."""
    for s in socks:
        s.sendall(b"GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    lines = []
    for s in socks:
        try:
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            lines.append(data.split(b"\r\n")[0].decode(errors="replace") or "EOF")
        except OSError as exc:
            lines.append(f"error {exc.strerror}")
    return lines


@daemon(start=False)
@parametrize("defer", ["default", "0"])
def test_defer_accept(d, defer):
    """defer_accept (default 1s): a connection that has sent nothing waits
    in the kernel (SYN-RECV on the server's side) instead of being accepted;
    its request, once sent, is served as usual.  0 accepts at once."""
    if shutil.which("ss") is None:
        raise Skip("ss (iproute2) is not installed")
    if defer != "default":
        d.top["defer_accept"] = defer
    d.start()
    socks = silent_connections(d.port, 3)
    try:
        time.sleep(0.3)
        states = server_states(d.port)
        want = "SYN-RECV" if defer == "default" else "ESTAB"
        assert states == [want] * 3, states
        assert ask_all(socks) == ["HTTP/1.1 200 OK"] * 3
    finally:
        for s in socks:
            s.close()


@daemon(start=False, workers=2)
def test_retired_listener_keeps_silent_connections(d):
    """A reload from 2 workers to 1 retires the second worker's reuseport
    socket.  Connections that reached it before the reload and have sent
    nothing yet sit in its queue (defer_accept): its worker keeps accepting
    until they are handed over, so none of them is reset."""
    d.start()
    socks = silent_connections(d.port, 16)
    try:
        d.top["worker_processes"] = 1
        d.workers_expected = 1
        d.write_config()
        d.reload_ok()
        time.sleep(0.6)  # past the 250 ms a retired socket lingered before
        assert ask_all(socks) == ["HTTP/1.1 200 OK"] * 16
    finally:
        for s in socks:
            s.close()
