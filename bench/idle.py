"""Idle keep-alive connections: open many, send one request on each, read
the response, then hold them without traffic.

The connections are split over client processes of PER_SOURCE connections
each, so no process needs more open files than a modest hard limit allows.
Process k uses source address 127.0.0.(2+k), bound explicitly with
IP_BIND_ADDRESS_NO_PORT so the kernel picks the port per destination.  Each
runs one selectors (epoll) loop with a bounded number of connections in
progress and a deadline for the opening phase.  The parent (Holder) waits
until every process has opened its share, lets the caller measure the
servers, then has them watch for closed connections and close everything.
"""

import collections
import errno
import multiprocessing
import resource
import selectors
import socket
import struct
import time

IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)
PER_SOURCE = 10000
REPLY_SLACK = 30.0  # seconds a client process may take beyond its deadline
IN_FLIGHT = 256
READ_MAX = 65536
REQUEST = b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def raise_nofile(count):
    """Room for `count` client sockets in this process (root may raise the
    hard limit too).  Returns the soft limit in force."""
    want = count + 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= want:
        return soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def start_connect(source, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    s.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
    s.bind((source, 0))
    rc = s.connect_ex(("127.0.0.1", port))
    if rc not in (0, errno.EINPROGRESS):
        s.close()
        raise OSError(rc, errno.errorcode.get(rc, str(rc)))
    return s


def response_done(buf):
    """None while incomplete, else the status code of the response in buf."""
    head_end = buf.find(b"\r\n\r\n")
    if head_end < 0:
        return None
    head = buf[:head_end].decode("latin-1").lower()
    length = 0
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip() == "content-length":
            length = int(value.strip())
    if len(buf) < head_end + 4 + length:
        return None
    return int(head.split(None, 2)[1])


class Opener:
    """State of the opening phase."""

    def __init__(self, port, count, source):
        self.port = port
        self.count = count
        self.source = source
        self.next = 0
        self.sel = selectors.DefaultSelector()
        self.bufs = {}
        self.held = []
        self.errors = collections.Counter()

    def fill(self):
        while len(self.bufs) < IN_FLIGHT and self.next < self.count:
            self.next += 1
            try:
                s = start_connect(self.source, self.port)
            except OSError as exc:
                self.errors[f"connect {errno.errorcode.get(exc.errno, exc.errno)}"] += 1
                continue
            self.bufs[s] = None  # None: connect in progress
            self.sel.register(s, selectors.EVENT_WRITE)

    def fail(self, s, why):
        self.errors[why] += 1
        self.sel.unregister(s)
        del self.bufs[s]
        s.close()

    def on_writable(self, s):
        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            return self.fail(s, f"connect {errno.errorcode.get(err, err)}")
        try:
            s.send(REQUEST)
        except OSError as exc:
            return self.fail(s, f"send {errno.errorcode.get(exc.errno, exc.errno)}")
        self.bufs[s] = b""
        self.sel.modify(s, selectors.EVENT_READ)

    def on_readable(self, s):
        try:
            data = s.recv(READ_MAX)
        except OSError as exc:
            return self.fail(s, f"recv {errno.errorcode.get(exc.errno, exc.errno)}")
        if not data:
            return self.fail(s, "closed before the response")
        self.bufs[s] += data
        status = response_done(self.bufs[s])
        if status is None:
            return None
        if status != 200:
            return self.fail(s, f"status {status}")
        self.sel.unregister(s)
        del self.bufs[s]
        self.held.append(s)
        return None

    def run(self, deadline):
        self.fill()
        while self.bufs and time.monotonic() < deadline:
            for key, _ in self.sel.select(0.5):
                if key.fileobj not in self.bufs:
                    continue
                if self.bufs[key.fileobj] is None:
                    self.on_writable(key.fileobj)
                else:
                    self.on_readable(key.fileobj)
            self.fill()
        for s in list(self.bufs):
            self.fail(s, "timeout")
        if self.next < self.count:
            self.errors["not attempted (deadline)"] += self.count - self.next
        self.sel.close()
        return self.held, self.errors


def client(conn, port, count, source, timeout):
    """One client process: open, report, wait for the word, watch, close."""
    raise_nofile(count)
    socks, errors = Opener(port, count, source).run(time.monotonic() + timeout)
    conn.send((len(socks), dict(errors)))
    lost = 0
    if conn.poll(timeout + REPLY_SLACK):
        lost = watch(socks, conn.recv())
    close_all(socks)
    conn.send(lost)


def receive(conn, timeout, what):
    if not conn.poll(timeout):
        raise TimeoutError(f"idle client did not report {what}")
    return conn.recv()


class Holder:
    """`count` idle connections to `port`, held by client processes."""

    def __init__(self, port, count, timeout):
        ctx = multiprocessing.get_context("fork")
        self.timeout = timeout
        self.procs = []
        for k in range(0, count, PER_SOURCE):
            ours, theirs = ctx.Pipe()
            p = ctx.Process(target=client, daemon=True, args=(
                theirs, port, min(PER_SOURCE, count - k),
                f"127.0.0.{2 + k // PER_SOURCE}", timeout))
            p.start()
            self.procs.append((p, ours))

    def opened(self):
        """(connections open, Counter of errors) once every process is done
        opening."""
        held, errors = 0, collections.Counter()
        for _, conn in self.procs:
            n, errs = receive(conn, self.timeout + REPLY_SLACK, "its connections")
            held += n
            errors.update(errs)
        return held, errors

    def release(self, hold_s):
        """Hold for hold_s more seconds, close; returns connections lost."""
        for _, conn in self.procs:
            conn.send(hold_s)
        return sum(receive(conn, hold_s + REPLY_SLACK, "the end")
                   for _, conn in self.procs)

    def stop(self):
        for p, conn in self.procs:
            p.join(5)
            if p.is_alive():
                p.kill()
                p.join(5)
            conn.close()


def watch(socks, seconds):
    """Hold the sockets for `seconds`; count those the server closed (or
    that received anything).  Returns the number lost."""
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    lost = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for key, _ in sel.select(max(0.0, deadline - time.monotonic())):
            lost.add(key.fileobj)
            sel.unregister(key.fileobj)
    sel.close()
    return len(lost)


def close_all(socks):
    """Close with a reset (SO_LINGER 0), leaving no TIME_WAIT behind."""
    linger = struct.pack("ii", 1, 0)
    for s in socks:
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        except OSError:
            pass
        s.close()
