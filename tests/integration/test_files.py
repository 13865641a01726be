"""File-serving directives: symlinks, precompressed, charset and MIME
types, error_page, fallback; config errors for them reported as FILE:LINE."""

import gzip
import os
import re

from harness import daemon, parametrize, req
from test_config import check_rejected
from harness import line_of

SECRET = b"outside the root\n"


def get(d, target, **headers):
    """One request on its own connection: its response."""
    hdrs = dict(headers, Connection="close")
    hdrs = {k.replace("_", "-"): v for k, v in hdrs.items()}
    r = d.raw(req("GET", target, headers=hdrs), n=1)
    assert len(r.responses) == 1, r.data[:300]
    return r.responses[0]


def head(d, target, **headers):
    hdrs = {k.replace("_", "-"): v for k, v in dict(headers, Connection="close").items()}
    r = d.raw(req("HEAD", target, headers=hdrs), n=1, methods=("HEAD",))
    assert len(r.responses) == 1, r.data[:300]
    return r.responses[0]


# --- symlinks = follow | owner | off

def symlink_setup(d, policy):
    """A link to a file inside the root, one to a file outside it, one to
    a directory inside, and one to a file owned by someone else."""
    d.write_file("real.txt", b"real\n")
    d.write_file("sub/in.txt", b"in sub\n")
    secret = d.path("secret.txt")
    with open(secret, "wb") as f:
        f.write(SECRET)
    os.chmod(secret, 0o644)
    os.symlink("real.txt", os.path.join(d.root, "inside.txt"))
    os.symlink(secret, os.path.join(d.root, "outside.txt"))
    os.symlink("../secret.txt", os.path.join(d.root, "outside-rel.txt"))
    os.symlink("sub", os.path.join(d.root, "linkdir"))
    d.write_file("theirs.txt", b"someone else's\n")
    os.symlink("theirs.txt", os.path.join(d.root, "theirs-link.txt"))
    if os.geteuid() == 0:
        os.chown(os.path.join(d.root, "theirs.txt"), 65534, 65534)
    if policy is not None:
        d.servers[0]["symlinks"] = policy
    d.start()


@parametrize("policy", [None, "follow", "owner", "off"])
@daemon(start=False, workers=1)
def test_symlinks(d, policy):
    symlink_setup(d, policy)
    follows = policy in (None, "follow", "owner")
    for target, body in [("/inside.txt", b"real\n"), ("/linkdir/in.txt", b"in sub\n")]:
        r = get(d, target)
        if follows:
            assert r.status == 200 and r.body == body, (target, r)
        else:
            assert r.status == 403, (target, r)
    # never outside the root, whatever the policy
    for target in ("/outside.txt", "/outside-rel.txt"):
        r = get(d, target)
        assert r.status == 403 and SECRET not in r.body, (target, r)
    # the plain file itself is always there
    assert get(d, "/real.txt").status == 200
    r = get(d, "/theirs-link.txt")
    if policy == "owner" and os.geteuid() == 0:
        assert r.status == 403, r
    elif follows:
        assert r.status == 200 and r.body == b"someone else's\n", r
    else:
        assert r.status == 403, r
    assert d.sanitizer_reports() == [], d.sanitizer_reports()


@daemon(start=False)
def test_symlinks_bad_value(d):
    d.servers[0]["symlinks"] = "sometimes"
    text = d.config_text()
    check_rejected(d, text, line_of(text, "    symlinks ="))


# --- precompressed = off | on

PLAIN = b"body { color: red }\n" * 50
GZ = gzip.compress(PLAIN, mtime=0)
BR = b"pretend-brotli-bytes\n" * 3    # forkd never looks inside


def precompressed_setup(d, on=True):
    d.write_file("s.css", PLAIN, mtime=1700000000)
    d.write_file("s.css.gz", GZ, mtime=1700000000)
    d.write_file("s.css.br", BR, mtime=1700000000)
    d.write_file("only-gz.js", b"var a = 1;\n" * 20)
    d.write_file("only-gz.js.gz", gzip.compress(b"var a = 1;\n" * 20, mtime=0))
    d.write_file("plain.txt", b"no siblings\n")
    os.makedirs(os.path.join(d.root, "dirsib.txt.gz"))
    d.write_file("dirsib.txt", b"sibling is a directory\n")
    d.write_file("app/index.html", b"<p>app</p>\n" * 30)
    d.write_file("app/index.html.gz", gzip.compress(b"<p>app</p>\n" * 30, mtime=0))
    if on:
        d.servers[0]["precompressed"] = "on"
    d.start()


