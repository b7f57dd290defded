"""gannet map build / query / dump / check, as an administrator types them.

Timings are measured and printed (run pytest with -s to see them), never
asserted.
"""
import os
import select
import shutil
import subprocess
import time

import pytest

from conftest import GANNET, run

N_LINES = 100000


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def timed(fn, *args, **kw):
    t0 = time.monotonic()
    r = fn(*args, **kw)
    return r, time.monotonic() - t0


def test_build_100k_line_map_and_query(instance):
    src = instance.path("maps", "virtual")
    with open(src, "w") as f:
        f.write("# generated\n")
        for i in range(N_LINES):
            f.write("user%06d@example.com  mailbox%06d\n" % (i, i))
    p, secs = timed(instance.gannet, "map", "build", src, timeout=300)
    print("\nmap build: %d lines in %.2fs" % (N_LINES, secs))
    assert p.returncode == 0 and p.stderr == ""
    assert os.path.exists(src + ".db")
    # No temporary file is left behind.
    assert [n for n in os.listdir(instance.path("maps"))
            if n.endswith(".tmp")] == []

    for i in (0, 54321, N_LINES - 1):
        q, secs = timed(instance.gannet, "map", "query", "hash:" + src,
                        "user%06d@example.com" % i)
        assert q.stdout == "mailbox%06d\n" % i
    print("map query: one key from the 100k map in %.3fs" % secs)
    # Keys are case-insensitive in hash maps.
    q = instance.gannet("map", "query", "hash:" + src, "USER000007@Example.COM")
    assert q.stdout == "mailbox000007\n"
    # Not found: exit status 1 and nothing printed, like postmap -q.
    q = instance.gannet("map", "query", "hash:" + src, "nobody@example.com",
                        check=False)
    assert q.returncode == 1 and q.stdout == ""
    # Several keys: key<TAB>value for those found, 1 because one is missing.
    q = instance.gannet("map", "query", "hash:" + src, "user000001@example.com",
                        "nobody@example.com", "user000002@example.com",
                        check=False)
    assert q.returncode == 1
    assert q.stdout == ("user000001@example.com\tmailbox000001\n"
                        "user000002@example.com\tmailbox000002\n")


def test_default_type_and_btree_dump(instance):
    src = write(instance.path("maps", "transport"),
                "zeta.example  smtp:[relay.zeta]\n"
                "alpha.example smtp:[relay.alpha]\n")
    instance.gannet("map", "build", "btree:" + src)
    assert instance.gannet("map", "dump", "btree:" + src).stdout == (
        "alpha.example\tsmtp:[relay.alpha]\n"
        "zeta.example\tsmtp:[relay.zeta]\n")
    # No type: default_database_type (hash).
    instance.gannet("map", "build", src)
    assert instance.gannet("map", "query", src,
                           "alpha.example").stdout == "smtp:[relay.alpha]\n"
    instance.gannet("conf", "set", "default_database_type=btree")
    instance.gannet("map", "build", src)
    assert instance.gannet("map", "dump", src).stdout.startswith("alpha")
    assert instance.gannet("map", "query", src,
                           "zeta.example").stdout == "smtp:[relay.zeta]\n"


def test_duplicates_and_bad_lines_get_file_and_line(instance):
    src = write(instance.path("maps", "aliases"),
                "# aliases\n"
                "postmaster root\n"
                "abuse      root\n"
                "postmaster someone-else\n")
    p = instance.gannet("map", "build", src)
    assert p.returncode == 0
    assert ("gannet: %s:4: warning: duplicate key \"postmaster\", the first "
            "one wins" % src) in p.stderr
    assert instance.gannet("map", "query", "hash:" + src,
                           "postmaster").stdout == "root\n"

    # A bad line fails the build and leaves the previous map in service.
    write(src, "postmaster changed\nlonely-key\nabuse root\n")
    p = instance.gannet("map", "build", src, check=False)
    assert p.returncode == 1
    assert ("gannet: %s:2: expected \"key value\", found only "
            "\"lonely-key\"" % src) in p.stderr
    assert instance.gannet("map", "query", "hash:" + src,
                           "postmaster").stdout == "root\n"

    # A continuation line with nothing to continue.
    write(src, "  orphan value\nok 1\n")
    p = instance.gannet("map", "check", "hash:" + src, check=False)
    assert p.returncode == 1
    assert "%s:1: continuation line" % src in p.stderr

    # cidr and pcre errors, through check and through query.
    cidr = write(instance.path("maps", "clients.cidr"),
                 "192.0.2.0/24 OK\n"
                 "192.0.2.300 REJECT\n"
                 "198.51.100.7/24 REJECT\n")
    p = instance.gannet("map", "check", "cidr:" + cidr, check=False)
    assert p.returncode == 1
    assert ("%s:2: bad address or network \"192.0.2.300\"" % cidr) in p.stderr
    assert ("%s:3: warning: non-null host address bits in "
            "\"198.51.100.7/24\"" % cidr) in p.stderr
    p = instance.gannet("map", "query", "cidr:" + cidr, "192.0.2.1",
                        check=False)
    assert p.returncode == 1 and "%s:2: bad address" % cidr in p.stderr
    pcre = write(instance.path("maps", "checks.pcre"),
                 "/^ok$/ OK\n/^bad(/ REJECT\n/(x)/ $2\n")
    p = instance.gannet("map", "check", "pcre:" + pcre, check=False)
    assert p.returncode == 1
    assert "%s:2: bad pattern /^bad(/: missing closing parenthesis" % pcre \
        in p.stderr
    assert "%s:3: $2 in the result, but the pattern has 1 group" % pcre \
        in p.stderr

    # Text types need no build.
    p = instance.gannet("map", "build", "cidr:" + cidr, check=False)
    assert p.returncode == 1 and "nothing to build" in p.stderr


