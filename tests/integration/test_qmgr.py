"""The queue manager (qmgr), run by the master with the real smtpd, smtp
and deliver agents: mail submitted with smtplib to the instance's smtpd
goes through incoming/ and active/ to its recipients; bounces are real
RFC 3464 reports, parsed with Python's email package. The remote side is
the fake MX of fake_smtp.py (aiosmtpd) on 127.0.0.1, reached through a
transport_maps route.
"""
import email
import email.policy
import glob
import json
import mailbox
import os
import re
import signal
import smtplib
import socket
import subprocess
import sys
import time

import pytest

from conftest import LIBEXEC, TOP, run

PYTHON = "/usr/bin/python3"
FAKE_SMTP = os.path.join(os.path.dirname(__file__), "fake_smtp.py")
SENDER = "sender@remote.test"


def mx_conf(**conf):
    """Decorator: the fake MX's set-up for one test (fake_smtp.py keys)."""
    def deco(fn):
        fn.mx_conf = conf
        return fn
    return deco


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeMX:
    """fake_smtp.py on 127.0.0.1:port; messages() are the accepted ones."""

    def __init__(self, workdir, name, port=None, **conf):
        self.port = port or free_port()
        self.spool = os.path.join(workdir, "spool-" + name)
        os.makedirs(self.spool)
        conf.update(listen=[["127.0.0.1", self.port]], hostname=name,
                    spool=self.spool)
        path = os.path.join(workdir, "fake-%s.json" % name)
        with open(path, "w") as f:
            json.dump(conf, f)
        self.proc = subprocess.Popen([PYTHON, FAKE_SMTP, path],
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        assert b"ready" in self.proc.stdout.readline()

    def messages(self):
        out = []
        for p in sorted(glob.glob(os.path.join(self.spool, "*.json"))):
            with open(p) as f:
                out.append(json.load(f))
        return out

    def wait(self, n, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            msgs = self.messages()
            if len(msgs) >= n:
                return msgs
            time.sleep(0.1)
        raise AssertionError("fake MX got %d messages, not %d"
                             % (len(self.messages()), n))

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def wait_port(port, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("port %d never answered" % port)


def build_map(inst, rel, text):
    p = inst.write(rel, text)
    inst.gannet("map", "build", p)
    return "hash:" + p


@pytest.fixture
def mta(instance, workdir, request):
    """An instance with example.com hosted, quick retries, and the domain
    remote.test routed to a fake MX (configured by a test's mx_conf)."""
    inst = instance
    mx = FakeMX(workdir, "mx.remote.test",
                **getattr(request.function, "mx_conf", {}))
    inst.mx = mx
    transport = build_map(inst, "maps/transport",
                          "remote.test smtp:[127.0.0.1]:%d\n" % mx.port)
    inst.gannet("conf", "set", "mynetworks=127.0.0.1/32",
                "transport_maps=" + transport,
                "queue_run_delay=1s", "minimal_backoff_time=1s",
                "maximal_backoff_time=2s",
                "smtp_tls_security_level=none",
                "2bounce_notice_recipient=postmaster@remote.test")
    inst.gannet("domain", "add", "example.com")
    for user in ("joe", "ann", "bob"):
        inst.gannet("user", "add", user + "@example.com",
                    "--password-stdin", input="secret-%s\n" % user)
    yield inst
    print(inst.log()[-20000:])  # shown when the test failed
    if inst.started:
        inst.gannet("stop", check=False)
        inst.started = False
    mx.stop()


def start(inst):
    p = inst.gannet("start")
    inst.started = True
    assert "started the mail system" in p.stdout
    wait_port(inst.port("smtp"))


def send(inst, rcpts, body=None, sender=SENDER, subject="test", **kw):
    if body is None:
        body = "Subject: %s\r\nFrom: <%s>\r\n\r\nhello\r\n" % (subject,
                                                              sender)
    with smtplib.SMTP("127.0.0.1", inst.port("smtp"), timeout=30) as c:
        c.ehlo("client.test")
        c.sendmail(sender, rcpts, body, **kw)


def queue_files(inst, sub):
    d = inst.path("queue", sub)
    return sorted(f for f in os.listdir(d) if not f.startswith("."))


def queue_empty(inst):
    return all(not queue_files(inst, s)
               for s in ("incoming", "active", "deferred"))


def wait_until(fn, timeout=30, what="condition"):
    end = time.time() + timeout
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def parse(data):
    return email.message_from_string(data, policy=email.policy.default)


def dsn_groups(report):
    """(per-message fields, [per-recipient fields]) of a DSN's
    message/delivery-status part."""
    assert report.get_content_type() == "multipart/report"
    assert report.get_param("report-type") == "delivery-status"
    parts = list(report.iter_parts())
    assert len(parts) == 3
    assert parts[1].get_content_type() == "message/delivery-status"
    groups = parts[1].get_payload()
    return groups[0], groups[1:]


def test_remote_delivery_and_log_lines(mta):
    start(mta)
    send(mta, ["carol@remote.test", "dave@remote.test"])
    msgs = mta.mx.wait(1)
    assert sorted(msgs[0]["rcpt_tos"]) == ["carol@remote.test",
                                           "dave@remote.test"]
    log = mta.wait_log(": removed")
    assert "(queue active)" in log
    assert "nrcpt=2 (queue active)" in log
    assert "to=<carol@remote.test>" in log and "status=sent" in log
    assert queue_empty(mta)
    assert not os.listdir(mta.path("queue", "defer"))



def bounces(mx, to=SENDER):
    return [m for m in mx.messages()
            if m["mail_from"] in ("", "<>") and m["rcpt_tos"] == [to]]


@mx_conf(rcpt={
    "bad@remote.test": "550 5.1.1 <bad@remote.test>: Recipient unknown"})
def test_permanent_failure_bounces_with_the_remote_reply(mta):
    start(mta)
    body = ("Subject: will bounce\r\nFrom: <%s>\r\nMessage-ID: <b1@x>\r\n"
            "\r\nthe body\r\n" % SENDER)
    send(mta, ["bad@remote.test", "good@remote.test"], body=body,
         rcpt_options=["NOTIFY=FAILURE", "ORCPT=rfc822;Bad@Remote.test"])
    wait_until(lambda: bounces(mta.mx), what="the bounce")
    wait_until(lambda: queue_empty(mta), what="an empty queue")
    assert len(bounces(mta.mx)) == 1
    good = [m for m in mta.mx.messages() if m["mail_from"] == SENDER]
    assert len(good) == 1 and good[0]["rcpt_tos"] == ["good@remote.test"]
    report = parse(bounces(mta.mx)[0]["data"])
    assert report["From"].addresses[0].username == "MAILER-DAEMON"
    assert report["Auto-Submitted"] == "auto-replied"
    per_msg, rcpts = dsn_groups(report)
    assert per_msg["Reporting-MTA"] == "dns; mx.gannet.test"
    assert len(rcpts) == 1
    r = rcpts[0]
    assert r["Final-Recipient"] == "rfc822; bad@remote.test"
    assert r["Original-Recipient"] == "rfc822;Bad@Remote.test"
    assert r["Action"] == "failed"
    assert r["Status"] == "5.1.1"
    assert r["Remote-MTA"] == "dns; 127.0.0.1"
    assert r["Diagnostic-Code"] == \
        "smtp; 550 5.1.1 <bad@remote.test>: Recipient unknown"
    orig = list(report.iter_parts())[2]
    assert orig.get_content_type() == "message/rfc822"
    inner = orig.get_payload()[0]
    assert inner["Subject"] == "will bounce"
    assert "the body" in inner.get_content()
    log = mta.log()
    assert "sender non-delivery notification" in log
    assert "status=bounced" in log


@mx_conf(rcpt={
    "bad@remote.test": "550 5.1.1 <bad@remote.test>: Recipient unknown"})
def test_notify_never_and_ret_hdrs(mta):
    start(mta)
    send(mta, ["bad@remote.test"], rcpt_options=["NOTIFY=NEVER"])
    mta.wait_log(": removed")
    send(mta, ["bad@remote.test"], mail_options=["RET=HDRS"],
         rcpt_options=["NOTIFY=FAILURE"])
    b = wait_until(lambda: bounces(mta.mx), what="the bounce")
    wait_until(lambda: queue_empty(mta), what="an empty queue")
    assert len(bounces(mta.mx)) == 1
    parts = list(parse(b[0]["data"]).iter_parts())
    assert parts[2].get_content_type() == "text/rfc822-headers"
    assert "hello" not in parts[2].get_content()


@mx_conf(rcpt={
    "bad@remote.test": "550 5.1.1 <bad@remote.test>: Recipient unknown",
    "postmaster@remote.test": "550 5.1.1 no postmaster here"})
def test_no_bounce_to_the_null_sender_and_no_loop(mta):
    start(mta)
    send(mta, ["bad@remote.test"], sender="")
    log = mta.wait_log("discarded", timeout=30)
    wait_until(lambda: queue_empty(mta), what="an empty queue")
    time.sleep(1)
    # The failed bounce went once to the postmaster (who refused it too),
    # and nothing went anywhere else.
    assert mta.mx.messages() == []
    assert log.count("postmaster non-delivery notification") == 1
    assert queue_empty(mta)


@mx_conf(rcpt={
    "full@remote.test": "452 4.2.2 <full@remote.test>: Mailbox full"})
def test_temporary_failure_defers_then_expires(mta):
    mta.gannet("conf", "set", "maximal_queue_lifetime=4s")
    start(mta)
    send(mta, ["full@remote.test"])
    qid = wait_until(lambda: queue_files(mta, "deferred"),
                     what="a deferred message")[0]
    defer = open(mta.path("queue", "defer", qid)).read()
    idx, dsn, reason = defer.rstrip("\n").split("\t")
    assert (idx, dsn) == ("0", "4.2.2")
    assert "Mailbox full" in reason
    st = os.stat(mta.path("queue", "deferred", qid))
    assert st.st_mtime > time.time() - 1  # the next retry time
    b = wait_until(lambda: bounces(mta.mx), timeout=30, what="the bounce")
    wait_until(lambda: queue_empty(mta), what="an empty queue")
    assert not os.path.exists(mta.path("queue", "defer", qid))
    _, rcpts = dsn_groups(parse(b[0]["data"]))
    assert rcpts[0]["Action"] == "failed"
    assert rcpts[0]["Status"] == "5.2.2"
    assert "452 4.2.2 <full@remote.test>: Mailbox full" in \
        rcpts[0]["Diagnostic-Code"]
    log = mta.log()
    assert log.count("status=deferred") >= 2  # retried
    assert "status=expired, returned to sender" in log


def test_success_notification(mta):
    start(mta)
    send(mta, ["carol@remote.test"], rcpt_options=["NOTIFY=SUCCESS"])
    b = wait_until(lambda: bounces(mta.mx), what="the success report")
    report = parse(b[0]["data"])
    assert report["Subject"] == "Successful Mail Delivery Report"
    _, rcpts = dsn_groups(report)
    assert rcpts[0]["Action"] == "relayed"  # the MX does not do DSN
    assert rcpts[0]["Status"].startswith("2.")


def trigger(inst, data):
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(inst.path("queue", "private", "qmgr"))
        s.sendall(data)


@mx_conf(ehlo_add=["DSN"])
def test_alias_list_catchall_and_forward_expand(mta):
    g = mta.gannet
    g("alias", "add", "sales@example.com", "carol@remote.test",
      "dave@remote.test")
    g("list", "add", "staff@example.com", "--policy", "anyone",
      "dave@remote.test", "erin@remote.test")
    g("alias", "add", "@example.com", "catchall@remote.test")
    g("user", "forward", "joe@example.com", "joe@remote.test", "--no-keep")
    start(mta)
    send(mta, ["sales@example.com", "staff@example.com",
               "stranger@example.com", "joe@example.com"])
    wait_until(lambda: queue_empty(mta), what="an empty queue")
    msgs = mta.mx.messages()
    rcpts = sorted(r for m in msgs for r in m["rcpt_tos"])
    # dave is in the alias and in the list: one copy.
    assert rcpts == ["carol@remote.test", "catchall@remote.test",
                     "dave@remote.test", "erin@remote.test",
                     "joe@remote.test"]
    log = mta.log()
    assert "recipients expanded: nrcpt=5" in log
    assert "to=<carol@remote.test>, orig_to=<sales@example.com>" in log
    assert "to=<joe@remote.test>, orig_to=<joe@example.com>" in log
    assert "to=<catchall@remote.test>, orig_to=<stranger@example.com>" \
        in log
    # The next hop learns what the sender wrote (DSN ORCPT).
    opts = {r: o for m in msgs for r, o in zip(m["rcpt_tos"],
                                               m["rcpt_options"])}
    assert "ORCPT=rfc822;sales@example.com" in opts["carol@remote.test"]


def test_requeued_message_is_not_expanded_twice(mta):
    g = mta.gannet
    g("alias", "add", "sales@example.com", "carol@remote.test",
      "sales-archive@remote.test")
    open(mta.path("queue", "suspended"), "w").close()
    start(mta)
    send(mta, ["sales@example.com"])
    mta.wait_log("recipients expanded")
    time.sleep(1)
    assert mta.mx.messages() == []  # suspended: nothing goes out
    qid = queue_files(mta, "active")[0]
    mta.gannet("stop")
    mta.started = False
    # The expanded envelope is in the file, under the same queue ID.
    text = open(mta.path("queue", "active", qid), errors="replace").read()
    assert "expanded=1\n" in text
    assert "rcpt=carol@remote.test\nrcpt_orig=sales@example.com\n" in text
    # Even an alias that now points elsewhere does not change it.
    g("alias", "del", "sales@example.com")
    g("alias", "add", "sales@example.com", "other@remote.test")
    os.unlink(mta.path("queue", "suspended"))
    start(mta)
    wait_until(lambda: queue_empty(mta), what="an empty queue")
    rcpts = sorted(r for m in mta.mx.messages() for r in m["rcpt_tos"])
    assert rcpts == ["carol@remote.test", "sales-archive@remote.test"]
    log = mta.log()
    assert log.count("recipients expanded") == 1
    assert "moved back to incoming" in log


def test_suspend_and_resume(mta):
    open(mta.path("queue", "suspended"), "w").close()
    start(mta)
    send(mta, ["carol@remote.test"])
    mta.wait_log("(queue active)")
    mta.wait_log("deliveries suspended")
    time.sleep(1.5)
    assert mta.mx.messages() == []
    os.unlink(mta.path("queue", "suspended"))
    mta.mx.wait(1)
    wait_until(lambda: queue_empty(mta), what="an empty queue")
    assert "deliveries resumed" in mta.log()


def test_flush_domain(mta, workdir):
    port = free_port()
    transport = build_map(mta, "maps/transport",
                          "remote.test smtp:[127.0.0.1]:%d\n"
                          "later.test smtp:[127.0.0.1]:%d\n"
                          % (mta.mx.port, port))
    mta.gannet("conf", "set", "transport_maps=" + transport,
               "minimal_backoff_time=1h", "maximal_backoff_time=1h",
               "queue_run_delay=1h")
    start(mta)
    send(mta, ["x@later.test"])
    send(mta, ["y@remote.test"], subject="other")
    qid = wait_until(lambda: queue_files(mta, "deferred"),
                     what="a deferred message")[0]
    assert "Connection refused" in open(mta.path("queue", "defer",
                                                 qid)).read()
    later = FakeMX(workdir, "mx.later.test", port=port)
    try:
        trigger(mta, b"Fother.test\n")  # nothing there
        mta.wait_log("flush other.test: 0 deferred")
        trigger(mta, b"Flater.test\n")
        later.wait(1)
        wait_until(lambda: queue_empty(mta), what="an empty queue")
        assert later.messages()[0]["rcpt_tos"] == ["x@later.test"]
        trigger(mta, b"?")
        mta.wait_log("unknown request")
    finally:
        later.stop()


def test_backup_mx_holds_relay_mail_until_etrn(mta, workdir):
    """This host is the backup MX of later.test (relay_domains): mail for
    it waits while the primary is down, and the primary's ETRN over SMTP
    delivers it at once, long before the next retry."""
    port = free_port()
    transport = build_map(mta, "maps/transport",
                          "later.test smtp:[127.0.0.1]:%d\n" % port)
    mta.gannet("conf", "set", "transport_maps=" + transport,
               "relay_domains=later.test",
               "minimal_backoff_time=1h", "maximal_backoff_time=1h",
               "queue_run_delay=1h")
    start(mta)
    send(mta, ["x@later.test"])
    qid = wait_until(lambda: queue_files(mta, "deferred"),
                     what="a deferred message")[0]
    assert "Connection refused" in open(mta.path("queue", "defer",
                                                 qid)).read()
    primary = FakeMX(workdir, "primary.later.test", port=port)
    try:
        with smtplib.SMTP("127.0.0.1", mta.port("smtp"), timeout=30) as c:
            c.ehlo("primary.later.test")
            assert c.docmd("ETRN", "later.test") == (
                250, b"2.0.0 Queuing started")
            code, text = c.docmd("ETRN", "elsewhere.test")
            assert code == 459 and b"not a relay domain" in text
        [m] = primary.wait(1)
        assert m["rcpt_tos"] == ["x@later.test"]
        wait_until(lambda: queue_empty(mta), what="an empty queue")
    finally:
        primary.stop()


def test_a_second_queue_manager_waits_for_the_first(mta, workdir):
    """Two queue managers never own the queue at once (a new master's
    qmgr while the dead master's one still finishes): the second waits
    for the first to exit before it touches anything."""
    start(mta)
    # The master's queue manager is at work (so it holds the lock) ...
    send(mta, ["dave@remote.test"])
    mta.mx.wait(1)
    second = subprocess.Popen(
        [os.path.join(LIBEXEC, "qmgr"), "-c", mta.dir,
         "-L", "unix:" + os.path.join(workdir, "qmgr2.sock")],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def said(text):  # the instance's log, where both write
        return "qmgr[%d]: %s" % (second.pid, text) in mta.log()
    try:
        wait_until(lambda: said("waiting for the previous queue manager"),
                   what="the second queue manager to wait")
        # ... and goes on alone while the second one waits.
        send(mta, ["carol@remote.test"])
        mta.mx.wait(2)
        wait_until(lambda: queue_empty(mta), what="an empty queue")
        assert second.poll() is None
        assert not said("the previous queue manager has exited")
        mta.gannet("stop")
        mta.started = False
        wait_until(lambda: said("the previous queue manager has exited"),
                   what="the second queue manager to take over")
        assert len(mta.mx.messages()) == 2
    finally:
        second.kill()
        second.wait()


def test_corrupt_file_goes_aside_and_the_rest_flows(mta):
    start(mta)
    bad = "1J20T8EKBKJAF9VV"
    with open(mta.path("queue", "incoming", bad), "w") as f:
        f.write("gannet_queue=2\nqueue_id=%s\nthis is not a queue file\n"
                % bad)
    send(mta, ["carol@remote.test"])
    mta.mx.wait(1)
    log = mta.wait_log("corrupt queue file")
    assert "%s: corrupt queue file, moved to corrupt/" % bad in log
    assert queue_files(mta, "corrupt") == [bad]
    wait_until(lambda: queue_empty(mta), what="an empty queue")


def test_mail_loop_ends_with_one_bounce(mta):
    transport = build_map(mta, "maps/transport",
                          "remote.test smtp:[127.0.0.1]:%d\n"
                          "loop.test smtp:[127.0.0.1]:%d\n"
                          % (mta.mx.port, mta.port("smtp")))
    mta.gannet("conf", "set", "transport_maps=" + transport,
               "relay_domains=loop.test", "hopcount_limit=8")
    start(mta)
    send(mta, ["x@loop.test"])
    b = wait_until(lambda: bounces(mta.mx), what="the bounce")
    wait_until(lambda: queue_empty(mta), what="an empty queue")
    time.sleep(1)
    assert len(mta.mx.messages()) == 1
    _, rcpts = dsn_groups(parse(b[0]["data"]))
    assert rcpts[0]["Status"] == "5.4.6"
    assert mta.log().count("(queue active)") <= 8 + 2


def service_pid(inst, name):
    """The newest pid the master started for service name."""
    pids = [int(l.split("started process ")[1].split()[0])
            for l in inst.log().splitlines()
            if "service %s: started process" % name in l]
    return pids[-1]


def test_sigkill_mid_run_loses_nothing(mta):
    """1000 messages; qmgr is killed with SIGKILL while it delivers them.
    Every message arrives; a duplicate is possible only for a delivery
    that was under way when the process died (at most the concurrency
    limit of requests in flight), and we count them."""
    n = 1000
    start(mta)
    old = service_pid(mta, "qmgr")
    with smtplib.SMTP("127.0.0.1", mta.port("smtp"), timeout=60) as c:
        c.ehlo("client.test")
        for i in range(n):
            c.sendmail(SENDER, ["r%d@remote.test" % (i % 7)],
                       "Subject: m%d\r\n\r\nbody %d\r\n" % (i, i))
            if i == n // 3:
                os.kill(old, signal.SIGKILL)
    wait_until(lambda: service_pid(mta, "qmgr") != old, what="a new qmgr")
    mta.mx.wait(n, timeout=300)
    wait_until(lambda: queue_empty(mta), timeout=120, what="an empty queue")
    subjects = [parse(m["data"])["Subject"] for m in mta.mx.messages()]
    counts = {}
    for s in subjects:
        counts[s] = counts.get(s, 0) + 1
    missing = [i for i in range(n) if "m%d" % i not in counts]
    dups = sum(c - 1 for c in counts.values())
    print("messages %d, delivered %d, duplicates %d" % (n, len(subjects),
                                                        dups))
    assert missing == []
    assert dups <= 20  # default_destination_concurrency_limit
    assert "moved back to incoming" in mta.log()


def maildir(inst, address):
    local, domain = address.split("@")
    path = inst.path("mail", domain, local)
    if not os.path.isdir(path):
        return []
    md = mailbox.Maildir(path, factory=None, create=False)
    return [md[k] for k in md.keys()]


def test_three_local_recipients_get_one_copy_each(mta):
    start(mta)
    send(mta, ["joe@example.com", "ann@example.com", "bob@example.com"],
         subject="for three")
    wait_until(lambda: queue_empty(mta), what="an empty queue")
    for who in ("joe@example.com", "ann@example.com", "bob@example.com"):
        msgs = maildir(mta, who)
        assert len(msgs) == 1, who
        assert msgs[0]["Subject"] == "for three"
        assert msgs[0]["Delivered-To"].strip("<>") == who
    log = mta.log()
    assert log.count("status=sent") == 3
    assert "relay=local" in log or "relay=none" in log


def test_local_alias_list_catchall_forward_with_copy(mta):
    g = mta.gannet
    g("alias", "add", "info@example.com", "joe@example.com",
      "ann@example.com")
    g("list", "add", "team@example.com", "--policy", "anyone",
      "ann@example.com", "bob@example.com")
    g("alias", "add", "@example.com", "bob@example.com")
    g("user", "forward", "joe@example.com", "joe@remote.test")  # keeps a copy
    start(mta)
    send(mta, ["info@example.com"], subject="to info")
    send(mta, ["team@example.com"], subject="to team")
    send(mta, ["whoever@example.com"], subject="to nobody")
    wait_until(lambda: queue_empty(mta), what="an empty queue")
    subj = lambda who: sorted(m["Subject"] for m in maildir(mta, who))
    assert subj("joe@example.com") == ["to info"]
    assert subj("ann@example.com") == ["to info", "to team"]
    assert subj("bob@example.com") == ["to nobody", "to team"]
    out = mta.mx.messages()
    assert len(out) == 1 and out[0]["rcpt_tos"] == ["joe@remote.test"]
    log = mta.log()
    assert "to=<ann@example.com>, orig_to=<team@example.com>" in log
    assert "to=<bob@example.com>, orig_to=<whoever@example.com>" in log


def test_quota_full_defers_then_bounces(mta):
    mta.gannet("user", "add", "full@example.com", "--no-password",
               "--quota", "1000")
    mta.gannet("conf", "set", "maximal_queue_lifetime=4s")
    start(mta)
    # Without SIZE= (smtplib would add it), so smtpd cannot refuse it.
    with smtplib.SMTP("127.0.0.1", mta.port("smtp"), timeout=30) as c:
        c.ehlo("client.test")
        assert c.mail(SENDER)[0] == 250
        assert c.rcpt("full@example.com")[0] == 250
        assert c.data("Subject: big\r\n\r\n" + ("x" * 70 + "\r\n") * 50)[0] \
            == 250
    qid = wait_until(lambda: queue_files(mta, "deferred"),
                     what="a deferred message")[0]
    assert "\t4.2.2\t" in open(mta.path("queue", "defer", qid)).read()
    b = wait_until(lambda: bounces(mta.mx), timeout=30, what="the bounce")
    wait_until(lambda: queue_empty(mta), what="an empty queue")
    _, rcpts = dsn_groups(parse(b[0]["data"]))
    assert rcpts[0]["Final-Recipient"] == "rfc822; full@example.com"
    assert rcpts[0]["Action"] == "failed"
    assert rcpts[0]["Status"] == "5.2.2"
    assert maildir(mta, "full@example.com") == []


def test_autoreply_once_per_sender(mta):
    mta.gannet("user", "autoreply", "ann@example.com", "--subject", "Away",
               "--text", "Back on Monday.")
    start(mta)
    send(mta, ["ann@example.com"], subject="one")
    send(mta, ["ann@example.com"], subject="two")
    wait_until(lambda: len(maildir(mta, "ann@example.com")) == 2,
               what="two deliveries")
    wait_until(lambda: queue_empty(mta), what="an empty queue")
    replies = [m for m in mta.mx.messages() if m["rcpt_tos"] == [SENDER]]
    assert len(replies) == 1
    r = parse(replies[0]["data"])
    assert r["Subject"] == "Away"
    assert r["Auto-Submitted"] == "auto-replied"


def test_archive_copies_mail_to_and_from_an_account(mta):
    mta.gannet("conf", "set", "account_archive=yes")
    mta.gannet("user", "add", "archive-joe@example.com", "--no-password")
    start(mta)
    send(mta, ["joe@example.com"], subject="to joe")
    send(mta, ["carol@remote.test"], sender="joe@example.com",
         subject="from joe")
    wait_until(lambda: queue_empty(mta), what="an empty queue")
    assert [m["Subject"] for m in maildir(mta, "joe@example.com")] == \
        ["to joe"]
    assert sorted(m["Subject"] for m in
                  maildir(mta, "archive-joe@example.com")) == \
        ["from joe", "to joe"]
    assert len(mta.mx.messages()) == 1


@mx_conf(rcpt={
    "slow@remote.test": "451 4.3.0 <slow@remote.test>: try again later"})
def test_delay_warning_once(mta):
    mta.gannet("conf", "set", "delay_warning_time=2s")
    start(mta)
    send(mta, ["slow@remote.test"], rcpt_options=["NOTIFY=DELAY,FAILURE"])
    b = wait_until(lambda: bounces(mta.mx), timeout=30,
                   what="the delay warning")
    time.sleep(4)  # more retries, no second warning
    assert len(bounces(mta.mx)) == 1
    report = parse(b[0]["data"])
    assert report["Subject"] == "Delayed Mail (still being retried)"
    _, rcpts = dsn_groups(report)
    assert rcpts[0]["Action"] == "delayed"
    assert rcpts[0]["Status"] == "4.3.0"
    assert "Will-Retry-Until" in rcpts[0]
    assert queue_files(mta, "deferred") or queue_files(mta, "active")


def test_sigkill_of_deliver_mid_run_loses_nothing(mta):
    """1000 messages to three local mailboxes; the local delivery agent
    is killed with SIGKILL while it works. Every message lands; the
    duplicates (a delivery done but not yet answered) are counted."""
    n = 1000
    who = ["joe@example.com", "ann@example.com", "bob@example.com"]
    start(mta)
    t0 = time.time()
    killed = 0
    with smtplib.SMTP("127.0.0.1", mta.port("smtp"), timeout=60) as c:
        c.ehlo("client.test")
        for i in range(n):
            c.sendmail(SENDER, [who[i % 3]],
                       "Subject: m%d\r\n\r\nbody %d\r\n" % (i, i))
            if i in (n // 4, n // 2):
                pids = re.findall(r"gannet/deliver\[(\d+)\]", mta.log())
                if pids:
                    try:
                        os.kill(int(pids[-1]), signal.SIGKILL)
                        killed += 1
                    except ProcessLookupError:
                        pass
    wait_until(lambda: queue_empty(mta), timeout=300, what="an empty queue")
    elapsed = time.time() - t0
    counts = {}
    for w in who:
        for m in maildir(mta, w):
            counts[m["Subject"]] = counts.get(m["Subject"], 0) + 1
    missing = [i for i in range(n) if "m%d" % i not in counts]
    dups = sum(c - 1 for c in counts.values())
    print("messages %d, killed deliver %d times, delivered %d, "
          "duplicates %d, %.0f messages/s end to end"
          % (n, killed, sum(counts.values()), dups, n / elapsed))
    assert killed >= 1
    assert missing == []
    assert dups <= 2 * killed  # local_destination_concurrency_limit


def test_small_active_set_still_moves_everything(mta):
    # and one delivery agent process at a time
    mta.gannet("conf", "set", "qmgr_message_active_limit=2",
               "default_process_limit=1")
    start(mta)
    for i in range(12):
        send(mta, ["r%d@remote.test" % i], subject="s%d" % i)
    mta.mx.wait(12)
    wait_until(lambda: queue_empty(mta), what="an empty queue")
    subjects = sorted(parse(m["data"])["Subject"]
                      for m in mta.mx.messages())
    assert subjects == sorted("s%d" % i for i in range(12))


def test_failed_list_member_bounces_and_the_rest_is_delivered(mta):
    g = mta.gannet
    g("user", "add", "gone@example.com", "--no-password")
    g("list", "add", "crew@example.com", "--policy", "anyone",
      "ann@example.com", "gone@example.com")
    g("user", "disable", "gone@example.com")
    start(mta)
    send(mta, ["crew@example.com"], subject="to crew")
    b = wait_until(lambda: bounces(mta.mx), what="the bounce")
    wait_until(lambda: queue_empty(mta), what="an empty queue")
    assert [m["Subject"] for m in maildir(mta, "ann@example.com")] == \
        ["to crew"]
    _, rcpts = dsn_groups(parse(b[0]["data"]))
    assert len(rcpts) == 1
    assert rcpts[0]["Final-Recipient"] == "rfc822; gone@example.com"
    assert rcpts[0]["Original-Recipient"] == "rfc822; crew@example.com"
    assert rcpts[0]["Status"] == "5.2.1"


def test_too_many_hops_bounce_5_4_6(mta):
    """A message that came in some other way than smtpd (which refuses
    it at DATA) with more Received: headers than hopcount_limit: the
    queue manager bounces it. The file is a version 1 queue file, as
    older writers made them."""
    from agentproto import write_queue_file
    start(mta)
    body = "".join("Received: from hop%d.test\r\n" % i for i in range(51))
    body += "Subject: looping\r\n\r\nround and round\r\n"
    qid, _ = write_queue_file(mta.path("queue"), SENDER,
                              ["carol@remote.test"], body, subdir="tmp")
    os.rename(mta.path("queue", "tmp", qid),
              mta.path("queue", "incoming", qid))
    trigger(mta, b"W")
    b = wait_until(lambda: bounces(mta.mx), what="the bounce")
    wait_until(lambda: queue_empty(mta), what="an empty queue")
    assert [m for m in mta.mx.messages()
            if m["rcpt_tos"] == ["carol@remote.test"]] == []
    _, rcpts = dsn_groups(parse(b[0]["data"]))
    assert rcpts[0]["Status"] == "5.4.6"
    assert "hopcount_limit" in rcpts[0]["Diagnostic-Code"]


@mx_conf(data_delay=0.3)
def test_stop_mid_run_waits_for_replies_in_flight(mta):
    """gannet stop while qmgr has requests out: it records their replies
    before it exits, so a stop and start lose nothing and, unlike a
    SIGKILL, deliver nothing twice."""
    n = 300
    start(mta)
    with smtplib.SMTP("127.0.0.1", mta.port("smtp"), timeout=60) as c:
        c.ehlo("client.test")
        for i in range(n):
            c.sendmail(SENDER, ["r%d@remote.test" % (i % 5)],
                       "Subject: m%d\r\n\r\nbody %d\r\n" % (i, i))
    wait_until(lambda: len(mta.mx.messages()) >= 20, what="deliveries")
    mta.gannet("stop")
    mta.started = False
    stopped_at = len(mta.mx.messages())
    start(mta)
    mta.mx.wait(n, timeout=120)
    wait_until(lambda: queue_empty(mta), timeout=120, what="an empty queue")
    subjects = [parse(m["data"])["Subject"] for m in mta.mx.messages()]
    print("delivered %d before the stop, %d in all"
          % (stopped_at, len(subjects)))
    print("\n".join(l for l in mta.log().splitlines()
                    if "in flight" in l or "unanswered" in l
                    or "moved back" in l or "stop" in l))
    assert sorted(set(subjects)) == sorted("m%d" % i for i in range(n))
    assert len(subjects) == n  # no duplicate
