"""imapd: the IMAP server under the master, driven by real clients
(python imaplib, raw sockets for what imaplib cannot say, curl, mbsync).

One instance serves the whole module: the domain example.test with the
accounts alice (no quota), bob (a small quota) and carol and dave (for
the sync tools). Each test works in folders or accounts of its own.

The auth service listens on public/auth here: the mailbox daemons run as
the virtual mail user, which cannot reach private/ (mode 0700 of
mail_owner). See the report of the imapd branch.
"""
import email.utils
import imaplib
import os
import pwd
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time

import pytest

from conftest import GANNET, Instance, free_port_base, run

DOMAIN = "example.test"
USERS = {"alice": None, "bob": "20k", "carol": None, "dave": None,
         "erin": None}
PASSWORD = "secret-password"
IS_ROOT = os.getuid() == 0


def tls_ctx():
    c = ssl.create_default_context()
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    return c


class Mail:
    """The running instance and what the tests need of it."""

    def __init__(self, inst):
        self.inst = inst
        self.port = inst.port("imap")
        self.ports = inst.port("imaps")

    def maildir(self, user, folder=None):
        d = self.inst.path("mail", DOMAIN, user)
        return d if folder is None else os.path.join(d, "." + folder)

    def login(self, user="alice"):
        c = imaplib.IMAP4("127.0.0.1", self.port)
        try:
            c.login("%s@%s" % (user, DOMAIN), PASSWORD)
        except imaplib.IMAP4.error as e:
            raise AssertionError("login %s: %s\nlog:\n%s" % (
                user, e, self.inst.log()[-3000:]))
        return c

    def deliver(self, user, text, folder=None, flags=None):
        """A message into new/ (or cur/ with flags) as local delivery
        does it: tmp/, then a rename."""
        d = self.maildir(user, folder)
        data = text.replace("\r\n", "\n").encode()
        name = "%d.M%dP%dQ%d.test,S=%d,W=%d" % (
            int(time.time()), time.time_ns() % 1000000, os.getpid(),
            Mail.counter, len(data), len(data) + data.count(b"\n"))
        Mail.counter += 1
        tmp = os.path.join(d, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(data)
        if IS_ROOT:
            pw = pwd.getpwnam("vmail")
            os.chown(tmp, pw.pw_uid, pw.pw_gid)
        if flags is None:
            dest = os.path.join(d, "new", name)
        else:
            dest = os.path.join(d, "cur", name + ":2," + flags)
        os.rename(tmp, dest)
        return dest

    counter = 0


@pytest.fixture(scope="module")
def mail():
    work = tempfile.mkdtemp(prefix="gannet-imap-")
    os.chmod(work, 0o755)
    base = free_port_base()
    path = os.path.join(work, "inst")
    run([GANNET, "init", path, "--port-base", str(base),
         "--hostname", "mx.gannet.test"])
    inst = Instance(path, base)
    # The mailbox daemons (vmail) reach the auth service in public/.
    svc = inst.path("services.conf")
    with open(svc) as f:
        text = f.read()
    text = re.sub(r"^auth(\s+)unix(\s+)-", r"auth\1unix\2n", text, flags=re.M)
    with open(svc, "w") as f:
        f.write(text)
    inst.gannet("conf", "set", "auth_service_path=public/auth",
                "imapd_client_connection_limit=40",
                "imapd_user_connection_limit=12")
    inst.gannet("domain", "add", DOMAIN)
    for u, q in USERS.items():
        args = ["user", "add", "%s@%s" % (u, DOMAIN), "--password-stdin"]
        if q:
            args += ["--quota", q]
        inst.gannet(*args, input=PASSWORD + "\n")
    inst.gannet("start")
    inst.started = True
    m = Mail(inst)
    end = time.time() + 10
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", m.port), 1).close()
            break
        except OSError:
            time.sleep(0.1)
    yield m
    inst.gannet("stop", check=False)
    shutil.rmtree(work, ignore_errors=True)


class Raw:
    """A raw IMAP connection, for literals, IDLE and exact replies."""

    def __init__(self, port, tls=False):
        s = socket.create_connection(("127.0.0.1", port), 10)
        if tls:
            s = tls_ctx().wrap_socket(s)
        self.s = s
        self.f = s.makefile("rb")
        self.greeting = self.line()
        self.n = 0

    def line(self):
        ln = self.f.readline()
        if not ln:
            raise EOFError("connection closed")
        return ln.decode("utf-8", "replace")

    def send(self, data):
        self.s.sendall(data if isinstance(data, bytes) else data.encode())

    def tag(self):
        self.n += 1
        return "t%d" % self.n

    def cmd(self, text):
        """Send "<tag> text", return (untagged lines, tagged line)."""
        t = self.tag()
        self.send("%s %s\r\n" % (t, text))
        return self.until(t)

    def until(self, tag):
        lines = []
        while True:
            ln = self.line()
            # literals: read their bytes too
            m = re.search(r"\{(\d+)\}\r\n$", ln)
            if m:
                ln += self.f.read(int(m.group(1))).decode("utf-8", "replace")
                lines.append(ln)
                continue
            if ln.startswith(tag + " "):
                return lines, ln.rstrip("\r\n")
            lines.append(ln)

    def login(self, user="alice"):
        _, t = self.cmd('LOGIN %s@%s "%s"' % (user, DOMAIN, PASSWORD))
        assert " OK " in t, t
        return self

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def ok(resp):
    typ, data = resp
    assert typ == "OK", resp
    return data


# ----------------------------------------------------------------------
# Login, TLS, capabilities


def test_greeting_login_and_tls(mail):
    r = Raw(mail.port)
    assert r.greeting.startswith("* OK [CAPABILITY IMAP4rev1")
    assert "STARTTLS" in r.greeting and "AUTH=PLAIN" in r.greeting
    _, t = r.cmd("SELECT INBOX")
    assert " BAD " in t
    _, t = r.cmd('LOGIN alice@example.test "wrong"')
    assert "NO [AUTHENTICATIONFAILED]" in t
    r.login()
    lines, t = r.cmd("CAPABILITY")
    caps = lines[0].split()
    for want in ("IDLE", "UIDPLUS", "MOVE", "QUOTA", "SPECIAL-USE", "SORT",
                 "THREAD=REFERENCES", "CONDSTORE", "QRESYNC", "ESEARCH",
                 "LIST-STATUS", "LITERAL+", "NAMESPACE", "ENABLE", "ID"):
        assert want in caps, want
    r.close()
    # AUTHENTICATE PLAIN, STARTTLS, and the imaps port
    c = imaplib.IMAP4("127.0.0.1", mail.port)
    c.starttls(ssl_context=tls_ctx())
    ok(c.authenticate("PLAIN", lambda _: b"\0alice@example.test\0"
                      + PASSWORD.encode()))
    ok(c.select("INBOX"))
    c.logout()
    c = imaplib.IMAP4_SSL("127.0.0.1", mail.ports, ssl_context=tls_ctx())
    assert "STARTTLS" not in c.capabilities
    ok(c.login("alice@" + DOMAIN, PASSWORD))
    ok(c.noop())
    c.logout()
    # SASL-IR in one line, and a login name in another form
    r = Raw(mail.port)
    import base64
    ir = base64.b64encode(b"\0alice%example.test\0" + PASSWORD.encode())
    _, t = r.cmd("AUTHENTICATE PLAIN " + ir.decode())
    assert " OK " in t, t
    r.close()


def test_pre_login_limits(mail):
    r = Raw(mail.port)
    for i in range(3):
        _, t = r.cmd('LOGIN alice@example.test "nope%d"' % i)
    with pytest.raises(EOFError):
        # three failures end the connection
        while True:
            ln = r.line()
            assert ln.startswith("* BYE")
    r.close()
    r = Raw(mail.port)
    r.send("x" * 70000 + "\r\n")
    assert r.line().startswith("* BYE")
    r.close()


# ----------------------------------------------------------------------
# Folders


def test_folders_list_create_rename_delete(mail):
    c = mail.login("alice")
    ok(c.create("Work.Project"))
    ok(c.create("Work.Project.Deep"))
    typ, data = c.create("Work.Project")
    assert typ == "NO" and b"ALREADYEXISTS" in data[0]
    names = ok(c.list('""', "*"))
    text = b"\n".join(names).decode()
    assert '(\\HasNoChildren) "." INBOX' in text
    assert '(\\HasNoChildren \\Sent) "." Sent' in text
    # Work does not exist: a \Noselect parent
    assert '(\\Noselect \\HasChildren) "." Work' in text
    assert '(\\HasChildren) "." Work.Project' in text
    pct = b"\n".join(ok(c.list('""', "%"))).decode()
    assert "Work.Project" not in pct and '"." Work' in pct
    # LIST-EXTENDED with LIST-STATUS and SPECIAL-USE
    typ, data = c._simple_command(
        "LIST", "(SPECIAL-USE)", '""', "*", "RETURN",
        "(STATUS (MESSAGES UIDNEXT))")
    ok((typ, data))
    lst = c.untagged_responses.pop("LIST", [])
    st = c.untagged_responses.pop("STATUS", [])
    assert len(lst) == 5 and len(st) == 5
    assert all(b"MESSAGES 0" in s for s in st)
    # RENAME moves the children, DELETE leaves them
    ok(c.rename("Work.Project", "Job"))
    text = b"\n".join(ok(c.list('""', "*"))).decode()
    assert '"." Job.Deep' in text and "Work" not in text
    ok(c.delete("Job"))
    text = b"\n".join(ok(c.list('""', "*"))).decode()
    assert '(\\Noselect \\HasChildren) "." Job' in text
    assert '"." Job.Deep' in text
    typ, data = c.delete("INBOX")
    assert typ == "NO"
    typ, data = c.select("Nope")
    assert typ == "NO" and b"NONEXISTENT" in data[0]
    # subscriptions
    ok(c.subscribe("Job.Deep"))
    subs = b"\n".join(ok(c.lsub('""', "*"))).decode()
    assert "Job.Deep" in subs and "Sent" in subs
    ok(c.unsubscribe("Job.Deep"))
    assert b"Job.Deep" not in b"\n".join(ok(c.lsub('""', "*")))
    ok(c.delete("Job.Deep"))
    ok(c._simple_command("NAMESPACE"))
    # the public folders are the shared namespace (test_imapd_shared.py)
    assert c.untagged_responses.pop("NAMESPACE") == [
        b'(("" ".")) NIL (("Public." "."))']
    c.logout()


def test_utf7_and_utf8_folder_names(mail):
    c = mail.login("alice")
    ok(c.create('"Entw&APw-rfe"'))
    assert os.path.isdir(mail.maildir("alice", "Entw&APw-rfe"))
    typ, data = c.create('"Bad&name"')
    assert typ == "NO"
    text = b"\n".join(ok(c.list('""', "Entw*"))).decode()
    assert '"." Entw&APw-rfe' in text
    c.logout()
    # UTF8=ACCEPT: names in UTF-8 both ways
    r = Raw(mail.port).login()
    lines, t = r.cmd("ENABLE UTF8=ACCEPT")
    assert lines == ["* ENABLED UTF8=ACCEPT\r\n"]
    lines, t = r.cmd('LIST "" "Entw*"')
    assert '"." "Entwürfe"' in lines[0]
    _, t = r.cmd('CREATE "Отправленные"')
    assert " OK " in t
    assert os.path.isdir(mail.maildir(
        "alice", "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-"))
    r.close()


def test_rename_inbox(mail):
    for i in range(2):
        mail.deliver("erin", "Subject: inbox %d\n\nbody\n" % i)
    c = mail.login("erin")
    ok(c.create("INBOX.child"))
    ok(c.rename("INBOX", "Old"))
    assert ok(c.select("INBOX")) == [b"0"]
    assert ok(c.select("Old")) == [b"2"]
    assert b"INBOX.child" in b"\n".join(ok(c.list('""', "*")))
    c.logout()


# ----------------------------------------------------------------------
# Messages

NESTED = (
    "From: Alice <alice@example.org>\r\n"
    "To: bob@example.com, \"Carol C.\" <carol@example.com>\r\n"
    "Subject: nested\r\n"
    "Date: Mon, 7 Feb 1994 21:52:25 -0800\r\n"
    "Message-ID: <outer@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--outer\r\n"
    "Content-Type: multipart/alternative; boundary=alt\r\n"
    "\r\n"
    "--alt\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "plain text\r\n"
    "two lines\r\n"
    "--alt\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "<p>html</p>\r\n"
    "--alt--\r\n"
    "--outer\r\n"
    "Content-Type: message/rfc822\r\n"
    "Content-Description: forwarded\r\n"
    "\r\n"
    "From: dave@example.net\r\n"
    "Subject: inner\r\n"
    "Content-Type: multipart/mixed; boundary=in\r\n"
    "\r\n"
    "--in\r\n"
    "\r\n"
    "inner text\r\n"
    "--in\r\n"
    "Content-Type: image/gif; name=x.gif\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "Content-Disposition: attachment; filename=\"x.gif\"\r\n"
    "\r\n"
    "R0lGODlh\r\n"
    "--in--\r\n"
    "--outer\r\n"
    "Content-Type: application/pdf\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "Content-Language: en, de\r\n"
    "\r\n"
    "JVBERi0=\r\n"
    "--outer--\r\n"
    "epilogue\r\n")

NESTED_BS = (
    '((("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 21 1 NIL NIL '
    'NIL NIL)("text" "html" ("charset" "utf-8") NIL NIL '
    '"quoted-printable" 11 0 NIL NIL NIL NIL) "alternative" ("boundary" '
    '"alt") NIL NIL NIL)("message" "rfc822" NIL NIL "forwarded" "7bit" 253 '
    '(NIL "inner" ((NIL NIL "dave" "example.net")) ((NIL NIL "dave" '
    '"example.net")) ((NIL NIL "dave" "example.net")) NIL NIL NIL NIL NIL) '
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 10 0 NIL NIL '
    'NIL NIL)("image" "gif" ("name" "x.gif") NIL NIL "base64" 8 NIL '
    '("attachment" ("filename" "x.gif")) NIL NIL) "mixed" ("boundary" '
    '"in") NIL NIL NIL) 13 NIL NIL NIL NIL)("application" "pdf" NIL NIL '
    'NIL "base64" 8 NIL NIL ("en" "de") NIL) "mixed" ("boundary" "outer") '
    'NIL NIL NIL)')


def test_append_and_fetch_structure(mail):
    c = mail.login("alice")
    ok(c.create("Struct"))
    when = imaplib.Time2Internaldate(1000000000)
    typ, data = c.append("Struct", "(\\Flagged $Label1)", when,
                         NESTED.encode())
    assert typ == "OK" and b"APPENDUID" in data[0]
    assert ok(c.select("Struct")) == [b"1"]
    data = ok(c.fetch("1", "(BODYSTRUCTURE)"))
    assert data[0].decode() == "1 (BODYSTRUCTURE %s)" % NESTED_BS
    data = ok(c.fetch("1", "(FLAGS INTERNALDATE RFC822.SIZE)"))
    assert b"\\Flagged" in data[0] and b"$Label1" in data[0]
    assert b"RFC822.SIZE %d" % len(NESTED) in data[0]
    assert b"09-Sep-2001" in data[0]
    data = ok(c.fetch("1", "(ENVELOPE)"))
    assert (b'ENVELOPE ("Mon, 7 Feb 1994 21:52:25 -0800" "nested" '
            b'(("Alice" NIL "alice" "example.org"))') in data[0]

    def body(section):
        d = ok(c.fetch("1", "(BODY.PEEK[%s])" % section))
        return d[0][1] if isinstance(d[0], tuple) else b""

    assert body("1.1") == b"plain text\r\ntwo lines"
    assert body("1.2") == b"<p>html</p>"
    assert body("1.2.MIME") == (
        b"Content-Type: text/html; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n")
    assert body("2.HEADER").startswith(b"From: dave@example.net\r\n")
    assert body("2.1") == b"inner text"
    assert body("2.2") == b"R0lGODlh"
    assert body("3") == b"JVBERi0="
    assert body("") == NESTED.encode()
    assert body("TEXT").startswith(b"preamble\r\n--outer\r\n")
    assert body("HEADER.FIELDS (Subject From)") == (
        b"From: Alice <alice@example.org>\r\nSubject: nested\r\n\r\n")
    assert b"Subject" not in body("HEADER.FIELDS.NOT (Subject)")
    # partial fetches, in CRLF octets as the client sees them
    d = ok(c.fetch("1", "(BODY.PEEK[]<7.10>)"))
    assert d[0][0].endswith(b"BODY[]<7> {10}")
    assert d[0][1] == NESTED.encode()[7:17]
    d = ok(c.fetch("1", "(BODY.PEEK[1.1]<6.100>)"))
    assert d[0][1] == b"text\r\ntwo lines"
    d = ok(c.fetch("1", "(BODY.PEEK[]<99999.10>)"))
    assert d[0][0].endswith(b"<99999> {0}")
    # .PEEK leaves \Seen alone; BODY[] sets it
    assert b"\\Seen" not in ok(c.fetch("1", "(FLAGS)"))[0]
    d = ok(c.fetch("1", "(BODY[1.1])"))
    assert b"\\Seen" in b" ".join(x if isinstance(x, bytes) else x[0]
                                    for x in d)
    # on disk: LF line ends, the flags in the name
    cur = os.listdir(os.path.join(mail.maildir("alice", "Struct"), "cur"))
    assert len(cur) == 1 and cur[0].endswith(":2,FSa")
    with open(os.path.join(mail.maildir("alice", "Struct"), "cur",
                           cur[0]), "rb") as f:
        assert f.read() == NESTED.replace("\r\n", "\n").encode()
    c.logout()


def test_literals_sync_and_nonsync(mail):
    r = Raw(mail.port).login()
    r.cmd("CREATE Lit")
    msg = b"Subject: literal\r\n\r\nbody\r\n"
    # synchronising: the server says "+" first
    t = r.tag()
    r.send("%s APPEND Lit {%d}\r\n" % (t, len(msg)))
    assert r.line().startswith("+")
    r.send(msg + b"\r\n")
    _, tagged = r.until(t)
    assert "APPENDUID" in tagged
    # LITERAL+: no wait
    t = r.tag()
    r.send(b"%s APPEND Lit (\\Seen) {%d+}\r\n%s\r\n" % (t.encode(), len(msg),
                                                      msg))
    lines, tagged = r.until(t)
    assert " OK " in tagged and not any(ln.startswith("+") for ln in lines)
    # literals in other commands: a LOGIN-style astring in SEARCH
    r.cmd("SELECT Lit")
    t = r.tag()
    r.send("%s SEARCH SUBJECT {7+}\r\nliteral\r\n" % t)
    lines, tagged = r.until(t)
    assert lines[-1].strip() == "* SEARCH 1 2"
    # too large: refused before the data
    t = r.tag()
    r.send("%s APPEND Lit {999999999}\r\n" % t)
    assert r.line().startswith(t + " NO [TOOBIG]")
    lines, tagged = r.cmd("NOOP")
    assert " OK " in tagged
    r.close()


def test_search_combinations(mail):
    c = mail.login("alice")
    ok(c.create("Search"))
    msgs = [
        ("Smith <smith@example.org>", "Quarterly report", "numbers inside",
         "(\\Seen)", 1000000000),
        ("Jones <jones@example.org>", "Re: Quarterly report", "agree",
         "(\\Seen \\Answered)", 1100000000),
        ("Smith <smith@example.org>", "=?utf-8?q?Gr=C3=BC=C3=9Fe?=",
         "Jörg was here", "()", 1200000000),
        ("Brown <brown@example.org>", "lunch", "x" * 3000, "(\\Flagged)",
         1300000000),
    ]
    for frm, subj, text, flags, t in msgs:
        body = text.encode()
        hdr = ("From: %s\r\nTo: alice@example.test\r\nSubject: %s\r\n"
               "Date: %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
               "Content-Transfer-Encoding: 8bit\r\n\r\n"
               % (frm, subj, email.utils.formatdate(t)))
        ok(c.append("Search", flags, imaplib.Time2Internaldate(t),
                    hdr.encode() + body + b"\r\n"))
    ok(c.select("Search"))

    def search(*crit, uid=False, charset=None):
        if uid:
            d = ok(c.uid("SEARCH", *crit))
        else:
            d = ok(c.search(charset, *crit))
        return d[0].decode().split()

    assert search("ALL") == ["1", "2", "3", "4"]
    assert search("FROM", "smith") == ["1", "3"]
    assert search("UNSEEN") == ["3", "4"]
    assert search("SEEN", "NOT", "ANSWERED") == ["1"]
    assert search("OR", "FLAGGED", "ANSWERED") == ["2", "4"]
    assert search("(OR FROM jones FROM brown)", "NOT", "FLAGGED") == ["2"]
    assert search("SUBJECT", '"quarterly REPORT"') == ["1", "2"]
    assert search("BODY", "numbers") == ["1"]
    assert search("TEXT", "lunch") == ["4"]
    assert search("LARGER", "2000") == ["4"]
    assert search("SMALLER", "1000", "2:*") == ["2", "3"]
    assert search("SINCE", "1-Jan-2005") == ["3", "4"]
    assert search("BEFORE", "1-Jan-2005", "SENTSINCE", "1-Jan-2003") == ["2"]
    assert search("SENTON", email.utils.formatdate(1200000000)
                  .split(",")[1].strip()[:11].replace(" ", "-")) == ["3"]
    assert search("HEADER", "Content-Transfer-Encoding", "8bit") \
        == ["1", "2", "3", "4"]
    assert search("UID", "2:3") == ["2", "3"]
    assert search("1,3:4", "UNFLAGGED") == ["1", "3"]
    # encoded words and charsets: the decoded subject, a UTF-8 key
    c.literal = "Grüße".encode()
    assert search("SUBJECT", charset="UTF-8") == ["3"]
    c.literal = "jörg".encode()
    assert search("BODY", charset="UTF-8") == ["3"]
    typ, data = c.search("X-BOGUS", "ALL")
    assert typ == "NO" and b"BADCHARSET" in data[0]
    # ESEARCH
    typ, data = c._simple_command("SEARCH", "RETURN", "(MIN MAX COUNT ALL)",
                                  "FROM", "smith")
    ok((typ, data))
    es = c.untagged_responses.pop("ESEARCH")[0].decode()
    assert es.endswith("MIN 1 MAX 3 COUNT 2 ALL 1,3")
    with pytest.raises(imaplib.IMAP4.error, match="BAD"):
        c._simple_command("SEARCH", "FROBNICATE")
    c.logout()


def test_store_copy_move_expunge(mail):
    c = mail.login("alice")
    ok(c.create("Src"))
    ok(c.create("Dst"))
    for i in range(5):
        ok(c.append("Src", None, None,
                    b"Subject: m%d\r\n\r\nbody %d\r\n" % (i, i)))
    ok(c.select("Src"))
    d = ok(c.store("1:2", "+FLAGS", "(\\Deleted $Work)"))
    assert b"\\Deleted" in d[0] and b"$Work" in d[0]
    d = ok(c.store("2", "-FLAGS.SILENT", "(\\Deleted)"))
    assert d == [None]
    typ, data = c.uid("COPY", "3:5", "Dst")
    assert typ == "OK"
    assert re.match(rb"\d+ 3:5 1:3$", c.response("COPYUID")[1][0])
    typ, data = c.uid("MOVE", "4", "Dst")
    assert typ == "OK"
    assert c.untagged_responses.get("EXPUNGE") == [b"4"]
    c.untagged_responses.clear()
    d = ok(c.expunge())
    assert d == [b"1"]
    d = ok(c.fetch("1:*", "(UID FLAGS)"))
    assert [x.split()[2] for x in d] == [b"2", b"3", b"5"]
    assert b"$Work" in d[0]
    ok(c.select("Dst"))
    d = ok(c.fetch("1:*", "(UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])"))
    subjects = [x[1].strip() for x in d if isinstance(x, tuple)]
    assert subjects == [b"Subject: m2", b"Subject: m3", b"Subject: m4",
                        b"Subject: m3"]
    # UID EXPUNGE removes only the named \Deleted messages
    ok(c.store("1:*", "+FLAGS", "(\\Deleted)"))
    typ, data = c.uid("EXPUNGE", "1:2")
    assert typ == "OK"
    assert ok(c.select("Dst")) == [b"2"]
    # CLOSE expunges silently; UNSELECT does not
    ok(c.close())
    assert ok(c.select("Dst")) == [b"0"]
    with pytest.raises(imaplib.IMAP4.error, match="BAD"):
        c.store("1", "+FLAGS", "(\\Seen)")
    c.logout()


def test_examine_is_read_only(mail):
    c = mail.login("alice")
    ok(c.create("Ro"))
    ok(c.append("Ro", None, None, b"Subject: ro\r\n\r\nx\r\n"))
    typ, data = c.select("Ro", readonly=True)
    assert typ == "OK"
    typ, data = c.store("1", "+FLAGS", "(\\Seen)")
    assert typ == "NO"
    ok(c.fetch("1", "(BODY[])"))
    assert b"\\Seen" not in ok(c.fetch("1", "(FLAGS)"))[0]
    c.logout()


# ----------------------------------------------------------------------
# UIDs: restarts, renames, other sessions


def uids(c):
    d = ok(c.fetch("1:*", "(UID)"))
    return [int(re.search(rb"UID (\d+)", x).group(1)) for x in d]


def test_uids_stable_across_restart_and_rename(mail):
    c = mail.login("alice")
    ok(c.create("Keep"))
    for i in range(4):
        ok(c.append("Keep", None, None, b"Subject: k%d\r\n\r\nx\r\n" % i))
    ok(c.select("Keep"))
    ok(c.store("2", "+FLAGS", "(\\Deleted)"))
    ok(c.expunge())
    before = uids(c)
    uv = c.untagged_responses.get("UIDVALIDITY") or ok(
        c.status("Keep", "(UIDVALIDITY)"))
    st = ok(c.status("Keep", "(UIDVALIDITY UIDNEXT)"))[0]
    c.logout()
    assert before == [1, 3, 4]
    mail.inst.gannet("stop")
    mail.inst.gannet("start")
    time.sleep(0.5)
    c = mail.login("alice")
    ok(c.select("Keep"))
    assert uids(c) == before
    assert ok(c.status("Keep", "(UIDVALIDITY UIDNEXT)"))[0] == st
    ok(c.unselect() if hasattr(c, "unselect") else c.close())
    ok(c.rename("Keep", "Kept"))
    ok(c.select("Kept"))
    assert uids(c) == before
    st2 = ok(c.status("Kept", "(UIDVALIDITY UIDNEXT)"))[0]
    assert st2.split(b"(")[1] == st.split(b"(")[1]
    # a new message gets the next UID, never an old one
    ok(c.append("Kept", None, None, b"Subject: new\r\n\r\nx\r\n"))
    ok(c.noop())
    assert uids(c) == before + [5]
    c.logout()


def test_two_sessions_see_each_other(mail):
    a = mail.login("alice")
    ok(a.create("Shared"))
    for i in range(3):
        ok(a.append("Shared", None, None, b"Subject: s%d\r\n\r\nx\r\n" % i))
    ok(a.select("Shared"))
    b = Raw(mail.port).login()
    lines, t = b.cmd("SELECT Shared")
    assert "* 3 EXISTS\r\n" in lines
    # \Recent went to the first session only
    assert "* 0 RECENT\r\n" in lines
    # a flag change shows up at B's next command
    ok(a.store("2", "+FLAGS", "(\\Flagged)"))
    lines, t = b.cmd("NOOP")
    assert any(re.match(r"\* 2 FETCH \(FLAGS \(\\Flagged\)\)", ln)
               for ln in lines), lines
    # a new message: EXISTS
    ok(a.append("Shared", None, None, b"Subject: s3\r\n\r\nx\r\n"))
    lines, t = b.cmd("NOOP")
    assert "* 4 EXISTS\r\n" in lines
    # an expunge: not during FETCH, STORE or SEARCH, but after NOOP
    ok(a.store("1", "+FLAGS", "(\\Deleted)"))
    ok(a.expunge())
    lines, t = b.cmd("FETCH 1:4 (FLAGS)")
    assert not any("EXPUNGE" in ln for ln in lines)
    assert len([ln for ln in lines if " FETCH " in ln]) >= 3
    lines, t = b.cmd("SEARCH ALL")
    assert not any("EXPUNGE" in ln for ln in lines)
    lines, t = b.cmd("NOOP")
    assert "* 1 EXPUNGE\r\n" in lines
    lines, t = b.cmd("FETCH 1:* (UID)")
    assert len(lines) == 3
    # B's changes reach A
    b.cmd("STORE 1 +FLAGS (\\Answered)")
    ok(a.noop())
    assert any(b"\\Answered" in x for x in
               a.untagged_responses.get("FETCH", []))
    b.close()
    a.logout()


def test_idle_sees_new_mail(mail):
    r = Raw(mail.port).login("bob")
    r.cmd("SELECT INBOX")
    t = r.tag()
    r.send("%s IDLE\r\n" % t)
    assert r.line().startswith("+")
    mail.deliver("bob", "Subject: idle\n\nwake up\n")
    # The client sends nothing: the server must push the news by itself
    # (inotify). How fast is a benchmark's business, not a test's.
    r.s.settimeout(60)
    ln = r.line()
    assert re.match(r"\* \d+ EXISTS", ln), ln
    r.send("DONE\r\n")
    lines, tagged = r.until(t)
    assert " OK " in tagged
    # flags changed on disk by another Maildir tool reach IDLE too
    cur = os.path.join(mail.maildir("bob"), "cur")
    t = r.tag()
    r.send("%s IDLE\r\n" % t)
    assert r.line().startswith("+")
    f = os.listdir(cur)[0]
    os.rename(os.path.join(cur, f),
              os.path.join(cur, f.split(":")[0] + ":2,F"))
    ln = r.line()
    assert "FETCH" in ln and "\\Flagged" in ln, ln
    r.send("DONE\r\n")
    r.until(t)
    r.close()


def test_recent_given_once(mail):
    mail.deliver("carol", "Subject: r\n\nrecent\n")
    a = Raw(mail.port).login("carol")
    b = Raw(mail.port).login("carol")
    la, _ = a.cmd("SELECT INBOX")
    lb, _ = b.cmd("SELECT INBOX")
    ra = [ln for ln in la if ln.endswith("RECENT\r\n")][0]
    rb = [ln for ln in lb if ln.endswith("RECENT\r\n")][0]
    assert sorted([ra, rb]) == ["* 0 RECENT\r\n", "* 1 RECENT\r\n"]
    # EXAMINE never takes it
    mail.deliver("carol", "Subject: r2\n\nrecent\n")
    c = Raw(mail.port).login("carol")
    lc, _ = c.cmd("EXAMINE INBOX")
    assert "* 0 RECENT\r\n" in lc
    lines, _ = a.cmd("NOOP")
    lines2, _ = b.cmd("NOOP")
    got = [ln for ln in lines + lines2 if ln.endswith("RECENT\r\n")]
    assert "* 1 RECENT\r\n" in got or "* 2 RECENT\r\n" in got
    for x in (a, b, c):
        x.close()


# ----------------------------------------------------------------------
# Quota


def test_quota_numbers_and_overquota(mail):
    c = mail.login("bob")
    ok(c.create("Q"))
    data = ok(c.getquotaroot("INBOX"))
    assert data[0] == [b'INBOX ""']
    m = re.match(rb'"" \(STORAGE (\d+) 20\)', data[1][0])
    assert m, data
    used = int(m.group(1))
    msg = b"Subject: big\r\n\r\n" + b"y" * 6000 + b"\r\n"
    ok(c.append("Q", None, None, msg))
    data = ok(c.getquota('""'))
    m2 = re.match(rb'"" \(STORAGE (\d+) 20\)', data[0])
    assert int(m2.group(1)) >= used + 5
    ok(c.append("Q", None, None, msg))
    typ, data = c.append("Q", None, None, msg * 2)
    assert typ == "NO" and b"[OVERQUOTA]" in data[0]
    # COPY over quota is refused too; after an expunge there is room
    ok(c.select("Q"))
    typ, data = c.copy("1:2", "INBOX")
    assert typ == "NO" and b"OVERQUOTA" in data[0]
    ok(c.store("1:*", "+FLAGS", "(\\Deleted)"))
    ok(c.expunge())
    ok(c.append("Q", None, None, msg))
    # the numbers are the maildirsize file's, which delivery keeps too
    with open(os.path.join(mail.maildir("bob"), "maildirsize")) as f:
        lines = f.read().splitlines()
    assert lines[0] == "20480S"
    total = sum(int(x.split()[0]) for x in lines[1:])
    data = ok(c.getquota('""'))
    m3 = re.match(rb'"" \(STORAGE (\d+) 20\)', data[0])
    assert int(m3.group(1)) == (total + 1023) // 1024
    typ, data = c._simple_command("SETQUOTA", '""', "(STORAGE 1)")
    assert typ == "NO"
    c.logout()


# ----------------------------------------------------------------------
# SORT, THREAD, CONDSTORE/QRESYNC


def test_sort_and_thread(mail):
    c = mail.login("alice")
    ok(c.create("Thr"))
    msgs = [
        ("<a@x>", "", "hello", 3, "b@x"),
        ("<b@x>", "<a@x>", "Re: hello", 4, "a@x"),
        ("<c@x>", "<a@x> <b@x>", "Re: hello", 5, "c@x"),
        ("<d@x>", "", "other", 1, "d@x"),
        ("<e@x>", "<zz@x>", "Re: other", 2, "e@x"),
    ]
    for mid, refs, subj, day, frm in msgs:
        h = ("From: %s\r\nSubject: %s\r\nMessage-ID: %s\r\n"
             "Date: %s\r\n" % (frm, subj, mid,
                               email.utils.formatdate(86400 * day)))
        if refs:
            h += "References: %s\r\n" % refs
        ok(c.append("Thr", None, None, (h + "\r\nx\r\n").encode()))
    ok(c.select("Thr"))
    d = ok(c.sort("(DATE)", "UTF-8", "ALL"))
    assert d == [b"4 5 1 2 3"]
    d = ok(c.sort("(REVERSE SUBJECT FROM)", "UTF-8", "ALL"))
    assert d == [b"4 5 2 1 3"]
    d = ok(c.sort("(FROM)", "UTF-8", "NOT", "FROM", "d@x"))
    assert d == [b"2 1 3 5"]
    d = ok(c.thread("REFERENCES", "UTF-8", "ALL"))
    assert d == [b"(4 5)(1 2 3)"]
    d = ok(c.thread("ORDEREDSUBJECT", "UTF-8", "ALL"))
    assert d == [b"(4 5)(1 (2)(3))"]
    d = ok(c.uid("THREAD", "REFERENCES", "UTF-8", "ALL"))
    assert d == [b"(4 5)(1 2 3)"]
    c.logout()


def test_condstore_and_qresync(mail):
    r = Raw(mail.port).login()
    r.cmd("CREATE Cs")
    for i in range(3):
        r.cmd("APPEND Cs {14+}\r\nSubject: c\r\n\r\n")
    r.cmd("ENABLE QRESYNC")
    lines, t = r.cmd("SELECT Cs")
    hms = int(re.search(r"HIGHESTMODSEQ (\d+)",
                        "".join(lines)).group(1))
    uv = int(re.search(r"UIDVALIDITY (\d+)", "".join(lines)).group(1))
    lines, t = r.cmd("STORE 2 +FLAGS (\\Seen)")
    ms = int(re.search(r"MODSEQ \((\d+)\)", lines[0]).group(1))
    assert ms > hms
    lines, t = r.cmd("UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d)" % hms)
    assert len(lines) == 1 and "UID 2" in lines[0]
    lines, t = r.cmd("STORE 1 (UNCHANGEDSINCE 1) +FLAGS (\\Seen)")
    assert "[MODIFIED 1]" in t
    lines, t = r.cmd("SEARCH MODSEQ %d" % ms)
    assert lines[0].startswith("* SEARCH 2 (MODSEQ %d)" % ms)
    r.cmd("STORE 3 +FLAGS (\\Deleted)")
    lines, t = r.cmd("EXPUNGE")
    assert lines[-1].strip() == "* VANISHED 3"
    r.cmd("UNSELECT")
    # a client that knew HIGHESTMODSEQ hms resyncs in one step
    lines, t = r.cmd("SELECT Cs (QRESYNC (%d %d 1:3))" % (uv, hms))
    text = "".join(lines)
    assert "* VANISHED (EARLIER) 3" in text
    assert re.search(r"\* 2 FETCH \(UID 2 FLAGS \(\\Seen\) MODSEQ", text)
    lines, t = r.cmd("STATUS Cs (HIGHESTMODSEQ MESSAGES)")
    assert "MESSAGES 2" in lines[0]
    r.close()


# ----------------------------------------------------------------------
# Other clients: curl and mbsync


def test_curl(mail):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    c = mail.login("dave")
    ok(c.create("Curl"))
    ok(c.append("Curl", None, None,
                b"Subject: via curl\r\n\r\nhello curl\r\n"))
    c.logout()
    url = "imap://127.0.0.1:%d" % mail.port
    user = "dave@%s:%s" % (DOMAIN, PASSWORD)
    out = subprocess.run(["curl", "-s", "--user", user, url + "/"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert '"." Curl' in out.stdout and '"." INBOX' in out.stdout
    out = subprocess.run(["curl", "-s", "--user", user,
                          url + "/Curl;UID=1"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert "hello curl" in out.stdout
    out = subprocess.run(["curl", "-s", "--user", user, url + "/Curl",
                          "-X", "SEARCH SUBJECT curl"],
                         capture_output=True, text=True, timeout=30)
    assert "* SEARCH 1" in out.stdout
    # STARTTLS through curl, too
    out = subprocess.run(["curl", "-s", "-k", "--ssl-reqd", "--user", user,
                          url + "/Curl;UID=1"],
                         capture_output=True, text=True, timeout=30)
    assert "hello curl" in out.stdout, out.stderr


def test_mbsync_two_way(mail, tmp_path):
    if shutil.which("mbsync") is None:
        pytest.skip("mbsync (isync) is not installed")
    local = tmp_path / "local"
    local.mkdir()
    c = mail.login("carol")
    ok(c.create("Projects"))
    for i in range(3):
        ok(c.append("Projects", None, None,
                    b"Subject: p%d\r\nMessage-ID: <p%d@x>\r\n\r\nx\r\n"
                    % (i, i)))
    c.logout()
    rc = tmp_path / "mbsyncrc"
    rc.write_text("""
IMAPAccount gannet
Host 127.0.0.1
Port %d
User carol@%s
Pass %s
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account gannet

MaildirStore local
Path %s/
Inbox %s/INBOX
SubFolders Verbatim

Channel sync
Far :remote:
Near :local:
Patterns *
Create Both
Expunge Both
SyncState *
""" % (mail.port, DOMAIN, PASSWORD, local, local))

    def mbsync():
        p = subprocess.run(["mbsync", "-c", str(rc), "-a"],
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stdout + p.stderr
        return p.stdout + p.stderr

    mbsync()
    proj = local / "Projects"
    assert len(os.listdir(proj / "cur")) + len(os.listdir(proj / "new")) == 3
    # a local change goes up: a new message and a flag
    sub = proj / "cur"
    old = sorted([proj / "new" / n for n in os.listdir(proj / "new")]
                 + [sub / n for n in os.listdir(sub)])[0]
    os.rename(old, sub / (old.name.split(":")[0] + ":2,F"))
    new = "%d.local.x:2,S" % int(time.time())
    (sub / new).write_bytes(b"Subject: from local\n\nx\n")
    out = mbsync()
    c = mail.login("carol")
    ok(c.select("Projects"))
    assert ok(c.search(None, "FLAGGED")) == [b"1"] or \
        len(ok(c.search(None, "FLAGGED"))[0].split()) == 1
    assert len(ok(c.search(None, "ALL"))[0].split()) == 4
    c.logout()
    # and a second run changes nothing on either side: not a file here,
    # not a UID, flag or modseq there
    def snapshot():
        near = sorted(str(p.relative_to(local)) for p in local.rglob("*")
                      if p.is_file() and ".mbsyncstate" not in p.name
                      and ".uidvalidity" not in p.name)
        c = mail.login("carol")
        far = []
        for line in ok(c.list('""', "*")):
            name = line.decode().split('"."')[1].strip()
            far.append(ok(c.status(name, "(MESSAGES UIDNEXT UIDVALIDITY "
                                         "HIGHESTMODSEQ)"))[0])
        c.logout()
        return near, far

    before = snapshot()
    mbsync()
    assert snapshot() == before


# ----------------------------------------------------------------------
# Limits, and plaintext from a real network (a network namespace)


def test_bad_command_limit(mail):
    r = Raw(mail.port).login()
    for i in range(19):
        _, t = r.cmd("FROB%d" % i)
        assert " BAD " in t
    r.send("x FROB\r\n")
    lines = [r.line(), r.line()]
    assert lines[1].startswith("* BYE Too many bad commands")
    r.close()


NS = "gannet-imap-test"


def ns_run(*args, **kw):
    return subprocess.run(["ip", "netns", "exec", NS] + list(args),
                          capture_output=True, text=True, timeout=60, **kw)


@pytest.fixture
def netns_instance(workdir):
    if not IS_ROOT or shutil.which("ip") is None:
        pytest.skip("needs root and iproute2 for a network namespace")
    subprocess.run(["ip", "netns", "del", NS], capture_output=True)
    if subprocess.run(["ip", "netns", "add", NS]).returncode != 0:
        pytest.skip("cannot create a network namespace here")
    try:
        # an address that is not a loopback address (127/8, ::1), on
        # the namespace's own lo: the client's connections come from it
        for cmd in (["ip", "link", "set", "lo", "up"],
                    ["ip", "addr", "add", "10.213.0.1/32", "dev", "lo"]):
            p = ns_run(*cmd)
            assert p.returncode == 0, p.stderr
        base = free_port_base()
        path = os.path.join(workdir, "inst")
        run([GANNET, "init", path, "--port-base", str(base),
             "--hostname", "mx.gannet.test"])
        inst = Instance(path, base)
        svc = inst.path("services.conf")
        text = open(svc).read()
        text = re.sub(r"^auth(\s+)unix(\s+)-", r"auth\1unix\2n", text,
                      flags=re.M)
        # the IMAP listeners on every address of the namespace
        text = text.replace("127.0.0.1:%d " % inst.port("imap"),
                            "%d " % inst.port("imap"))
        open(svc, "w").write(text)
        inst.gannet("conf", "set", "auth_service_path=public/auth",
                    "imapd_client_connection_limit=3",
                    "imapd_user_connection_limit=2")
        inst.gannet("domain", "add", DOMAIN)
        inst.gannet("user", "add", "alice@" + DOMAIN, "--password-stdin",
                    input=PASSWORD + "\n")
        p = ns_run(GANNET, "-c", path, "start")
        assert p.returncode == 0, p.stderr
        yield inst
        ns_run(GANNET, "-c", path, "stop")
    finally:
        subprocess.run(["ip", "netns", "del", NS], capture_output=True)


NS_CLIENT = r'''
import imaplib, socket, ssl, sys, time
port = int(sys.argv[1])
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
for _ in range(100):
    try:
        socket.create_connection(("10.213.0.1", port), 1).close()
        break
    except OSError:
        time.sleep(0.1)
out = []
c = imaplib.IMAP4("10.213.0.1", port)
out.append("LOGINDISABLED" in c.capabilities and "AUTH=PLAIN" not in
           c.capabilities)
try:
    c.login("alice@example.test", "secret-password")
    out.append(False)
except imaplib.IMAP4.error as e:
    out.append("PRIVACYREQUIRED" in str(e))
c.starttls(ssl_context=ctx)
out.append("AUTH=PLAIN" in c.capabilities)
c.login("alice@example.test", "secret-password")
out.append(True)
# a second session of the account is fine, a third is refused
d = imaplib.IMAP4("10.213.0.1", port)
d.starttls(ssl_context=ctx)
d.login("alice@example.test", "secret-password")
e = imaplib.IMAP4("10.213.0.1", port)
e.starttls(ssl_context=ctx)
try:
    e.login("alice@example.test", "secret-password")
    out.append(False)
except imaplib.IMAP4.error as err:
    out.append("UNAVAILABLE" in str(err))
# the fourth connection from this address gets BYE at once
s = socket.create_connection(("10.213.0.1", port), 5)
out.append(s.makefile("rb").readline().startswith(b"* BYE"))
print(" ".join("ok" if x else "FAIL" for x in out))
'''


def test_plaintext_refused_off_loopback_and_connection_limits(
        netns_instance):
    p = ns_run("/usr/bin/python3", "-c", NS_CLIENT,
               str(netns_instance.port("imap")))
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.split() == ["ok"] * 6, p.stdout + p.stderr


def test_imap4rev2_binary_and_searchres(mail):
    r = Raw(mail.port).login()
    lines, t = r.cmd("ENABLE IMAP4rev2")
    assert lines == ["* ENABLED IMAP4rev2\r\n"]
    r.cmd("CREATE Rev2")
    msg = (b"Subject: bin\r\nContent-Type: multipart/mixed; boundary=x\r\n"
           b"\r\n--x\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n"
           b"--x\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
           b"caf=C3=A9\r\n--x--\r\n")
    t = r.tag()
    r.send(b"%s APPEND Rev2 {%d+}\r\n%s\r\n" % (t.encode(), len(msg), msg))
    r.until(t)
    lines, t = r.cmd("SELECT Rev2")
    text = "".join(lines)
    assert "RECENT" not in text and "[UNSEEN" not in text
    assert '* LIST () "." Rev2' in text
    # BINARY: decoded parts, literal8 for NUL, sizes
    t = r.tag()
    r.send("%s FETCH 1 (BINARY.SIZE[1] BINARY.PEEK[1] BINARY.PEEK[2])\r\n"
           % t)
    head = r.line()
    assert head.startswith("* 1 FETCH (BINARY.SIZE[1] 3 BINARY[1] ~{3}")
    assert r.f.read(3) == b"\x00\x01\x02"
    rest = r.line()
    assert rest == " BINARY[2] {5}\r\n"
    assert r.f.read(5) == "café".encode()
    r.until(t)
    # SEARCHRES, and SEARCH answered with ESEARCH
    lines, t = r.cmd("SEARCH RETURN (SAVE) SUBJECT bin")
    assert lines == [] and " OK " in t
    lines, t = r.cmd("FETCH $ (UID)")
    assert lines == ["* 1 FETCH (UID 1)\r\n"]
    lines, t = r.cmd("SEARCH ALL")
    assert lines == ['* ESEARCH (TAG "%s") ALL 1\r\n' % t.split()[0]]
    r.close()


def test_selected_mailbox_renamed_elsewhere(mail):
    a = mail.login("alice")
    ok(a.create("Moving"))
    ok(a.append("Moving", None, None, b"Subject: m\r\n\r\nx\r\n"))
    b = Raw(mail.port).login()
    b.cmd("SELECT Moving")
    ok(a.rename("Moving", "Moved"))
    lines, t = b.cmd("NOOP")
    assert lines and lines[0].startswith("* BYE"), lines
    b.close()
    # the messages kept their UIDs under the new name
    ok(a.select("Moved"))
    assert uids(a) == [1]
    a.logout()


def test_charsets_inside_the_sandbox(mail):
    # iconv loads its charset modules on first use, after the session is
    # confined to the Maildir: they must still be reachable
    c = mail.login("alice")
    ok(c.create("Koi"))
    body = "Привет, мир".encode("koi8-r")
    msg = (b"Subject: =?koi8-r?b?" + __import__("base64").b64encode(
        "Привет".encode("koi8-r")) + b"?=\r\n"
        b"Content-Type: text/plain; charset=koi8-r\r\n\r\n" + body + b"\r\n")
    ok(c.append("Koi", None, None, msg))
    ok(c.select("Koi"))
    c.literal = "мир".encode()
    assert ok(c.search("UTF-8", "BODY")) == [b"1"]
    c.literal = "Привет".encode()
    assert ok(c.search("UTF-8", "SUBJECT")) == [b"1"]
    c.logout()
