"""HTTP/1.1 semantics, one raw request (or a few, pipelined) per row.

Each row of CASES is sent on a fresh connection; the row says what each
response must be (status, some headers, the body or its sha256) and
whether the connection must stay open afterwards.  "Open" is proved by a
further request answered on the same connection; "closed" by the server
closing it with nothing more sent.  All rows run against one daemon and
every failing row is reported, not just the first.
"""

import hashlib
import os
import re

from harness import INDEX_HTML, HttpConn, daemon, req

MTIME = 1700000000             # fixed: ETag and Last-Modified are known
A_TXT = b"hello, table\n"
BIG = bytes((i * 7 + 3) & 0xFF for i in range(100_000))
DIR_INDEX = b"<p>dir index</p>\n"
ETAG_A = f'"{MTIME:x}-{len(A_TXT):x}"'
DATE = "Tue, 14 Nov 2023 22:13:20 GMT"   # MTIME as an HTTP date
EARLIER = "Tue, 14 Nov 2023 21:13:20 GMT"
HOST = "t.example"
ALLOW = "GET, HEAD"
ABSENT = object()              # the header must not be there


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def R(method="GET", target="/a.txt", version="HTTP/1.1", host=HOST, **headers):
    """A request's bytes; header names come from keywords (X_Foo -> X-Foo)."""
    hdrs = {k.replace("_", "-"): v for k, v in headers.items()}
    if host is None:
        hdrs["Host"] = None
        return req(method, target, version, hdrs, host="")
    return req(method, target, version, hdrs, host=host)


def ok(body=A_TXT, **kw):
    return dict(status=200, body=body, **kw)


def err(status, **kw):
    """An error response: short HTML body."""
    kw.setdefault("headers", {})["Content-Type"] = re.compile(r"text/html.*")
    return dict(status=status, html=True, **kw)


