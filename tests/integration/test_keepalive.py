"""Persistent connections and pipelining."""

import socket
import time

from harness import INDEX_HTML, daemon, parse_responses, req

FILES = {"a.txt": b"alpha\n", "b.txt": b"bravo bravo\n", "c.txt": b"charlie charlie charlie\n"}


def write_abc(d):
    for name, data in FILES.items():
        d.write_file(name, data)


def test_three_pipelined_requests_in_one_send(d):
    write_abc(d)
    with d.conn() as c:
        c.send(b"".join(req("GET", "/" + name) for name in FILES))
        responses = c.responses(3)
        assert [r.status for r in responses] == [200, 200, 200], responses
        assert [r.body for r in responses] == list(FILES.values()), responses
        # The connection is still usable afterwards.
        c.send(req("GET", "/index.html"))
        assert c.response().body == INDEX_HTML


def test_http10_without_keepalive_closes(d):
    with d.conn() as c:
        c.send(b"GET /index.html HTTP/1.0\r\n\r\n")
        resp = c.response()
        assert resp.status == 200 and resp.body == INDEX_HTML, resp
        assert resp.header("Connection", "close").lower() == "close", resp
        assert c.closed_by_server(3), "server kept an HTTP/1.0 connection open"


def test_http10_with_keepalive_stays_open(d):
    with d.conn() as c:
        for _ in range(2):
            c.send(req("GET", "/index.html", "HTTP/1.0", {"Connection": "keep-alive"}))
            resp = c.response()
            assert resp.status == 200 and resp.body == INDEX_HTML, resp
            assert resp.header("Connection", "").lower() == "keep-alive", resp


def test_http11_connection_close(d):
    with d.conn() as c:
        c.send(req("GET", "/index.html", headers={"Connection": "close"}))
        resp = c.response()
        assert resp.status == 200 and resp.body == INDEX_HTML, resp
        assert resp.header("Connection", "").lower() == "close", resp
        assert c.closed_by_server(3), "server kept the connection open after Connection: close"


def test_100_sequential_requests_one_connection(d):
    write_abc(d)
    names = ["index.html"] + list(FILES)
    expected = [INDEX_HTML] + list(FILES.values())
    with d.conn() as c:
        local = c.sock.getsockname()
        for i in range(100):
            c.send(req("GET", "/" + names[i % 4]))
            resp = c.response()
            assert resp.status == 200 and resp.body == expected[i % 4], (i, resp)
        assert c.sock.getsockname() == local and not c.eof


@daemon(server={"keepalive_requests": 3})
def test_keepalive_requests_limit(d):
    with d.conn() as c:
        c.send(req("GET", "/index.html") * 3)
        responses = c.responses(3)
        assert [r.status for r in responses] == [200] * 3, responses
        assert responses[2].header("Connection", "").lower() == "close", responses[2]
        assert c.closed_by_server(3), "connection open after keepalive_requests"


@daemon(server={"keepalive_timeout": "1s"})
def test_keepalive_timeout_closes_idle_connection(d):
    with d.conn() as c:
        c.send(req("GET", "/index.html"))
        assert c.response().status == 200
        t0 = time.monotonic()
        assert c.closed_by_server(4), "idle connection still open 4s after a 1s keepalive_timeout"
        assert time.monotonic() - t0 > 0.5, "closed long before the keepalive timeout"


@daemon(server={"keepalive_timeout": 0})
def test_keepalive_disabled(d):
    with d.conn() as c:
        c.send(req("GET", "/index.html"))
        resp = c.response()
        assert resp.status == 200 and resp.header("Connection", "").lower() == "close", resp
        assert c.closed_by_server(3)


def test_request_then_half_close(d):
    """A client may shut down its sending side right after the request."""
    for version in ["HTTP/1.1", "HTTP/1.0"]:
        with d.conn() as c:
            c.send(req("GET", "/index.html", version))
            c.sock.shutdown(socket.SHUT_WR)
            data = c.read_until_close(timeout=5)
            assert data is not None, f"{version}: no close within 5s; got {c.buf[:200]!r}"
            responses, rest = parse_responses(data, eof=True)
            assert len(responses) == 1 and not rest, f"{version}: {data[:300]!r}"
            assert responses[0].status == 200 and responses[0].body == INDEX_HTML
