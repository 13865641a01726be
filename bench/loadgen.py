"""Load generators: wrk for HTTP/1.1 request scenarios, h2load for
pipelining.  Each run returns one dict of figures:

    requests  completed requests         seconds  measured duration
    rps       requests per second        mbps     bytes read per second / 1e6
    p50_us    median latency (µs)        p99_us   99th percentile (µs)
    errors    socket errors + responses other than 2xx/3xx
    error_kinds  the same, by kind

p50_us and p99_us are None where the tool does not report them (h2load).
"""

import re
import resource
import shutil
import subprocess

THREADS = 1  # one client thread: with one worker each, the client has a core
CONNECTIONS = 64
TIMEOUT = "10s"  # wrk's default of 2 s drops slow responses from the percentiles
PIPELINE = 16
GRACE = 15  # seconds a tool may overrun its duration before it is killed

TIME_UNITS = {"us": 1.0, "ms": 1e3, "s": 1e6, "m": 60e6, "h": 3600e6}
SIZE_UNITS = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30,
              "TB": 1 << 40}


class LoadError(Exception):
    """The load generator failed or printed something unparseable."""


def have_h2load():
    return shutil.which("h2load") is not None


def lua_headers(path, headers):
    """A wrk script that adds headers to every request.  wrk builds the
    request once from wrk.headers, so the script costs nothing per request."""
    with open(path, "w") as f:
        for name, value in headers.items():
            value = value.replace("\\", "\\\\").replace('"', '\\"')
            f.write(f'wrk.headers["{name}"] = "{value}"\n')
    return path


def nofile_for_client():
    """In the child before exec: room for 10,000+ client sockets (wrk does
    not raise its own limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))


def run(cmd, duration):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True,
                             timeout=duration + GRACE,
                             preexec_fn=nofile_for_client)
    except subprocess.TimeoutExpired as exc:
        raise LoadError(f"{cmd[0]} ran past {duration + GRACE}s") from exc
    if out.returncode != 0:
        raise LoadError(f"{' '.join(cmd)}: exit {out.returncode}: "
                        f"{out.stderr.strip()[:300]}")
    return out.stdout


# ---------------------------------------------------------------- wrk

def wrk(url, duration, script=None, connections=CONNECTIONS):
    cmd = ["wrk", f"-t{THREADS}", f"-c{connections}", f"-d{duration}s",
           "--latency", "--timeout", TIMEOUT]
    if script:
        cmd += ["-s", script]
    return parse_wrk(run(cmd + [url], duration))


def to_us(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not m:
        raise LoadError(f"wrk: unexpected time {text!r}")
    return float(m.group(1)) * TIME_UNITS[m.group(2)]


def to_bytes(text):
    m = re.fullmatch(r"([\d.]+)([KMGT]?B)", text)
    if not m:
        raise LoadError(f"wrk: unexpected size {text!r}")
    return float(m.group(1)) * SIZE_UNITS[m.group(2)]


def parse_wrk(text):
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+), ([\d.]+\w+) read", text)
    if not total:
        raise LoadError(f"wrk: no summary in output:\n{text}")
    requests = int(total.group(1))
    seconds = to_us(total.group(2) + total.group(3)) / 1e6
    # With no completed request wrk prints 0us percentiles: not a figure.
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", text, re.M)
                   if requests else [])
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), "
                              r"write (\d+), timeout (\d+)", text)
    bad_status = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    kinds = dict(zip(("connect", "read", "write", "timeout"),
                     map(int, socket_errors.groups()))) if socket_errors else {}
    kinds["non-2xx/3xx"] = int(bad_status.group(1)) if bad_status else 0
    kinds = {k: v for k, v in kinds.items() if v}
    return {
        "requests": requests,
        "seconds": seconds,
        "rps": requests / seconds if seconds else 0.0,
        "mbps": to_bytes(total.group(4)) / seconds / 1e6 if seconds else 0.0,
        "p50_us": to_us(latency["50"]) if "50" in latency else None,
        "p99_us": to_us(latency["99"]) if "99" in latency else None,
        "errors": sum(kinds.values()),
        "error_kinds": kinds,
    }


# ---------------------------------------------------------------- h2load

def h2load(url, duration, connections=CONNECTIONS, pipeline=PIPELINE):
    cmd = ["h2load", "--h1", "-m", str(pipeline), "-c", str(connections),
           "-t", str(THREADS), "-D", str(duration), url]
    return parse_h2load(run(cmd, duration))


def parse_h2load(text):
    done = re.search(r"finished in ([\d.]+)(\w+), ([\d.]+) req/s, "
                     r"([\d.]+)(\w*B)/s", text)
    counts = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, "
                       r"(\d+) succeeded, (\d+) failed, (\d+) errored, "
                       r"(\d+) timeout", text)
    codes = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, "
                      r"(\d+) 5xx", text)
    if not (done and counts and codes):
        raise LoadError(f"h2load: unexpected output:\n{text}")
    seconds = to_us(done.group(1) + done.group(2)) / 1e6
    succeeded = int(counts.group(4))
    kinds = {"failed": int(counts.group(5)), "errored": int(counts.group(6)),
             "timeout": int(counts.group(7)), "4xx": int(codes.group(3)),
             "5xx": int(codes.group(4))}
    kinds = {k: v for k, v in kinds.items() if v}
    return {
        "requests": succeeded,
        "seconds": seconds,
        "rps": succeeded / seconds if seconds else 0.0,
        "mbps": to_bytes(done.group(4) + done.group(5)) / 1e6,
        "p50_us": None,
        "p99_us": None,
        "errors": sum(kinds.values()),
        "error_kinds": kinds,
    }


def tool_version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"
    text = (out.stdout + out.stderr).strip().splitlines()
    return text[0] if text else "?"
