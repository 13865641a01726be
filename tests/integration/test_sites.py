"""What static sites need (issue 15): redirect sections, redirect maps,
try_files, per-location settings and a fallback that answers navigations
only.  Hostile inputs included: encoded CR/LF and //host paths that reach a
Location, bad map files, try_files candidates that try to leave the root."""

import os
import time

from harness import daemon, parametrize, req, line_of
from test_config import check_rejected

NAV = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def get(d, target, method="GET", **headers):
    hdrs = {k.replace("_", "-"): v for k, v in dict(headers, Connection="close").items()}
    r = d.raw(req(method, target, headers=hdrs), n=1, methods=(method,))
    assert len(r.responses) == 1, r.data[:300]
    return r.responses[0]


def config_with(d, lines):
    """The daemon's config text with lines added to its only server."""
    text = d.config_text().rstrip("\n")
    assert text.endswith("}")
    return text[:-1] + "".join("    " + line + "\n" for line in lines) + "}\n"


def start_with(d, lines):
    d.write_config(config_with(d, lines))
    d.start()


def moved(r, status, location):
    assert r.status == status and r.header("Location") == location, r


def no_open_redirect(d, targets, statuses):
    """Each target is answered with one of statuses and, if redirected,
    never to another host: no //host or /\\host, no scheme."""
    for target in targets:
        r = get(d, target)
        loc = r.header("Location") or ""
        assert r.status in statuses, (target, r)
        assert not loc.startswith("//") and not loc.startswith("/\\"), (target, loc)
        assert "://" not in loc, (target, loc)


# --- 1. redirect sections

REDIRECTS = [
    'redirect "/old/" { to = "/new/"  status = 301 }',
    'redirect "= /about.php" { to = "/about/"  status = 308 }',
    'redirect "/old/deep/" { to = "/deeper/" status = 302 }',
    'redirect "= /old/x" { to = "/exact-x" status = 303 }',
    'redirect "/away/" { to = "https://other.example" status = 307 }',
    'redirect "/r" { to = "/" }',
    'redirect "= /gone.html" { status = 410 }',
    'location "/docs/" {',
    '    redirect "/docs/v1/" { to = "/docs/v2/" }',
    '}',
]


@daemon(start=False, workers=1)
def test_redirect_rules(d):
    d.write_file("new/a/b.html", b"b\n")
    start_with(d, REDIRECTS)
    moved(get(d, "/old/a/b.html?x=1"), 301, "/new/a/b.html?x=1")
    moved(get(d, "/old/"), 301, "/new/")
    moved(get(d, "/about.php"), 308, "/about/")
    moved(get(d, "/about.php?q=2"), 308, "/about/?q=2")
    assert get(d, "/about.php/x").status == 404  # exact means exact
    moved(get(d, "/old/deep/p"), 302, "/deeper/p")  # longest prefix
    moved(get(d, "/old/x"), 303, "/exact-x")  # exact before prefix
    moved(get(d, "/old/xy"), 301, "/new/xy")
    moved(get(d, "/away/a/b?c=d"), 307, "https://other.example/a/b?c=d")
    moved(get(d, "/docs/v1/intro"), 301, "/docs/v2/intro")  # a location's own
    moved(get(d, "/docs/../old/q"), 301, "/new/q")  # normalised first
    moved(get(d, "/%6fld/q"), 301, "/new/q")
    r = get(d, "/gone.html")
    assert r.status == 410 and b"410 Gone" in r.body, r
    r = get(d, "/old/a", method="HEAD")
    assert r.status == 301 and r.body == b"" and r.header("Location") == "/new/a", r
    assert get(d, "/new/a/b.html").body == b"b\n"


