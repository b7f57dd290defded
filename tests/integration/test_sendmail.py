"""Local submission: the real sendmail command and the real pickup service
under the master. A message goes sendmail -> maildrop/ -> pickup ->
queue file, read back with `gannet queue list --json` and `gannet queue
show` (the queue manager's own reader). Deliveries are suspended, so
that a queue manager, once there is one, keeps the mail in the queue."""
import json
import os
import re
import socket
import subprocess
import time

import pytest

from conftest import TOP
from smtpd_util import queue_show

SENDMAIL = os.path.join(TOP, "bin", "sendmail")
MAILQ = os.path.join(TOP, "bin", "mailq")
NEWALIASES = os.path.join(TOP, "bin", "newaliases")


@pytest.fixture
def system(instance):
    inst = instance
    inst.gannet("queue", "suspend")
    p = inst.gannet("start")
    inst.started = True
    assert "started the mail system" in p.stdout
    inst.wait_log("service pickup: started")
    return inst


def sendmail(inst, args, data, user=None, check=True):
    argv = [SENDMAIL, "-C", inst.dir] + list(args)
    if user:
        argv = ["setpriv"] + user + ["--"] + argv
    p = subprocess.run(argv, input=data.encode() if isinstance(data, str)
                       else data, capture_output=True, timeout=30)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def queued(inst, n=1, timeout=10):
    """Wait until the queue holds n messages; return list --json."""
    end = time.time() + timeout
    while True:
        items = json.loads(inst.gannet("queue", "list", "--json").stdout)
        if len(items) >= n or time.time() > end:
            assert len(items) == n, items
            return items
        time.sleep(0.05)


def maildrop(inst):
    return os.listdir(inst.path("queue", "maildrop"))


def drop_file(inst, name, text):
    """Put a file in maildrop/ as sendmail does: written under a "."
    name, then renamed, so pickup never reads it half-written."""
    tmp = inst.path("queue", "maildrop", "." + name)
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, inst.path("queue", "maildrop", name))


def headers(msg):
    head = msg.split("\r\n\r\n", 1)[0]
    return head.split("\r\n")


def test_sendmail_queues_with_headers_added(system):
    inst = system
    sendmail(inst, ["joe@example.org"], "Subject: hello\n\nline one\n")
    [item] = queued(inst)
    assert item["sender"] == "root@mx.gannet.test"
    assert [r["address"] for r in item["recipients"]] == ["joe@example.org"]
    q = queue_show(inst, item["id"])
    assert q["service"] == "pickup"
    msg = q["message"]
    hdrs = headers(msg)
    # Our Received: first, naming the submitting user, as Postfix does.
    assert hdrs[0] == ("Received: by mx.gannet.test (Gannet, from userid 0)")
    assert hdrs[1].startswith("\tid %s; " % item["id"])
    assert "Subject: hello" in hdrs
    assert any(h.startswith("Message-ID: <") and
               h.endswith("@mx.gannet.test>") for h in hdrs)
    assert any(h.startswith("Date: ") for h in hdrs)
    assert "From: root@mx.gannet.test" in hdrs or \
        any(h.startswith("From: \"") and
            h.endswith("<root@mx.gannet.test>") for h in hdrs)
    # LF became CRLF; the body is intact.
    assert msg.endswith("\r\n\r\nline one\r\n")
    assert maildrop(inst) == []
    assert "uid=0 from=<root@mx.gannet.test>" in inst.log()


def test_sender_and_full_name(system):
    inst = system
    sendmail(inst, ["-f", "alerts@example.com", "-F", "Cron \"Daemon\"",
                    "joe@example.org"], "Subject: s\n\nx\n")
    [item] = queued(inst)
    assert item["sender"] == "alerts@example.com"
    hdrs = headers(queue_show(inst, item["id"])["message"])
    assert 'From: "Cron \\"Daemon\\"" <alerts@example.com>' in hdrs
    # A From: of the message's own is kept, and the envelope is -f's.
    sendmail(inst, ["-f", "<>", "sue@example.org"],
             "From: Me <me@example.com>\nDate: Mon, 7 Dec 2026 10:00:00 +0000\n"
             "Message-ID: <abc@example.com>\n\nbody\n")
    items = queued(inst, 2)
    item = [i for i in items if i["id"] != item["id"]][0]
    assert item["sender"] == ""
    hdrs = headers(queue_show(inst, item["id"])["message"])
    assert [h for h in hdrs if h.startswith("From:")] == \
        ["From: Me <me@example.com>"]
    assert [h for h in hdrs if h.startswith("Message-ID:")] == \
        ["Message-ID: <abc@example.com>"]
    assert len([h for h in hdrs if h.startswith("Date:")]) == 1


