"""Listings for people and scripts: sizes in binary units with the byte
count in a title, one table so that the columns line up, and ?format=json
(name, type, size, mtime, url) with a validator of its own, so that the
two variants never validate each other's cached copy."""

import json
import os
import re
from html.parser import HTMLParser

from harness import daemon, req

MTIME = 1700000000  # 2023-11-14 22:13:20 UTC


def get(d, target, **headers):
    hdrs = {k.replace("_", "-"): v for k, v in dict(headers, Connection="close").items()}
    r = d.raw(req("GET", target, headers=hdrs), n=1, methods=("GET",))
    assert len(r.responses) == 1, r.data[:300]
    return r.responses[0]


def setup(d):
    d.write_file("list/small.txt", b"abc", mtime=MTIME)
    d.write_file("list/kilo.bin", b"k" * 1300, mtime=MTIME)
    d.write_file("list/mega.bin", b"m" * (5 * 1024 * 1024 + 300000), mtime=MTIME)
    d.write_file("list/sub dir/x.txt", b"x", mtime=MTIME)
    d.write_file('list/q"uote\\.txt', b"q", mtime=MTIME)
    d.write_file(b"list/raw\xffname".decode("utf-8", "surrogateescape"), b"r", mtime=MTIME)
    os.symlink("small.txt", os.path.join(d.root, "list", "link"))
    os.utime(os.path.join(d.root, "list", "sub dir"), (MTIME, MTIME))
    d.servers[0]["autoindex"] = "on"
    d.start()


class Rows(HTMLParser):
    """Each table row as a list of (text, attrs) cells."""

    def __init__(self):
        super().__init__()
        self.rows, self._row, self._cell = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ["", dict(attrs)]

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append((self._cell[0], self._cell[1]))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[0] += data


@daemon(start=False, workers=1)
def test_autoindex_human_sizes_in_a_table(d):
    setup(d)
    r = get(d, "/list/")
    assert r.status == 200 and r.header("Content-Type") == "text/html; charset=utf-8", r
    p = Rows()
    p.feed(r.body.decode("utf-8", "replace"))
    head, *rows = p.rows
    assert [c[0] for c in head] == ["Name", "Size", "Modified (UTC)"], head
    # Every row has the same three cells: the columns line up.
    assert all(len(row) == 3 for row in rows), rows
    by_name = {row[0][0]: row for row in rows}
    assert by_name["small.txt"][1] == ("3 B", {"class": "s", "title": "3 bytes"})
    assert by_name["kilo.bin"][1] == ("1.3 KiB", {"class": "s", "title": "1300 bytes"})
    assert by_name["mega.bin"][1] == ("5.3 MiB", {"class": "s", "title": "5542880 bytes"})
    assert by_name["sub dir/"][1][0] == "-" and by_name["link"][1][0] == "link"
    assert by_name["small.txt"][2][0] == "2023-11-14 22:13"
    assert 'name="viewport"' in r.body.decode("utf-8", "replace")


@daemon(start=False, workers=1)
def test_autoindex_json_for_scripts(d):
    setup(d)
    r = get(d, "/list/?format=json")
    assert r.status == 200, r
    assert r.header("Content-Type") == "application/json", r
    assert r.header("Content-Length") == str(len(r.body))
    entries = json.loads(r.body)
    names = [e["name"] for e in entries]
    # Directories first, then bytewise, as the HTML lists them.
    assert names == ["sub dir", "kilo.bin", "link", "mega.bin", 'q"uote\\.txt',
                     "raw\ufffdname", "small.txt"], names
    by = {e["name"]: e for e in entries}
    assert by["small.txt"] == {"name": "small.txt", "type": "file", "size": 3,
                               "mtime": "2023-11-14T22:13:20Z", "url": "small.txt"}
    assert by["sub dir"]["type"] == "directory" and by["sub dir"]["url"] == "sub%20dir/"
    assert by["link"]["type"] == "symlink"
    assert by["mega.bin"]["size"] == 5542880
    # A name that is not UTF-8: the url still reaches the file.
    assert get(d, "/list/" + by["raw\ufffdname"]["url"]).body == b"r"
    assert get(d, "/list/" + by['q"uote\\.txt']["url"]).body == b"q"
    # Other parameters (a cache buster) are fine; other formats are HTML.
    assert json.loads(get(d, "/list/?v=3&format=json").body) == entries
    assert get(d, "/list/?format=xml").header("Content-Type").startswith("text/html")
    # No parent entry, nothing hidden: dotfiles stay out as in the HTML.
    d.write_file("list/.env", b"SECRET")
    assert ".env" not in [e["name"] for e in json.loads(get(d, "/list/?format=json").body)]


@daemon(start=False, workers=1)
def test_autoindex_json_has_its_own_validator(d):
    setup(d)
    html, js = get(d, "/list/"), get(d, "/list/?format=json")
    assert re.fullmatch(r'W/"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+-json"', js.header("ETag")), js
    assert html.header("ETag") != js.header("ETag")
    assert html.header("Last-Modified") == js.header("Last-Modified")
    # Each validates only itself.
    assert get(d, "/list/?format=json", If_None_Match=js.header("ETag")).status == 304
    assert get(d, "/list/?format=json", If_None_Match=html.header("ETag")).status == 200
    assert get(d, "/list/", If_None_Match=js.header("ETag")).status == 200
    assert get(d, "/list/", If_None_Match=html.header("ETag")).status == 304
    r = get(d, "/list/?format=json", Range="bytes=0-0")
    assert r.status == 206 and r.body == b"[", r
    # A change to the directory changes both.
    d.write_file("list/new.txt", b"n", mtime=MTIME + 100)
    assert get(d, "/list/?format=json", If_None_Match=js.header("ETag")).status == 200
