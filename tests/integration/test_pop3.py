"""pop3d, driven by the master, with python's poplib, curl and fetchmail:
every command, the mailbox after QUIT, UIDL across restarts, TLS (STLS
and pop3s), the refusal of cleartext passwords from a remote address, one
session per mailbox, messages changed by another process during a
session, limits, bans, and a mailbox of 1000 messages retrieved whole.

Messages are put into the Maildir the way a delivery agent does it (a
file in tmp/, renamed into new/), owned by the mail store's user.
"""
import base64
import os
import poplib
import pwd
import re
import shutil
import socket
import ssl
import subprocess
import time

import pytest

from conftest import run

USER = "joe@example.com"
PASSWORD = "joe-secret"

MSG_PLAIN = (b"From: ann@example.org\nTo: joe@example.com\n"
             b"Subject: plain\n\nHello Joe,\nsee you.\n")
MSG_DOTS = (b"From: ann@example.org\nSubject: dots\n\nfirst\n.leading dot\n"
            b"..two dots\n.\nlast\n")
MSG_8BIT = (b"From: ann@example.org\nSubject: 8bit\n"
            b"Content-Type: text/plain; charset=iso-8859-1\n"
            b"Content-Transfer-Encoding: 8bit\n\n"
            b"Gr\xfc\xdfe aus K\xf6ln \xe4\xf6\xfc \xff\x80\n")


# ---------------------------------------------------------------------------
# Helpers

def wire(msg):
    """What the client receives, before stuffing: CRLF line ends."""
    return msg.replace(b"\n", b"\r\n")


def maildir(inst, user=USER):
    local, domain = user.split("@")
    return inst.path("mail", domain, local)


class Store:
    """Writes messages into an account's Maildir as a delivery agent."""

    def __init__(self, inst):
        self.inst = inst
        self.n = 0
        self.owner = None
        if os.getuid() == 0:
            name = inst.gannet("conf", "vmail_owner").stdout.split("=")[1]
            pw = pwd.getpwnam(name.strip())
            self.owner = (pw.pw_uid, pw.pw_gid)

    def _own(self, path):
        if self.owner:
            os.chown(path, *self.owner)

    def dirs(self, user=USER):
        root = maildir(self.inst, user)
        for p in [os.path.dirname(root), root] + [
                os.path.join(root, s) for s in ("tmp", "new", "cur")]:
            if not os.path.isdir(p):
                os.mkdir(p, 0o700)
                self._own(p)
        return root

    def deliver(self, msg, user=USER, sizes=True, when=None):
        """One message into new/; returns its file name."""
        root = self.dirs(user)
        self.n += 1
        sec = int(when if when is not None else time.time())
        base = "%d.M%06dP%dQ%d.mx.gannet.test" % (sec, self.n, os.getpid(),
                                                  self.n)
        if sizes:
            base += ",S=%d,W=%d" % (len(msg), len(msg) + msg.count(b"\n"))
        tmp = os.path.join(root, "tmp", base)
        with open(tmp, "wb") as f:
            f.write(msg)
        self._own(tmp)
        os.rename(tmp, os.path.join(root, "new", base))
        return base

    def files(self, user=USER):
        root = maildir(self.inst, user)
        out = {}
        for sub in ("new", "cur"):
            d = os.path.join(root, sub)
            if os.path.isdir(d):
                for n in os.listdir(d):
                    out[sub + "/" + n] = open(os.path.join(d, n), "rb").read()
        return out


def add_user(inst, address, password):
    inst.gannet("user", "add", address, "--password-stdin",
                input=password + "\n")


def start(inst):
    p = inst.gannet("start")
    inst.started = True
    assert "started the mail system" in p.stdout
    # Wait until the auth service answers a login.
    end = time.time() + 15
    while time.time() < end:
        try:
            c = poplib.POP3("127.0.0.1", inst.port("pop3"), timeout=10)
            try:
                c.user(USER)
                c.pass_(PASSWORD)
                c.quit()
                return
            except poplib.error_proto:
                c.close()
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError("no POP3 login; log:\n" + inst.log()[-3000:])


def restart(inst):
    inst.gannet("stop")
    inst.started = False
    start(inst)


