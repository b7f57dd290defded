"""smtpd run by the master from services.conf, as an installed system runs
it: the MX (25), submission (587: STARTTLS and AUTH required) and
submissions (465: implicit TLS), with the real auth service behind AUTH.
The relay matrix's authenticated row is here, since it needs AUTH."""
import base64
import smtplib
import ssl
import time

import pytest

from smtpd_util import queue_ids, queue_show, queued_id

REMOTE = "127.0.0.2"


def ctx():
    c = ssl.create_default_context()
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    return c


def wait_port(port, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        try:
            c = smtplib.SMTP("127.0.0.1", port, timeout=5)
            c.quit()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("port %d never answered" % port)


@pytest.fixture
def system(instance):
    inst = instance
    inst.gannet("conf", "set", "mynetworks=127.0.0.1/32",
                "smtpd_tls_auth_only_exceptions=127.0.0.1/32")
    inst.gannet("domain", "add", "example.com")
    for user, pw in [("joe@example.com", "joe-secret"),
                     ("sue@example.com", "sue-secret")]:
        inst.gannet("user", "add", user, "--password-stdin", input=pw + "\n")
    inst.gannet("alias", "add", "joe.alias@example.com", "joe@example.com")
    # Deliveries suspended: the queue manager keeps what smtpd queued in
    # the queue, where these tests look at it.
    open(inst.path("queue", "suspended"), "w").close()
    p = inst.gannet("start")
    inst.started = True
    assert "started the mail system" in p.stdout
    for name in ("smtp", "submission"):
        wait_port(inst.port(name))
    return inst


def submit(port, source=REMOTE, implicit=False):
    if implicit:
        c = smtplib.SMTP_SSL("127.0.0.1", port, timeout=10, context=ctx(),
                             source_address=(source, 0))
    else:
        c = smtplib.SMTP("127.0.0.1", port, timeout=10,
                         source_address=(source, 0))
        c.ehlo("client.example.org")
        c.starttls(context=ctx())
    c.ehlo("client.example.org")
    return c


def test_mx_accepts_from_the_master(system):
    c = smtplib.SMTP("127.0.0.1", system.port("smtp"), timeout=10,
                     source_address=(REMOTE, 0))
    c.ehlo("mx.remote.example")
    c.mail("someone@remote.example")
    assert c.rcpt("joe@example.com")[0] == 250
    assert c.rcpt("nobody@example.com")[0] == 550
    assert c.rcpt("x@elsewhere.example")[0] == 554
    code, text = c.data(b"Subject: from the net\r\n\r\nhello\r\n")
    assert code == 250
    c.quit()
    qid = queued_id(text.decode())
    assert qid in queue_ids(system) + queue_ids(system, "active")
    q = queue_show(system, qid)
    assert q["service"] == "smtp"
    system.wait_log("%s: from=<someone@remote.example>" % qid)


def test_submission_with_auth(system):
    port = system.port("submission")
    c = smtplib.SMTP("127.0.0.1", port, timeout=10,
                     source_address=(REMOTE, 0))
    code, text = c.ehlo("client.example.org")
    assert b"STARTTLS" in text and b"AUTH" not in text
    assert c.docmd("MAIL", "FROM:<joe@example.com>")[0] == 530
    c.starttls(context=ctx())
    code, text = c.ehlo("client.example.org")
    assert b"AUTH PLAIN LOGIN" in text
    assert c.docmd("MAIL", "FROM:<joe@example.com>") == (
        530, b"5.7.0 Authentication required")
    with pytest.raises(smtplib.SMTPAuthenticationError) as e:
        c.login("joe@example.com", "wrong")
    assert e.value.smtp_code == 535
    c.quit()
    c = submit(port)
    assert c.login("joe@example.com", "joe-secret")[0] == 235
    # Only the user's own addresses (and aliases of them) as sender.
    assert c.mail("sue@example.com")[0] == 553
    assert c.mail("joe.alias@example.com")[0] == 250
    c.rset()
    assert c.mail("joe@example.com")[0] == 250
    assert c.rcpt("friend@elsewhere.example")[0] == 250  # relay: AUTH
    code, text = c.data(b"Subject: submitted\r\n\r\nno id, no date\r\n")
    assert code == 250
    c.quit()
    q = queue_show(system, queued_id(text.decode()))
    assert q["auth_user"] == "joe@example.com"
    assert q["protocol"] == "ESMTPSA" and q["service"] == "submission"
    head = q["message"].split("\r\n\r\n", 1)[0]
    assert "\t(Authenticated sender: joe@example.com)\r\n" in head
    assert "\r\nMessage-ID: <" in head and "\r\nDate: " in head
    assert "with ESMTPSA id" in head


def test_submissions_implicit_tls_and_login(system):
    c = submit(system.port("submissions"), implicit=True)
    c.user, c.password = "sue@example.com", "sue-secret"
    code, text = c.auth("LOGIN", c.auth_login, initial_response_ok=False)
    assert code == 235
    c.sendmail("sue@example.com", ["joe@example.com"], b"Subject: s\r\n\r\n")
    c.quit()


AUTH_ROW = [
    ("local", "local", ("RCPT", 250)),
    ("local", "remote", ("RCPT", 250)),
    ("remote", "local", ("MAIL", 553)),
    ("remote", "remote", ("MAIL", 553)),
]
ADDR = {"local": "joe@example.com", "remote": "someone@remote.example"}


@pytest.mark.parametrize("sender,rcpt,want", AUTH_ROW)
def test_relay_matrix_authenticated(system, sender, rcpt, want):
    """The authenticated client (from outside mynetworks, on port 25 after
    STARTTLS): may relay, but only with its own sender address."""
    c = smtplib.SMTP("127.0.0.1", system.port("smtp"), timeout=10,
                     source_address=(REMOTE, 0))
    c.ehlo("client.example.org")
    c.starttls(context=ctx())
    c.ehlo("client.example.org")
    c.login("joe@example.com", "joe-secret")
    code, _ = c.mail(ADDR[sender])
    got = ("MAIL", code) if code != 250 else ("RCPT", c.rcpt(ADDR[rcpt])[0])
    c.quit()
    assert got == want


def test_auth_plain_over_plaintext_from_remote_is_refused(system):
    c = smtplib.SMTP("127.0.0.1", system.port("smtp"), timeout=10,
                     source_address=(REMOTE, 0))
    code, text = c.ehlo("client.example.org")
    assert b"AUTH" not in text
    ir = base64.b64encode(b"\0joe@example.com\0joe-secret").decode()
    assert c.docmd("AUTH", "PLAIN " + ir)[0] == 538
    c.quit()


def test_banned_address_is_refused_at_connect(system):
    """Failed logins get an address banned (auth_failure_limit); smtpd
    then refuses it at connect with 421, as pop3d and imapd do, on every
    SMTP port, while other addresses are served."""
    system.gannet("stop")
    system.gannet("conf", "set", "auth_ban_exempt=127.0.0.1/32",
                  "auth_failure_limit=3")
    system.gannet("start")
    for name in ("smtp", "submission"):
        wait_port(system.port(name))
    for i in range(3):
        try:
            c = submit(system.port("submission"))
        except smtplib.SMTPConnectError:
            break  # smtplib tries PLAIN and LOGIN: two failures a round
        try:
            c.login("joe@example.com", "guess%d" % i)
        except smtplib.SMTPAuthenticationError:
            pass
        except smtplib.SMTPServerDisconnected:
            break
        try:
            c.quit()
        except smtplib.SMTPServerDisconnected:
            pass
    system.wait_log("banned on every")
    for port in ("smtp", "submission"):
        with pytest.raises(smtplib.SMTPConnectError) as e:
            smtplib.SMTP("127.0.0.1", system.port(port), timeout=10,
                         source_address=(REMOTE, 0))
        assert e.value.smtp_code == 421
        assert e.value.smtp_error.startswith(
            b"4.7.0 mx.gannet.test Error: too many failed logins")
    system.wait_log("client address banned")
    # Another address is not affected.
    c = smtplib.SMTP("127.0.0.1", system.port("smtp"), timeout=10)
    assert c.noop()[0] == 250
    c.quit()