@daemon(start=False, workers=1)
def test_redirect_hostile(d):
    start_with(d, REDIRECTS)
    # encoded CR LF never becomes a header line
    for target in ("/old/a%0d%0aSet-Cookie:%20x=1", "/old/%0D%0A%0D%0A<html>",
                   "/old/a?b=%0d%0aX-Injected:%201", "/old/%E2%80%A8x"):
        r = get(d, target)
        assert r.status == 301, (target, r)
        assert r.header("Set-Cookie") is None and r.header("X-Injected") is None, r
        loc = r.header("Location")
        assert all(0x21 <= ord(c) < 0x7f for c in loc), (target, loc)
        assert b"\r\nSet-Cookie" not in r.raw_head and b"\r\nX-Injected" not in r.raw_head
    moved(get(d, "/old/a%0d%0aSet-Cookie:%20x=1"), 301,
          "/new/a%0D%0ASet-Cookie:%20x=1")
    # raw CR or LF in the target: the request line is refused
    r = d.raw(b"GET /old/a\rb HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", n=1)
    assert r.responses[0].status == 400, r.responses
    # //host shapes against prefix rules: never a protocol-relative Location
    no_open_redirect(d, ("/r//evil.example", "/r/evil.example", "/r/%2Fevil.example",
                         "/r/%2F%2Fevil.example/x", "/r/%5Cevil.example",
                         "/r\\evil.example", "//old//evil.example", "/old//evil.example",
                         "/old/%2f%2fevil.example"), (301, 400, 404))
    moved(get(d, "/r/evil.example"), 301, "/evil.example")
    moved(get(d, "/r/%5Cevil.example"), 301, "/%5Cevil.example")


BAD_REDIRECTS = [
    ('redirect "old" { to = "/new/" }', "CLOSE"),
    ('redirect "/old/" { to = "/new/" status = 200 }', "redirect"),
    ('redirect "/old/" { to = "/new/" status = 304 }', "CLOSE"),
    ('redirect "/old/" { status = 301 }', "CLOSE"),
    ('redirect "/old/" { to = "//evil.example" }', "redirect"),
    ('redirect "/old/" { to = "javascript:alert(1)" }', "redirect"),
    ('redirect "/old/" { to = "/a b" }', "redirect"),
    ('redirect "/old/" { to = "/a" }\n    redirect "/old/" { to = "/b" }', None),
]


@parametrize("case", range(len(BAD_REDIRECTS)))
@daemon(start=False)
def test_redirect_bad(d, case):
    line, needle = BAD_REDIRECTS[case]
    text = config_with(d, [line])
    check_rejected(d, text, None if needle in (None, "CLOSE") else line_of(text, needle))


# --- 2. redirect maps

def write_map(d, text, name="redirects.map"):
    path = d.path(name)
    with open(path, "w") as f:
        f.write(text)
    return path


@daemon(start=False, workers=2)
def test_redirect_map(d):
    d.write_file("plain.txt", b"plain\n")
    path = write_map(d, "# moved\n/a /b\n/caf%C3%A9 https://x.example/cafe 302\n"
                        "/blog/2019/post.html /posts/post/ 308\n")
    start_with(d, [f'redirect_map = "{path}"', 'redirect "/blog/" { to = "/archive/" }'])
    moved(get(d, "/a"), 301, "/b")
    moved(get(d, "/a?utm=1"), 301, "/b?utm=1")
    moved(get(d, "/caf%c3%a9"), 302, "https://x.example/cafe")
    moved(get(d, "/blog/2019/post.html"), 308, "/posts/post/")  # map before prefix
    moved(get(d, "/blog/2020/x.html"), 301, "/archive/2020/x.html")
    assert get(d, "/a/").status == 404
    assert get(d, "/plain.txt").body == b"plain\n"
    # a reload reads the map again
    write_map(d, "/a /c 307\n")
    d.reload_ok()
    moved(get(d, "/a"), 307, "/c")
    # a bad map fails the reload, which keeps the old one
    write_map(d, "/a /d\n/x /y\n/a /e\n")
    r = d.run("-s", "reload", timeout=60)
    assert r.returncode != 0, r
    assert f"{path}:3: duplicate FROM (first on line 1)" in r.stderr + d.error_log(), \
        (r.stderr, d.error_log())
    moved(get(d, "/a"), 307, "/c")


BAD_MAPS = [
    ("/a /b\n/a /c\n", ":2: duplicate FROM (first on line 1): \"/a\""),
    ("/a /b 200\n", ":1: status must be 301, 302, 303, 307 or 308, not \"200\""),
    ("/a /b 30x\n", ":1: status must be"),
    ("/a\n", ":1: expected \"FROM TO [STATUS]\""),
    ("/a /b\n/" + "x" * (1 << 20) + " /c\n", ":2: line longer than 8192 bytes"),
    ("/a //evil.example\n", ":1: to \"//evil.example\" must be"),
    ("a /b\n", ":1: FROM must be a path"),
]


@parametrize("case", range(len(BAD_MAPS)))
@daemon(start=False)
def test_redirect_map_bad(d, case):
    text, want = BAD_MAPS[case]
    path = write_map(d, text)
    d.write_config(config_with(d, [f'redirect_map = "{path}"']))
    r = d.run("-t")
    assert r.returncode == 1 and f"{path}{want}" in r.stderr, r.stderr[:500]


