"""Domains, accounts, aliases, lists and the auth service, as an
administrator and the protocol daemons see them: the real gannet commands
edit the maps, and the real auth daemon (started by the master) answers
over its socket in the IPC wire format (lib/mail/ipc.h), as smtpd, pop3d
and imapd will.
"""
import concurrent.futures
import os
import pty
import pwd
import select
import signal
import socket
import stat
import subprocess
import time

import pytest

from conftest import GANNET, run

CLIENT = "192.0.2.7"  # a client outside mynetworks


# ---------------------------------------------------------------------------
# A client of the auth service, in its wire format.

def ipc_escape(v):
    return (str(v).replace("%", "%25").replace("\r", "%0D")
            .replace("\n", "%0A").replace("\0", "%00"))


def ipc_unescape(v):
    out, i = "", 0
    while i < len(v):
        if v[i] == "%":
            out += chr(int(v[i + 1:i + 3], 16))
            i += 3
        else:
            out += v[i]
            i += 1
    return out


def ipc_call(path, mtype, attrs, timeout=10):
    """Send one request; return (type, [(name, value), ...])."""
    msg = mtype + "\n" + "".join(
        "%s=%s\n" % (k, ipc_escape(v)) for k, v in attrs) + "\n"
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall(msg.encode())
        data = b""
        while not data.endswith(b"\n\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    lines = data.decode().split("\n")
    assert lines[-2:] == ["", ""], data
    attrs = []
    for line in lines[1:-2]:
        k, v = line.split("=", 1)
        attrs.append((k, ipc_unescape(v)))
    return lines[0], attrs


class Auth:
    """The auth service of a started instance."""

    def __init__(self, inst):
        self.path = inst.path("queue", "private", "auth")

    def login(self, login, password, client=CLIENT, service="imap",
              tls=True):
        t, attrs = ipc_call(self.path, "login", [
            ("login", login), ("password", password), ("service", service),
            ("client", client), ("tls", 1 if tls else 0)])
        assert t == "login-reply", (t, attrs)
        return dict(attrs)

    def login_becomes(self, want, login, password, **kw):
        """Daemons look at a rebuilt map at most once a second: wait for
        a change to show, then return the answer."""
        end = time.time() + 5
        while True:
            r = self.login(login, password, **kw)
            if r["status"] == want or time.time() > end:
                return r
            time.sleep(0.1)

    def banned(self, client):
        t, attrs = ipc_call(self.path, "banned", [("client", client)])
        assert t == "banned-reply"
        return dict(attrs)["banned"] == "1"


# ---------------------------------------------------------------------------
# Fixtures

def start(inst):
    p = inst.gannet("start")
    inst.started = True
    assert "started the mail system" in p.stdout
    path = inst.path("queue", "private", "auth")
    end = time.time() + 10
    while time.time() < end:
        if os.path.exists(path):
            try:
                ipc_call(path, "banned", [("client", "192.0.2.1")])
                return Auth(inst)
            except OSError:
                pass
        time.sleep(0.05)
    raise AssertionError("auth service never answered; log:\n" + inst.log())


def add_user(inst, address, password, *extra, check=True):
    return inst.gannet("user", "add", address, "--password-stdin", *extra,
                       input=password + "\n", check=check)


@pytest.fixture
def hosted(instance):
    """Two domains with a joe each, and a domain alias."""
    inst = instance
    inst.gannet("conf", "set", "auth_default_realm=example.com")
    inst.gannet("domain", "add", "example.com")
    inst.gannet("domain", "add", "example.org")
    inst.gannet("domain", "alias", "example.net", "example.com")
    add_user(inst, "joe@example.com", "joe-at-com")
    add_user(inst, "joe@example.org", "joe-at-org")
    add_user(inst, "ann@example.com", "ann-secret")
    return inst


# ---------------------------------------------------------------------------
# The data model and the commands

def test_same_local_part_in_two_domains_is_two_accounts(hosted):
    auth = start(hosted)
    r = auth.login("joe@example.com", "joe-at-com")
    assert r["status"] == "ok"
    assert r["user"] == "joe@example.com"
    assert r["maildir"] == "example.com/joe/"
    r = auth.login("joe@example.org", "joe-at-org")
    assert r["status"] == "ok"
    assert r["maildir"] == "example.org/joe/"
    # Each password opens only its own account.
    assert auth.login("joe@example.org", "joe-at-com")["status"] == "fail"
    assert auth.login("joe@example.com", "joe-at-org")["status"] == "fail"
    for d in ("example.com", "example.org"):
        for sub in ("cur", "new", "tmp"):
            assert os.path.isdir(hosted.path("mail", d, "joe", sub))


def test_every_login_name_form_authenticates(hosted):
    auth = start(hosted)
    for login in ("joe@example.com", "JOE@Example.COM", "joe%example.com",
                  "joe#example.com", "joe",
                  # a domain alias is the same account
                  "joe@example.net", "joe%example.net"):
        r = auth.login(login, "joe-at-com", client="127.0.0.1")
        assert r["status"] == "ok", (login, r)
        assert r["user"] == "joe@example.com", login
    # Passwords are case-sensitive.
    assert auth.login("joe", "JOE-AT-COM", client="127.0.0.1")[
        "status"] == "fail"


def test_domain_alias_resolves(hosted):
    out = hosted.gannet("alias", "resolve", "Joe@Example.NET").stdout
    assert out == "joe@example.com\tmailbox example.com/joe/ quota=none\n"
    # An alias domain has no accounts of its own.
    p = add_user(hosted, "sue@example.net", "sue-secret", check=False)
    assert p.returncode == 1
    assert "example.net is an alias of example.com; use sue@example.com" \
        in p.stderr


def test_disabled_account_and_domain_are_refused(hosted):
    auth = start(hosted)
    hosted.gannet("user", "disable", "joe@example.com")
    r = auth.login_becomes("disabled", "joe@example.com", "joe-at-com")
    assert r["status"] == "disabled"
    # Without the right password, a disabled account is just a failure.
    assert auth.login("joe@example.com", "wrong-pass")["status"] == "fail"
    p = hosted.gannet("alias", "resolve", "joe@example.com", check=False)
    assert p.returncode == 1
    assert "550 5.2.1" in p.stdout and "Account is not active" in p.stdout
    hosted.gannet("user", "enable", "joe@example.com")
    assert auth.login_becomes("ok", "joe@example.com", "joe-at-com")[
        "status"] == "ok"

    hosted.gannet("domain", "disable", "example.org")
    assert auth.login_becomes("disabled", "joe@example.org", "joe-at-org")[
        "status"] == "disabled"
    p = hosted.gannet("alias", "resolve", "joe@example.org", check=False)
    assert "550 5.2.1" in p.stdout and "Domain has been disabled" in p.stdout
    hosted.gannet("domain", "enable", "example.org")
    assert auth.login_becomes("ok", "joe@example.org", "joe-at-org")[
        "status"] == "ok"
    log = hosted.log()
    assert "login refused: user=<joe@example.com> service=imap client=%s: "\
        "account disabled" % CLIENT in log


def test_unknown_user_looks_like_a_wrong_password(hosted):
    auth = start(hosted)
    unknown = auth.login("nobody@example.com", "whatever1")
    wrong = auth.login("joe@example.com", "whatever1")
    assert unknown == wrong == {"status": "fail",
                                "reason": "authentication failed"}
    # Aliases and lists cannot log in.
    hosted.gannet("alias", "add", "info@example.com", "joe@example.com")
    time.sleep(1.1)
    assert auth.login("info@example.com", "joe-at-com")["status"] == "fail"


def test_alias_chains_resolve_and_loops_are_refused(hosted):
    g = hosted.gannet
    g("alias", "add", "a@example.com", "b@example.com")
    g("alias", "add", "b@example.com", "c@example.org")
    p = g("alias", "add", "c@example.org", "joe@example.com",
          "friend@elsewhere.test")
    assert p.returncode == 0
    out = g("alias", "resolve", "a@example.com").stdout
    assert out == ("joe@example.com\tmailbox example.com/joe/ quota=none\n"
                   "friend@elsewhere.test\tremote\n")
    # Closing the circle is refused, and nothing is written.
    before = open(hosted.path("maps", "aliases")).read()
    p = g("alias", "add", "joe2@example.com", "a@example.com", check=False)
    assert p.returncode == 0  # not a loop: ends at joe
    p = g("user", "forward", "joe@example.com", "a@example.com",
          check=False)
    assert p.returncode == 1
    assert "refused, nothing changed: alias loop: joe@example.com -> " \
        "a@example.com -> b@example.com -> c@example.org -> " \
        "joe@example.com" in p.stderr
    assert "forward" not in open(hosted.path("maps", "users")).read()
    # A loop written by hand is refused when mail comes, not followed.
    with open(hosted.path("maps", "aliases"), "a") as f:
        f.write("x@example.com y@example.com\ny@example.com x@example.com\n")
    g("map", "build", hosted.path("maps", "aliases"))
    p = g("alias", "resolve", "x@example.com", check=False)
    assert p.returncode == 1
    assert "554 5.4.6" in p.stdout and "alias loop" in p.stdout
    # So is a chain deeper than virtual_alias_recursion_limit.
    g("conf", "set", "virtual_alias_recursion_limit=2")
    p = g("alias", "resolve", "a@example.com", check=False)
    assert "554 5.4.6" in p.stdout and "deeper than 2" in p.stdout
    assert before  # the file was there and readable


def test_catch_all_takes_only_unknown_users(hosted):
    g = hosted.gannet
    p = g("alias", "resolve", "stranger@example.org", check=False)
    assert p.returncode == 1 and "550 5.1.1" in p.stdout
    g("alias", "add", "@example.org", "joe@example.org")
    assert g("alias", "resolve", "stranger@example.org").stdout == \
        "joe@example.org\tmailbox example.org/joe/ quota=none\n"
    assert "joe@example.org" in g("alias", "resolve",
                                  "joe@example.org").stdout
    # A catch-all to an unknown address of its own domain would loop.
    p = g("alias", "add", "@example.com", "nobody@example.com", check=False)
    assert p.returncode == 1 and "alias loop" in p.stderr


def test_distribution_list(hosted):
    g = hosted.gannet
    g("list", "add", "staff@example.com", "--policy", "members",
      "joe@example.com", "ann@example.com", "boss@elsewhere.test")
    out = g("alias", "resolve", "staff@example.com").stdout
    assert "joe@example.com\tmailbox" in out
    assert "ann@example.com\tmailbox" in out
    assert "boss@elsewhere.test\tremote" in out
    assert g("list", "members", "staff@example.com").stdout.split() == [
        "joe@example.com", "ann@example.com", "boss@elsewhere.test"]
    g("list", "members", "staff@example.com", "del", "boss@elsewhere.test")
    g("list", "set", "staff@example.com", "--require-auth")
    show = g("list", "show", "staff@example.com").stdout
    assert "policy=members require_auth=yes members=2" in show
    p = g("list", "add", "staff@example.com", check=False)
    assert p.returncode == 1 and "already exists" in p.stderr
    p = g("list", "senders", "staff@example.com", "del", "x@y.test",
          check=False)
    assert p.returncode == 1 and "is not on" in p.stderr
    g("list", "disable", "staff@example.com")
    p = g("alias", "resolve", "staff@example.com", check=False)
    assert "550 5.2.1" in p.stdout


def test_forward_and_autoreply_are_stored(hosted):
    g = hosted.gannet
    g("user", "forward", "ann@example.com", "ann@elsewhere.test")
    out = g("alias", "resolve", "ann@example.com").stdout
    assert "ann@elsewhere.test\tremote" in out
    assert "ann@example.com\tmailbox" in out  # a copy is kept by default
    g("user", "forward", "ann@example.com", "ann@elsewhere.test",
      "--no-keep")
    out = g("alias", "resolve", "ann@example.com").stdout
    assert out == "ann@elsewhere.test\tremote\n"
    g("user", "autoreply", "ann@example.com", "--subject", "Away",
      "--text", "Back on Monday.\nAnn", "--until", "2099-12-31")
    show = g("user", "show", "ann@example.com").stdout
    assert "auto-reply: on, until 2099-12-31" in show
    assert "subject: Away" in show
    assert "Back on Monday.\nAnn\n" in show
    line = [l for l in open(hosted.path("maps", "users"))
            if l.startswith("ann@")][0]
    assert "autoreply_text=Back%20on%20Monday.%0AAnn" in line
    g("user", "autoreply", "ann@example.com", "--off")
    assert "autoreply=no" in open(hosted.path("maps", "users")).read()


def test_mistakes_get_clear_errors(hosted):
    g = hosted.gannet
    cases = [
        (["domain", "add", "example"], "must contain a dot"),
        (["domain", "add", "exa mple.com"], "bad domain"),
        (["domain", "add", "example.com"], "example.com already exists"),
        (["domain", "alias", "example.net", "example.org"],
         "example.net already exists"),
        (["domain", "alias", "x.test", "nowhere.test"],
         "domain nowhere.test is not hosted here"),
        (["user", "add", "joe@example.com", "--password-stdin"],
         "joe@example.com already exists (an account)"),
        (["user", "add", "new@unhosted.test", "--password-stdin"],
         "domain unhosted.test is not hosted here"),
        (["user", "add", "a/b@example.com", "--password-stdin"],
         "bad address"),
        (["user", "add", "joe", "--password-stdin"], "no '@'"),
        (["alias", "add", "joe@example.com", "ann@example.com"],
         "already exists (an account)"),
        (["alias", "add", "x@example.com", "not an address"], "bad address"),
        (["user", "quota", "joe@example.com", "lots"], "bad size"),
        (["user", "passwd", "ghost@example.com", "--password-stdin"],
         "no account ghost@example.com"),
        (["domain", "del", "example.com"], "still has 2 account(s)"),
    ]
    for args, msg in cases:
        p = g(*args, check=False, input="password1\n")
        assert p.returncode != 0, args
        assert msg in p.stderr, (args, p.stderr)
    p = add_user(hosted, "short@example.com", "abc", check=False)
    assert "password too short" in p.stderr
    # No password on the command line, and none without a terminal.
    p = g("user", "add", "x@example.com", check=False, input="")
    assert "--password-stdin" in p.stderr
    # Nothing above changed the maps.
    users = g("user", "list").stdout
    assert sorted(l.split("\t")[0] for l in users.splitlines()) == [
        "ann@example.com", "joe@example.com", "joe@example.org"]


def test_a_malformed_entry_defers_and_says_where(hosted):
    with open(hosted.path("maps", "users"), "a") as f:
        f.write("bad@example.com active=yes qouta=10m\n")
    hosted.gannet("map", "build", hosted.path("maps", "users"))
    p = hosted.gannet("alias", "resolve", "bad@example.com", check=False)
    assert p.returncode == 1
    assert "451 4.3.0" in p.stdout
    assert "users map hash:%s: bad@example.com: unknown field \"qouta\"" \
        % hosted.path("maps", "users") in p.stdout
    # The other entries still work, and the listing shows the problem.
    assert "joe@example.com\tmailbox" in hosted.gannet(
        "alias", "resolve", "joe@example.com").stdout
    out = hosted.gannet("user", "list").stdout
    assert "bad@example.com\tmalformed: unknown field \"qouta\"" in out


def test_domain_limits(hosted):
    g = hosted.gannet
    g("domain", "add", "small.test", "--max-accounts", "2", "--max-size",
      "100m", "--default-quota", "40m")
    add_user(hosted, "a@small.test", "password1")
    p = add_user(hosted, "b@small.test", "password1", "--quota", "70m",
                 check=False)
    assert p.returncode == 1
    assert "limits the total of its quotas to 100m; 60m are left" in p.stderr
    add_user(hosted, "b@small.test", "password1")
    p = add_user(hosted, "c@small.test", "password1", check=False)
    assert "reached its limit of 2 account(s)" in p.stderr
    lines = g("user", "list", "small.test").stdout.splitlines()
    assert [l.split("\t")[2].split()[0] for l in lines] == [
        "quota=40m", "quota=40m"]
    out = g("domain", "list").stdout
    assert "small.test\tactive\taccounts=2 max_accounts=2 max_size=100m " \
        "default_quota=40m" in out
    assert "example.net\talias of example.com" in out


def test_user_list_shows_usage(hosted):
    maildir = hosted.path("mail", "example.com", "joe")
    with open(os.path.join(maildir, "new", "1.M1P1.host,S=1234"), "w") as f:
        f.write("x" * 1234)
    with open(os.path.join(maildir, "cur", "2.M2P2.host:2,S"), "w") as f:
        f.write("y" * 100)
    out = hosted.gannet("user", "list", "example.com").stdout
    joe = [l for l in out.splitlines() if l.startswith("joe@")][0]
    assert "usage=1334 messages=2" in joe


def test_imported_hashes_verify(hosted):
    """$6$ from openssl, $2y$ from PHP's documentation, and our own."""
    sha512 = run(["openssl", "passwd", "-6", "-salt", "saltsalt",
                  "imported-1"]).stdout.strip()
    assert sha512.startswith("$6$saltsalt$")
    bcrypt = "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"
    ours = hosted.gannet("user", "hash", "--password-stdin", "--scheme",
                         "bcrypt", input="mine-42\n").stdout.strip()
    assert ours.startswith("$2b$")
    yes = hosted.gannet("user", "hash", "--password-stdin",
                        input="mine-43\n").stdout.strip()
    assert yes.startswith("$y$")
    for name in ("six", "twoy", "twob", "yes"):
        add_user(hosted, name + "@example.org", "placeholder", "--quota", "0")
    # Hashes pasted into the map by hand, then `gannet map build`.
    path = hosted.path("maps", "auth", "passwd")
    text = open(path).read()
    lines = [l for l in text.splitlines()
             if l.split("\t")[0] not in ("six@example.org", "twoy@example.org",
                                         "twob@example.org",
                                         "yes@example.org")]
    lines += ["six@example.org %s" % sha512, "twoy@example.org %s" % bcrypt,
              "twob@example.org    %s" % ours, "yes@example.org %s" % yes]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    hosted.gannet("map", "build", path)
    auth = start(hosted)
    assert auth.login("six@example.org", "imported-1")["status"] == "ok"
    assert auth.login("twoy@example.org", "rasmuslerdorf")["status"] == "ok"
    assert auth.login("twob@example.org", "mine-42")["status"] == "ok"
    assert auth.login("yes@example.org", "mine-43")["status"] == "ok"
    assert auth.login("six@example.org", "imported-2",
                      client="127.0.0.1")["status"] == "fail"


def test_no_plaintext_password_in_any_map(hosted):
    secret = "Very-Secret-Passw0rd"
    add_user(hosted, "sam@example.com", secret)
    hosted.gannet("user", "passwd", "joe@example.com", "--password-stdin",
                  input=secret + "-2\n")
    for name in ("users", "domains", "aliases", "lists", "auth/passwd"):
        dump = run(["db5.3_dump", "-p",
                    hosted.path("maps", name + ".db")]).stdout
        assert secret not in dump, name
        text = open(hosted.path("maps", name)).read()
        assert secret not in text, name
    dump = run(["db5.3_dump", "-p", hosted.path("maps", "users.db")]).stdout
    assert "sam@example.com" in dump and "$y$" not in dump
    pw = run(["db5.3_dump", "-p",
              hosted.path("maps", "auth", "passwd.db")]).stdout
    assert "sam@example.com\\00" in pw and "$y$" in pw


def test_hashes_are_readable_by_the_auth_service_only(hosted):
    if os.getuid() != 0:
        pytest.skip("file owners are only set up when root runs the instance")
    d = os.stat(hosted.path("maps", "auth"))
    assert stat.S_IMODE(d.st_mode) == 0o750
    assert d.st_uid == 0
    assert d.st_gid == pwd.getpwnam("gannet-auth").pw_gid
    for name in ("passwd", "passwd.db"):
        st = os.stat(hosted.path("maps", "auth", name))
        assert st.st_gid == d.st_gid, name
        assert not st.st_mode & 0o007, name
    # And after a rewrite by a command, still so.
    hosted.gannet("user", "passwd", "ann@example.com", "--password-stdin",
                  input="changed-pw\n")
    st = os.stat(hosted.path("maps", "auth", "passwd.db"))
    assert st.st_gid == d.st_gid and not st.st_mode & 0o007
    # The service runs as its own user, not as the SMTP side's.
    auth = start(hosted)
    assert auth.login("ann@example.com", "changed-pw")["status"] == "ok"
    users = subprocess.run(["ps", "-eo", "user:32,args"], capture_output=True,
                           text=True).stdout
    line = [l for l in users.splitlines()
            if " auth -c %s " % hosted.dir in l + " "][0]
    assert line.split()[0] == "gannet-auth"


def test_concurrent_user_add_loses_nothing(hosted):
    def one(i):
        return add_user(hosted, "u%02d@example.com" % i, "password-%d" % i,
                        check=False)

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one, range(16)))
    for r in results:
        assert r.returncode == 0, r.stderr
    users = hosted.gannet("user", "list", "example.com").stdout
    for i in range(16):
        assert "u%02d@example.com\t" % i in users
    auth = start(hosted)
    for i in (0, 7, 15):
        assert auth.login("u%02d@example.com" % i,
                          "password-%d" % i)["status"] == "ok"


