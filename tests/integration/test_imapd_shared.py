"""imapd: public folders shared by several accounts, and their access
control lists (RFC 4314 ACL), driven with python imaplib and raw sockets
against the real imapd under the master.

One instance serves the module (the accounts of example.test below);
the public folders are made with `gannet public`, as an administrator
would, and each test uses folders of its own.
"""
import imaplib
import os
import re
import shutil
import socket
import tempfile
import time

import pytest

from conftest import GANNET, Instance, free_port_base, run

DOMAIN = "example.test"
USERS = ["alice", "bob", "carol", "dave", "erin"]
PASSWORD = "secret-password"
MSG = ("From: alice@example.test\r\nTo: team@example.test\r\n"
       "Subject: %s\r\n\r\nshared body\r\n")


def addr(user):
    return "%s@%s" % (user, DOMAIN)


class Mail:
    def __init__(self, inst):
        self.inst = inst
        self.port = inst.port("imap")

    def login(self, user):
        c = imaplib.IMAP4("127.0.0.1", self.port)
        try:
            c.login(addr(user), PASSWORD)
        except imaplib.IMAP4.error as e:
            raise AssertionError("login %s: %s\nlog:\n%s" % (
                user, e, self.inst.log()[-3000:]))
        return c

    def public(self, *args):
        return self.inst.gannet("public", *args)

    def public_dir(self, folder=None):
        d = self.inst.path("mail", "public")
        return d if folder is None else os.path.join(d, "." + folder)


