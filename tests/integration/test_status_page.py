"""The status page for people (status_path?format=html): parsed as HTML and
checked field by field against the daemon (uptime, generation, reload
history with the failed reload's FILE:LINE, one row per worker with its
pid, lame duck); the same access rules as the other formats; and, where
chromium is installed, rendered by a real browser at phone width."""

import os
import re
import shutil
import signal
import struct
import subprocess
import zlib
from html.parser import HTMLParser

from harness import Skip, daemon, wait_for

STATUS = {"status_path": "/status", "health_path": "/health"}


class Page(HTMLParser):
    """Text by element id, table rows (lists of cell texts) by table id,
    the meta tags, and every URL the page would load or link to."""

    def __init__(self):
        super().__init__()
        self.text, self.rows, self.meta, self.urls, self.tags = {}, {}, [], [], set()
        self._ids, self._table, self._row, self._cell = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        self._ids.append((tag, a.get("id")))
        if tag == "meta":
            self.meta.append(a)
        for k in ("src", "href"):
            if k in a:
                self.urls.append(a[k])
        if tag == "table":
            self._table = a.get("id")
            self.rows[self._table] = []
        elif tag == "tr" and self._table:
            self._row = [] if tag == "tr" else None
        elif tag in ("td", "th") and self._row is not None:
            self._cell = [tag, ""]

    def handle_endtag(self, tag):
        while self._ids:
            t, _ = self._ids.pop()
            if t == tag:
                break
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row and self._row[0][0] == "td":
                self.rows[self._table].append([c[1].strip() for c in self._row])
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        for _, ident in self._ids:
            if ident:
                self.text[ident] = self.text.get(ident, "") + " " + data
        if self._cell is not None:
            self._cell[1] += data


def page(d, path="/status?format=html"):
    r = d.get(path)
    assert r.status == 200, r
    assert r.header("Content-Type") == "text/html; charset=utf-8", r
    assert "no-store" in (r.header("Cache-Control") or ""), r
    p = Page()
    p.feed(r.body.decode())
    return p, r.body.decode()


def card(p, ident):
    return re.sub(r"\s+", " ", p.text[ident]).strip()


@daemon(server=STATUS)
def test_status_html_fields(d):
    for _ in range(6):
        assert d.get("/index.html").status == 200
    d.reload_ok()
    wait_for(lambda: len(d.workers()) == 2, 10, what="two workers after the reload")
    bad = d.config_text().replace("server {", "server {\n    no_such_option = 1", 1)
    d.reload(bad)  # SIGHUP: `-s reload` would refuse the file itself
    d.wait_error_log("no_such_option")
    wait_for(lambda: "failed" in page(d)[0].rows.get("reloads", [[""] * 4])[0][1], 5,
             what="the failed reload on the page")
    d.write_config()
    p, text = page(d)
    # One self-contained page: no script, nothing loaded from elsewhere.
    assert "script" not in p.tags and "link" not in p.tags and "img" not in p.tags
    assert all(u.startswith("?format=") for u in p.urls), p.urls
    refresh = [m for m in p.meta if m.get("http-equiv") == "refresh"]
    assert refresh and int(refresh[0]["content"]) == 5, p.meta
    assert any(m.get("name") == "viewport" and "width=device-width" in m["content"]
               for m in p.meta), p.meta
    assert re.fullmatch(r"Uptime \d+s since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC",
                        card(p, "uptime")), card(p, "uptime")
    assert card(p, "generation").startswith("Generation 2 2 workers ready"), card(p, "generation")
    assert card(p, "lameduck").startswith("Lame duck no"), card(p, "lameduck")
    assert re.match(r"Requests \d+ ", card(p, "requests")), card(p, "requests")
    # Reloads, newest first: the failed one names the file and line.
    rel = p.rows["reloads"]
    assert len(rel) == 2, rel
    assert rel[0][1] == "failed" and rel[0][2] == "2", rel
    assert re.search(r"forkd\.conf:\d+: .*no_such_option", rel[0][3]), rel
    assert rel[1][1] == "ok" and rel[1][2] == "2", rel
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(\d+s ago\)", rel[0][0]), rel
    # One row per worker: slot, pid, gen, state, conns, requests, sent, restarts, heartbeat.
    rows = p.rows["workers"]
    assert sorted(int(r[1]) for r in rows) == sorted(d.workers()), (rows, d.workers())
    for r in rows:
        assert r[2] == "2" and r[3] == "ready" and r[7] == "0", r
        assert re.fullmatch(r"\d+(\.\d)? (B|KiB|MiB)", r[6]), r
        assert re.fullmatch(r"\d+\.\d s", r[8]), r
    assert "0 failed" not in text and "1 ok &middot; 1 failed" in text