class SourcePOP3(poplib.POP3):
    """poplib from a chosen source address (127.0.0.2 is "remote")."""

    def __init__(self, host, port, source, timeout=10):
        self._source = source
        super().__init__(host, port, timeout=timeout)

    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout,
                                        source_address=(self._source, 0))


def wait_re(inst, pattern, timeout=10):
    """Wait until the log matches pattern; return the match."""
    end = time.time() + timeout
    while time.time() < end:
        m = re.search(pattern, inst.log())
        if m:
            return m
        time.sleep(0.05)
    raise AssertionError("log never matched %r; log:\n%s"
                         % (pattern, inst.log()[-3000:]))


def login(inst, user=USER, password=PASSWORD):
    c = poplib.POP3("127.0.0.1", inst.port("pop3"), timeout=10)
    c.user(user)
    c.pass_(password)
    return c


def client_ctx():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def auth_plain(c, user, password, authzid=""):
    raw = ("%s\0%s\0%s" % (authzid, user, password)).encode()
    return c._shortcmd("AUTH PLAIN " + base64.b64encode(raw).decode())


class Raw:
    """A POP3 connection at the byte level."""

    def __init__(self, port, source=None):
        self.s = socket.create_connection(
            ("127.0.0.1", port), 10,
            source_address=(source, 0) if source else None)
        self.f = self.s.makefile("rb")

    def line(self):
        return self.f.readline()

    def send(self, data):
        self.s.sendall(data)

    def multi(self):
        """Lines of a multi-line response, up to and without ".\\r\\n"."""
        out = []
        while True:
            l = self.f.readline()
            assert l, "connection closed inside a multi-line response"
            if l == b".\r\n":
                return out
            out.append(l)

    def close(self):
        self.f.close()
        self.s.close()


@pytest.fixture
def pop(instance):
    """An instance with joe and ann, started, and their Maildirs."""
    inst = instance
    inst.gannet("conf", "set", "auth_default_realm=example.com")
    inst.gannet("domain", "add", "example.com")
    add_user(inst, USER, PASSWORD)
    add_user(inst, "ann@example.com", "ann-secret")
    start(inst)
    inst.store = Store(inst)
    inst.store.dirs(USER)
    inst.store.dirs("ann@example.com")
    return inst


# ---------------------------------------------------------------------------
# RFC 1939, command by command

def test_every_command(pop):
    st = pop.store
    names = [st.deliver(m) for m in (MSG_PLAIN, MSG_DOTS, MSG_8BIT)]
    sizes = [len(wire(m)) for m in (MSG_PLAIN, MSG_DOTS, MSG_8BIT)]
    c = poplib.POP3("127.0.0.1", pop.port("pop3"), timeout=10)
    assert c.getwelcome() == b"+OK mx.gannet.test POP3 server ready"
    capa = c.capa()
    for cap in ("TOP", "UIDL", "USER", "RESP-CODES", "AUTH-RESP-CODE",
                "PIPELINING", "STLS"):
        assert cap in capa, cap
    assert capa["SASL"] == ["PLAIN"]
    assert capa["IMPLEMENTATION"] == ["Gannet"]
    assert c.user(USER).startswith(b"+OK")
    assert c.pass_(PASSWORD) == b"+OK Logged in"
    assert c.stat() == (3, sum(sizes))
    resp, lines, _ = c.list()
    assert resp == b"+OK 3 messages (%d octets)" % sum(sizes)
    assert lines == [b"%d %d" % (i + 1, s) for i, s in enumerate(sizes)]
    assert c.list(2) == b"+OK 2 %d" % sizes[1]
    resp, lines, _ = c.uidl()
    uidls = [l.split()[1] for l in lines]
    assert uidls == [n.split(",")[0].encode() for n in names]
    assert c.uidl(3) == b"+OK 3 " + uidls[2]
    for i, m in enumerate((MSG_PLAIN, MSG_DOTS, MSG_8BIT)):
        resp, lines, octets = c.retr(i + 1)
        assert resp == b"+OK %d octets" % sizes[i]
        # poplib removes the stuffing and the line ends
        assert b"\n".join(lines) + b"\n" == m
    assert c.noop() == b"+OK"
    assert c.dele(1).startswith(b"+OK")
    assert c.stat() == (2, sizes[1] + sizes[2])
    with pytest.raises(poplib.error_proto, match="deleted"):
        c.retr(1)
    with pytest.raises(poplib.error_proto, match="No such message"):
        c.retr(4)
    assert c.rset().startswith(b"+OK")
    assert c.stat() == (3, sum(sizes))
    assert c.quit().startswith(b"+OK")
    # RETR marked every message \Seen: now in cur/ with the S flag.
    files = st.files()
    assert sorted(files) == sorted("cur/%s:2,S" % n for n in names)
    wait_re(pop, r"logout: user=<joe@example.com>, rip=127\.0\.0\.1, "
            r"top=0/0, retr=3/\d+, del=0/3, size=%d" % sum(sizes))


