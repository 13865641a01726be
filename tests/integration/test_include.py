"""include("pattern") and forkd -T (issue 14, item 5)."""

import os
import re

from harness import daemon, free_port, line_of


def write(d, rel, text):
    path = d.path(rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


def site(d, name, body):
    """A server on the Forkd's address for Host name, serving body."""
    root = d.new_root(f"root-{name}", {"index.html": body})
    return (f"# {name}\nserver {{\n    listen = \"127.0.0.1:{d.port}\"\n"
            f"    server_name = \"{name}\"\n    root = \"{root}\"\n}}\n")


def with_include(d, line):
    """The Forkd's config with line added at the top level."""
    return d.config_text() + line + "\n"


@daemon(start=False)
def test_conf_d_sites_served(d):
    write(d, "conf.d/a.conf", site(d, "a.example", b"site a\n"))
    write(d, "conf.d/b.conf", site(d, "b.example", b"site b\n"))
    write(d, "conf.d/readme.txt", "not a config\n")  # the pattern skips it
    d.write_config(with_include(d, 'include("conf.d/*.conf")'))
    r = d.run("-t")
    assert r.returncode == 0, r.stderr
    d.start()
    assert d.get("/", headers={"Host": "a.example"}).body == b"site a\n"
    assert d.get("/", headers={"Host": "b.example"}).body == b"site b\n"
    assert d.get("/", headers={"Host": "other"}).status == 200  # the main file's server


@daemon(start=False)
def test_include_inside_a_server_and_nested_relative_to_the_includer(d):
    # conf.d/site.conf includes "snippets/headers.inc": conf.d/snippets/
    write(d, "conf.d/snippets/headers.inc", 'add_header = "X-From: snippet"\n')
    write(d, "conf.d/site.inc", 'include("snippets/headers.inc")\nindex = "index.html"\n')
    text = d.config_text().replace("    root =", '    include("conf.d/site.inc")\n    root =', 1)
    d.write_config(text)
    d.start()
    assert d.get("/").header("X-From") == "snippet"


@daemon(start=False)
def test_error_in_an_included_file_names_it(d):
    bad = write(d, "conf.d/b.conf", "\n\nworker_connections = lots\n")
    d.write_config(with_include(d, 'include("conf.d/*.conf")'))
    r = d.run("-t")
    assert r.returncode == 1, r
    assert r.stderr.startswith(f"{bad}:3: worker_connections must be"), r.stderr


@daemon(start=False)
def test_repeat_across_files_names_both(d):
    write(d, "conf.d/b.conf", "# b\nshutdown_timeout = 9s\n")
    text = with_include(d, 'include("conf.d/*.conf")')
    first = line_of(text, "shutdown_timeout")
    d.write_config(text)
    r = d.run("-t")
    assert r.returncode == 1
    assert r.stderr.strip() == (
        f"{d.path('conf.d/b.conf')}:2: shutdown_timeout is given twice at the top "
        f"level (first at {d.conf_path}:{first})"), r.stderr


@daemon(start=False)
def test_include_problems_refused(d):
    text = with_include(d, 'include("missing.conf")')
    d.write_config(text)
    r = d.run("-t")
    line = line_of(text, "include")
    assert r.returncode == 1 and r.stderr.startswith(f"{d.conf_path}:{line}: include"), r.stderr
    assert "No such file or directory" in r.stderr, r.stderr
    # a pattern that matches nothing is no error (an empty conf.d)
    d.write_config(with_include(d, 'include("empty.d/*.conf")'))
    assert d.run("-t").returncode == 0
    # a cycle
    write(d, "loop/a.conf", 'include("b.conf")\n')
    write(d, "loop/b.conf", 'include("a.conf")\n')
    d.write_config(with_include(d, 'include("loop/a.conf")'))
    r = d.run("-t")
    assert r.returncode == 1 and "include cycle" in r.stderr, r.stderr
    assert r.stderr.startswith(d.path("loop/b.conf") + ":1:"), r.stderr
    # a file that leaves a section open, or closes one it did not open
    write(d, "open.conf", "server {\n")
    d.write_config(with_include(d, 'include("open.conf")'))
    r = d.run("-t")
    assert r.stderr.startswith(d.path("open.conf") + ":1: '{' is not closed"), r.stderr
    write(d, "close.conf", "}\n")
    text = d.config_text().replace("    root =", '    include("close.conf")\n    root =', 1)
    d.write_config(text)
    r = d.run("-t")
    assert r.stderr.startswith(d.path("close.conf") + ":1: '}' closes"), r.stderr


def dump(d, path):
    r = d.run("-T", "-c", path, conf=False)
    assert r.returncode == 0, r.stderr
    assert "is valid" in r.stderr, r.stderr
    return r.stdout


@daemon(start=False)
def test_T_prints_the_effective_config_which_loads_back(d):
    d.top["error_log"] = "error.log"         # relative: made absolute
    write(d, "conf.d/a.conf", site(d, "a.example", b"site a\n"))
    text = with_include(d, 'include("conf.d/*.conf")')
    text = text.replace("    root =", '    add_header = "X-Q: it\'s \\"quoted\\" \\\\ here"\n'
                        '    location "/assets/" {\n        expires = 1d\n    }\n    root =', 1)
    d.write_config(text)
    out = dump(d, d.conf_path)
    assert "include" not in out.split("\n", 1)[1], out
    assert "server_name = {'a.example'}" in out, out          # from conf.d
    assert "keepalive_timeout = '75'" in out, out            # a default
    assert f"error_log = '{d.path('error.log')}'" in out, out
    assert re.search(r"location '/assets/' \{\n\t\texpires = '1d'\n\t\}", out), out
    # the output is a config of its own: -t accepts it, -T gives it back
    copy = write(d, "elsewhere/copy.conf", out)
    r = d.run("-t", "-c", copy, conf=False)
    assert r.returncode == 0, r.stderr
    again = dump(d, copy)
    assert again.split("\n", 1)[1] == out.split("\n", 1)[1]
    # and it serves what the original serves
    d.conf_path = copy
    d.start()
    assert d.get("/", headers={"Host": "a.example"}).body == b"site a\n"
    assert d.get("/assets/x").status == 404
    assert d.get("/").header("X-Q") == "it's \"quoted\" \\ here"


@daemon(start=False)
def test_T_refuses_a_bad_config(d):
    d.top["user"] = "no-such-user-here"
    d.write_config()
    r = d.run("-T")
    assert r.returncode == 1 and r.stdout == "", (r.stdout, r.stderr)
    assert "does not exist" in r.stderr, r.stderr