def test_line_length_limit(instance):
    instance.gannet("conf", "set", "map_line_length_limit=1k")
    src = write(instance.path("maps", "long"),
                "short 1\nlong " + "x" * 2000 + "\nafter 2\n")
    p = instance.gannet("map", "build", src, check=False)
    assert p.returncode == 1
    assert "%s:2: line longer than 1024 bytes" % src in p.stderr


def test_db_dump_shows_plain_nul_terminated_records(instance):
    if shutil.which("db5.3_dump") is None:
        pytest.skip("db5.3_dump (db5.3-util) is not installed")
    src = write(instance.path("maps", "plain"),
                "Alice@Example.TEST  alice@example.test\n")
    instance.gannet("map", "build", src)
    out = run(["db5.3_dump", "-p", src + ".db"]).stdout
    # Keys are folded when built; both key and value end in a NUL byte.
    assert " alice@example.test\\00\n" in out
    assert out.count("alice@example.test\\00") == 2


def test_address_lookup_order(instance):
    src = write(instance.path("maps", "virtual"),
                "alice@mx.gannet.test   alice-full\n"
                "bob                    bob-local\n"
                "@mx.gannet.test        catchall\n"
                "@other.example         other-catchall\n")
    instance.gannet("map", "build", src)
    q = instance.gannet("map", "query", "-a", "hash:" + src,
                        "alice@MX.gannet.test", "bob@mx.gannet.test",
                        "bob@other.example", "carol@mx.gannet.test")
    # bob is looked up alone only in a local domain (mydestination).
    assert q.stdout == ("alice@MX.gannet.test\talice-full\n"
                        "bob@mx.gannet.test\tbob-local\n"
                        "bob@other.example\tother-catchall\n"
                        "carol@mx.gannet.test\tcatchall\n")


def test_inline_static_texthash_pcre(instance):
    q = instance.gannet("map", "query", "inline:{ a=1, { b = two words } }",
                        "B")
    assert q.stdout == "two words\n"
    q = instance.gannet("map", "query", "static:{ 550 no }", "anything")
    assert q.stdout == "550 no\n"
    th = write(instance.path("maps", "th"), "k1 v1\nK2 v2\n")
    assert instance.gannet("map", "query", "texthash:" + th,
                           "k2").stdout == "v2\n"
    assert instance.gannet("map", "dump", "texthash:" + th).stdout == \
        "k1\tv1\nk2\tv2\n"
    pcre = write(instance.path("maps", "rewrite.pcre"),
                 "/^(.+)@old\\.example$/  ${1}@new.example\n"
                 "if /\\.test$/\n"
                 "/^admin@/              root\n"
                 "endif\n")
    q = instance.gannet("map", "query", "pcre:" + pcre, "Alice@OLD.example",
                        "admin@x.test", "admin@x.org", check=False)
    assert q.returncode == 1
    assert q.stdout == ("Alice@OLD.example\tAlice@new.example\n"
                        "admin@x.test\troot\n")


class LineReader:
    """Lines from a pipe with a timeout (select on the raw descriptor, so
    that no line waits unseen in a Python buffer)."""

    def __init__(self, f):
        self.fd = f.fileno()
        self.buf = b""

    def line(self, timeout=10):
        end = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            r, _, _ = select.select([self.fd], [], [], max(left, 0))
            assert r, "no answer from gannet map query within %ds" % timeout
            data = os.read(self.fd, 4096)
            assert data, "gannet map query exited"
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode() + "\n"