def test_dele_then_rset_keeps_everything(pop):
    st = pop.store
    for i in range(3):
        st.deliver(MSG_PLAIN)
    c = login(pop)
    c.dele(1)
    c.dele(3)
    c.rset()
    c.quit()
    assert len(st.files()) == 3
    c = login(pop)
    assert c.stat()[0] == 3
    c.quit()


def test_dele_then_quit_removes(pop):
    st = pop.store
    names = [st.deliver(MSG_PLAIN + b"%d\n" % i) for i in range(3)]
    c = login(pop)
    c.dele(2)
    assert c.quit().startswith(b"+OK")
    assert sorted(st.files()) == sorted(["new/" + names[0],
                                         "new/" + names[2]])
    pop.wait_log("del=1/3")


def test_dele_without_quit_removes_nothing(pop):
    st = pop.store
    st.deliver(MSG_PLAIN)
    c = login(pop)
    c.dele(1)
    c.close()  # no QUIT: no UPDATE state
    pop.wait_log("disconnected: user=<joe@example.com>")
    assert len(st.files()) == 1


def test_top_with_0_and_n_lines(pop):
    msg = (b"From: a@example.org\nSubject: top\n\nline 1\nline 2\n.line 3\n"
           b"line 4\n")
    pop.store.deliver(msg)
    r = Raw(pop.port("pop3"))
    r.line()
    r.send(b"USER %s\r\nPASS %s\r\nTOP 1 0\r\nTOP 1 3\r\nTOP 1 100\r\n"
           b"QUIT\r\n" % (USER.encode(), PASSWORD.encode()))
    assert r.line().startswith(b"+OK")
    assert r.line() == b"+OK Logged in\r\n"
    assert r.line().startswith(b"+OK")
    assert b"".join(r.multi()) == b"From: a@example.org\r\nSubject: top\r\n\r\n"
    assert r.line().startswith(b"+OK")
    assert b"".join(r.multi()) == (b"From: a@example.org\r\nSubject: top\r\n"
                                   b"\r\nline 1\r\nline 2\r\n..line 3\r\n")
    assert r.line().startswith(b"+OK")
    assert b"".join(r.multi()) == wire(msg).replace(b"\n.", b"\n..")
    assert r.line().startswith(b"+OK")
    r.close()
    # TOP does not mark a message as read.
    assert list(pop.store.files())[0].startswith("new/")


def test_dot_stuffed_lines_on_the_wire(pop):
    pop.store.deliver(MSG_DOTS)
    r = Raw(pop.port("pop3"))
    r.line()
    r.send(b"USER %s\r\nPASS %s\r\nRETR 1\r\nQUIT\r\n"
           % (USER.encode(), PASSWORD.encode()))
    r.line()
    r.line()
    assert r.line() == b"+OK %d octets\r\n" % len(wire(MSG_DOTS))
    body = b"".join(r.multi())
    assert body == (b"From: ann@example.org\r\nSubject: dots\r\n\r\nfirst\r\n"
                    b"..leading dot\r\n...two dots\r\n..\r\nlast\r\n")
    assert r.line() == b"+OK Logging out\r\n"
    r.close()


def test_8bit_body_passes_unchanged(pop):
    pop.store.deliver(MSG_8BIT)
    c = login(pop)
    resp, lines, octets = c.retr(1)
    assert b"\r\n".join(lines) + b"\r\n" == wire(MSG_8BIT)
    c.quit()