# (name, bytes sent, [expected response, ...], connection stays open)
# Each expected response: status, headers {name: str | regex | ABSENT},
# body (bytes) or sha (hex), method (for HEAD: no body).
CASES = [
    # --- plain GET and HEAD
    ("get", R(), [ok(headers={"Content-Length": str(len(A_TXT)), "ETag": ETAG_A,
                              "Content-Type": "text/plain; charset=utf-8",
                              "Last-Modified": DATE, "Accept-Ranges": "bytes",
                              "Connection": ABSENT})], True),
    ("head", R("HEAD"), [dict(status=200, method="HEAD", body=b"",
                              headers={"Content-Length": str(len(A_TXT)), "ETag": ETAG_A})],
     True),
    ("head-big", R("HEAD", "/big.bin"),
     [dict(status=200, method="HEAD", body=b"", headers={"Content-Length": str(len(BIG))})], True),
    ("get-big", R(target="/big.bin"), [dict(status=200, sha=sha256(BIG))], True),
    ("root-index", R(target="/"), [ok(INDEX_HTML)], True),
    ("dir-redirect", R(target="/dir"),
     [dict(status=301, headers={"Location": "/dir/"})], True),
    ("dir-redirect-query", R(target="/dir?x=1&y"),
     [dict(status=301, headers={"Location": "/dir/?x=1&y"})], True),
    ("dir-index", R(target="/dir/"), [ok(DIR_INDEX)], True),
    ("dir-no-index", R(target="/empty/"), [err(403)], True),
    ("missing", R(target="/nope.txt"), [err(404)], True),
    ("missing-dir", R(target="/nope/x"), [err(404)], True),
    ("query-ignored", R(target="/a.txt?v=1"), [ok()], True),
    ("encoded-name", R(target="/sp%20ace.txt"), [ok(b"space\n")], True),
    ("double-slash", R(target="//a.txt"), [ok()], True),
    ("dot-segments", R(target="/dir/../a.txt"), [ok()], True),
    ("leading-crlf", b"\r\n" + R(), [ok()], True),

    # --- hidden files: 404 unless dotfiles = allow
    ("dotfile", R(target="/.env"), [err(404)], True),
    ("dotfile-encoded", R(target="/%2eenv"), [err(404)], True),
    ("dotdir", R(target="/.git/config"), [err(404)], True),
    ("dotfile-in-dir", R(target="/dir/.htpasswd"), [err(404)], True),
    ("well-known", R(target="/.well-known/security.txt"), [ok(b"contact\n")], True),

    # --- HTTP/1.0 and Connection
    ("http10", R(version="HTTP/1.0"), [ok(headers={"Connection": "close"})], False),
    ("http10-no-host", R(version="HTTP/1.0", host=None), [ok()], False),
    ("http10-keepalive", R(version="HTTP/1.0", Connection="keep-alive"),
     [ok(headers={"Connection": "keep-alive"})], True),
    ("conn-close", R(Connection="close"), [ok(headers={"Connection": "close"})], False),
    ("conn-close-mixed-case", R(Connection="Keep-Alive, CLOSE"),
     [ok(headers={"Connection": "close"})], False),
    ("conn-unknown-token", R(Connection="x-foo"), [ok()], True),
    # only Connection carries connection options (RFC 9112 9.6)
    ("proxy-conn-close", R(Proxy_Connection="close"),
     [ok(headers={"Connection": ABSENT})], True),
    ("proxy-conn-keepalive-http10", R(version="HTTP/1.0", Proxy_Connection="keep-alive"),
     [ok(headers={"Connection": "close"})], False),
    ("conn-two-lines-close", R(Connection="x-foo")[:-2] + b"Connection: close\r\n\r\n",
     [ok(headers={"Connection": "close"})], False),

    # --- Host
    ("no-host", R(host=None), [err(400, headers={"Connection": "close"})], False),
    ("dup-host", R(host="a") [:-2] + b"Host: b\r\n\r\n", [err(400)], False),
    ("dup-host-same", R(host="a")[:-2] + b"host: a\r\n\r\n", [err(400)], False),
    ("host-empty", R(host=""), [err(400)], False),
    ("host-space", R(host="a b"), [err(400)], False),
    ("host-slash", R(host="a/b"), [err(400)], False),
    ("host-userinfo", R(host="u@a"), [err(400)], False),
    ("host-bad-port", R(host="a:99999"), [err(400)], False),
    ("host-port-letters", R(host="a:8o"), [err(400)], False),
    ("host-dotdot", R(host="a..b"), [err(400)], False),
    ("host-ipv6", R(host="[::1]:8080"), [ok()], True),
    ("host-ipv4", R(host="127.0.0.1"), [ok()], True),
    ("host-trailing-dot", R(host="T.Example."), [ok()], True),

    # --- absolute-form targets
    ("absolute", R(target="http://t.example/a.txt"), [ok()], True),
    ("absolute-https-upper", R(target="HTTPS://t.example/a.txt"), [ok()], True),
    ("absolute-no-path", R(target="http://t.example"), [ok(INDEX_HTML)], True),
    ("absolute-query-only", R(target="http://t.example?x"), [ok(INDEX_HTML)], True),
    ("absolute-userinfo", R(target="http://u@t.example/a.txt"), [err(400)], False),
    ("absolute-empty-host", R(target="http:///a.txt"), [err(400)], False),
    ("absolute-other-scheme", R(target="ftp://t.example/a.txt"), [err(400)], False),
    ("asterisk-get", R(target="*"), [err(400)], False),

    # --- methods
    ("post-405", R("POST", Content_Length="0"),
     [err(405, headers={"Allow": ALLOW})], True),
    ("put-405", R("PUT", Content_Length="0"), [err(405, headers={"Allow": ALLOW})], True),
    ("delete-405", R("DELETE"), [err(405, headers={"Allow": ALLOW})], True),
    ("patch-405", R("PATCH", Content_Length="0"), [err(405, headers={"Allow": ALLOW})], True),
    ("post-body-read", R("POST", Content_Length="5") + b"abcde" + R(),
     [err(405), ok()], True),
    ("options-star", R("OPTIONS", "*"), [err(405, headers={"Allow": ALLOW})], True),
    ("options-path", R("OPTIONS", "/a.txt"), [err(405, headers={"Allow": ALLOW})], True),
    ("options-missing", R("OPTIONS", "/nope"), [err(405, headers={"Allow": ALLOW})], True),
    ("unknown-method-501", R("FROB"), [err(501)], False),
    # a valid token is a method name, case-sensitive (RFC 9110 9.1): 501
    ("lowercase-method", R("get"), [err(501)], False),
    ("mixed-case-method", R("GeT"), [err(501)], False),
    ("digit-method", R("G3T"), [err(501)], False),
    ("rtsp-method", R("DESCRIBE"), [err(501)], False),
    ("non-token-method", R("G(T"), [err(400)], False),
    ("long-method", R("A" * 64), [err(501)], False),

    # --- versions
    ("http20-505", R(version="HTTP/2.0"), [err(505)], False),
    ("http30-505", R(version="HTTP/3.0"), [err(505)], False),
    # no version: a malformed request line, complete at its CRLF (RFC 9112 3)
    ("http09", b"GET /a.txt\r\n\r\n", [err(400)], False),
    ("http09-line-only", b"GET /a.txt\r\n", [err(400)], False),
    ("http09-with-host", b"GET /\r\nHost: t.example\r\n\r\n", [err(400)], False),
    # a higher HTTP/1 minor version is processed as 1.1 (RFC 9110 2.5)
    ("http12", R(version="HTTP/1.2"), [ok(headers={"Connection": ABSENT})], True),
    ("http19-close", R(version="HTTP/1.9", Connection="close"),
     [ok(headers={"Connection": "close"})], False),
    ("bad-protocol", R(version="HTTX/1.1"), [err(400)], False),
    ("version-garbage", R(version="HTTP/1.x"), [err(400)], False),

    # --- limits (default client_header_buffer_size 8k, body 1m)
    ("target-414", R(target="/" + "a" * 9000), [err(414)], False),
    ("headers-431", R(X_Big="b" * 9000), [err(431)], False),
    ("many-headers-431", R(**{f"X_H{i}": "v" * 40 for i in range(300)}), [err(431)], False),
    ("body-413", R(Content_Length=str(2 << 20)), [err(413)], False),
    ("body-huge-cl-413", R(Content_Length="99999999999999"), [err(413)], False),
    ("chunked-413", R(Transfer_Encoding="chunked") + b"200000\r\n" + b"x" * 1000,
     [err(413)], False),

    # --- request bodies on GET: read and discarded
    ("get-body-cl", R(Content_Length="5") + b"hello" + R(), [ok(), ok()], True),
    ("get-body-chunked", R(Transfer_Encoding="chunked") + b"5\r\nhello\r\n0\r\n\r\n" + R(),
     [ok(), ok()], True),
    ("get-body-chunked-ext-trailer",
     R(Transfer_Encoding="chunked") + b"3;x=y\r\nabc\r\n0\r\nX-T: 1\r\n\r\n" + R(),
     [ok(), ok()], True),

    # --- framing attacks
    ("te-and-cl", R(Content_Length="3", Transfer_Encoding="chunked") + b"0\r\n\r\n",
     [err(400)], False),
    ("te-chunked-identity", R(Transfer_Encoding="chunked, identity") + b"0\r\n\r\n",
     [err(400)], False),
    ("te-identity", R(Transfer_Encoding="identity") + b"0\r\n\r\n", [err(400)], False),
    ("te-twice", R(Transfer_Encoding="chunked")[:-2] + b"Transfer-Encoding: chunked\r\n\r\n"
     + b"0\r\n\r\n", [err(400)], False),
    ("te-empty-cl", R(Transfer_Encoding="", Content_Length="4") + b"GET " + R(),
     [err(400)], False),
    ("te-blank-cl", R(Transfer_Encoding="   ", Content_Length="4") + b"GET " + R(),
     [err(400)], False),
    ("cl-te-empty", R(Content_Length="4", Transfer_Encoding="") + b"GET " + R(),
     [err(400)], False),
    ("te-empty-http10", R(version="HTTP/1.0", Transfer_Encoding="", Content_Length="4",
                          Connection="keep-alive") + b"GET " + R(), [err(400)], False),
    ("cl-duplicate-same", R(Content_Length="1")[:-2] + b"Content-Length: 1\r\n\r\nx",
     [err(400)], False),
    ("cl-duplicate-differ", R(Content_Length="1")[:-2] + b"Content-Length: 2\r\n\r\nxx",
     [err(400)], False),
    ("cl-list", R(Content_Length="1, 1") + b"x", [err(400)], False),
    ("cl-negative", R(Content_Length="-1"), [err(400)], False),
    ("cl-plus", R(Content_Length="+1") + b"x", [err(400)], False),
    ("cl-hex", R(Content_Length="0x10"), [err(400)], False),
    ("chunk-size-huge", R(Transfer_Encoding="chunked") + b"ffffffffffffffffff\r\n",
     [err(400)], False),
    ("chunk-size-garbage", R(Transfer_Encoding="chunked") + b"zz\r\n", [err(400)], False),
    ("chunk-no-crlf", R(Transfer_Encoding="chunked") + b"3\r\nabcX\r\n0\r\n\r\n",
     [err(400)], False),

    # --- errors answering HEAD: no body (RFC 9110 9.3.2), whenever found
    ("head-400-space-before-colon", R("HEAD")[:-2] + b"X-Foo : a\r\n\r\n",
     [err(400, method="HEAD", body=b"")], False),
    ("head-400-obs-fold", R("HEAD", X_A="1")[:-2] + b" folded\r\n\r\n",
     [err(400, method="HEAD", body=b"")], False),
    ("head-400-ctl", R("HEAD")[:-2] + b"X-A: a\x01b\r\n\r\n",
     [err(400, method="HEAD", body=b"")], False),
    ("head-400-del", R("HEAD")[:-2] + b"X-A: a\x7fb\r\n\r\n",
     [err(400, method="HEAD", body=b"")], False),
    ("head-400-bare-lf", b"HEAD /a.txt HTTP/1.1\r\nHost: t.example\n\n",
     [err(400, method="HEAD", body=b"")], False),
    ("head-400-cl-list", R("HEAD", Content_Length="5, 6"),
     [err(400, method="HEAD", body=b"")], False),
    ("head-400-nul-line", b"HEAD /a\x00 HTTP/1.1\r\nHost: t.example\r\n\r\n",
     [err(400, method="HEAD", body=b"")], False),
    ("head-400-double-space", b"HEAD  /a.txt HTTP/1.1\r\nHost: t.example\r\n\r\n",
     [err(400, method="HEAD", body=b"")], False),
    ("head-414", R("HEAD", target="/" + "a" * 9000), [err(414, method="HEAD", body=b"")],
     False),
    ("head-431", R("HEAD", X_Big="b" * 9000), [err(431, method="HEAD", body=b"")], False),
    ("head-505", R("HEAD", version="HTTP/2.0"), [err(505, method="HEAD", body=b"")], False),
    ("head-400-no-host", R("HEAD", host=None), [err(400, method="HEAD", body=b"")], False),

    # --- hostile bytes in the head
    ("bare-lf", b"GET /a.txt HTTP/1.1\nHost: t.example\n\n", [err(400)], False),
    ("bare-cr", b"GET /a.txt HTTP/1.1\rHost: t.example\r\n\r\n", [err(400)], False),
    ("bare-cr-end", b"GET /a.txt HTTP/1.1\r\nHost: t.example\r\n\rGET", [err(400)], False),
    ("obs-fold", R(X_A="1")[:-2] + b" folded\r\n\r\n", [err(400)], False),
    ("obs-fold-tab", R(X_A="1")[:-2] + b"\tfolded\r\n\r\n", [err(400)], False),
    ("space-before-colon", R()[:-2] + b"X-A : 1\r\n\r\n", [err(400)], False),
    ("no-colon", R()[:-2] + b"X-A 1\r\n\r\n", [err(400)], False),
    ("empty-name", R()[:-2] + b": 1\r\n\r\n", [err(400)], False),
    ("nul-in-value", R()[:-2] + b"X-A: a\x00b\r\n\r\n", [err(400)], False),
    ("nul-in-target", b"GET /a\x00.txt HTTP/1.1\r\nHost: t.example\r\n\r\n", [err(400)], False),
    ("nul-encoded", R(target="/a.txt%00.html"), [err(400)], False),
    ("ctl-in-name", R()[:-2] + b"X\x01A: 1\r\n\r\n", [err(400)], False),
    ("del-in-value", R()[:-2] + b"X-A: a\x7fb\r\n\r\n", [err(400)], False),
    ("two-spaces-line", b"GET  /a.txt HTTP/1.1\r\nHost: t.example\r\n\r\n", [err(400)], False),
    ("trailing-space-line", b"GET /a.txt HTTP/1.1 \r\nHost: t.example\r\n\r\n",
     [err(400)], False),
    ("tab-in-target", b"GET /a\t.txt HTTP/1.1\r\nHost: t.example\r\n\r\n",
     [err(400)], False),
    ("fragment-in-target", R(target="/a.txt#frag"), [err(400)], False),
    ("tab-in-line", b"GET\t/a.txt HTTP/1.1\r\nHost: t.example\r\n\r\n", [err(400)], False),
    ("line-trailing-junk", b"GET /a.txt HTTP/1.1 x\r\nHost: t.example\r\n\r\n",
     [err(400)], False),
    ("relative-target", R(target="a.txt"), [err(400)], False),
    ("bad-percent", R(target="/a%zz"), [err(400)], False),
    ("short-percent", R(target="/a%4"), [err(400)], False),
    ("traversal", R(target="/../../etc/passwd"), [err(400)], False),
    ("traversal-encoded", R(target="/%2e%2e/%2e%2e/etc/passwd"), [err(400)], False),
    ("traversal-in-dir", R(target="/dir/../../a.txt"), [err(400)], False),
    ("encoded-question", R(target="/a.txt%3f"), [err(404)], True),
    ("upgrade-declined", R(Upgrade="websocket", Connection="Upgrade"), [ok()], True),
    ("high-bytes-value", R(X_A="caf\xe9"), [ok()], True),

    # --- Expect
    ("expect-other-417", R(Expect="x-magic"), [err(417)], False),
    ("expect-other-in-list-417", R(Expect="100-continue, x"), [err(417)], False),
    # an empty list has no expectation; the same one twice is still one
    ("expect-empty", R(Expect=""), [ok()], True),
    ("expect-100-twice", R(Expect="100-continue")[:-2] + b"Expect: 100-continue\r\n\r\n",
     [ok()], True),
    ("expect-100-body-sent", R(Expect="100-continue", Content_Length="3") + b"abc",
     [ok()], True),
    ("expect-100-post", R("POST", Expect="100-continue", Content_Length="3"),
     [err(405)], False),

    # --- pipelining
    ("pipeline-3", R() + R(target="/dir/") + R("HEAD"),
     [ok(), ok(DIR_INDEX), dict(status=200, method="HEAD", body=b"")], True),
    ("pipeline-good-bad", R() + R(host="a b") + R(), [ok(), err(400)], False),
    ("pipeline-bad-first", R(host=None) + R(), [err(400)], False),
    ("pipeline-bad-te-smuggle",
     R(Content_Length="6", Transfer_Encoding="chunked") + b"0\r\n\r\nG" + R(target="/dir/"),
     [err(400)], False),
    ("pipeline-404-then-ok", R(target="/nope") + R(), [err(404), ok()], True),
    ("pipeline-close-stops", R(Connection="close") + R(target="/dir/"),
     [ok(headers={"Connection": "close"})], False),

    # --- conditional requests
    ("inm-match-304", R(If_None_Match=ETAG_A),
     [dict(status=304, body=b"", headers={"ETag": ETAG_A, "Content-Length": ABSENT})], True),
    ("inm-star-304", R(If_None_Match="*"), [dict(status=304)], True),
    ("inm-weak-304", R(If_None_Match="W/" + ETAG_A), [dict(status=304)], True),
    ("inm-list-304", R(If_None_Match='"x", ' + ETAG_A), [dict(status=304)], True),
    ("inm-other-200", R(If_None_Match='"x"'), [ok()], True),
    ("ims-same-304", R(If_Modified_Since=DATE), [dict(status=304)], True),
    ("ims-earlier-200", R(If_Modified_Since=EARLIER), [ok()], True),
    ("ims-garbage-200", R(If_Modified_Since="yesterday"), [ok()], True),
    ("inm-beats-ims", R(If_None_Match='"x"', If_Modified_Since=DATE), [ok()], True),
    ("if-match-412", R(If_Match='"x"'), [err(412)], True),
    ("if-match-ok", R(If_Match=ETAG_A), [ok()], True),
    ("if-match-weak-412", R(If_Match="W/" + ETAG_A), [err(412)], True),
    ("ius-earlier-412", R(If_Unmodified_Since=EARLIER), [err(412)], True),
    ("ius-same-200", R(If_Unmodified_Since=DATE), [ok()], True),
    ("head-304", R("HEAD", If_None_Match=ETAG_A), [dict(status=304, method="HEAD")], True),
    # a list field on several lines is one list (RFC 9110 5.3)
    ("inm-two-lines-304", R(If_None_Match=ETAG_A)[:-2] + b'If-None-Match: "zz"\r\n\r\n',
     [dict(status=304)], True),
    ("inm-two-lines-first-304", R(If_None_Match='"zz"')[:-2] +
     b"X-Between: 1\r\nif-none-match: " + ETAG_A.encode() + b"\r\n\r\n",
     [dict(status=304)], True),
    ("if-match-two-lines-200", R(If_Match=ETAG_A)[:-2] + b'If-Match: "zz"\r\n\r\n',
     [ok()], True),
    ("if-match-two-lines-412", R(If_Match='"yy"')[:-2] + b'If-Match: "zz"\r\n\r\n',
     [err(412)], True),

    # --- ranges
    ("range-first", R(Range="bytes=0-4"),
     [dict(status=206, body=A_TXT[:5],
           headers={"Content-Range": f"bytes 0-4/{len(A_TXT)}", "Content-Length": "5"})],
     True),
    ("range-suffix", R(Range="bytes=-3"),
     [dict(status=206, body=A_TXT[-3:],
           headers={"Content-Range": f"bytes {len(A_TXT) - 3}-{len(A_TXT) - 1}/{len(A_TXT)}"})],
     True),
    ("range-open", R(Range="bytes=7-"), [dict(status=206, body=A_TXT[7:])], True),
    ("range-past-end-clamped", R(Range="bytes=2-999"), [dict(status=206, body=A_TXT[2:])],
     True),
    ("range-big-middle", R(target="/big.bin", Range="bytes=50000-59999"),
     [dict(status=206, sha=sha256(BIG[50000:60000]))], True),
    ("range-multi", R(Range="bytes=0-0,2-2"),
     [dict(status=206, headers={"Content-Type": re.compile(r"multipart/byteranges; boundary=\S+")})],
     True),
    ("range-416", R(Range="bytes=1000-"),
     [err(416, headers={"Content-Range": f"bytes */{len(A_TXT)}"})], True),
    # a suffix is satisfiable on an empty file, but selects nothing: 200
    ("range-suffix-empty-file", R(target="/empty.txt", Range="bytes=-5"),
     [dict(status=200, body=b"", headers={"Content-Length": "0"})], True),
    ("range-open-empty-file-416", R(target="/empty.txt", Range="bytes=0-"),
     [err(416, headers={"Content-Range": "bytes */0"})], True),
    ("range-bad-unit", R(Range="lines=0-1"), [ok()], True),
    ("range-garbage", R(Range="bytes=x-y"), [ok()], True),
    ("range-twice", R(Range="bytes=0-1")[:-2] + b"Range: bytes=2-3\r\n\r\n", [ok()], True),
    ("if-range-match", R(Range="bytes=0-1", If_Range=ETAG_A), [dict(status=206)], True),
    ("if-range-stale", R(Range="bytes=0-1", If_Range='"old"'), [ok()], True),
    ("if-range-date", R(Range="bytes=0-1", If_Range=DATE), [dict(status=206)], True),
    ("head-range", R("HEAD", Range="bytes=0-4"),
     [dict(status=206, method="HEAD", body=b"", headers={"Content-Length": "5"})], True),
]


