"""Sites from hosted platforms (issue 15, item 10): platform_files reads the
root's _redirects and _headers at load and reload, applies them as Netlify
documents (or Cloudflare Pages, on request), refuses lines it does not
support with FILE:LINE, and never serves the two files.  Hostile inputs:
encoded CR/LF through a splat, captures that would make a //host
Location."""

import os

from harness import daemon, parametrize

from test_sites import get, moved, no_open_redirect

REDIRECTS = """\
# moved pages
/home            /
/news/*          /blog/:splat
/blog/:year/:slug  /posts/:year-:slug.html  302

/app/*           /app/index.html   200
/exists.html     /elsewhere        301
/forced.html     /elsewhere        302!
/closed          /closed.html      404
/cuties          https://www.example.com
/go*             /:splat
/cr/*            /to/:splat
/own             /_headers         200
"""

HEADERS = """\
/*
  X-Frame-Options: DENY
/secure/*
  X-Frame-Options: SAMEORIGIN
  Referrer-Policy: no-referrer
"""


def site(d, redirects=REDIRECTS, headers=HEADERS):
    d.write_file("_redirects", redirects.encode())
    d.write_file("_headers", headers.encode())
    for name, body in (("exists.html", b"exists\n"), ("forced.html", b"forced\n"),
                       ("app/index.html", b"app shell\n"),
                       ("closed.html", b"closed page\n"),
                       ("secure/page.html", b"secure\n")):
        d.write_file(name, body)


def platform_server(mode="on", **extra):
    return dict({"platform_files": mode}, **extra)


@daemon(start=False, workers=1, server=platform_server())
def test_platform_redirects_and_rewrites(d):
    site(d)
    d.start()
    moved(get(d, "/home"), 301, "/")
    moved(get(d, "/home/"), 301, "/")  # Netlify: a trailing slash does not matter
    moved(get(d, "/news/a/b.html?x=1"), 301, "/blog/a/b.html?x=1")
    moved(get(d, "/blog/2024/hello"), 302, "/posts/2024-hello.html")
    moved(get(d, "/cuties"), 301, "https://www.example.com/")
    r = get(d, "/app/some/route")
    assert r.status == 200 and r.body == b"app shell\n", r  # a rewrite
    assert r.header("Location") is None, r
    r = get(d, "/closed")
    assert r.status == 404 and r.body == b"closed page\n", r  # 404 with a page
    # an existing file shadows a rule without !, not one with it
    r = get(d, "/exists.html")
    assert r.status == 200 and r.body == b"exists\n", r
    moved(get(d, "/forced.html"), 302, "/elsewhere")
    # no rule: the files as before
    assert get(d, "/index.html").status == 200
    assert get(d, "/nothing.html").status == 404


@daemon(start=False, workers=1, server=platform_server())
def test_platform_files_never_served(d):
    site(d)
    d.start()
    for target in ("/_redirects", "/_headers", "/%5Fredirects", "/x/../_headers",
                   "/own"):  # "/own" rewrites to /_headers
        for method in ("GET", "HEAD"):
            r = get(d, target, method=method)
            assert r.status == 404, (target, method, r)
            assert b"/app/*" not in r.body and b"X-Frame" not in r.body, r


@daemon(start=False, workers=1,
        server=platform_server(add_header=["X-Site: yes"]))
def test_platform_headers(d):
    site(d)
    d.start()
    r = get(d, "/secure/page.html")
    assert r.status == 200 and r.body == b"secure\n", r
    # every block that matches applies; a repeated name is joined
    assert r.header("X-Frame-Options") == "DENY, SAMEORIGIN", r
    assert r.header("Referrer-Policy") == "no-referrer", r
    assert r.header("X-Site") == "yes", r
    r = get(d, "/index.html")
    assert r.header("X-Frame-Options") == "DENY" and r.header("Referrer-Policy") is None, r
    # a 304 keeps them, as it keeps add_header
    etag = r.header("ETag")
    r = get(d, "/secure/page.html", If_None_Match=get(d, "/secure/page.html").header("ETag"))
    assert r.status == 304 and r.header("X-Frame-Options") == "DENY, SAMEORIGIN", r
    assert etag


@daemon(start=False, workers=1)
def test_platform_off_by_default(d):
    site(d)
    d.start()
    r = get(d, "/_redirects")
    assert r.status == 200 and b"/news/*" in r.body, r
    assert get(d, "/home").status == 404
    assert get(d, "/index.html").header("X-Frame-Options") is None


