"""Path traversal: nothing outside the docroot is ever served."""

import os

from harness import INDEX_HTML, curl, req

MARKER = b"TOP-SECRET-MARKER-8c1f2e"

TARGETS = [
    b"/../secret",
    b"/%2e%2e/secret",
    b"/a/%2e%2e/%2e%2e/secret",
    b"/%2e%2e%2fsecret",
    b"/..%2fsecret",
    b"/a/../../secret",
    b"//../secret",
    b"/%00",
    b"/index.html%00.png",
    b"/%252e%252e/secret",
    b"/a/..%2f..%2fsecret",
    b"/%2E%2E/secret",
    b"/./../secret",
    b"/a/b/../../../secret",
    b"/..",
    b"/a/%2e%2e%5c%2e%2e%5csecret",
]


def plant_secret(d):
    """A world-readable file beside the docroot (its parent is the temp dir)."""
    path = d.path("secret")
    with open(path, "wb") as f:
        f.write(MARKER + b"\n")
    os.chmod(path, 0o644)
    assert os.path.dirname(path) == os.path.dirname(d.root)
    d.write_file("a/b/placeholder.txt", b"inside\n")


def test_traversal_raw_requests(d):
    plant_secret(d)
    workers = sorted(d.workers())
    for target in TARGETS:
        # The traversal attempt, then a normal request on the same connection.
        r = d.raw(req("GET", target) + req("GET", "/index.html"), n=2)
        assert MARKER not in r.data, f"{target!r} leaked the secret: {r.data[:300]!r}"
        assert r.responses, f"{target!r}: no response ({r.data[:200]!r})"
        first = r.responses[0]
        assert first.status in (400, 404), f"{target!r}: {first}"
        if len(r.responses) == 2:
            assert r.responses[1].status == 200 and r.responses[1].body == INDEX_HTML, \
                f"after {target!r}: {r.responses[1]}"
        else:
            assert r.closed, f"{target!r}: connection neither answered nor closed"
        after = d.get("/index.html")
        assert after.status == 200 and after.body == INDEX_HTML, f"after {target!r}: {after}"
    assert sorted(d.workers()) == workers, "a worker died"


def test_traversal_curl_path_as_is(d):
    plant_secret(d)
    out = d.path("curl.out")
    for target in ["/../secret", "/../../secret", "/a/../../secret", "/a/b/../../../secret"]:
        r = curl("--path-as-is", "-o", out, "-w", "%{http_code}", d.url(target))
        assert r.returncode == 0, (target, r.stderr)
        with open(out, "rb") as f:
            assert MARKER not in f.read(), f"curl {target} leaked the secret"
        assert r.stdout in (b"400", b"404"), f"curl {target}: status {r.stdout!r}"
    assert d.get("/").status == 200