# autoindex = on: a listing is a representation like a file (RFC 9110 13,
# 14): a weak ETag, Last-Modified (the newest of the directory and its
# entries), preconditions and ranges.
LISTING_CASES = [
    ("listing-200", R(target="/list/"),
     [dict(status=200, headers={"ETag": re.compile(r'W/"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"'),
                                "Last-Modified": DATE, "Accept-Ranges": "bytes"})], True),
    ("listing-inm-star-304", R(target="/list/", If_None_Match="*"),
     [dict(status=304, body=b"", headers={"ETag": re.compile(r'W/".*"')})], True),
    ("listing-if-match-412", R(target="/list/", If_Match='"zz"'), [err(412)], True),
    ("listing-ims-304", R(target="/list/", If_Modified_Since=DATE), [dict(status=304)], True),
    ("listing-ims-earlier-200", R(target="/list/", If_Modified_Since=EARLIER),
     [dict(status=200)], True),
    ("listing-ius-412", R(target="/list/", If_Unmodified_Since=EARLIER), [err(412)], True),
    ("listing-range", R(target="/list/", Range="bytes=0-8"),
     [dict(status=206, body=b"<!DOCTYPE", headers={"Content-Range": re.compile(r"bytes 0-8/\d+")})],
     True),
    ("listing-range-416", R(target="/list/", Range="bytes=999999-"), [err(416)], True),
    ("listing-head-304", R("HEAD", target="/list/", If_None_Match="*"),
     [dict(status=304, method="HEAD")], True),
]


