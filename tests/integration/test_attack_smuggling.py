"""Request smuggling: ambiguous framing is refused, or read exactly one way.

Every case below is a request whose length could be read more than one
way, followed on the same connection by a second, innocent request for
/smuggled.  forkd must either answer 400 and close (the second request is
never answered), or answer exactly the statuses listed: one reading, the
one RFC 9112 prescribes.  Then the whole corpus goes through HAProxy in
front of forkd, and the requests HAProxy says it forwarded must be exactly
the requests forkd logged: a request forkd saw that HAProxy did not send
would be a desync.
"""

import os
import re
import shutil
import signal
import subprocess
import time
from collections import Counter

from harness import HttpConn, Skip, daemon, free_port, parse_responses, wait_for

SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
POST = b"POST /index.html HTTP/1.1\r\nHost: x\r\n"
CHUNKED = POST + b"Transfer-Encoding: chunked\r\n"
REJECT = "reject"

# (name, bytes, REJECT or the exact statuses forkd must answer)
CORPUS = [
    # Content-Length and Transfer-Encoding together (RFC 9112 6.3: TE wins,
    # but a server may refuse, and we do).
    ("cl-te", POST + b"Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG", REJECT),
    ("te-cl", CHUNKED + b"Content-Length: 4\r\n\r\n5c\r\n" + b"x" * 0x5c + b"\r\n0\r\n\r\n",
     REJECT),
    ("cl-te-zero", POST + b"Content-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
     REJECT),
    # Transfer-Encoding obfuscations
    ("te-xchunked", POST + b"Transfer-Encoding: xchunked\r\n\r\n", REJECT),
    ("te-space-before-colon", POST + b"Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", REJECT),
    ("te-tab-value", POST + b"Transfer-Encoding:\tchunked\r\n\r\n0\r\n\r\n", [405, 404]),
    ("te-twice", CHUNKED + b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", REJECT),
    ("te-chunked-then-x", CHUNKED + b"Transfer-Encoding: x\r\n\r\n0\r\n\r\n", REJECT),
    ("te-list-twice", POST + b"Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", REJECT),
    ("te-identity-last", POST + b"Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
     REJECT),
    ("te-gzip-chunked", POST + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", [405, 404]),
    ("te-mixed-case", POST + b"Transfer-Encoding: cHuNkEd\r\n\r\n0\r\n\r\n", [405, 404]),
    ("te-quoted", POST + b'Transfer-Encoding: "chunked"\r\n\r\n0\r\n\r\n', REJECT),
    ("te-vtab", POST + b"Transfer-Encoding: \x0bchunked\r\n\r\n0\r\n\r\n", REJECT),
    ("te-nul", POST + b"Transfer-Encoding: chunked\x00\r\n\r\n0\r\n\r\n", REJECT),
    ("te-leading-space-line", POST + b" Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", REJECT),
    ("te-underscore", POST + b"Transfer_Encoding: chunked\r\nContent-Length: 0\r\n\r\n",
     [405, 404]),
    # An empty or blank Transfer-Encoding is still a Transfer-Encoding: it
    # must not leave Content-Length to frame the message (RFC 9112 6.3).
    ("te-empty-cl", b"GET /index.html HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n"
     b"Content-Length: 4\r\n\r\nGET ", REJECT),
    ("te-blank-cl", b"GET /index.html HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:   \r\n"
     b"Content-Length: 4\r\n\r\nGET ", REJECT),
    ("cl-te-empty", b"GET /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
     b"Transfer-Encoding:\r\n\r\nGET ", REJECT),
    ("te-empty-twice-cl", b"GET /index.html HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n"
     b"Transfer-Encoding:\r\nContent-Length: 4\r\n\r\nGET ", REJECT),
    ("te-empty-alone", POST + b"Transfer-Encoding:\r\n\r\n", REJECT),
    ("te-chunked-then-empty", CHUNKED + b"Transfer-Encoding:\r\n\r\n0\r\n\r\n", REJECT),
    ("te-empty-http10", b"GET /index.html HTTP/1.0\r\nTransfer-Encoding:\r\n"
     b"Content-Length: 4\r\nConnection: keep-alive\r\n\r\nGET ", REJECT),
    ("te-http10", b"POST /index.html HTTP/1.0\r\nTransfer-Encoding: chunked\r\n"
     b"Connection: keep-alive\r\n\r\n0\r\n\r\n", REJECT),
    ("te-http10-get", b"GET /index.html HTTP/1.0\r\nTransfer-Encoding: chunked\r\n"
     b"Connection: keep-alive\r\n\r\n5\r\nhello\r\n0\r\n\r\n", REJECT),
    # Content-Length variants
    ("cl-duplicate-same", POST + b"Content-Length: 0\r\nContent-Length: 0\r\n\r\n", REJECT),
    ("cl-duplicate-differ", POST + b"Content-Length: 0\r\nContent-Length: 5\r\n\r\nhello",
     REJECT),
    ("cl-list", POST + b"Content-Length: 5, 5\r\n\r\nhello", REJECT),
    ("cl-plus", POST + b"Content-Length: +5\r\n\r\nhello", REJECT),
    ("cl-negative", POST + b"Content-Length: -1\r\n\r\n", REJECT),
    ("cl-hex", POST + b"Content-Length: 0x5\r\n\r\nhello", REJECT),
    ("cl-empty", POST + b"Content-Length: \r\n\r\n", REJECT),
    ("cl-space-inside", POST + b"Content-Length: 1 0\r\n\r\n0123456789", REJECT),
    ("cl-overflow", POST + b"Content-Length: 184467440737095516160\r\n\r\n", REJECT),
    ("cl-trailing-space", POST + b"Content-Length: 5 \r\n\r\nhello", [405, 404]),
    ("cl-leading-zeros", POST + b"Content-Length: 005\r\n\r\nhello", [405, 404]),
    ("cl-on-get", b"GET /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
     [200, 404]),
    # Line folding and stray line ends
    ("obs-fold", POST + b"X-A: a\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", REJECT),
    ("obs-fold-cl", POST + b"Content-Length: 0\r\n 5\r\n\r\nhello", REJECT),
    ("bare-cr-header", POST + b"X-A: a\rTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", REJECT),
    ("bare-cr-end", POST + b"Content-Length: 0\r\n\r\r\n", REJECT),
    ("bare-lf-header", POST + b"X-A: a\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", REJECT),
    ("bare-lf-request", b"GET /index.html HTTP/1.1\nHost: x\n\n", REJECT),
    ("bare-lf-end", POST + b"Content-Length: 0\r\n\n", REJECT),
    ("header-name-empty", POST + b": x\r\nContent-Length: 0\r\n\r\n", REJECT),
    # Chunk framing tricks
    ("chunk-ext", CHUNKED + b"\r\n5;a=b\r\nhello\r\n0\r\n\r\n", [405, 404]),
    ("chunk-ext-quoted", CHUNKED + b'\r\n5;a="b;c"\r\nhello\r\n0\r\n\r\n', [405, 404]),
    ("chunk-leading-zeros", CHUNKED + b"\r\n0005\r\nhello\r\n0\r\n\r\n", [405, 404]),
    ("chunk-hex-prefix", CHUNKED + b"\r\n0x5\r\nhello\r\n0\r\n\r\n", REJECT),
    ("chunk-size-space", CHUNKED + b"\r\n5 \r\nhello\r\n0\r\n\r\n", REJECT),
    ("chunk-size-negative", CHUNKED + b"\r\n-5\r\nhello\r\n0\r\n\r\n", REJECT),
    ("chunk-size-overflow", CHUNKED + b"\r\n10000000000000005\r\nhello\r\n0\r\n\r\n", REJECT),
    ("chunk-size-bare-lf", CHUNKED + b"\r\n5\nhello\r\n0\r\n\r\n", REJECT),
    ("chunk-data-no-crlf", CHUNKED + b"\r\n5\r\nhelloXX0\r\n\r\n", REJECT),
    ("chunk-data-bare-lf", CHUNKED + b"\r\n5\r\nhello\n0\r\n\r\n", REJECT),
    ("chunk-data-too-long", CHUNKED + b"\r\n3\r\nhello\r\n0\r\n\r\n", REJECT),
    ("chunk-last-no-crlf", CHUNKED + b"\r\n0\r\nX", REJECT),
    ("chunk-trailer-cl", CHUNKED + b"\r\n0\r\nContent-Length: 5\r\n\r\n", [405, 404]),
    # Trailers are discarded unread, so a fold there cannot change a length
    # (RFC 9112 5.2 allows replacing it with a space).
    ("chunk-trailer-fold", CHUNKED + b"\r\n0\r\nX: a\r\n b\r\n\r\n", [405, 404]),
]
# POST and CHUNKED leave the header block open: each case ends it itself.

SENTINEL = b"GET /sentinel HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


def exchange(port, data, timeout=3.0):
    """Send data; read until the server closes or goes quiet.  Returns
    (responses, closed, raw bytes)."""
    with HttpConn(port, timeout=timeout) as c:
        try:
            c.send(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        deadline = time.monotonic() + timeout
        for _ in range(10000):
            if not c.recv_some(min(deadline, time.monotonic() + 0.5)):
                break
        got, _ = parse_responses(c.buf, eof=c.eof)
        return got, c.eof, c.buf


def check_case(port, name, data, expect):
    """An error string, or None when forkd read the case as it must."""
    got, closed, raw = exchange(port, data + SMUGGLED)
    statuses = [r.status for r in got]
    if expect == REJECT:
        if statuses != [400] or not closed:
            return f"{name}: want one 400 and a close, got {statuses} closed={closed} {raw[:120]!r}"
    elif statuses != expect:
        return f"{name}: want {expect}, got {statuses} closed={closed} {raw[:120]!r}"
    return None


REQUEST_IN_LOG = re.compile(r'"([A-Z]+ \S+) HTTP/1\.[01]"')


def logged_requests(lines):
    """Counter of "METHOD target" from access-log (or HAProxy log) lines."""
    out = Counter()
    for line in lines:
        m = REQUEST_IN_LOG.search(line)
        out[m.group(1) if m else "-"] += 1
    return out


@daemon(server={"client_header_timeout": "2s", "client_body_timeout": "2s"})
def test_smuggling_corpus_direct(d):
    workers = sorted(d.workers())
    errors = [e for name, data, expect in CORPUS if (e := check_case(d.port, name, data, expect))]
    assert not errors, f"{len(errors)} of {len(CORPUS)} cases misread:\n" + "\n".join(errors)
    # Nothing was smuggled, and every response is one access-log line.
    answered = sum(1 if e == REJECT else len(e) for _, _, e in CORPUS)
    lines = d.wait_access_log(answered)
    time.sleep(1.2)  # a line too many would arrive with the next flush
    lines = d.access_log()
    assert len(lines) == answered, f"{len(lines)} log lines for {answered} responses"
    smuggled = sum(1 for _, _, e in CORPUS if e != REJECT)
    assert logged_requests(lines)["GET /smuggled"] == smuggled, logged_requests(lines)
    assert sorted(d.workers()) == workers, "a worker died"


@daemon(server={"client_body_timeout": "2s"})
def test_chunk_terminator_split_across_reads(d):
    """The CRLF after chunk data is checked even when it arrives in pieces:
    the two bytes llhttp used to skip unseen (regression).  A GET, whose
    body forkd reads before answering (a POST is answered at once)."""
    head = b"GET /index.html HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"
    good = [[head, b"lo", b"\r", b"\n0\r\n\r\n" + SMUGGLED],
            [head + b"lo\r", b"\n0\r\n\r\n" + SMUGGLED]]
    bad = [[head, b"lo", b"X", b"\n0\r\n\r\n" + SMUGGLED],
           [head + b"lo\r", b"X0\r\n\r\n" + SMUGGLED],
           [head + b"lo", b"XX0\r\n\r\n" + SMUGGLED]]
    for parts, want in [(p, [200, 404]) for p in good] + [(p, [400]) for p in bad]:
        with d.conn() as c:
            for part in parts:
                c.send(part)
                time.sleep(0.05)
            got = c.responses(len(want))
            assert [r.status for r in got] == want, (parts, got)
            if want == [400]:
                assert c.closed_by_server(), parts


# ---- the same corpus through HAProxy ----

HAPROXY_CFG = """
global
    maxconn 500
    log stdout format raw local0
defaults
    mode http
    log global
    log-format "%b/%s %ST \\"%HM %HU %HV\\""
    timeout connect 2s
    timeout client 2s
    timeout server 5s
    timeout http-request 2s
    timeout http-keep-alive 2s
frontend fe
    bind 127.0.0.1:{port}
    default_backend be
backend be
    http-reuse always
    server s1 127.0.0.1:{backend} maxconn 4
"""


def start_haproxy(d, hport):
    cfg = d.path("haproxy.cfg")
    with open(cfg, "w") as f:
        f.write(HAPROXY_CFG.format(port=hport, backend=d.port))
    log = open(d.path("haproxy.log"), "wb")
    proc = subprocess.Popen(["haproxy", "-f", cfg, "-db"], stdin=subprocess.DEVNULL,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    return proc


@daemon(timeout=120, server={"client_header_timeout": "2s", "client_body_timeout": "2s"})
def test_smuggling_corpus_through_haproxy(d):
    if shutil.which("haproxy") is None:
        raise Skip("haproxy is not installed")
    hport = free_port()
    hap = start_haproxy(d, hport)
    try:
        wait_for(lambda: exchange(hport, SENTINEL, 2)[0], 10, what="haproxy to serve")
        for _, data, _ in CORPUS:
            exchange(hport, data + SMUGGLED + SENTINEL, timeout=3)
        # The proxy's log is line-buffered stdout; forkd flushes each second.
        time.sleep(1.5)
    finally:
        os.kill(hap.pid, signal.SIGTERM)
        try:
            hap.wait(5)
        except subprocess.TimeoutExpired:
            os.kill(hap.pid, signal.SIGKILL)
            hap.wait(5)
    with open(d.path("haproxy.log"), errors="replace") as f:
        proxy_lines = [line for line in f if line.startswith("be/")]
    forwarded = [line for line in proxy_lines if not line.startswith("be/<NOSRV>")]
    want = logged_requests(forwarded)
    got = logged_requests(d.access_log())
    assert got == want, (f"forkd logged {sum(got.values())} requests, HAProxy forwarded "
                         f"{sum(want.values())}; only at forkd: {got - want}, only at "
                         f"HAProxy: {want - got}")
    # The probe plus, at least, each case's innocent requests: the run did
    # exercise the backend.
    assert sum(got.values()) >= len(CORPUS) // 2, (got, proxy_lines[:5])
