"""The corpus of tests/conformance/run.py: a docroot and raw requests.

Cases are generated, class by class, as the product of a few short lists
(methods x targets, hosts x versions, header sets x targets, ...), so
that a new value in one list is tried in every combination.  A case id is
"class.name"; tests/conformance/expected.txt matches ids with globs.

Placeholders in a case's bytes are filled per server before sending:
@ETAG(/path)@ is that server's ETag of /path (servers make them
differently).
"""
import re

MTIME = 1700000000
LM = "Tue, 14 Nov 2023 22:13:20 GMT"        # MTIME as an HTTP date
EARLIER = "Tue, 14 Nov 2023 21:13:20 GMT"
LATER = "Wed, 15 Nov 2023 22:13:20 GMT"
H = b"Host: localhost\r\n"

A_TXT = b"hello, conformance\n"
BIG = bytes((i * 7 + 3) & 0xFF for i in range(100_000))
PROBE_BODY = b"probe 8d2f c41a\n"
PROBE = b"GET /probe.txt HTTP/1.1\r\nHost: localhost\r\n\r\n"

FILES = {
    "index.html": b"<p>root index</p>\n",
    "a.txt": A_TXT,
    "big.bin": BIG,
    "empty.txt": b"",
    "probe.txt": PROBE_BODY,
    "dir/index.html": b"<p>dir index</p>\n",
    "noindex/a.txt": b"a in noindex\n",
    "noindex/b.txt": b"b in noindex\n",
    ".hidden": b"hidden\n",
    ".git/config": b"[core]\n",
    "sp ace.txt": b"space\n",
    "caf\u00e9.txt": b"cafe\n",
}
# targets whose validators the corpus uses (fetched from each server)
VALIDATED = ["/a.txt", "/empty.txt", "/big.bin", "/noindex/"]


class Case:
    def __init__(self, cls, name, data, methods=("GET",), compare_body=True, desc=""):
        self.cls = cls
        self.id = f"{cls}.{name}"
        self.data = data
        self.methods = tuple(methods)
        self.compare_body = compare_body
        self.desc = desc or short(data)

    def render(self, etags):
        return re.sub(rb"@ETAG\(([^)]*)\)@",
                      lambda m: etags.get(m.group(1).decode(), '"none"').encode(),
                      self.data)


def short(data, n=110):
    s = repr(data)[2:-1]
    return s if len(s) <= n else s[:n] + "..."


def slug(s):
    """A case-id-safe spelling of s."""
    if isinstance(s, bytes):
        s = s.decode("latin-1")
    out = "".join(c if (c.isascii() and c.isalnum()) or c in "-_.=,+" else
                  "_" if c == "/" else f"~{ord(c):02x}" for c in s)
    return out or "~empty"


def req(method="GET", target="/a.txt", version="HTTP/1.1", headers=(), host=True, body=b""):
    line = method.encode() if isinstance(method, str) else method
    line += b" " + (target.encode("utf-8") if isinstance(target, str) else target)
    if version is not None:
        line += b" " + (version.encode() if isinstance(version, str) else version)
    head = line + b"\r\n" + (H if host else b"")
    for h in headers:
        head += (h.encode("latin-1") if isinstance(h, str) else h) + b"\r\n"
    return head + b"\r\n" + body


def listing(target):
    return "noindex" in target or target.rstrip("/").endswith("outdir")


# ---- the classes ----------------------------------------------------------

METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE",
           "CONNECT", "PROPFIND", "MKCOL", "FROB", "get", "GeT", "G3T", "DESCRIBE",
           "M-SEARCH", "G(T", "G@T", "GET/"]


def method_cases():
    for m in METHODS:
        for t in ("/a.txt", "/noindex/", "/missing.txt"):
            hdrs = ["Content-Length: 0"] if m in ("POST", "PUT", "PATCH") else []
            yield Case("method", f"{slug(m)}.{slug(t)}", req(m, t, headers=hdrs),
                       methods=("HEAD" if m == "HEAD" else "GET",),
                       compare_body=not listing(t))


