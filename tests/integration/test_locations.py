"""Per-location response headers: location "/prefix/" { expires, add_header }
sections of a server, with server-level expires and add_header as their
defaults; config errors reported as FILE:LINE."""

import email.utils

from harness import daemon, parametrize, req, line_of
from test_config import check_rejected


def get(d, target, method="GET", **headers):
    hdrs = {k.replace("_", "-"): v for k, v in dict(headers, Connection="close").items()}
    r = d.raw(req(method, target, headers=hdrs), n=1, methods=(method,))
    assert len(r.responses) == 1, r.data[:300]
    return r.responses[0]


def with_locations(d, blocks):
    """The daemon's config text with location sections (text lines) added
    to its only server."""
    text = d.config_text().rstrip("\n")
    assert text.endswith("}")
    inner = "\n".join("    " + line for line in blocks)
    return text[:-1] + inner + "\n}\n"


def start_with(d, blocks):
    d.write_config(with_locations(d, blocks))
    d.start()  # uses the file just written


def expires_delta(r):
    """Seconds between the Expires and the Date of r."""
    exp = email.utils.parsedate_to_datetime(r.header("Expires"))
    date = email.utils.parsedate_to_datetime(r.header("Date"))
    return (exp - date).total_seconds()


LOCS = [
    'location "/assets/" {',
    '    expires = 30d',
    '    add_header = { "X-Frame-Options: DENY", "X-Where: assets" }',
    '}',
    'location "/assets/raw/" {',
    '    add_header = { "X-Where: raw" }',
    '}',
    'location "/nocache/" {',
    '    expires = epoch',
    '}',
    'location "/plain/" {',
    '    expires = off',
    '    add_header = {}',
    '}',
]


def setup_files(d):
    for rel in ("assets/app.css", "assets/raw/x.txt", "nocache/n.txt",
                "plain/p.txt", "other.txt", "assets/sub/index.html"):
        d.write_file(rel, b"content of " + rel.encode() + b"\n")


@daemon(start=False, workers=1)
def test_locations(d):
    setup_files(d)
    d.servers[0]["expires"] = "1h"
    d.servers[0]["add_header"] = ["X-Server-Default: yes"]
    start_with(d, LOCS)
    # the longest prefix wins; a location that sets add_header only keeps
    # the server's expires, and the reverse
    r = get(d, "/assets/app.css")
    assert r.status == 200 and r.body == b"content of assets/app.css\n", r
    assert r.header("Cache-Control") == "max-age=2592000", r
    assert abs(expires_delta(r) - 2592000) <= 1, r
    assert r.header("X-Frame-Options") == "DENY" and r.header("X-Where") == "assets", r
    assert r.header("X-Server-Default") is None, r
    r = get(d, "/assets/raw/x.txt")
    assert r.header("X-Where") == "raw" and r.header("X-Frame-Options") is None, r
    assert r.header("Cache-Control") == "max-age=3600", r
    r = get(d, "/nocache/n.txt")
    assert r.header("Expires") == "Thu, 01 Jan 1970 00:00:01 GMT", r
    assert r.header("Cache-Control") == "no-cache", r
    assert r.header("X-Server-Default") == "yes", r
    r = get(d, "/plain/p.txt")
    assert r.header("Expires") is None and r.header("Cache-Control") is None, r
    assert r.header("X-Server-Default") is None, r
    # outside every location: the server's own
    r = get(d, "/other.txt")
    assert r.header("Cache-Control") == "max-age=3600" and r.header("X-Server-Default") == "yes", r
    assert abs(expires_delta(r) - 3600) <= 1, r
    # a prefix is matched on the normalised path, not the raw target
    r = get(d, "/x/../assets/%61pp.css")
    assert r.status == 200 and r.header("X-Where") == "assets", r
    r = get(d, "/assetsX")
    assert r.header("X-Where") is None, r
    # HEAD, 304, 206 and the redirect of a directory carry them too
    h = get(d, "/assets/app.css", method="HEAD")
    assert h.status == 200 and h.header("X-Where") == "assets" and h.body == b"", h
    r = get(d, "/assets/app.css", If_None_Match=h.header("ETag"))
    assert r.status == 304 and r.header("X-Where") == "assets", r
    assert r.header("Cache-Control") == "max-age=2592000", r
    r = get(d, "/assets/app.css", Range="bytes=0-3")
    assert r.status == 206 and r.body == b"cont" and r.header("X-Where") == "assets", r
    r = get(d, "/assets/sub")
    assert r.status == 301 and r.header("X-Where") == "assets", r
    # errors do not
    for target in ("/assets/missing.css", "/assets/"):
        r = get(d, target)
        assert r.status in (403, 404), r
        assert r.header("X-Where") is None and r.header("Cache-Control") is None, r
        assert r.header("Expires") is None, r
    r = get(d, "/assets/app.css", Range="bytes=999-")
    assert r.status == 416 and r.header("X-Where") is None, r
    assert d.sanitizer_reports() == [], d.sanitizer_reports()


