"""Range requests with real clients: curl resume, multipart bodies parsed
back, a file that shrinks mid-send, and a parallel downloader."""

import hashlib
import os
import re
import shutil
import subprocess
import time

from harness import Skip, curl, daemon, req

SIZE = (6 << 20) + 777  # larger than any inline body


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def big_file(d, name="big.bin"):
    data = os.urandom(SIZE)
    d.write_file(name, data)
    return data


def multipart_parts(resp):
    """[(content-range, bytes)] of a multipart/byteranges response."""
    m = re.fullmatch(r"multipart/byteranges; boundary=(\S+)", resp.header("Content-Type", ""))
    assert m, resp
    delim = b"\r\n--" + m.group(1).encode()
    body = resp.body
    assert body.startswith(delim + b"\r\n"), body[:100]
    assert body.endswith(delim + b"--\r\n"), body[-100:]
    parts = []
    for chunk in body[:-len(delim) - 4].split(delim)[1:]:
        head, _, data = chunk[2:].partition(b"\r\n\r\n")
        fields = dict(line.split(b": ", 1) for line in head.split(b"\r\n"))
        parts.append((fields[b"Content-Range"].decode(), data))
    return parts


def test_single_suffix_and_open_ranges(d):
    data = big_file(d)
    for spec, lo, hi in [("0-0", 0, 0), ("100-199", 100, 199), ("-500", SIZE - 500, SIZE - 1),
                         (f"{SIZE - 10}-", SIZE - 10, SIZE - 1), ("0-", 0, SIZE - 1),
                         (f"5-{SIZE * 3}", 5, SIZE - 1)]:
        with d.conn() as c:
            c.send(req("GET", "/big.bin", headers={"Range": f"bytes={spec}"}))
            resp = c.response(timeout=20)
        assert resp.status == 206, (spec, resp)
        assert resp.header("Content-Range") == f"bytes {lo}-{hi}/{SIZE}", (spec, resp)
        assert resp.body == data[lo:hi + 1], spec


def test_multipart_parts_match_the_file(d):
    data = big_file(d)
    specs = [(0, 9), (1000, 1999), (SIZE - 3, SIZE - 1)]
    spec = ",".join(f"{a}-{b}" for a, b in specs)
    with d.conn() as c:
        c.send(req("GET", "/big.bin", headers={"Range": f"bytes={spec}"}))
        resp = c.response(timeout=20)
        # the connection stays usable after a multipart body
        c.send(req("HEAD", "/big.bin", headers={"Range": f"bytes={spec}"}))
        head = c.response("HEAD")
    assert resp.status == 206, resp
    assert int(resp.header("Content-Length")) == len(resp.body)
    parts = multipart_parts(resp)
    assert [p[0] for p in parts] == [f"bytes {a}-{b}/{SIZE}" for a, b in specs]
    assert [p[1] for p in parts] == [data[a:b + 1] for a, b in specs]
    assert head.status == 206 and head.body == b""
    assert head.header("Content-Length") == resp.header("Content-Length")


def test_overlapping_ranges_coalesce_or_send_all(d):
    data = big_file(d)
    with d.conn() as c:
        c.send(req("GET", "/big.bin", headers={"Range": "bytes=0-99,50-149"}))
        resp = c.response(timeout=20)
        assert resp.status == 206 and resp.header("Content-Range") == f"bytes 0-149/{SIZE}"
        assert resp.body == data[:150]
        c.send(req("GET", "/big.bin", headers={"Range": "bytes=0-,0-"}))
        resp = c.response(timeout=20)
        assert resp.status == 200 and sha256(resp.body) == sha256(data), resp


