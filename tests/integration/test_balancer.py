"""Behind a load balancer: status and health endpoints, lame duck, PROXY
protocol, real client addresses, log formats, and HAProxy in front of two
forkd instances that are reloaded and restarted under load."""

import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import time

from harness import INDEX_HTML, Forkd, Skip, daemon, free_port, wait_for
from load import Load

STATUS = {"status_path": "/status", "health_path": "/health"}


def get_json(d, path="/status"):
    resp = d.get(path)
    assert resp.status == 200, resp
    assert resp.header("Content-Type") == "application/json", resp
    return json.loads(resp.body)


@daemon(server=STATUS)
def test_status_json(d):
    for _ in range(5):
        assert d.get("/index.html").status == 200
    doc = get_json(d)
    assert doc["generation"] == 1 and doc["reloads"] == {"ok": 0, "failed": 0}
    workers = [w for w in doc["workers"] if w["state"] == "ready"]
    assert sorted(w["pid"] for w in workers) == sorted(d.workers()), doc
    assert doc["requests"] >= 5, doc
    assert sum(w["requests"] for w in doc["workers"]) == doc["requests"], doc
    assert doc["balance"]["workers"] == 2
    r = d.run("-s", "reload")
    assert r.returncode == 0, r.stderr
    doc = get_json(d)
    assert doc["generation"] == 2 and doc["reloads"]["ok"] == 1, doc
    # Counters do not go back when a generation leaves.
    assert doc["requests"] >= 6, doc


# One sample line of the Prometheus text format: name{labels} value
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*"'
                    r'(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*")*)\})? (-?[0-9.eE+]+|NaN|[+-]Inf)$')


@daemon(server=STATUS)
def test_status_prometheus_is_valid_exposition_format(d):
    d.get("/index.html")
    resp = d.get("/status?format=prometheus")
    assert resp.status == 200
    assert resp.header("Content-Type").startswith("text/plain; version=0.0.4")
    typed, samples = {}, []
    for line in resp.body.decode().splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in ("counter", "gauge"), line
            assert name not in typed, f"TYPE twice: {name}"
            typed[name] = kind
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        assert m.group(1) in typed, f"sample before its TYPE: {line}"
        samples.append(line)
    assert all(n.startswith("forkd_") for n in typed)
    for w in d.workers():
        assert any(f'pid="{w}"' in s and s.startswith("forkd_requests_total{") for s in samples)
    assert any(re.match(r'forkd_requests_total\{worker="\d+",generation="1",', s) for s in samples)


@daemon(server=STATUS)
def test_status_stub_matches_nginx_layout(d):
    for _ in range(3):
        d.get("/index.html")

    def stub():
        body = d.get("/status?format=stub").body.decode()
        m = re.fullmatch(r"Active connections: (\d+) \nserver accepts handled requests\n"
                         r" (\d+) (\d+) (\d+) \nReading: (\d+) Writing: (\d+) "
                         r"Waiting: (\d+) \n", body)
        assert m, repr(body)
        return body, list(map(int, m.groups()))

    # "handled" counts connections whose close a worker has already seen:
    # the three clients' closes may still be on their way.
    def three_handled():
        body, fields = stub()
        return (body, fields) if fields[2] >= 3 else None

    body, fields = wait_for(three_handled, 5, what="three handled connections")
    active, accepts, handled, requests, reading, writing, waiting = fields
    assert writing >= 1            # the status request itself
    assert requests >= 3 and accepts >= 4 and handled >= 3, body
    assert d.get("/status?format=xml").status == 400


@daemon(server=dict(STATUS, status_allow=["10.0.0.0/8"]))
def test_status_allow_list(d):
    assert d.get("/status").status == 403
    assert d.get("/health").status == 403
    assert d.get("/index.html").status == 200


@daemon(server=dict(STATUS, status_allow=["10.0.0.0/8"], health_allow=["127.0.0.0/8"]))
def test_health_allow_apart_from_status_allow(d):
    """A balancer's health checks need no right to read the status."""
    assert d.get("/health").status == 200
    assert d.get("/status").status == 403
    assert d.get("/status?format=html").status == 403


@daemon(server=dict(STATUS, health_allow=["10.0.0.0/8"]))
def test_health_allow_can_be_narrower(d):
    assert d.get("/health").status == 403
    assert d.get("/status").status == 200


