"""Refusals explained in the error log (issue 14, item 8): a 403 says why
at info, a 404 names the path tried at debug, as nginx logs a failed
open(); at the default level (notice) neither is written."""

import os
import re

from harness import daemon


def expect(d, path, status, pattern):
    """GET path answers status, and the error log comes to match pattern."""
    r = d.get(path)
    assert r.status == status, (path, r.status)
    return d.wait_error_log(pattern)


@daemon(top={"error_log_level": "info"}, workers=1)
def test_403_reasons_logged_at_info(d):
    secret = d.write_file("secret.txt", b"x\n")
    os.chmod(secret, 0)  # the workers' user cannot read it
    root = re.escape(d.root)
    expect(d, "/secret.txt", 403,
           rf'open\(\) "{root}/secret.txt" failed \(13: Permission denied\), '
           r'request: "/secret.txt"')
    os.symlink("/etc/passwd", os.path.join(d.root, "out"))
    expect(d, "/out", 403, rf'open\(\) "{root}/out" failed \(18: [^)]*\): a symbolic '
           r"link on the path leads outside the root")
    d.write_file(".env", b"KEY=1\n")
    expect(d, "/.env", 404, rf'"{root}/.env" is hidden .*refused by dotfiles = deny')
    os.mkdir(os.path.join(d.root, "empty"))
    expect(d, "/empty/", 403, rf'"{root}/empty/" is a directory with no index file, '
           r"and autoindex is off")
    # a 404 is not worth a line at info: none before the next 403's line
    assert d.get("/nope.html").status == 404
    assert d.get("/secret.txt").status == 403
    d.wait_error_log(r'(?s)secret.txt" failed.*secret.txt" failed')
    assert "nope.html" not in d.error_log()


@daemon(start=False, top={"error_log_level": "info"}, workers=1)
def test_symlinks_off_refusal_logged(d):
    d.servers[0]["symlinks"] = "off"
    d.write_file("real.txt", b"x\n")
    os.symlink("real.txt", os.path.join(d.root, "link.txt"))
    d.start()
    expect(d, "/link.txt", 403, rf'open\(\) "{re.escape(d.root)}/link.txt" failed '
           r"\(40: [^)]*\): a symbolic link on the path, refused by symlinks = off")


@daemon(top={"error_log_level": "debug"}, workers=1)
def test_404_path_logged_at_debug(d):
    expect(d, "/no/such/file.html?x=1", 404,
           rf'open\(\) "{re.escape(d.root)}/no/such/file.html" failed '
           r'\(2: No such file or directory\), request: "/no/such/file.html\?x=1"')


@daemon(workers=1)
def test_refusals_quiet_at_notice(d):
    secret = d.write_file("secret.txt", b"x\n")
    os.chmod(secret, 0)
    assert d.get("/secret.txt").status == 403
    assert d.get("/nope.html").status == 404
    d.stop()  # everything written is in the file now
    log = d.error_log()
    assert "open()" not in log and "secret" not in log, log
