"""Listeners: IPv6, several server sections, both accept modes."""

import os
import re
import socket

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
