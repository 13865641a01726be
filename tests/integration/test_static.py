"""Static files: bytes, headers, index files, redirects, methods, conditionals."""

import email.utils
import hashlib
import os
import re
import time

from harness import INDEX_HTML, curl, daemon, parametrize, req

MTIME = 1700000000  # fixed so that ETag and Last-Modified are known exactly
BIG_SIZE = (8 << 20) + 1234


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def etag(path):
    st = os.stat(path)
    return f'"{int(st.st_mtime):x}-{st.st_size:x}"'


def check_file_headers(resp, path, content_type):
    """The headers every 200 for a file must carry, exactly."""
    size = os.path.getsize(path)
    assert resp.status == 200, resp
    assert resp.header("Content-Length") == str(size), resp
    assert resp.header("Content-Type") == content_type, resp
    assert resp.header("Last-Modified") == email.utils.formatdate(
        os.stat(path).st_mtime, usegmt=True), resp
    assert resp.header("ETag") == etag(path), resp
    assert re.fullmatch(r"forkd(/\S+)?", resp.header("Server", "")), resp
    check_date(resp)


def check_date(resp):
    date = resp.header("Date")
    assert date and re.fullmatch(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT",
                                 date), resp
    skew = abs(email.utils.parsedate_to_datetime(date).timestamp() - time.time())
    assert skew < 60, f"Date {date} is {skew:.0f}s off"


def check_error(resp, status):
    assert resp.status == status, resp
    assert resp.header("Content-Type", "").startswith("text/html"), resp
    assert resp.header("Content-Length") == str(len(resp.body)), resp
    assert resp.body, "error responses have a short body"


def test_small_and_large_files_identical(d):
    big = os.urandom(BIG_SIZE)
    d.write_file("big.bin", big)
    out = d.path("curl.out")
    for path, data in [("/index.html", INDEX_HTML), ("/big.bin", big)]:
        r = curl("-o", out, "-w", "%{http_code}", d.url(path))
        assert r.returncode == 0 and r.stdout == b"200", (r.returncode, r.stdout, r.stderr)
        with open(out, "rb") as f:
            assert sha256(f.read()) == sha256(data), f"curl {path}: bytes differ"
        resp = d.get(path)
        assert resp.status == 200, resp
        assert len(resp.body) == len(data), f"http.client {path}: {len(resp.body)} bytes"
        assert sha256(resp.body) == sha256(data), f"http.client {path}: bytes differ"


@parametrize("case", ["index.html", "image.png", "notes.txt", "blob.zzq", "big.bin"])
def test_headers_on_200(d, case):
    types = {"index.html": "text/html; charset=utf-8", "image.png": "image/png",
             "notes.txt": "text/plain; charset=utf-8", "blob.zzq": "application/octet-stream",
             "big.bin": "application/octet-stream"}
    data = os.urandom(BIG_SIZE) if case == "big.bin" else b"\x89PNG\r\n\x1a\n" + os.urandom(300)
    if case == "index.html":
        data = INDEX_HTML
    path = d.write_file(case, data, mtime=MTIME)
    resp = d.get("/" + case)
    check_file_headers(resp, path, types[case])
    assert resp.body == data


def test_connection_header_on_200(d):
    """HTTP/1.1 is persistent by default, so no header says so (RFC 9112
    section 9.3); HTTP/1.0 clients are told when the connection stays."""
    for version, headers, want in [("HTTP/1.1", {}, None),
                                   ("HTTP/1.1", {"Connection": "close"}, "close"),
                                   ("HTTP/1.0", {"Connection": "keep-alive"}, "keep-alive"),
                                   ("HTTP/1.0", {}, "close")]:
        r = d.raw(req("GET", "/index.html", version, headers), n=1)
        assert r.responses and r.responses[0].status == 200, r.data[:200]
        got = r.responses[0].header("Connection")
        assert got == want, f"{version} {headers}: Connection {got!r}, want {want!r}"
    with d.conn() as c:                     # and it does stay open
        c.send(req("GET", "/index.html"))
        assert c.response().status == 200
        c.send(req("GET", "/index.html"))
        assert c.response().status == 200


