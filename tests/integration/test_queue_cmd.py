"""`gannet queue` on real queue files, made by submitting through a real
smtpd with smtplib while no queue manager runs: list (and --json), mailq,
hold, release, delete, requeue, suspend/resume, flush and ETRN.

Where the queue manager would take a trigger, a tiny listener bound to
$queue_directory/private/qmgr stands in for its socket only to record
the bytes that arrive (W, F, F<domain>\\n)."""
import json
import os
import re
import smtplib
import socket
import subprocess
import threading
import time
import types

import pytest

from conftest import GANNET, TOP
from smtpd_util import Smtpd, free_port, queue_show, queued_id, setup_accounts

MAILQ = os.path.join(TOP, "bin", "mailq")


class TriggerListener:
    """Records every connection's bytes on a UNIX socket."""

    def __init__(self, path):
        self.path = path
        self.got = []
        self.cv = threading.Condition()
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.bind(path)
        # The daemons run as mail_owner: let them connect, as the
        # master's own private sockets (mode 0600, owned by mail_owner)
        # would.
        os.chmod(path, 0o666)
        self.s.listen(16)
        self.s.settimeout(0.2)
        self.running = True
        self.t = threading.Thread(target=self.loop, daemon=True)
        self.t.start()

    def loop(self):
        while self.running:
            try:
                c, _ = self.s.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            data = b""
            c.settimeout(5)
            while True:
                chunk = c.recv(4096)
                if not chunk:
                    break
                data += chunk
            c.close()
            with self.cv:
                self.got.append(data)
                self.cv.notify_all()

    def wait(self, want, timeout=10):
        """Wait until a request equal to want arrived; return all."""
        with self.cv:
            self.cv.wait_for(lambda: want in self.got, timeout)
            assert want in self.got, self.got
            return list(self.got)

    def close(self):
        self.running = False
        self.s.close()
        self.t.join()
        os.unlink(self.path)


@pytest.fixture
def mx(instance):
    setup_accounts(instance)
    s = Smtpd(instance, free_port(),
              ["mynetworks=127.0.0.1/32", "relay_domains=backup.example"])
    yield instance, s
    s.stop()


@pytest.fixture
def qmgr_socket(instance):
    t = TriggerListener(instance.path("queue", "private", "qmgr"))
    yield t
    t.close()


def submit(s, sender, rcpts, subject="t", body="hello\r\n"):
    c = smtplib.SMTP("127.0.0.1", s.port, timeout=10)
    c.ehlo("client.example.org")
    c.mail(sender)
    for r in rcpts:
        assert c.rcpt(r)[0] == 250
    code, text = c.data(("Subject: %s\r\n\r\n%s" % (subject, body)).encode())
    assert code == 250, text
    c.quit()
    return queued_id(text.decode())


def q(inst, *args, check=True):
    return inst.gannet("queue", *args, check=check)


def listing(inst):
    return {m["id"]: m for m in json.loads(q(inst, "list", "--json").stdout)}


def test_list_and_json(mx):
    inst, s = mx
    a = submit(s, "alice@remote.example", ["joe@example.com"])
    b = submit(s, "", ["joe@example.com", "sue@example.com"])
    items = json.loads(q(inst, "list", "--json").stdout)
    assert [m["id"] for m in items] == sorted([a, b])
    m = {m["id"]: m for m in items}
    assert m[a]["status"] == "active" and m[a]["queue"] == "incoming"
    assert m[a]["sender"] == "alice@remote.example"
    assert m[b]["sender"] == ""
    assert m[a]["size"] == int(queue_show(inst, a)["message_size"])
    assert [(r["address"], r["state"]) for r in m[b]["recipients"]] == [
        ("joe@example.com", "pending"), ("sue@example.com", "pending")]
    assert m[a]["reason"] is None
    assert abs(m[a]["arrival_time"] - time.time()) < 3600
    text = q(inst, "list").stdout
    assert re.search(r"^%s  active  \d+  \S+  <alice@remote.example>$" % a,
                     text, re.M), text
    assert "    <sue@example.com>  pending" in text