def test_sizes_of_messages_without_recorded_size(pop):
    """A file from another program: no S=/W=, CRLF line ends."""
    msg = b"From: x@example.org\r\nSubject: crlf\r\n\r\nbody\r\n.dot\r\n"
    pop.store.deliver(msg, sizes=False)
    c = login(pop)
    assert c.list(1) == b"+OK 1 %d" % len(msg)
    resp, lines, _ = c.retr(1)
    assert resp == b"+OK %d octets" % len(msg)
    assert b"\r\n".join(lines) + b"\r\n" == msg
    c.quit()


def test_login_name_forms(pop):
    for name in ("joe@example.com", "joe%example.com", "joe#example.com",
                 "joe", "JOE@Example.COM"):
        c = login(pop, name)
        c.quit()
    log = pop.log()
    assert log.count("login: user=<joe@example.com>, method=USER") >= 5


def test_auth_plain(pop):
    pop.store.deliver(MSG_PLAIN)
    c = poplib.POP3("127.0.0.1", pop.port("pop3"), timeout=10)
    assert auth_plain(c, USER, PASSWORD) == b"+OK Logged in"
    assert c.stat()[0] == 1
    c.quit()
    assert "method=PLAIN" in pop.wait_log("method=PLAIN")
    # The continuation form, and a cancellation.
    r = Raw(pop.port("pop3"))
    r.line()
    r.send(b"AUTH PLAIN\r\n")
    assert r.line() == b"+ \r\n"
    r.send(b"*\r\n")
    assert r.line().startswith(b"-ERR")
    r.send(b"AUTH PLAIN\r\n")
    assert r.line() == b"+ \r\n"
    r.send(base64.b64encode(b"\0" + USER.encode() + b"\0" +
                            PASSWORD.encode()) + b"\r\n")
    assert r.line() == b"+OK Logged in\r\n"
    r.send(b"QUIT\r\n")
    r.line()
    r.close()


def test_wrong_password_gets_auth_code(pop):
    c = poplib.POP3("127.0.0.1", pop.port("pop3"), timeout=10)
    c.user(USER)
    with pytest.raises(poplib.error_proto,
                       match=r"-ERR \[AUTH\] Authentication failed"):
        c.pass_("wrong")
    c.user("nobody@example.com")
    with pytest.raises(poplib.error_proto,
                       match=r"-ERR \[AUTH\] Authentication failed"):
        c.pass_("wrong")
    c.quit()
    log = pop.log()
    assert "login failed: user=<joe@example.com>, method=USER" in log
    assert "wrong" not in "".join(
        l for l in log.splitlines() if "pop3d" in l)


def test_pipelining(pop):
    for i in range(5):
        pop.store.deliver(MSG_PLAIN)
    r = Raw(pop.port("pop3"))
    r.line()
    cmds = [b"USER " + USER.encode(), b"PASS " + PASSWORD.encode(), b"STAT"]
    cmds += [b"RETR %d" % i for i in range(1, 6)]
    cmds += [b"NOOP", b"QUIT"]
    r.send(b"".join(c + b"\r\n" for c in cmds))
    assert r.line().startswith(b"+OK")
    assert r.line() == b"+OK Logged in\r\n"
    assert r.line() == b"+OK 5 %d\r\n" % (5 * len(wire(MSG_PLAIN)))
    for i in range(5):
        assert r.line().startswith(b"+OK")
        assert b"".join(r.multi()) == wire(MSG_PLAIN)
    assert r.line() == b"+OK\r\n"
    assert r.line() == b"+OK Logging out\r\n"
    r.close()


# ---------------------------------------------------------------------------
# UIDL

def test_uidl_stable_across_restart_and_flag_changes(pop):
    st = pop.store
    names = [st.deliver(MSG_PLAIN + b"%d\n" % i) for i in range(4)]
    c = login(pop)
    first = c.uidl()[1]
    c.quit()
    assert len(set(first)) == 4
    restart(pop)
    c = login(pop)
    assert c.uidl()[1] == first
    c.retr(2)  # gets \Seen at QUIT: moves to cur/
    c.quit()
    # An IMAP client flags another one meanwhile.
    root = maildir(pop)
    os.rename(os.path.join(root, "new", names[3]),
              os.path.join(root, "cur", names[3] + ":2,FS"))
    restart(pop)
    c = login(pop)
    assert c.uidl()[1] == first
    c.quit()