def test_password_prompt_on_a_terminal_does_not_echo(hosted):
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(GANNET, [GANNET, "-c", hosted.dir, "user", "add",
                          "tty@example.com"])
    out = b""

    def read_until(text, timeout=10):
        nonlocal out
        end = time.time() + timeout
        while text not in out and time.time() < end:
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                try:
                    out += os.read(fd, 1024)
                except OSError:
                    break
        assert text in out, out

    try:
        read_until(b"New password: ")
        os.write(fd, b"tty-secret-1\n")
        read_until(b"Retype new password: ")
        os.write(fd, b"tty-secret-1\n")
        read_until(b"account tty@example.com added")
    finally:
        end = time.time() + 10
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done or time.time() > end:
                break
            time.sleep(0.05)
        if not done:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert b"tty-secret-1" not in out
    auth = start(hosted)
    assert auth.login("tty@example.com", "tty-secret-1")["status"] == "ok"


def test_domain_del_force_removes_everything_of_the_domain(hosted):
    g = hosted.gannet
    g("alias", "add", "info@example.org", "joe@example.org")
    g("list", "add", "all@example.org", "joe@example.org")
    g("domain", "alias", "example.info", "example.org")
    out = g("domain", "del", "example.org", "--force").stdout
    assert "with 1 account(s), 1 alias(es), 1 list(s) and 1 domain " \
        "alias(es)" in out
    assert "mailboxes are kept" in out
    for name in ("domains", "users", "aliases", "lists", "auth/passwd"):
        entries = [l for l in open(hosted.path("maps", name))
                   if not l.startswith("#")]
        assert not [l for l in entries
                    if "example.org" in l or "example.info" in l], name
    # The other domain is untouched.
    assert "joe@example.com\tactive" in g("user", "list").stdout
    assert os.path.isdir(hosted.path("mail", "example.org", "joe"))