@daemon(start=False, workers=1)
def test_precompressed(d):
    precompressed_setup(d)
    css = "text/css; charset=utf-8"
    ident = get(d, "/s.css")
    assert ident.status == 200 and ident.body == PLAIN, ident
    assert ident.header("Content-Encoding") is None, ident
    assert ident.header("Vary") == "Accept-Encoding", ident
    tags = {ident.header("ETag")}
    for ae, coding, body in [("gzip", "gzip", GZ), ("br", "br", BR),
                             ("gzip, deflate, br", "br", BR),
                             ("br;q=0, gzip", "gzip", GZ),
                             ("gzip;q=1, br;q=0.5", "gzip", GZ),
                             ("*", "br", BR), ("x-gzip", "gzip", GZ)]:
        r = get(d, "/s.css", Accept_Encoding=ae)
        assert r.status == 200 and r.body == body, (ae, r)
        assert r.header("Content-Encoding") == coding, (ae, r)
        assert r.header("Content-Type") == css, (ae, r)
        assert r.header("Content-Length") == str(len(body)), (ae, r)
        assert r.header("Vary") == "Accept-Encoding", (ae, r)
        assert coding in r.header("ETag"), (ae, r)
        tags.add(r.header("ETag"))
    assert len(tags) == 3, tags
    # refused or unknown codings: the identity file, still with Vary
    for ae in ["gzip;q=0, br;q=0", "identity", "deflate", "*;q=0", "zstd"]:
        r = get(d, "/s.css", Accept_Encoding=ae)
        assert r.status == 200 and r.body == PLAIN, (ae, r)
        assert r.header("Content-Encoding") is None and r.header("Vary") == "Accept-Encoding", r
    # only a .gz exists: br-first clients get it
    r = get(d, "/only-gz.js", Accept_Encoding="br, gzip")
    assert r.header("Content-Encoding") == "gzip" and gzip.decompress(r.body) == b"var a = 1;\n" * 20
    # no sibling, or one that is not a regular file
    for target in ("/plain.txt", "/dirsib.txt"):
        r = get(d, target, Accept_Encoding="gzip")
        assert r.status == 200 and r.header("Content-Encoding") is None, (target, r)
        assert r.header("Vary") == "Accept-Encoding", r
    # the index file of a directory too
    r = get(d, "/app/", Accept_Encoding="gzip")
    assert r.header("Content-Encoding") == "gzip" and r.header("Content-Type").startswith("text/html")
    # HEAD matches GET
    h = head(d, "/s.css", Accept_Encoding="gzip")
    assert h.status == 200 and h.header("Content-Length") == str(len(GZ)), h
    assert h.header("Content-Encoding") == "gzip", h
    # asking for the sibling itself: served as what it is
    r = get(d, "/s.css.gz")
    assert r.header("Content-Type") == "application/gzip" and r.body == GZ, r
    assert d.sanitizer_reports() == [], d.sanitizer_reports()


@daemon(start=False, workers=1)
def test_precompressed_ranges_and_conditionals(d):
    precompressed_setup(d)
    r = get(d, "/s.css", Accept_Encoding="gzip", Range="bytes=0-9")
    assert r.status == 206 and r.body == GZ[:10], r
    assert r.header("Content-Range") == f"bytes 0-9/{len(GZ)}", r
    assert r.header("Content-Encoding") == "gzip", r
    r = get(d, "/s.css", Accept_Encoding="gzip", Range=f"bytes={len(GZ)}-")
    assert r.status == 416 and r.header("Content-Range") == f"bytes */{len(GZ)}", r
    gz_tag = get(d, "/s.css", Accept_Encoding="gzip").header("ETag")
    id_tag = get(d, "/s.css").header("ETag")
    assert gz_tag != id_tag
    r = get(d, "/s.css", Accept_Encoding="gzip", If_None_Match=gz_tag)
    assert r.status == 304 and r.body == b"", r
    assert r.header("ETag") == gz_tag and r.header("Vary") == "Accept-Encoding", r
    # the identity tag does not validate the gzip representation
    r = get(d, "/s.css", Accept_Encoding="gzip", If_None_Match=id_tag)
    assert r.status == 200 and r.body == GZ, r
    # If-Range with the identity tag: the range is not applied to gzip bytes
    r = get(d, "/s.css", Accept_Encoding="gzip", Range="bytes=0-9", If_Range=id_tag)
    assert r.status == 200 and r.body == GZ, r
    r = get(d, "/s.css", Accept_Encoding="gzip", Range="bytes=0-9", If_Range=gz_tag)
    assert r.status == 206 and r.body == GZ[:10], r