def test_uidl_unique_per_mailbox(pop):
    # Two messages delivered in the same second, and a foreign file name.
    st = pop.store
    now = time.time()
    for i in range(20):
        st.deliver(MSG_PLAIN, when=now)
    root = maildir(pop)
    with open(os.path.join(root, "new", "a name with spaces"), "wb") as f:
        f.write(MSG_PLAIN)
    if st.owner:
        os.chown(os.path.join(root, "new", "a name with spaces"), *st.owner)
    c = login(pop)
    lines = c.uidl()[1]
    ids = [l.split()[1] for l in lines]
    assert len(ids) == 21 and len(set(ids)) == 21
    for u in ids:
        assert 1 <= len(u) <= 70
        assert all(0x21 <= b <= 0x7e for b in u)
    c.quit()


# ---------------------------------------------------------------------------
# TLS

def test_stls_then_auth(pop):
    pop.store.deliver(MSG_PLAIN)
    c = poplib.POP3("127.0.0.1", pop.port("pop3"), timeout=10)
    assert "STLS" in c.capa()
    c.stls(client_ctx())
    capa = c.capa()
    assert "STLS" not in capa and "USER" in capa
    assert auth_plain(c, USER, PASSWORD) == b"+OK Logged in"
    resp, lines, _ = c.retr(1)
    assert b"\n".join(lines) + b"\n" == MSG_PLAIN
    c.quit()
    pop.wait_log("TLS connection established")
    wait_re(pop, r"login: user=<joe@example.com>, method=PLAIN, "
            r"rip=127\.0\.0\.1, lip=127\.0\.0\.1, TLS")


def test_stls_discards_pipelined_commands(pop):
    r = Raw(pop.port("pop3"))
    r.line()
    # CAPA sent with STLS, before the handshake, must never be answered.
    r.send(b"STLS\r\nCAPA\r\n")
    assert r.line() == b"+OK Begin TLS negotiation\r\n"
    tls = client_ctx().wrap_socket(r.s, server_hostname="mx.gannet.test")
    tls.sendall(b"NOOP\r\n")
    f = tls.makefile("rb")
    # NOOP before login is an error; the stale CAPA gets no reply.
    assert f.readline() == b"-ERR Not logged in\r\n"
    tls.sendall(b"QUIT\r\n")
    assert f.readline() == b"+OK Logging out\r\n"
    tls.close()


def test_pop3s(pop):
    pop.store.deliver(MSG_8BIT)
    c = poplib.POP3_SSL("127.0.0.1", pop.port("pop3s"), timeout=10,
                        context=client_ctx())
    assert c.getwelcome().startswith(b"+OK")
    capa = c.capa()
    assert "STLS" not in capa and "USER" in capa
    c.user(USER)
    c.pass_(PASSWORD)
    resp, lines, _ = c.retr(1)
    assert b"\r\n".join(lines) + b"\r\n" == wire(MSG_8BIT)
    c.quit()


def test_tls_with_openssl_s_client(pop):
    p = subprocess.run(
        ["openssl", "s_client", "-connect", "127.0.0.1:%d" % pop.port("pop3"),
         "-starttls", "pop3", "-brief", "-ign_eof"],
        input="CAPA\r\nQUIT\r\n", capture_output=True, text=True, timeout=30)
    assert "Protocol version: TLSv1.3" in p.stderr
    assert "IMPLEMENTATION Gannet" in p.stdout
    p = subprocess.run(
        ["openssl", "s_client", "-connect",
         "127.0.0.1:%d" % pop.port("pop3s"), "-tls1_1"],
        input="", capture_output=True, text=True, timeout=30)
    assert p.returncode != 0  # TLS 1.1 is refused


def test_plaintext_refused_from_non_loopback(pop):
    """127.0.0.2 counts as remote once the policy says only 127.0.0.1 is
    safe: no password without TLS, and STLS opens the door."""
    pop.gannet("conf", "set", "pop3d_plaintext_auth_networks=127.0.0.1/32")
    restart(pop)
    c = SourcePOP3("127.0.0.1", pop.port("pop3"), "127.0.0.2")
    capa = c.capa()
    assert "USER" not in capa and "SASL" not in capa and "STLS" in capa
    with pytest.raises(poplib.error_proto,
                       match=r"-ERR \[AUTH\] Plaintext authentication "
                             r"disallowed"):
        c.user(USER)
    with pytest.raises(poplib.error_proto, match=r"-ERR \[AUTH\]"):
        auth_plain(c, USER, PASSWORD)
    c.stls(client_ctx())
    assert "USER" in c.capa()
    c.user(USER)
    assert c.pass_(PASSWORD) == b"+OK Logged in"
    c.quit()
    # 127.0.0.1 is still trusted without TLS.
    login(pop).quit()
    assert "login: user=<joe@example.com>, method=USER, rip=127.0.0.2, " \
        "lip=127.0.0.1, TLS" in pop.log()


