"""Shared fixtures for the integration tests.

Every test drives the real programs from the build tree (bin/gannet and the
daemons in libexec/) on loopback, with real clients. An instance is created
with `gannet init` in a directory that the unprivileged service users can
reach (pytest's own tmp directories are private to root when CI runs as
root), on a port base that is free at the time.
"""
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GANNET = os.path.join(TOP, "bin", "gannet")
LIBEXEC = os.path.join(TOP, "libexec")
PORT_OFFSETS = {"smtp": 25, "submission": 587, "submissions": 465,
                "pop3": 110, "pop3s": 995, "imap": 143, "imaps": 993}


def port_free(port, host="127.0.0.1"):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
            return True
        except OSError:
            return False


def free_port_base():
    """A base N such that every N+offset port is free now. The ports stay
    below the kernel's ephemeral range (32768 and up), so that no client
    connection of this or another test can be holding one by the time
    the instance binds it."""
    for _ in range(200):
        base = random.randrange(11000, 32000, 1000)
        if all(port_free(base + off) for off in PORT_OFFSETS.values()):
            return base
    raise RuntimeError("no free port base")


def run(argv, check=True, input=None, env=None, timeout=60):
    """Run a command; return CompletedProcess with text output."""
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run(argv, input=input, capture_output=True, text=True,
                       env=e, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError("%s failed (%d):\nstdout: %s\nstderr: %s"
                             % (argv, p.returncode, p.stdout, p.stderr))
    return p


class Instance:
    """One gannet instance in its own directory."""

    def __init__(self, path, port_base):
        self.dir = path
        self.port_base = port_base
        self.started = False

    def port(self, name):
        return self.port_base + PORT_OFFSETS[name]

    def gannet(self, *args, check=True, input=None, timeout=60):
        return run([GANNET, "-c", self.dir] + list(args), check=check,
                   input=input, timeout=timeout)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def log(self):
        try:
            with open(self.path("log", "gannet.log"), errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait_log(self, text, timeout=10):
        """Wait until the log contains text; return the log."""
        end = time.time() + timeout
        while time.time() < end:
            log = self.log()
            if text in log:
                return log
            time.sleep(0.05)
        raise AssertionError("log never showed %r; log:\n%s"
                             % (text, self.log()[-4000:]))

    def write(self, rel, text, mode=0o644):
        p = self.path(rel)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, mode)
        return p


@pytest.fixture
def workdir():
    """A scratch directory that service users can traverse."""
    d = tempfile.mkdtemp(prefix="gannet-it-")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def instance(workdir):
    """A fresh instance (not started)."""
    base = free_port_base()
    path = os.path.join(workdir, "inst")
    run([GANNET, "init", path, "--port-base", str(base),
         "--hostname", "mx.gannet.test"])
    inst = Instance(path, base)
    yield inst
    if inst.started:
        inst.gannet("stop", check=False)


# --------------------------------------------------------------------------
# Sanitizer reports from the daemons (make check-asan). With
# ASAN_OPTIONS=log_path=DIR/asan (and UBSAN_OPTIONS the same), every
# process of the sanitizer build that finds an error or a leak writes
# DIR/asan.PID; the test during which (or the module after which) a new
# report appears fails with its text.

def _asan_log_path():
    for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
        for opt in os.environ.get(var, "").split(":"):
            if opt.startswith("log_path="):
                return opt[len("log_path="):]
    return None


def _asan_dir():
    p = _asan_log_path()
    return os.path.dirname(p) if p else None


_asan_seen = set()


def _asan_check():
    d = _asan_dir()
    if not d or not os.path.isdir(d):
        return
    prefix = os.path.basename(_asan_log_path()) + "."
    new = sorted(n for n in set(os.listdir(d)) - _asan_seen
                 if n.startswith(prefix))
    _asan_seen.update(new)
    texts = []
    for n in new:
        try:
            with open(os.path.join(d, n), errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        # only reports count (not LSan's list of suppressions used)
        if "ERROR: " in text or "runtime error" in text:
            texts.append("%s:\n%s" % (n, text[-6000:]))
    if texts:
        pytest.fail("sanitizer reports:\n" + "\n".join(texts),
                    pytrace=False)


@pytest.fixture(autouse=True, scope="module")
def _asan_module():
    yield
    time.sleep(0.2 if _asan_dir() else 0)
    _asan_check()


@pytest.fixture(autouse=True)
def _asan_test():
    yield
    _asan_check()
