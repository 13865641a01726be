"""`etag = content`: the ETag is a hash of the file's bytes, so two nodes
holding the same bytes under different mtimes and inodes agree (a 304
across them), precompressed siblings have tags of their own, a large
file gets its tag after it was hashed in steps, and the tag is kept in
the user.forkd.etag attribute when the worker may write it."""

import gzip
import os
import re
import time

from harness import Forkd, daemon, req

TAG = re.compile(r'"[0-9a-f]{32}(-[a-z]+)?"')
STEP = 1 << 20  # ETAG_STEP


def get(d, target, **headers):
    hdrs = {k.replace("_", "-"): v for k, v in dict(headers, Connection="close").items()}
    r = d.raw(req("GET", target, headers=hdrs), n=1, methods=("GET",))
    assert len(r.responses) == 1, r.data[:300]
    return r.responses[0]


def second_node(d, files, mtime, **server):
    """Another daemon (the caller stops it) serving files {rel: bytes}."""
    other = Forkd(d.binary, workers=1, server=dict(server))
    for rel, data in files.items():
        other.write_file(rel, data, mtime=mtime)
    other.start()
    return other


PAGE = b"<!DOCTYPE html><title>same everywhere</title>" + b"x" * 20000


@daemon(start=False, server={"etag": "content"})
def test_etag_two_nodes_agree_and_revalidate_across(d):
    d.write_file("page.html", PAGE, mtime=1_000_000)
    d.write_file("small.txt", b"tiny\n", mtime=1_000_000)
    d.start()
    other = second_node(d, {"page.html": PAGE, "small.txt": b"tiny\n"}, 1_700_000_000,
                        etag="content")
    try:
        for path in ("/page.html", "/small.txt"):
            a, b = get(d, path), get(other, path)
            assert a.status == b.status == 200, (a, b)
            assert TAG.fullmatch(a.header("ETag") or ""), a
            assert a.header("ETag") == b.header("ETag"), (a, b)
            assert a.header("Last-Modified") != b.header("Last-Modified")
            # A client that cached from node A revalidates on node B.
            r = get(other, path, If_None_Match=a.header("ETag"))
            assert r.status == 304 and r.header("ETag") == a.header("ETag"), r
            r = get(other, path, If_Match=a.header("ETag"), Range="bytes=0-3")
            assert r.status == 206 and r.body == (PAGE if path == "/page.html"
                                                  else b"tiny\n")[:4], r
    finally:
        other.stop()
        other.cleanup()


@daemon(start=False)
def test_etag_default_tag_is_mtime_size(d):
    """Without the option the tags of the two nodes differ (what the option
    is for), and they look as they always did."""
    d.write_file("page.html", PAGE, mtime=1_000_000)
    d.start()
    other = second_node(d, {"page.html": PAGE}, 1_700_000_000)
    try:
        a, b = get(d, "/page.html"), get(other, "/page.html")
        assert a.header("ETag") == f'"{1_000_000:x}-{len(PAGE):x}"', a
        assert a.header("ETag") != b.header("ETag")
        assert get(other, "/page.html", If_None_Match=a.header("ETag")).status == 200
    finally:
        other.stop()
        other.cleanup()


@daemon(server={"etag": "content"})
def test_etag_new_bytes_new_tag(d):
    d.write_file("f.txt", b"version one\n" * 1000, mtime=1_000_000)
    first = get(d, "/f.txt").header("ETag")
    d.write_file("f.txt", b"version two\n" * 1000, mtime=1_000_000)
    os.utime(d.path("www", "f.txt"), (1_000_001, 1_000_001))
    second = get(d, "/f.txt").header("ETag")
    assert TAG.fullmatch(first) and TAG.fullmatch(second)
    assert first != second
    assert get(d, "/f.txt", If_None_Match=first).status == 200
    assert get(d, "/f.txt", If_None_Match=second).status == 304


@daemon(start=False, server={"etag": "content", "precompressed": True})
def test_etag_precompressed_siblings_have_their_own_tags(d):
    text = b"body { color: red }\n" * 500
    gz = gzip.compress(text, mtime=0)
    d.write_file("site.css", text, mtime=1_000_000)
    d.write_file("site.css.gz", gz, mtime=1_000_000)
    d.start()
    other = second_node(d, {"site.css": text, "site.css.gz": gz}, 1_600_000_000,
                        etag="content", precompressed=True)
    try:
        plain = get(d, "/site.css")
        coded = get(d, "/site.css", Accept_Encoding="gzip")
        assert coded.header("Content-Encoding") == "gzip", coded
        assert plain.header("ETag") != coded.header("ETag")
        assert coded.header("ETag").endswith('-gzip"'), coded
        assert TAG.fullmatch(coded.header("ETag")), coded
        assert get(other, "/site.css", Accept_Encoding="gzip").header("ETag") == \
            coded.header("ETag")
        r = get(other, "/site.css", Accept_Encoding="gzip",
                If_None_Match=coded.header("ETag"))
        assert r.status == 304, r
        # The identity tag does not validate the gzip bytes.
        r = get(other, "/site.css", Accept_Encoding="gzip",
                If_None_Match=plain.header("ETag"))
        assert r.status == 200, r
    finally:
        other.stop()
        other.cleanup()


