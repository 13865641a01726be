"""The small-file cache's bound: a kept file changed on disk is served
new to every request that arrives more than RECHECK after the change
(forkd.conf(5), "Small files"), whether a new file is renamed over it or
it is rewritten in place at the same size."""

import os
import time
from email.utils import formatdate

from harness import daemon, parametrize

RECHECK = 1.0    # FCACHE_RECHECK_MS in src/fcache.h
SETTLE = 2.0     # FCACHE_SETTLE: files changed more recently are not kept
AFTER = 0.5      # how long past the bound requests keep checking
OLD = b"old page " * 68  # 612 bytes, like the bench's page
NEW = b"NEW PAGE " * 68


def keep(d, name):
    """A small file the single worker has in memory: old enough to be
    kept (its ctime cannot be set back, so wait), then served."""
    path = d.write_file(name, OLD, mtime=time.time() - 60)
    time.sleep(SETTLE + 0.2)
    for _ in range(3):
        r = d.get("/" + name)
        assert r.status == 200 and r.body == OLD, r
    return path


def change(path, how):
    if how == "rename":
        with open(path + ".tmp", "wb") as f:
            f.write(NEW)
        os.chmod(path + ".tmp", 0o644)
        os.rename(path + ".tmp", path)
    else:  # same inode, same size; the write moves mtime and ctime
        with open(path, "r+b") as f:
            f.write(NEW)


def served_after(d, name, since):
    """(seconds after `since` each request was sent, body) until AFTER past
    the bound."""
    seen = []
    while True:
        sent = time.monotonic() - since
        r = d.get("/" + name)
        assert r.status == 200, r
        seen.append((sent, r.body))
        if sent > RECHECK + AFTER:
            return seen
        time.sleep(0.02)


@parametrize("how", ["rename", "rewrite"])
@daemon(workers=1)
def test_changed_small_file_served_new_within_bound(d, how):
    path = keep(d, "page.html")
    changed = time.monotonic()
    change(path, how)
    seen = served_after(d, "page.html", changed)
    assert all(body in (OLD, NEW) for _, body in seen), "a body mixing both"
    late = [round(t, 3) for t, body in seen if t > RECHECK and body != NEW]
    assert seen[-1][0] > RECHECK and not late, \
        f"old bytes served to {len(late)} requests sent past the {RECHECK} s " \
        f"bound, at {late[:3]} s"


# The head kept with a small file (its Content-Type, Content-Length,
# Last-Modified and ETag lines, made once) is the head an uncached open
# gives, byte for byte but Date.  It is made for one charset: a location
# with another charset, or with etag = content, that serves the same file
# (try_files names it beneath the same root) gets its own head.
SHARED = ('    location "/latin/" {\n        charset = "iso-8859-1"\n'
          '        try_files = { "/page.html", "=404" }\n    }\n'
          '    location "/tagged/" {\n        etag = content\n'
          '        try_files = { "/page.html", "=404" }\n    }\n')
TARGETS = ("/page.html", "/latin/x", "/page.html", "/tagged/x", "/page.html")


def head_but_date(d, target):
    r = d.raw(f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode(), n=1)
    assert len(r.responses) == 1 and r.responses[0].status == 200, r.data[:300]
    lines = r.responses[0].raw_head.split(b"\r\n")
    return b"\r\n".join(x for x in lines if not x.startswith(b"Date: "))


@daemon(start=False, workers=1)
def test_kept_head_same_as_fresh(d):
    d.write_config(d.config_text().rstrip("\n")[:-1] + SHARED + "}\n")
    path = d.write_file("page.html", OLD, mtime=time.time() - 60)
    d.start()
    fresh = {t: head_but_date(d, t) for t in TARGETS}  # too new to be kept
    time.sleep(SETTLE + 0.2)
    for _ in range(2):
        for t in TARGETS:
            assert head_but_date(d, t) == fresh[t], t
    st = os.stat(path)
    want = (f'ETag: "{int(st.st_mtime):x}-{st.st_size:x}"\r\n'
            f"Last-Modified: {formatdate(st.st_mtime, usegmt=True)}\r\n")
    head = fresh["/page.html"].decode()
    for line in want.splitlines(keepends=True):
        assert line in head, (line, head)
    assert "charset=iso-8859-1" in fresh["/latin/x"].decode()
    assert fresh["/tagged/x"] != fresh["/page.html"]
