"""Reload: SIGHUP and -s reload start a new generation; a broken config keeps the old one."""

import os
import re
import signal

from harness import INDEX_HTML, alive, daemon, insert_line, wait_for

NEW_INDEX = b"<p>second generation</p>\n"


def serves(d, body):
    """A predicate: / answers 200 with body."""
    def check():
        resp = d.get("/")
        return resp.status == 200 and resp.body == body
    return check


def switch_root(d):
    """Point the server at a new docroot; returns the new config text."""
    d.servers[0]["root"] = d.new_root("www2", {"index.html": NEW_INDEX})
    return d.config_text()


def generations(d):
    return re.findall(r"generation (\d+) serving", d.error_log())


def first_generation(d):
    """The generations logged so far, once the start-up one is there."""
    return wait_for(lambda: generations(d), 3, what='"generation N serving" at start')


def check_new_generation(d, old_workers, old_generations):
    """New content within 5 s, all workers new, same master."""
    wait_for(serves(d, NEW_INDEX), 5, what="the new root to be served")

    def all_new():
        now = d.workers()
        return len(now) == d.workers_expected and not set(now) & set(old_workers)
    wait_for(all_new, 5,
             what=lambda: f"only new workers (old {old_workers}, now {d.workers()})")
    assert d.running() and d.pid_from_file() == d.pid, "the master changed"
    gens = wait_for(lambda: len(generations(d)) > len(old_generations) and generations(d), 3,
                    what='"generation N serving" after the reload')
    assert gens[-1] not in old_generations, gens


def test_sighup_new_root(d):
    old_workers, old_gens = d.workers(), first_generation(d)
    assert d.get("/").body == INDEX_HTML
    d.reload(switch_root(d))
    check_new_generation(d, old_workers, old_gens)


def test_ctl_reload(d):
    old_workers, old_gens = d.workers(), first_generation(d)
    d.write_config(switch_root(d))
    r = d.run("-s", "reload")
    assert r.returncode == 0, (r.returncode, r.stderr)
    check_new_generation(d, old_workers, old_gens)


def test_broken_reload_keeps_old_generation(d):
    old_workers = sorted(d.workers())
    text = switch_root(d)
    line = 3
    d.reload(insert_line(text, line, "no_such_directive = 1"))
    name = os.path.basename(d.conf_path)
    d.wait_error_log(rf"reload failed: \S*{re.escape(name)}:{line}:")
    assert d.get("/").body == INDEX_HTML, "the broken config was applied"
    assert sorted(d.workers()) == old_workers, "workers changed after a failed reload"
    assert d.running()
    # A later good reload still works.
    d.reload(text)
    wait_for(serves(d, NEW_INDEX), 5, what="the new root after fixing the config")


def test_reload_with_missing_root_fails(d):
    d.servers[0]["root"] = d.path("does-not-exist")
    text = d.config_text()
    d.reload(text)
    name = os.path.basename(d.conf_path)
    line = text.splitlines().index(f'    root = "{d.path("does-not-exist")}"') + 1
    d.wait_error_log(rf"reload failed: \S*{re.escape(name)}:{line}:")
    assert d.get("/").body == INDEX_HTML


def test_reload_changes_worker_count(d):
    d.top["worker_processes"] = 3
    d.workers_expected = 3
    old = d.workers()
    d.reload()
    wait_for(lambda: len(d.workers()) == 3 and not set(d.workers()) & set(old), 5,
             what=lambda: f"3 new workers (now {d.workers()})")
    assert d.get("/").body == INDEX_HTML


def test_ctl_quit_stops_master(d):
    workers = d.workers()
    r = d.run("-s", "quit")
    assert r.returncode == 0, (r.returncode, r.stderr)
    assert d.wait_exit(10) == 0
    wait_for(lambda: not any(alive(p) for p in workers), 3, what="workers to exit")


@daemon(start=False)
def test_ctl_without_running_master_fails(d):
    d.write_config()
    r = d.run("-s", "reload")
    assert r.returncode == 1, ("no pid file", r.returncode, r.stdout, r.stderr)
    assert r.stderr.strip(), "no message for a missing pid file"
    with open("/proc/sys/kernel/pid_max") as f:
        never_a_pid = int(f.read())  # pids are below pid_max
    with open(d.pid_file, "w") as f:
        f.write(f"{never_a_pid}\n")
    r = d.run("-s", "reload")
    assert r.returncode == 1, ("stale pid file", r.returncode, r.stdout, r.stderr)
    assert r.stderr.strip(), "no message for a stale pid file"


def test_sighup_twice_quickly(d):
    old_gens = first_generation(d)
    d.signal(signal.SIGHUP)
    d.signal(signal.SIGHUP)
    wait_for(lambda: len(generations(d)) > len(old_gens) and
             len(d.workers()) == d.workers_expected, 5,
             what=lambda: f"a new generation (workers {d.workers()})")
    assert d.get("/").body == INDEX_HTML
    assert d.running()