@daemon(workers=1, top={"aio": "off"}, server={"etag": "content"})
def test_etag_large_file_tag_after_steps(d):
    """Without the I/O pool, a file over 1 MiB has no ETag until it was
    hashed on the loop, one step of 1 MiB per request."""
    size = 3 * STEP + 77
    data = os.urandom(size)
    d.write_file("big.bin", data, mtime=1_000_000)
    tags = []
    for _ in range(6):
        r = get(d, "/big.bin")
        assert r.status == 200 and r.body == data
        tags.append(r.header("ETag"))
    assert tags[:3] == [None, None, None], tags
    assert TAG.fullmatch(tags[3] or ""), tags
    assert tags[3:] == [tags[3]] * 3, tags


@daemon(start=False, workers=1, top={"aio": "off"}, server={"etag": "content"})
def test_etag_attribute_written_and_read(d):
    """A worker that may write the file stores the tag in user.forkd.etag
    (named for that version); a restarted daemon serves a large file's tag
    from it on the first request."""
    data = os.urandom(2 * STEP + 5)
    path = d.write_file("big.bin", data, mtime=1_000_000)
    os.chmod(path, 0o666)  # the workers run as nobody
    try:
        os.setxattr(path, "user.forkd.probe", b"1")
        os.removexattr(path, "user.forkd.probe")
    except OSError as exc:
        from harness import Skip
        raise Skip(f"no user extended attributes here: {exc}")
    d.start()
    tag = None
    for _ in range(4):
        tag = get(d, "/big.bin").header("ETag") or tag
    assert tag, "no tag after three steps"
    value = os.getxattr(path, "user.forkd.etag").decode()
    st = os.stat(path)
    assert value == f"forkd1 {st.st_size} {int(st.st_mtime)} {st.st_mtime_ns % 10**9} " \
                    f"{tag.strip(chr(34))}", value
    d.stop()
    d.start()
    assert get(d, "/big.bin").header("ETag") == tag
    # Another version of the file: the attribute no longer applies.
    os.utime(path, (2_000_000, 2_000_000))
    assert get(d, "/big.bin").header("ETag") is None


@daemon(start=False, workers=1, server={"etag": "content"})
def test_etag_large_file_hashed_in_the_pool(d):
    """With the I/O pool (aio = auto), a 5 MiB file is hashed by a pool
    thread after its first request: it has its tag within moments, not
    after five requests, and the same tag as another node's for the same
    bytes."""
    data = os.urandom(5 * STEP + 123)
    path = d.write_file("big.bin", data, mtime=1_000_000)
    os.chmod(path, 0o666)  # the workers run as nobody
    d.start()
    other = second_node(d, {"big.bin": data}, 1_700_000_000, etag="content")
    try:
        first = get(d, "/big.bin")
        assert first.status == 200 and first.body == data
        assert first.header("ETag") is None, first
        # Three more requests at most, over 3 s: stepping on the loop, 1
        # MiB per request, would need six in all.
        tag, n = None, 0
        for wait in (0.3, 1.0, 1.7):
            time.sleep(wait)
            n += 1
            tag = get(d, "/big.bin").header("ETag")
            if tag is not None:
                break
        assert TAG.fullmatch(tag or ""), f"no tag after {n + 1} requests"
        try:  # the thread wrote the attribute, where there are any
            value = os.getxattr(path, "user.forkd.etag").decode()
            assert value.endswith(" " + tag.strip(chr(34))), (value, tag)
        except OSError:
            pass
        tags = [get(other, "/big.bin").header("ETag")]
        deadline = time.monotonic() + 3
        while tags[-1] is None and time.monotonic() < deadline:
            time.sleep(0.1)
            tags.append(get(other, "/big.bin").header("ETag"))
        assert tags[-1] == tag, (tags, tag)
    finally:
        other.stop()
        other.cleanup()


@daemon(start=False)
def test_etag_per_location(d):
    text = d.config_text().rstrip("\n")
    d.write_config(text[:-1] + '    location "/c/" { etag = content }\n}\n')
    d.write_file("c/a.txt", b"hello\n", mtime=1_000_000)
    d.write_file("m/a.txt", b"hello\n", mtime=1_000_000)
    d.start()
    assert TAG.fullmatch(get(d, "/c/a.txt").header("ETag"))
    assert get(d, "/m/a.txt").header("ETag") == f'"{1_000_000:x}-6"'


@daemon(start=False)
def test_etag_bad_value_rejected(d):
    text = d.config_text().rstrip("\n")
    d.write_config(text[:-1] + "    etag = sha1\n}\n")
    r = d.run("-t")
    assert r.returncode != 0
    assert re.search(r"forkd\.conf:\d+: etag must be mtime-size or content, not \"sha1\"",
                     r.stderr), r.stderr
