#!/usr/bin/python3
"""disk_ceiling.py - how many durable file creations per second this disk does.

One operation is what a mail server does for each message it accepts or
delivers: create a file under a temporary name, write SIZE bytes, fsync it,
rename it into place, fsync the directory. THREADS workers do this for
SECONDS each round, in their own directories on the file system under test.
The figure is the physical limit that end-to-end throughput is compared to.

usage: disk_ceiling.py [--dir DIR] [--size BYTES] [--seconds S] [THREADS...]
"""
import argparse
import os
import shutil
import tempfile
import threading
import time


def worker(d, size, deadline, counts, idx):
    data = b"x" * size
    dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    n = 0
    while time.monotonic() < deadline:
        tmp = os.path.join(d, "tmp.%d" % n)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, data)
        os.fsync(fd)
        os.close(fd)
        os.rename(tmp, os.path.join(d, "msg.%d" % n))
        os.fsync(dfd)
        n += 1
    os.close(dfd)
    counts[idx] = n


def measure(base, threads, size, seconds):
    root = tempfile.mkdtemp(prefix="ceiling-", dir=base)
    try:
        dirs = []
        for i in range(threads):
            d = os.path.join(root, str(i))
            os.mkdir(d)
            dirs.append(d)
        counts = [0] * threads
        deadline = time.monotonic() + seconds
        start = time.monotonic()
        ts = [threading.Thread(target=worker,
                               args=(dirs[i], size, deadline, counts, i))
              for i in range(threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        return sum(counts) / (time.monotonic() - start)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default=os.environ.get("TMPDIR", "/var/tmp"))
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("threads", nargs="*", type=int, default=[1, 4, 16])
    a = ap.parse_args()
    for t in a.threads:
        print("disk ceiling: %2d threads: %8.0f fsync'd create+write+rename/s"
              % (t, measure(a.dir, t, a.size, a.seconds)), flush=True)


if __name__ == "__main__":
    main()