def test_hold_release_delete(mx, qmgr_socket):
    inst, s = mx
    a = submit(s, "alice@remote.example", ["joe@example.com"])
    b = submit(s, "bob@remote.example", ["sue@example.com"])
    p = q(inst, "hold", a)
    assert p.stdout == "%s: put on hold\n" % a
    assert os.path.exists(inst.path("queue", "hold", a))
    assert listing(inst)[a]["status"] == "hold"
    out = subprocess.run([MAILQ, "-C", inst.dir], capture_output=True,
                         text=True, timeout=30).stdout
    assert re.search(r"^%s! +\d+ " % a, out, re.M), out
    q(inst, "release", a)
    assert os.path.exists(inst.path("queue", "incoming", a))
    qmgr_socket.wait(b"W")  # release wakes the queue manager
    # Errors: unknown or malformed IDs.
    p = q(inst, "release", a, check=False)
    assert p.returncode == 1 and "no such message on hold" in p.stderr
    p = q(inst, "delete", "../../etc/passwd", check=False)
    assert p.returncode == 1 and "not a queue ID" in p.stderr
    # ALL
    q(inst, "hold", "ALL")
    assert sorted(os.listdir(inst.path("queue", "hold"))) == sorted([a, b])
    q(inst, "release", "ALL")
    assert os.listdir(inst.path("queue", "hold")) == []
    p = q(inst, "delete", a)
    assert p.stdout == "%s: deleted\n" % a
    assert list(listing(inst)) == [b]
    q(inst, "delete", "ALL")
    assert listing(inst) == {}


def test_requeue_deferred_with_reason(mx, qmgr_socket):
    inst, s = mx
    a = submit(s, "alice@remote.example",
               ["joe@example.com", "sue@example.com"])
    # Stand in for the queue manager: the file goes to deferred/ with a
    # reason for its second recipient, as the queue contract says.
    os.rename(inst.path("queue", "incoming", a),
              inst.path("queue", "deferred", a))
    reason = "host mx.example.com[192.0.2.1] said: 451 4.3.0 try later"
    with open(inst.path("queue", "defer", a), "w") as f:
        f.write("1\t4.3.0\t%s\n" % reason)
    m = listing(inst)[a]
    assert m["status"] == "deferred" and m["reason"] == reason
    assert [(r["state"], r["reason"]) for r in m["recipients"]] == [
        ("pending", None), ("deferred", reason)]
    out = subprocess.run([MAILQ, "-C", inst.dir], capture_output=True,
                         text=True, timeout=30).stdout
    assert "\n(%s)\n" % reason in out
    assert q(inst, "list").stdout.count("4.3.0 " + reason) == 1
    p = q(inst, "requeue", a)
    assert p.stdout == "%s: requeued\n" % a
    assert os.path.exists(inst.path("queue", "incoming", a))
    qmgr_socket.wait(b"W")
    p = q(inst, "requeue", a, check=False)
    assert p.returncode == 1 and "no such message" in p.stderr
    q(inst, "delete", a)
    assert not os.path.exists(inst.path("queue", "defer", a))