# ---------------------------------------------------------------------------
# Bans

def test_ban_after_limit_and_its_end(hosted):
    hosted.gannet("conf", "set", "auth_failure_limit=3",
                  "auth_failure_window=10m", "auth_ban_time=3s")
    auth = start(hosted)
    for i in range(2):
        assert auth.login("joe@example.com", "bad-%d" % i)["status"] == \
            "fail"
    assert not auth.banned(CLIENT)
    assert auth.login("nobody@example.com", "bad-3")["status"] == "fail"
    assert auth.banned(CLIENT)
    # Banned on every protocol, even with the right password.
    for service in ("smtp", "pop3", "imap"):
        r = auth.login("joe@example.com", "joe-at-com", service=service)
        assert r["status"] == "banned", r
        assert int(r["until"]) > time.time()
    # Other clients are not affected.
    assert auth.login("joe@example.com", "joe-at-com",
                      client="192.0.2.8")["status"] == "ok"
    log = hosted.wait_log("ban: client %s: 3 authentication failures" % CLIENT)
    assert "banned on every protocol until" in log
    listed = hosted.gannet("ban", "list").stdout
    assert listed.startswith(CLIENT + "\tuntil ")
    assert "failures=3" in listed
    # The ban ends by itself.
    end = time.time() + 15
    while auth.banned(CLIENT) and time.time() < end:
        time.sleep(0.25)
    assert not auth.banned(CLIENT)
    assert auth.login("joe@example.com", "joe-at-com")["status"] == "ok"
    hosted.wait_log("ban lifted: client %s: ban time over" % CLIENT)
    assert hosted.gannet("ban", "list").stdout == ""