@daemon(start=False, workers=1)
def test_locations_off_by_default(d):
    setup_files(d)
    d.start()
    r = get(d, "/assets/app.css")
    assert r.status == 200 and r.header("Expires") is None, r
    assert r.header("Cache-Control") is None, r


@daemon(start=False, workers=1)
def test_locations_large_headers_fit(d):
    """4 KiB of add_header lines on a 206 multipart answer still fits."""
    setup_files(d)
    d.write_file("assets/big.bin", bytes(range(256)) * 64)
    lines = ", ".join(f'"X-H{i:02}: {"v" * 60}"' for i in range(55))
    start_with(d, ['location "/assets/" {', f"    add_header = {{ {lines} }}", "}"])
    ranges = ",".join(f"{i * 100}-{i * 100 + 9}" for i in range(16))
    r = get(d, "/assets/big.bin", Range="bytes=" + ranges)
    assert r.status == 206 and r.header("X-H54") == "v" * 60, r
    assert r.header("Content-Type").startswith("multipart/byteranges"), r


BAD = [
    (['location "/a/" {', "    expires = 30x", "}"], "    expires ="),
    (['location "/a/" {', "    expires = 11000d", "}"], "    expires ="),
    (['location "/a/" {', '    add_header = { "X-Ok: 1", "Bad Name: x" }', "}"], "    add_header ="),
    (['location "/a/" {', '    add_header = { "X-Empty:" }', "}"], "    add_header ="),
    (['location "/a/" {', '    add_header = { "Content-Length: 5" }', "}"], "    add_header ="),
    (['location "/a/" {', '    add_header = { "X-A: b\\r\\nX-B: c" }', "}"], "    add_header ="),
    (['location "/a/" {', '    add_header = { "X-A: b\rc" }', "}"], "    add_header ="),
    (['location "a/" {', "}"], "CLOSE"),
    (['location "/a/" {', "    root = /no/such/dir", "}"], "    root = /no"),
    (['location "/a/" {', "}", 'location "/a/" {', "}"], None),
    (['location "/a/" {', '    add_header = { ' +
      ", ".join(f'"X-H{i:03}: {"v" * 90}"' for i in range(50)) + " }", "}"], "CLOSE"),
]


@parametrize("case", range(len(BAD)))
@daemon(start=False)
def test_locations_bad(d, case):
    blocks, needle = BAD[case]
    text = with_locations(d, blocks)
    if needle == "CLOSE":
        line = line_of(text, "    }")  # a section is checked as it closes
    else:
        line = line_of(text, needle) if needle else None
    check_rejected(d, text, line)


@parametrize("value", ["5 days", "-1", "1y"])
@daemon(start=False)
def test_server_expires_bad(d, value):
    d.servers[0]["expires"] = value
    text = d.config_text()
    check_rejected(d, text, line_of(text, "    expires ="))