@daemon(top={"drain_delay": "2s", "shutdown_timeout": "5s"}, server=STATUS)
def test_lame_duck_health_turns_503_before_drain(d):
    assert d.get("/health").body == b"ok\n"
    d.signal(signal.SIGTERM)
    wait_for(lambda: d.get("/health").status == 503, 2, what="health to answer 503")
    # Still serving while the balancer takes us out of rotation.
    assert d.get("/index.html").body == INDEX_HTML
    assert get_json(d)["lame_duck"] is True
    assert d.wait_exit(10) == 0
    log = d.error_log()
    assert "lame duck for 2000 ms" in log and "draining" in log, log


def proxy_v2(src, sport, dst="127.0.0.1", dport=80):
    sig = b"\r\n\r\n\x00\r\nQUIT\n"
    body = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!HH", sport, dport)
    return sig + bytes([0x21, 0x11]) + struct.pack("!H", len(body)) + body


@daemon(server={"proxy_protocol": True})
def test_proxy_protocol_v1_v2_and_bad_header(d):
    get = b"GET /index.html HTTP/1.1\r\nHost: x\r\nUser-Agent: proxied\r\n\r\n"
    r = d.raw(b"PROXY TCP4 203.0.113.9 127.0.0.1 51000 80\r\n" + get, n=1)
    assert r.responses and r.responses[0].status == 200, r.data[:200]
    r = d.raw(proxy_v2("198.51.100.4", 4242) + get, n=1)
    assert r.responses and r.responses[0].status == 200, r.data[:200]
    # The header split across writes works too.
    with d.conn() as c:
        c.send(b"PROXY TCP4 192.0.2.77 127.0")
        time.sleep(0.05)
        c.send(b".0.1 1 80\r\n" + get)
        assert c.response().status == 200
    # Without a header, or with a broken one: closed, no HTTP answer.
    for bad in (get, b"PROXY TCP4 1.2.3.4 5.6.7.8 99999 80\r\n" + get,
                b"PROXY TCP4 1.2.3.4\r\n" + get):
        with d.conn() as c:
            c.send(bad)
            assert c.read_until_close(timeout=3) == b"", bad
    lines = d.wait_access_log(3)
    # Two workers flush their own lines: compare without order.
    addrs = sorted(line.split(" ", 1)[0] for line in lines)
    assert addrs == ["192.0.2.77", "198.51.100.4", "203.0.113.9"], lines
    assert "bad PROXY protocol header" in d.error_log()


@daemon(server={"real_ip_header": "X-Forwarded-For", "set_real_ip_from": ["127.0.0.1"]})
def test_real_ip_from_trusted_proxy(d):
    d.get("/index.html?xff", headers={"X-Forwarded-For": "192.0.2.5, 198.51.100.6, 127.0.0.1"})
    d.get("/index.html?plain")
    lines = d.wait_access_log(2)
    # Two workers flush their own lines: tell the requests by their query.
    addr = {("xff" if "?xff " in line else "plain"): line.split(" ", 1)[0] for line in lines}
    assert addr == {"xff": "198.51.100.6", "plain": "127.0.0.1"}, lines


@daemon(server={"access_log_format": "json"})
def test_json_access_log_lines_parse(d):
    d.get("/index.html", headers={"User-Agent": 'odd "agent"\\'})
    d.get("/missing\x7f".encode().decode("latin-1").replace("\x7f", "%7F"))
    lines = d.wait_access_log(2)
    # Two workers buffer their own lines: the file's order is not the
    # requests' order.
    docs = sorted((json.loads(line) for line in lines), key=lambda doc: doc["status"])
    assert [doc["status"] for doc in docs] == [200, 404], docs
    assert docs[0]["http_user_agent"] == 'odd "agent"\\'
    assert docs[0]["body_bytes_sent"] == len(INDEX_HTML)