class Raw:
    """A raw connection: exact replies, BAD, IDLE."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), 30)
        self.f = self.s.makefile("rb")
        self.greeting = self.line()
        self.n = 0

    def line(self):
        ln = self.f.readline()
        if not ln:
            raise EOFError("connection closed")
        return ln.decode("utf-8", "replace")

    def send(self, data):
        self.s.sendall(data.encode())

    def cmd(self, text):
        self.n += 1
        t = "t%d" % self.n
        self.send("%s %s\r\n" % (t, text))
        return self.until(t)

    def until(self, tag):
        lines = []
        while True:
            ln = self.line()
            if ln.startswith(tag + " "):
                return lines, ln.rstrip("\r\n")
            lines.append(ln.rstrip("\r\n"))

    def login(self, user):
        _, t = self.cmd('LOGIN %s "%s"' % (addr(user), PASSWORD))
        assert " OK " in t, t
        return self

    def close(self):
        self.s.close()


def ok(resp):
    typ, data = resp
    assert typ == "OK", resp
    return data


def listed(c, pattern="*"):
    names = []
    for ln in ok(c.list('""', pattern)):
        if ln is None:
            continue
        m = re.match(rb'\((.*?)\) "\." (.*)$', ln)
        names.append(m.group(2).decode().strip('"'))
    return names


@pytest.fixture(scope="module")
def mail():
    work = tempfile.mkdtemp(prefix="gannet-imap-shared-")
    os.chmod(work, 0o755)
    base = free_port_base()
    path = os.path.join(work, "inst")
    run([GANNET, "init", path, "--port-base", str(base),
         "--hostname", "mx.gannet.test"])
    inst = Instance(path, base)
    # The mailbox daemons (vmail) reach the auth service in public/
    # (as in test_imapd.py).
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
    for u in USERS:
        inst.gannet("user", "add", addr(u), "--password-stdin",
                    input=PASSWORD + "\n")
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


# ----------------------------------------------------------------------


def test_capability_and_namespace(mail):
    c = mail.login("alice")
    caps = ok(c.capability())[0].decode().split()
    assert "ACL" in caps and "RIGHTS=texk" in caps
    assert ok(c.namespace())[0] == b'(("" ".")) NIL (("Public." "."))'
    # the owner has every right on its own folders, which stay private
    r = Raw(mail.port).login("alice")
    lines, t = r.cmd("MYRIGHTS INBOX")
    assert lines == ["* MYRIGHTS INBOX lrswipkxteacd"] and " OK " in t
    lines, t = r.cmd("GETACL Sent")
    assert lines == ["* ACL Sent %s lrswipkxteacd" % addr("alice")]
    _, t = r.cmd("SETACL INBOX %s lr" % addr("bob"))
    assert "NO [CANNOT]" in t, t
    r.close()
    c.logout()


def test_two_accounts_share_a_folder(mail):
    out = mail.public("add", "Team", "anyone", "lr",
                      addr("alice"), "lrswipkxtea", addr("bob"), "lrswite")
    assert "Public.Team added" in out.stdout
    a = mail.login("alice")
    b = mail.login("bob")
    assert "Public.Team" in listed(a) and "Public.Team" in listed(b)
    # the namespace's root is shown as a parent that cannot be selected
    flags = [ln for ln in ok(b.list('""', "Public")) if ln]
    assert b"\\Noselect" in flags[0], flags
    # bob watches the folder while alice posts into it
    r = Raw(mail.port).login("bob")
    lines, t = r.cmd("SELECT Public.Team")
    assert "* 0 EXISTS" in lines and "[READ-WRITE]" in t, (lines, t)
    r.send("i1 IDLE\r\n")
    assert r.line().startswith("+")
    data = ok(a.append("Public.Team", None, None,
                       (MSG % "for the team").encode()))
    m = re.search(rb"APPENDUID (\d+) (\d+)", data[0])
    assert m, data
    # pushed by the server while bob says nothing (other untagged lines,
    # such as RECENT, may come too)
    r.s.settimeout(60)
    pushed = [r.line().rstrip()]
    while not pushed[-1].endswith(" EXISTS"):
        pushed.append(r.line().rstrip())
    assert pushed[-1] == "* 1 EXISTS", pushed
    r.send("DONE\r\n")
    r.until("i1")
    lines, t = r.cmd("UID FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert "UID %s" % m.group(2).decode() in lines[0], lines
    assert "for the team" in "".join(lines)
    r.close()
    # bob's copy from his INBOX lands there too; carol (anyone: lr) reads
    ok(b.append("INBOX", None, None, (MSG % "from bob").encode()))
    ok(b.select("INBOX"))
    ok(b.copy("1", "Public.Team"))
    c = mail.login("carol")
    assert ok(c.select("Public.Team", readonly=True)) == [b"2"]
    typ, data = c.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    subjects = b"".join(x[1] for x in data if isinstance(x, tuple))
    assert b"for the team" in subjects and b"from bob" in subjects
    st = ok(c.status("Public.Team", "(MESSAGES UNSEEN)"))[0]
    assert b"MESSAGES 2" in st
    # one index: the UIDs are the same for everyone
    ok(a.select("Public.Team"))
    ua = ok(a.uid("SEARCH", None, "ALL"))[0]
    ub = ok(c.uid("SEARCH", None, "ALL"))[0]
    assert ua == ub == b"1 2"
    # the public folders count against nobody's quota
    assert ok(a.getquotaroot("Public.Team"))[0] == [b"Public.Team"]
    for x in (a, b, c):
        x.logout()


def test_read_only_user(mail):
    mail.public("add", "News", addr("alice"), "lrswipkxtea",
                addr("carol"), "lr")
    a = mail.login("alice")
    ok(a.append("Public.News", None, None, (MSG % "news").encode()))
    r = Raw(mail.port).login("carol")
    lines, t = r.cmd("SELECT Public.News")
    assert "[READ-ONLY]" in t, t
    _, t = r.cmd("STORE 1 +FLAGS (\\Deleted)")
    assert " NO " in t, t
    _, t = r.cmd("EXPUNGE")
    assert " NO " in t, t
    _, t = r.cmd("APPEND Public.News {3+}\r\nabc")
    assert "NO [NOPERM]" in t, t
    r.cmd("SELECT INBOX")
    r.send("t9 APPEND INBOX {%d+}\r\n%s\r\n" % (len(MSG % "x"), MSG % "x"))
    r.until("t9")
    _, t = r.cmd("COPY 1 Public.News")
    assert "NO [NOPERM]" in t, t
    # reading does not set \Seen: carol may not keep it
    r.cmd("SELECT Public.News")
    r.cmd("FETCH 1 BODY[TEXT]")
    lines, _ = r.cmd("FETCH 1 FLAGS")
    assert "\\Seen" not in lines[0], lines
    lines, t = r.cmd("MYRIGHTS Public.News")
    assert lines == ["* MYRIGHTS Public.News lr"], lines
    _, t = r.cmd("GETACL Public.News")
    assert "NO [NOPERM]" in t, t
    _, t = r.cmd("DELETE Public.News")
    assert "NO [NOPERM]" in t, t
    r.close()
    # nothing changed
    ok(a.select("Public.News"))
    assert ok(a.search(None, "DELETED")) == [b""]
    assert ok(a.search(None, "ALL")) == [b"1"]
    a.logout()


def test_flags_need_their_rights(mail):
    # dave may keep \Seen (s) and post (i) but change no other flag (no w,
    # no t)
    mail.public("add", "Board", addr("alice"), "lrswipkxtea",
                addr("dave"), "lrsi")
    a = mail.login("alice")
    ok(a.append("Public.Board", None, None, (MSG % "board").encode()))
    r = Raw(mail.port).login("dave")
    lines, t = r.cmd("SELECT Public.Board")
    assert "[READ-WRITE]" in t, t
    assert "* OK [PERMANENTFLAGS (\\Seen)] Flags permitted" in lines, lines
    lines, t = r.cmd("STORE 1 +FLAGS (\\Seen \\Flagged $Work)")
    assert " OK " in t, t
    assert len(lines) == 1 and "\\Seen" in lines[0], lines
    assert "\\Flagged" not in lines[0] and "$Work" not in lines[0], lines
    _, t = r.cmd("EXPUNGE")
    assert "NO [NOPERM]" in t, t
    # APPEND keeps only the flags dave may set
    body = MSG % "dave's"
    r.send("t9 APPEND Public.Board (\\Seen \\Flagged \\Deleted $Work) "
           "{%d+}\r\n%s\r\n" % (len(body), body))
    _, t = r.until("t9")
    assert " OK [APPENDUID" in t, t
    lines, _ = r.cmd("FETCH 1:2 FLAGS")
    assert len(lines) == 2 and all("\\Seen" in ln for ln in lines), lines
    r.close()
    # the other flags were not kept; \Seen is dave's own (per user)
    ok(a.select("Public.Board"))
    typ, data = a.fetch("1:2", "FLAGS")
    for d in data:
        assert b"\\Seen" not in d and b"\\Flagged" not in d, data
        assert b"\\Deleted" not in d and b"$Work" not in d, data
    a.logout()


def test_invisible_without_lookup(mail):
    mail.public("add", "Secret", addr("alice"), "lrswipkxtea",
                addr("erin"), "l")
    for user in ("dave", "erin"):
        r = Raw(mail.port).login(user)
        lines, t = r.cmd('LIST "" "Public.*"')
        names = [ln.split(" ")[-1] for ln in lines]
        if user == "dave":
            # no right at all: the folder does not exist for dave
            assert "Public.Secret" not in names, lines
            want = "NO [NONEXISTENT]"
        else:
            # "l" without "r": it is listed, SELECT says why not
            assert "Public.Secret" in names, lines
            want = "NO [NOPERM]"
        _, t = r.cmd("SELECT Public.Secret")
        assert want in t, (user, t)
        _, t = r.cmd("STATUS Public.Secret (MESSAGES)")
        assert " NO " in t, t
        _, t = r.cmd("APPEND Public.Secret {3+}\r\nabc")
        assert " NO " in t, t
        _, t = r.cmd("GETACL Public.Secret")
        assert " NO " in t, t
        r.close()
    a = mail.login("alice")
    assert "Public.Secret" in listed(a)
    a.logout()


def test_acl_commands(mail):
    mail.public("add", "Sales", addr("alice"), "lrswipkxtea")
    r = Raw(mail.port).login("alice")
    lines, t = r.cmd("GETACL Public.Sales")
    assert lines == ["* ACL Public.Sales %s lrswipkxteacd" % addr("alice")]
    assert t == "t2 OK Getacl completed"
    lines, t = r.cmd("SETACL Public.Sales %s lrs" % addr("bob"))
    assert lines == [] and " OK " in t, (lines, t)
    _, t = r.cmd("SETACL Public.Sales %s +i" % addr("bob"))
    assert " OK " in t
    _, t = r.cmd('SETACL Public.Sales "-%s" s' % addr("bob"))
    assert " OK " in t
    lines, _ = r.cmd("GETACL Public.Sales")
    assert lines == ["* ACL Public.Sales %s lrswipkxteacd %s lrsi -%s s"
                     % (addr("alice"), addr("bob"), addr("bob"))], lines
    lines, t = r.cmd("LISTRIGHTS Public.Sales %s" % addr("bob"))
    assert lines == [
        '* LISTRIGHTS Public.Sales %s "" l r s w i p k x t e a c d'
        % addr("bob")], lines
    # the ACL file beside the folder, written whole
    with open(os.path.join(mail.public_dir("Sales"), "gannet-acl")) as f:
        text = f.read()
    assert "%s lrsi\n" % addr("bob") in text
    assert "-%s s\n" % addr("bob") in text
    # bob's view: the negative right takes \Seen away
    b = Raw(mail.port).login("bob")
    lines, _ = b.cmd("MYRIGHTS Public.Sales")
    assert lines == ["* MYRIGHTS Public.Sales lri"], lines
    _, t = b.cmd("SETACL Public.Sales %s lrswipkxtea" % addr("bob"))
    assert "NO [NOPERM]" in t, t
    _, t = b.cmd("LISTRIGHTS Public.Sales anyone")
    assert "NO [NOPERM]" in t, t
    # DELETEACL; then bob sees nothing any more
    _, t = r.cmd("DELETEACL Public.Sales %s" % addr("bob"))
    assert " OK " in t
    _, t = r.cmd('DELETEACL Public.Sales "-%s"' % addr("bob"))
    assert " OK " in t
    lines, _ = r.cmd("GETACL Public.Sales")
    assert lines == ["* ACL Public.Sales %s lrswipkxteacd" % addr("alice")]
    _, t = b.cmd("MYRIGHTS Public.Sales")
    assert "NO [NONEXISTENT]" in t, t
    # malformed commands are BAD
    for bad in ("SETACL Public.Sales %s lrq" % addr("bob"),
                "SETACL Public.Sales %s" % addr("bob"),
                'SETACL Public.Sales "" lr',
                "DELETEACL Public.Sales",
                "GETACL",
                "LISTRIGHTS Public.Sales",
                "MYRIGHTS Public.Sales extra"):
        _, t = r.cmd(bad)
        assert re.match(r"t\d+ BAD ", t), (bad, t)
    _, t = r.cmd("GETACL Public.Nothing")
    assert "NO [NONEXISTENT]" in t, t
    r.close()
    b.close()


def test_create_delete_rename_rights(mail):
    mail.public("add", "Proj", addr("alice"), "lrswipkxtea",
                addr("bob"), "lr")
    b = Raw(mail.port).login("bob")
    _, t = b.cmd("CREATE Public.Proj.Sub")
    assert "NO [NOPERM]" in t, t
    _, t = b.cmd("CREATE Public.Top")
    assert "NO [NOPERM]" in t, t  # the root's ACL grants nothing
    _, t = b.cmd("CREATE Public")
    assert " NO " in t, t
    a = Raw(mail.port).login("alice")
    _, t = a.cmd("CREATE Public.Proj.Sub")
    assert " OK " in t, t
    # a sub-folder without an ACL of its own takes its parent's
    lines, _ = b.cmd("MYRIGHTS Public.Proj.Sub")
    assert lines == ["* MYRIGHTS Public.Proj.Sub lr"], lines
    _, t = b.cmd("DELETE Public.Proj.Sub")
    assert "NO [NOPERM]" in t, t
    _, t = a.cmd("RENAME Public.Proj.Sub Archive2")
    assert "NO [CANNOT]" in t, t
    _, t = a.cmd("RENAME Public.Proj.Sub Public.Proj.Old")
    assert " OK " in t, t
    _, t = a.cmd("DELETE Public.Proj.Old")
    assert " OK " in t, t
    lines, _ = a.cmd('LIST "" "Public.Proj*"')
    assert [ln.split(" ")[-1] for ln in lines] == ["Public.Proj"], lines
    a.close()
    b.close()


def test_gannet_public_command(mail):
    mail.public("add", "Ops")
    out = mail.public("acl", "Ops").stdout
    assert "Public.Ops (no ACL anywhere)" in out
    # the root's ACL is every folder's default
    mail.public("acl", "Public", "anyone", "l")
    out = mail.public("acl", "Ops").stdout
    assert "inherited from Public" in out and "anyone" in out
    out = mail.public("acl", "Public.Ops", addr("erin"), "lri").stdout
    assert re.search(r"%s\s+lri" % re.escape(addr("erin")), out), out
    out = mail.public("acl", "Ops", addr("erin"), "-i").stdout
    assert re.search(r"%s\s+lr\n" % re.escape(addr("erin")), out), out
    out = mail.public("acl", "Ops", "--delete", addr("erin")).stdout
    assert addr("erin") not in out
    bad = mail.inst.gannet("public", "acl", "Ops", "bob", "lrz", check=False)
    assert bad.returncode != 0 and "bad rights" in bad.stderr
    bad = mail.inst.gannet("public", "add", "Ops", check=False)
    assert bad.returncode != 0 and "already exists" in bad.stderr
    listing = mail.public("list").stdout
    assert "Public.Ops" in listing and "Public.Team" in listing
    # dave sees Ops now through the root's "anyone l"
    d = mail.login("dave")
    assert "Public.Ops" in listed(d)
    d.logout()
    mail.public("acl", "Public", "--delete", "anyone")
    mail.public("del", "Ops")
    assert not os.path.exists(mail.public_dir("Ops"))
    bad = mail.inst.gannet("public", "del", "Ops", check=False)
    assert bad.returncode != 0 and "no public folder" in bad.stderr


def test_drop_box(mail):
    # "i" alone: anyone may post into the folder without seeing it
    mail.public("add", "Drop", addr("alice"), "lrswipkxtea", "anyone", "i")
    r = Raw(mail.port).login("bob")
    lines, _ = r.cmd('LIST "" "Public.*"')
    assert not any(ln.endswith(" Public.Drop") for ln in lines), lines
    body = MSG % "dropped"
    r.send("t8 APPEND Public.Drop {%d+}\r\n%s\r\n" % (len(body), body))
    _, t = r.until("t8")
    assert " OK " in t, t
    _, t = r.cmd("SELECT Public.Drop")
    assert "NO [NONEXISTENT]" in t, t
    lines, _ = r.cmd("MYRIGHTS Public.Drop")
    assert lines == ["* MYRIGHTS Public.Drop i"], lines
    r.close()
    a = mail.login("alice")
    ok(a.select("Public.Drop"))
    typ, data = a.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert b"dropped" in data[0][1]
    a.logout()


def test_seen_is_per_user(mail):
    mail.public("add", "Reading", addr("alice"), "lrswipkxtea",
                addr("bob"), "lrswi")
    a = Raw(mail.port).login("alice")
    a2 = Raw(mail.port).login("alice")
    b = Raw(mail.port).login("bob")
    for subj, flags in (("one", ""), ("two", "(\\Seen) ")):
        body = MSG % subj
        a.send("ap APPEND Public.Reading %s{%d+}\r\n%s\r\n"
               % (flags, len(body), body))
        _, t = a.until("ap")
        assert " OK " in t, t
    a.cmd("SELECT Public.Reading")
    a2.cmd("SELECT Public.Reading")
    lines, _ = b.cmd("SELECT Public.Reading")
    # what alice appended with \Seen is read for alice only
    assert "* OK [UNSEEN 1] First unseen message" in lines, lines
    lines, _ = a.cmd("FETCH 1:2 FLAGS")
    assert "\\Seen" not in lines[0] and "\\Seen" in lines[1], lines
    lines, _ = b.cmd("FETCH 1:2 FLAGS")
    assert all("\\Seen" not in ln for ln in lines), lines
    # alice reads the first one; bob's stays unread
    a.cmd("FETCH 1 BODY[TEXT]")
    lines, _ = b.cmd("FETCH 1 FLAGS")
    assert "\\Seen" not in lines[0], lines
    lines, _ = b.cmd("STATUS Public.Reading (UNSEEN)")
    assert lines == ["* STATUS Public.Reading (UNSEEN 2)"], lines
    # alice's other session learns of it at its next command
    lines, _ = a2.cmd("NOOP")
    assert any(re.match(r"\* 1 FETCH \(FLAGS \(.*\\Seen", ln)
               for ln in lines), lines
    lines, _ = a.cmd("STATUS Public.Reading (UNSEEN)")
    assert lines == ["* STATUS Public.Reading (UNSEEN 0)"], lines
    # bob marks one read and flags it: the flag is shared, \Seen is not
    lines, _ = b.cmd("STORE 2 +FLAGS (\\Seen \\Flagged)")
    assert "\\Seen" in lines[0] and "\\Flagged" in lines[0], lines
    lines, _ = a.cmd("NOOP")
    lines, _ = a.cmd("FETCH 2 FLAGS")
    assert "\\Flagged" in lines[0] and "\\Seen" in lines[0], lines
    lines, _ = b.cmd("FETCH 1 FLAGS")
    assert "\\Seen" not in lines[0], lines
    # and alice taking \Seen away does not touch bob's
    a.cmd("STORE 2 -FLAGS (\\Seen)")
    lines, _ = b.cmd("FETCH 2 FLAGS")
    assert "\\Seen" in lines[0], lines
    lines, _ = b.cmd("SEARCH UNSEEN")
    assert lines == ["* SEARCH 1"], lines
    for x in (a, a2, b):
        x.close()
    # kept in the account's own Maildir
    p = mail.inst.path("mail", DOMAIN, "bob", "gannet-pubseen", "Reading")
    with open(p) as f:
        assert re.fullmatch(r"V \d+\n2\n", f.read())