@daemon(start=False)
def test_redirect_map_missing(d):
    d.write_config(config_with(d, [f'redirect_map = "{d.path("none.map")}"']))
    r = d.run("-t")
    assert r.returncode == 1 and "none.map: No such file" in r.stderr, r.stderr


@daemon(start=False, workers=1)
def test_redirect_map_hundred_thousand(d):
    lines = "".join(f"/blog/{i // 100}/post-{i}.html /posts/{i}/\n" for i in range(100000))
    path = write_map(d, lines)
    d.write_config(config_with(d, [f'redirect_map = "{path}"']))
    t0 = time.monotonic()
    r = d.run("-t")
    took = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    assert took < 3.0, took  # ASan build, loaded machine: generous
    d.start()
    moved(get(d, "/blog/999/post-99999.html"), 301, "/posts/99999/")
    moved(get(d, "/blog/0/post-0.html"), 301, "/posts/0/")
    assert get(d, "/blog/0/post-100000.html").status == 404


# --- 3. try_files

TRY = 'try_files = { "$uri", "$uri.html", "$uri/" }'


def try_site(d):
    d.write_file("about.html", b"about page\n")
    d.write_file("about/team.html", b"team\n")
    d.write_file("docs/index.html", b"docs index\n")
    d.write_file("docs.txt", b"plain docs\n")
    d.write_file("style.css", b"body{}\n" * 100)
    d.write_file(".secret.html", b"hidden\n")
    d.write_file("page.html", b"page html\n")
    d.write_file("page.html.gz", b"gzipped!\n")
    os.makedirs(d.path("outside"), exist_ok=True)
    with open(d.path("outside", "leak.html"), "wb") as f:
        f.write(b"outside the root\n")
    os.symlink(d.path("outside", "leak.html"), os.path.join(d.root, "leak.html"))
    os.symlink(d.path("outside"), os.path.join(d.root, "leakdir"))


@daemon(start=False, workers=1)
def test_try_files_clean_urls(d):
    try_site(d)
    start_with(d, [TRY, "precompressed = on"])
    assert get(d, "/about").body == b"about page\n"
    assert get(d, "/about/team").body == b"team\n"
    assert get(d, "/about.html").body == b"about page\n"
    moved(get(d, "/docs?x=1"), 301, "/docs/?x=1")
    assert get(d, "/docs/").body == b"docs index\n"
    assert get(d, "/style.css").status == 200
    assert get(d, "/nothing").status == 404
    # the file finally served gets validators, ranges, conditionals, variants
    r = get(d, "/about")
    etag = r.header("ETag")
    assert etag and r.header("Last-Modified"), r
    assert get(d, "/about", If_None_Match=etag).status == 304
    r = get(d, "/about", Range="bytes=0-4")
    assert r.status == 206 and r.body == b"about", r
    r = get(d, "/page", Accept_Encoding="gzip")
    assert r.body == b"gzipped!\n" and r.header("Content-Encoding") == "gzip", r
    # path-safety rules apply to every candidate
    assert get(d, "/.secret").status == 404
    assert get(d, "/leak").status == 404, "a link out of the root is no candidate"
    assert get(d, "/leakdir/leak").status == 404
    assert get(d, "/a/../../etc/passwd").status == 400


@daemon(start=False, workers=1)
def test_try_files_status_and_fallback(d):
    try_site(d)
    d.write_file("app.html", b"<p>app</p>\n")
    start_with(d, [
        'location "/api/" { try_files = { "$uri", "=410" } }',
        'location "/app/" {',
        '    try_files = { "$uri", "/app.html" }',
        '    expires = 365d',
        '    add_header = { "Cache-Control: public, max-age=31536000, immutable", "X-Frame-Options: DENY" }',
        '}',
    ])
    assert get(d, "/api/x").status == 410
    r = get(d, "/app/some/route", Accept=NAV)
    assert r.status == 200 and r.body == b"<p>app</p>\n", r
    assert r.header("Cache-Control") == "no-cache" and r.header("Expires") is None, r
    assert "immutable" not in str(r.header_list), r
    assert r.header("X-Frame-Options") == "DENY", r
    r = get(d, "/app/assets/main.3f2a.js", Accept="*/*", Sec_Fetch_Dest="script")
    assert r.status == 404 and r.header("Cache-Control") == "no-store", r
    assert "immutable" not in str(r.header_list), r
    r = get(d, "/app/logo.png", Accept="image/avif,image/webp,*/*")
    assert r.status == 404 and r.header("Cache-Control") == "no-store", r
    d.write_file("app/real.js", b"js\n")
    r = get(d, "/app/real.js")
    assert r.status == 200 and "immutable" in str(r.header_list), r


