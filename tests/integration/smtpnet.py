"""A small Internet for the SMTP client tests, in two network namespaces
that each test creates and removes:

  here   this mail host: the smtp delivery agent (libexec/smtp) and a
         dnsmasq on 127.0.0.1:53, which /etc/netns/<here>/resolv.conf names
         (so `ip netns exec` gives the agent its own resolv.conf)
  net    the rest of the world: fake SMTP servers (fake_smtp.py) on
         192.0.2.11... and 2001:db8::11... port 25

joined by a veth pair (here 192.0.2.1 and 2001:db8::1). Everything the
tests start is killed, and both namespaces deleted, when the fixture ends,
even after a failure. Tests skip, saying why, when namespaces cannot be
made (not root, no iproute2).

Also here: a queue file writer (the format of gannet-queue(5)), and the
client side of the delivery request (lib/mail/deliver_proto.h), as the
queue manager will speak it.
"""
import json
import os
import random
import shutil
import signal
import subprocess
import time

import pytest

import agentproto
from agentproto import (decode_reply, encode_request,  # noqa: F401
                        write_queue_file)

HERE_ADDR = "192.0.2.1"
HERE_ADDR6 = "2001:db8::1"
TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FAKE_SMTP = os.path.join(os.path.dirname(__file__), "fake_smtp.py")
PYTHON = "/usr/bin/python3"


def _ip(*args, check=True):
    return subprocess.run(["ip"] + list(args), capture_output=True,
                          text=True, check=check)


class Net:
    """The two namespaces, and every process started in them."""

    def __init__(self, workdir):
        tag = "%d%04x" % (os.getpid() % 100000, random.randrange(0x10000))
        self.here = "gnth" + tag
        self.net = "gntn" + tag
        self.workdir = workdir
        self.procs = []
        self.netaddrs = []
        self.made = []

    def setup(self):
        for ns in (self.here, self.net):
            p = _ip("netns", "add", ns, check=False)
            if p.returncode != 0:
                raise OSError("ip netns add %s: %s" % (ns, p.stderr.strip()))
            self.made.append(ns)
        etc = "/etc/netns/" + self.here
        os.makedirs(etc, exist_ok=True)
        with open(os.path.join(etc, "resolv.conf"), "w") as f:
            f.write("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
        _ip("link", "add", "veth" + self.here[4:], "netns", self.here,
            "type", "veth", "peer", "name", "veth" + self.net[4:],
            "netns", self.net)
        for ns, dev, a4, a6 in (
                (self.here, "veth" + self.here[4:], HERE_ADDR, HERE_ADDR6),
                (self.net, "veth" + self.net[4:], "192.0.2.254",
                 "2001:db8::fe")):
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "link", "set", dev, "up")
            _ip("-n", ns, "addr", "add", a4 + "/24", "dev", dev)
            _ip("-n", ns, "-6", "addr", "add", a6 + "/64", "dev", dev,
                "nodad")
        self.net_dev = "veth" + self.net[4:]

    def add_net_addr(self, addr):
        """Give the 'net' namespace another address (for a server)."""
        if addr in self.netaddrs:
            return
        if ":" in addr:
            _ip("-n", self.net, "-6", "addr", "add", addr + "/64", "dev",
                self.net_dev, "nodad")
        else:
            _ip("-n", self.net, "addr", "add", addr + "/24", "dev",
                self.net_dev)
        self.netaddrs.append(addr)

    def popen(self, ns, argv, **kw):
        p = subprocess.Popen(["ip", "netns", "exec", ns] + list(argv), **kw)
        self.procs.append(p)
        return p

    def run(self, ns, argv, timeout=60, env=None):
        e = dict(os.environ)
        if env:
            e.update(env)
        return subprocess.run(["ip", "netns", "exec", ns] + list(argv),
                              capture_output=True, text=True,
                              timeout=timeout, env=e)

    def wait_listen(self, ns, port, proto="t", timeout=10):
        end = time.time() + timeout
        while time.time() < end:
            out = self.run(ns, ["ss", "-Hln" + proto]).stdout
            if (":%d " % port) in out:
                return
            time.sleep(0.05)
        raise AssertionError("nothing listens on port %d in %s" % (port, ns))

    def stop(self, p):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def close(self):
        for p in self.procs:
            self.stop(p)
        for ns in self.made:
            _ip("netns", "del", ns, check=False)
        shutil.rmtree("/etc/netns/" + self.here, ignore_errors=True)

    # The services of the small Internet.

    def dnsmasq(self, records, addr="127.0.0.1", port=53):
        """records: dnsmasq options without the leading "--", e.g.
        "mx-host=dest.test,mx1.dest.test,10"."""
        log = os.path.join(self.workdir, "dnsmasq-%d.log" % port)
        argv = ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
                "--no-resolv", "--no-hosts", "--bind-interfaces",
                "--listen-address=" + addr, "--port=%d" % port,
                "--local=/test/", "--user=root", "--log-facility=" + log,
                "--pid-file=" + os.path.join(self.workdir,
                                             "dnsmasq-%d.pid" % port)]
        argv += ["--" + r for r in records]
        p = self.popen(self.here, argv)
        self.wait_listen(self.here, port, "u")
        return p

    def smtp_server(self, addrs, hostname, **conf):
        """A fake SMTP server in 'net' on each address, port 25 unless
        given as (addr, port). Returns a FakeServer."""
        listen = []
        for a in addrs:
            host, port = a if isinstance(a, tuple) else (a, 25)
            self.add_net_addr(host)
            listen.append([host, port])
        spool = os.path.join(self.workdir, "spool-%s" % hostname)
        os.makedirs(spool, exist_ok=True)
        conf.update(listen=listen, hostname=hostname, spool=spool)
        path = os.path.join(self.workdir, "fake-%s.json" % hostname)
        with open(path, "w") as f:
            json.dump(conf, f)
        p = self.popen(self.net, [PYTHON, FAKE_SMTP, path],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = p.stdout.readline()
        if b"ready" not in line:
            raise AssertionError("fake SMTP server %s did not start"
                                 % hostname)
        return FakeServer(self, p, spool)


class FakeServer:
    def __init__(self, net, proc, spool):
        self.net = net
        self.proc = proc
        self.spool = spool

    def messages(self):
        out = []
        for name in sorted(os.listdir(self.spool)):
            if name.endswith(".json"):
                with open(os.path.join(self.spool, name)) as f:
                    out.append(json.load(f))
        return out

    def stop(self):
        self.net.stop(self.proc)


@pytest.fixture
def net(workdir):
    if os.getuid() != 0:
        pytest.skip("network namespaces need root (CI runs as root)")
    if shutil.which("ip") is None or shutil.which("dnsmasq") is None:
        pytest.skip("ip (iproute2) or dnsmasq is not installed")
    n = Net(workdir)
    try:
        n.setup()
    except (OSError, subprocess.CalledProcessError) as e:
        n.close()
        pytest.skip("cannot create a network namespace: %s" % e)
    try:
        yield n
    finally:
        n.close()


class Agent(agentproto.Agent):
    """The smtp delivery agent of an instance, in the 'here' namespace."""

    def __init__(self, net, instance, extra=()):
        self.net = net
        super().__init__(instance, "smtp", extra,
                         popen=lambda argv, **kw: net.popen(net.here, argv,
                                                            **kw),
                         stop=net.stop)