def test_missing_file_404(d):
    check_error(d.get("/no-such-file.html"), 404)
    check_error(d.get("/no/such/dir/"), 404)


def test_index_for_root_and_dir(d):
    d.write_file("dir/index.html", b"<p>dir index</p>\n")
    d.write_file("dir/sub/index.html", b"<p>sub index</p>\n")
    for path, body in [("/", INDEX_HTML), ("/dir/", b"<p>dir index</p>\n"),
                       ("/dir/sub/", b"<p>sub index</p>\n")]:
        resp = d.get(path)
        assert resp.status == 200, (path, resp)
        assert resp.body == body, (path, resp)
        assert resp.header("Content-Type") == "text/html; charset=utf-8", resp


def test_directory_without_index_403(d):
    d.write_file("noindex/file.txt", b"x")
    check_error(d.get("/noindex/"), 403)


def test_directory_without_slash_301(d):
    d.write_file("dir/index.html", b"dir\n")
    for path, location in [("/dir", "/dir/"), ("/dir?x=1&y=2", "/dir/?x=1&y=2")]:
        resp = d.get(path)
        assert resp.status == 301, (path, resp)
        assert resp.header("Location", "").endswith(location), (path, resp)


def test_query_string_ignored_for_files(d):
    resp = d.get("/index.html?v=123")
    assert resp.status == 200 and resp.body == INDEX_HTML, resp


def test_head_same_headers_no_body(d):
    d.write_file("big.bin", os.urandom(BIG_SIZE))
    for path in ["/index.html", "/big.bin"]:
        with d.conn() as c:
            c.send(req("HEAD", path) + req("GET", path))
            head, get = c.responses(2, ("HEAD", "GET"), timeout=10)
        assert head.status == 200 and head.body == b"", head
        assert get.status == 200 and len(get.body) == int(get.header("Content-Length")), get
        without_date = [h for h in head.header_list if h[0].lower() != "date"]
        assert without_date == [h for h in get.header_list if h[0].lower() != "date"], \
            f"HEAD {head.header_list} != GET {get.header_list}"


@parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS"])
def test_other_methods_405(d, method):
    r = d.raw(req(method, "/index.html", headers={"Content-Length": "0",
                                                   "Connection": "close"}), n=1)
    assert len(r.responses) == 1, r.data[:300]
    check_error(r.responses[0], 405)
    assert r.responses[0].header("Allow") == "GET, HEAD", r.responses[0]


@parametrize("line", [b"GARBAGE", b"GET /index.html HTTP/1.1 extra", b"GET /index.html HTTX/1.1",
                      b"GET index.html HTTP/1.1"])
def test_malformed_request_line_400(d, line):
    r = d.raw(line + b"\r\nHost: 127.0.0.1\r\n\r\n", n=1)
    assert len(r.responses) == 1, f"no response to {line!r}: {r.data[:300]!r}"
    check_error(r.responses[0], 400)


def test_http_version_2_505(d):
    r = d.raw(b"GET /index.html HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n", n=1)
    assert len(r.responses) == 1, r.data[:300]
    check_error(r.responses[0], 505)


def test_conditional_requests_304(d):
    path = d.write_file("page.html", b"<p>conditional</p>\n", mtime=MTIME)
    last_modified = email.utils.formatdate(MTIME, usegmt=True)
    cases = [({"If-None-Match": etag(path)}, 304),
             ({"If-None-Match": '"0-0"'}, 200),
             ({"If-Modified-Since": last_modified}, 304),
             ({"If-Modified-Since": email.utils.formatdate(MTIME - 3600, usegmt=True)}, 200)]
    for headers, status in cases:
        with d.conn() as c:
            # The pipelined GET must parse right after the 304's headers.
            c.send(req("GET", "/page.html", headers=headers) + req("GET", "/index.html"))
            cond, after = c.responses(2)
        assert cond.status == status, (headers, cond)
        if status == 304:
            assert cond.body == b"", cond
            check_date(cond)
        else:
            assert cond.body == b"<p>conditional</p>\n", cond
        assert after.status == 200 and after.body == INDEX_HTML, (headers, after)


@daemon(workers=1)
def test_one_worker_serves(d):
    assert len(d.workers()) == 1
    assert d.get("/").body == INDEX_HTML
