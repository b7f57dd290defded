"""TLS on every port, seen by `openssl s_client`: STARTTLS on smtp (25)
and submission (587), STLS on pop3 (110), STARTTLS on imap (143), and
implicit TLS on submissions (465), pop3s (995) and imaps (993).

By default only TLS 1.2 and 1.3 are spoken, with forward-secret AEAD
ciphers; TLS 1.0 and 1.1 and the old CBC/RSA suites are refused by the
server (the client is told to offer them at security level 0, so the
refusal is the server's alert, not the client's own policy). A new
certificate put in place and `gannet reload` is what new connections
see.
"""
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from conftest import GANNET, Instance, free_port_base, run

PORTS = {
    # service name -> s_client's -starttls argument (None: implicit TLS)
    "smtp": "smtp",
    "submission": "smtp",
    "submissions": None,
    "pop3": "pop3",
    "pop3s": None,
    "imap": "imap",
    "imaps": None,
}

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None,
                                reason="needs the openssl command")


@pytest.fixture(scope="module")
def inst():
    work = tempfile.mkdtemp(prefix="gannet-tls-")
    os.chmod(work, 0o755)
    base = free_port_base()
    path = os.path.join(work, "inst")
    run([GANNET, "init", path, "--port-base", str(base),
         "--hostname", "mx.gannet.test"])
    i = Instance(path, base)
    i.gannet("start")
    i.started = True
    for name in PORTS:
        end = time.time() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", i.port(name)),
                                         1).close()
                break
            except OSError:
                assert time.time() < end, "%s never listened" % name
                time.sleep(0.1)
    yield i
    i.gannet("stop", check=False)
    shutil.rmtree(work, ignore_errors=True)


def s_client(inst, name, *args):
    """One handshake; returns (established, output)."""
    argv = ["openssl", "s_client", "-connect",
            "127.0.0.1:%d" % inst.port(name), "-brief"]
    if PORTS[name]:
        argv += ["-starttls", PORTS[name]]
    argv += list(args)
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=30)
    out = p.stdout + p.stderr
    return "CONNECTION ESTABLISHED" in out, out


@pytest.mark.parametrize("name", list(PORTS))
@pytest.mark.parametrize("version", ["-tls1_2", "-tls1_3"])
def test_modern_tls_is_spoken(inst, name, version):
    ok, out = s_client(inst, name, version)
    assert ok, out
    proto = re.search(r"Protocol version: (\S+)", out).group(1)
    suite = re.search(r"Ciphersuite: (\S+)", out).group(1)
    assert proto == {"-tls1_2": "TLSv1.2", "-tls1_3": "TLSv1.3"}[version]
    # AEAD only; with TLS 1.2 also a forward-secret key exchange
    assert "GCM" in suite or "CHACHA20" in suite, suite
    if proto == "TLSv1.2":
        assert suite.startswith(("ECDHE-", "DHE-")), suite


@pytest.mark.parametrize("name", list(PORTS))
@pytest.mark.parametrize("version", ["-tls1", "-tls1_1"])
def test_old_tls_versions_are_refused(inst, name, version):
    ok, out = s_client(inst, name, version, "-cipher", "DEFAULT@SECLEVEL=0")
    assert not ok, out
    assert "alert protocol version" in out, out


@pytest.mark.parametrize("name", list(PORTS))
@pytest.mark.parametrize("cipher", ["AES128-SHA", "ECDHE-RSA-AES128-SHA256",
                                    "DES-CBC3-SHA"])
def test_old_ciphers_are_refused(inst, name, cipher):
    ok, out = s_client(inst, name, "-tls1_2", "-cipher",
                       cipher + ":@SECLEVEL=0")
    assert not ok, out
    assert "alert handshake failure" in out or "no cipher" in out, out


def peer_cn(inst, name):
    ok, out = s_client(inst, name)
    assert ok, out
    return re.search(r"Peer certificate: .*CN = (\S+)", out).group(1)


def test_certificate_reload(inst):
    """Replace the certificate and key, `gannet reload`: every port's new
    connections present the new certificate."""
    for name in PORTS:
        assert peer_cn(inst, name) == "mx.gannet.test"
    cert = inst.path("tls", "cert.pem")
    key = inst.path("tls", "key.pem")
    st_cert, st_key = os.stat(cert), os.stat(key)
    tmp = tempfile.mkdtemp(prefix="gannet-cert-")
    try:
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
             "-days", "2", "-subj", "/O=Gannet/CN=reloaded.gannet.test",
             "-keyout", os.path.join(tmp, "key.pem"),
             "-out", os.path.join(tmp, "cert.pem")])
        for src, dst, st in (("cert.pem", cert, st_cert),
                             ("key.pem", key, st_key)):
            new = dst + ".new"
            shutil.copyfile(os.path.join(tmp, src), new)
            os.chmod(new, st.st_mode & 0o777)
            if os.getuid() == 0:
                os.chown(new, st.st_uid, st.st_gid)
            os.rename(new, dst)
    finally:
        shutil.rmtree(tmp)
    inst.gannet("reload")
    for name in PORTS:
        end = time.time() + 15
        while True:
            cn = peer_cn(inst, name)
            if cn == "reloaded.gannet.test":
                break
            # a process started before the reload may finish its current
            # use; it must not serve the old certificate for long
            assert time.time() < end, "%s still shows %s" % (name, cn)
            time.sleep(0.2)
