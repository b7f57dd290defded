"""smtpd with real clients: the protocol, the queue file behind each 250,
line endings and SMTP smuggling, limits, TLS, AUTH policy, relay control,
recipients, access maps and content filters.

Clients connect from 127.0.0.1 (in mynetworks: trusted) or from
127.0.0.2 (set outside mynetworks and outside the plaintext-AUTH
exceptions, so it counts as a remote client)."""
import os
import smtplib
import socket
import ssl
import subprocess
import time

import pytest

from smtpd_util import (Raw, Smtpd, build_map, free_port, queue_ids,
                        queue_show, queued_id, setup_accounts)

REMOTE = "127.0.0.2"
BASE_OPTS = ["mynetworks=127.0.0.1/32",
             "smtpd_tls_auth_only_exceptions=127.0.0.1/32"]


@pytest.fixture
def servers(instance):
    started = []

    def start(overrides=(), port=None):
        s = Smtpd(instance, port or free_port(), BASE_OPTS + list(overrides))
        started.append(s)
        return s
    setup_accounts(instance)
    yield instance, start
    for s in started:
        s.stop()


@pytest.fixture
def mx(servers):
    inst, start = servers
    return inst, start()


def smtp(port, source=None):
    return smtplib.SMTP("127.0.0.1", port, timeout=10,
                        source_address=(source, 0) if source else None)


def untrusted_ctx():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


# --------------------------------------------------------------------------
# Protocol basics and the queue behind 250


def test_ehlo_features_and_banner(mx):
    inst, s = mx
    c = smtp(s.port)
    code, text = c.ehlo("client.example.org")
    assert code == 250
    feats = text.decode().split("\n")
    assert feats[0] == "mx.gannet.test"
    for f in ["PIPELINING", "SIZE 20971520", "ETRN", "STARTTLS",
              "AUTH PLAIN LOGIN", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN",
              "SMTPUTF8", "CHUNKING"]:
        assert f in feats, feats
    assert c.noop()[0] == 250
    assert c.rset() == (250, b"2.0.0 Ok")
    assert c.verify("joe@example.com")[0] == 252
    assert c.docmd("HELP")[0] == 214
    assert c.quit()[0] == 221
    r = Raw(s.port)
    assert r.reply() == "220 mx.gannet.test ESMTP Gannet"
    r.close()


def test_message_is_in_the_queue_complete(mx):
    inst, s = mx
    c = smtp(s.port)
    c.ehlo("client.example.org")
    body = ("Subject: hello\r\nMessage-ID: <m1@client.example.org>\r\n\r\n"
            "line one\r\n.starts with a dot\r\n" + "x" * 900 + "\r\n")
    code, _ = c.mail("sender@remote.example")
    assert code == 250
    assert c.rcpt("joe@example.com")[0] == 250
    assert c.rcpt("info@example.com")[0] == 250
    code, text = c.data(body.encode())
    assert code == 250 and text.startswith(b"2.0.0 Ok: queued as ")
    qid = queued_id(text.decode())
    c.quit()
    assert queue_ids(inst) == [qid]
    assert queue_ids(inst, "tmp") == []
    q = queue_show(inst, qid)
    assert q["sender"] == "sender@remote.example"
    assert [r.split()[0] for r in q["rcpt"]] == ["joe@example.com",
                                                  "info@example.com"]
    assert all("state=P" in r for r in q["rcpt"])
    assert q["client"].startswith("localhost[127.0.0.1]")
    assert q["helo"] == "client.example.org"
    assert q["protocol"] == "ESMTP"
    msg = q["message"]
    assert msg.startswith("Received: from client.example.org (localhost "
                          "[127.0.0.1])\r\n\tby mx.gannet.test (Gannet) "
                          "with ESMTP id " + qid)
    assert msg.endswith(body.replace("\r\n.starts", "\r\n.starts"))
    assert ".starts with a dot" in msg  # one dot removed by smtplib's stuffing
    assert int(q["message_size"]) == len(msg.encode())
    s.wait_log("%s: from=<sender@remote.example>" % qid)


