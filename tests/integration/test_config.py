"""forkd -t, -v, -h and config errors reported as FILE:LINE."""

import os
import re

from harness import INDEX_HTML, daemon, insert_line, line_of, parametrize


def set_top(key, value):
    def mutate(d):
        d.top[key] = value
        return f"{key} ="
    return mutate


def set_server(key, value):
    def mutate(d):
        d.servers[0][key] = value(d) if callable(value) else value
        return f"    {key} ="
    return mutate


# case -> mutation of the Forkd's settings, returning text found on the bad line
BROKEN = {
    "bad_listen": set_server("listen", ["127.0.0.1:notaport"]),
    "listen_port_too_big": set_server("listen", ["127.0.0.1:70000"]),
    "missing_root": set_server("root", lambda d: d.path("does-not-exist")),
    "root_is_a_file": set_server("root", lambda d: os.path.join(d.root, "index.html")),
    "zero_workers": set_top("worker_processes", 0),
    "too_many_workers": set_top("worker_processes", 513),
    "bad_duration": set_top("shutdown_timeout", "soon"),
    "bad_accept_mode": set_top("accept_mode", "roundrobin"),
    "bad_log_level": set_top("error_log_level", "loud"),
    "bad_keepalive_timeout": set_server("keepalive_timeout", "-5"),
}


def check_rejected(d, text, line):
    """forkd -t on text fails with FILE:LINE: (any line when line is None)."""
    path = d.write_config(text, path=d.path("bad.conf"))
    r = d.run("-t", "-c", path, conf=False)
    assert r.returncode == 1, f"exit {r.returncode} for a bad config; stderr {r.stderr!r}"
    assert "is valid" not in r.stdout, r.stdout
    want = r"bad\.conf:" + (str(line) if line else r"\d+") + r": \S"
    assert re.search(want, r.stderr), f"stderr {r.stderr!r} lacks {want!r}"


@daemon(start=False)
def test_good_config(d):
    d.write_config()
    r = d.run("-t")
    assert r.returncode == 0, (r.returncode, r.stderr)
    assert f"forkd: configuration {d.conf_path} is valid" in r.stdout, r.stdout


@daemon(start=False)
def test_unknown_key_on_line_5(d):
    check_rejected(d, insert_line(d.config_text(), 5, "no_such_key = 1"), 5)


@daemon(start=False)
def test_unknown_key_in_server_section(d):
    text = d.config_text()
    line = line_of(text, "    root =")
    check_rejected(d, insert_line(text, line, "    no_such_key = 1"), line)


@daemon(start=False)
@parametrize("case", list(BROKEN))
def test_bad_value(d, case):
    needle = BROKEN[case](d)
    text = d.config_text()
    check_rejected(d, text, line_of(text, needle))


@daemon(start=False)
def test_syntax_error(d):
    check_rejected(d, d.config_text().replace("}", "", 1), None)


@daemon(start=False)
def test_missing_listen(d):
    del d.servers[0]["listen"]
    check_rejected(d, d.config_text(), None)


@daemon(start=False)
def test_missing_config_file(d):
    r = d.run("-t", "-c", d.path("nope.conf"), conf=False)
    assert r.returncode == 1 and "nope.conf" in r.stderr, (r.returncode, r.stderr)


@daemon(start=False)
def test_version(d):
    r = d.run("-v", conf=False)
    assert r.returncode == 0, r
    assert re.fullmatch(r"forkd \S+\n?", r.stdout), r.stdout


@daemon(start=False)
def test_usage(d):
    r = d.run("-h", conf=False)
    assert "usage" in (r.stdout + r.stderr).lower(), r


@daemon(start=False)
def test_relative_paths_resolve_against_config_dir(d):
    d.top.update(pid_file="forkd.pid", error_log="error.log")
    d.servers[0].update(root="www", access_log="access.log")
    d.write_config()
    d.start()
    assert d.get("/").body == INDEX_HTML
    assert d.pid_from_file() == d.pid
    assert d.wait_access_log(1)
    d.wait_error_log("listening on")