def test_extract_recipients_with_t(system):
    inst = system
    sendmail(inst, ["-t", "extra@example.org"],
             "To: Joe <joe@example.org>, sue@example.org\n"
             "Cc: team@example.net\n"
             "Bcc: hidden@example.net\n"
             "Subject: t\n\nbody\n")
    [item] = queued(inst)
    assert sorted(r["address"] for r in item["recipients"]) == [
        "extra@example.org", "hidden@example.net", "joe@example.org",
        "sue@example.org", "team@example.net"]
    msg = queue_show(inst, item["id"])["message"]
    assert "Bcc:" not in msg and "hidden@" not in msg
    assert "To: Joe <joe@example.org>, sue@example.org\r\n" in msg
    # -t without any recipient is refused before anything is queued.
    p = sendmail(inst, ["-t"], "Subject: none\n\nx\n", check=False)
    assert p.returncode == 64
    assert b"no recipient addresses found in message header" in p.stderr


def test_dot_line_ends_message_unless_i(system):
    inst = system
    data = "Subject: dots\n\nbefore\n.\nafter\n"
    sendmail(inst, ["a@example.org"], data)
    [one] = queued(inst)
    msg = queue_show(inst, one["id"])["message"]
    assert msg.endswith("\r\nbefore\r\n") and "after" not in msg
    for flag in ("-i", "-oi"):
        sendmail(inst, [flag, "a@example.org"], data)
    items = queued(inst, 3)
    for item in items:
        if item["id"] == one["id"]:
            continue
        msg = queue_show(inst, item["id"])["message"]
        assert msg.endswith("\r\nbefore\r\n.\r\nafter\r\n")


def test_leading_from_line_is_dropped(system):
    inst = system
    sendmail(inst, ["a@example.org"],
             "From someone@example.org Mon Dec  7 10:00:00 2026\n"
             "Subject: mbox\n\nFrom here on\n")
    [item] = queued(inst)
    msg = queue_show(inst, item["id"])["message"]
    assert "From someone" not in msg
    assert "Subject: mbox\r\n" in msg and "\r\nFrom here on\r\n" in msg


def test_dsn_options(system):
    inst = system
    sendmail(inst, ["-N", "success,delay", "-R", "hdrs", "-V", "env-42",
                    "-B", "8bitmime", "--", "joe@example.org"],
             "Subject: dsn\n\nx\n")
    [item] = queued(inst)
    q = queue_show(inst, item["id"])
    assert q["envid"] == "env-42"
    assert q["ret"] == "HDRS"
    assert q["body"] == "8BITMIME"
    assert q["rcpt"] == ["joe@example.org orig=joe@example.org orcpt= "
                         "notify=10 state=P"]


def test_size_limit_refused(system):
    inst = system
    inst.gannet("conf", "set", "message_size_limit=2000")
    p = sendmail(inst, ["joe@example.org"],
                 "Subject: big\n\n" + ("x" * 70 + "\n") * 100, check=False)
    assert p.returncode == 73
    assert b"message too large" in p.stderr
    assert b"message_size_limit" in p.stderr
    assert maildrop(inst) == []
    assert json.loads(inst.gannet("queue", "list", "--json").stdout) == []
    # Under the limit it goes through.
    sendmail(inst, ["joe@example.org"], "Subject: small\n\nx\n")
    queued(inst)