TARGETS = ["/", "/a.txt", "/a.txt?x=1", "/a.txt?", "//a.txt", "/./a.txt", "/noindex/../a.txt",
           "/../a.txt", "/%2e%2e/a.txt", "/a%2etxt", "/A.TXT", "/a.txt/", "/noindex",
           "/noindex/", "/noindex?x", "/dir", "/dir/", "/.hidden", "/.git/config",
           "/out.txt", "/outdir/", "/outdir/secret.txt", "/in.txt", "/sp%20ace.txt",
           "/sp ace.txt", "/caf%C3%A9.txt", "/caf\u00e9.txt", "/a.txt%00", "/a.txt#frag",
           "/#", "/a\t.txt", "*", "a.txt", "http://localhost/a.txt", "http://other/a.txt",
           "HTTP://LOCALHOST/a.txt", "https://localhost/a.txt", "ftp://localhost/a.txt",
           "http://localhost", "/%zz", "/%", "/%2", "/a.txt%3f", "/%2fa.txt",
           "/noindex%2fa.txt", "/a.txt;x", "/\\a.txt", "/a.txt\\", "/" + "a" * 3000,
           "/empty.txt", "/big.bin", "/missing.txt", "/missing/"]


def target_cases():
    for t in TARGETS:
        for m in ("GET", "HEAD"):
            yield Case("target", f"{m}.{slug(t)[:60]}", req(m, t), methods=(m,),
                       compare_body=not listing(t))


HOSTS = [("localhost", "localhost"), ("empty", ""), ("none", None),
         ("port", "localhost:80"), ("bad-port", "localhost:99999"),
         ("port-letters", "localhost:8o"), ("space", "a b"), ("userinfo", "u@localhost"),
         ("ipv6", "[::1]"), ("ipv6-bad", "[::1"), ("ipv4", "127.0.0.1"),
         ("upper", "LOCALHOST"), ("trailing-dot", "localhost."), ("dotdot", "a..b"),
         ("underscore", "exa_mple"), ("slash", "a/b"), ("utf8", "caf\u00e9"),
         ("twice-same", ("localhost", "localhost")), ("twice-differ", ("localhost", "other")),
         ("tab", "local\thost"), ("long", "a" * 300)]


def host_cases():
    for name, h in HOSTS:
        for v in ("HTTP/1.0", "HTTP/1.1"):
            hdrs = []
            if isinstance(h, tuple):
                hdrs = [f"Host: {x}" for x in h]
            elif h is not None:
                hdrs = [f"Host: {h}".encode("utf-8")]
            yield Case("host", f"{slug(v)}.{name}",
                       req("GET", "/a.txt", v, hdrs, host=False))
    yield Case("host", "absolute-form-other-host",
               req("GET", "http://other/a.txt", headers=["Host: localhost"], host=False))
    yield Case("host", "absolute-form-no-host",
               req("GET", "http://localhost/a.txt", host=False))


VERSIONS = ["HTTP/1.0", "HTTP/1.1", "HTTP/1.2", "HTTP/1.9", "HTTP/2.0", "HTTP/2", "HTTP/3.0",
            "HTTP/0.9", "HTTP/9.9", "HTTP/1.10", "HTTP/1", "HTTP/11", "http/1.1", "HTTP/1.1 ",
            "HTTX/1.1", "HTTP/1.x", " HTTP/1.1", None]


def version_cases():
    for v in VERSIONS:
        for m in ("GET", "HEAD"):
            yield Case("version", f"{m}.{slug(v or 'none')}", req(m, "/a.txt", v),
                       methods=(m,))
    yield Case("version", "GET.none-line-only", b"GET /a.txt\r\n")
    yield Case("version", "GET.none-with-host", b"GET /a.txt\r\n" + H + b"\r\n")


HEADER_SYNTAX = [
    ("space-before-colon", b"X-Foo : a"), ("tab-before-colon", b"X-Foo\t: a"),
    ("obs-fold-sp", b"X-Foo: a\r\n b"), ("obs-fold-tab", b"X-Foo: a\r\n\tb"),
    ("nul-value", b"X-Foo: a\x00b"), ("ctl-value", b"X-Foo: a\x01b"),
    ("del-value", b"X-Foo: a\x7fb"), ("cr-value", b"X-Foo: a\rb"),
    ("tab-value", b"X-Foo: a\tb"), ("high-value", b"X-Foo: caf\xe9"),
    ("empty-value", b"X-Foo:"), ("blank-value", b"X-Foo:   "),
    ("empty-name", b": a"), ("no-colon", b"X-Foo a"), ("space-in-name", b"X Foo: a"),
    ("ctl-name", b"X\x01Foo: a"), ("del-name", b"X\x7fFoo: a"), ("high-name", b"X\xe9: a"),
    ("paren-name", b"X(Foo): a"), ("long-value", b"X-Foo: " + b"v" * 9000),
    ("many", b"\r\n".join(b"X-H%d: %s" % (i, b"v" * 40) for i in range(300))),
    ("leading-space-first", b" X-Foo: a"),
]