@daemon(start=False, workers=1, server=platform_server("cloudflare"))
def test_platform_cloudflare(d):
    site(d, redirects="/exists.html /elsewhere\n/m/:t /movies/:t 301\n",
         headers="/*\n  X-Robots-Tag: noindex\n  X-Frame-Options: DENY\n"
                 "/*.html\n  ! X-Frame-Options\n/secure/:name\n  X-Name: :name\n")
    d.start()
    moved(get(d, "/exists.html"), 302, "/elsewhere")  # 302, and over a file
    moved(get(d, "/m/up"), 301, "/movies/up")
    assert get(d, "/m/up/").status == 404  # exact paths
    r = get(d, "/secure/page.html")
    assert r.header("X-Robots-Tag") == "noindex" and r.header("X-Frame-Options") is None, r
    assert r.header("X-Name") == "page.html", r


@daemon(start=False, workers=1, server=platform_server())
def test_platform_hostile(d):
    site(d)
    d.start()
    for target in ("/cr/a%0d%0aSet-Cookie:%20x=1", "/cr/%0D%0A%0D%0A<html>",
                   "/news/a?b=%0d%0aX-Injected:%201"):
        r = get(d, target)
        assert r.status == 301, (target, r)
        assert r.header("Set-Cookie") is None and r.header("X-Injected") is None, r
        loc = r.header("Location")
        assert all(0x21 <= ord(c) < 0x7f for c in loc), (target, loc)
    moved(get(d, "/cr/a%0d%0aSet-Cookie:%20x=1"), 301, "/to/a%0D%0ASet-Cookie:%20x=1")
    # "/go*" -> "/:splat": what follows /go must never make //host
    no_open_redirect(d, ("/go/evil.example", "/go//evil.example", "/go/%2F%2Fevil.example",
                         "/go%2Fevil.example", "/go/%5Cevil.example", "/go\\evil.example"),
                     (301, 400, 414))
    moved(get(d, "/goodbye"), 301, "/odbye")
    moved(get(d, "/go%5Cevil.example"), 301, "/%5Cevil.example")


BAD = [
    ("_redirects", "/a /b\n# fine\n/c /d 302 Country=us\n", 3, "condition"),
    ("_redirects", "/a /b\n/admin/* 200! Role=admin\n", 2, "a rule without TO"),
    ("_redirects", "/store id=:id /blog/:id 301\n", 1, "matching query parameters"),
    ("_redirects", "/api/* https://api.example.com/:splat 200\n", 1, "proxying"),
    ("_redirects", "/a /b\n/" + "x" * (1 << 20) + " /c\n", 2, "line longer than 8192"),
    ("_headers", "/*\n  X-A: 1\n  Content-Type: text/plain\n", 3, "set by forkd"),
    ("_headers", "  X-A: 1\n", 1, "needs a path line"),
]


@parametrize("case", range(len(BAD)))
@daemon(start=False, server=platform_server())
def test_platform_bad_line_fails_check(d, case):
    name, text, line, why = BAD[case]
    d.write_file(name, text.encode())
    d.write_config()
    r = d.run("-t")
    want = f"{os.path.join(d.root, name)}:{line}: "
    assert r.returncode == 1 and want in r.stderr and why in r.stderr, r.stderr[:500]


@daemon(start=False, workers=2, server=platform_server())
def test_platform_reload(d):
    site(d, redirects="/a /b\n")
    d.start()
    moved(get(d, "/a"), 301, "/b")
    # a reload reads both files again
    d.write_file("_redirects", b"/a /c 302\n")
    d.reload_ok()
    moved(get(d, "/a"), 302, "/c")
    # a bad line fails the reload with FILE:LINE; the old rules keep serving
    d.write_file("_redirects", b"/a /d\n/x /y 302 Role=admin\n")
    r = d.run("-s", "reload", timeout=60)
    assert r.returncode != 0, r
    want = f"{os.path.join(d.root, '_redirects')}:2: condition"
    assert want in r.stderr + d.error_log(), (r.stderr, d.error_log())
    moved(get(d, "/a"), 302, "/c")
    # removing the files removes the rules, at the next reload
    os.unlink(os.path.join(d.root, "_redirects"))
    d.reload_ok()
    assert get(d, "/a").status == 404


@daemon(start=False, workers=1, server=platform_server())
def test_platform_rewrite_to_hidden_file(d):
    """A rewrite meets the hidden-file rule as a request would: a
    _redirects rule cannot serve a dotfile that dotfiles = deny hides."""
    site(d, redirects="/peek  /.env  200\n/seen  /exists.html  200\n")
    d.write_file(".env", b"SECRET=1\n")
    d.start()
    r = get(d, "/peek")
    assert r.status == 404 and b"SECRET" not in r.body, r
    assert get(d, "/seen").body == b"exists\n"
