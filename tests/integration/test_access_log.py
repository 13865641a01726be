"""Access log: one nginx "combined" line per request."""

import re
import time
from datetime import datetime, timezone

from harness import INDEX_HTML, req

COMBINED = re.compile(r'(?P<addr>\S+) - (?P<user>\S+) \[(?P<time>[^\]]+)\] '
                      r'"(?P<request>[^"]*)" (?P<status>\d{3}) (?P<bytes>\d+) '
                      r'"(?P<referer>[^"]*)" "(?P<agent>[^"]*)"')


def parse_line(line):
    m = COMBINED.fullmatch(line)
    assert m, f"not a combined-format line: {line!r}"
    when = datetime.strptime(m["time"], "%d/%b/%Y:%H:%M:%S %z")
    skew = abs((datetime.now(timezone.utc) - when).total_seconds())
    assert skew < 60, f"log time {m['time']} is {skew:.0f}s off"
    return m


def test_one_combined_line_per_request(d):
    # (method, path, extra headers, expected status, expected logged bytes or None=body)
    cases = [
        ("GET", "/index.html", {"Referer": "http://ref.test/page"}, 200, len(INDEX_HTML)),
        ("GET", "/missing.html", {}, 404, None),
        ("HEAD", "/index.html", {}, 200, 0),
        ("GET", "/index.html?q=1", {"If-None-Match": "ETAG"}, 304, 0),
        ("POST", "/index.html", {"Content-Length": "0"}, 405, None),
    ]
    expected = {}
    etag = None
    for i, (method, path, headers, status, nbytes) in enumerate(cases):
        agent = f"forkd-it/{i}"
        hdrs = {k: etag if v == "ETAG" else v for k, v in headers.items()}
        hdrs.update({"User-Agent": agent, "Connection": "close"})
        r = d.raw(req(method, path, headers=hdrs), n=1, methods=(method,))
        assert r.responses and r.responses[0].status == status, (method, path, r.data[:200])
        etag = etag or r.responses[0].header("ETag")
        body = len(r.responses[0].body) if nbytes is None else nbytes
        expected[agent] = (f"{method} {path} HTTP/1.1", status, body,
                           headers.get("Referer", "-"))
    lines = d.wait_access_log(len(cases))
    time.sleep(1.2)  # one more flush period: nothing else may appear
    lines = d.access_log()
    assert len(lines) == len(cases), f"want {len(cases)} lines, got {lines}"
    for line in lines:
        m = parse_line(line)
        assert m["agent"] in expected, f"unexpected line {line!r}"
        request, status, nbytes, referer = expected.pop(m["agent"])
        assert m["addr"] == "127.0.0.1" and m["user"] == "-", line
        assert m["request"] == request, line
        assert int(m["status"]) == status, line
        assert int(m["bytes"]) == nbytes, f"{line!r}: want {nbytes} bytes"
        assert m["referer"] == referer, line


def test_keepalive_requests_each_logged(d):
    with d.conn() as c:
        c.send(req("GET", "/index.html", headers={"User-Agent": "ka"}) * 5)
        assert [r.status for r in c.responses(5)] == [200] * 5
    lines = d.wait_access_log(5)
    assert len(lines) == 5, lines
    for line in lines:
        m = parse_line(line)
        assert (m["request"], m["status"], m["bytes"], m["agent"]) == \
            ("GET /index.html HTTP/1.1", "200", str(len(INDEX_HTML)), "ka"), line
