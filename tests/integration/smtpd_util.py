"""Helpers for the smtpd tests: hosted domains and accounts in an instance,
smtpd processes started stand-alone (smtpd -L), raw SMTP sockets, and the
queue read back with `gannet queue show` (the queue manager's reader)."""
import os
import re
import socket
import subprocess
import time

from conftest import GANNET, LIBEXEC, port_free

SMTPD = os.path.join(LIBEXEC, "smtpd")

DOMAINS = """\
example.com active=yes
example.net alias=example.com
disabled.example active=no
catchall.example active=yes
"""
USERS = """\
joe@example.com active=yes maildir=example.com/joe/
sue@example.com active=yes maildir=example.com/sue/
ann@example.com active=no maildir=example.com/ann/
bob@catchall.example active=yes maildir=catchall.example/bob/
"""
ALIASES = """\
info@example.com joe@example.com
@catchall.example bob@catchall.example
"""


def setup_accounts(inst):
    """Hosted domains, accounts and aliases, built into hash maps."""
    os.makedirs(inst.path("maps", "auth"), exist_ok=True)
    inst.write("maps/domains", DOMAINS)
    inst.write("maps/users", USERS)
    inst.write("maps/aliases", ALIASES)
    inst.write("maps/lists", "")
    inst.write("maps/auth/passwd", "")
    inst.gannet("map", "build", inst.path("maps/domains"),
                inst.path("maps/users"), inst.path("maps/aliases"),
                inst.path("maps/lists"), inst.path("maps/auth/passwd"))


def build_map(inst, rel, text):
    """Write a text map and build its hash: file; returns the spec."""
    p = inst.write(rel, text)
    inst.gannet("map", "build", p)
    return "hash:" + p


class Smtpd:
    """One stand-alone smtpd process on 127.0.0.1:port."""

    def __init__(self, inst, port, overrides=(), name="smtpd"):
        self.inst = inst
        self.port = port
        self.logpath = inst.path("log", "%s-%d.log" % (name, port))
        argv = [SMTPD, "-L", "127.0.0.1:%d" % port, "-d", "-c", inst.dir,
                "-o", "max_use=1000000", "-o", "max_idle=3600"]
        for o in overrides:
            argv += ["-o", o]
        self.logf = open(self.logpath, "w")
        self.proc = subprocess.Popen(argv, stdout=self.logf,
                                     stderr=subprocess.STDOUT)
        end = time.time() + 10
        while time.time() < end:
            if self.proc.poll() is not None:
                raise AssertionError("smtpd exited: " + self.log())
            if not port_free(port):
                break
            time.sleep(0.02)
        else:
            raise AssertionError("smtpd never listened: " + self.log())

    def log(self):
        with open(self.logpath, errors="replace") as f:
            return f.read()

    def wait_log(self, text, timeout=5):
        end = time.time() + timeout
        while time.time() < end:
            if text in self.log():
                return self.log()
            time.sleep(0.02)
        raise AssertionError("log never showed %r:\n%s"
                             % (text, self.log()[-3000:]))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()


def free_port():
    for port in range(40000, 60000, 7):
        port += os.getpid() % 7
        if port_free(port):
            return port
    raise RuntimeError("no free port")


class Raw:
    """A raw SMTP connection, for what smtplib will not send."""

    def __init__(self, port, source=None, timeout=10):
        self.s = socket.create_connection(
            ("127.0.0.1", port), timeout=timeout,
            source_address=(source, 0) if source else None)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data if isinstance(data, bytes) else data.encode())

    def reply(self):
        """One complete (possibly multi-line) reply as text."""
        lines = []
        while True:
            while b"\r\n" not in self.buf:
                chunk = self.s.recv(65536)
                if not chunk:
                    raise EOFError("closed; got %r" % (lines + [self.buf]))
                self.buf += chunk
            line, self.buf = self.buf.split(b"\r\n", 1)
            lines.append(line.decode("utf-8", "replace"))
            if len(line) < 4 or line[3:4] != b"-":
                return "\n".join(lines)

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.reply()

    def closed(self):
        """True when the server closed the connection."""
        try:
            self.s.settimeout(5)
            return self.s.recv(1) == b""
        except (ConnectionResetError, socket.timeout):
            return False

    def close(self):
        self.s.close()


def queue_ids(inst, sub="incoming"):
    d = inst.path("queue", sub)
    return sorted(f for f in os.listdir(d) if not f.startswith("."))


def queue_show(inst, qid):
    """The queue file read back by the reader; dict plus 'message'."""
    p = subprocess.run([GANNET, "-c", inst.dir, "queue", "show", "-m", qid],
                       capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    out = p.stdout.decode("utf-8")
    head, _, body = out.partition("message:\n")
    info = {"rcpt": []}
    for line in head.splitlines():
        k, _, v = line.partition(": ")
        if k == "rcpt":
            info["rcpt"].append(v)
        else:
            info[k] = v
    info["message"] = body
    return info


def queued_id(reply):
    m = re.search(r"queued as ([0-9A-V]+)", reply)
    assert m, reply
    return m.group(1)