# ---------------------------------------------------------------------------
# The mailbox during a session

def test_second_session_is_in_use(pop):
    pop.store.deliver(MSG_PLAIN)
    first = login(pop)
    c = poplib.POP3("127.0.0.1", pop.port("pop3"), timeout=10)
    c.user(USER)
    with pytest.raises(poplib.error_proto, match=r"-ERR \[IN-USE\]"):
        c.pass_(PASSWORD)
    # Another account is not affected.
    login(pop, "ann@example.com", "ann-secret").quit()
    first.quit()
    # Once the first session is over, the login works.
    c.user(USER)
    assert c.pass_(PASSWORD) == b"+OK Logged in"
    c.quit()
    assert "mailbox in use by another POP3 session" in pop.log()


def test_lock_is_released_when_a_session_dies(pop):
    first = login(pop)
    first.close()  # no QUIT
    end = time.time() + 10
    while True:
        try:
            login(pop).quit()
            break
        except poplib.error_proto:
            assert time.time() < end
            time.sleep(0.1)


def test_snapshot_mail_arriving_waits_for_next_session(pop):
    st = pop.store
    st.deliver(MSG_PLAIN)
    c = login(pop)
    assert c.stat()[0] == 1
    st.deliver(MSG_DOTS)
    assert c.stat()[0] == 1
    assert len(c.list()[1]) == 1
    c.dele(1)
    c.quit()
    c = login(pop)
    assert c.stat() == (1, len(wire(MSG_DOTS)))
    c.quit()


def test_message_removed_by_another_session(pop):
    st = pop.store
    names = [st.deliver(MSG_PLAIN + b"%d\n" % i) for i in range(3)]
    root = maildir(pop)
    c = login(pop)
    # IMAP expunges message 2 and flags message 3 meanwhile.
    os.unlink(os.path.join(root, "new", names[1]))
    os.rename(os.path.join(root, "new", names[2]),
              os.path.join(root, "cur", names[2] + ":2,RS"))
    with pytest.raises(poplib.error_proto, match="removed by another"):
        c.retr(2)
    resp, lines, _ = c.retr(3)
    assert b"\n".join(lines) + b"\n" == MSG_PLAIN + b"2\n"
    resp, lines, _ = c.retr(1)
    assert b"\n".join(lines) + b"\n" == MSG_PLAIN + b"0\n"
    c.dele(2)
    c.dele(3)
    assert c.quit().startswith(b"+OK")
    assert sorted(st.files()) == ["cur/" + names[0] + ":2,S"]
    assert "was removed by another session" in pop.log()


# ---------------------------------------------------------------------------
# Limits, bans, privileges

def test_idle_timeout(pop):
    pop.gannet("conf", "set", "pop3d_timeout=2s")
    restart(pop)
    pop.store.deliver(MSG_PLAIN)
    r = Raw(pop.port("pop3"))
    r.line()
    r.send(b"USER %s\r\nPASS %s\r\nDELE 1\r\n" % (USER.encode(),
                                                   PASSWORD.encode()))
    r.line()
    r.line()
    r.line()
    assert r.line() == b"-ERR Disconnected for inactivity\r\n"
    assert r.line() == b""
    r.close()
    assert len(pop.store.files()) == 1
    assert "reason=timeout" in pop.wait_log("reason=timeout")
    # A client that drips a line one byte at a time gets no more time
    # than an idle one: the whole line must come within pop3d_timeout.
    r = Raw(pop.port("pop3"))
    r.line()
    r.s.settimeout(1)
    try:
        for b in b"CAPA CAPA CAPA CAPA CAPA CAPA\r\n":
            r.send(bytes([b]))
            time.sleep(0.25)
    except OSError:
        pass
    r.s.settimeout(10)
    # Had the drip been allowed to finish, the reply would be CAPA's.
    assert r.line() == b"-ERR Disconnected for inactivity\r\n"
    r.close()


