"""Paired keep-alive comparison of two forkd binaries: a 612 B file, one
worker each, `wrk -t1 -c64 -d5s`, rounds alternating between the two;
prints the median req/s and the worker's CPU per request (utime + stime
from /proc) of each, with every round's figure.  For a before/after check
of one change on a machine that is not quiet enough for absolute numbers.

    python3 bench/paired.py OLD_FORKD NEW_FORKD [ROUNDS]
"""
import os, re, subprocess, sys, tempfile, time, statistics, socket
bins = sys.argv[1:3]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
tmp = tempfile.mkdtemp(prefix="paired-")
os.makedirs(f"{tmp}/www")
open(f"{tmp}/www/index.html", "wb").write(b"x" * 612)
os.utime(f"{tmp}/www/index.html", (time.time() - 100, time.time() - 100))
def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
procs = []
for i, b in enumerate(bins):
    port = free_port()
    conf = f"{tmp}/f{i}.conf"
    open(conf, "w").write(f'''worker_processes = 1
pid_file = "{tmp}/f{i}.pid"
error_log = "{tmp}/e{i}.log"
server {{
    listen = {{ "127.0.0.1:{port}" }}
    root = "{tmp}/www"
    access_log = "off"
    keepalive_requests = 1000000
}}
''')
    p = subprocess.Popen([b, "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append((p, port))
time.sleep(1.5)
def worker_pid(master):
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    return int(out[0])
def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
res = {b: {"rps": [], "us": []} for b in bins}
try:
    for r in range(rounds):
        for (p, port), b in zip(procs, bins):
            w = worker_pid(p.pid)
            c0 = cpu(w)
            out = subprocess.run(["wrk", "-t1", "-c64", "-d5s", f"http://127.0.0.1:{port}/index.html"],
                                 capture_output=True, text=True).stdout
            c1 = cpu(w)
            n = int(re.search(r"(\d+) requests in", out).group(1))
            rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
            res[b]["rps"].append(rps); res[b]["us"].append((c1 - c0) * 1e6 / n)
finally:
    for p, _ in procs:
        p.terminate(); p.wait()
for b in bins:
    print(f"{b}: req/s median {statistics.median(res[b]['rps']):,.0f} {[round(x) for x in res[b]['rps']]}; "
          f"worker CPU us/req median {statistics.median(res[b]['us']):.2f} {[round(x,2) for x in res[b]['us']]}")
