"""Crash safety under steady SMTP load: daemons are killed with SIGKILL at
random moments, many times, and afterwards every message that got a 250
is kept exactly once (or twice, for the window between the fsync and the
250 reaching the client, which the client then retries), whole; none is
missing or truncated.

Killed: the smtpd processes (the one holding a session, mid-DATA or
mid-commit) and the master itself (which is started again with `gannet
start`, taking over its stale pid file). Until the queue manager and the
local delivery agent are on main, "kept" means in the queue (incoming/,
read back with `gannet queue show`); when libexec/qmgr exists the test
also kills qmgr and deliver and looks in the mailboxes instead.
"""
import hashlib
import os
import random
import re
import signal
import smtplib
import socket
import subprocess
import threading
import time

import pytest

from conftest import LIBEXEC
from smtpd_util import queue_ids, queue_show

ROUNDS = int(os.environ.get("GANNET_CRASH_ROUNDS", "30"))
CLIENTS = 4
HAS_QMGR = os.path.exists(os.path.join(LIBEXEC, "qmgr"))


def body(n):
    digest = hashlib.sha256(b"%d" % n).hexdigest().encode()
    return (b"Subject: crash %d\r\nX-Check: %s\r\n\r\n" % (n, digest)
            + (b"%d " % n + digest + b"\r\n") * 300 + b"end %d\r\n" % n)


def wait_port(port, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("port %d never answered" % port)


def pids_of(inst, name):
    out = subprocess.run(["pgrep", "-f", "%s -c %s" % (name, inst.dir)],
                         capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def master_pid(inst):
    try:
        with open(inst.path("queue", "pid", "master.pid")) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


@pytest.fixture
def loaded(instance):
    inst = instance
    inst.gannet("conf", "set", "mynetworks=127.0.0.1/32")
    inst.gannet("domain", "add", "example.com")
    inst.gannet("user", "add", "joe@example.com", "--password-stdin",
                input="joe-secret\n")
    inst.gannet("start")
    inst.started = True
    wait_port(inst.port("smtp"))
    return inst


def test_sigkill_during_smtp_load_loses_nothing(loaded):
    inst = loaded
    port = inst.port("smtp")
    lock = threading.Lock()
    accepted = {}          # message number -> queue id of its 250
    counter = [0]
    stop = threading.Event()
    errors = []

    def client():
        while not stop.is_set():
            with lock:
                counter[0] += 1
                n = counter[0]
            try:
                c = smtplib.SMTP("127.0.0.1", port, timeout=30,
                                 source_address=("127.0.0.2", 0))
                c.ehlo("load.example.org")
                c.mail("sender@remote.example")
                c.rcpt("joe@example.com")
                code, text = c.data(body(n))
                if code == 250:
                    qid = re.search(r"queued as (\w+)",
                                    text.decode()).group(1)
                    with lock:
                        accepted[n] = qid
                try:
                    c.quit()
                except (smtplib.SMTPException, OSError):
                    pass
            except (smtplib.SMTPException, OSError):
                time.sleep(0.05)   # killed under us, or master down
            except Exception as e:  # noqa: a bug in the test itself
                errors.append(e)
                return

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    kills = {"smtpd": 0, "master": 0, "qmgr": 0, "deliver": 0}
    rng = random.Random(int(os.environ.get("GANNET_CRASH_SEED",
                                           str(os.getpid()))))
    try:
        for _ in range(ROUNDS):
            time.sleep(rng.uniform(0.05, 0.4))
            names = ["smtpd"] * 4 + ["master"]
            if HAS_QMGR:
                names += ["qmgr", "deliver"]
            victim = rng.choice(names)
            if victim == "master":
                pid = master_pid(inst)
                if pid is None:
                    continue
                os.kill(pid, signal.SIGKILL)
                kills["master"] += 1
                time.sleep(0.2)
                # its children see it gone and finish; start it again
                end = time.time() + 30
                while True:
                    p = inst.gannet("start", check=False)
                    if p.returncode == 0:
                        break
                    assert time.time() < end, p.stdout + p.stderr
                    time.sleep(0.5)
                wait_port(port)
            else:
                pids = pids_of(inst, victim)
                if pids:
                    try:
                        os.kill(rng.choice(pids), signal.SIGKILL)
                        kills[victim] += 1
                    except ProcessLookupError:
                        pass
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    assert not errors, errors
    assert len(accepted) >= 10, (len(accepted), kills)
    print("crash: %d kills %r, %d messages got 250"
          % (sum(kills.values()), kills, len(accepted)))

    if HAS_QMGR:
        check_mailbox(inst, accepted)
        return
    # every 250'd message is in the queue, once, whole
    present = {}
    for qid in queue_ids(inst):
        msg = queue_show(inst, qid)["message"].encode()
        m = re.search(rb"Subject: crash (\d+)\r\n", msg)
        assert m, "queue file %s without our subject" % qid
        n = int(m.group(1))
        assert body(n).split(b"\r\n\r\n", 1)[1] in msg, \
            "message %d (%s) truncated" % (n, qid)
        present.setdefault(n, []).append(qid)
    missing = [n for n in accepted if n not in present]
    assert not missing, "250 given, message lost: %r" % missing[:10]
    for n, qids in present.items():
        assert len(qids) <= 2, (n, qids)
        if n in accepted:
            assert accepted[n] in qids
    # nothing half-made is visible in incoming/ (tmp/ may keep pieces
    # until the queue manager cleans it)
    assert not [q for q in queue_ids(inst) if q.startswith(".")]


def queue_pending(inst):
    return sum(len(queue_ids(inst, d))
               for d in ("incoming", "active", "deferred"))


def check_mailbox(inst, accepted):
    """Once the queue manager has delivered everything (deferred mail is
    flushed again and again), each 250'd message is in joe's Maildir
    once or twice, whole, and nothing else is there."""
    end = time.time() + 180
    while queue_pending(inst) > 0:
        assert time.time() < end, "queue never drained: %d left; log:\n%s" \
            % (queue_pending(inst), inst.log()[-3000:])
        inst.gannet("queue", "flush", check=False)
        time.sleep(1)
    assert queue_ids(inst, "corrupt") == []
    root = inst.path("mail", "example.com", "joe")
    present = {}
    for sub in ("new", "cur"):
        d = os.path.join(root, sub)
        for name in os.listdir(d) if os.path.isdir(d) else []:
            with open(os.path.join(d, name), "rb") as f:
                msg = f.read().replace(b"\r\n", b"\n")
            m = re.search(rb"Subject: crash (\d+)\n", msg)
            assert m, "mailbox file %s without our subject" % name
            n = int(m.group(1))
            want = body(n).split(b"\r\n\r\n", 1)[1].replace(b"\r\n", b"\n")
            assert msg.endswith(want), "message %d (%s) truncated" % (n, name)
            present[n] = present.get(n, 0) + 1
    missing = [n for n in accepted if n not in present]
    assert not missing, "250 given, never delivered: %r" % missing[:10]
    twice = [n for n, c in present.items() if c > 1]
    more = {n: c for n, c in present.items() if c > 2}
    assert not more, "delivered more than twice: %r" % more
    print("crash: %d messages in the mailbox, %d of them twice"
          % (len(present), len(twice)))
