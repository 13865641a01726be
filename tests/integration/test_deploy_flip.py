"""Deploys by symlink flip: root names `.../current`, a link that a deploy
flips atomically (`ln -sfn v2 current.new && mv -T current.new current`).
New requests reach the new tree within a second, on every worker and
without a reload; a large download started on the old tree finishes with
the old bytes, even when the old release is deleted meanwhile; the
small-file cache does not serve the old tree's bytes."""

import hashlib
import os
import shutil
import socket
import subprocess
import time

from harness import daemon, req, wait_for

BOUND = 1.0       # the documented bound: a check once a second
SLACK = 1.5       # a loaded test machine
BIG = 16 << 20    # more than the socket buffers hold: in flight across the flip
OLD = 1_600_000_000  # small files settled, so the small-file cache keeps them


def release(d, name, tag):
    root = d.path("releases", name)
    os.makedirs(root, mode=0o755)
    os.chmod(root, 0o755)
    files = {
        "index.html": f"<h1>release {tag}</h1>\n".encode(),
        "small.txt": f"small file of {tag}\n".encode(),
        "only-in-" + tag + ".txt": tag.encode(),
    }
    for rel, data in files.items():
        d.write_file(rel, data, mtime=OLD, root=root)
    with open(os.path.join(root, "big.bin"), "wb") as f:
        block = hashlib.sha256(tag.encode()).digest() * (1 << 15)  # 1 MiB
        for _ in range(BIG // len(block)):
            f.write(block)
    os.chmod(os.path.join(root, "big.bin"), 0o644)
    return root


def flip(d, target):
    """What deploy tools do: a new link renamed over the old one."""
    cur = d.path("releases", "current")
    subprocess.run(["ln", "-sfn", target, cur + ".new"], check=True)
    subprocess.run(["mv", "-T", cur + ".new", cur], check=True)


def setup(d):
    os.makedirs(d.path("releases"), mode=0o755)
    release(d, "v1", "v1")
    release(d, "v2", "v2")
    flip(d, "v1")
    d.servers[0]["root"] = d.path("releases", "current")


def body(d, path):
    r = d.raw(req("GET", path, headers={"Connection": "close"}), n=1, methods=("GET",))
    return r.responses[0]


def start_download(d):
    s = socket.create_connection(("127.0.0.1", d.port), timeout=10)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 10)
    s.sendall(req("GET", "/big.bin", headers={"Connection": "close"}))
    got = b""
    while len(got) < (1 << 20):
        chunk = s.recv(65536)
        assert chunk, "download ended early"
        got += chunk
    return s, got


def finish_download(s, got):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        got += chunk
    s.close()
    head, _, data = got.partition(b"\r\n\r\n")
    return head, data


@daemon(start=False, workers=2, timeout=120)
def test_flip_reaches_new_requests_and_old_downloads_finish(d):
    setup(d)
    d.start()
    for _ in range(4):  # every worker, and the small-file cache, on v1
        assert body(d, "/small.txt").body == b"small file of v1\n"
        assert body(d, "/").body == b"<h1>release v1</h1>\n"
    s, got = start_download(d)
    flip(d, "v2")
    flipped = time.monotonic()
    wait_for(lambda: body(d, "/").body == b"<h1>release v2</h1>\n", BOUND + SLACK,
             interval=0.02, what="the new release after the flip")
    seen = time.monotonic() - flipped
    # The old release goes away, as deploy tools prune it.
    shutil.rmtree(d.path("releases", "v1"))
    # From now on every request, on new connections to any worker, is v2.
    time.sleep(BOUND)
    for _ in range(12):
        assert body(d, "/").body == b"<h1>release v2</h1>\n"
        assert body(d, "/small.txt").body == b"small file of v2\n"
        assert body(d, "/only-in-v2.txt").status == 200
        assert body(d, "/only-in-v1.txt").status == 404
    head, data = finish_download(s, got)
    assert b" 200 " in head.split(b"\r\n")[0], head
    assert len(data) == BIG, len(data)
    want = hashlib.sha256(hashlib.sha256(b"v1").digest() * (1 << 15) * (BIG >> 20)).hexdigest()
    assert hashlib.sha256(data).hexdigest() == want, "the download is not v1's bytes"
    assert seen < BOUND + SLACK, seen
    assert "names another directory" not in d.error_log()  # info level, not logged


@daemon(start=False, workers=1, top={"error_log_level": "info"})
def test_flip_logged_at_info_and_back_again(d):
    setup(d)
    d.start()
    assert body(d, "/").body == b"<h1>release v1</h1>\n"
    flip(d, "v2")
    wait_for(lambda: body(d, "/").body == b"<h1>release v2</h1>\n", BOUND + SLACK,
             interval=0.02, what="v2")
    d.wait_error_log(r"root \S+/current names another directory now")
    flip(d, "v1")  # a rollback is a flip too
    wait_for(lambda: body(d, "/").body == b"<h1>release v1</h1>\n", BOUND + SLACK,
             interval=0.02, what="v1 again")


@daemon(start=False, workers=1, top={"error_log_level": "info"})
def test_root_vanishing_keeps_the_old_tree(d):
    """A link removed (the non-atomic `ln -sfn` alone) keeps the old tree
    serving rather than failing requests; the next good flip is followed."""
    setup(d)
    d.start()
    os.remove(d.path("releases", "current"))
    time.sleep(BOUND + 0.5)
    assert body(d, "/").body == b"<h1>release v1</h1>\n"
    d.wait_error_log(r"current changed but cannot be opened; still serving")
    flip(d, "v2")
    wait_for(lambda: body(d, "/").body == b"<h1>release v2</h1>\n", BOUND + SLACK,
             interval=0.02, what="v2 after the root came back")


@daemon(start=False, workers=1)
def test_flip_of_a_location_alias(d):
    """A location's alias (or root) is a directory like the server's root:
    flipped, followed."""
    setup(d)
    d.servers[0]["root"] = d.root
    text = d.config_text().rstrip("\n")
    cur = d.path("releases", "current")
    d.write_config(text[:-1] + f'    location "/site/" {{ alias = "{cur}" }}\n}}\n')
    d.start()
    assert body(d, "/site/small.txt").body == b"small file of v1\n"
    flip(d, "v2")
    wait_for(lambda: body(d, "/site/small.txt").body == b"small file of v2\n",
             BOUND + SLACK, interval=0.02, what="the alias's new release")
    assert body(d, "/index.html").status == 200  # the server's root unchanged
