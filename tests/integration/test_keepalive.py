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


def worker_pss_kib(pid):
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    raise AssertionError(f"no Pss for {pid}")


def hold_answered(port, n):
    """n keep-alive connections, each answered once and left open."""
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(req("GET", "/index.html"))
        data = b""
        while not data.endswith(INDEX_HTML):
            chunk = s.recv(65536)
            assert chunk, "closed before the answer"
            data += chunk
        socks.append(s)
    return socks


@daemon(workers=1, top={"worker_connections": 10000})
def test_idle_connection_costs_under_100_bytes(d):
    """An idle keep-alive connection holds no buffer and a 48-byte state:
    8,000 of them grow the worker's Pss by under 100 bytes each (about 50,
    plain or ASan; 128 and 207-296 before the state shrank; the kernel's
    socket memory is not in Pss).  Connections held first warm up what a
    busy worker touches once (a buffer, the file cache).  So many, because
    an ASan worker's Pss moves by up to ~100 KB on its own under load."""
    worker = d.workers()[0]
    count = 8000
    warm = hold_answered(d.port, 50)
    socks = []
    try:
        time.sleep(0.2)
        before = worker_pss_kib(worker)
        socks = hold_answered(d.port, count)
        time.sleep(0.2)
        grown = (worker_pss_kib(worker) - before) * 1024 / count
        assert d.workers() == [worker]
    finally:
        for s in warm + socks:
            s.close()
    print(f"{grown:.1f} bytes a connection")
    assert grown < 100, f"{grown:.0f} bytes of user memory per idle connection"
