"""File-serving directives: symlinks, precompressed, charset and MIME
types, error_page, fallback; config errors for them reported as FILE:LINE."""

import gzip
import os
import re

from harness import daemon, parametrize, req
from test_config import check_rejected
from harness import line_of

SECRET = b"outside the root\n"


def get(d, target, **headers):
    """One request on its own connection: its response."""
    hdrs = dict(headers, Connection="close")
    hdrs = {k.replace("_", "-"): v for k, v in hdrs.items()}
    r = d.raw(req("GET", target, headers=hdrs), n=1)
    assert len(r.responses) == 1, r.data[:300]
    return r.responses[0]


def head(d, target, **headers):
    hdrs = {k.replace("_", "-"): v for k, v in dict(headers, Connection="close").items()}
    r = d.raw(req("HEAD", target, headers=hdrs), n=1, methods=("HEAD",))
    assert len(r.responses) == 1, r.data[:300]
    return r.responses[0]


# --- symlinks = follow | owner | off

def symlink_setup(d, policy):
    """A link to a file inside the root, one to a file outside it, one to
    a directory inside, and one to a file owned by someone else."""
    d.write_file("real.txt", b"real\n")
    d.write_file("sub/in.txt", b"in sub\n")
    secret = d.path("secret.txt")
    with open(secret, "wb") as f:
        f.write(SECRET)
    os.chmod(secret, 0o644)
    os.symlink("real.txt", os.path.join(d.root, "inside.txt"))
    os.symlink(secret, os.path.join(d.root, "outside.txt"))
    os.symlink("../secret.txt", os.path.join(d.root, "outside-rel.txt"))
    os.symlink("sub", os.path.join(d.root, "linkdir"))
    d.write_file("theirs.txt", b"someone else's\n")
    os.symlink("theirs.txt", os.path.join(d.root, "theirs-link.txt"))
    if os.geteuid() == 0:
        os.chown(os.path.join(d.root, "theirs.txt"), 65534, 65534)
    if policy is not None:
        d.servers[0]["symlinks"] = policy
    d.start()


@parametrize("policy", [None, "follow", "owner", "off"])
@daemon(start=False, workers=1)
def test_symlinks(d, policy):
    symlink_setup(d, policy)
    follows = policy in (None, "follow", "owner")
    for target, body in [("/inside.txt", b"real\n"), ("/linkdir/in.txt", b"in sub\n")]:
        r = get(d, target)
        if follows:
            assert r.status == 200 and r.body == body, (target, r)
        else:
            assert r.status == 403, (target, r)
    # never outside the root, whatever the policy
    for target in ("/outside.txt", "/outside-rel.txt"):
        r = get(d, target)
        assert r.status == 403 and SECRET not in r.body, (target, r)
    # the plain file itself is always there
    assert get(d, "/real.txt").status == 200
    r = get(d, "/theirs-link.txt")
    if policy == "owner" and os.geteuid() == 0:
        assert r.status == 403, r
    elif follows:
        assert r.status == 200 and r.body == b"someone else's\n", r
    else:
        assert r.status == 403, r
    assert d.sanitizer_reports() == [], d.sanitizer_reports()


@daemon(start=False)
def test_symlinks_bad_value(d):
    d.servers[0]["symlinks"] = "sometimes"
    text = d.config_text()
    check_rejected(d, text, line_of(text, "    symlinks ="))