def test_trusted_networks_are_never_banned(hosted):
    hosted.gannet("conf", "set", "auth_failure_limit=2")
    auth = start(hosted)
    for i in range(5):
        assert auth.login("joe@example.com", "bad", client="127.0.0.1")[
            "status"] == "fail"
    assert not auth.banned("127.0.0.1")
    assert auth.login("joe@example.com", "joe-at-com",
                      client="127.0.0.1")["status"] == "ok"


def test_bans_survive_a_restart_and_can_be_lifted(hosted):
    hosted.gannet("conf", "set", "auth_failure_limit=2", "auth_ban_time=1h")
    auth = start(hosted)
    for client in ("192.0.2.20", "2001:db8::20"):
        for i in range(2):
            auth.login("joe@example.com", "bad", client=client)
        assert auth.banned(client)
    hosted.gannet("stop")
    hosted.started = False
    # While it is down, the command reads the database itself.
    listed = hosted.gannet("ban", "list").stdout
    assert "192.0.2.20\t" in listed and "2001:db8::20\t" in listed
    hosted.gannet("ban", "del", "2001:db8::20")
    auth = start(hosted)
    assert auth.banned("192.0.2.20")
    assert not auth.banned("2001:db8::20")
    # While it runs, the command asks it, and the ban ends at once.
    out = hosted.gannet("ban", "del", "192.0.2.20").stdout
    assert "ban of 192.0.2.20 lifted" in out
    assert not auth.banned("192.0.2.20")
    p = hosted.gannet("ban", "del", "192.0.2.20", check=False)
    assert p.returncode == 1 and "is not banned" in p.stderr
    hosted.wait_log("ban lifted: client 192.0.2.20: by the administrator")