def setup_root(d):
    for rel, data in [("a.txt", A_TXT), ("big.bin", BIG), ("dir/index.html", DIR_INDEX),
                      ("sp ace.txt", b"space\n"), (".env", b"SECRET=1\n"),
                      (".git/config", b"[core]\n"), ("dir/.htpasswd", b"u:x\n"),
                      (".well-known/security.txt", b"contact\n"), ("empty.txt", b""),
                      ("list/one.txt", b"one\n")]:
        d.write_file(rel, data, mtime=MTIME)
    os.utime(os.path.join(d.root, "list"), (MTIME, MTIME))
    os.makedirs(d.path("www", "empty"), mode=0o755, exist_ok=True)


def check_response(name, i, resp, want):
    """Mismatches between one response and its expectation, as strings."""
    bad = []
    if resp.status != want["status"]:
        bad.append(f"status {resp.status}, want {want['status']}")
    for hname, value in want.get("headers", {}).items():
        got = resp.header(hname)
        if value is ABSENT:
            if got is not None:
                bad.append(f"{hname}: {got!r}, want none")
        elif isinstance(value, re.Pattern):
            if got is None or not value.fullmatch(got):
                bad.append(f"{hname}: {got!r}, want /{value.pattern}/")
        elif got != value:
            bad.append(f"{hname}: {got!r}, want {value!r}")
    if "body" in want and resp.body != want["body"]:
        bad.append(f"body {resp.body[:80]!r}, want {want['body'][:80]!r}")
    if "sha" in want and sha256(resp.body) != want["sha"]:
        bad.append(f"body sha256 differs ({len(resp.body)} bytes)")
    if want.get("html") and want.get("method") != "HEAD":
        if not resp.body or resp.header("Content-Length") != str(len(resp.body)):
            bad.append("an error needs a short body with its Content-Length")
    return [f"{name} response {i}: {b}" for b in bad]