def test_mailq_format(mx):
    inst, s = mx
    out = subprocess.run([MAILQ, "-C", inst.dir], capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 0 and out.stdout == "Mail queue is empty\n"
    a = submit(s, "alice@remote.example", ["joe@example.com"])
    b = submit(s, "", ["joe@example.com", "sue@example.com"],
               body=("x" * 70 + "\r\n") * 40)
    lines = subprocess.run([MAILQ, "-C", inst.dir], capture_output=True,
                           text=True, timeout=30).stdout.split("\n")
    w = len(a) + 1
    assert lines[0] == "%-*s --Size-- ----Arrival Time---- " \
        "-Sender/Recipient-------" % (w, "-Queue ID-")
    row = re.compile(r"^(\S+) +(\d+) (\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d)"
                     r"  (.*)$")
    m = row.match(lines[1])
    assert m and m.group(1) == a and m.group(4) == "alice@remote.example"
    assert len(m.group(0)) - len(m.group(4)) == w + 31
    indent = " " * (w + 30)
    assert lines[2] == indent + "joe@example.com"
    assert lines[3] == ""
    m = row.match(lines[4])
    assert m.group(1) == b and m.group(4) == "MAILER-DAEMON"
    assert lines[5:8] == [indent + "joe@example.com",
                          indent + "sue@example.com", ""]
    size_a = int(queue_show(inst, a)["message_size"])
    size_b = int(queue_show(inst, b)["message_size"])
    kb = (size_a + 1023) // 1024 + (size_b + 1023) // 1024
    assert lines[8] == "-- %d Kbytes in 2 Requests." % kb
    # `gannet queue mailq` and `sendmail -bp` are the same.
    assert q(inst, "mailq").stdout.split("\n") == lines


def test_flush_and_etrn_reach_the_trigger_socket(mx, qmgr_socket):
    inst, s = mx
    assert q(inst, "flush").stdout.startswith("gannet: flush")
    qmgr_socket.wait(b"F")
    q(inst, "flush", "example.org")
    qmgr_socket.wait(b"Fexample.org\n")
    subprocess.run([os.path.join(TOP, "bin", "sendmail"), "-C", inst.dir,
                    "-qRother.example"], check=True, timeout=30)
    qmgr_socket.wait(b"Fother.example\n")
    c = smtplib.SMTP("127.0.0.1", s.port, timeout=10)
    c.ehlo("client.example.org")
    assert c.docmd("ETRN", "backup.example") == (
        250, b"2.0.0 Queuing started")
    got = qmgr_socket.wait(b"Fbackup.example\n")
    assert c.docmd("ETRN", "other.example")[0] == 459
    c.quit()
    assert got.count(b"Fbackup.example\n") == 1
    assert b"Fother.example\n" in got  # from sendmail -qR only
    p = q(inst, "flush", "bad domain", check=False)
    assert p.returncode == 1 and "bad character" in p.stderr


def test_flush_without_queue_manager(mx):
    inst, s = mx
    p = q(inst, "flush", check=False)
    assert p.returncode == 1
    assert "is the mail system running?" in p.stderr
    c = smtplib.SMTP("127.0.0.1", s.port, timeout=10)
    c.ehlo("client.example.org")
    code, text = c.docmd("ETRN", "backup.example")
    assert code == 458 and b"backup.example" in text
    c.quit()


def test_suspend_and_resume(mx, qmgr_socket):
    inst, s = mx
    flag = inst.path("queue", "suspended")
    assert "suspended" in q(inst, "suspend").stdout
    assert os.path.isfile(flag)
    qmgr_socket.wait(b"W")
    # Mail is still accepted while deliveries are suspended.
    a = submit(s, "alice@remote.example", ["joe@example.com"])
    assert a in listing(inst)
    n = len(qmgr_socket.got)
    assert "resumed" in q(inst, "resume").stdout
    assert not os.path.exists(flag)
    with qmgr_socket.cv:
        qmgr_socket.cv.wait_for(lambda: len(qmgr_socket.got) > n, 10)
        assert qmgr_socket.got[n:].count(b"W") >= 1


def test_files_moving_under_the_tools(mx):
    """What the queue manager does at the same time (files renamed
    between incoming, active and deferred, or removed) never makes list
    or mailq fail, and no message is listed twice."""
    inst, s = mx
    ids = [submit(s, "a@remote.example", ["joe@example.com"])
           for _ in range(30)]
    qd = inst.path("queue")
    stop = threading.Event()

    def churn():
        dirs = ["incoming", "active", "deferred"]
        k = 0
        while not stop.is_set():
            for i, qid in enumerate(ids):
                src = os.path.join(qd, dirs[(k + i) % 3], qid)
                dst = os.path.join(qd, dirs[(k + i + 1) % 3], qid)
                try:
                    os.rename(src, dst)
                except FileNotFoundError:
                    pass
            k += 1

    t = threading.Thread(target=churn)
    t.start()
    try:
        for _ in range(10):
            p = subprocess.run([GANNET, "-c", inst.dir, "queue", "list",
                                "--json"], capture_output=True, text=True,
                               timeout=60)
            assert p.returncode == 0, p.stderr
            seen = [m["id"] for m in json.loads(p.stdout)]
            assert len(seen) == len(set(seen))
            assert set(seen) <= set(ids)
            p = subprocess.run([MAILQ, "-C", inst.dir], capture_output=True,
                               text=True, timeout=60)
            assert p.returncode == 0 and p.stderr == ""
        # hold ALL while files move: every message ends up on hold.
        p = subprocess.run([GANNET, "-c", inst.dir, "queue", "hold", "ALL"],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
    finally:
        stop.set()
        t.join()
    held = set(os.listdir(os.path.join(qd, "hold")))
    rest = set()
    for d in ("incoming", "active", "deferred"):
        rest |= set(os.listdir(os.path.join(qd, d)))
    assert held | rest == set(ids) and not held & rest
    q(inst, "hold", "ALL")
    assert set(os.listdir(os.path.join(qd, "hold"))) == set(ids)


def test_who_may_run_the_queue_commands(mx):
    """root and mail_owner may; anyone else gets a clear error, not an
    empty queue."""
    inst, s = mx
    a = submit(s, "alice@remote.example", ["joe@example.com"])
    owner = inst.gannet("conf", "mail_owner").stdout.split("=")[1].strip()
    as_owner = ["setpriv", "--reuid=" + owner, "--regid=" + owner,
                "--clear-groups", "--"]
    p = subprocess.run(as_owner + [GANNET, "-c", inst.dir, "queue", "hold", a],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    p = subprocess.run(as_owner + [MAILQ, "-C", inst.dir],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and a + "!" in p.stdout, p.stderr
    nobody = ["setpriv", "--reuid=nobody", "--regid=nogroup",
              "--clear-groups", "--"]
    p = subprocess.run(nobody + [MAILQ, "-C", inst.dir],
                       capture_output=True, text=True, timeout=30)
    # No master runs here, so no showq service either: a clear error,
    # not an empty queue.
    assert p.returncode == 1
    assert "Permission denied" in p.stderr
    assert "run this as root or as mail_owner, or start the mail system" \
        in p.stderr
    assert "Mail queue is empty" not in p.stdout
    p = subprocess.run(nobody + [GANNET, "-c", inst.dir, "queue", "list"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1
    assert "run this as root or as mail_owner" in p.stderr


QMGR = os.path.join(TOP, "libexec", "qmgr")


@pytest.mark.skipif(not os.path.exists(QMGR), reason="no queue manager yet")
def test_with_the_real_queue_manager(instance):
    """Under the master with qmgr: a held message stays put while
    deliveries run, release hands it back, and flush and ETRN reach qmgr."""
    inst = instance
    setup_accounts(inst)
    inst.gannet("conf", "set", "mynetworks=127.0.0.1/32",
                "relay_domains=backup.example")
    inst.gannet("queue", "suspend")
    inst.gannet("start")
    inst.started = True
    inst.wait_log("service qmgr: started")
    end = time.time() + 10
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", inst.port("smtp")),
                                     timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    a = submit(types.SimpleNamespace(port=inst.port("smtp")),
               "alice@remote.example", ["joe@example.com"])
    q(inst, "hold", a)
    q(inst, "resume")
    # Deliveries run again, but not for a held message.
    assert listing(inst)[a]["status"] == "hold"
    q(inst, "release", a)
    end = time.time() + 20
    while a in listing(inst) and time.time() < end:
        time.sleep(0.1)
    assert a not in listing(inst)
    assert "%s: to=<joe@example.com>" % a in inst.log()
    q(inst, "flush", "example.org")
    inst.wait_log("flush example.org")
    c = smtplib.SMTP("127.0.0.1", inst.port("smtp"), timeout=10)
    c.ehlo("client.example.org")
    assert c.docmd("ETRN", "backup.example")[0] == 250
    c.quit()
    inst.wait_log("flush backup.example")
