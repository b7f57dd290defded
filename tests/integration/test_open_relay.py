"""The open-relay matrix: senders (local, remote, forged, null) times
recipients in every form that has been used to sneak mail through a
relay (source routes, the percent hack, quoted local parts, bang paths,
IP literals, trailing dots, case), from a client that is not trusted.
Nothing relays without AUTH or mynetworks; with AUTH, or from
mynetworks, it does.

The instance runs under the master with mynetworks = 127.0.0.1/32, so a
client connecting from 127.0.0.2 is an outsider (the default mynetworks
trusts all of 127/8). Whatever smtpd accepts from the outsider is sent
through DATA and read back from the queue: every recipient that got a
250 must be a hosted one.
"""
import os
import shutil
import smtplib
import socket
import ssl
import subprocess
import tempfile
import time

import pytest

from conftest import GANNET, Instance, free_port_base, run
from smtpd_util import queued_id

DOMAIN = "example.test"
PASSWORD = "alice-secret"
OUTSIDER = "127.0.0.2"
HOSTED = {"alice@example.test", "postmaster@mx.gannet.test"}

RELAY_DENIED = (554, "5.7.1")
SYNTAX = (501, "5.1.3")
UNKNOWN = (550, "5.1.1")
OK = (250, "2.1.5")

# recipient -> what an outsider gets
RCPTS = {
    "<alice@example.test>": OK,
    '<"alice"@example.test>': OK,
    "<postmaster>": OK,
    "<@remote.example:alice@example.test>": OK,  # route dropped: local
    "<x@remote.example>": RELAY_DENIED,
    "<x@REMOTE.EXAMPLE>": RELAY_DENIED,
    "<x@example.test.remote.example>": RELAY_DENIED,
    # source routes through us to elsewhere
    "<@mx.gannet.test:x@remote.example>": RELAY_DENIED,
    "<@example.test,@mx.gannet.test:x@remote.example>": RELAY_DENIED,
    # the percent hack through a hosted domain or our own name
    "<x%remote.example@example.test>": RELAY_DENIED,
    "<x%remote.example@mx.gannet.test>": RELAY_DENIED,
    "<x%remote.example%example.test@example.test>": RELAY_DENIED,
    # quoted local parts that hide an address or a route
    '<"x@remote.example"@example.test>': UNKNOWN,
    '<"x%remote.example"@example.test>': RELAY_DENIED,
    '<"remote.example!x"@example.test>': RELAY_DENIED,
    # UUCP bang paths
    "<remote.example!x@example.test>": RELAY_DENIED,
    "<remote.example!x@mx.gannet.test>": RELAY_DENIED,
    # IP literals, ours and others'
    "<x@[192.0.2.1]>": RELAY_DENIED,
    "<x@[127.0.0.1]>": RELAY_DENIED,
    "<alice@[127.0.0.1]>": RELAY_DENIED,
    "<x@[IPv6:2001:db8::1]>": RELAY_DENIED,
    # malformed
    "<x@remote.example.>": SYNTAX,
    "<alice@example.test.>": SYNTAX,
    "<x@remote.example@example.test>": SYNTAX,
    "<x%remote.example>": SYNTAX,
    "<remote.example!x>": SYNTAX,
}

# senders an outsider may use (MAIL accepted) and those it may not
SENDERS_OK = ["<someone@remote.example>", "<>", "<alice@[127.0.0.1]>",
              "<alice%example.test@remote.example>"]
SENDERS_FORGED = ["<alice@example.test>", "<ALICE@Example.Test>",
                  "<postmaster@mx.gannet.test>",
                  "<@remote.example:alice@example.test>"]


def ctx():
    c = ssl.create_default_context()
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    return c


@pytest.fixture(scope="module")
def mx():
    work = tempfile.mkdtemp(prefix="gannet-relay-")
    os.chmod(work, 0o755)
    base = free_port_base()
    path = os.path.join(work, "inst")
    run([GANNET, "init", path, "--port-base", str(base),
         "--hostname", "mx.gannet.test"])
    inst = Instance(path, base)
    inst.gannet("conf", "set", "mynetworks=127.0.0.1/32",
                "smtpd_hard_error_limit=1000")
    inst.gannet("domain", "add", DOMAIN)
    inst.gannet("user", "add", "alice@" + DOMAIN, "--password-stdin",
                input=PASSWORD + "\n")
    inst.gannet("start")
    inst.started = True
    # deliveries suspended: what smtpd took stays in the queue to be
    # read back (the queue manager keeps accepting, does not dispatch)
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
    inst.gannet("stop", check=False)
    shutil.rmtree(work, ignore_errors=True)


def session(inst, source, port="smtp", auth=False):
    c = smtplib.SMTP("127.0.0.1", inst.port(port), timeout=30,
                     source_address=(source, 0))
    c.ehlo("client.example.org")
    if auth:
        c.starttls(context=ctx())
        c.ehlo("client.example.org")
        end = time.time() + 15
        while True:  # the auth service may still be starting
            try:
                c.login("alice@" + DOMAIN, PASSWORD)
                break
            except smtplib.SMTPAuthenticationError as e:
                assert e.smtp_code == 454 and time.time() < end, e
                time.sleep(0.2)
    return c