def test_rebuilt_map_is_noticed_by_a_running_reader(instance):
    src = write(instance.path("maps", "access"), "client.example OK\n")
    instance.gannet("map", "build", src)
    proc = subprocess.Popen([GANNET, "-c", instance.dir, "map", "query",
                             "hash:" + src, "-"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, bufsize=1)
    out = LineReader(proc.stdout)
    try:
        proc.stdin.write("client.example\n")
        proc.stdin.flush()
        assert out.line() == "client.example\tOK\n"
        write(src, "client.example REJECT\nnew.example OK\n")
        instance.gannet("map", "build", src)
        time.sleep(1.2)  # maps look at their file at most once a second
        proc.stdin.write("client.example\nnew.example\n")
        proc.stdin.flush()
        assert out.line() == "client.example\tREJECT\n"
        assert out.line() == "new.example\tOK\n"
        # A broken edit is refused by build; the reader keeps answering.
        write(src, "broken\n")
        assert instance.gannet("map", "build", src,
                               check=False).returncode == 1
        time.sleep(1.2)
        proc.stdin.write("new.example\n")
        proc.stdin.flush()
        assert out.line() == "new.example\tOK\n"
    finally:
        proc.kill()
        proc.wait()


def ip4(n):
    return "%d.%d.%d.%d" % (n >> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255)


def test_cidr_map_with_100k_lines_is_fast(instance):
    src = instance.path("maps", "clients.cidr")
    base = 0x0a000000  # 10.0.0.0
    with open(src, "w") as f:
        f.write("# first match wins\n")
        f.write("10.0.0.128/25   FIRST\n")       # overlaps the /24 below
        for i in range(N_LINES - 4):
            net = base + i * 256
            if i % 3 == 0:
                f.write("%s/24  net%d\n" % (ip4(net), i))
            elif i % 3 == 1:
                f.write("%s-%s  range%d\n" % (ip4(net + 10), ip4(net + 20), i))
            else:
                f.write("[2001:db8:%x:%x::]/64  six%d\n"
                        % (i >> 16, i & 0xffff, i))
        f.write("0.0.0.0/0       DEFAULT\n")
        f.write("::/0            DEFAULT6\n")
    keys = ["10.0.0.200", "10.0.0.1", ip4(base + 1 * 256 + 15),
            ip4(base + 1 * 256 + 5), "2001:db8:0:2::1", "192.0.2.1",
            "2001:db9::1", "::ffff:10.0.0.129", "not-an-address"]
    q, secs = timed(instance.gannet, "map", "query", "cidr:" + src, *keys,
                    check=False)
    print("\ncidr: open a %d-line map and answer %d keys in %.2fs"
          % (N_LINES, len(keys), secs))
    assert q.returncode == 1  # the last key is not an address
    assert q.stdout == ("10.0.0.200\tFIRST\n"
                        "10.0.0.1\tnet0\n"
                        "10.0.1.15\trange1\n"
                        "10.0.1.5\tDEFAULT\n"
                        "2001:db8:0:2::1\tsix2\n"
                        "192.0.2.1\tDEFAULT\n"
                        "2001:db9::1\tDEFAULT6\n"
                        "::ffff:10.0.0.129\tFIRST\n")
    # Many lookups through one open map: the cost per lookup.
    n = 20000
    stdin = "".join(ip4(base + (i * 7919) % (N_LINES * 256)) + "\n"
                    for i in range(n))
    t0 = time.monotonic()
    p = subprocess.run([GANNET, "-c", instance.dir, "map", "query",
                        "cidr:" + src, "-"], input=stdin, capture_output=True,
                       text=True, timeout=300)
    secs = time.monotonic() - t0
    print("cidr: %d lookups (with the open) in %.2fs" % (n, secs))
    assert p.stdout.count("\n") == n


def test_missing_map_and_usage_errors(instance):
    p = instance.gannet("map", "query", "hash:" + instance.path("maps", "none"),
                        "key", check=False)
    assert p.returncode == 1
    assert "open %s.db: No such file or directory" \
        % instance.path("maps", "none") in p.stderr
    p = instance.gannet("map", "query", "nosuch:/x", "key", check=False)
    assert p.returncode == 1
    assert 'unsupported map type "nosuch"' in p.stderr
    for args in (["map"], ["map", "query", "hash:/x"], ["map", "frobnicate"],
                 ["map", "dump"]):
        p = instance.gannet(*args, check=False)
        assert p.returncode == 2 and "usage:" in p.stderr, args