def run_case(port, name, data, wants, stays_open):
    """[] when the row holds, else what went wrong."""
    with HttpConn(port, timeout=5.0) as c:
        c.send(data)
        if wants is None:  # no response at all, only a closed connection
            got = c.read_until_close(timeout=5.0)
            if got is None:
                return [f"{name}: connection still open"]
            if got.startswith(b"HTTP/") and b" 400 " not in got[:20]:
                return [f"{name}: answered {got[:40]!r}"]
            return []
        methods = [w.get("method", "GET") for w in wants]
        try:
            resps = c.responses(len(wants), methods, timeout=5.0)
        except AssertionError as e:
            return [f"{name}: {e}"]
        bad = []
        for i, (resp, want) in enumerate(zip(resps, wants)):
            bad += check_response(name, i, resp, want)
        if stays_open:
            c.send(R(target="/dir/"))
            try:
                after = c.response(timeout=5.0)
                if after.status != 200 or after.body != DIR_INDEX:
                    bad.append(f"{name}: request after it got {after!r}")
            except AssertionError as e:
                bad.append(f"{name}: connection not usable afterwards: {e}")
        elif not c.closed_by_server(timeout=5.0):
            bad.append(f"{name}: connection stays open (or more was sent: {c.buf[:80]!r})")
        return bad