@daemon(start=False, workers=1)
def test_precompressed_off_by_default(d):
    precompressed_setup(d, on=False)
    r = get(d, "/s.css", Accept_Encoding="gzip, br")
    assert r.status == 200 and r.body == PLAIN, r
    assert r.header("Content-Encoding") is None and r.header("Vary") is None, r


@daemon(start=False, workers=1)
def test_precompressed_sibling_link_outside_root(d):
    d.write_file("x.txt", b"identity\n")
    outside = d.path("evil.gz")
    with open(outside, "wb") as f:
        f.write(SECRET)
    os.chmod(outside, 0o644)
    os.symlink(outside, os.path.join(d.root, "x.txt.gz"))
    d.servers[0]["precompressed"] = "on"
    d.start()
    r = get(d, "/x.txt", Accept_Encoding="gzip")
    assert r.status == 200 and r.body == b"identity\n", r
    assert r.header("Content-Encoding") is None


@daemon(start=False)
def test_precompressed_bad_value(d):
    d.servers[0]["precompressed"] = "maybe"
    text = d.config_text()
    check_rejected(d, text, line_of(text, "    precompressed ="))


# --- mime_types and charset

@daemon(start=False, workers=1)
def test_mime_types_file_and_charset(d):
    types = d.path("my.types")
    with open(types, "w") as f:
        f.write("# test types\ntext/x-thing thing\napplication/x-own png\n")
    d.top["mime_types"] = types
    d.servers[0]["charset"] = "iso-8859-1"
    for name in ("a.thing", "b.png", "c.json", "d.css", "e.bin", "f.js"):
        d.write_file(name, b"x\n")
    d.start()
    want = {"/a.thing": "text/x-thing; charset=iso-8859-1",
            "/b.png": "application/x-own",
            "/c.json": "application/json; charset=iso-8859-1",
            "/d.css": "text/css; charset=iso-8859-1",
            "/e.bin": "application/octet-stream"}
    for target, ctype in want.items():
        assert get(d, target).header("Content-Type") == ctype, target
    assert get(d, "/f.js").header("Content-Type").endswith("; charset=iso-8859-1")


@parametrize("value", ["off", ""])
@daemon(start=False, workers=1)
def test_charset_off(d, value):
    d.servers[0]["charset"] = value
    d.top["mime_types"] = "off"
    d.write_file("a.txt", b"x\n")
    d.write_file("a.png", b"x\n")
    d.start()
    assert get(d, "/a.txt").header("Content-Type") == "text/plain"
    assert get(d, "/a.png").header("Content-Type") == "image/png"


@daemon(start=False, workers=1)
def test_mime_types_missing_file_refused(d):
    # A file the config names must be there (a start refused it too late
    # before, and served the built-in types); the default may be missing.
    d.top["mime_types"] = d.path("no-such.types")
    text = d.config_text()
    check_rejected(d, text, line_of(text, "mime_types ="))


@daemon(start=False)
def test_charset_bad_value(d):
    d.servers[0]["charset"] = "utf 8"
    text = d.config_text()
    check_rejected(d, text, line_of(text, "    charset ="))


# --- fallback (single-page apps)

NAV_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

@daemon(start=False, workers=1)
def test_fallback(d):
    d.write_file("app.html", b"<p>spa</p>\n")
    d.write_file("real.txt", b"real\n")
    d.write_file(".env", b"SECRET\n")
    os.makedirs(os.path.join(d.root, "emptydir"))
    d.servers[0]["fallback"] = "/app.html"
    d.start()
    # navigations only (issue 15 item 8): a page load by its headers
    for target in ("/some/route", "/nope.txt", "/users/42?tab=x"):
        r = get(d, target, Accept=NAV_ACCEPT)
        assert r.status == 200 and r.body == b"<p>spa</p>\n", (target, r)
        assert r.header("Content-Type") == "text/html; charset=utf-8", r
        assert r.header("Cache-Control") == "no-cache", r
        r = get(d, target, Sec_Fetch_Dest="document")
        assert r.status == 200 and r.body == b"<p>spa</p>\n", (target, r)
    assert get(d, "/real.txt").body == b"real\n"
    h = head(d, "/route", Accept="text/html")
    assert h.status == 200 and h.header("Content-Length") == "11", h
    # anything else that misses: a real 404 no cache keeps
    for headers in ({}, {"Accept": "*/*"}, {"Sec_Fetch_Dest": "script", "Accept": "text/html"},
                    {"Accept": "image/avif,image/webp,*/*"}):
        r = get(d, "/assets/app.3f2a.js", **headers)
        assert r.status == 404 and r.header("Cache-Control") == "no-store", (headers, r)
    # not for other errors
    assert get(d, "/emptydir/").status == 403
    assert get(d, "/a/../../x").status == 400
    assert d.raw(req("POST", "/route", headers={"Content-Length": "0", "Connection": "close"}),
                 n=1).responses[0].status == 405