@daemon(timeout=90)
def test_goaccess_parses_the_combined_log(d):
    if shutil.which("goaccess") is None:
        raise Skip("goaccess is not installed")
    for path in ("/index.html", "/missing", "/index.html?q=1"):
        d.get(path, headers={"User-Agent": "Mozilla/5.0 (forkd test)", "Referer": "http://ref/"})
    d.wait_access_log(3)
    out = d.path("report.json")
    r = subprocess.run(["goaccess", d.access_log_path, "--log-format=COMBINED",
                        "--no-global-config", "-o", out], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    with open(out) as f:
        report = json.load(f)
    general = report["general"]
    assert general["total_requests"] == 3, general
    assert general["failed_requests"] == 0, general


@daemon(timeout=120, top={"shutdown_timeout": "5s"})
def test_logrotate_under_load_loses_no_line(d):
    """Rename the log, `forkd -s reopen`, repeat: every request is one line
    in one of the files."""
    rotated = []
    with Load(d.port, conns=4, max_seconds=60) as load:
        for i in range(5):
            assert load.wait_requests(200)
            name = d.access_log_path + f".{i}"
            os.rename(d.access_log_path, name)
            rotated.append(name)
            r = d.run("-s", "reopen")
            assert r.returncode == 0, r.stderr
        assert load.wait_requests(200)
    stats = load.stats
    assert not stats.errors, stats.summary()
    d.run("-s", "quit", timeout=30)
    d.wait_exit(15)

    def count(path):
        with open(path) as f:
            return sum(1 for _ in f)
    total = sum(count(p) for p in rotated) + count(d.access_log_path)
    assert total == stats.ok, f"{total} lines for {stats.ok} requests"


# ---- HAProxy in front of two forkd instances ----

HAPROXY_CFG = """
global
    maxconn 2000
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 3
    option redispatch
    retry-on conn-failure empty-response response-timeout
frontend fe
    bind 127.0.0.1:{port}
    default_backend be
backend be
    balance roundrobin
    option httpchk GET /health
    http-check expect status 200
    default-server inter 200ms fall 2 rise 2 check send-proxy-v2
    server a 127.0.0.1:{pa}
    server b 127.0.0.1:{pb}
"""


def backend(binary, port=None):
    f = Forkd(binary, workers=2,
              top={"drain_delay": "1500ms", "shutdown_timeout": "5s"},
              server=dict(STATUS, proxy_protocol=True, status_allow=["127.0.0.0/8"]))
    if port is not None:
        f.port = port
        f.servers[0]["listen"] = [f"127.0.0.1:{port}"]
    return f


def _send_from(port, source, path="/index.html"):
    s = socket.socket()
    s.bind((source, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return data


def haproxy_up(hport):
    try:
        return b"200 OK" in _send_from(hport, "127.0.0.1")
    except OSError:
        return False


@daemon(start=False, timeout=180)
def test_haproxy_reload_and_restart_backend_lose_nothing(d):
    if shutil.which("haproxy") is None:
        raise Skip("haproxy is not installed")
    a, b = backend(d.binary), backend(d.binary)
    hport = free_port()
    cfg = os.path.join(a.dir, "haproxy.cfg")
    with open(cfg, "w") as f:
        f.write(HAPROXY_CFG.format(port=hport, pa=a.port, pb=b.port))
    hap = None
    try:
        a.start()
        b.start()
        hap = subprocess.Popen(["haproxy", "-f", cfg, "-db"], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
        wait_for(lambda: haproxy_up(hport), 10, what="haproxy to serve")
        # The client's own address reaches the access log through PROXY v2.
        assert b"200 OK" in _send_from(hport, "127.0.0.77")
        with Load(hport, conns=8, max_seconds=120) as load:
            assert load.wait_requests(300)
            r = a.run("-s", "reload")
            assert r.returncode == 0, r.stderr
            assert load.wait_requests(300)
            # Graceful stop: health fails first, HAProxy moves away, then drain.
            r = a.run("-s", "quit", timeout=30)
            assert r.returncode == 0, r.stderr
            assert load.wait_requests(300)
            a2 = backend(a.binary, port=a.port)
            try:
                a2.start()
                assert load.wait_requests(600)
                # HAProxy's checks found it and sent it traffic again.
                a2.wait_access_log(1, timeout=10)
            finally:
                a2.stop()
                a2.cleanup()
        stats = load.stats
        assert not stats.errors, stats.summary()
        logs = a.access_log() + b.access_log()
        assert any(line.startswith("127.0.0.77 ") for line in logs), logs[:3]
    finally:
        if hap is not None and hap.poll() is None:
            os.kill(hap.pid, signal.SIGKILL)
            hap.wait(5)
        for f in (a, b):
            f.stop()
            f.cleanup()
