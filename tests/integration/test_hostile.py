"""Hostile clients against smtpd, pop3d and imapd, run by the master as an
installed system runs them: each scripted misbehaviour gets the right
error or a disconnect, the session process stays within bounded memory
(its RSS is sampled from /proc while the input arrives), and a normal
session opened beforehand goes on working afterwards.

What test_smtpd.py, test_pop3.py and test_imapd.py already cover is not
repeated here: SMTP smuggling with every bare CR/LF combination, bare LF
in SMTP commands, the SMTP line and recipient limits at small values,
STARTTLS injection for SMTP and POP3, 100 kB POP3 and 70 kB IMAP lines,
NUL in POP3 commands, the POP3 drip, the bad-command limits.
"""
import base64
import imaplib
import os
import poplib
import re
import shutil
import smtplib
import socket
import ssl
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import GANNET, Instance, free_port_base, run
from smtpd_util import Smtpd, free_port

DOMAIN = "example.test"
USER = "alice@" + DOMAIN
OTHER = "bob@" + DOMAIN  # the normal POP3 session (one per mailbox)
PASSWORD = "secret-password"
REMOTE = "127.0.0.2"
# A session process that needs more than this for any of these inputs
# is not bounded by its limits (they are all in the 64 kB - 1 MB range).
RSS_BOUND_KB = 64 * 1024
if "ASAN_OPTIONS" in os.environ:
    # a sanitizer build (make check-asan): shadow memory and the
    # quarantine of freed blocks; the bound that matters is measured in
    # the normal build
    RSS_BOUND_KB = 768 * 1024
MB = 1024 * 1024


def tls_ctx():
    c = ssl.create_default_context()
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    return c


@pytest.fixture(scope="module")
def inst():
    work = tempfile.mkdtemp(prefix="gannet-hostile-")
    os.chmod(work, 0o755)
    base = free_port_base()
    path = os.path.join(work, "inst")
    run([GANNET, "init", path, "--port-base", str(base),
         "--hostname", "mx.gannet.test"])
    i = Instance(path, base)
    i.gannet("conf", "set", "mynetworks=127.0.0.1/32",
             "smtpd_tls_auth_only_exceptions=127.0.0.1/32",
             "imapd_login_timeout=3s")
    i.gannet("domain", "add", DOMAIN)
    for u in (USER, OTHER):
        i.gannet("user", "add", u, "--password-stdin", input=PASSWORD + "\n")
    i.gannet("start")
    i.started = True
    for name in ("smtp", "pop3", "imap"):
        end = time.time() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", i.port(name)),
                                         1).close()
                break
            except OSError:
                assert time.time() < end, "%s never listened" % name
                time.sleep(0.1)
    # the first login waits for the auth service to come up
    end = time.time() + 15
    while True:
        try:
            c = imaplib.IMAP4("127.0.0.1", i.port("imap"))
            c.login(USER, PASSWORD)
            c.logout()
            break
        except (imaplib.IMAP4.error, OSError):
            assert time.time() < end, i.log()[-3000:]
            time.sleep(0.2)
    yield i
    i.gannet("stop", check=False)
    shutil.rmtree(work, ignore_errors=True)


# --------------------------------------------------------------------------
# Helpers: raw connections, the session's processes and their memory


class Conn:
    """A raw client connection that tolerates the server's reset."""

    def __init__(self, port, source=None, read_greeting=True):
        self.port = port
        self.s = socket.create_connection(
            ("127.0.0.1", port), 10,
            source_address=(source, 0) if source else None)
        self.buf = b""
        self.eof = False
        self.greeting = self.line() if read_greeting else None

    def send(self, data):
        self.s.sendall(data if isinstance(data, bytes) else data.encode())

    def send_lenient(self, data):
        """Send what the server takes before it hangs up."""
        try:
            self.send(data)
            return True
        except (BrokenPipeError, ConnectionResetError):
            return False

    def _fill(self):
        try:
            chunk = self.s.recv(65536)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self.eof = True
        self.buf += chunk

    def line(self):
        """One line with its end, or b"" at EOF."""
        while b"\n" not in self.buf and not self.eof:
            self._fill()
        if b"\n" not in self.buf:
            out, self.buf = self.buf, b""
            return out
        out, self.buf = self.buf.split(b"\n", 1)
        return out + b"\n"

    def lines(self, n):
        return [self.line() for _ in range(n)]

    def closed(self):
        """True once the server has closed (after what it sent)."""
        self.s.settimeout(20)
        while not self.eof:
            self._fill()
        return True

    def pids(self):
        """The server processes holding this connection's socket."""
        cport = self.s.getsockname()[1]
        out = subprocess.run(
            ["ss", "-tnpH", "state", "established",
             "( sport = :%d and dport = :%d )" % (self.port, cport)],
            capture_output=True, text=True).stdout
        return sorted({int(p) for p in re.findall(r"pid=(\d+)", out)})

    def close(self):
        self.s.close()