@daemon(start=False, workers=1)
def test_fallback_missing_file_is_404(d):
    d.servers[0]["fallback"] = "/gone.html"
    d.start()
    assert get(d, "/route", Accept="text/html").status == 404


@daemon(start=False)
def test_fallback_bad_value(d):
    d.servers[0]["fallback"] = "app.html"
    text = d.config_text()
    check_rejected(d, text, line_of(text, "    fallback ="))


# --- error_page

PAGE_404 = b"<h1>custom not found</h1>\n"
PAGE_5XX = b"custom trouble\n"


@daemon(start=False, workers=1)
def test_error_page(d):
    d.write_file("errors/404.html", PAGE_404)
    d.write_file("errors/403.txt", b"custom forbidden\n")
    d.write_file("errors/other.html", b"<p>other</p>\n")
    d.write_file("data.bin", b"0123456789")
    d.write_file(".hidden.html", b"hidden page\n")
    os.makedirs(os.path.join(d.root, "noindex"))
    d.servers[0]["error_page"] = ["404=/errors/404.html",
                                  "403=/errors/403.txt",
                                  "405 416 412=/errors/other.html",
                                  "400=/.hidden.html",
                                  "414=/errors/missing.html"]
    d.start()
    r = get(d, "/nope")
    assert r.status == 404 and r.body == PAGE_404, r
    assert r.header("Content-Type") == "text/html; charset=utf-8", r
    assert r.header("Content-Length") == str(len(PAGE_404)), r
    h = head(d, "/nope")
    assert h.status == 404 and h.body == b"", h
    assert h.header("Content-Length") == str(len(PAGE_404)), h
    r = get(d, "/noindex/")
    assert r.status == 403 and r.body == b"custom forbidden\n", r
    assert r.header("Content-Type") == "text/plain; charset=utf-8", r
    r = get(d, "/data.bin", Range="bytes=50-")
    assert r.status == 416 and r.body == b"<p>other</p>\n", r
    assert r.header("Content-Range") == "bytes */10", r
    r = get(d, "/data.bin", If_Match='"nope"')
    assert r.status == 412 and r.body == b"<p>other</p>\n", r
    r = d.raw(req("DELETE", "/x", headers={"Connection": "close"}), n=1).responses[0]
    assert r.status == 405 and r.body == b"<p>other</p>\n", r
    assert r.header("Allow") == "GET, HEAD", r
    # a hidden page (dotfiles = deny) and a missing one: the built-in body
    r = get(d, "/a/../../x")
    assert r.status == 400 and b"400 Bad Request" in r.body, r
    assert b"hidden page" not in r.body
    r = get(d, "/" + "a" * 5000)
    assert r.status == 414 and b"414" in r.body, r
    # success is untouched, and the page may be fetched as itself (200)
    r = get(d, "/errors/404.html")
    assert r.status == 200 and r.body == PAGE_404, r
    # the connection stays open after a 404 answered with a page
    rr = d.raw(req("GET", "/nope") + req("GET", "/data.bin", headers={"Connection": "close"}), n=2)
    assert [x.status for x in rr.responses] == [404, 200], rr.data[:300]
    assert rr.responses[0].body == PAGE_404 and rr.responses[1].body == b"0123456789"
    assert d.sanitizer_reports() == [], d.sanitizer_reports()


@daemon(start=False, workers=1)
def test_error_page_never_outside_root(d):
    outside = d.path("outside.html")
    with open(outside, "wb") as f:
        f.write(SECRET)
    os.chmod(outside, 0o644)
    os.symlink(outside, os.path.join(d.root, "link.html"))
    d.write_file("sub/page.html", b"sub\n")
    d.servers[0]["error_page"] = ["404=/link.html", "403=/../outside.html"]
    d.start()
    r = get(d, "/missing")
    assert r.status == 404 and SECRET not in r.body and b"404 Not Found" in r.body, r
    os.makedirs(os.path.join(d.root, "empty"))
    r = get(d, "/empty/")
    assert r.status == 403 and SECRET not in r.body, r


@daemon(start=False, workers=1)
def test_error_page_missing_page_is_builtin(d):
    d.servers[0]["error_page"] = ["404=/gone.html", "404 500=/sub/"]
    os.makedirs(os.path.join(d.root, "sub"))
    d.write_file("sub/index.html", b"index\n")
    d.start()
    # the later entry wins; a directory is not a page (no index lookup)
    r = get(d, "/missing")
    assert r.status == 404 and b"404 Not Found" in r.body, r


