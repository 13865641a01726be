#!/usr/bin/python3
"""A slow file system for the tests: a FUSE passthrough of a directory whose
every read sleeps READ_MS (and, with --meta-ms, every lookup, open and
getattr of a name inside /meta/ sleeps too; with --flush-ms, every close:
FUSE sends FLUSH on each close(2) and waits for the answer), mounted with direct_io so that the kernel caches no
file data and every read reaches us.

    slowfs.py SOURCE MOUNTPOINT [--read-ms N] [--meta-ms N] [--flush-ms N]

Runs in the foreground until unmounted (fusermount3 -u MOUNTPOINT) or
killed.  Needs Debian's python3-fusepy (module fusepy) and fuse3; the
Debian module lives in /usr/lib/python3/dist-packages, which is on the
path of /usr/bin/python3 and added here for other interpreters.
"""
import argparse
import errno
import os
import sys
import threading
import time

sys.path.append("/usr/lib/python3/dist-packages")
import fusepy  # noqa: E402


class SlowFS(fusepy.Operations):
    def __init__(self, root, read_ms, meta_ms, flush_ms=0):
        self.root = os.path.realpath(root)
        self.flush_s = flush_ms / 1000.0
        self.read_s = read_ms / 1000.0
        self.meta_s = meta_ms / 1000.0
        self.mu = threading.Lock()
        self.reads = 0

    def _path(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def _meta(self, path):
        # Only names inside /meta/ are slow to look up, so that the other
        # files keep fast metadata with slow data.  (libfuse 2 serialises
        # the lookups of one directory: a slow name in the root would
        # hold up every other name there.)
        if self.meta_s > 0 and path.startswith("/meta/"):
            time.sleep(self.meta_s)

    def getattr(self, path, fh=None):
        self._meta(path)
        try:
            st = os.lstat(self._path(path))
        except OSError as e:
            raise fusepy.FuseOSError(e.errno)
        return {k: getattr(st, k) for k in (
            "st_mode", "st_nlink", "st_uid", "st_gid", "st_size",
            "st_atime", "st_mtime", "st_ctime")}

    def readdir(self, path, fh):
        self._meta(path)
        return [".", ".."] + os.listdir(self._path(path))

    def readlink(self, path):
        return os.readlink(self._path(path))

    def open(self, path, flags):
        self._meta(path)
        try:
            return os.open(self._path(path), flags & ~os.O_CREAT)
        except OSError as e:
            raise fusepy.FuseOSError(e.errno)

    def read(self, path, size, offset, fh):
        time.sleep(self.read_s)
        if os.environ.get("SLOWFS_TRACE"): print("read", size, offset, flush=True)
        with self.mu:
            self.reads += 1
        return os.pread(fh, size, offset)

    def flush(self, path, fh):
        if self.flush_s > 0:
            time.sleep(self.flush_s)
        return 0

    def release(self, path, fh):
        os.close(fh)
        return 0

    def statfs(self, path):
        sv = os.statvfs(self.root)
        return {k: getattr(sv, k) for k in (
            "f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail",
            "f_ffree", "f_files", "f_flag", "f_frsize", "f_namemax")}

    def access(self, path, mode):
        if not os.access(self._path(path), mode):
            raise fusepy.FuseOSError(errno.EACCES)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("source")
    ap.add_argument("mountpoint")
    ap.add_argument("--read-ms", type=float, default=50)
    ap.add_argument("--meta-ms", type=float, default=0)
    ap.add_argument("--flush-ms", type=float, default=0)
    a = ap.parse_args()
    fusepy.FUSE(SlowFS(a.source, a.read_ms, a.meta_ms, a.flush_ms), a.mountpoint,
                foreground=True, nothreads=False, direct_io=True,
                allow_other=True, ro=True, default_permissions=True)


if __name__ == "__main__":
    main()
