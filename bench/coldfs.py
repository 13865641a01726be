"""The cold-disk scenario: forkd (aio = auto and off) against nginx (default
and `aio threads`) on a FUSE file system whose every read sleeps (direct_io,
nothing cached; tests/integration/slowfs.py).  One worker each; 20 small
fetches (distinct files) on one keep-alive connection while curl downloads
one, then two, cold 10 MB files.  Prints the slowest and median small
fetch, the download times, and whether the downloads came back intact.

    python3 bench/coldfs.py build/forkd [--read-ms 50]

Needs root (mount), fuse3, python3-fusepy, curl and nginx (nginx-light).
"""

import argparse
import http.client
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SLOWFS = os.path.join(HERE, "..", "tests", "integration", "slowfs.py")
BIG = 10 * 1000 * 1000


def wait_port(port):
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port}")


def scenario(tmp, port, ndl):
    names = [f"big{i}.bin" for i in range(ndl)]
    dls = [subprocess.Popen(["curl", "-s", "-o", f"{tmp}/out-{n}", "-w", "%{time_total}",
                             f"http://127.0.0.1:{port}/{n}"], stdout=subprocess.PIPE)
           for n in names]
    time.sleep(0.3)
    lat = []
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for i in range(20):
        t0 = time.monotonic()
        c.request("GET", f"/t{i}.bin")
        c.getresponse().read()
        lat.append((time.monotonic() - t0) * 1000)
    took = [float(p.communicate()[0]) for p in dls]
    intact = all(open(f"{tmp}/out-{n}", "rb").read() == open(f"{tmp}/src/{n}", "rb").read()
                 for n in names)
    lat.sort()
    return f"{lat[-1]:6.0f} ms {lat[10]:5.0f} ms   {', '.join(f'{t:.1f}' for t in took)} s   {intact}"


def servers(tmp, forkd):
    port = 18190
    for aio in ("auto", "off"):
        with open(f"{tmp}/forkd.conf", "w") as f:
            f.write(f'worker_processes = 1\npid_file = "{tmp}/forkd.pid"\n'
                    f'error_log = "{tmp}/forkd.log"\naio = "{aio}"\n'
                    f'server {{\n listen = {{ "127.0.0.1:{port}" }}\n root = "{tmp}/mnt"\n}}\n')
        yield f"forkd aio = {aio}", [forkd, "-c", f"{tmp}/forkd.conf"], port, f"{tmp}/forkd.pid"
    for name, extra in (("nginx default", ""), ("nginx aio threads", "aio threads;")):
        with open(f"{tmp}/nginx.conf", "w") as f:
            f.write(f"worker_processes 1; user root; daemon off; pid {tmp}/nginx.pid;\n"
                    f"error_log {tmp}/nginx.log; events {{ }}\n"
                    f"http {{ access_log off; sendfile on; {extra}\n"
                    f"  server {{ listen 127.0.0.1:{port + 1}; root {tmp}/mnt; }} }}\n")
        yield name, ["nginx", "-c", f"{tmp}/nginx.conf"], port + 1, f"{tmp}/nginx.pid"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("forkd")
    ap.add_argument("--read-ms", type=int, default=50)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="coldfs-")
    os.makedirs(f"{tmp}/src")
    os.makedirs(f"{tmp}/mnt")
    for d in (tmp, f"{tmp}/src", f"{tmp}/mnt"):
        os.chmod(d, 0o755)
    for i in range(2):
        with open(f"{tmp}/src/big{i}.bin", "wb") as f:
            f.write(os.urandom(BIG))
    for i in range(20):
        with open(f"{tmp}/src/t{i}.bin", "wb") as f:
            f.write(os.urandom(2000 + i))
    for n in os.listdir(f"{tmp}/src"):
        os.chmod(f"{tmp}/src/{n}", 0o644)
    fs = subprocess.Popen(["/usr/bin/python3", SLOWFS, f"{tmp}/src", f"{tmp}/mnt",
                           "--read-ms", str(a.read_ms)])
    try:
        for _ in range(100):
            if os.path.ismount(f"{tmp}/mnt"):
                break
            time.sleep(0.1)
        print(f"reads take {a.read_ms} ms; slowest and median of 20 small fetches; download times")
        for name, cmd, port, pidfile in servers(tmp, os.path.realpath(a.forkd)):
            srv = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_port(port)
                for ndl in (1, 2):
                    print(f"{name:<20} {ndl} download(s): {scenario(tmp, port, ndl)}", flush=True)
            finally:
                srv.send_signal(signal.SIGQUIT if "nginx" in name else signal.SIGTERM)
                srv.wait(30)
    finally:
        for _ in range(50):
            if subprocess.run(["fusermount3", "-u", f"{tmp}/mnt"]).returncode == 0:
                break
            time.sleep(0.2)
        fs.terminate()
        fs.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