@parametrize("value", ["404 /e.html", "399=/e.html", "600=/e.html", "404=e.html",
                       "=/e.html", "404,500=/e.html", "404=/e.html?x"])
@daemon(start=False)
def test_error_page_bad_value(d, value):
    d.servers[0]["error_page"] = ["500=/ok.html", value]
    text = d.config_text()
    check_rejected(d, text, line_of(text, "    error_page ="))


# --- autoindex = off | on

def autoindex_setup(d, dotfiles=None):
    d.write_file("list/b.txt", b"bb\n", mtime=1700000000)
    d.write_file("list/a.txt", b"a\n", mtime=1700000000)
    d.write_file("list/<x>&\"'.txt", b"x\n")
    d.write_file("list/sp ace:c.txt", b"s\n")
    d.write_file("list/zdir/in.txt", b"in\n")
    d.write_file("list/Adir/in.txt", b"in\n")
    d.write_file("list/.secret", b"SECRET\n")
    outside = d.path("outside-dir")
    os.makedirs(outside, exist_ok=True)
    with open(os.path.join(outside, "hidden-name.txt"), "wb") as f:
        f.write(b"x")
    os.symlink(outside, os.path.join(d.root, "list", "out-link"))
    os.makedirs(os.path.join(d.root, "empty"))
    d.servers[0]["autoindex"] = "on"
    if dotfiles:
        d.servers[0]["dotfiles"] = dotfiles
    d.start()


@daemon(start=False, workers=1)
def test_autoindex(d):
    autoindex_setup(d)
    r = get(d, "/list/")
    assert r.status == 200, r
    assert r.header("Content-Type") == "text/html; charset=utf-8", r
    assert r.header("Content-Length") == str(len(r.body)), r
    body = r.body.decode()
    hrefs = re.findall(r'<a href="([^"]*)">', body)
    # parent, directories first, then files, each group bytewise
    assert hrefs == ["../", "Adir/", "zdir/", "%3Cx%3E%26%22%27.txt", "a.txt", "b.txt",
                     "out-link", "sp%20ace%3Ac.txt"], hrefs
    assert "&lt;x&gt;&amp;&quot;&#39;.txt</a>" in body, body
    assert "<x>" not in body
    assert "2023-11-14 22:13" in body and 'title="3 bytes">3 B<' in body, body  # b.txt
    assert ".secret" not in body and "hidden-name" not in body, body
    # the root has no parent link; the index file wins over a listing
    r = get(d, "/empty/")
    assert r.status == 200 and '"../"' in r.body.decode(), r
    os.remove(os.path.join(d.root, "index.html"))
    r = get(d, "/")
    assert r.status == 200 and '"../"' not in r.body.decode() and "list/" in r.body.decode(), r
    d.write_file("empty/index.html", b"idx\n")
    assert get(d, "/empty/").body == b"idx\n"
    # HEAD: the same headers; without the slash: a redirect
    h = head(d, "/list/")
    assert h.status == 200 and h.body == b"", h
    assert h.header("Content-Length") == get(d, "/list/").header("Content-Length"), h
    assert get(d, "/list").status == 301
    # following the hrefs works
    assert get(d, "/list/sp%20ace%3Ac.txt").body == b"s\n"
    assert d.sanitizer_reports() == [], d.sanitizer_reports()


@daemon(start=False, workers=1)
def test_autoindex_dotfiles_allowed(d):
    autoindex_setup(d, dotfiles="allow")
    body = get(d, "/list/").body.decode()
    assert '<a href=".secret">.secret</a>' in body, body


@daemon(start=False, workers=1)
def test_autoindex_off_by_default(d):
    os.makedirs(os.path.join(d.root, "empty"))
    d.start()
    assert get(d, "/empty/").status == 403


@daemon(start=False, workers=1)
def test_autoindex_many_entries(d):
    os.makedirs(os.path.join(d.root, "many"))
    for i in range(10050):
        open(os.path.join(d.root, "many", f"f{i:05}"), "wb").close()
    d.servers[0]["autoindex"] = "on"
    d.start()
    r = get(d, "/many/")
    assert r.status == 200, r
    body = r.body.decode()
    assert body.count("<a href=") == 1 + 10000, body.count("<a href=")
    assert "more entries than are listed" in body


@daemon(start=False)
def test_autoindex_bad_value(d):
    d.servers[0]["autoindex"] = "maybe"
    text = d.config_text()
    check_rejected(d, text, line_of(text, "    autoindex ="))
