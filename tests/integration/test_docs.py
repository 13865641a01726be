"""The documentation and the program agree: the command-line flags and -s
commands in `forkd -h`, README and forkd(8) are the ones the binary
accepts, and the directives of forkd.conf(5) are the ones the
configuration schema has, each in the contexts the page names.

Accepted flags are found by running the binary with every letter; accepted
directives by reading the option table (the OPT("path", ...) rows of
src/confschema.c), and, for each directive the page documents, by running
`forkd -t` on a configuration that sets it in each documented context."""

import glob
import os
import re
import string

from harness import daemon

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
CONTEXTS = ("top level", "server", "location")


def read(rel):
    with open(os.path.join(TOP, rel)) as f:
        return f.read()


def roff_text(line):
    """A roff line as plain words: macros, font escapes and quotes gone."""
    line = re.sub(r"^\.[A-Z]+\s*", "", line)
    line = re.sub(r"\\f[BIRP]|\\\(dq|\\\(lq|\\\(rq", " ", line)
    return line.replace("\\-", "-").replace('"', " ")


# --- command line ----------------------------------------------------------

def accepted_flags(d):
    """Letters getopt does not reject as an invalid option."""
    flags = set()
    for c in string.ascii_letters:
        r = d.run(f"-{c}", "-c", d.path("none.conf"), conf=False, timeout=10)
        if "invalid option" not in r.stderr:
            flags.add(c)
    return flags


def usage_flags(text):
    """Flags in a usage text: "[-c FILE]" and lines starting "  -c"."""
    return set(re.findall(r"\[-([A-Za-z])\b", text)) | \
        set(re.findall(r"^\s+-([A-Za-z])\b", text, re.M))


def readme_command_line():
    text = read("README")
    m = re.search(r"^Command line\n-+\n(.*?)\n\n\n", text, re.M | re.S)
    assert m, "README has no Command line section"
    return m.group(1)


def man8_section(name):
    text = read("man/forkd.8")
    m = re.search(rf"^\.SH {name}\n(.*?)(?=^\.SH )", text, re.M | re.S)
    assert m, f"forkd.8 has no {name} section"
    return m.group(1)


def man8_flags():
    """Flags of OPTIONS entries (.TP then .B \\-x) and of the SYNOPSIS."""
    opts = set(re.findall(r"^\.TP\n\.BI? \\-([A-Za-z])\b", man8_section("OPTIONS"), re.M))
    syn = set(re.findall(r"^\.(?:OP|B) \\-([A-Za-z])\b", man8_section("SYNOPSIS"), re.M))
    return opts, syn


def accepted_commands(d, candidates):
    """-s commands the binary knows, of the candidates."""
    ok = set()
    for cmd in candidates:
        r = d.run("-s", cmd, "-c", d.path("none.conf"), conf=False, timeout=10)
        if "unknown command" not in r.stderr:
            ok.add(cmd)
    return ok


def man8_commands():
    """The -s entries: .TP then .B name, between .RS and .RE after -s."""
    opts = man8_section("OPTIONS")
    m = re.search(r"\\-s \" \w+\"\n.*?\.RS\n(.*?)\.RE", opts, re.S)
    assert m, "forkd.8 does not list the -s commands"
    return set(re.findall(r"^\.TP(?: \d+)?\n\.B ([a-z]+)$", m.group(1), re.M))


@daemon(start=False, timeout=120)
def test_flags_agree_in_help_readme_man_and_binary(d):
    accepted = accepted_flags(d)
    assert {"c", "t", "s", "v", "h"} <= accepted, accepted
    r = d.run("-h", conf=False)
    assert r.returncode == 0, r
    help_flags = usage_flags(r.stdout)
    readme = usage_flags(readme_command_line())
    man_opts, man_syn = man8_flags()
    problems = []
    for where, flags in [("forkd -h", help_flags), ("README, Command line", readme),
                         ("forkd.8 OPTIONS", man_opts), ("forkd.8 SYNOPSIS", man_syn)]:
        if accepted - flags:
            problems.append(f"{where} lacks {sorted(accepted - flags)}")
        if flags - accepted:
            problems.append(f"{where} documents {sorted(flags - accepted)}, which forkd refuses")
    assert not problems, "\n".join(problems)


@daemon(start=False, timeout=60)
def test_s_commands_agree_in_help_readme_man_and_binary(d):
    r = d.run("-h", conf=False)
    m = re.search(r"\[-s ([a-z|]+)\]", r.stdout)
    assert m, r.stdout
    listed = {
        "forkd -h": set(m.group(1).split("|")),
        "README, Command line": set(re.findall(r"^ {14}([a-z]+) +SIG[A-Z0-9]+ ",
                                               readme_command_line(), re.M)),
        "forkd.8": man8_commands(),
    }
    everything = set().union(*listed.values())
    accepted = accepted_commands(d, everything | {"restart", "status"})
    problems = [f"{where} lacks {sorted(accepted - cmds)}" for where, cmds in listed.items()
                if accepted - cmds]
    problems += [f"{where} lists {sorted(cmds - accepted)}, which forkd refuses"
                 for where, cmds in listed.items() if cmds - accepted]
    assert not problems, "\n".join(problems)


