"""The queue's file system fills up under SMTP load: clients get a 4xx
(never a 5xx, never a 250 for a message that was not kept), every message
that got 250 is in the queue whole, no half-written file is left, and the
server takes mail again as soon as there is room.

The queue directory is a small tmpfs mounted over the instance's queue
(needs root; skipped otherwise). The instance runs under the master.
"""
import hashlib
import os
import re
import shutil
import smtplib
import socket
import subprocess
import time

import pytest

from smtpd_util import queue_ids, queue_show, queued_id

IS_ROOT = os.getuid() == 0


@pytest.fixture
def small_queue(instance):
    if not IS_ROOT or shutil.which("mount") is None:
        pytest.skip("needs root to mount a tmpfs")
    inst = instance
    q = inst.path("queue")
    saved = inst.path("queue.orig")
    st = os.stat(q)
    subprocess.run(["cp", "-a", q, saved], check=True)
    p = subprocess.run(["mount", "-t", "tmpfs", "-o",
                        "size=2m,mode=%o" % (st.st_mode & 0o7777),
                        "gannet-diskfull", q], capture_output=True)
    if p.returncode != 0:
        pytest.skip("cannot mount a tmpfs here: %s" % p.stderr)
    try:
        os.chown(q, st.st_uid, st.st_gid)
        subprocess.run(["cp", "-a", saved + "/.", q], check=True)
        inst.gannet("conf", "set", "mynetworks=127.0.0.1/32")
        inst.gannet("domain", "add", "example.com")
        inst.gannet("user", "add", "joe@example.com", "--password-stdin",
                    input="joe-secret\n")
        inst.gannet("start")
        inst.started = True
        # deliveries suspended: the queue manager takes mail into
        # active/ but delivers nothing, so the queue fills
        inst.gannet("queue", "suspend")
        end = time.time() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", inst.port("smtp")),
                                         1).close()
                break
            except OSError:
                assert time.time() < end
                time.sleep(0.1)
        yield inst
    finally:
        if inst.started:
            inst.gannet("stop", check=False)
            inst.started = False
        subprocess.run(["umount", "-l", q], capture_output=True)


def queued(inst):
    """Messages in the queue, wherever the queue manager has them."""
    return sorted(queue_ids(inst, "incoming") + queue_ids(inst, "active")
                  + queue_ids(inst, "deferred"))


def body(i):
    # 60 kB of text that differs per message
    line = (b"%06d " % i) + hashlib.sha256(b"%d" % i).hexdigest().encode()
    return (b"Subject: fill %d\r\n\r\n" % i) + (line + b"\r\n") * 800


def send(port, i):
    """(code, text) of the DATA reply, or of the first refusal."""
    c = smtplib.SMTP("127.0.0.1", port, timeout=60,
                     source_address=("127.0.0.2", 0))
    try:
        c.ehlo("client.example.org")
        code, text = c.mail("sender@remote.example")
        if code != 250:
            return code, text.decode()
        code, text = c.rcpt("joe@example.com")
        if code != 250:
            return code, text.decode()
        code, text = c.data(body(i))
        return code, text.decode()
    finally:
        try:
            c.quit()
        except smtplib.SMTPException:
            c.close()


def mail_with_size(port, size):
    c = smtplib.SMTP("127.0.0.1", port, timeout=60,
                     source_address=("127.0.0.2", 0))
    c.ehlo("client.example.org")
    r = c.mail("sender@remote.example", ["SIZE=%d" % size])
    c.quit()
    return r


def test_queue_full_gives_4xx_loses_nothing_and_recovers(small_queue):
    inst = small_queue
    port = inst.port("smtp")
    # a declared SIZE that the file system cannot hold one and a half
    # times is refused at MAIL, before any data is sent
    assert mail_with_size(port, 5000000) == (
        452, b"4.3.1 Insufficient system storage")
    assert mail_with_size(port, 10000)[0] == 250
    accepted = {}
    refused = []
    i = 0
    while len(refused) < 3:
        i += 1
        assert i < 200, "the 2 MB queue never filled"
        code, text = send(port, i)
        if code == 250:
            accepted[queued_id(text)] = i
        else:
            refused.append((code, text))
    print("accepted %d, refused: %r" % (len(accepted), refused))
    assert accepted, "nothing was accepted before the disk filled"
    for code, text in refused:
        assert 400 <= code < 500, (code, text)
    # every 250'd message is there, whole; nothing else is
    assert queued(inst) == sorted(accepted)
    for qid, n in accepted.items():
        msg = queue_show(inst, qid)["message"].encode()
        assert body(n).split(b"\r\n\r\n", 1)[1] in msg, qid
    assert queue_ids(inst, "tmp") == []
    assert mail_with_size(port, 200000)[0] == 452
    # room again: deliveries resume, the queue drains into the mailbox
    # (another file system), and every accepted message arrives whole
    inst.gannet("queue", "resume")
    end = time.time() + 120
    while queued(inst):
        assert time.time() < end, inst.log()[-3000:]
        inst.gannet("queue", "flush", check=False)
        time.sleep(0.5)
    got = {}
    root = inst.path("mail", "example.com", "joe")
    for sub in ("new", "cur"):
        for name in os.listdir(os.path.join(root, sub)):
            with open(os.path.join(root, sub, name), "rb") as f:
                msg = f.read().replace(b"\r\n", b"\n")
            n = int(re.search(rb"Subject: fill (\d+)", msg).group(1))
            want = body(n).split(b"\r\n\r\n", 1)[1].replace(b"\r\n",
                                                             b"\n")
            assert msg.endswith(want), "message %d truncated" % n
            got[n] = got.get(n, 0) + 1
    assert sorted(got) == sorted(accepted.values())
    assert set(got.values()) == {1}
    i += 1
    code, text = send(port, i)
    assert code == 250, text


def test_queue_minfree_refuses_at_mail(small_queue):
    """With queue_minfree, the refusal comes at MAIL (452 4.3.1) while
    there is still room for the messages already being received."""
    inst = small_queue
    inst.gannet("conf", "set", "queue_minfree=1m")
    inst.gannet("reload")
    port = inst.port("smtp")
    end = time.time()
    accepted = {}
    codes = []
    for i in range(1, 60):
        code, text = send(port, i)
        codes.append(code)
        if code == 250:
            accepted[queued_id(text)] = i
        else:
            assert (code, text) == (452, "4.3.1 Insufficient system storage")
            break
        assert time.time() < end + 60
    assert codes[-1] == 452, codes
    assert 5 <= len(accepted) < 30, len(accepted)
    assert queued(inst) == sorted(accepted)
