#!/usr/bin/env python3
"""Write the seed corpora of the fuzz harnesses (see README).

    python3 tests/fuzz/seeds.py        # rewrites corpus-conn/ and corpus-path/

The files are committed; this script says what each one is.  A conn seed is
two flag bytes (fuzz_conn.c, struct variant) and then what the client sends,
with SPLIT where the harness writes one chunk and processes it before the
next; an empty chunk (SPLIT SPLIT) advances the clock by one second.
"""
import os
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SPLIT = b"\xfe\xff"
TICK = SPLIT + SPLIT

# byte 0
PROXY, XFF, FORWARDED, NO_KA, FEW_REQ, DRAIN, SMALL_BUF, LAZY = (
    0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80)
# byte 1
LOG_COMBINED, LOG_JSON, LOG_CUSTOM = 0x01, 0x02, 0x03
PEER_V6, PEER_OTHER, PEER_MAPPED = 0x04, 0x08, 0x0c
ABRUPT = 0x10


def req(line, *headers, body=b"", host=b"x"):
    head = line + b"\r\n"
    if host is not None:
        head += b"Host: " + host + b"\r\n"
    for h in headers:
        head += h + b"\r\n"
    return head + b"\r\n" + body


def get(target, *headers, **kw):
    return req(b"GET " + target + b" HTTP/1.1", *headers, **kw)


def conn(f0=0, f1=LOG_COMBINED, *parts):
    return bytes([f0, f1]) + SPLIT.join(parts)


def proxy_v2(src=b"\x01\x02\x03\x04", dst=b"\x05\x06\x07\x08", cmd=0x21,
             fam=0x11, extra=b""):
    addrs = src + dst + struct.pack(">HH", 1234, 80) + extra
    return (b"\r\n\r\n\x00\r\nQUIT\n" + bytes([cmd, fam]) +
            struct.pack(">H", len(addrs)) + addrs)


