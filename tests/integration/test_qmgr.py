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
import os
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


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeMX:
    """fake_smtp.py on 127.0.0.1:port; messages() are the accepted ones."""

    def __init__(self, workdir, name, **conf):
        self.port = free_port()
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
def mta(instance, workdir):
    """An instance with example.com hosted, quick retries, and the domain
    remote.test routed to a fake MX."""
    inst = instance
    mx = FakeMX(workdir, "mx.remote.test")
    inst.mx = mx
    transport = build_map(inst, "maps/transport",
                          "remote.test smtp:[127.0.0.1]:%d\n" % mx.port)
    inst.gannet("conf", "set", "mynetworks=127.0.0.1/32",
                "transport_maps=" + transport,
                "queue_run_delay=1s", "minimal_backoff_time=1s",
                "maximal_backoff_time=2s",
                "smtp_tls_security_level=none")
    inst.gannet("domain", "add", "example.com")
    for user in ("joe", "ann", "bob"):
        inst.gannet("user", "add", user + "@example.com",
                    "--password-stdin", input="secret-%s\n" % user)
    yield inst
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
