"""The local delivery agent (libexec/deliver), driven as the queue manager
drives it: a queue file in queue/active and a delivery request on its
socket (agentproto.py). What lands is read back with Python's own
mailbox.Maildir, as any Maildir reader would.

As root (CI), the agent drops to the instance's vmail_owner and reads the
queue file through mail_owner's group: the queue file is made 0640 here,
as the queue writer makes it, so the tests go through that path."""
import glob
import mailbox
import os
import shutil
import smtplib
import socket
import subprocess
import time

import pytest

from agentproto import TOP, Agent, encode_request, write_queue_file

SENDER = "alice@client.example"
BODY = ("From: <alice@client.example>\nTo: <joe@example.org>\n"
        "Subject: hello\nMessage-ID: <m1@client.example>\n\n"
        "first line\n.a line with a leading dot\n")


def queue(inst, rcpts, body=BODY, sender=SENDER):
    qid, _ = write_queue_file(inst.path("queue"), sender, rcpts, body)
    os.chmod(os.path.join(inst.path("queue"), "active", qid), 0o640)
    return qid


def maildir_of(inst, address):
    local, domain = address.split("@")
    return inst.path("mail", domain, local)


def messages(inst, address):
    path = maildir_of(inst, address)
    if not os.path.isdir(path):
        return []
    md = mailbox.Maildir(path, factory=None, create=False)
    return [md[k] for k in md.keys()]


@pytest.fixture
def local(instance):
    inst = instance
    inst.gannet("domain", "add", "example.org")
    for a, extra in (("joe@example.org", ()), ("ann@example.org", ()),
                     ("bob@example.org", ()),
                     ("full@example.org", ("--quota", "1000")),
                     ("off@example.org", ("--disabled",))):
        inst.gannet("user", "add", a, "--no-password", *extra)
    agents = []

    def start(*extra):
        a = Agent(inst, "deliver", extra)
        agents.append(a)
        return a
    inst.start_agent = start
    yield inst
    for a in agents:
        a.stop()


def deliver(agent, inst, rcpts, body=BODY, sender=SENDER):
    qid = queue(inst, rcpts, body, sender)
    return qid, agent.deliver(qid, "example.org", sender, rcpts)


def test_two_recipients_land_in_their_maildirs(local):
    agent = local.start_agent()
    qid, res = deliver(agent, local, ["joe@example.org", "ann@example.org"])
    assert [r["status"] for r in res] == ["sent", "sent"], res
    assert res[0]["dsn"] == "2.0.0"
    assert res[0]["reason"] == "delivered to maildir"
    assert res[0]["relay"] == "none" and res[0]["diag"] == ""
    for who in ("joe@example.org", "ann@example.org"):
        msgs = messages(local, who)
        assert len(msgs) == 1, who
        m = msgs[0]
        assert m["Return-Path"] == "<%s>" % SENDER
        assert m["Delivered-To"] == "<%s>" % who
        assert m["Subject"] == "hello"
        assert "\n.a line with a leading dot\n" in m.get_payload()
        assert "\r" not in m.as_string()
        assert m.get_subdir() == "new"
        assert os.listdir(os.path.join(maildir_of(local, who), "tmp")) == []
        # written as the mail store's owner (vmail_owner as root)
        base = os.stat(local.path("mail"))
        for f in glob.glob(os.path.join(maildir_of(local, who), "new", "*")):
            assert os.stat(f).st_uid == base.st_uid
    log = local.wait_log("%s: to=<ann@example.org>, relay=local" % qid)
    line = [l for l in log.splitlines()
            if "%s: to=<joe@example.org>" % qid in l][0]
    assert ", delay=" in line and ", delays=" in line
    assert line.endswith("dsn=2.0.0, status=sent (delivered to maildir)")


def test_null_sender_and_success_dsn(local):
    agent = local.start_agent()
    qid = queue(local, ["joe@example.org"], sender="")
    res = agent.deliver(qid, "example.org", "",
                        [{"addr": "joe@example.org", "notify": "SUCCESS"}])
    assert res[0]["status"] == "sent"
    assert res[0]["success_dsn"] == "delivered"
    assert messages(local, "joe@example.org")[0]["Return-Path"] == "<>"


def test_unknown_and_disabled_accounts_bounce(local):
    agent = local.start_agent()
    _, res = deliver(agent, local, ["nobody@example.org", "off@example.org",
                                    "joe@example.org"])
    assert (res[0]["status"], res[0]["dsn"]) == ("bounced", "5.1.1")
    assert "unknown user" in res[0]["reason"]
    assert (res[1]["status"], res[1]["dsn"]) == ("bounced", "5.2.1")
    assert res[2]["status"] == "sent"
    assert messages(local, "off@example.org") == []


