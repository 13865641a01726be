"""forkd -t, -v, -h and config errors reported as FILE:LINE."""

import os
import re

from harness import INDEX_HTML, daemon, free_port, insert_line, line_of, parametrize


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


# --- -t refuses what a start or a reload would refuse (issue 14, item 1)

def start_refused(d, text):
    """Start forkd on text: it must exit 1; its stderr."""
    d.write_config(text)
    r = d.run()  # the master in the foreground, as a start
    assert r.returncode == 1, f"start exited {r.returncode}: {r.stderr}"
    return r.stderr


def refused_alike(d, text, needle, want):
    """-t and a start refuse text with the same FILE:LINE: message, at the
    line holding needle, and the message contains want."""
    line = line_of(text, needle)
    d.write_config(text)
    t = d.run("-t")
    assert t.returncode == 1 and "is valid" not in t.stdout, (t.returncode, t.stdout, t.stderr)
    head = f"{d.conf_path}:{line}: "
    assert t.stderr.startswith(head) and want in t.stderr, (head, want, t.stderr)
    assert head in start_refused(d, text), "the start says otherwise"


FAILS_TO_START = {
    # case: (top or server setting, value (d -> value), text on the line, message part)
    "no_such_user": ("top", "user", lambda d: "wwwdata", "user =",
                     'user "wwwdata" does not exist'),
    "no_such_group": ("top", "group", lambda d: "wwwdata", "group =",
                      'group "wwwdata" does not exist'),
    "pid_dir_missing": ("top", "pid_file", lambda d: d.path("run", "forkd.pid"), "pid_file =",
                        "No such file or directory"),
    "pid_dir_is_a_file": ("top", "pid_file", lambda d: d.path("www", "index.html", "f.pid"),
                          "pid_file =", "Not a directory"),
    "error_log_dir_missing": ("top", "error_log", lambda d: d.path("logs", "error.log"),
                              "error_log =", "No such file or directory"),
    "access_log_dir_missing": ("server", "access_log", lambda d: d.path("logs", "a.log"),
                               "    access_log =", "No such file or directory"),
    "access_log_is_a_dir": ("server", "access_log", lambda d: d.root, "    access_log =",
                            "Is a directory"),
    "mime_types_missing": ("top", "mime_types", lambda d: d.path("mime.types"), "mime_types =",
                           "No such file or directory"),
    "mime_types_is_a_dir": ("top", "mime_types", lambda d: d.root, "mime_types =",
                            "Is a directory"),
}


@daemon(start=False)
@parametrize("case", list(FAILS_TO_START))
def test_t_refuses_what_start_refuses(d, case):
    scope, key, value, needle, want = FAILS_TO_START[case]
    (d.top if scope == "top" else d.servers[0])[key] = value(d)
    refused_alike(d, d.config_text(), needle, want)


def overlap_config(d, port):
    """A wildcard in one server, the loopback address on the same port in
    another (a virtual host)."""
    d.servers[0]["listen"] = [f"*:{port}"]
    d.servers.append({"listen": [f"127.0.0.1:{port}"], "server_name": ["b.example"],
                      "root": d.root})
    return d.config_text()


@daemon(start=False)
def test_overlapping_listen_refused_naming_both_lines(d):
    port = free_port("0.0.0.0")
    text = overlap_config(d, port)
    first, second = line_of(text, f'"*:{port}"'), line_of(text, f'"127.0.0.1:{port}"')
    refused_alike(d, text, f'"127.0.0.1:{port}"',
                  f'overlaps "*:{port}" at {d.conf_path}:{first}')
    assert second > first


@daemon()
def test_reload_refuses_overlap_as_t_does(d):
    port = free_port("0.0.0.0")
    text = overlap_config(d, port)
    d.write_config(text)
    t = d.run("-t")
    r = d.run("-s", "reload", timeout=60)
    assert t.returncode == 1 and r.returncode == 1, (t.stderr, r.stderr)
    message = t.stderr.strip()
    assert message in r.stderr, f"-t said {message!r}, the reload {r.stderr!r}"
    assert d.get("/").status == 200  # the old generation still serves


@daemon(start=False)
def test_good_config_with_a_service_user_is_valid(d):
    d.top["user"] = "nobody"
    d.top["mime_types"] = d.write_file("x.types", b"text/x-x xx\n", root=d.dir)
    d.write_config()
    r = d.run("-t")
    assert r.returncode == 0, r.stderr


# --- a directive given twice in one section (issue 14, item 2)

@daemon(start=False)
def test_two_listen_lines_both_served(d):
    other = free_port()
    text = d.config_text()
    text = insert_line(text, line_of(text, "    listen =") + 1, f'    listen = "127.0.0.1:{other}"')
    d.write_config(text)
    assert d.run("-t").returncode == 0
    d.servers[0]["listen"].append(f"127.0.0.1:{other}")  # for wait_ready
    d.start()
    for port in (d.port, other):
        assert d.get("/", port=port).status == 200, port
    # the same by reload: a third line
    third = free_port()
    text = insert_line(text, line_of(text, "    listen =") + 1, f'    listen = "127.0.0.1:{third}"')
    d.write_config(text)
    d.reload_ok()
    for port in (d.port, other, third):
        assert d.get("/", port=port).status == 200, port


@daemon(start=False)
def test_repeated_root_refused_naming_both_lines(d):
    other = d.new_root("other", {"index.html": b"other\n"})
    text = d.config_text()
    first = line_of(text, "    root =")
    text = insert_line(text, first + 2, f'    root = "{other}"')
    d.write_config(text)
    r = d.run("-t")
    assert r.returncode == 1, r
    want = (f"{d.conf_path}:{first + 2}: root is given twice in one server section "
            f"(first at {d.conf_path}:{first})")
    assert r.stderr.strip() == want, (r.stderr, want)
    assert want in start_refused(d, text)


@daemon(start=False)
def test_repeated_top_level_value_refused(d):
    text = d.config_text() + "worker_processes = 1\n"
    first = line_of(text, "worker_processes =")
    d.write_config(text)
    r = d.run("-t")
    assert r.returncode == 1 and f":{first})" in r.stderr and "given twice" in r.stderr, r.stderr