CONN = {
    # ---- realistic ----
    "get-root": conn(0, LOG_COMBINED, get(b"/")),
    "head-index": conn(0, LOG_JSON, req(b"HEAD /index.html HTTP/1.1")),
    "keepalive-pair": conn(0, LOG_CUSTOM,
                           get(b"/index.html", b"User-Agent: curl/8.0",
                               b"Referer: http://x/") + get(b"/sub/")),
    "pipelined-big": conn(SMALL_BUF, LOG_COMBINED,
                          get(b"/big.bin") + get(b"/edge.bin") +
                          req(b"HEAD /big.bin HTTP/1.1") + get(b"/empty.txt")),
    "range-single": conn(0, LOG_COMBINED, get(b"/big.bin", b"Range: bytes=0-99")),
    "range-suffix-open": conn(0, LOG_JSON,
                              get(b"/big.bin", b"Range: bytes=-500") +
                              get(b"/big.bin", b"Range: bytes=102000-")),
    "range-multi": conn(SMALL_BUF, LOG_COMBINED,
                        get(b"/big.bin", b"Range: bytes=0-0,10-20,-5,50000-")),
    "range-unsatisfiable": conn(0, LOG_COMBINED,
                                get(b"/index.html", b"Range: bytes=999999-")),
    "if-range": conn(0, LOG_COMBINED,
                     get(b"/big.bin", b"Range: bytes=5-9",
                         b'If-Range: "0-0"') +
                     get(b"/big.bin", b"Range: bytes=5-9",
                         b"If-Range: Sun, 06 Nov 1994 08:49:37 GMT")),
    "conditional": conn(0, LOG_COMBINED,
                        get(b"/index.html", b'If-None-Match: W/"a", "b", *') +
                        get(b"/index.html",
                            b"If-Modified-Since: Sun, 06 Nov 2094 08:49:37 GMT") +
                        get(b"/index.html", b'If-Match: "nope"') +
                        get(b"/index.html",
                            b"If-Unmodified-Since: Sunday, 06-Nov-94 08:49:37 GMT")),
    "chunked-body": conn(0, LOG_COMBINED,
                         req(b"POST /index.html HTTP/1.1",
                             b"Transfer-Encoding: chunked",
                             body=b"5;ext=1\r\nhello\r\n0\r\nTrailer: x\r\n\r\n") +
                         get(b"/")),
    "content-length-body": conn(0, LOG_COMBINED,
                                req(b"GET / HTTP/1.1", b"Content-Length: 5",
                                    body=b"hello") + get(b"/style.css")),
    "absolute-form": conn(0, LOG_COMBINED,
                          req(b"GET http://x/sub/?q=1 HTTP/1.1") +
                          req(b"GET https://x HTTP/1.1")),
    "http10": conn(0, LOG_COMBINED,
                   req(b"GET /index.html HTTP/1.0", b"Connection: keep-alive",
                       host=None) +
                   req(b"GET / HTTP/1.0", host=None)),
    "dir-redirect": conn(0, LOG_COMBINED,
                         get(b"/sub?x=1&y=%20") + get(b"/sub/noindex/") +
                         get(b"/sub/htm/") + get(b"/a%20b%25.txt") +
                         get(b"/%C3%BCn%C3%AFcode.txt")),
    "expect-continue": conn(0, LOG_COMBINED,
                            req(b"GET /index.html HTTP/1.1", b"Expect: 100-continue",
                                b"Content-Length: 3"), b"abc" + get(b"/")),
    "methods": conn(0, LOG_COMBINED,
                    req(b"OPTIONS * HTTP/1.1") + req(b"DELETE / HTTP/1.1")),
    "method-unknown": conn(0, LOG_COMBINED, req(b"BREW /pot HTTP/1.1")),
    "accept-encoding": conn(0, LOG_COMBINED,
                            get(b"/index.html", b"Accept-Encoding: gzip, br;q=0.5")),
    "status-endpoints": conn(XFF, LOG_JSON,
                             get(b"/status?format=prometheus",
                                 b"X-Forwarded-For: 10.0.0.1, 127.0.0.5") +
                             get(b"/status?format=stub") + get(b"/status") +
                             get(b"/health")),
    "status-forwarded": conn(FORWARDED, LOG_CUSTOM | PEER_V6,
                             get(b"/status?format=json",
                                 b'Forwarded: for="[2001:db8::1]:80";proto=http, for=127.0.0.1')),
    "status-refused": conn(0, LOG_COMBINED | PEER_OTHER,
                           get(b"/status") + get(b"/health")),
    "proxy-v1": conn(PROXY, LOG_COMBINED,
                     b"PROXY TCP4 192.0.2.1 198.51.100.2 56324 80\r\n" + get(b"/")),
    "proxy-v2": conn(PROXY, LOG_JSON | PEER_MAPPED, proxy_v2() + get(b"/health")),
    "split-everywhere": conn(0, LOG_COMBINED, b"GE", b"T / HT", b"TP/1.1\r\nHo",
                             b"st: x\r\n\r", b"\n", b"GET /sub/ HTTP/1.1\r\n",
                             b"Host: x\r\n\r\n"),
    "header-timeout": conn(0, LOG_COMBINED, b"GET / HTTP/1.1\r\nHost: x\r\n",
                           b"", b"", b"", b"\r\n"),
    "keepalive-timeout": conn(0, LOG_COMBINED, get(b"/"), b"", b"", b"", b"",
                              get(b"/")),
    "send-timeout": conn(SMALL_BUF | LAZY, LOG_COMBINED,
                         get(b"/big.bin"), b"", b"", b""),
    "lazy-many": conn(SMALL_BUF | LAZY, LOG_COMBINED | ABRUPT,
                      get(b"/big.bin") * 4),
    "drain": conn(DRAIN, LOG_COMBINED, get(b"/"), get(b"/health")),
    "few-requests": conn(FEW_REQ, LOG_COMBINED, get(b"/") * 5),
    "no-keepalive": conn(NO_KA, LOG_COMBINED, get(b"/") + get(b"/")),
    "connection-close": conn(0, LOG_COMBINED | ABRUPT,
                             get(b"/", b"Connection: close") + get(b"/")),
    "empty-lines-first": conn(0, LOG_COMBINED, b"\r\n\r\n" + get(b"/")),
    # ---- hostile ----
    "smuggle-cl-te": conn(0, LOG_COMBINED,
                          req(b"POST / HTTP/1.1", b"Content-Length: 6",
                              b"Transfer-Encoding: chunked",
                              body=b"0\r\n\r\nGET /admin HTTP/1.1\r\nHost: x\r\n\r\n")),
    "smuggle-te-identity": conn(0, LOG_COMBINED,
                                req(b"POST / HTTP/1.1",
                                    b"Transfer-Encoding: chunked, identity",
                                    body=b"0\r\n\r\n") + get(b"/")),
    "smuggle-te-obsfold": conn(0, LOG_COMBINED,
                               req(b"POST / HTTP/1.1", b"Transfer-Encoding:",
                                   b" chunked", body=b"0\r\n\r\n")),
    "duplicate-cl": conn(0, LOG_COMBINED,
                         req(b"POST / HTTP/1.1", b"Content-Length: 3",
                             b"Content-Length: 4", body=b"abcd") + get(b"/")),
    "cl-comma": conn(0, LOG_COMBINED,
                     req(b"POST / HTTP/1.1", b"Content-Length: 3, 3", body=b"abc")),
    "space-before-colon": conn(0, LOG_COMBINED,
                               req(b"GET / HTTP/1.1", b"Transfer-Encoding : chunked")),
    "bare-lf": conn(0, LOG_COMBINED, b"GET / HTTP/1.1\nHost: x\n\nGET /sub/ HTTP/1.1\nHost: x\n\n"),
    "bare-cr": conn(0, LOG_COMBINED, b"GET / HTTP/1.1\rHost: x\r\n\r\n"),
    "bare-cr-end": conn(0, LOG_COMBINED, b"GET / HTTP/1.1\r\nHost: x\r\n\r" + get(b"/")),
    "nul-bytes": conn(0, LOG_COMBINED,
                      get(b"/index.html\x00.txt") + get(b"/%00") +
                      get(b"/", b"User-Agent: a\x00b")),
    "huge-chunk": conn(0, LOG_COMBINED,
                       req(b"POST / HTTP/1.1", b"Transfer-Encoding: chunked",
                           body=b"ffffffffffffffffffff\r\nabc\r\n0\r\n\r\n")),
    "chunk-over-limit": conn(0, LOG_COMBINED,
                             req(b"POST / HTTP/1.1", b"Transfer-Encoding: chunked",
                                 body=b"200000\r\n") + b"a" * 4000),
    "cl-over-limit": conn(0, LOG_COMBINED,
                          req(b"POST / HTTP/1.1", b"Content-Length: 99999999999")),
    # 400 closes the connection: the requests that earn one come last.
    "traversal-links": conn(0, LOG_COMBINED,
                            get(b"/sub/escape.txt") + get(b"/abs.txt") +
                            get(b"/absdir/secret.txt") + get(b"/sub/up/up/link.html") +
                            get(b"/loop") + get(b"/dangling") + get(b"/fifo") +
                            get(b"/.hidden") + get(b"/index.html/") +
                            get(b"//sub//./index.html") + get(b"/sub/%2e%2e/abs.txt")),
    "traversal-dotdot": conn(0, LOG_COMBINED,
                             get(b"/sub/..%2f..%2fetc/passwd") +
                             get(b"/%2e%2e/%2e%2e/etc/passwd")),
    "traversal-raw": conn(0, LOG_COMBINED, get(b"/../../etc/passwd")),
    "bad-escape": conn(0, LOG_COMBINED, get(b"/%zz")),
    "host-duplicate": conn(0, LOG_COMBINED, req(b"GET / HTTP/1.1", b"Host: y")),
    "host-missing": conn(0, LOG_COMBINED, req(b"GET / HTTP/1.1", host=None)),
    "versions": conn(0, LOG_COMBINED, req(b"GET / HTTP/2.0") + get(b"/")),
    "version-junk": conn(0, LOG_COMBINED, b"GET / HTTP/1.1 junk\r\nHost: x\r\n\r\n"),
    "long-target": conn(0, LOG_COMBINED, get(b"/" + b"a" * 9000)),
    "long-header": conn(0, LOG_COMBINED, get(b"/", b"X-Big: " + b"b" * 9000)),
    "long-path-ok": conn(0, LOG_COMBINED, get(b"/" + b"a/" * 1000 + b"../" * 1000)),
    "upgrade": conn(0, LOG_COMBINED,
                    get(b"/", b"Connection: Upgrade", b"Upgrade: websocket") +
                    get(b"/")),
    "bad-then-pipelined": conn(0, LOG_COMBINED,
                               b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n" +
                               get(b"/index.html")),
    "many-ranges": conn(0, LOG_COMBINED,
                        get(b"/big.bin", b"Range: bytes=" +
                            b",".join(b"%d-%d" % (i, i) for i in range(0, 600, 2)))),
    "range-junk": conn(0, LOG_COMBINED,
                       get(b"/big.bin", b"Range: bytes=--1") +
                       get(b"/big.bin", b"Range: bytes=1-0") +
                       get(b"/big.bin", b"Range: bytes= 0-1 , 3-4") +
                       get(b"/big.bin", b"Range: bytes=18446744073709551615-") +
                       get(b"/big.bin", b"Range: bytes=0-18446744073709551616") +
                       get(b"/big.bin", b"Range: items=0-1")),
    "etag-list-long": conn(0, LOG_COMBINED,
                           get(b"/index.html", b"If-None-Match: " +
                               b", ".join(b'"%d"' % i for i in range(600)))),
    "date-junk": conn(0, LOG_COMBINED,
                      get(b"/index.html", b"If-Modified-Since: Sun, 31 Feb 1969 25:61:61 GMT") +
                      get(b"/index.html", b"If-Unmodified-Since: Thu Jan  1 00:00:00 1970")),
    "xff-junk": conn(XFF, LOG_CUSTOM,
                     get(b"/status", b"X-Forwarded-For: [::1], 300.1.1.1, , ::ffff:127.0.0.1")),
    "forwarded-junk": conn(FORWARDED, LOG_JSON,
                           get(b"/health", b'Forwarded: for="[::1"; for=_hidden, for=unknown;;')),
    "proxy-v1-bad": conn(PROXY, LOG_COMBINED, b"PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n" + get(b"/")),
    "proxy-v1-unknown": conn(PROXY, LOG_COMBINED, b"PROXY UNKNOWN\r\n" + get(b"/")),
    "proxy-v2-short": conn(PROXY, LOG_COMBINED,
                           proxy_v2()[:20], proxy_v2()[20:] + get(b"/")),
    "proxy-v2-tlv": conn(PROXY, LOG_COMBINED,
                         proxy_v2(extra=b"\x04\x00\x03abc") + get(b"/")),
    "proxy-v2-v6": conn(PROXY, LOG_COMBINED,
                        proxy_v2(src=b"\x20\x01" + b"\x00" * 13 + b"\x01",
                                 dst=b"\x00" * 15 + b"\x01", fam=0x21) + get(b"/")),
    "log-escapes": conn(0, LOG_JSON,
                        get(b"/\xff\"\\", b"User-Agent: \"\\\x7f\xc3\xa9",
                            b"Referer: \x1b[31m")),
    "abrupt-mid-body": conn(0, LOG_COMBINED | ABRUPT,
                            req(b"POST / HTTP/1.1", b"Content-Length: 100", body=b"abc")),
    "linger": conn(0, LOG_COMBINED,
                   b"GARBAGE\r\n\r\n", b"more bytes after the error", b"", b"", b""),
}