def header_cases():
    for name, line in HEADER_SYNTAX:
        for m in ("GET", "HEAD"):
            yield Case("header", f"{m}.{name}", req(m, "/a.txt", headers=[line]), methods=(m,))
    for m in ("GET", "HEAD"):
        yield Case("header", f"{m}.bare-lf-end", m.encode() + b" /a.txt HTTP/1.1\r\n" + H[:-2]
                   + b"\n\n", methods=(m,))
        yield Case("header", f"{m}.bare-lf-all", m.encode() + b" /a.txt HTTP/1.1\nHost: localhost\n\n",
                   methods=(m,))
        yield Case("header", f"{m}.bare-cr-end", m.encode() + b" /a.txt HTTP/1.1\r\n" + H
                   + b"\rX", methods=(m,))
        yield Case("header", f"{m}.line-bare-cr", m.encode() + b" /a.txt HTTP/1.1\r" + H + b"\r\n",
                   methods=(m,))
        yield Case("header", f"{m}.line-two-spaces", m.encode() + b"  /a.txt HTTP/1.1\r\n" + H
                   + b"\r\n", methods=(m,))
        yield Case("header", f"{m}.line-nul", m.encode() + b" /a\x00.txt HTTP/1.1\r\n" + H
                   + b"\r\n", methods=(m,))
        yield Case("header", f"{m}.cl-list", req(m, "/a.txt", headers=["Content-Length: 5, 6"]),
                   methods=(m,))
        yield Case("header", f"{m}.leading-crlf", b"\r\n" + req(m, "/a.txt"), methods=(m,))


CONNECTION = [("none", []), ("close", ["Connection: close"]),
              ("keep-alive", ["Connection: keep-alive"]),
              ("mixed", ["Connection: Keep-Alive, CLOSE"]),
              ("unknown", ["Connection: x-foo"]),
              ("two-lines", ["Connection: x-foo", "Connection: close"]),
              ("two-lines-ka", ["Connection: x-foo", "Connection: keep-alive"]),
              ("proxy-close", ["Proxy-Connection: close"]),
              ("proxy-keep-alive", ["Proxy-Connection: keep-alive"]),
              ("upgrade", ["Connection: Upgrade", "Upgrade: websocket"]),
              ("te-trailers", ["Connection: TE", "TE: trailers"])]


def connection_cases():
    for name, hdrs in CONNECTION:
        for v in ("HTTP/1.0", "HTTP/1.1"):
            yield Case("connection", f"{slug(v)}.{name}", req("GET", "/a.txt", v, hdrs))


EXPECT = [("100-continue", ["Expect: 100-continue"]), ("upper", ["Expect: 100-Continue"]),
          ("empty", ["Expect:"]), ("blank", ["Expect:   "]), ("other", ["Expect: x-magic"]),
          ("list-other", ["Expect: 100-continue, x"]),
          ("twice", ["Expect: 100-continue", "Expect: 100-continue"]),
          ("comma", ["Expect: ,"])]


def expect_cases():
    for name, hdrs in EXPECT:
        yield Case("expect", f"GET.{name}", req("GET", "/a.txt", headers=hdrs))
        yield Case("expect", f"GET-body.{name}",
                   req("GET", "/a.txt", headers=hdrs + ["Content-Length: 3"], body=b"abc"))


def conditional_sets(t):
    e = f"@ETAG({t})@"
    return [
        ("inm-etag", [f"If-None-Match: {e}"]),
        ("inm-weak", [f"If-None-Match: W/{e}"]),
        ("inm-star", ["If-None-Match: *"]),
        ("inm-other", ['If-None-Match: "zz"']),
        ("inm-list", [f'If-None-Match: "zz", {e}']),
        ("inm-two-lines", [f"If-None-Match: {e}", 'If-None-Match: "zz"']),
        ("inm-two-lines-rev", ['If-None-Match: "zz"', f"If-None-Match: {e}"]),
        ("inm-malformed", ["If-None-Match: zz"]),
        ("inm-empty", ["If-None-Match:"]),
        ("im-etag", [f"If-Match: {e}"]),
        ("im-star", ["If-Match: *"]),
        ("im-other", ['If-Match: "zz"']),
        ("im-weak", [f"If-Match: W/{e}"]),
        ("im-two-lines", [f"If-Match: {e}", 'If-Match: "zz"']),
        ("im-two-lines-other", ['If-Match: "yy"', 'If-Match: "zz"']),
        ("im-malformed", ["If-Match: zz"]),
        ("ims-same", [f"If-Modified-Since: {LM}"]),
        ("ims-earlier", [f"If-Modified-Since: {EARLIER}"]),
        ("ims-later", [f"If-Modified-Since: {LATER}"]),
        ("ims-garbage", ["If-Modified-Since: yesterday"]),
        ("ims-two", [f"If-Modified-Since: {LM}", f"If-Modified-Since: {LM}"]),
        ("ius-same", [f"If-Unmodified-Since: {LM}"]),
        ("ius-earlier", [f"If-Unmodified-Since: {EARLIER}"]),
        ("ius-garbage", ["If-Unmodified-Since: yesterday"]),
        ("inm-other-ims-same", ['If-None-Match: "zz"', f"If-Modified-Since: {LM}"]),
        ("inm-etag-ims-earlier", [f"If-None-Match: {e}", f"If-Modified-Since: {EARLIER}"]),
        ("im-etag-ius-earlier", [f"If-Match: {e}", f"If-Unmodified-Since: {EARLIER}"]),
        ("im-other-inm-etag", ['If-Match: "zz"', f"If-None-Match: {e}"]),
    ]