def test_delivered_to_loop_bounces(local):
    agent = local.start_agent()
    body = "Delivered-To: <Joe@example.org>\n" + BODY
    _, res = deliver(agent, local, ["joe@example.org", "ann@example.org"],
                     body)
    assert (res[0]["status"], res[0]["dsn"]) == ("bounced", "5.4.6")
    assert "loop" in res[0]["reason"]
    assert res[1]["status"] == "sent"       # not a loop for ann
    assert messages(local, "joe@example.org") == []
    m = messages(local, "ann@example.org")[0]
    assert m.get_all("Delivered-To") == ["<ann@example.org>",
                                         "<Joe@example.org>"]


def test_over_quota_defers_then_bounces_with_the_parameter(local):
    agent = local.start_agent()
    big = BODY + "x" * 2000 + "\n"
    _, res = deliver(agent, local, ["full@example.org"], big)
    assert (res[0]["status"], res[0]["dsn"]) == ("deferred", "4.2.2")
    assert res[0]["reason"] == "mailbox full"
    # A small message still fits, and maildirsize counts it.
    _, res = deliver(agent, local, ["full@example.org"])
    assert res[0]["status"] == "sent", res
    size = open(os.path.join(maildir_of(local, "full@example.org"),
                             "maildirsize")).read().splitlines()
    assert size[0] == "1000S"
    assert sum(int(l.split()[0]) for l in size[1:]) > 0
    assert sum(int(l.split()[1]) for l in size[1:]) == 1
    agent.stop()
    local.gannet("conf", "set", "quota_bounce_immediately=yes")
    agent = local.start_agent()
    _, res = deliver(agent, local, ["full@example.org"], big)
    assert (res[0]["status"], res[0]["dsn"]) == ("bounced", "5.2.2")
    assert len(messages(local, "full@example.org")) == 1


def test_several_requests_on_one_connection(local):
    agent = local.start_agent()
    s = agent.connect()
    try:
        for who in ("joe@example.org", "ann@example.org", "joe@example.org"):
            qid = queue(local, [who])
            res = Agent.call(s, encode_request(qid, "example.org", SENDER,
                                               [who]))
            assert res[0]["status"] == "sent"
    finally:
        s.close()
    assert len(messages(local, "joe@example.org")) == 2


def test_missing_queue_file_defers(local):
    agent = local.start_agent()
    res = agent.deliver("0123456789ABCDEF", "example.org", SENDER,
                        ["joe@example.org"])
    assert (res[0]["status"], res[0]["dsn"]) == ("deferred", "4.3.0")
    assert "queue file" in res[0]["reason"]


def test_malformed_request_is_closed_without_reply(local):
    agent = local.start_agent()
    s = agent.connect()
    try:
        s.sendall(b"deliver\nqueue_id=x/../y\n\n")
        assert s.recv(100) == b""
    finally:
        s.close()
    local.wait_log("malformed delivery request")


def need_strace():
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed")
    if subprocess.run(["strace", "-o", "/dev/null", "true"]).returncode:
        pytest.skip("strace cannot trace here")


def test_message_is_fsynced_before_the_reply(local):
    """strace shows the order: the file is fsync'd, linked into new/, the
    directory fsync'd, and only then the reply is written."""
    need_strace()
    trace = local.path("strace.out")
    agent = local.start_agent()
    pid = agent.proc.pid
    tracer = subprocess.Popen(["strace", "-f", "-qq", "-o", trace, "-e",
                               "trace=fsync,fdatasync,link,linkat,rename,"
                               "renameat,renameat2,write,sendto,sendmsg",
                               "-p", str(pid)], stderr=subprocess.PIPE)

    def replies(text):
        return [i for i, l in enumerate(text.splitlines())
                if "status\\n" in l and ("write" in l or "send" in l)]
    try:
        # strace says nothing when it has attached: deliver until two
        # replies were traced, so that one whole delivery lies between.
        for _ in range(100):
            _, res = deliver(agent, local, ["joe@example.org"])
            assert res[0]["status"] == "sent"
            if os.path.exists(trace) and len(replies(open(trace).read())) > 1:
                break
    finally:
        tracer.terminate()
        tracer.wait(10)
    text = open(trace).read()
    first, second = replies(text)[:2]
    seq = text.splitlines()[first + 1:second + 1]
    kinds = []
    for l in seq:
        call = l.split(None, 1)[1].split("(")[0]
        if call in ("fsync", "fdatasync"):
            kinds.append("sync")
        elif "link" in call or "rename" in call:
            kinds.append("link")
        elif "status\\n" in l and call in ("write", "sendto", "sendmsg"):
            kinds.append("reply")
    # the file's fsync, the link, the directory's fsync, then the reply
    i = kinds.index("link")
    assert "sync" in kinds[:i], seq
    j = kinds.index("reply", i)
    assert "sync" in kinds[i:j], seq