def rss_kb(pid):
    """VmRSS of a process in kB, or 0 when it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for ln in f:
                if ln.startswith("VmRSS:"):
                    return int(ln.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


class RssWatch:
    """Samples the RSS of the processes serving a connection, from the
    moment it is created until stop(); peak is the largest sum seen."""

    def __init__(self, conn):
        self.pids = conn.pids()
        assert self.pids, "no server process found for the connection"
        self.peak = 0
        self.running = True
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        while self.running:
            self.peak = max(self.peak, sum(rss_kb(p) for p in self.pids))
            time.sleep(0.005)

    def stop(self):
        self.running = False
        self.t.join()
        self.peak = max(self.peak, sum(rss_kb(p) for p in self.pids))
        return self.peak

    def check(self):
        peak = self.stop()
        print("session RSS peak: %d kB" % peak)
        assert 0 < peak < RSS_BOUND_KB, "session RSS %d kB" % peak
        return peak


class NormalSmtp:
    """A well-behaved SMTP session, opened before the hostile one and
    finished after it."""

    def __init__(self, inst):
        self.c = smtplib.SMTP("127.0.0.1", inst.port("smtp"), timeout=30,
                              source_address=(REMOTE, 0))
        self.c.ehlo("good.example.org")

    def finish(self):
        c = self.c
        assert c.mail("friend@remote.example")[0] == 250
        assert c.rcpt(USER)[0] == 250
        code, text = c.data(b"Subject: fine\r\n\r\nstill working\r\n")
        assert code == 250, text
        c.quit()


class NormalPop:
    def __init__(self, inst):
        self.c = poplib.POP3("127.0.0.1", inst.port("pop3"), timeout=30)
        self.c.user(OTHER)
        self.c.pass_(PASSWORD)

    def finish(self):
        assert self.c.stat()[0] >= 0
        assert self.c.noop().startswith(b"+OK")
        self.c.quit()


class NormalImap:
    def __init__(self, inst):
        self.c = imaplib.IMAP4("127.0.0.1", inst.port("imap"))
        self.c.login(USER, PASSWORD)
        assert self.c.select("INBOX")[0] == "OK"

    def finish(self):
        assert self.c.noop()[0] == "OK"
        assert self.c.search(None, "ALL")[0] == "OK"
        self.c.logout()


def imap_login(inst):
    c = Conn(inst.port("imap"))
    c.send("l1 LOGIN %s %s\r\n" % (USER, PASSWORD))
    while True:
        ln = c.line()
        assert ln, "closed during login"
        if ln.startswith(b"l1 "):
            assert ln.startswith(b"l1 OK"), ln
            return c


def imap_until(c, tag):
    """Untagged lines up to the tagged reply; returns (lines, tagged)."""
    out = []
    while True:
        ln = c.line()
        assert ln, "connection closed; got %r" % out[-3:]
        if ln.startswith(tag.encode() + b" "):
            return out, ln
        out.append(ln)


# --------------------------------------------------------------------------
# SMTP


def test_smtp_megabyte_line_without_newline(inst):
    good = NormalSmtp(inst)
    c = Conn(inst.port("smtp"), REMOTE)
    w = RssWatch(c)
    c.send_lenient(b"NOOP " + b"a" * MB)
    assert c.line() == (b"421 4.7.0 mx.gannet.test Error: too much data "
                        b"without line end\r\n")
    assert c.closed()
    w.check()
    # the same inside DATA: the line is refused, the session goes on
    c = Conn(inst.port("smtp"), REMOTE)
    w = RssWatch(c)
    c.send("EHLO x.example.org\r\nMAIL FROM:<a@remote.example>\r\n"
           "RCPT TO:<%s>\r\nDATA\r\n" % USER)
    while not c.line().startswith(b"354"):
        pass
    c.send(b"Subject: long\r\n\r\n" + b"z" * MB + b"\r\n.\r\n")
    assert c.line().startswith(b"500 5.5.2 Error: message line longer than")
    c.send("NOOP\r\n")
    assert c.line().startswith(b"250")
    w.check()
    c.close()
    good.finish()


def test_smtp_nul_and_invalid_utf8_in_commands(inst):
    good = NormalSmtp(inst)
    c = Conn(inst.port("smtp"), REMOTE)
    w = RssWatch(c)
    c.send(b"EHLO x.example.org\r\n")
    while c.line()[3:4] == b"-":
        pass
    c.send(b"NOOP\0x\r\nMAIL FROM:<a\0b@remote.example>\r\n"
           b"EHLO \xff\xfe\r\nMAIL FROM:<\xff\xfe@remote.example>\r\n"
           b"MAIL FROM:<\xc3\x28@remote.example> SMTPUTF8\r\n"
           b"MAIL FROM:<ok@remote.example>\r\n")
    assert c.lines(6) == [
        b"500 5.5.2 Error: bad character in command\r\n",
        b"500 5.5.2 Error: bad character in command\r\n",
        b"500 5.5.2 Error: bad UTF-8 syntax\r\n",
        b"500 5.5.2 Error: bad UTF-8 syntax\r\n",
        b"500 5.5.2 Error: bad UTF-8 syntax\r\n",
        b"250 2.1.0 Ok\r\n"]
    w.check()
    c.close()
    good.finish()


def test_smtp_nul_and_invalid_utf8_in_data_are_kept_whole(inst):
    """Message content is not a command: NUL and bytes that are not UTF-8
    are queued as they came, neither cut nor split. (Deliveries are
    suspended meanwhile, so that the message stays in the queue.)"""
    inst.gannet("queue", "suspend")
    try:
        c = smtplib.SMTP("127.0.0.1", inst.port("smtp"), timeout=30,
                         source_address=(REMOTE, 0))
        body = (b"Subject: odd \xff\xfe bytes\r\n\r\nnul\0here\r\n"
                b"latin1 \xe4\xf6\xfc\r\n")
        c.ehlo("x.example.org")
        c.mail("a@remote.example")
        c.rcpt(USER)
        code, text = c.data(body)
        c.quit()
        assert code == 250
        qid = re.search(rb"queued as (\w+)", text).group(1).decode()
        p = subprocess.run([GANNET, "-c", inst.dir, "queue", "show", "-m",
                            qid], capture_output=True, timeout=60)
        assert p.returncode == 0, p.stderr
        assert body in p.stdout
    finally:
        inst.gannet("queue", "resume")


def test_smtp_pipelined_thousands_of_recipients(inst):
    """3000 RCPTs in one write: the first smtpd_recipient_limit (1000)
    are taken, the rest get 452 4.5.3, and the message goes to the 1000."""
    good = NormalSmtp(inst)
    c = Conn(inst.port("smtp"))  # trusted: remote recipients are fine
    w = RssWatch(c)
    c.send("EHLO x.example.org\r\n")
    while c.line()[3:4] == b"-":
        pass
    c.send(b"MAIL FROM:<a@remote.example>\r\n" + b"".join(
        b"RCPT TO:<x%d@remote.example>\r\n" % i for i in range(3000)))
    replies = c.lines(3001)
    assert replies[0].startswith(b"250")
    assert all(r == b"250 2.1.5 Ok\r\n" for r in replies[1:1001])
    assert all(r == b"452 4.5.3 Error: too many recipients\r\n"
               for r in replies[1001:])
    c.send("DATA\r\n")
    assert c.line().startswith(b"354")
    c.send("Subject: many\r\n\r\nhello\r\n.\r\n")
    assert c.line().startswith(b"250 2.0.0 Ok: queued as")
    w.check()
    c.send("QUIT\r\n")
    assert c.line().startswith(b"221")
    good.finish()


def test_smtp_commands_before_the_greeting(inst):
    """A client that talks before the banner gets the banner first, then
    its replies in order (the session stays in step)."""
    c = Conn(inst.port("smtp"), REMOTE, read_greeting=False)
    c.send("EHLO early.example.org\r\nNOOP\r\nQUIT\r\n")
    assert c.line().startswith(b"220 mx.gannet.test")
    ln = c.line()
    while ln[3:4] == b"-":
        ln = c.line()
    assert ln.startswith(b"250 ")
    assert c.line() == b"250 2.0.0 Ok\r\n"
    assert c.line().startswith(b"221")
    assert c.closed()


def test_smtp_auth_malformed_base64(inst):
    good = NormalSmtp(inst)
    c = Conn(inst.port("smtp"))  # loopback: AUTH without TLS
    w = RssWatch(c)
    c.send("EHLO x.example.org\r\n")
    while c.line()[3:4] == b"-":
        pass
    c.send("AUTH PLAIN !!!notbase64\r\nAUTH PLAIN ====\r\n")
    assert c.lines(2) == [b"501 5.5.2 Cannot decode response\r\n"] * 2
    c.send("AUTH LOGIN\r\n")
    assert c.line() == b"334 VXNlcm5hbWU6\r\n"
    c.send("***\r\n")
    assert c.line() == b"501 5.5.2 Cannot decode response\r\n"
    # decodes, but is no PLAIN message (no NULs)
    c.send("AUTH PLAIN %s\r\n" % base64.b64encode(b"justonefield").decode())
    assert c.line().startswith(b"5")
    # a response larger than any line
    c.send_lenient(b"AUTH PLAIN " + b"A" * 200000 + b"\r\n")
    assert c.line().startswith(b"421 4.7.0")
    assert c.closed()
    w.check()
    good.finish()


def test_smtp_huge_header_count(inst):
    """100 000 header lines (1.2 MB, under message_size_limit): queued
    whole with bounded memory, never split into header and body
    elsewhere than at the blank line."""
    good = NormalSmtp(inst)
    c = Conn(inst.port("smtp"), REMOTE)
    w = RssWatch(c)
    c.send("EHLO x.example.org\r\nMAIL FROM:<a@remote.example>\r\n"
           "RCPT TO:<%s>\r\nDATA\r\n" % USER)
    while not c.line().startswith(b"354"):
        pass
    c.send(b"".join(b"X-H%d: v\r\n" % i for i in range(100000))
           + b"Subject: headers\r\n\r\nbody\r\n.\r\n")
    reply = c.line()
    assert reply.startswith(b"250 2.0.0 Ok: queued") or reply.startswith(
        b"552 5.3.4"), reply
    w.check()
    c.close()
    good.finish()


def nested_mime(levels):
    body = b"leaf\r\n"
    for i in range(levels):
        b = b"b%d" % i
        body = (b'Content-Type: multipart/mixed; boundary="%s"\r\n\r\n'
                b"--%s\r\n%s\r\n--%s--\r\n" % (b, b, body, b))
    return b"Subject: nested\r\nMIME-Version: 1.0\r\n" + body


def test_smtp_deeply_nested_mime(inst):
    good = NormalSmtp(inst)
    c = Conn(inst.port("smtp"), REMOTE)
    w = RssWatch(c)
    c.send("EHLO x.example.org\r\nMAIL FROM:<a@remote.example>\r\n"
           "RCPT TO:<%s>\r\nDATA\r\n" % USER)
    while not c.line().startswith(b"354"):
        pass
    c.send(nested_mime(1000) + b".\r\n")
    assert c.line().startswith(b"250 2.0.0 Ok: queued")
    w.check()
    c.close()
    good.finish()


def test_smtp_slow_drip_meets_the_session_limit(inst):
    """One byte at a time, each within smtpd_timeout: the session time
    limit ends it; a normal session alongside is served."""
    s = Smtpd(inst, free_port(), ["smtpd_session_time_limit=10s",
                                  "mynetworks=127.0.0.1/32"])
    try:
        c = Conn(s.port)
        w = RssWatch(c)
        other = smtplib.SMTP("127.0.0.1", s.port, timeout=30)
        got = b""
        c.s.settimeout(0.3)
        end = time.time() + 30
        for b in (b"NOOP " + b"x" * 200) * 20:
            if not c.send_lenient(bytes([b])):
                break
            try:
                got += c.s.recv(1000)
                if got:
                    break
            except socket.timeout:
                pass
            assert time.time() < end
        c.s.settimeout(10)
        while b"\n" not in got:
            chunk = c.s.recv(1000)
            assert chunk, got
            got += chunk
        assert got.startswith(b"421 4.4.2 mx.gannet.test Error: timeout")
        w.check()
        # the other session is served (one smtpd serves one session at a
        # time; under the master each has its own process)
        assert other.noop()[0] == 250
        other.quit()
    finally:
        s.stop()


# --------------------------------------------------------------------------
# POP3


def test_pop3_megabyte_line_without_newline(inst):
    good = NormalPop(inst)
    c = Conn(inst.port("pop3"))
    w = RssWatch(c)
    c.send_lenient(b"USER " + b"a" * MB)
    assert c.line() == b"-ERR Line too long, closing connection\r\n"
    assert c.closed()
    w.check()
    good.finish()


def test_pop3_bare_cr_lf_utf8_and_commands_before_greeting(inst):
    good = NormalPop(inst)
    c = Conn(inst.port("pop3"), read_greeting=False)
    w = RssWatch(c)
    # before the greeting; a bare CR does not end a command, so
    # "USER x\rPASS y" is one (bad) command, never two
    c.send(b"CAPA\r\nUSER %s\rPASS %s\r\nUSER \xff\xfe@%s\r\n"
           b"PASS x\r\n" % (USER.encode(), PASSWORD.encode(),
                            DOMAIN.encode()))
    assert c.line().startswith(b"+OK")  # the greeting comes first
    ln = c.line()
    assert ln.startswith(b"+OK")
    while c.line() != b".\r\n":
        pass
    assert c.line() == b"-ERR Invalid characters in command\r\n"
    assert c.line().startswith(b"+OK")  # USER is not checked yet
    assert c.line().startswith(b"-ERR [AUTH]")
    # a bare LF ends a line, as it does for Dovecot (RFC 1939 clients
    # differ); it cannot smuggle anything, there is no data phase
    c.send(b"NOOP\nQUIT\r\n")
    assert c.line() == b"-ERR Not logged in\r\n"
    assert c.line().startswith(b"+OK")
    assert c.closed()
    w.check()
    good.finish()


def test_pop3_auth_malformed_base64(inst):
    c = Conn(inst.port("pop3"))
    w = RssWatch(c)
    c.send("AUTH PLAIN !!!notbase64\r\nAUTH PLAIN ====\r\nAUTH PLAIN\r\n")
    assert c.line().startswith(b"-ERR")
    assert c.line().startswith(b"-ERR")
    assert c.line().startswith(b"+ ")
    c.send("***\r\n")
    assert c.line().startswith(b"-ERR")
    c.send("AUTH PLAIN %s\r\n" % base64.b64encode(b"onefield").decode())
    assert c.line().startswith(b"-ERR")
    w.check()
    c.close()


def test_pop3_pipelining_past_limits(inst):
    """10 000 commands in one write, the replies read as they come: all
    answered in order, with bounded memory."""
    good = NormalPop(inst)
    c = Conn(inst.port("pop3"))
    c.send("USER %s\r\nPASS %s\r\n" % (USER, PASSWORD))
    c.lines(2)
    w = RssWatch(c)
    n = 10000
    t = threading.Thread(target=c.send, args=(b"STAT\r\n" * n,))
    t.start()
    got = [c.line() for _ in range(n)]
    t.join()
    bad = [g for g in got if not g.startswith(b"+OK")]
    assert not bad, (len(bad), bad[:3])
    c.send("QUIT\r\n")
    assert c.line().startswith(b"+OK")
    w.check()
    good.finish()


# --------------------------------------------------------------------------
# IMAP


def test_imap_megabyte_line_without_newline(inst):
    good = NormalImap(inst)
    c = Conn(inst.port("imap"))
    w = RssWatch(c)
    c.send_lenient(b"a " + b"a" * MB)
    assert c.line() == b"* BYE Command line too long\r\n"
    assert c.closed()
    w.check()
    # and after login
    c = imap_login(inst)
    w = RssWatch(c)
    c.send_lenient(b"a SELECT " + b"a" * MB)
    assert c.line().startswith(b"* BYE")
    assert c.closed()
    w.check()
    good.finish()


def test_imap_literals_announcing_gigabytes(inst):
    good = NormalImap(inst)
    c = Conn(inst.port("imap"))
    w = RssWatch(c)
    # synchronizing: refused, no "+", the session goes on
    c.send("a LOGIN {4294967296}\r\n")
    assert c.line() == b"a BAD Literal too large\r\n"
    c.send("b LOGIN {99999999999999999999999}\r\n")
    assert c.line().startswith(b"b BAD")
    c.send("c NOOP\r\n")
    assert c.line().startswith(b"c OK")
    # non-synchronizing (LITERAL+): the bytes are on their way, hang up
    c.send("d LOGIN {5000000000+}\r\n")
    assert c.line() == b"* BYE Literal too large\r\n"
    assert c.closed()
    w.check()
    # APPEND after login
    c = imap_login(inst)
    w = RssWatch(c)
    c.send("a APPEND INBOX {5000000000}\r\n")
    assert c.line() == b"a NO [TOOBIG] Message too large\r\n"
    c.send("b NOOP\r\n")
    assert c.line().startswith(b"b OK")
    c.send("c APPEND INBOX (\\Seen) {4294967295+}\r\nxyz")
    assert c.line() == b"* BYE Literal too large\r\n"
    assert c.closed()
    w.check()
    good.finish()


def test_imap_nul_bare_cr_utf8_and_early_commands(inst):
    good = NormalImap(inst)
    c = Conn(inst.port("imap"), read_greeting=False)
    w = RssWatch(c)
    c.send(b"a NOOP\0x\r\nb NOOP\re NOOP\r\nc NOOP\r\n")
    assert c.line().startswith(b"* OK [CAPABILITY")  # greeting first
    assert c.line().startswith(b"a BAD")
    assert c.line().startswith(b"b BAD")  # one command, not two
    assert c.line().startswith(b"c OK")
    c.send("l LOGIN %s %s\r\n" % (USER, PASSWORD))
    assert c.line().startswith(b"l OK")
    c.send(b'd CREATE "\xff\xfe"\r\ne SELECT "\xc3\x28"\r\n'
           b"f SELECT INBOX\0\r\n")
    assert c.line() == b"d NO Mailbox name is not valid modified UTF-7\r\n"
    assert c.line() == b"e NO Mailbox name is not valid modified UTF-7\r\n"
    assert c.line().startswith(b"f BAD")
    w.check()
    c.close()
    good.finish()


def test_imap_authenticate_malformed_base64(inst):
    c = Conn(inst.port("imap"))
    w = RssWatch(c)
    c.send("a AUTHENTICATE PLAIN !!!notbase64\r\n")
    assert c.line().startswith(b"a BAD")
    c.send("b AUTHENTICATE PLAIN\r\n")
    assert c.line().startswith(b"+")
    c.send("***\r\n")
    assert c.line().startswith(b"b BAD")
    c.send("c AUTHENTICATE PLAIN %s\r\n"
           % base64.b64encode(b"onefield").decode())
    assert c.line().startswith(b"c ")
    assert not c.buf.startswith(b"c OK")
    w.check()
    c.close()


def test_imap_starttls_injection(inst):
    """A command pipelined behind STARTTLS is discarded, never run inside
    the TLS session."""
    c = Conn(inst.port("imap"))
    c.send("a STARTTLS\r\nb LOGIN %s %s\r\n" % (USER, PASSWORD))
    assert c.line().startswith(b"a OK")
    tls = tls_ctx().wrap_socket(c.s)
    tls.sendall(b"c NOOP\r\n")
    f = tls.makefile("rb")
    assert f.readline().startswith(b"c OK")
    tls.sendall(b"d SELECT INBOX\r\n")
    assert f.readline().startswith(b"d BAD")  # not logged in
    tls.close()


def append(c, tag, msg):
    c.send("%s APPEND INBOX {%d+}\r\n" % (tag, len(msg)))
    c.send(msg + b"\r\n")
    lines, t = imap_until(c, tag)
    assert t.startswith(tag.encode() + b" OK"), t
    m = re.search(rb"APPENDUID \d+ (\d+)", t)
    return int(m.group(1))


def test_imap_deeply_nested_mime_bodystructure(inst):
    good = NormalImap(inst)
    c = imap_login(inst)
    w = RssWatch(c)
    uid = append(c, "a", nested_mime(1000))
    c.send("b SELECT INBOX\r\n")
    imap_until(c, "b")
    c.send("c UID FETCH %d (BODYSTRUCTURE BODY ENVELOPE)\r\n" % uid)
    lines, t = imap_until(c, "c")
    assert t.startswith(b"c OK"), t
    text = b"".join(lines)
    assert b"BODYSTRUCTURE" in text
    # the structure is cut at the depth limit, not nested 1000 times
    assert text.count(b"(") < 2000
    c.send("d UID FETCH %d (BODY[1.1.1.1] BINARY.SIZE[1])\r\n" % uid)
    lines, t = imap_until(c, "d")
    assert t.startswith(b"d OK") or t.startswith(b"d NO"), t
    c.send("e UID STORE %d +FLAGS.SILENT (\\Deleted)\r\ne2 EXPUNGE\r\n"
           % uid)
    imap_until(c, "e2")
    w.check()
    c.close()
    good.finish()


def test_imap_huge_header_count(inst):
    good = NormalImap(inst)
    c = imap_login(inst)
    w = RssWatch(c)
    msg = (b"Subject: many headers\r\n"
           + b"".join(b"X-H%d: v\r\n" % i for i in range(100000))
           + b"\r\nbody\r\n")
    uid = append(c, "a", msg)
    c.send("b SELECT INBOX\r\n")
    imap_until(c, "b")
    c.send("c UID FETCH %d (ENVELOPE BODYSTRUCTURE "
           "BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\n" % uid)
    lines, t = imap_until(c, "c")
    assert t.startswith(b"c OK"), t
    assert b"many headers" in b"".join(lines)
    c.send('d UID SEARCH HEADER X-H99999 "v"\r\n')
    lines, t = imap_until(c, "d")
    assert t.startswith(b"d OK"), t
    c.send("e UID STORE %d +FLAGS.SILENT (\\Deleted)\r\ne2 EXPUNGE\r\n"
           % uid)
    imap_until(c, "e2")
    w.check()
    c.close()
    good.finish()


def test_imap_slow_drip_before_login(inst):
    """One byte every half second: the login phase has a deadline
    (5 x imapd_login_timeout) however steadily the bytes come."""
    good = NormalImap(inst)
    c = Conn(inst.port("imap"))
    w = RssWatch(c)
    c.s.settimeout(0.5)
    got = b""
    end = time.time() + 60
    for b in (b"a NOOP" + b" " * 200) * 5:
        if not c.send_lenient(bytes([b])):
            break
        try:
            got += c.s.recv(1000)
            if got:
                break
        except socket.timeout:
            pass
        except ConnectionResetError:
            break
        assert time.time() < end
    c.s.settimeout(10)
    c.buf = got
    assert c.line() == b"* BYE Login timed out\r\n"
    w.check()
    good.finish()


def test_imap_pipelining_past_limits(inst):
    good = NormalImap(inst)
    c = imap_login(inst)
    w = RssWatch(c)
    n = 5000
    t = threading.Thread(target=c.send, args=(b"".join(
        b"n%d NOOP\r\n" % i for i in range(n)),))
    t.start()
    for i in range(n):
        imap_until(c, "n%d" % i)
    t.join()
    w.check()
    c.close()
    good.finish()