def test_table_has_enough_rows(d):
    names = [row[0] for row in CASES]
    assert len(names) == len(set(names)), "row names must be unique"
    assert len(CASES) >= 80, len(CASES)


@daemon(workers=1)
def test_http_table(d):
    setup_root(d)
    failures = []
    for name, data, wants, stays_open in CASES:
        failures += run_case(d.port, name, data, wants, stays_open)
    assert d.sanitizer_reports() == [], d.sanitizer_reports()
    assert not failures, f"{len(failures)} of {len(CASES)} rows failed:\n" + "\n".join(failures)


@daemon(workers=1, server={"autoindex": "on"})
def test_http_table_listing(d):
    setup_root(d)
    failures = []
    for name, data, wants, stays_open in LISTING_CASES:
        failures += run_case(d.port, name, data, wants, stays_open)
    # its own validator: 304 by ETag, and If-Match needs a strong one
    first = d.raw(R(target="/list/", Connection="close"), n=1).responses[0]
    etag = first.header("ETag")
    again = d.raw(R(target="/list/", If_None_Match=etag, Connection="close"), n=1)
    if again.responses[0].status != 304:
        failures.append(f"listing If-None-Match its ETag: {again.responses[0].status}")
    assert d.sanitizer_reports() == [], d.sanitizer_reports()
    assert not failures, "\n".join(failures)


@daemon(workers=1, server={"dotfiles": "allow"})
def test_dotfiles_allow(d):
    d.write_file(".env", b"SECRET=1\n")
    r = d.raw(R(target="/.env", Connection="close"), n=1)
    assert r.responses[0].status == 200 and r.responses[0].body == b"SECRET=1\n", r.data[:200]
