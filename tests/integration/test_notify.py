"""systemd Type=notify: READY, RELOADING, STOPPING on NOTIFY_SOCKET."""

import re
import signal
import socket
import time

from harness import INDEX_HTML, START_TIMEOUT, daemon


class NotifySocket:
    """The receiving end of NOTIFY_SOCKET; keeps every datagram in order."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.messages = []
        self._seen = 0  # messages already returned by wait()

    def close(self):
        self.sock.close()

    def wait(self, line, timeout=5.0):
        """The first datagram not yet returned that has `line` as one of its lines."""
        deadline = time.monotonic() + timeout
        for _ in range(1000):
            for i, msg in enumerate(self.messages[self._seen:], self._seen):
                if line in msg.split("\n"):
                    self._seen = i + 1
                    return msg
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.sock.settimeout(left)
            try:
                self.messages.append(self.sock.recv(65536).decode("utf-8", "replace"))
            except socket.timeout:
                break
        raise AssertionError(f"no {line!r} within {timeout}s; got {self.messages}")


def lines(messages):
    return [line for msg in messages for line in msg.split("\n") if line]


@daemon(start=False)
def test_notify_ready_reload_stop(d):
    notify = NotifySocket(d.path("notify.sock"))
    try:
        d.start(env={"NOTIFY_SOCKET": notify.path}, wait=False)
        notify.wait("READY=1", START_TIMEOUT)
        # READY means the workers serve: no waiting here.
        assert d.get("/").body == INDEX_HTML
        assert f"MAINPID={d.pid}" in lines(notify.messages), notify.messages

        d.signal(signal.SIGHUP)
        reloading = notify.wait("RELOADING=1")
        assert re.search(r"^MONOTONIC_USEC=\d+$", reloading, re.M), \
            f"RELOADING=1 without MONOTONIC_USEC: {reloading!r}"
        notify.wait("READY=1")
        assert d.get("/").body == INDEX_HTML

        d.signal(signal.SIGTERM)
        notify.wait("STOPPING=1")
        assert d.wait_exit(10) == 0
        assert any(line.startswith("STATUS=") for line in lines(notify.messages)), \
            notify.messages
    finally:
        notify.close()


def test_no_notify_socket_is_fine(d):
    assert d.get("/").body == INDEX_HTML
