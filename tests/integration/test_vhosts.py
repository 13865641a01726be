"""Virtual hosts: servers sharing a listen address, chosen by Host."""

import os
import time

from harness import daemon, parametrize, req


def vhost_setup(d, accept_mode=None):
    """Three servers on d.port: a catch-all (first), one by exact names,
    one by wildcard; a fourth address served by the named one alone."""
    roots = {name: d.new_root(name, {"who.txt": name.encode() + b"\n"})
             for name in ("first", "named", "wild")}
    listen = [f"127.0.0.1:{d.port}"]
    d.servers = [
        {"listen": listen, "root": roots["first"], "access_log": d.path("first.log")},
        {"listen": listen, "root": roots["named"], "access_log": d.path("named.log"),
         "server_name": ["www.example.com", "example.com"]},
        {"listen": listen, "root": roots["wild"], "server_name": ["*.example.com"]},
    ]
    if accept_mode:
        d.top["accept_mode"] = accept_mode
    d.start()


def who(d, host, target="/who.txt", version="HTTP/1.1"):
    r = d.raw(req("GET", target, version, headers={"Connection": "close"}, host=host), n=1)
    assert len(r.responses) == 1, (host, r.data[:200])
    resp = r.responses[0]
    assert resp.status == 200, (host, resp)
    return resp.body.decode().strip()


@parametrize("mode", ["reuseport", "handoff"])
@daemon(start=False)
def test_host_picks_the_server(d, mode):
    vhost_setup(d, mode)
    cases = [("www.example.com", "named"), ("EXAMPLE.COM", "named"),
             ("example.com:8080", "named"), ("example.com.", "named"),
             ("a.example.com", "wild"), ("a.b.example.com", "wild"),
             ("example.org", "first"), ("127.0.0.1", "first"),
             ("wwwexample.com", "first")]
    for host, want in cases:
        assert who(d, host) == want, host


@daemon(start=False)
def test_absolute_form_authority_wins_over_host(d):
    vhost_setup(d)
    assert who(d, "example.org", "http://www.example.com/who.txt") == "named"
    assert who(d, "www.example.com", "http://other.test/who.txt") == "first"


@daemon(start=False)
def test_http10_without_host_gets_the_default(d):
    vhost_setup(d)
    r = d.raw(b"GET /who.txt HTTP/1.0\r\n\r\n", n=1)
    assert r.responses[0].status == 200 and r.responses[0].body == b"first\n", r.data[:200]


@daemon(start=False)
def test_each_request_on_a_connection_picks_again(d):
    vhost_setup(d)
    with d.conn() as c:
        c.send(req("GET", "/who.txt", host="x.example.com") +
               req("GET", "/who.txt", host="example.com") +
               req("GET", "/who.txt", host="nowhere.test"))
        bodies = [r.body for r in c.responses(3)]
    assert bodies == [b"wild\n", b"named\n", b"first\n"], bodies


@daemon(start=False)
def test_access_log_of_the_chosen_server(d):
    vhost_setup(d)
    who(d, "example.com", "/who.txt?named")
    who(d, "elsewhere.test", "/who.txt?first")
    named = d.wait_access_log(1, path=d.path("named.log"))
    first = d.wait_access_log(1, path=d.path("first.log"))
    assert len(named) == 1 and "?named" in named[0], named
    assert len(first) == 1 and "?first" in first[0], first


@daemon(start=False)
def test_default_server_marker(d):
    a = d.new_root("a", {"who.txt": b"a\n"})
    b = d.new_root("b", {"who.txt": b"b\n"})
    listen = [f"127.0.0.1:{d.port}"]
    d.servers = [{"listen": listen, "root": a, "server_name": ["a.test"]},
                 {"listen": listen, "root": b, "server_name": ["b.test"],
                  "default_server": True}]
    d.start()
    assert who(d, "a.test") == "a"
    assert who(d, "b.test") == "b"
    assert who(d, "c.test") == "b"


@daemon(start=False)
def test_unnamed_second_server_on_one_address_is_refused(d):
    listen = [f"127.0.0.1:{d.port}"]
    d.servers = [{"listen": listen, "root": d.root},
                 {"listen": listen, "root": d.root}]
    d.write_config()
    r = d.run("-t")
    assert r.returncode == 1, r
    assert "same address as" in r.stderr and "server_name" in r.stderr, r.stderr


VHOSTS = 4000


@daemon(start=False, workers=1)
def test_thousands_of_vhosts_load_fast_and_pick_right(d):
    """4,000 servers on one address load in linear time (it was quadratic:
    about 10 s for `-t`), each Host is a hash probe whatever its place in
    the file, and servers that share a root share one descriptor."""
    roots = {name: d.new_root(name, {"who.txt": name.encode() + b"\n"})
             for name in ("first", "mid", "last", "wild")}
    listen = [f"127.0.0.1:{d.port}"]
    d.servers = [{"listen": listen, "server_name": [f"h{i}.test"],
                  "root": roots["first" if i == 0 else
                                "last" if i == VHOSTS - 1 else "mid"]}
                 for i in range(VHOSTS)]
    d.servers.append({"listen": listen, "root": roots["wild"],
                      "server_name": ["*.wild.test"]})
    d.write_config()
    t0 = time.monotonic()
    r = d.run("-t", timeout=60)
    took = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    assert took < 5.0, f"-t of {VHOSTS} servers took {took:.1f}s"
    d.start()
    cases = [("h0.test", "first"), ("H3999.TEST.", "last"),
             ("h2000.test", "mid"), ("a.b.wild.test", "wild"),
             ("wild.test", "first"), ("h4000.test", "first")]
    for host, want in cases:
        assert who(d, host) == want, host
    for pid in d.workers():
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        assert fds < 100, f"worker {pid} holds {fds} descriptors"