def queued_rcpts(inst, reply):
    qid = queued_id(reply)
    for _ in range(50):
        # the queue manager may be moving it from incoming/ to active/
        p = subprocess.run([GANNET, "-c", inst.dir, "queue", "show", qid],
                           capture_output=True, text=True, timeout=60)
        if p.returncode == 0:
            return [ln.split()[1] for ln in p.stdout.splitlines()
                    if ln.startswith("rcpt: ")]
        time.sleep(0.1)
    raise AssertionError("queue show %s: %s" % (qid, p.stderr))


def try_rcpt(inst, source, sender, rcpt, auth=False, port="smtp"):
    """MAIL and RCPT; when RCPT is taken, the message too. Returns
    (stage, code, enhanced code, queued recipients)."""
    c = session(inst, source, port, auth)
    code, text = c.docmd("MAIL FROM:" + sender)
    if code != 250:
        c.quit()
        return ("MAIL", code, text.decode().split()[0], None)
    code, text = c.docmd("RCPT TO:" + rcpt)
    queued = None
    if code == 250:
        dcode, dtext = c.data(b"Subject: relay test\r\n\r\nx\r\n")
        assert dcode == 250, dtext
        queued = queued_rcpts(inst, dtext.decode())
    c.quit()
    return ("RCPT", code, text.decode().split()[0], queued)


@pytest.mark.parametrize("rcpt", list(RCPTS))
@pytest.mark.parametrize("sender", SENDERS_OK)
def test_outsider_cannot_relay(mx, sender, rcpt):
    stage, code, enh, queued = try_rcpt(mx, OUTSIDER, sender, rcpt)
    assert stage == "RCPT"
    assert (code, enh) == RCPTS[rcpt]
    if queued is not None:
        # what was taken is for a hosted mailbox, never for elsewhere
        assert set(queued) <= HOSTED, queued


@pytest.mark.parametrize("sender", SENDERS_FORGED)
def test_outsider_cannot_use_a_local_sender(mx, sender):
    stage, code, enh, _ = try_rcpt(mx, OUTSIDER, sender, "<x@remote.example>")
    assert (stage, code, enh) == ("MAIL", 553, "5.7.1")


def test_relay_denied_text(mx):
    c = session(mx, OUTSIDER)
    c.mail("someone@remote.example")
    assert c.rcpt("x@remote.example") == (
        554, b"5.7.1 <x@remote.example>: Relay access denied")
    c.quit()


def test_submission_without_auth_takes_nothing(mx):
    """Port 587 wants TLS and AUTH before MAIL."""
    c = smtplib.SMTP("127.0.0.1", mx.port("submission"), timeout=30,
                     source_address=(OUTSIDER, 0))
    c.ehlo("client.example.org")
    assert c.mail("someone@remote.example")[0] == 530
    c.starttls(context=ctx())
    c.ehlo("client.example.org")
    assert c.mail("someone@remote.example") == (
        530, b"5.7.0 Authentication required")
    c.quit()


AUTH_RELAYS = ["<x@remote.example>", "<@mx.gannet.test:x@remote.example>",
               "<x@[192.0.2.1]>", "<x@[IPv6:2001:db8::1]>"]
# For a trusted client the percent hack and bang paths are not routing:
# the address is a (missing) mailbox of the hosted domain.
AUTH_LOCAL = ["<x%remote.example@example.test>",
              "<remote.example!x@example.test>"]


@pytest.mark.parametrize("port", ["smtp", "submission"])
@pytest.mark.parametrize("rcpt", AUTH_RELAYS)
def test_authenticated_outsider_relays(mx, rcpt, port):
    stage, code, enh, queued = try_rcpt(
        mx, OUTSIDER, "<alice@example.test>", rcpt, auth=True, port=port)
    assert (stage, code) == ("RCPT", 250)
    assert queued and not set(queued) & HOSTED


@pytest.mark.parametrize("rcpt", AUTH_RELAYS)
def test_mynetworks_relays(mx, rcpt):
    stage, code, enh, queued = try_rcpt(
        mx, "127.0.0.1", "<someone@remote.example>", rcpt)
    assert (stage, code) == ("RCPT", 250)
    assert queued and not set(queued) & HOSTED


@pytest.mark.parametrize("rcpt", AUTH_LOCAL)
@pytest.mark.parametrize("who", ["auth", "mynetworks"])
def test_trusted_percent_and_bang_are_not_routes(mx, rcpt, who):
    if who == "auth":
        got = try_rcpt(mx, OUTSIDER, "<alice@example.test>", rcpt, auth=True)
    else:
        got = try_rcpt(mx, "127.0.0.1", "<someone@remote.example>", rcpt)
    assert got[:3] == ("RCPT",) + UNKNOWN