def test_bad_commands_and_long_lines(pop):
    pop.gannet("conf", "set", "pop3d_bad_command_limit=3")
    restart(pop)
    r = Raw(pop.port("pop3"))
    r.line()
    r.send(b"HELO x\r\nRETR 1\r\nXY\0ZY\r\nCAPA\r\n")
    assert r.line() == b"-ERR Unknown command\r\n"
    assert r.line() == b"-ERR Not logged in\r\n"
    assert r.line().startswith(b"-ERR Too many bad commands")  # the NUL
    assert r.line() == b""
    r.close()
    r = Raw(pop.port("pop3"))
    r.line()
    r.send(b"USER " + b"x" * 100000 + b"\r\n")
    assert r.line() == b"-ERR Line too long, closing connection\r\n"
    r.close()


def test_connections_per_address(pop):
    pop.gannet("conf", "set", "pop3d_client_connection_count_limit=2")
    restart(pop)
    a = Raw(pop.port("pop3"))
    b = Raw(pop.port("pop3"))
    assert a.line().startswith(b"+OK") and b.line().startswith(b"+OK")
    c = Raw(pop.port("pop3"))
    assert c.line() == (b"-ERR [SYS/TEMP] Too many connections from your "
                        b"address\r\n")
    c.close()
    # another address is not counted with these
    d = Raw(pop.port("pop3"), source="127.0.0.2")
    assert d.line().startswith(b"+OK")
    for x in (a, b, d):
        x.close()


def test_failures_feed_the_ban(pop):
    pop.gannet("conf", "set", "auth_ban_exempt=127.0.0.1/32",
               "auth_failure_limit=3")
    restart(pop)
    for i in range(2):
        c = SourcePOP3("127.0.0.1", pop.port("pop3"), "127.0.0.2")
        c.stls(client_ctx())
        for j in range(2):
            c.user(USER)
            try:
                c.pass_("guess%d%d" % (i, j))
            except poplib.error_proto as e:
                if b"SYS/PERM" in e.args[0]:
                    break
        c.close()
    r = Raw(pop.port("pop3"), source="127.0.0.2")
    assert r.line() == (b"-ERR [SYS/PERM] Too many failed logins from your "
                        b"address, try again later\r\n")
    r.close()
    assert "client address banned" in pop.log()
    # loopback itself is exempt and still gets in
    login(pop).quit()


def test_runs_without_root(pop):
    r = Raw(pop.port("pop3"))
    r.line()
    pids = run(["pgrep", "-f", "pop3d -c %s " % pop.dir]).stdout.split()
    users = set()
    for pid in pids:
        try:
            with open("/proc/%s/status" % pid) as f:
                for l in f:
                    if l.startswith("Uid:"):
                        users.update(int(u) for u in l.split()[1:])
        except FileNotFoundError:
            continue
    r.close()
    assert users and 0 not in users
    if os.getuid() == 0:
        assert users == {pwd.getpwnam("vmail").pw_uid}


# ---------------------------------------------------------------------------
# Other clients: curl and fetchmail

def curl(*args):
    return subprocess.run(["curl", "-sS", "--max-time", "30"] + list(args),
                          capture_output=True, timeout=60)


