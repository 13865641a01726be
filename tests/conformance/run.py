#!/usr/bin/env python3
"""Differential conformance test: forkd against nginx and lighttpd.

    python3 tests/conformance/run.py --forkd build/forkd [--verbose] [--only CLASS]

Starts forkd, nginx and lighttpd on free loopback ports, all serving one
generated docroot with equivalent settings (keep-alive on, directory
listings on, no access log), sends every case of a generated corpus of
raw requests to each on a fresh connection, and compares what came back:
per response the status, the framing header (Content-Length,
Transfer-Encoding or neither), the body length of a 200 or single-part 206
of a file; and whether the connection was left open, closed, or hung.

A case where forkd's answer differs from BOTH peers' is a difference.
Each must be explained in tests/conformance/expected.txt (mirrored, with
the RFC sections, in doc/conformance.md); the script prints every
difference grouped by class, and exits 1 when one is not explained.
Explained differences that no longer occur are reported as stale.

Python 3 standard library only.  The peers run as root-less as they allow
(pid and log files in a temporary directory) and are stopped by pid.
"""
import argparse
import fnmatch
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import OrderedDict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT = 2.0   # for a response that does not come
PROBE = corpus.PROBE


# ---- the docroot ----------------------------------------------------------

def make_root(base):
    """The files every server serves; returns (root, outside)."""
    root = os.path.join(base, "www")
    outside = os.path.join(base, "outside")
    for d in (root, outside):
        os.makedirs(d, mode=0o755, exist_ok=True)
    for rel, data in corpus.FILES.items():
        full = os.path.join(root, rel)
        os.makedirs(os.path.dirname(full), mode=0o755, exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)
    with open(os.path.join(outside, "secret.txt"), "wb") as f:
        f.write(b"SECRET outside the root\n")
    os.symlink(os.path.join(outside, "secret.txt"), os.path.join(root, "out.txt"))
    os.symlink(outside, os.path.join(root, "outdir"))
    os.symlink("a.txt", os.path.join(root, "in.txt"))
    for dirpath, dirnames, filenames in os.walk(base):
        os.chmod(dirpath, 0o755)
        for n in filenames:
            p = os.path.join(dirpath, n)
            if not os.path.islink(p):
                os.chmod(p, 0o644)
                os.utime(p, (corpus.MTIME, corpus.MTIME))
    for dirpath, dirnames, filenames in os.walk(root):
        os.utime(dirpath, (corpus.MTIME, corpus.MTIME))
    return root, outside


# ---- the servers -----------------------------------------------------------

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def forkd_cmd(binary, base, root, port):
    conf = write(os.path.join(base, "forkd.conf"), f"""\
worker_processes = 1
pid_file = "{base}/forkd.pid"
error_log = "{base}/forkd-error.log"
server {{
  listen = "127.0.0.1:{port}"
  root = "{root}"
  autoindex = on
  keepalive_timeout = 65s
}}
""")
    return [binary, "-c", conf]


def nginx_cmd(base, root, port):
    tmp = os.path.join(base, "nginx-tmp")
    os.makedirs(tmp, exist_ok=True)
    conf = write(os.path.join(base, "nginx.conf"), f"""\
daemon off;
worker_processes 1;
pid {base}/nginx.pid;
error_log {base}/nginx-error.log;
events {{ worker_connections 256; }}
http {{
  access_log off;
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  keepalive_timeout 65s;
  server {{
    listen 127.0.0.1:{port};
    server_name localhost;
    root {root};
    autoindex on;
  }}
}}
""")
    return ["nginx", "-c", conf, "-p", base]


def lighttpd_cmd(base, root, port):
    conf = write(os.path.join(base, "lighttpd.conf"), f"""\
server.document-root = "{root}"
server.bind = "127.0.0.1"
server.port = {port}
server.pid-file = "{base}/lighttpd.pid"
server.errorlog = "{base}/lighttpd-error.log"
server.modules = ( "mod_dirlisting" )
index-file.names = ( "index.html" )
dir-listing.activate = "enable"
server.max-keep-alive-idle = 65
mimetype.assign = ( ".html" => "text/html", ".txt" => "text/plain",
                    ".bin" => "application/octet-stream" )
""")
    return ["lighttpd", "-D", "-f", conf]