def test_queue_file_is_read_once_for_all_recipients(local):
    """Three recipients, one request: the queue file is opened once."""
    need_strace()
    trace = local.path("strace-open.out")
    rcpts = ["joe@example.org", "ann@example.org", "bob@example.org"]
    agent = local.start_agent()
    tracer = subprocess.Popen(["strace", "-f", "-qq", "-o", trace, "-e",
                               "trace=open,openat,sendto,write",
                               "-p", str(agent.proc.pid)],
                              stderr=subprocess.PIPE)
    try:
        # Wait until strace is attached: a traced reply.
        for _ in range(100):
            deliver(agent, local, ["joe@example.org"])
            if os.path.exists(trace) and "status\\n" in open(trace).read():
                break
        qid, res = deliver(agent, local, rcpts)
    finally:
        tracer.terminate()
        tracer.wait(10)
    assert [r["status"] for r in res] == ["sent"] * 3
    opens = [l for l in open(trace) if "/active/" + qid in l]
    assert len(opens) == 1, opens
    assert len(messages(local, "bob@example.org")) == 1


def test_check_accepts_the_queue_modes(local):
    out = local.gannet("check", check=False)
    assert "active: mode" not in out.stdout + out.stderr
    st = os.stat(local.path("queue", "active"))
    if os.getuid() == 0:
        assert st.st_mode & 0o777 == 0o750
    assert glob.glob(local.path("queue", "active", "*")) == []


# End to end, through the master, smtpd, the queue manager and this agent.

QMGR = os.path.join(TOP, "libexec", "qmgr")


def wait_until(fn, what, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def smtp_send(inst, sender, rcpt, body):
    end = time.time() + 10
    while True:
        try:
            c = smtplib.SMTP("127.0.0.1", inst.port("smtp"), timeout=30)
            break
        except (OSError, socket.error):
            if time.time() > end:
                raise
            time.sleep(0.1)
    with c:
        c.ehlo("client.test")
        c.sendmail(sender, [rcpt], body)


def queue_idle(inst):
    return all(not [f for f in os.listdir(inst.path("queue", d))
                    if not f.startswith(".")]
               for d in ("incoming", "active", "deferred"))


@pytest.mark.skipif(not os.path.exists(QMGR),
                    reason="no queue manager (libexec/qmgr) in this tree")
def test_autoreply_through_the_mail_system(local):
    inst = local
    inst.gannet("conf", "set", "smtpd_reject_unauth_local_sender=no")
    inst.gannet("user", "autoreply", "joe@example.org", "--subject", "Away",
                "--text", "Back on Monday.\nJoe")
    inst.gannet("start")
    inst.started = True
    msg = ("From: <ann@example.org>\r\nTo: <joe@example.org>\r\n"
           "Subject: Lunch\r\nMessage-ID: <lunch1@example.org>\r\n\r\n"
           "Friday?\r\n")
    smtp_send(inst, "ann@example.org", "joe@example.org", msg)
    replies = wait_until(lambda: messages(inst, "ann@example.org"),
                         "the auto-reply in ann's Maildir")
    assert len(messages(inst, "joe@example.org")) == 1
    r = replies[0]
    assert r["Return-Path"] == "<>"
    assert r["From"] == "<joe@example.org>"
    assert r["Subject"] == "Away"
    assert r["Auto-Submitted"] == "auto-replied"
    assert r["In-Reply-To"] == "<lunch1@example.org>"
    assert "Back on Monday.\nJoe" in r.get_payload()
    # Once per sender: the second message gets no second reply; nor does
    # a message from a mailing list.
    smtp_send(inst, "ann@example.org", "joe@example.org",
              msg.replace("lunch1", "lunch2"))
    smtp_send(inst, "bob@example.org", "joe@example.org",
              "List-Id: <news.example.org>\r\nSubject: news\r\n\r\nx\r\n")
    wait_until(lambda: len(messages(inst, "joe@example.org")) == 3,
               "three messages for joe")
    wait_until(lambda: queue_idle(inst), "an empty queue")
    assert len(messages(inst, "ann@example.org")) == 1
    assert messages(inst, "bob@example.org") == []