PATH = {
    "root": b"/",
    "plain": b"/index.html",
    "dots": b"/a/./b/../c/",
    "escape": b"/a/../..",
    "pct": b"/%2e%2E/%2F%252e%41",
    "pct-bad": b"/a%4",
    "pct-bad2": b"/a%zz",
    "nul": b"/a%00b",
    "nul-raw": b"/a\x00b",
    "slashes": b"///a//b///",
    "trailing-dotdot": b"/a/b/..",
    "trailing-dot": b"/a/.",
    "not-abs": b"a/b",
    "dots3": b"/.../..../a",
    "long": b"/" + b"x" * 5000 + b"/..",
    "long-pop": b"/aaaa/../b",
    "encoded-slash-dotdot": b"/a%2f..%2f..%2fb",
    "utf8": b"/\xc3\xbc/%C3%BC",
}


def table_seeds(limit=4096):
    """Every row of the integration HTTP table (tests/integration/
    test_http_table.py) up to limit bytes, as a conn seed "table-NAME":
    a row added there for a fixed bug keeps being fuzzed from here."""
    sys.path.insert(0, os.path.join(HERE, "..", "integration"))
    import test_http_table as table
    seeds = {}
    for name, data, _, _ in table.CASES + table.LISTING_CASES:
        if len(data) <= limit:
            seeds["table-" + name] = conn(0, LOG_COMBINED, data)
    return seeds


def write(dirname, seeds):
    path = os.path.join(HERE, dirname)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    for name, data in sorted(seeds.items()):
        with open(os.path.join(path, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    write("corpus-conn", {**CONN, **table_seeds()})
    write("corpus-path", PATH)
    print("%d conn seeds, %d path seeds" % (len(CONN) + len(table_seeds()), len(PATH)))