def test_curl_resume(d):
    data = big_file(d)
    out = d.path("partial.bin")
    with open(out, "wb") as f:
        f.write(data[:SIZE // 3])
    r = curl("-C", "-", "-o", out, "-w", "%{http_code}", d.url("/big.bin"))
    assert r.returncode == 0 and r.stdout == b"206", (r.returncode, r.stdout, r.stderr)
    with open(out, "rb") as f:
        assert sha256(f.read()) == sha256(data), "resumed download differs"


def test_curl_conditional_and_etag_compare(d):
    d.write_file("page.html", b"<p>page</p>\n", mtime=1700000000)
    out, tags = d.path("page.out"), d.path("etags.txt")
    r = curl("--etag-save", tags, "-o", out, "-w", "%{http_code}", d.url("/page.html"))
    assert r.stdout == b"200", r
    r = curl("--etag-compare", tags, "-o", out, "-w", "%{http_code}", d.url("/page.html"))
    assert r.stdout == b"304", r
    r = curl("-z", "Tue, 14 Nov 2023 22:13:20 GMT", "-o", out, "-w", "%{http_code}",
             d.url("/page.html"))
    assert r.stdout == b"304", r
    r = curl("-z", "Tue, 14 Nov 2023 22:13:19 GMT", "-o", out, "-w", "%{http_code}",
             d.url("/page.html"))
    assert r.stdout == b"200", r


def test_aria2c_parallel_download(d):
    aria2c = shutil.which("aria2c")
    if aria2c is None:
        raise Skip("aria2c is not installed (scripts/deps.sh test installs aria2)")
    data = os.urandom(24 << 20)
    d.write_file("large.bin", data)
    outdir = d.path("aria")
    os.makedirs(outdir)
    r = subprocess.run([aria2c, "-x8", "-s8", "-k1M", "--file-allocation=none",
                        "--allow-overwrite=true", "--console-log-level=warn",
                        "--summary-interval=0", "-d", outdir, "-o", "large.bin",
                        d.url("/large.bin")], capture_output=True, timeout=50)
    assert r.returncode == 0, r.stderr[-2000:]
    with open(os.path.join(outdir, "large.bin"), "rb") as f:
        assert sha256(f.read()) == sha256(data), "aria2c reassembled different bytes"
    ranged = [line for line in d.wait_access_log(2) if '" 206 ' in line]
    assert len(ranged) >= 2, "aria2c did not use ranges"


def test_file_shrinking_mid_send_closes_cleanly(d):
    path = d.write_file("shrink.bin", os.urandom(64 << 20))
    workers = sorted(d.workers())
    with d.conn(timeout=10) as c:
        c.send(req("GET", "/shrink.bin"))
        assert c.recv_some(time.monotonic() + 5)
        os.truncate(path, 1 << 20)
        data = c.read_until_close(timeout=10)
        assert data is not None, f"server did not close: {len(c.buf)} bytes so far"
        head, _, body = data.partition(b"\r\n\r\n")
        assert b" 200 " in head.split(b"\r\n")[0]
        assert len(body) < 64 << 20
    assert d.get("/index.html").status == 200
    assert sorted(d.workers()) == workers, "a worker died"


RECHECK = 1.0  # FCACHE_RECHECK_MS, the bound fdcache.h keeps too
SETTLE = 2.0   # FCACHE_SETTLE: files changed more recently are not kept
RANGE = (1 << 20, (1 << 20) + 1023)


def range_of(d, name):
    with d.conn() as c:
        c.send(req("GET", "/" + name, headers={"Range": "bytes=%d-%d" % RANGE}))
        resp = c.response(timeout=10)
    assert resp.status == 206, resp
    return resp.body


@daemon(workers=1)
def test_kept_descriptor_replaced_file_served_new_within_bound(d):
    """Ranges of a settled file come from a kept descriptor (src/fdcache.c);
    a file renamed over it is served to every range request sent more than
    RECHECK after the rename, and the bytes are always one file's."""
    old, new = os.urandom(SIZE), os.urandom(SIZE)
    path = d.write_file("big.bin", old, mtime=time.time() - 60)
    time.sleep(SETTLE + 0.2)
    for _ in range(3):
        assert range_of(d, "big.bin") == old[RANGE[0]:RANGE[1] + 1]
    with open(path + ".tmp", "wb") as f:
        f.write(new)
    os.chmod(path + ".tmp", 0o644)
    os.rename(path + ".tmp", path)
    since, seen = time.monotonic(), []
    while not seen or seen[-1][0] <= RECHECK + 0.5:
        seen.append((time.monotonic() - since, range_of(d, "big.bin")))
        time.sleep(0.02)
    want_old, want_new = old[RANGE[0]:RANGE[1] + 1], new[RANGE[0]:RANGE[1] + 1]
    assert all(body in (want_old, want_new) for _, body in seen), "bytes of neither file"
    late = [round(t, 3) for t, body in seen if t > RECHECK and body != want_new]
    assert not late, f"old bytes to requests sent past {RECHECK} s: {late[:3]}"
    os.unlink(path)
    time.sleep(RECHECK + 0.1)
    with d.conn() as c:
        c.send(req("GET", "/big.bin", headers={"Range": "bytes=0-9"}))
        assert c.response(timeout=10).status == 404
