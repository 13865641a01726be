"""Installation: `make install` writes files that name the paths it installs
to, and `make deb` builds a Debian package whose unit verifies, whose /etc
files are conffiles, which enables nothing, and which lintian accepts."""

import glob
import gzip
import os
import re
import shutil
import subprocess

from harness import Skip, daemon

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
HOST_UNITS = "/lib/systemd/system"


def build_dir(d):
    """The BUILD directory of the binary under test (build/asan/forkd -> build)."""
    return os.path.dirname(os.path.dirname(d.binary))


def make(d, *args, timeout=200):
    r = subprocess.run(["make", "--no-print-directory", "-C", TOP, f"BUILD={build_dir(d)}",
                        *args], capture_output=True, text=True, errors="replace",
                       timeout=timeout, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, f"make {' '.join(args)} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r.stdout


def need(*tools):
    for tool in tools:
        if shutil.which(tool) is None:
            raise Skip(f"{tool} is not installed")


def build_deb(d):
    need("dpkg-deb", "dpkg-buildflags", "dpkg-shlibdeps")
    out = make(d, "deb").strip().splitlines()
    deb = out[-1] if out else ""
    assert deb.endswith(".deb") and os.path.isfile(deb), f"no .deb named by make deb: {out[-5:]}"
    return deb


def verify_unit(root, unit="forkd.service"):
    """systemd-analyze verify --root=ROOT; ROOT gets the host's targets and
    slices, which the unit's default dependencies name, and `man` looks for
    the Documentation= pages in ROOT."""
    if shutil.which("systemd-analyze") is None:
        raise Skip("systemd-analyze is not installed: cannot verify the unit")
    if not os.path.isdir(HOST_UNITS):
        raise Skip(f"{HOST_UNITS} is missing: no targets to verify the unit against")
    units = os.path.join(root, "lib/systemd/system")
    os.makedirs(units, exist_ok=True)
    for path in glob.glob(f"{HOST_UNITS}/*.target") + glob.glob(f"{HOST_UNITS}/*.slice"):
        dest = os.path.join(units, os.path.basename(path))
        if not os.path.lexists(dest):
            shutil.copy(path, dest, follow_symlinks=False)
    env = dict(os.environ, MANPATH=os.path.join(root, "usr/share/man"))
    r = subprocess.run(["systemd-analyze", "verify", f"--root={root}", unit],
                       capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 0 and not r.stderr.strip(), \
        f"systemd-analyze verify --root={root} {unit}: exit {r.returncode}\n{r.stdout}{r.stderr}"


@daemon(start=False, timeout=240)
def test_make_install_prefix_usr_names_its_paths(d):
    stage = d.path("stage")
    make(d, "install", "PREFIX=/usr", f"DESTDIR={stage}")
    unit = open(os.path.join(stage, "usr/lib/systemd/system/forkd.service")).read()
    assert "/usr/local" not in unit, unit
    for key in ("ExecStartPre", "ExecStart", "ExecReload"):
        assert re.search(rf"^{key}=/usr/sbin/forkd ", unit, re.M), (key, unit)
    rotate = open(os.path.join(stage, "etc/logrotate.d/forkd")).read()
    assert "/usr/sbin/forkd -c /etc/forkd/forkd.conf -s reopen" in rotate, rotate
    assert "/usr/local" not in rotate and "@" not in rotate, rotate
    assert os.access(os.path.join(stage, "usr/sbin/forkd"), os.X_OK)
    assert os.path.isfile(os.path.join(stage, "etc/forkd/forkd.conf"))
    # The systemd unit directory of PREFIX=/usr is /usr/lib/systemd/system;
    # verify from a root where it is also /lib's (merged /usr).
    os.symlink("usr/lib", os.path.join(stage, "lib"))
    verify_unit(stage)


def gzip_is_reproducible(path):
    """gzip -n: no file name and no time stamp in the header."""
    with open(path, "rb") as f:
        head = f.read(10)
    flags, mtime = head[3], int.from_bytes(head[4:8], "little")
    return head[:2] == b"\x1f\x8b" and not flags & 0x08 and mtime == 0


@daemon(start=False, timeout=240)
def test_deb_layout_conffiles_and_unit(d):
    deb = build_deb(d)
    root, control = d.path("root"), d.path("control")
    subprocess.run(["dpkg-deb", "-x", deb, root], check=True, timeout=60)
    subprocess.run(["dpkg-deb", "-e", deb, control], check=True, timeout=60)
    for rel in ("usr/sbin/forkd", "lib/systemd/system/forkd.service", "etc/forkd/forkd.conf",
                "etc/logrotate.d/forkd", "usr/share/man/man8/forkd.8.gz",
                "usr/share/man/man5/forkd.conf.5.gz", "usr/share/doc/forkd/copyright",
                "usr/share/doc/forkd/changelog.Debian.gz"):
        assert os.path.isfile(os.path.join(root, rel)), f"{rel} is not in the package"
    assert os.access(os.path.join(root, "usr/sbin/forkd"), os.X_OK)
    for rel in ("usr/share/man/man8/forkd.8.gz", "usr/share/man/man5/forkd.conf.5.gz",
                "usr/share/doc/forkd/changelog.Debian.gz"):
        assert gzip_is_reproducible(os.path.join(root, rel)), f"{rel}: not gzip -n"
    page = gzip.open(os.path.join(root, "usr/share/man/man8/forkd.8.gz")).read()
    assert page == open(os.path.join(TOP, "man/forkd.8"), "rb").read()
    with open(os.path.join(control, "conffiles")) as f:
        assert f.read().split() == ["/etc/forkd/forkd.conf", "/etc/logrotate.d/forkd"]
    fields = dict(re.findall(r"^([A-Za-z-]+): (.*)$",
                             open(os.path.join(control, "control")).read(), re.M))
    assert fields["Package"] == "forkd" and "libconfuse" in fields["Depends"], fields
    copyright_text = open(os.path.join(root, "usr/share/doc/forkd/copyright")).read()
    assert copyright_text.startswith("Format: https://www.debian.org/doc/packaging-manuals/"
                                     "copyright-format/1.0/"), copyright_text
    assert "License: BSD-2-Clause" in copyright_text
    # Maintainer scripts enable and start nothing.
    for name in ("postinst", "prerm", "postrm"):
        path = os.path.join(control, name)
        if not os.path.exists(path):
            continue
        text = open(path).read()
        code = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
        for bad in (r"systemctl\s+(\S+\s+)*(enable|start|restart)\b",
                    r"deb-systemd-helper\s+enable", r"deb-systemd-invoke\s+(start|restart)",
                    r"invoke-rc\.d"):
            hits = [line for line in code if re.search(bad, line)]
            assert not hits, f"{name} matches {bad!r}: {hits}"
    # The binary in the package is the one the unit and logrotate name.
    unit = open(os.path.join(root, "lib/systemd/system/forkd.service")).read()
    assert re.search(r"^ExecStart=/usr/sbin/forkd -c /etc/forkd/forkd.conf$", unit, re.M), unit
    assert "/usr/sbin/forkd" in open(os.path.join(root, "etc/logrotate.d/forkd")).read()
    r = subprocess.run([os.path.join(root, "usr/sbin/forkd"), "-v"], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 0 and fields["Version"].startswith(r.stdout.split()[1]), \
        (r.stdout, fields["Version"])
    verify_unit(root)


@daemon(start=False, timeout=240)
def test_deb_lintian_reports_no_errors(d):
    """lintian: no error; the warnings are the ones README justifies."""
    need("lintian")
    deb = build_deb(d)
    r = subprocess.run(["lintian", "--pedantic", "--no-tag-display-limit", deb],
                       capture_output=True, text=True, timeout=200)
    tags = re.findall(r"^([EWIPX]): forkd[^:]*: (\S+)", r.stdout, re.M)
    errors = [t for level, t in tags if level == "E"]
    assert not errors, r.stdout
    readme = open(os.path.join(TOP, "README")).read()
    unexplained = [t for level, t in tags if level == "W" and t not in readme]
    assert not unexplained, f"lintian warnings not justified in README: {unexplained}\n{r.stdout}"