def test_smtp_on_stdin_with_bs(system):
    """-bs: an SMTP dialog on stdin/stdout (pipelined, as a local client
    may send it); each accepted message goes through pickup."""
    inst = system
    inst.gannet("conf", "set", "message_size_limit=2000")
    dialog = ("EHLO client\r\n"
              "MAIL FROM:<alice@example.org> RET=HDRS\r\n"
              "RCPT TO:<joe@example.org> NOTIFY=SUCCESS,FAILURE\r\n"
              "RCPT TO:<ann@example.org>\r\n"
              "DATA\r\n"
              "Subject: over bs\r\n\r\n..a leading dot\r\nend\r\n.\r\n"
              "MAIL FROM:<alice@example.org>\r\n"
              "RCPT TO:<joe@example.org>\r\n"
              "DATA\r\n" + "Subject: big\r\n\r\n"
              + ("x" * 70 + "\r\n") * 100 + ".\r\n"
              "DATA\r\n"
              "BOGUS\r\n"
              "QUIT\r\n")
    p = sendmail(inst, ["-bs"], dialog)
    replies = p.stdout.decode().split("\r\n")
    codes = [r[:4] for r in replies if r]
    assert replies[0].startswith("220 mx.gannet.test ESMTP")
    assert "250-8BITMIME" in replies and "250-DSN" in replies
    # EHLO(6 lines), MAIL, RCPT, RCPT, DATA 354, 250 queued, MAIL, RCPT,
    # 354, 552 too big, DATA without MAIL, unknown command, QUIT
    assert codes[7:] == ["250 ", "250 ", "250 ", "354 ", "250 ", "250 ",
                         "250 ", "354 ", "552 ", "503 ", "502 ", "221 "]
    assert "message too large" in [r for r in replies
                                   if r.startswith("552")][0]
    [item] = queued(inst)
    assert item["sender"] == "alice@example.org"
    assert sorted(r["address"] for r in item["recipients"]) == [
        "ann@example.org", "joe@example.org"]
    q = queue_show(inst, item["id"])
    assert q["service"] == "pickup"
    assert "Subject: over bs" in headers(q["message"])
    assert "\r\n.a leading dot\r\nend\r\n" in q["message"]


def test_usage_errors(system):
    inst = system
    p = sendmail(inst, [], "Subject: x\n\nx\n", check=False)
    assert p.returncode == 64 and b"no recipients specified" in p.stderr
    p = sendmail(inst, ["bad address@@x"], "x\n", check=False)
    assert p.returncode == 64 and b"bad recipient address" in p.stderr
    p = sendmail(inst, ["-R", "most", "a@example.org"], "x\n", check=False)
    assert p.returncode == 64


def wake_pickup(inst):
    """What sendmail does after a drop: one byte on public/pickup."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(inst.path("queue", "public", "pickup"))
    s.sendall(b"W")
    s.close()


def test_bad_maildrop_file_moved_aside(system):
    inst = system
    drop_file(inst, "1234abcd.99", "gannet_maildrop 1\nsender a@example.org"
              "\nrcpt b@example.org\nsize 500\n\nshort\n")
    drop_file(inst, "1234abce.99", "not a maildrop file at all\n")
    wake_pickup(inst)
    inst.wait_log("moved to %s" % inst.path("queue", "corrupt",
                                           "maildrop-1234abce.99"))
    log = inst.wait_log("maildrop/1234abcd.99: message is 6 bytes, "
                        "size record says 500")
    assert "not a maildrop file" in log
    assert sorted(os.listdir(inst.path("queue", "corrupt"))) == [
        "maildrop-1234abcd.99", "maildrop-1234abce.99"]
    # pickup is still there and takes good mail.
    sendmail(inst, ["joe@example.org"], "Subject: ok\n\nx\n")
    queued(inst)
    assert maildrop(inst) == []


def test_header_limits_checked_by_pickup(system):
    """A file written by hand past sendmail's checks is refused by pickup
    with the same limit."""
    inst = system
    msg = "".join("X-H%d: v\n" % i for i in range(1100)) + "\nbody\n"
    p = sendmail(inst, ["joe@example.org"], msg, check=False)
    assert p.returncode == 73
    assert b"too many header fields" in p.stderr
    data = ("gannet_maildrop 1\nsender a@example.org\nrcpt b@example.org\n"
            "size %d\n\n%s" % (len(msg), msg))
    drop_file(inst, "5555.1", data)
    wake_pickup(inst)
    inst.wait_log("maildrop/5555.1: too many header fields")
    assert os.path.exists(inst.path("queue", "corrupt", "maildrop-5555.1"))


def test_privilege_model(system):
    """maildrop/ is 1730 mail_owner:setgid_group: an ordinary user
    cannot drop mail without the group, and a member of the group (what
    the set-group-ID sendmail becomes) can; pickup names the user by the
    file's owner."""
    inst = system
    st = os.stat(inst.path("queue", "maildrop"))
    assert oct(st.st_mode & 0o7777) == "0o1730"
    nobody = ["--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    p = sendmail(inst, ["joe@example.org"], "Subject: x\n\nx\n",
                 user=nobody, check=False)
    assert p.returncode == 73, p.stderr
    assert b"Permission denied" in p.stderr
    member = ["--reuid=nobody", "--regid=nogroup", "--groups=gannetdrop"]
    sendmail(inst, ["-f", "nobody@example.org", "joe@example.org"],
             "Subject: from nobody\n\nx\n", user=member)
    [item] = queued(inst)
    uid = int(subprocess.check_output(["id", "-u", "nobody"]))
    msg = queue_show(inst, item["id"])["message"]
    assert msg.startswith("Received: by mx.gannet.test (Gannet, from userid "
                          "%d)\r\n" % uid)