@daemon(server=STATUS)
def test_status_html_balance_and_head(d):
    p, _ = page(d)
    assert "not enough data" in card(p, "balance")
    for _ in range(40):
        d.get("/index.html", headers={"Connection": "close"})
    if all(int(r[5]) > 0 for r in page(d)[0].rows["workers"]):
        assert re.match(r"Balance \d+\.\d\d most / fewest", card(page(d)[0], "balance"))
    r = d.get("/status?format=html", method="HEAD")
    assert r.status == 200 and r.body == b"" and int(r.header("Content-Length")) > 1000


@daemon(server=dict(STATUS, status_allow=["10.0.0.0/8"]))
def test_status_html_same_access_rules(d):
    assert d.get("/status?format=html").status == 403
    assert d.get("/status?format=json").status == 403


@daemon(top={"drain_delay": "2s", "shutdown_timeout": "5s"}, server=STATUS)
def test_status_html_lame_duck(d):
    d.signal(signal.SIGTERM)
    wait_for(lambda: d.get("/health").status == 503, 2, what="health to answer 503")
    p, _ = page(d)
    assert card(p, "lameduck").startswith("Lame duck yes"), card(p, "lameduck")
    assert d.wait_exit(10) == 0


# ---- a real browser ------------------------------------------------------

def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    raise Skip("no chromium installed (scripts/deps.sh test installs it)")


def browser(d, *args):
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu",
           "--hide-scrollbars", f"--user-data-dir={d.path('chromium')}", *args,
           d.url("/status?format=html")]
    return subprocess.run(cmd, capture_output=True, timeout=60, cwd=d.dir)


def png_rows(path):
    """(width, height, rows of RGB(A) byte strings) of an 8-bit PNG."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack("!I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack("!IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype = ihdr[:4]
    assert depth == 8 and ctype in (2, 6), ihdr
    bpp = 3 if ctype == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


@daemon(server=STATUS, timeout=120)
def test_status_html_in_a_browser_on_a_phone(d):
    """Chromium's own parse of the page has every worker row, and at the
    width of a phone (390 px) nothing reaches the right edge: the tables
    became cards instead of running off the screen."""
    r = browser(d, "--dump-dom")
    assert r.returncode == 0, r.stderr[-500:]
    p = Page()
    p.feed(r.stdout.decode())
    assert sorted(int(x[1]) for x in p.rows["workers"]) == sorted(d.workers())
    shot = d.path("phone.png")
    r = browser(d, "--window-size=390,1200", f"--screenshot={shot}")
    assert r.returncode == 0 and os.path.getsize(shot) > 1000, r.stderr[-500:]
    w, h, bpp, rows = png_rows(shot)
    assert w == 390, w
    background = rows[h - 1][:bpp]
    edge = {row[(w - 6) * bpp:(w - 5) * bpp] for row in rows}
    assert edge == {background}, f"content at the right edge: {sorted(edge)[:4]}"
    # Something was drawn (the page is not blank).
    assert len({row[20 * bpp:21 * bpp] for row in rows}) > 1