def test_curl(pop):
    pop.store.deliver(MSG_PLAIN)
    pop.store.deliver(MSG_DOTS)
    url = "pop3://127.0.0.1:%d/" % pop.port("pop3")
    p = curl("-u", "%s:%s" % (USER, PASSWORD), url)
    assert p.returncode == 0, p.stderr
    assert p.stdout == b"1 %d\r\n2 %d\r\n" % (len(wire(MSG_PLAIN)),
                                              len(wire(MSG_DOTS)))
    p = curl("-u", "%s:%s" % (USER, PASSWORD), url + "2")
    assert p.returncode == 0, p.stderr
    assert p.stdout == wire(MSG_DOTS)
    # STLS required, then AUTH PLAIN
    p = curl("--ssl-reqd", "-k", "--login-options", "AUTH=PLAIN",
             "-u", "%s:%s" % (USER, PASSWORD), url + "1")
    assert p.returncode == 0, p.stderr
    assert p.stdout == wire(MSG_PLAIN)
    p = curl("-k", "-u", "%s:%s" % (USER, PASSWORD),
             "pop3s://127.0.0.1:%d/1" % pop.port("pop3s"))
    assert p.returncode == 0, p.stderr
    assert p.stdout == wire(MSG_PLAIN)
    # a custom command: UIDL
    p = curl("-u", "%s:%s" % (USER, PASSWORD), "-X", "UIDL", url)
    assert p.returncode == 0, p.stderr
    assert len(p.stdout.splitlines()) == 2
    # DELE through curl: gone after its QUIT
    p = curl("-u", "%s:%s" % (USER, PASSWORD), "-X", "DELE", "-I", url + "1")
    assert p.returncode == 0, p.stderr
    assert len(pop.store.files()) == 1
    p = curl("-u", "%s:wrong" % USER, url)
    assert p.returncode != 0


def test_thousand_messages_poplib(pop):
    st = pop.store
    msgs = {}
    for i in range(1000):
        body = b"".join(b"line %d of message %d\n" % (k, i)
                        for k in range(i % 37))
        if i % 10 == 0:
            body += b".a dotted line\n..\n.\n"
        if i % 7 == 0:
            body += bytes(range(128, 256)) + b"\n"
        msg = (b"From: sender%d@example.org\nSubject: message %d\n"
               b"Message-ID: <%d@example.org>\n\n" % (i, i, i)) + body
        msgs[st.deliver(msg).split(",")[0].encode()] = msg
    c = login(pop)
    assert c.stat() == (1000, sum(len(wire(m)) for m in msgs.values()))
    ids = [l.split() for l in c.uidl()[1]]
    assert len(ids) == 1000
    for num, uid in ids:
        resp, lines, octets = c.retr(int(num))
        assert b"\n".join(lines) + b"\n" == msgs[uid], num
        c.dele(int(num))
    c.quit()
    assert st.files() == {}
    assert "retr=1000/" in pop.wait_log("del=1000/1000")


def test_thousand_messages_fetchmail(pop, workdir):
    st = pop.store
    msgs = {}
    for i in range(1000):
        msg = (b"From: s%d@example.org\nTo: joe@example.com\n"
               b"Subject: fetch %d\nMessage-ID: <f%d@example.org>\n\n" %
               (i, i, i)) + b"".join(b"%d.%d\n" % (i, k) for k in range(i % 13))
        if i % 9 == 0:
            msg += b".starts with a dot\n"
        msgs[b"<f%d@example.org>" % i] = msg
        st.deliver(msg)
    out = os.path.join(workdir, "fetched")
    os.mkdir(out)
    mda = os.path.join(workdir, "mda.sh")
    with open(mda, "w") as f:
        f.write("#!/bin/sh\nexec cat > \"$(mktemp %s/m.XXXXXXXX)\"\n" % out)
    os.chmod(mda, 0o755)
    rc = os.path.join(workdir, "fetchmailrc")
    with open(rc, "w") as f:
        f.write('poll 127.0.0.1 service %d protocol pop3 uidl\n'
                '  user "%s" password "%s" is "%s" here\n'
                '  sslproto "" no sslcertck\n'
                '  fetchall nokeep mda "%s"\n'
                % (pop.port("pop3"), USER, PASSWORD, USER, mda))
    os.chmod(rc, 0o600)
    env = dict(os.environ, HOME=workdir, FETCHMAILHOME=workdir)
    p = subprocess.run(["fetchmail", "-f", rc, "--nodetach", "--nosyslog",
                        "-v"], capture_output=True, text=True,
                       env=env, timeout=300)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    got = {}
    for n in os.listdir(out):
        data = open(os.path.join(out, n), "rb").read()
        # fetchmail puts its own Received: header on top
        assert data.startswith(b"Received: ")
        m = re.search(rb"^Message-ID: (<f\d+@example.org>)$", data, re.M)
        head, _, rest = data.partition(b"\nFrom: ")
        got[m.group(1)] = b"From: " + rest
    assert len(got) == 1000
    for k, v in msgs.items():
        assert got[k] == v, k
    assert st.files() == {}