def test_gannet_user_login_uses_the_auth_client(hosted):
    start(hosted)
    p = hosted.gannet("user", "login", "joe%example.org", "--password-stdin",
                      input="joe-at-org\n")
    assert p.stdout == "ok: user=joe@example.org maildir=example.org/joe/ " \
        "quota=0\n"
    p = hosted.gannet("user", "login", "joe@example.org", "--password-stdin",
                      input="nope\n", check=False)
    assert p.returncode == 1 and p.stdout.startswith("fail: ")
    hosted.gannet("stop")
    hosted.started = False
    # With the service down, the answer is a temporary failure.
    p = hosted.gannet("user", "login", "joe@example.org", "--password-stdin",
                      input="joe-at-org\n", check=False)
    assert p.returncode == 1
    assert p.stdout.startswith("tempfail: auth service unavailable")


def test_malformed_requests_are_refused(hosted):
    auth = start(hosted)
    t, attrs = ipc_call(auth.path, "login", [("login", "joe@example.com")])
    assert t == "error"
    t, attrs = ipc_call(auth.path, "frobnicate", [])
    assert t == "error"
    # The service is still there.
    assert auth.login("joe@example.com", "joe-at-com")["status"] == "ok"


# ---------------------------------------------------------------------------
# gannet init --demo

def test_init_demo(workdir):
    from conftest import Instance, free_port_base
    path = os.path.join(workdir, "demo")
    base = free_port_base()
    p = run([GANNET, "init", path, "--demo", "--port-base", str(base),
             "--hostname", "mx.gannet.test"])
    pwfile = os.path.join(path, "demo-passwords")
    assert stat.S_IMODE(os.stat(pwfile).st_mode) == 0o600
    creds = dict(l.split() for l in open(pwfile).read().splitlines())
    assert sorted(creds) == ["alice@example.test", "bob@example.test"]
    for user, pw in creds.items():
        assert "%s %s" % (user, pw) in p.stdout
        assert len(pw) >= 12
    assert creds["alice@example.test"] != creds["bob@example.test"]
    inst = Instance(path, base)
    try:
        auth = start(inst)
        for user, pw in creds.items():
            assert auth.login(user, pw)["status"] == "ok"
    finally:
        inst.gannet("stop", check=False)