def test_swaks_and_curl(mx, workdir):
    inst, s = mx
    p = subprocess.run(["swaks", "--server", "127.0.0.1", "--port",
                        str(s.port), "--from", "a@remote.example", "--to",
                        "sue@example.com", "--helo", "swaks.example.org",
                        "--header", "Subject: swaks"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "250 2.0.0 Ok: queued as" in p.stdout
    mail = os.path.join(workdir, "m.eml")
    with open(mail, "w") as f:
        f.write("Subject: curl\r\n\r\nhi from curl\r\n")
    p = subprocess.run(["curl", "-sS", "smtp://127.0.0.1:%d" % s.port,
                        "--mail-from", "c@remote.example", "--mail-rcpt",
                        "joe@example.com", "--upload-file", mail],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    ids = queue_ids(inst)
    assert len(ids) == 2
    bodies = [queue_show(inst, i)["message"] for i in ids]
    assert any("Subject: swaks" in b for b in bodies)
    assert any("hi from curl" in b for b in bodies)


def test_pipelining(mx):
    inst, s = mx
    r = Raw(s.port)
    r.reply()
    r.cmd("EHLO pipe.example.org")
    r.send("MAIL FROM:<a@remote.example>\r\nRCPT TO:<joe@example.com>\r\n"
           "RCPT TO:<nobody@example.com>\r\nRCPT TO:<sue@example.com>\r\n"
           "DATA\r\n")
    assert r.reply().startswith("250 2.1.0")
    assert r.reply().startswith("250 2.1.5")
    assert r.reply().startswith("550 5.1.1 <nobody@example.com>:")
    assert r.reply().startswith("250 2.1.5")
    assert r.reply().startswith("354 ")
    r.send("Subject: p\r\n\r\nbody\r\n.\r\nQUIT\r\n")
    assert "queued as" in r.reply()
    assert r.reply().startswith("221")
    (qid,) = queue_ids(inst)
    assert len(queue_show(inst, qid)["rcpt"]) == 2


def test_state_machine_replies(mx):
    inst, s = mx
    r = Raw(s.port)
    r.reply()
    assert r.cmd("MAIL FROM:<a@remote.example>").startswith(
        "503 5.5.1 Error: send HELO/EHLO first")
    assert r.cmd("HELO bad..name").startswith("501 5.5.2")
    assert r.cmd("HELO good.example.org") == "250 mx.gannet.test"
    assert r.cmd("RCPT TO:<joe@example.com>").startswith("503 5.5.1")
    assert r.cmd("DATA").startswith("503 5.5.1")
    assert r.cmd("MAIL FROM:<a@remote.example>").startswith("250")
    assert r.cmd("MAIL FROM:<a@remote.example>").startswith(
        "503 5.5.1 Error: nested MAIL command")
    assert r.cmd("DATA").startswith("554 5.5.1 Error: no valid recipients")
    assert r.cmd("MAIL FROM:a@remote.example").startswith("503")
    assert r.cmd("RSET").startswith("250")
    assert r.cmd("MAIL FROM:<a@@x>").startswith("501 5.1.7")
    assert r.cmd("MAIL FROM:<a@remote.example> FOO=1").startswith(
        "555 5.5.4 Unsupported option: FOO")
    assert r.cmd("FOO").startswith("502 5.5.2")
    assert r.cmd("EXPN staff").startswith("502 5.5.1")
    assert r.cmd("QUIT").startswith("221")


def test_dsn_parameters_are_kept(mx):
    inst, s = mx
    r = Raw(s.port)
    r.reply()
    r.cmd("EHLO c.example.org")
    assert r.cmd("MAIL FROM:<a@remote.example> RET=HDRS ENVID=QQ+2B1 "
                 "BODY=8BITMIME SIZE=100").startswith("250")
    assert r.cmd("RCPT TO:<joe@example.com> NOTIFY=SUCCESS,FAILURE "
                 "ORCPT=rfc822;Joe+40example.com").startswith("250")
    assert r.cmd("RCPT TO:<Postmaster>").startswith("250")
    assert r.cmd("DATA").startswith("354")
    qid = queued_id(r.cmd("Subject: dsn\r\n\r\nx\r\n."))
    q = queue_show(inst, qid)
    assert q["ret"] == "HDRS" and q["envid"] == "QQ+1"
    assert q["body"] == "8BITMIME"
    assert q["rcpt"][0] == ("joe@example.com orig=joe@example.com "
                            "orcpt=rfc822;Joe@example.com notify=6 state=P")
    assert q["rcpt"][1].startswith("postmaster@mx.gannet.test ")


def test_smtputf8(mx):
    inst, s = mx
    r = Raw(s.port)
    r.reply()
    r.cmd("EHLO c.example.org")
    assert r.cmd("MAIL FROM:<\u00e9l\u00e8ve@remote.example>").startswith(
        "553 5.6.7")
    assert r.cmd("MAIL FROM:<\u00e9l\u00e8ve@remote.example> SMTPUTF8"
                 ).startswith("250")
    assert r.cmd("RCPT TO:<joe@example.com>").startswith("250")
    assert r.cmd("DATA").startswith("354")
    qid = queued_id(r.cmd("Subject: \u00e9t\u00e9\r\n\r\nx\r\n."))
    q = queue_show(inst, qid)
    assert q["smtputf8"] == "1"
    assert q["sender"] == "\u00e9l\u00e8ve@remote.example"
    assert q["protocol"] == "UTF8SMTP"


def test_bdat(mx):
    inst, s = mx
    r = Raw(s.port)
    r.reply()
    r.cmd("EHLO c.example.org")
    r.cmd("MAIL FROM:<a@remote.example>")
    r.cmd("RCPT TO:<joe@example.com>")
    part1 = b"Subject: chunks\r\n\r\nfirst "
    part2 = b"second\r\n.\r\nnot an end\r\n"
    r.send(b"BDAT %d\r\n" % len(part1) + part1)
    assert r.reply() == "250 2.0.0 Ok: %d bytes" % len(part1)
    assert r.cmd("RCPT TO:<sue@example.com>").startswith("503 5.5.1")
    r.send(b"BDAT %d LAST\r\n" % len(part2) + part2)
    qid = queued_id(r.reply())
    msg = queue_show(inst, qid)["message"]
    assert msg.endswith("Subject: chunks\r\n\r\nfirst second\r\n.\r\n"
                        "not an end\r\n")
    # A bare LF inside BDAT content refuses the message, nothing queued,
    # and the session goes on in step.
    r.cmd("MAIL FROM:<a@remote.example>")
    r.cmd("RCPT TO:<joe@example.com>")
    bad = b"Subject: x\r\n\r\nbare\nlf\r\n"
    r.send(b"BDAT %d LAST\r\n" % len(bad) + bad)
    assert r.reply().startswith("550 5.5.2")
    assert r.cmd("NOOP").startswith("250")
    assert queue_ids(inst) == [qid]


# --------------------------------------------------------------------------
# Line endings: bare CR/LF and SMTP smuggling

SMUGGLE = [b"\n.\r\n", b"\r\n.\n", b"\n.\n", b"\r.\r", b"\r\n.\r",
           b"\r.\r\n", b"\n.\r", b"\r\n.\r\r\n"]


@pytest.mark.parametrize("end", SMUGGLE, ids=[repr(e) for e in SMUGGLE])
def test_smuggling_is_refused(mx, end):
    inst, s = mx
    r = Raw(s.port)
    r.reply()
    r.cmd("EHLO c.example.org")
    r.cmd("MAIL FROM:<a@remote.example>")
    r.cmd("RCPT TO:<joe@example.com>")
    assert r.cmd("DATA").startswith("354")
    r.send(b"Subject: first\r\n\r\nhello" + end +
           b"MAIL FROM:<evil@remote.example>\r\nRCPT TO:<sue@example.com>\r\n"
           b"DATA\r\nSubject: smuggled\r\n\r\nsmuggled\r\n.\r\nQUIT\r\n")
    reply = r.reply()
    assert reply.startswith("521 5.5.2 mx.gannet.test Error: bare <")
    assert r.closed()
    assert queue_ids(inst) == []
    assert queue_ids(inst, "tmp") == []
    s.wait_log("received after DATA from localhost[127.0.0.1]")


def test_bare_lf_in_command(mx):
    inst, s = mx
    r = Raw(s.port)
    r.reply()
    r.send("EHLO c.example.org\nMAIL FROM:<a@remote.example>\r\n")
    assert r.reply() == "521 5.5.2 mx.gannet.test Error: bare <LF> received"
    assert r.closed()
    r = Raw(s.port)
    r.reply()
    r.send("NOOP\rQUIT\r\n")
    assert r.reply().startswith("521 5.5.2")


# --------------------------------------------------------------------------
# Limits


def test_size_limits(servers):
    inst, start = servers
    s = start(["message_size_limit=10000"])
    c = smtp(s.port)
    c.ehlo("c.example.org")
    assert "SIZE 10000" in c.ehlo_resp.decode()
    code, text = c.mail("a@remote.example", ["SIZE=20000"])
    assert (code, text) == (552, b"5.3.4 Message size exceeds fixed limit")
    # The client lies in SIZE=: the data decides.
    assert c.mail("a@remote.example", ["SIZE=100"])[0] == 250
    c.rcpt("joe@example.com")
    code, text = c.data(b"Subject: big\r\n\r\n" + (b"y" * 198 + b"\r\n") * 100)
    assert (code, text) == (552, b"5.3.4 Message size exceeds fixed limit")
    # Still in step: a small message goes through.
    c.mail("a@remote.example")
    c.rcpt("joe@example.com")
    assert c.data(b"Subject: small\r\n\r\nok\r\n")[0] == 250
    c.quit()
    assert len(queue_ids(inst)) == 1


def test_line_limits(servers):
    inst, start = servers
    s = start(["line_length_limit=1000", "smtpd_command_line_limit=600"])
    r = Raw(s.port)
    r.reply()
    r.cmd("EHLO c.example.org")
    assert r.cmd("NOOP " + "a" * 700) == "500 5.5.2 Error: line too long"
    assert r.cmd("NOOP " + "a" * 590).startswith("250")
    r.cmd("MAIL FROM:<a@remote.example>")
    r.cmd("RCPT TO:<joe@example.com>")
    r.cmd("DATA")
    # A long line is neither cut nor queued; the rest is still read.
    reply = r.cmd("Subject: long\r\n\r\n" + "z" * 3000 + "\r\nafter\r\n.")
    assert reply.startswith("500 5.5.2 Error: message line longer than 1000")
    assert r.cmd("NOOP").startswith("250")
    assert queue_ids(inst) == []
    r.cmd("MAIL FROM:<a@remote.example>")
    r.cmd("RCPT TO:<joe@example.com>")
    r.cmd("DATA")
    qid = queued_id(r.cmd("Subject: ok\r\n\r\n" + "z" * 1000 + "\r\n."))
    assert queue_ids(inst) == [qid]


def test_recipient_and_error_limits(servers):
    inst, start = servers
    s = start(["smtpd_recipient_limit=3", "smtpd_hard_error_limit=5"])
    r = Raw(s.port)
    r.reply()
    r.cmd("EHLO c.example.org")
    r.cmd("MAIL FROM:<a@remote.example>")
    for rc in ["joe", "sue", "info"]:
        assert r.cmd("RCPT TO:<%s@example.com>" % rc).startswith("250")
    assert r.cmd("RCPT TO:<x@example.com>") == (
        "452 4.5.3 Error: too many recipients")
    for _ in range(4):
        assert r.cmd("BOGUS").startswith("502")
    assert r.cmd("BOGUS").startswith("502")
    assert r.reply() == "421 4.7.0 mx.gannet.test Error: too many errors"
    assert r.closed()


def test_forbidden_command(mx):
    inst, s = mx
    r = Raw(s.port)
    r.reply()
    r.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert r.reply().startswith("221 2.7.0")
    assert r.closed()


def test_queue_max_messages(servers):
    inst, start = servers
    s = start(["queue_max_messages=1"])
    for i in range(2):
        c = smtp(s.port)
        c.sendmail("a@remote.example", ["joe@example.com"],
                   b"Subject: %d\r\n\r\nx\r\n" % i)
        c.quit()
    assert len(queue_ids(inst)) == 2
    r = Raw(s.port)
    assert r.reply().startswith("421 4.3.2 mx.gannet.test")
    assert r.closed()
    s.wait_log("queue holds more than queue_max_messages")


def test_connection_limits(servers):
    inst, start = servers
    a = start(["smtpd_client_connection_count_limit=1"])
    b = start(["smtpd_client_connection_count_limit=1"])
    r1 = Raw(a.port)
    assert r1.reply().startswith("220")
    r2 = Raw(b.port)
    assert r2.reply() == ("421 4.7.0 mx.gannet.test Error: too many "
                          "connections from your host")
    r3 = Raw(b.port, source=REMOTE)
    assert r3.reply().startswith("220")
    r3.cmd("QUIT")
    r1.cmd("QUIT")
    time.sleep(0.2)
    r4 = Raw(b.port)
    assert r4.reply().startswith("220")
    r4.cmd("QUIT")


def test_session_timeout(servers):
    inst, start = servers
    s = start(["smtpd_timeout=1"])
    r = Raw(s.port)
    r.reply()
    assert r.reply() == "421 4.4.2 mx.gannet.test Error: timeout exceeded"
    s.wait_log("timeout after CONNECT from localhost[127.0.0.1]")


# --------------------------------------------------------------------------
# TLS and AUTH policy


def test_starttls_and_received_header(mx):
    inst, s = mx
    c = smtp(s.port)
    c.ehlo("c.example.org")
    c.starttls(context=untrusted_ctx())
    code, text = c.ehlo("c.example.org")
    assert b"STARTTLS" not in text
    c.sendmail("a@remote.example", ["joe@example.com"], b"Subject: t\r\n\r\n")
    c.quit()
    (qid,) = queue_ids(inst)
    q = queue_show(inst, qid)
    assert q["protocol"] == "ESMTPS"
    assert q["tls"].startswith("TLSv1.3 TLS_")
    assert "\t(using TLSv1.3 with cipher TLS_" in q["message"]


def test_openssl_s_client(mx):
    inst, s = mx
    p = subprocess.run(["openssl", "s_client", "-connect",
                        "127.0.0.1:%d" % s.port, "-starttls", "smtp",
                        "-quiet", "-verify_quiet"],
                       input="EHLO x.example.org\r\nQUIT\r\n",
                       capture_output=True, text=True, timeout=30)
    assert "250-mx.gannet.test" in p.stdout
    assert "221 2.0.0 Bye" in p.stdout


def test_pipelined_input_after_starttls_is_discarded(mx):
    inst, s = mx
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    f = sock.makefile("rb")
    f.readline()
    sock.sendall(b"EHLO c.example.org\r\n")
    while f.readline()[3:4] == b"-":
        pass
    sock.sendall(b"STARTTLS\r\nRSET\r\n")
    assert f.readline().startswith(b"220 2.0.0")
    tls = untrusted_ctx().wrap_socket(sock, server_hostname="mx.gannet.test")
    tls.sendall(b"NOOP\r\n")
    first = tls.recv(1000)
    assert first.startswith(b"250 2.0.0 Ok\r\n") and first.count(b"\r\n") == 1
    tls.close()
    s.wait_log("improper command pipelining after STARTTLS")


def test_auth_only_after_tls_for_remote_clients(mx):
    inst, s = mx
    # 127.0.0.2 is neither in mynetworks nor in the plaintext exceptions.
    c = smtp(s.port, source=REMOTE)
    code, text = c.ehlo("c.example.org")
    assert b"AUTH" not in text
    assert c.docmd("AUTH", "PLAIN AGpvZQBzZWNyZXQ=")[0] == 538
    c.starttls(context=untrusted_ctx())
    code, text = c.ehlo("c.example.org")
    assert b"AUTH PLAIN LOGIN" in text
    c.quit()
    # From loopback (127.0.0.1) AUTH is offered without TLS.
    c = smtp(s.port)
    assert b"AUTH PLAIN LOGIN" in c.ehlo("c.example.org")[1]
    c.quit()


def test_submission_requires_tls_and_auth(servers):
    inst, start = servers
    s = start(["smtpd_tls_security_level=encrypt", "smtpd_auth_required=yes"])
    r = Raw(s.port, source=REMOTE)
    r.reply()
    text = r.cmd("EHLO c.example.org")
    assert "STARTTLS" in text and "AUTH" not in text
    assert r.cmd("MAIL FROM:<a@remote.example>").startswith(
        "530 5.7.0 Must issue a STARTTLS command first")
    r.cmd("QUIT")
    r.close()
    c = smtp(s.port, source=REMOTE)
    c.starttls(context=untrusted_ctx())
    c.ehlo("c.example.org")
    code, text = c.mail("joe@example.com")
    assert (code, text) == (530, b"5.7.0 Authentication required")
    c.quit()


def test_implicit_tls(servers):
    inst, start = servers
    s = start(["smtpd_tls_wrappermode=yes"])
    c = smtplib.SMTP_SSL("127.0.0.1", s.port, timeout=10,
                         context=untrusted_ctx())
    code, text = c.ehlo("c.example.org")
    assert b"STARTTLS" not in text and b"AUTH PLAIN LOGIN" in text
    c.quit()


# --------------------------------------------------------------------------
# Relay control and recipients


def attempt(port, source, sender, rcpt):
    c = smtp(port, source=source)
    c.ehlo("c.example.org")
    code, text = c.mail(sender)
    if code != 250:
        c.quit()
        return ("MAIL", code)
    code, text = c.rcpt(rcpt)
    c.quit()
    return ("RCPT", code)


MATRIX = [
    # client, sender, recipient -> (stage, code)
    ("trusted", "local", "local", ("RCPT", 250)),
    ("trusted", "local", "remote", ("RCPT", 250)),
    ("trusted", "remote", "local", ("RCPT", 250)),
    ("trusted", "remote", "remote", ("RCPT", 250)),
    ("untrusted", "local", "local", ("MAIL", 553)),
    ("untrusted", "local", "remote", ("MAIL", 553)),
    ("untrusted", "remote", "local", ("RCPT", 250)),
    ("untrusted", "remote", "remote", ("RCPT", 554)),
]
ADDR = {"local": "joe@example.com", "remote": "someone@remote.example"}


@pytest.mark.parametrize("client,sender,rcpt,want", MATRIX)
def test_relay_matrix(mx, client, sender, rcpt, want):
    inst, s = mx
    src = None if client == "trusted" else REMOTE
    assert attempt(s.port, src, ADDR[sender], ADDR[rcpt]) == want


def test_default_config_is_not_an_open_relay(instance):
    """No overrides at all: a client outside mynetworks cannot relay."""
    setup_accounts(instance)
    s = Smtpd(instance, free_port(), ["mynetworks=127.0.0.1/32"])
    try:
        c = smtp(s.port, source=REMOTE)
        c.ehlo("c.example.org")
        c.mail("a@remote.example")
        code, text = c.rcpt("b@elsewhere.example")
        assert code == 554
        assert text == (b"5.7.1 <b@elsewhere.example>: Relay access "
                        b"denied")
        # The percent hack through a local domain is no way round it.
        assert c.rcpt("b%elsewhere.example@example.com")[0] == 554
        c.quit()
    finally:
        s.stop()


def test_recipient_checks(mx):
    inst, s = mx
    c = smtp(s.port, source=REMOTE)
    c.ehlo("c.example.org")
    c.mail("a@remote.example")
    assert c.rcpt("nobody@example.com") == (
        550, b"5.1.1 <nobody@example.com>: Recipient address rejected: "
             b"User unknown in virtual mailbox table")
    assert c.rcpt("ann@example.com")[0:1] == (550,)
    assert c.rcpt("ann@example.com")[1].startswith(b"5.2.1")
    assert c.rcpt("x@disabled.example")[1].startswith(b"5.2.1")
    assert c.rcpt("anything@catchall.example")[0] == 250
    assert c.rcpt("joe@example.net")[0] == 250
    assert c.rcpt("JOE@Example.COM")[0] == 250
    assert c.rcpt("postmaster@mx.gannet.test")[0] == 250
    assert c.rcpt("other@mx.gannet.test")[0] == 550
    c.quit()


def test_relay_domains_and_recipient_maps(servers):
    inst, start = servers
    spec = build_map(inst, "maps/relay_rcpt", "known@backup.example x\n")
    s = start(["relay_domains=backup.example",
               "relay_recipient_maps=" + spec])
    c = smtp(s.port, source=REMOTE)
    c.ehlo("c.example.org")
    c.mail("a@remote.example")
    assert c.rcpt("known@backup.example")[0] == 250
    assert c.rcpt("unknown@backup.example")[1].startswith(b"5.1.1")
    c.quit()
    c = smtp(s.port, source=REMOTE)
    c.ehlo("c.example.org")
    # No queue manager runs here to take the flush: RFC 1985's 458
    # (test_queue_cmd.py shows the 250 and the trigger it sends).
    assert c.docmd("ETRN", "backup.example")[0] == 458
    assert c.docmd("ETRN", "other.example")[0] == 459
    c.quit()


# --------------------------------------------------------------------------
# Access maps and content filters


def test_access_maps(servers):
    inst, start = servers
    client = build_map(inst, "maps/client_access",
                       "127.0.0.2 REJECT go away\n")
    sender = build_map(inst, "maps/sender_access",
                       "@spam.example REJECT\nslow.example DEFER later\n")
    rs = build_map(inst, "maps/rcpt_sender_access",
                   "joe@example.com,@spam.example OK\n"
                   "sue@example.com,friend@remote.example REJECT "
                   "Sue does not want this\n")
    s = start(["smtpd_client_access=" + client,
               "smtpd_sender_access=" + sender,
               "smtpd_recipient_sender_access=" + rs])
    c = smtp(s.port, source=REMOTE)
    c.ehlo("c.example.org")
    c.mail("a@remote.example")
    code, text = c.rcpt("joe@example.com")
    assert code == 554 and text.endswith(b"Client host rejected: go away")
    c.quit()
    log = s.log()
    assert "Client host rejected: go away" in log
    c = smtp(s.port)
    c.ehlo("c.example.org")
    c.mail("x@spam.example")
    assert c.rcpt("sue@example.com")[0] == 554
    # joe whitelisted spam.example for himself
    assert c.rcpt("joe@example.com")[0] == 250
    c.rset()
    c.mail("y@slow.example")
    assert c.rcpt("sue@example.com")[0] == 450
    c.rset()
    c.mail("friend@remote.example")
    code, text = c.rcpt("sue@example.com")
    assert code == 554 and b"Sue does not want this" in text
    assert c.rcpt("joe@example.com")[0] == 250
    c.quit()


def test_write_error_gives_451_and_leaves_nothing(mx):
    inst, s = mx
    tmp = inst.path("queue", "tmp")
    os.chmod(tmp, 0o500)
    try:
        c = smtp(s.port)
        c.ehlo("c.example.org")
        c.mail("a@remote.example")
        c.rcpt("joe@example.com")
        code, text = c.docmd("DATA")
        assert (code, text) == (451, b"4.3.0 Error: queue file write error")
        c.quit()
    finally:
        os.chmod(tmp, 0o700)
    assert queue_ids(inst) == [] and queue_ids(inst, "tmp") == []


def test_missing_headers_added(servers):
    inst, start = servers
    s = start(["always_add_missing_headers=yes"])
    c = smtp(s.port)
    c.sendmail("a@remote.example", ["joe@example.com"],
               b"Subject: no id\r\n\r\nbody\r\n")
    c.sendmail("a@remote.example", ["joe@example.com"], b"no headers\r\n")
    c.quit()
    msgs = [queue_show(inst, i)["message"] for i in queue_ids(inst)]
    for m in msgs:
        head = m.split("\r\n\r\n", 1)[0]
        assert "\r\nMessage-ID: <" in head and "\r\nDate: " in head
    assert any(m.endswith("\r\n\r\nno headers\r\n") for m in msgs)


MIME_EXE = """\
Subject: invoice
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: text/plain

see attachment
--outer
Content-Type: multipart/alternative;
 boundary="inner"

--inner
Content-Type: application/octet-stream;
 name*0="invo"; name*1="ice.EXE"
Content-Transfer-Encoding: base64

TVqQAAMAAAAEAAAA
--inner--
--outer--
""".replace("\n", "\r\n")

MIME_OK = MIME_EXE.replace('name*1="ice.EXE"', 'name*1="ice.pdf"')


def test_content_filters(servers):
    inst, start = servers
    hdr = inst.write("maps/header_checks",
                     "/^Subject:.*viagra/ REJECT No pills here\n"
                     "/^Subject:.*lottery/ DISCARD\n"
                     "/^Subject:.*review me/ HOLD\n"
                     "/^X-Mailer: oldmailer/ WARN old client\n")
    body = inst.write("maps/body_checks", "/^click here now/ REJECT\n")
    s = start(["header_checks=pcre:" + hdr, "body_checks=pcre:" + body,
               "attachment_name_filters=*.exe *.scr"])

    def send(msg):
        c = smtp(s.port)
        c.ehlo("c.example.org")
        c.mail("a@remote.example")
        c.rcpt("joe@example.com")
        try:
            return c.data(msg.encode())
        finally:
            c.quit()

    assert send("Subject: cheap VIAGRA viagra\r\n\r\nx\r\n") == (
        550, b"5.7.1 No pills here")
    assert send("Subject: hi\r\n\r\nclick here now\r\n") == (
        550, b"5.7.1 Message could not be sent due to filtering "
             b"restrictions")
    assert send(MIME_EXE) == (
        550, b"5.7.1 Message could not be sent due to filtering "
             b"restrictions")
    assert queue_ids(inst) == []
    code, text = send("Subject: you won the lottery\r\n\r\nx\r\n")
    assert code == 250  # discarded: accepted and dropped
    assert queue_ids(inst) == []
    code, text = send("Subject: please\r\n review me\r\n\r\nx\r\n")
    assert code == 250
    assert queue_ids(inst, "hold") == [queued_id(text.decode())]
    code, text = send(MIME_OK.replace("Subject: invoice",
                                      "Subject: invoice\r\n"
                                      "X-Mailer: oldmailer 1.0"))
    assert code == 250
    assert queue_ids(inst) == [queued_id(text.decode())]
    log = s.log()
    assert "reject: attachment name invoice.EXE matches *.exe" in log
    assert "warning: header X-Mailer: oldmailer 1.0: old client" in log


def test_hop_count_limit(servers):
    inst, start = servers
    s = start(["hopcount_limit=3"])
    c = smtp(s.port)
    c.ehlo("c.example.org")
    c.mail("a@remote.example")
    c.rcpt("joe@example.com")
    code, text = c.data(b"Received: from a\r\nReceived: from b\r\n"
                        b"Received: from c\r\nReceived: from d\r\n\r\nx\r\n")
    assert (code, text) == (554, b"5.4.0 Error: too many hops")
    c.quit()