def wait_port(port, proc, name, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"conformance: {name} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"conformance: {name} does not listen on {port}")


class Servers:
    """The three servers, started in order and stopped by pid."""

    def __init__(self, forkd, base, root):
        self.procs = OrderedDict()
        self.ports = OrderedDict()
        self.cmds = OrderedDict([
            ("forkd", lambda p: forkd_cmd(forkd, base, root, p)),
            ("nginx", lambda p: nginx_cmd(base, root, p)),
            ("lighttpd", lambda p: lighttpd_cmd(base, root, p)),
        ])
        self.base = base

    def __enter__(self):
        try:
            for name, cmd in self.cmds.items():
                port = free_port()
                log = open(os.path.join(self.base, f"{name}.out"), "wb")
                self.procs[name] = subprocess.Popen(cmd(port), stdout=log, stderr=log,
                                                    start_new_session=True)
                self.ports[name] = port
                wait_port(port, self.procs[name], name)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        for name, proc in self.procs.items():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM if name != "nginx" else signal.SIGQUIT)
        for name, proc in self.procs.items():
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# ---- one exchange -----------------------------------------------------------

class Reader:
    """Responses off one socket, with a deadline per read."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.eof = False

    def fill(self, deadline):
        if self.eof:
            return False
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        except OSError:
            data = b""
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def need(self, n, deadline):
        while len(self.buf) < n:
            if not self.fill(deadline):
                return False
        return True

    def line(self, deadline):
        while b"\r\n" not in self.buf:
            if not self.fill(deadline):
                return None
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def response(self, head_only, deadline):
        """(status, headers, body) or a string saying what came instead."""
        while b"\r\n\r\n" not in self.buf:
            if not self.fill(deadline):
                if not self.buf:
                    return "eof" if self.eof else "timeout"
                return "raw" if not self.buf.startswith(b"HTTP/") else "truncated"
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ", 2)
        if not parts[0].startswith(b"HTTP/") or len(parts) < 2 or not parts[1].isdigit():
            return "raw"
        status = int(parts[1])
        headers = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(b":")
            headers[k.strip().lower().decode("latin-1")] = v.strip().decode("latin-1")
        if status < 200 and status != 101:
            return self.response(head_only, deadline)  # interim: the next one
        body = self.body(status, headers, head_only, deadline)
        if body is None:
            return "truncated"
        return status, headers, body

    def body(self, status, headers, head_only, deadline):
        if head_only or status in (204, 304):
            return b""
        if "chunked" in headers.get("transfer-encoding", "").lower():
            out = b""
            while True:
                size = self.line(deadline)
                if size is None:
                    return None
                n = int(size.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while (ln := self.line(deadline)) not in (None, b""):
                        pass
                    return out
                if not self.need(n + 2, deadline):
                    return None
                out += self.buf[:n]
                self.buf = self.buf[n + 2:]
        if "content-length" in headers:
            try:
                n = int(headers["content-length"])
            except ValueError:
                return None
            if not self.need(n, deadline):
                return None
            out, self.buf = self.buf[:n], self.buf[n:]
            return out
        while self.fill(deadline):
            pass
        out, self.buf = self.buf, b""
        return out


def signature(resp, case, method):
    """What is compared of one response."""
    if isinstance(resp, str):
        return resp
    status, headers, body = resp
    te = headers.get("transfer-encoding")
    framing = "te" if te else ("cl" if "content-length" in headers else "none")
    sig = f"{status} {framing}"
    multipart = "multipart/" in headers.get("content-type", "")
    if status in (200, 206) and case.compare_body and not multipart and method != "HEAD":
        sig += f" len={len(body)}"
    return sig


def is_probe(resp):
    return isinstance(resp, tuple) and resp[0] == 200 and resp[2] == corpus.PROBE_BODY


def exchange(port, case, data):
    """The signatures of one case's responses from one server, and what
    became of the connection: open (a further request was answered),
    closed, hung (no answer within TIMEOUT) or garbage."""
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    try:
        s.sendall(data)
        r = Reader(s)
        sigs = []
        deadline = time.monotonic() + TIMEOUT
        while len(sigs) < len(case.methods) or r.buf:
            m = case.methods[len(sigs)] if len(sigs) < len(case.methods) else "GET"
            resp = r.response(m == "HEAD", deadline)
            if resp in ("eof", "timeout"):
                return sigs, "closed" if resp == "eof" else "hung"
            sigs.append(signature(resp, case, m))
            if isinstance(resp, str):
                return sigs, "closed" if r.eof else "garbage"
        try:
            s.sendall(PROBE)
        except OSError:
            return sigs, "closed"
        deadline = time.monotonic() + TIMEOUT
        while True:
            resp = r.response(False, deadline)
            if is_probe(resp):
                return sigs, "open"
            if resp in ("eof", "timeout"):
                return sigs, "closed" if resp == "eof" else "hung"
            # a response that came late: to a request smuggled in a body
            sigs.append(signature(resp, case, "GET"))
            if isinstance(resp, str):
                return sigs, "garbage"
    finally:
        s.close()


def run_case(ports, case, etags):
    out = OrderedDict()
    for name, port in ports.items():
        data = case.render(etags[name])
        sigs, state = exchange(port, case, data)
        out[name] = " | ".join(sigs) + f" ; {state}"
    return out


# ---- expected differences --------------------------------------------------

def read_expected(path):
    """[(pattern, reason)] from lines "pattern  reason" (# comments)."""
    out = []
    with open(path) as f:
        for ln in f:
            ln = ln.strip()
            if not ln or ln.startswith("#"):
                continue
            pat, _, reason = ln.partition(" ")
            out.append((pat, reason.strip()))
    return out


def explained(case_id, expected):
    for pat, reason in expected:
        if fnmatch.fnmatchcase(case_id, pat):
            return pat, reason
    return None


def fetch_etags(ports):
    """Each server's ETag and Last-Modified of each file the corpus names."""
    etags = {}
    for name, port in ports.items():
        etags[name] = {}
        for target in corpus.VALIDATED:
            s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
            s.sendall(f"HEAD {target} HTTP/1.1\r\nHost: localhost\r\n"
                      "Connection: close\r\n\r\n".encode())
            resp = Reader(s).response(True, time.monotonic() + TIMEOUT)
            s.close()
            hdrs = resp[1] if isinstance(resp, tuple) else {}
            etags[name][target] = hdrs.get("etag", '"none"')
    return etags


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--forkd", default="build/forkd")
    ap.add_argument("--expected", default=os.path.join(HERE, "expected.txt"))
    ap.add_argument("--only", default="", help="run only case ids with this prefix")
    ap.add_argument("--verbose", action="store_true", help="print every case")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    for tool in ("nginx", "lighttpd"):
        if shutil.which(tool) is None:
            sys.exit(f"conformance: {tool} is not installed (sh scripts/deps.sh conformance)")
    forkd = os.path.abspath(args.forkd)
    expected = read_expected(args.expected)
    cases = [c for c in corpus.cases() if c.id.startswith(args.only)]
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    base = tempfile.mkdtemp(prefix="forkd-conformance-")
    os.chmod(base, 0o755)
    try:
        root, _ = make_root(base)
        with Servers(forkd, base, root) as srv:
            etags = fetch_etags(srv.ports)
            diffs, used = report(srv.ports, cases, etags, expected, args.verbose)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
        else:
            print(f"conformance: kept {base}")
    return summarize(cases, diffs, expected, used)


def report(ports, cases, etags, expected, verbose):
    diffs = OrderedDict()
    used = set()
    for case in cases:
        got = run_case(ports, case, etags)
        if verbose:
            print(f"{case.id}: " + "  ".join(f"{k}=[{v}]" for k, v in got.items()))
        f = got["forkd"]
        if f == got["nginx"] or f == got["lighttpd"]:
            continue
        why = explained(case.id, expected)
        if why:
            used.add(why[0])
        diffs.setdefault(case.cls, []).append((case, got, why))
    return diffs, used


def summarize(cases, diffs, expected, used):
    total = sum(len(v) for v in diffs.values())
    unexplained = 0
    for cls, items in diffs.items():
        print(f"== {cls}: {len(items)} difference(s)")
        for case, got, why in items:
            mark = "  " if why else "!!"
            if not why:
                unexplained += 1
            print(f"{mark} {case.id}  {case.desc}")
            for k, v in got.items():
                print(f"       {k:9} {v}")
            if why:
                print(f"       expected: {why[1]}")
    stale = [p for p, _ in expected if p not in used]
    for p in stale:
        print(f"conformance: stale expected entry (no such difference now): {p}")
    print(f"conformance: {len(cases)} cases, {total} where forkd differs from both peers, "
          f"{total - unexplained} explained, {unexplained} unexplained")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
