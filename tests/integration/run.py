#!/usr/bin/env python3
"""Run forkd's integration tests: one fresh daemon per test, one line per test.

    python3 tests/integration/run.py --bin build/asan/forkd [NAME ...]

Tests are the functions test_* and the methods test_* of classes Test* in
the modules test_*.py beside this file.  A test takes the Forkd prepared
for it (started unless declared with @daemon(start=False)), plus one keyword
per @parametrize.  NAME arguments keep only tests whose id contains one of
them.  The last line is always "integration: N passed, M failed".
"""

import argparse
import importlib
import inspect
import os
import signal
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402

TEST_TIMEOUT = 60  # seconds, per test


class TestTimeout(Exception):
    pass


def on_alarm(signum, frame):
    raise TestTimeout("test took longer than its time limit")


def expand(test_id, fn, make_call):
    """One (id, fn, call) per parameter value."""
    params = getattr(fn, "params", None)
    if not params:
        return [(test_id, fn, make_call({}))]
    return [(f"{test_id}[{label(value)}]", fn, make_call({name: value})) for name, value in params]


def label(value):
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def discover():
    """[(test id, function carrying the options, call(forkd))] in file order."""
    tests = []
    for name in sorted(os.listdir(HERE)):
        if not (name.startswith("test_") and name.endswith(".py")):
            continue
        module = importlib.import_module(name[:-3])
        for attr, obj in vars(module).items():
            if attr.startswith("test_") and inspect.isfunction(obj) \
                    and obj.__module__ == module.__name__:
                tests += expand(attr, obj, lambda kw, f=obj: (lambda d: f(d, **kw)))
            elif attr.startswith("Test") and inspect.isclass(obj):
                for mname, meth in vars(obj).items():
                    if mname.startswith("test_") and inspect.isfunction(meth):
                        tests += expand(f"{attr}.{mname}", meth,
                                        lambda kw, c=obj, m=mname:
                                        (lambda d: getattr(c(), m)(d, **kw)))
    ids = [t[0] for t in tests]
    dups = sorted({i for i in ids if ids.count(i) > 1})
    if dups:
        raise SystemExit(f"duplicate test ids: {dups}")
    return tests


def run_one(binary, test_id, fn, call, keep):
    """Run one test; returns (status, message) with status ok/FAIL/skip."""
    options = dict(getattr(fn, "forkd_options", {}))
    start = options.pop("start", True)
    limit = options.pop("timeout", TEST_TIMEOUT)
    d = None
    signal.alarm(limit)
    try:
        d = harness.Forkd(binary, **options)
        if start:
            d.start()
        call(d)
        status, message = "ok", ""
    except harness.Skip as exc:
        status, message = "skip", str(exc)
    except KeyboardInterrupt:
        status, message = "FAIL", "interrupted"
    except BaseException as exc:  # noqa: BLE001 - every failure is reported
        first = str(exc).splitlines()[0] if str(exc) else ""
        status = "FAIL"
        message = f"{type(exc).__name__}: {first}\n{traceback.format_exc().rstrip()}"
        if d is not None:
            message += "\n" + d.diagnostics()
    finally:
        signal.alarm(0)
        if d is not None:
            d.stop()
    reports = d.sanitizer_reports() if d is not None else []
    if reports and status != "FAIL":
        status, message = "FAIL", "sanitizer report:\n" + "\n".join(reports)[:6000]
    elif reports:
        message += "\nsanitizer report:\n" + "\n".join(reports)[:6000]
    if d is not None:
        if keep and status == "FAIL":
            message += f"\n(kept {d.dir})"
        else:
            d.cleanup()
    if message == "interrupted":
        raise KeyboardInterrupt  # after the cleanup above
    return status, message


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="build/asan/forkd", help="forkd binary to test")
    ap.add_argument("--keep", action="store_true", help="keep the temp dirs of failed tests")
    ap.add_argument("--list", action="store_true", help="list the tests and exit")
    ap.add_argument("names", nargs="*", help="run only tests whose id contains one of these")
    args = ap.parse_args()

    tests = [t for t in discover() if not args.names or any(n in t[0] for n in args.names)]
    if args.list:
        for test_id, _, _ in tests:
            print(test_id)
        return 0
    if not os.access(args.bin, os.X_OK):
        print(f"FAIL all: {args.bin} is not an executable", flush=True)
        print(f"integration: 0 passed, {max(len(tests), 1)} failed", flush=True)
        return 1

    signal.signal(signal.SIGALRM, on_alarm)
    passed = failed = skipped = 0
    t_all = time.monotonic()
    for test_id, fn, call in tests:
        t0 = time.monotonic()
        status, message = run_one(args.bin, test_id, fn, call, args.keep)
        took = time.monotonic() - t0
        if status == "ok":
            passed += 1
            print(f"ok   {test_id} ({took:.1f}s)", flush=True)
        elif status == "skip":
            skipped += 1
            print(f"skip {test_id}: {message}", flush=True)
        else:
            failed += 1
            print(f"FAIL {test_id}: {message}", flush=True)
    if skipped:
        print(f"integration: {skipped} skipped", flush=True)
    print(f"integration: total time {time.monotonic() - t_all:.1f}s", flush=True)
    print(f"integration: {passed} passed, {failed} failed", flush=True)
    return 1 if failed or not tests else 0


if __name__ == "__main__":
    sys.exit(main())