BAD_TRY = [
    'try_files = { "$uri/../secret" }',
    'try_files = { "/../etc/passwd" }',
    'try_files = { "=404", "$uri" }',
    'try_files = { "$uri", "=200" }',
    'try_files = { "$document_root$uri" }',
    'try_files = { "uri" }',
    'try_files = { "$uri%2e%2e" }',
]


@parametrize("case", range(len(BAD_TRY)))
@daemon(start=False)
def test_try_files_bad(d, case):
    text = config_with(d, [BAD_TRY[case]])
    check_rejected(d, text, line_of(text, "try_files"))


# --- 4. per-location settings

@daemon(start=False, workers=1)
def test_location_settings(d):
    d.write_file("quiet/ping", b"pong\n")
    d.write_file("loud.txt", b"loud\n")
    d.write_file("list/a.txt", b"a\n")
    d.write_file("list/.hidden", b"h\n")
    d.write_file("dots/.well", b"w\n")
    d.write_file("gz/x.txt", b"plain\n")
    d.write_file("gz/x.txt.gz", b"gzip\n")
    d.write_file("latin/t.txt", b"t\n")
    d.write_file("err404.html", b"server 404\n")
    d.write_file("loc404.html", b"location 404\n")
    other = d.new_root("other", {"o.txt": b"from alias\n", "sub/s.txt": b"sub\n"})
    third = d.new_root("third", {"rooted/r.txt": b"from location root\n"})
    start_with(d, [
        'error_page = { "404=/err404.html" }',
        'location "/quiet/" { access_log = "off" }',
        'location "/list/" { autoindex = on  dotfiles = allow }',
        'location "/dots/" { dotfiles = allow }',
        'location "/gz/" { precompressed = on }',
        'location "/latin/" { charset = "iso-8859-1" }',
        'location "/e/" { error_page = { "404=/loc404.html" } }',
        f'location "/files/" {{ alias = "{other}" }}',
        f'location "/rooted/" {{ root = "{third}" }}',
    ])
    assert get(d, "/quiet/ping").body == b"pong\n"
    assert get(d, "/loud.txt").body == b"loud\n"
    assert get(d, "/quiet/ping").body == b"pong\n"
    lines = d.wait_access_log(1)
    time.sleep(1.5)  # the log is flushed once a second
    lines = d.access_log()
    assert any("/loud.txt" in x for x in lines), lines
    assert not any("/quiet/" in x for x in lines), lines
    r = get(d, "/list/")
    assert r.status == 200 and b"a.txt" in r.body and b".hidden" in r.body, r
    assert get(d, "/dots/.well").body == b"w\n"
    assert get(d, "/.hidden-elsewhere").status == 404
    r = get(d, "/gz/x.txt", Accept_Encoding="gzip")
    assert r.body == b"gzip\n", r
    assert get(d, "/loud.txt", Accept_Encoding="gzip").header("Vary") is None
    assert get(d, "/latin/t.txt").header("Content-Type") == "text/plain; charset=iso-8859-1"
    assert get(d, "/loud.txt").header("Content-Type") == "text/plain; charset=utf-8"
    assert get(d, "/e/none").body == b"location 404\n"
    assert get(d, "/none").body == b"server 404\n"
    assert get(d, "/files/o.txt").body == b"from alias\n"
    assert get(d, "/files/sub/s.txt").body == b"sub\n"
    moved(get(d, "/files/sub"), 301, "/files/sub/")
    assert get(d, "/files/../loud.txt").body == b"loud\n"
    assert get(d, "/files/%2e%2e/forkd.conf").status in (400, 404)
    assert get(d, "/rooted/r.txt").body == b"from location root\n"


BAD_LOCATIONS = [
    'location "/a/" { root = "/tmp" alias = "/tmp" }',
    'location "/a" { alias = "/tmp" }',
    'location "/a/" { access_log = "/tmp/a.log" }',
    'location "/a/" { alias = "/no/such/dir" }',
    'location "/a/" { autoindex = maybe }',
]


@parametrize("case", range(len(BAD_LOCATIONS)))
@daemon(start=False)
def test_location_settings_bad(d, case):
    text = config_with(d, [BAD_LOCATIONS[case]])
    check_rejected(d, text, line_of(text, 'location "/a'))