def test_mailq_and_newaliases(system):
    inst = system
    p = subprocess.run([MAILQ, "-C", inst.dir], capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 0 and p.stdout == "Mail queue is empty\n"
    sendmail(inst, ["-f", "s@example.org", "joe@example.org"],
             "Subject: q\n\nx\n")
    [item] = queued(inst)
    p = subprocess.run([SENDMAIL, "-C", inst.dir, "-bp"],
                       capture_output=True, text=True, timeout=30)
    lines = p.stdout.splitlines()
    assert lines[0].startswith("-Queue ID- ")
    assert lines[1].startswith(item["id"])
    assert lines[1].endswith("  s@example.org")
    assert lines[-1] == "-- 1 Kbytes in 1 Request."
    # Anyone may run mailq: who cannot read the queue gets the same
    # listing from the showq service.
    p = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup",
                        "--clear-groups", "--", MAILQ, "-C", inst.dir],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == lines
    # newaliases rebuilds the hash: maps of virtual_alias_maps.
    inst.write("maps/aliases", "info@example.com joe@example.com\n")
    p = subprocess.run([NEWALIASES, "-C", inst.dir], capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    q = inst.gannet("map", "query", "hash:" + inst.path("maps", "aliases"),
                    "info@example.com")
    assert q.stdout.strip() == "joe@example.com"


def test_long_lines_split_and_bare_cr(system):
    inst = system
    long_line = "y" * 5000
    sendmail(inst, ["a@example.org"],
             "Subject: long\n\n%s\nbare\rcr\n" % long_line)
    [item] = queued(inst)
    msg = queue_show(inst, item["id"])["message"]
    body = msg.split("\r\n\r\n", 1)[1]
    lines = body.split("\r\n")
    # line_length_limit is 2048 with the CRLF, as smtpd counts it.
    assert lines[:3] == ["y" * 2046, "y" * 2046, "y" * 908]
    assert lines[3] == "bare cr"
    assert "\r" not in body.replace("\r\n", "")


def test_wakeup_timer_finds_files_without_a_trigger(instance):
    """A file that nobody announced is found by the master's wake-up
    timer (here 1 second instead of 60)."""
    inst = instance
    svc = inst.path("services.conf")
    with open(svc) as f:
        text = f.read()
    text = re.sub(r"^(pickup\s+unix\s+n\s+-\s+n\s+)60(\s)", r"\g<1>1\2",
                  text, flags=re.M)
    assert re.search(r"^pickup\s+unix\s+n\s+-\s+n\s+1\s", text, re.M)
    with open(svc, "w") as f:
        f.write(text)
    inst.gannet("queue", "suspend")
    inst.gannet("start")
    inst.started = True
    inst.wait_log("service pickup: started")
    msg = "Subject: timer\n\nx\n"
    data = ("gannet_maildrop 1\nsender a@example.org\nrcpt b@example.org\n"
            "size %d\n\n%s" % (len(msg), msg))
    drop_file(inst, "77aa.1", data)
    [item] = queued(inst, timeout=30)
    assert item["sender"] == "a@example.org"
    assert maildrop(inst) == []
