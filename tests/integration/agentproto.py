"""The queue manager's side of a delivery agent, for the tests that drive
an agent (smtp, deliver) directly, as the queue manager will: a queue file
writer (the format of gannet-queue(5)), the delivery request and its reply
(lib/mail/deliver_proto.h), and an agent process listening on a UNIX
socket of the test's own.
"""
import os
import random
import socket
import subprocess
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


# Queue files (gannet-queue(5)).

B32 = "0123456789ABCDEFGHIJKLMNOPQRSTUV"


def _b32(n, width=0):
    s = ""
    while n:
        s = B32[n % 32] + s
        n //= 32
    return (s or "0").rjust(width, "0")


def write_queue_file(queue_dir, sender, rcpts, body, body_type="",
                     smtputf8=False, subdir="active"):
    """Write a complete queue file into queue_dir/subdir; return its ID
    and arrival time (microseconds)."""
    us = int(time.time() * 1e6)
    qid = _b32(us, 11) + _b32(random.randrange(1, 1 << 30))
    if isinstance(body, str):
        body = body.encode()
    body = body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    env = ["gannet_queue=1", "queue_id=" + qid, "arrival_time=%d" % us,
           "message_size=%020d" % len(body), "sender=" + sender, "envid=",
           "ret=", "body=" + body_type, "smtputf8=%d" % int(smtputf8),
           "service=smtp", "protocol=ESMTP", "client_addr=198.51.100.7",
           "client_port=40000", "client_name=client.example",
           "client_helo=client.example", "auth_user=", "tls_version=",
           "tls_cipher=", "rcpt_count=%d" % len(rcpts)]
    for r in rcpts:
        env += ["rcpt=" + r, "rcpt_orig=" + r, "rcpt_orcpt=", "rcpt_notify=",
                "rcpt_state=P"]
    env.append("message=")
    data = ("\n".join(env) + "\n").encode() + body + \
        ("end=%s\n" % qid).encode()
    d = os.path.join(queue_dir, subdir)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, qid)
    with open(path, "wb") as f:
        f.write(data)
    st = os.stat(queue_dir)
    os.chown(d, st.st_uid, st.st_gid)
    os.chown(path, st.st_uid, st.st_gid)
    return qid, us


# The delivery request and reply (lib/mail/deliver_proto.h).

def _esc(v):
    return (str(v).replace("%", "%25").replace("\r", "%0D")
            .replace("\n", "%0A").replace("\0", "%00"))


def _unesc(v):
    out, i = "", 0
    while i < len(v):
        if v[i] == "%":
            out += chr(int(v[i + 1:i + 3], 16))
            i += 3
        else:
            out += v[i]
            i += 1
    return out


def encode_request(qid, nexthop, sender, rcpts, arrival_us=None,
                   body_type="", smtputf8=False, envid="", ret="",
                   queue_name="active"):
    """rcpts: addresses, or dicts with addr, orig, orcpt, notify."""
    now = int(time.time() * 1e6)
    attrs = [("queue_id", qid), ("queue_name", queue_name),
             ("nexthop", nexthop), ("sender", sender),
             ("arrival_time", arrival_us or now), ("active_time", now),
             ("body_type", body_type), ("smtputf8", int(smtputf8)),
             ("dsn_envid", envid), ("dsn_ret", ret),
             ("rcpt_count", len(rcpts))]
    for i, r in enumerate(rcpts):
        if isinstance(r, str):
            r = {"addr": r}
        attrs += [("rcpt_id", i), ("rcpt", r["addr"]),
                  ("orig_rcpt", r.get("orig", "")),
                  ("dsn_orcpt", r.get("orcpt", "")),
                  ("dsn_notify", r.get("notify", ""))]
    return ("deliver\n" + "".join("%s=%s\n" % (k, _esc(v))
                                  for k, v in attrs) + "\n").encode()


def decode_reply(data):
    lines = data.decode().split("\n")
    assert lines[0] == "status", data
    attrs = [tuple(l.split("=", 1)) for l in lines[1:] if l]
    out, cur = [], None
    for k, v in attrs[2:]:
        if k == "rcpt_id":
            cur = {}
            out.append(cur)
        cur[k] = _unesc(v)
    return out


class Agent:
    """A delivery agent of an instance (libexec/<program>) listening on a
    UNIX socket the test talks to. popen starts it (the smtp tests run it
    inside a network namespace); stop(proc) ends it."""

    def __init__(self, instance, program, extra=(), popen=None, stop=None):
        self.sock_path = instance.path(program + ".sock")
        self.instance = instance
        self.program = program
        self._stop = stop
        if os.path.exists(self.sock_path):
            os.unlink(self.sock_path)
        argv = [os.path.join(TOP, "libexec", program), "-c", instance.dir,
                "-L", "unix:" + self.sock_path] + list(extra)
        self.proc = (popen or subprocess.Popen)(argv, stderr=subprocess.PIPE)
        end = time.time() + 10
        while time.time() < end:
            if self.proc.poll() is not None:
                raise AssertionError("%s agent exited: %s" % (
                    program, self.proc.stderr.read().decode()))
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(self.sock_path)
                s.close()
                # That probe counts as one (empty) client; fine.
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("%s agent did not listen" % program)

    def stop(self):
        if self._stop:
            self._stop(self.proc)
        elif self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def connect(self):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(120)
        s.connect(self.sock_path)
        return s

    @staticmethod
    def call(s, request):
        s.sendall(request)
        buf = b""
        while not buf.endswith(b"\n\n"):
            d = s.recv(65536)
            if not d:
                raise AssertionError("agent closed the connection; got %r"
                                     % buf)
            buf += d
        return decode_reply(buf)

    def deliver(self, *args, **kw):
        """One request on a new connection; returns the per-recipient
        results (dicts: rcpt_id, status, dsn, reason, diag, relay,
        success_dsn)."""
        s = self.connect()
        try:
            return self.call(s, encode_request(*args, **kw))
        finally:
            s.close()