def conditional_cases():
    for t in ("/a.txt", "/empty.txt", "/noindex/", "/missing.txt"):
        for name, hdrs in conditional_sets(t):
            yield Case("cond", f"{slug(t)}.{name}", req("GET", t, headers=hdrs),
                       compare_body=not listing(t))
        yield Case("cond", f"{slug(t)}.HEAD-inm-etag",
                   req("HEAD", t, headers=[f"If-None-Match: @ETAG({t})@"]), methods=("HEAD",))


RANGES = ["bytes=0-4", "bytes=-5", "bytes=5-", "bytes=0-0,2-2", "bytes=-0", "bytes=0-",
          "bytes=100000-", "bytes=99999-", "bytes=5-2", "bytes=x-y", "lines=0-1", "bytes= 0-4",
          "bytes=0-4 ", "BYTES=0-4", "bytes=0-4,", "bytes=,0-4", "bytes=0-4,2-8",
          "bytes=0-1,3-4,6-7", "bytes=" + ",".join(["0-1"] * 40), "bytes=-999999",
          "bytes=0-4, 1000000-", "bytes=1000000-,2000000-", "bytes=0--4", "bytes"]


def range_cases():
    for t in ("/a.txt", "/big.bin", "/empty.txt", "/noindex/"):
        for r in RANGES:
            yield Case("range", f"{slug(t)}.{slug(r)[:50]}", req("GET", t, headers=[f"Range: {r}"]),
                       compare_body=not listing(t))
        yield Case("range", f"{slug(t)}.twice",
                   req("GET", t, headers=["Range: bytes=0-1", "Range: bytes=2-3"]),
                   compare_body=not listing(t))
        yield Case("range", f"{slug(t)}.HEAD", req("HEAD", t, headers=["Range: bytes=0-4"]),
                   methods=("HEAD",))
    for t in ("/a.txt", "/big.bin"):
        e = f"@ETAG({t})@"
        for name, v in [("etag", e), ("weak", "W/" + e), ("stale", '"zz"'), ("date", LM),
                        ("date-earlier", EARLIER), ("garbage", "x")]:
            yield Case("range", f"{slug(t)}.if-range-{name}",
                       req("GET", t, headers=["Range: bytes=0-4", f"If-Range: {v}"]))


