"""The worker's loop and the connection state machine, seen from outside:
the loop sleeps when it has nothing to do, even at its connection cap, and
at debug level the error log traces each connection's states by name.
"""

import os
import re
import socket
import time

from harness import daemon, req, wait_for


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@daemon(workers=1, top={"worker_connections": 2},
        server={"client_header_timeout": "30s", "keepalive_timeout": "30s"})
def test_worker_at_its_connection_cap_sleeps(d):
    """Two silent connections fill the worker; a third waits in the kernel
    queue.  Once the accept pause has run out, the worker waits for a
    connection to close: it must not poll epoll with a zero timeout
    meanwhile.  When one closes, the third is served."""
    worker = d.workers()[0]
    idle = [socket.create_connection(("127.0.0.1", d.port), timeout=5)
            for _ in range(2)]
    waiting = socket.create_connection(("127.0.0.1", d.port), timeout=5)
    try:
        waiting.sendall(req("GET", "/index.html"))
        time.sleep(0.5)  # the worker saw it, paused, and the pause ran out
        before = cpu_seconds(worker)
        time.sleep(2.0)
        spent = cpu_seconds(worker) - before
        # Spinning, it took 0.6-0.75 s on a loaded 2-CPU machine; asleep, 0.
        assert spent < 0.2, f"the full worker used {spent:.2f} s of CPU in 2 s"
        idle[0].close()
        data = b""
        deadline = time.monotonic() + 5
        while b"\r\n\r\n" not in data and time.monotonic() < deadline:
            data += waiting.recv(4096)
        assert data.startswith(b"HTTP/1.1 200 "), data[:100]
    finally:
        waiting.close()
        for s in idle:
            s.close()
    assert d.workers() == [worker]


@daemon(workers=1, top={"error_log_level": "debug"})
def test_debug_log_traces_connection_states(d):
    with d.conn() as c:
        c.send(req("GET", "/index.html"))
        assert c.response().status == 200
        c.send(req("GET", "/index.html", headers={"Connection": "close"}))
        assert c.response().status == 200
        assert c.closed_by_server()
    want = ["accepted -> NEW", "NEW -> READING", "READING -> WRITING",
            "WRITING -> IDLE", "IDLE -> READING", "WRITING -> CLOSED"]

    def traced():
        log = d.error_log()
        return all(re.search(r"\[debug\] \d+: .*conn \d+: " + re.escape(w), log)
                   for w in want)
    wait_for(traced, what="the transitions in the error log")


@daemon(workers=1)
def test_no_state_trace_above_debug_level(d):
    with d.conn() as c:
        c.send(req("GET", "/index.html"))
        assert c.response().status == 200
    assert "-> READING" not in d.error_log()
