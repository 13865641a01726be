"""A reload that fails after its config parsed changes nothing: the
generation still serving keeps its MIME types, also in the workers the
master forks again after a crash (issue 11, item 4)."""

import os
import signal
import socket

from harness import daemon, proc_state, wait_for


def content_type(d, target):
    resp = d.get(target)
    assert resp.status == 200, (target, resp.status)
    return resp.header("Content-Type")


def write_types(d, name, mime):
    path = d.path(name)
    with open(path, "w") as f:
        f.write(f"{mime} foo\n")
    return path


@daemon(start=False, workers=2)
def test_failed_reload_keeps_mime_types(d):
    d.top["mime_types"] = write_types(d, "alpha.types", "text/x-alpha")
    d.write_file("x.foo", b"foo\n")
    d.start()
    assert content_type(d, "/x.foo") == "text/x-alpha; charset=utf-8"

    # A listen address another process holds: the new file parses, then
    # the reload fails when it binds.
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        busy = f"127.0.0.1:{holder.getsockname()[1]}"
        listen = list(d.servers[0]["listen"])
        d.top["mime_types"] = write_types(d, "beta.types", "text/x-beta")
        d.servers[0]["listen"] = listen + [busy]
        d.reload()
        d.wait_error_log(r"reload failed: .*" + busy.replace(".", r"\."))
        d.servers[0]["listen"] = listen
        assert content_type(d, "/x.foo") == "text/x-alpha; charset=utf-8"

        # The master forks the crashed workers again, from the generation
        # that still serves: they must have its types, not the failed ones.
        old = d.workers()
        for pid in old:
            os.kill(pid, signal.SIGKILL)
        for pid in old:
            wait_for(lambda: proc_state(pid) in (None, "Z"), 5,
                     what=f"worker {pid} to die")
        wait_for(lambda: len(d.workers()) == d.workers_expected and
                 not set(d.workers()) & set(old), 10,
                 what=lambda: f"respawned workers (old {old}, now {d.workers()})")
        for _ in range(2 * d.workers_expected):
            got = content_type(d, "/x.foo")
            assert got == "text/x-alpha; charset=utf-8", f"after the respawn: {got}"
    finally:
        holder.close()