# --- directives ------------------------------------------------------------

def man5_directives():
    """{name: set of contexts} from the .TP entries of forkd.conf(5), and
    the Context: texts that name no known context."""
    text = read("man/forkd.conf.5")
    body = text[text.index(".SH TOP-LEVEL DIRECTIVES"):text.index(".SH VIRTUAL HOSTS")]
    found, odd = {}, []
    for entry in body.split("\n.TP\n")[1:]:
        lines = entry.split("\n")
        name = re.match(r"\s*([a-z_]+)", roff_text(lines[0]))
        assert name, f"no directive name in {lines[0]!r}"
        m = re.search(r"^Context:(.*?)(?=^\.br$|\Z)", entry, re.M | re.S)
        assert m, f"{name.group(1)}: no Context:"
        words = " ".join(roff_text(line) for line in m.group(1).split("\n"))
        words = re.sub(r"[.,;]", " ", words.split(";")[0]).split()
        contexts = {c for c in CONTEXTS if c in " ".join(words)}
        leftover = " ".join(words)
        for c in CONTEXTS:
            leftover = leftover.replace(c, "")
        if not contexts or leftover.strip():
            odd.append(f"{name.group(1)}: Context:{m.group(1).strip()!r}")
        found[name.group(1)] = contexts
    return found, odd


def schema_directives():
    """{name: set of contexts} from the option table (config_options[] in
    src/confschema.c): a row's path "server|location|expires" is the
    directive expires in a location."""
    names = {}
    for path in glob.glob(os.path.join(TOP, "src", "*.c")):
        for row in re.findall(r'^\s*OPT\(\s*"([a-z_|]+)"', open(path).read(), re.M):
            parts = row.split("|")
            if len(parts) > 1 and parts[-2] not in CONTEXTS:
                continue  # inside a section directive (redirect's to, status)
            context = "top level" if len(parts) == 1 else parts[-2]
            names.setdefault(parts[-1], set()).add(context)
    assert len(names) >= 30 and "listen" in names, \
        f"cannot find the option table's OPT(\"path\", ...) rows in src/*.c " \
        f"(found {sorted(names)}); update this test"
    return names


def probe_config(d, name, context):
    """A configuration that sets name first thing in context."""
    value = {"server": "{\n}", "location": '"/p/" {\n}'}.get(name, '= "x"')
    probe = f"{name} {value}"
    server = ['    listen = { "127.0.0.1:1" }', f'    root = "{d.root}"']
    if context == "top level":
        lines = [probe, "server {", *server, "}"]
    elif context == "server":
        lines = ["server {", "    " + probe, *server, "}"]
    else:
        lines = ["server {", '    location "/q/" {', "        " + probe, "    }", *server, "}"]
    return "\n".join(lines) + "\n"


@daemon(start=False, timeout=120)
def test_directives_agree_in_man_page_and_schema(d):
    documented, odd = man5_directives()
    schema = schema_directives()
    problems = [f"forkd.conf(5) names a context that is none of {CONTEXTS}: {o}" for o in odd]
    for name in sorted(set(schema) - set(documented)):
        problems.append(f"{name}: accepted ({', '.join(sorted(schema[name]))}) "
                        "but not documented in forkd.conf(5)")
    for name in sorted(set(documented) - set(schema)):
        problems.append(f"{name}: documented in forkd.conf(5) but not in the schema")
    for name in sorted(set(documented) & set(schema)):
        if documented[name] != schema[name]:
            problems.append(f"{name}: documented for {sorted(documented[name])}, "
                            f"accepted in {sorted(schema[name])}")
    # The binary itself: each documented directive, in each documented
    # context, is known to the parser ("no such option" means it is not).
    for name, contexts in sorted(documented.items()):
        for context in sorted(contexts):
            path = d.write_config(probe_config(d, name, context), path=d.path("probe.conf"))
            r = d.run("-t", "-c", path, conf=False, timeout=10)
            if "no such option" in r.stderr:
                problems.append(f"{name}: documented for {context}, refused there by "
                                f"forkd -t: {r.stderr.strip()}")
    assert not problems, "\n".join(problems)


@daemon(start=False)
def test_boolean_spellings_accepted_by_switches(d):
    """SYNTAX: a boolean is true, yes or on, or false, no or off; the
    on/off switches accept all of them, and nothing else."""
    for name in ("precompressed", "autoindex", "default_server", "proxy_protocol"):
        for value in ("true", "yes", "on", "false", "no", "off"):
            d.servers[0][name] = value
            path = d.write_config(path=d.path("b.conf"))
            r = d.run("-t", "-c", path, conf=False)
            assert r.returncode == 0, (name, value, r.stderr)
        d.servers[0][name] = "maybe"
        path = d.write_config(path=d.path("b.conf"))
        r = d.run("-t", "-c", path, conf=False)
        assert r.returncode == 1 and re.search(r"b\.conf:\d+: ", r.stderr), (name, r.stderr)
        del d.servers[0][name]
