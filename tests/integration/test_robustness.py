"""Garbage on the wire never crashes a worker."""

import random
import time
from concurrent.futures import ThreadPoolExecutor

from harness import INDEX_HTML, HttpConn, daemon, parse_responses, req

SEED = 20261123
COUNT = 200


def garbage(rng):
    """One nasty request, from a handful of shapes."""
    def noise(n):
        return bytes(rng.randrange(256) for _ in range(n))

    def token(n):
        return "".join(rng.choice("GETPOSHAD/%.:-_~?#&= \t\\0123456789abcdefxyz")
                       for _ in range(n)).encode()
    shape = rng.randrange(10)
    if shape == 0:
        return noise(rng.randrange(1, 2000))
    if shape == 1:
        return token(rng.randrange(1, 300)) + b"\r\n\r\n"
    if shape == 2:
        return b"GET /" + noise(rng.randrange(1, 300)) + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    if shape == 3:
        return b"GET / HTTP/1.1\r\n" + noise(rng.randrange(1, 500)) + b"\r\n\r\n"
    if shape == 4:
        return b"GET /" + b"a" * rng.randrange(5000, 70000) + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    if shape == 5:
        return (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * rng.randrange(5000, 70000)
                + b"\r\n\r\n")
    if shape == 6:
        return b"GET /" + rng.choice([b"%", b"%4", b"%zz", b"%%%", b"%00", b"%c0%ae"]) \
            + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    if shape == 7:
        return (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                rng.choice([b"-1", b"99999999999999999999", b"abc", b"5, 6"]) +
                b"\r\nTransfer-Encoding: " + rng.choice([b"chunked", b"gzip", b"x"]) +
                b"\r\n\r\n" + noise(rng.randrange(0, 64)))
    if shape == 8:
        return b"GET / HTTP/1.1\r\n" + b"H: v\r\n" * rng.randrange(100, 3000) + b"\r\n"
    return (rng.choice([b"GET", b"HEAD", b"get", b"PRI", b"CONNECT"]) + b" " +
            rng.choice([b"*", b"/", b"http://x/", b"", b"/\x00"]) + b" " +
            rng.choice([b"HTTP/1.1", b"HTTP/9.9", b"HTTP/1.", b"HTTP/1.1\n", b"FTP/1.0", b""]) +
            b"\r\n" + noise(rng.randrange(0, 40)) + b"\r\n\r\n")


def send_garbage(port, data):
    """Send; read until the server answers or closes.  Returns an error
    string, or None when the outcome is acceptable."""
    try:
        with HttpConn(port, timeout=5) as c:
            try:
                c.send(data)
            except (BrokenPipeError, ConnectionResetError):
                return None  # the server gave up on us first: fine
            deadline = time.monotonic() + 5
            for _ in range(10000):
                responses, _ = parse_responses(c.buf, eof=c.eof)
                if responses or c.eof or not c.recv_some(deadline):
                    break
            if not responses and not c.eof:
                return f"neither answered nor closed: {data[:60]!r}"
            for resp in responses:
                if resp.status >= 500 and resp.status not in (501, 505):
                    return f"{resp.status} for {data[:60]!r}"
    except OSError as exc:
        return f"{exc!r} for {data[:60]!r}"
    except AssertionError as exc:  # unparsable response
        return f"{exc} for {data[:60]!r}"
    return None


@daemon(server={"client_header_timeout": "1s"})
def test_random_garbage(d):
    workers = sorted(d.workers())
    rng = random.Random(SEED)
    requests = [garbage(rng) for _ in range(COUNT)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        errors = [e for e in pool.map(lambda data: send_garbage(d.port, data), requests) if e]
    assert not errors, f"{len(errors)} bad outcomes (seed {SEED}): {errors[:5]}"
    resp = d.get("/index.html")
    assert resp.status == 200 and resp.body == INDEX_HTML, resp
    assert sorted(d.workers()) == workers, f"workers changed: {workers} -> {d.workers()}"
    assert d.running()


@daemon(server={"client_header_timeout": "1s"})
def test_header_timeout_closes_unfinished_request(d):
    for attempt in range(3):
        with HttpConn(d.port, timeout=5) as c:
            t0 = time.monotonic()
            c.send(b"GET / HTTP/1.1\r\nHost: x\r\n")  # never finished
            assert c.read_until_close(timeout=4) is not None, \
                "server waited more than 4s for a 1s header timeout"
            took = time.monotonic() - t0
            assert 0.5 < took < 3, f"attempt {attempt}: closed after {took:.3f}s, timeout 1s"
    assert d.get("/").status == 200


@daemon(server={"client_header_timeout": "1s"})
def test_request_sent_within_header_timeout_is_served(d):
    """A client that connects and sends its request 0.3 s later (well
    within the 1 s client_header_timeout) gets its answer."""
    outcomes = []
    for attempt in range(8):
        with HttpConn(d.port, timeout=5) as c:
            time.sleep(0.3)
            try:
                c.send(req("GET", "/index.html"))
                resp = c.response()
                outcomes.append(resp.status if resp.body == INDEX_HTML else "bad body")
            except (OSError, AssertionError) as exc:
                outcomes.append(type(exc).__name__)
    assert outcomes == [200] * 8, f"outcomes of 8 slow requests: {outcomes}"


def test_oversized_header_431_and_long_uri_414(d):
    r = d.raw(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 70000 + b"\r\n\r\n", n=1)
    assert r.responses and r.responses[0].status == 431, r.data[:200]
    r = d.raw(b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", n=1)
    assert r.responses and r.responses[0].status == 414, r.data[:200]