def framing_cases():
    """Each followed by a second request: answered only if framing says so."""
    nxt = req("GET", "/noindex/b.txt")
    rows = [
        ("cl0", ["Content-Length: 0"], b""),
        ("cl5", ["Content-Length: 5"], b"hello"),
        ("cl-short", ["Content-Length: 10"], b"hello"),
        ("cl-plus", ["Content-Length: +5"], b"hello"),
        ("cl-neg", ["Content-Length: -1"], b""),
        ("cl-hex", ["Content-Length: 0x5"], b"hello"),
        ("cl-list-same", ["Content-Length: 5, 5"], b"hello"),
        ("cl-twice-same", ["Content-Length: 5", "Content-Length: 5"], b"hello"),
        ("cl-twice-differ", ["Content-Length: 5", "Content-Length: 6"], b"hello!"),
        ("cl-huge", ["Content-Length: 99999999999999999999"], b""),
        ("cl-space-inside", ["Content-Length: 1 0"], b""),
        ("te-chunked", ["Transfer-Encoding: chunked"], b"5\r\nhello\r\n0\r\n\r\n"),
        ("te-chunked-upper", ["Transfer-Encoding: CHUNKED"], b"5\r\nhello\r\n0\r\n\r\n"),
        ("te-chunked-cl", ["Transfer-Encoding: chunked", "Content-Length: 4"],
         b"0\r\n\r\n"),
        ("cl-te-chunked", ["Content-Length: 4", "Transfer-Encoding: chunked"],
         b"0\r\n\r\n"),
        ("te-gzip", ["Transfer-Encoding: gzip"], b""),
        ("te-gzip-chunked", ["Transfer-Encoding: gzip, chunked"], b"0\r\n\r\n"),
        ("te-chunked-gzip", ["Transfer-Encoding: chunked, gzip"], b"0\r\n\r\n"),
        ("te-identity", ["Transfer-Encoding: identity"], b""),
        ("te-empty-cl", ["Transfer-Encoding:", "Content-Length: 4"], b"GET "),
        ("te-blank-cl", ["Transfer-Encoding:   ", "Content-Length: 4"], b"GET "),
        ("cl-te-empty", ["Content-Length: 4", "Transfer-Encoding:"], b"GET "),
        ("te-twice", ["Transfer-Encoding: chunked", "Transfer-Encoding: chunked"],
         b"0\r\n\r\n"),
        ("te-xchunked", ["Transfer-Encoding: xchunked"], b"0\r\n\r\n"),
        ("te-quoted", ['Transfer-Encoding: "chunked"'], b"0\r\n\r\n"),
        ("chunk-ext", ["Transfer-Encoding: chunked"], b"5;a=b\r\nhello\r\n0\r\n\r\n"),
        ("chunk-trailer", ["Transfer-Encoding: chunked"], b"0\r\nX-T: 1\r\n\r\n"),
        ("chunk-bad-size", ["Transfer-Encoding: chunked"], b"zz\r\nhello\r\n0\r\n\r\n"),
        ("chunk-no-crlf", ["Transfer-Encoding: chunked"], b"5\r\nhelloXX0\r\n\r\n"),
        ("chunk-size-space", ["Transfer-Encoding: chunked"], b"5 \r\nhello\r\n0\r\n\r\n"),
        ("chunk-size-0x", ["Transfer-Encoding: chunked"], b"0x5\r\nhello\r\n0\r\n\r\n"),
        ("chunk-huge", ["Transfer-Encoding: chunked"], b"ffffffffffffffffff\r\n"),
    ]
    for name, hdrs, body in rows:
        for v in ("HTTP/1.1", "HTTP/1.0"):
            if v == "HTTP/1.0" and not name.startswith(("te-chunked", "te-empty", "cl5")):
                continue
            extra = ["Connection: keep-alive"] if v == "HTTP/1.0" else []
            yield Case("framing", f"{slug(v)}.{name}",
                       req("GET", "/a.txt", v, hdrs + extra, body=body) + nxt)
        yield Case("framing", f"POST.{name}", req("POST", "/a.txt", headers=hdrs, body=body) + nxt)


def pipeline_cases():
    g, hd = req("GET", "/a.txt"), req("HEAD", "/a.txt")
    miss, lst = req("GET", "/missing.txt"), req("GET", "/noindex/")
    close = req("GET", "/a.txt", headers=["Connection: close"])
    bad = req("GET", "/a.txt", headers=["Host: a b"], host=False)
    rows = [("get-get", g + g, "GG"), ("get-head-get", g + hd + g, "GHG"),
            ("head-head", hd + hd, "HH"), ("miss-get", miss + g, "GG"),
            ("get-close-get", g + close + g, "GGG"), ("close-get", close + g, "GG"),
            ("bad-get", bad + g, "GG"), ("get-bad-get", g + bad + g, "GGG"),
            ("list-get", lst + g, "GG"), ("get-x3-head", g + g + g + hd, "GGGH"),
            ("post-body-get", req("POST", "/a.txt", headers=["Content-Length: 3"], body=b"abc")
             + g, "GG"),
            ("get-body-get", req("GET", "/a.txt", headers=["Content-Length: 3"], body=b"abc")
             + g, "GG"),
            ("http10-ka-get", req("GET", "/a.txt", "HTTP/1.0", ["Connection: keep-alive"]) + g, "GG"),
            ("http10-get", req("GET", "/a.txt", "HTTP/1.0") + g, "GG"),
            ("crlf-between", g + b"\r\n" + g, "GG")]
    for name, data, ms in rows:
        methods = tuple("HEAD" if c == "H" else "GET" for c in ms)
        yield Case("pipeline", name, data, methods=methods,
                   compare_body="list" not in name)


def cases():
    out = []
    for gen in (method_cases, target_cases, host_cases, version_cases, header_cases,
                connection_cases, expect_cases, conditional_cases, range_cases,
                framing_cases, pipeline_cases):
        out += list(gen())
    return out
