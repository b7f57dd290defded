"""The master: start, stop, reload, status, check; privilege separation,
jails, restarts and throttling, as an administrator sees them.

The services are build/testbin/echod (tests/daemons/echod.c), a small
daemon on the real service skeleton, because these tests are about the
master, not about any protocol. Each test writes its own services.conf
with echod lines only. echod greets with
"220 <myhostname> echod pid=<pid> service=<name>" and answers PING, ECHO,
STAT <path>, EXIT <n> and QUIT.
"""
import os
import pwd
import re
import signal
import socket
import subprocess
import time

import pytest

from conftest import GANNET, TOP, run

ECHOD = os.path.join(TOP, "build", "testbin", "echod")
MASTER = os.path.join(TOP, "libexec", "master")
IS_ROOT = os.getuid() == 0
needs_root = pytest.mark.skipif(
    not IS_ROOT, reason="needs root: privilege changes are only made when "
    "the master runs as root (CI runs as root)")

HEADER = ("# service type private unpriv chroot wakeup maxproc command\n")


def wait_for(fn, timeout=10, what="condition"):
    end = time.time() + timeout
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return None


def instance_pids(inst):
    """Every process that belongs to the instance (its -c argument)."""
    want = inst.dir.encode()
    pids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            args = cmdline(int(d))
            if args and want in args and (b"-c" in args):
                pids.append(int(d))
    return pids


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.split()
    return out


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False


class Session:
    """A client of echod."""

    def __init__(self, addr, family=socket.AF_INET, timeout=15):
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(addr)
        self.f = self.sock.makefile("rwb")
        self.greeting = self.line()
        m = re.search(r"pid=(\d+)", self.greeting)
        assert m, self.greeting
        self.pid = int(m.group(1))

    def line(self):
        return self.f.readline().decode().rstrip("\r\n")

    def cmd(self, text):
        self.f.write((text + "\r\n").encode())
        self.f.flush()
        return self.line()

    def close(self):
        try:
            self.cmd("QUIT")
        except OSError:
            pass
        self.sock.close()


def tcp(inst, port):
    return Session(("127.0.0.1", port))


def unix(inst, name, private=True):
    return Session(inst.path("queue", "private" if private else "public",
                             name), socket.AF_UNIX)


@pytest.fixture
def inst(instance):
    """An instance whose services are echod lines; stopped and swept
    afterwards, whatever happened."""
    yield instance
    if instance_pids(instance):
        instance.gannet("stop", check=False, timeout=120)
    for pid in instance_pids(instance):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def services(inst, *lines):
    inst.write("services.conf", HEADER + "".join(l + "\n" for l in lines))


def echo_line(name, typ="inet", private="-", unpriv="-", chroot="n",
              wakeup="-", maxproc="-", args=""):
    return "%s %s %s %s %s %s %s %s %s" % (name, typ, private, unpriv,
                                           chroot, wakeup, maxproc, ECHOD,
                                           args)


def start(inst):
    p = inst.gannet("start")
    inst.started = True
    assert "started the mail system" in p.stdout
    return p


def master_pid(inst):
    with open(inst.path("queue", "pid", "master.pid")) as f:
        return int(f.read())


def status(inst):
    return inst.gannet("status", check=False)


def service_row(st, name):
    for line in st.stdout.splitlines():
        if line.split()[:1] == [name]:
            return line.split()
    raise AssertionError("no row for %s in:\n%s" % (name, st.stdout))


def test_start_status_stop_leaves_nothing(inst):
    port = inst.port("smtp")
    services(inst, echo_line("127.0.0.1:%d" % port))
    start(inst)
    mpid = master_pid(inst)
    s1 = tcp(inst, port)
    s2 = tcp(inst, port)
    assert s1.cmd("PING") == "250 PONG"
    assert s2.cmd("ECHO two at once") == "250 two at once"
    assert s1.pid != s2.pid
    st = status(inst)
    assert st.returncode == 0
    assert "the mail system is running (master pid %d" % mpid in st.stdout
    row = service_row(st, "127.0.0.1:%d" % port)
    # service type command procs busy sessions restarts state
    assert row[1:6] == ["inet", "echod", "2", "2", "2"], st.stdout
    s1.close()
    s2.close()
    children = [p for p in instance_pids(inst) if p != mpid]
    assert len(children) == 2
    p = inst.gannet("stop")
    assert "stopped" in p.stdout
    assert instance_pids(inst) == []
    assert not os.path.exists(inst.path("queue", "pid", "master.pid"))
    log = inst.log()
    assert "daemon started -- version" in log
    assert "terminating on signal 15 (SIGTERM)" in log
    assert "gannet/master[%d]: stopped" % mpid in log
    st = status(inst)
    assert st.returncode == 1
    assert "not running" in st.stdout
    with pytest.raises(OSError):
        tcp(inst, port)


@needs_root
def test_children_run_as_service_users(inst):
    """No child runs as root: each has its service's uid and gid, no
    other group, and no way back (NoNewPrivs)."""
    p1, p2 = inst.port("smtp"), inst.port("submission")
    services(inst,
             echo_line("127.0.0.1:%d" % p1),
             echo_line("127.0.0.1:%d" % p2, unpriv="vmail"),
             echo_line("keeper", "unix", wakeup="60", maxproc="1"),
             echo_line("open", "unix", private="n"))
    start(inst)
    sessions = [tcp(inst, p1), tcp(inst, p2), unix(inst, "keeper"),
                unix(inst, "open", private=False)]
    gannet = pwd.getpwnam("gannet")
    vmail = pwd.getpwnam("vmail")
    want = {sessions[0].pid: gannet, sessions[1].pid: vmail,
            sessions[2].pid: gannet, sessions[3].pid: gannet}
    for pid, pw in want.items():
        st = proc_status(pid)
        assert st["Uid"] == [str(pw.pw_uid)] * 4, (pid, st["Uid"])
        assert st["Gid"] == [str(pw.pw_gid)] * 4, (pid, st["Gid"])
        assert st["Groups"] in ([], [str(pw.pw_gid)]), st["Groups"]
        assert st["NoNewPrivs"] == ["1"]
        assert st["CapEff"] == ["0000000000000000"]
    mpid = master_pid(inst)
    for pid in instance_pids(inst):
        if pid != mpid:
            assert proc_status(pid)["Uid"][0] != "0", cmdline(pid)
    assert proc_status(mpid)["Uid"][0] == "0"
    # The sockets: private ones belong to mail_owner, mode 0600.
    st = os.stat(inst.path("queue", "private", "keeper"))
    assert st.st_uid == gannet.pw_uid and st.st_mode & 0o777 == 0o600
    st = os.stat(inst.path("queue", "public", "open"))
    assert st.st_mode & 0o777 == 0o666
    for s in sessions:
        s.close()


@needs_root
def test_chrooted_service_sees_only_its_jail(inst):
    services(inst, echo_line("jailed", "unix", chroot="y"),
             echo_line("free", "unix"))
    inst.write("queue/inside-the-jail", "x")
    start(inst)
    s = unix(inst, "jailed")
    assert s.cmd("STAT /inside-the-jail") == "250 exists"
    assert s.cmd("STAT /private/jailed") == "250 exists"
    for outside in ["/etc/passwd", inst.path("gannet.conf"),
                    inst.path("queue", "inside-the-jail"), TOP]:
        assert s.cmd("STAT " + outside).startswith("550 "), outside
    assert os.readlink("/proc/%d/root" % s.pid) == inst.path("queue")
    s.close()
    # The same program without chroot sees everything.
    f = unix(inst, "free")
    assert f.cmd("STAT /etc/passwd") == "250 exists"
    assert f.cmd("STAT /inside-the-jail").startswith("550 ")
    f.close()


def test_killed_child_is_replaced(inst):
    port = inst.port("smtp")
    services(inst, echo_line("127.0.0.1:%d" % port))
    start(inst)
    s = tcp(inst, port)
    assert s.cmd("PING") == "250 PONG"
    victim = s.pid
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: not alive(victim), what="the child to die")
    inst.wait_log("process %d (echod) killed by signal 9 (KILL)" % victim)
    for _ in range(3):
        t = tcp(inst, port)
        assert t.pid != victim
        assert t.cmd("PING") == "250 PONG"
        t.close()
    # A child that dies while serving is not a reason to throttle.
    t = tcp(inst, port)
    t.f.write(b"EXIT 3\r\n")
    t.f.flush()
    assert t.line() == ""
    inst.wait_log("process %d (echod) exited with status 3" % t.pid)
    u = tcp(inst, port)
    assert u.cmd("PING") == "250 PONG"
    u.close()
    assert "throttling" not in inst.log()
    row = service_row(status(inst), "127.0.0.1:%d" % port)
    assert row[6] == "2"  # restarts


def test_crash_loop_is_throttled(inst):
    """A service that dies at every start is retried with growing
    pauses, not in a loop; the other services are unaffected."""
    port = inst.port("smtp")
    services(inst, echo_line("crasher", "unix", wakeup="1", maxproc="1",
                             args="crash"),
             echo_line("127.0.0.1:%d" % port))
    start(inst)
    t0 = time.time()
    log = inst.wait_log("too fast; throttling for 1s")
    assert re.search(r"warning: service crasher: process \d+ \(echod\) "
                     r"exited with status 1 after [0-9.]+s: too fast; "
                     r"throttling for 1s", log)
    inst.wait_log("too fast; throttling for 4s", timeout=15)
    s = tcp(inst, port)
    assert s.cmd("PING") == "250 PONG"
    s.close()
    time.sleep(max(0, 5 - (time.time() - t0)))
    elapsed = time.time() - t0
    starts = inst.log().count("crashing at start, as configured")
    # Back-off 1s, 2s, 4s...: a handful of attempts, where a loop
    # without throttling would have made thousands.
    assert 3 <= starts <= 2 + elapsed / 1, (starts, elapsed)
    row = service_row(status(inst), "crasher")
    assert int(row[6]) >= 3  # restarts


def test_wakeup_service_runs_from_start_and_is_restarted(inst):
    services(inst, echo_line("keeper", "unix", wakeup="1", maxproc="1"))
    start(inst)
    mpid = master_pid(inst)
    # Running without any client having come.
    pids = wait_for(lambda: [p for p in instance_pids(inst) if p != mpid],
                    what="the wake-up service")
    assert len(pids) == 1
    inst.wait_log("wake-up from the master", timeout=5)
    os.kill(pids[0], signal.SIGKILL)
    new = wait_for(lambda: [p for p in instance_pids(inst)
                            if p not in (mpid, pids[0])],
                   what="a new process")
    assert len(new) == 1
    s = unix(inst, "keeper")
    assert s.pid == new[0]
    assert s.cmd("PING") == "250 PONG"
    s.close()


def test_reload_new_config_for_new_sessions_open_session_survives(inst):
    port = inst.port("smtp")
    services(inst, echo_line("127.0.0.1:%d" % port))
    start(inst)
    old = tcp(inst, port)
    assert old.greeting.startswith("220 mx.gannet.test echod")
    inst.gannet("conf", "set", "myhostname=mx2.gannet.test")
    p = inst.gannet("reload")
    assert "reloaded" in p.stdout
    new = tcp(inst, port)
    assert new.greeting.startswith("220 mx2.gannet.test echod")
    assert new.pid != old.pid
    # The session from before the reload goes on, with its process.
    assert old.cmd("ECHO still here") == "250 still here"
    assert alive(old.pid)
    old.close()
    # ...which exits once it is done, instead of taking new clients.
    wait_for(lambda: not alive(old.pid), what="the old child to exit")
    for _ in range(3):
        s = tcp(inst, port)
        assert s.greeting.startswith("220 mx2.gannet.test")
        s.close()
    new.close()
    st = status(inst)
    assert "1 reload)" in st.stdout
    assert "reload -- version" in inst.log()


def test_reload_adds_and_removes_listeners(inst):
    p1, p2 = inst.port("smtp"), inst.port("submission")
    services(inst, echo_line("127.0.0.1:%d" % p1))
    start(inst)
    with pytest.raises(OSError):
        tcp(inst, p2)
    services(inst, echo_line("127.0.0.1:%d" % p1),
             echo_line("127.0.0.1:%d" % p2))
    inst.gannet("reload")
    s2 = tcp(inst, p2)
    assert s2.cmd("PING") == "250 PONG"
    s1 = tcp(inst, p1)
    # Remove the first listener: new clients are refused at once, the
    # session in progress carries on.
    services(inst, echo_line("127.0.0.1:%d" % p2))
    inst.gannet("reload")
    with pytest.raises(OSError):
        tcp(inst, p1)
    assert s1.cmd("ECHO on a removed service") == "250 on a removed service"
    assert s2.cmd("PING") == "250 PONG"
    st = status(inst)
    assert "1 finishing" in st.stdout, st.stdout
    s1.close()
    s2.close()
    t = tcp(inst, p2)
    assert t.cmd("PING") == "250 PONG"
    t.close()


def listen_backlog(port):
    """The listen queue length of the TCP listener on port, as ss(8)
    shows it (Send-Q of a listening socket)."""
    out = subprocess.run(["ss", "-ltnH", "sport = :%d" % port],
                         capture_output=True, text=True, check=True).stdout
    return int(out.split()[2])


def test_listen_queue_follows_the_process_limit(inst):
    """A burst of as many clients as the service may serve at once is
    queued by the kernel, not dropped: the listen queue is the process
    limit (at least 128), also after a reload changes the limit."""
    p1, p2 = inst.port("smtp"), inst.port("submission")
    services(inst, echo_line("127.0.0.1:%d" % p1, maxproc="1000"),
             echo_line("127.0.0.1:%d" % p2, maxproc="5"))
    start(inst)
    assert listen_backlog(p1) == 1000
    assert listen_backlog(p2) == 128
    services(inst, echo_line("127.0.0.1:%d" % p1, maxproc="300"),
             echo_line("127.0.0.1:%d" % p2, maxproc="5"))
    inst.gannet("reload")
    wait_for(lambda: listen_backlog(p1) == 300, what="listen queue 300")
    assert tcp(inst, p1).cmd("PING") == "250 PONG"


def test_reload_moves_a_listener_to_another_address(inst):
    """"127.0.0.1:N" to "N" (every address) and back. The new socket can
    only be bound once the old one is closed, that is once the old
    generation's processes (which share it) have gone: the master binds
    it as soon as it can."""
    port = inst.port("smtp")
    services(inst, echo_line("127.0.0.1:%d" % port))
    start(inst)
    s = tcp(inst, port)
    services(inst, echo_line("%d" % port))
    assert "reloaded" in inst.gannet("reload").stdout
    assert s.cmd("PING") == "250 PONG"
    s.close()
    inst.wait_log("service %d: listening" % port)
    t = tcp(inst, port)
    assert "service=%d\n" % port in t.greeting + "\n"
    t.close()
    services(inst, echo_line("127.0.0.1:%d" % port))
    assert "reloaded" in inst.gannet("reload").stdout
    inst.wait_log("service 127.0.0.1:%d: listening" % port)
    u = tcp(inst, port)
    assert "service=127.0.0.1:%d" % port in u.greeting
    assert u.cmd("PING") == "250 PONG"
    u.close()


def test_reload_with_errors_keeps_running_config(inst):
    port = inst.port("smtp")
    services(inst, echo_line("127.0.0.1:%d" % port))
    start(inst)
    good = open(inst.path("services.conf")).read()
    inst.write("services.conf", good + "broken unix - - n - lots echod\n")
    p = inst.gannet("reload", check=False)
    assert p.returncode == 1
    assert "reload failed" in p.stderr
    assert "the running configuration stays in effect" in p.stderr
    log = inst.log()
    assert "services.conf:3: bad maxproc field \"lots\"" in log
    s = tcp(inst, port)
    assert s.greeting.startswith("220 mx.gannet.test")
    s.close()
    # A bad gannet.conf value is refused the same way; the old values
    # (myhostname here) stay.
    inst.write("services.conf", good)
    with open(inst.path("gannet.conf"), "a") as f:
        f.write("myhostname = mx3.gannet.test\nmax_use = 0\n")
    assert inst.gannet("reload", check=False).returncode == 1
    s = tcp(inst, port)
    assert s.greeting.startswith("220 mx.gannet.test")
    s.close()
    assert "last reload failed" in status(inst).stdout


def test_stop_waits_for_sessions_then_ends_them(inst):
    port = inst.port("smtp")
    services(inst, echo_line("127.0.0.1:%d" % port))
    inst.gannet("conf", "set", "master_stop_timeout=2s")
    start(inst)
    busy = tcp(inst, port)
    t0 = time.time()
    p = inst.gannet("stop")
    assert "stopped" in p.stdout
    assert time.time() - t0 >= 1.5
    assert instance_pids(inst) == []
    assert busy.line() == ""  # the connection was closed
    log = inst.log()
    assert "stop: waiting up to 2s for 1 process to finish" in log
    assert "stop: ending 1 process still busy after 2s" in log


def test_second_start_is_refused(inst):
    services(inst, echo_line("127.0.0.1:%d" % inst.port("smtp")))
    start(inst)
    mpid = master_pid(inst)
    p = inst.gannet("start", check=False)
    assert p.returncode == 1
    assert ("the mail system is already running (master pid %d)" % mpid
            in p.stderr)
    # The master itself refuses too, should anyone bypass the command.
    p = run([MASTER, "-c", inst.dir], check=False)
    assert p.returncode == 1
    assert "already running (master pid %d)" % mpid in p.stderr
    assert master_pid(inst) == mpid
    assert instance_pids(inst) == [mpid]


def test_stale_pid_file_is_taken_over(inst):
    port = inst.port("smtp")
    services(inst, echo_line("127.0.0.1:%d" % port))
    # A master that crashed: a pid file naming a process that is gone.
    gone = subprocess.Popen(["true"])
    gone.wait()
    inst.write("queue/pid/master.pid", "%10d\n" % gone.pid)
    st = status(inst)
    assert st.returncode == 1
    assert "stale pid file of pid %d" % gone.pid in st.stdout
    assert "not running" in inst.gannet("stop", check=False).stderr
    start(inst)
    assert master_pid(inst) != gone.pid
    s = tcp(inst, port)
    assert s.cmd("PING") == "250 PONG"
    s.close()
    # Even a pid file naming a live process (pids get reused) is stale
    # when nobody holds its lock.
    inst.gannet("stop")
    inst.write("queue/pid/master.pid", "%10d\n" % os.getpid())
    start(inst)
    assert master_pid(inst) != os.getpid()


def test_check_reports_problems_with_file_and_line(inst):
    services(inst, echo_line("127.0.0.1:%d" % inst.port("smtp")))
    p = inst.gannet("check", check=False)
    assert p.returncode == 0, p.stderr
    assert run([MASTER, "-n", "-c", inst.dir], check=False).returncode == 0
    conf = open(inst.path("gannet.conf")).read()
    n = conf.count("\n")
    inst.write("gannet.conf", conf + "message_size_limit = lots\n"
               "this line has no equals sign\n")
    svc = open(inst.path("services.conf")).read()
    inst.write("services.conf", svc
               + "127.0.0.1:%d inet - - n - - %s\n"
               % (inst.port("smtp"), ECHOD)
               + "x unix - - maybe - - echod\n"
               + "y unix - - n - - no-such-daemon\n"
               + "127.0.0.1:%d inet - n n - - %s\n"
               % (inst.port("submission"), ECHOD))
    p = inst.gannet("check", check=False)
    assert p.returncode == 1
    err = p.stderr
    gc, sc = inst.path("gannet.conf"), inst.path("services.conf")
    assert "%s:%d: missing '=' after parameter name" % (gc, n + 2) in err
    assert "%s:3: duplicate service 127.0.0.1:%d/inet (first at %s:2)" % (
        sc, inst.port("smtp"), sc) in err
    assert '%s:4: bad chroot field "maybe"' % sc in err
    assert "%s:5: service y: program " % sc in err
    assert "no-such-daemon: No such file or directory" in err
    assert ("%s:6: service 127.0.0.1:%d: an inet service must not run as "
            "root" % (sc, inst.port("submission"))) in err
    # One line per problem, and a count.
    assert re.search(r"check: \d+ errors?, \d+ warnings?", err)
    p = run([MASTER, "-n", "-c", inst.dir], check=False)
    assert p.returncode == 1
    assert "%s:%d: missing '='" % (gc, n + 2) in p.stderr
    # A bad value in a file that parses is reported with its line too.
    inst.write("gannet.conf", conf + "message_size_limit = lots\n")
    inst.write("services.conf", svc)
    p = inst.gannet("check", check=False)
    assert p.returncode == 1
    assert "%s:%d: " % (gc, n + 1) in p.stderr
    assert "lots" in p.stderr


def test_check_reports_permissions(inst):
    if not IS_ROOT:
        pytest.skip("needs root: ownership checks need files owned by "
                    "the service users")
    services(inst, echo_line("127.0.0.1:%d" % inst.port("smtp")))
    os.chmod(inst.path("tls", "key.pem"), 0o644)
    os.chown(inst.path("queue", "pid"), pwd.getpwnam("gannet").pw_uid, -1)
    os.chmod(inst.path("mail"), 0o755)
    p = inst.gannet("check", check=False)
    assert p.returncode == 1
    assert "key.pem: readable by group or others" in p.stderr
    assert "%s: owned by uid" % inst.path("queue", "pid") in p.stderr
    assert "%s: mode 0755 gives others" % inst.path("mail") in p.stderr


def test_start_refuses_a_broken_configuration(inst):
    port = inst.port("smtp")
    services(inst, echo_line("127.0.0.1:%d" % port),
             "bad inet - - n - - echod")
    p = inst.gannet("start", check=False)
    assert p.returncode == 1
    assert "services.conf:3: bad inet service \"bad\"" in p.stderr
    assert "did not start" in p.stderr
    assert instance_pids(inst) == []
    # A port that is taken: the service and the port are named.
    services(inst, echo_line("127.0.0.1:%d" % port))
    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        taken.bind(("127.0.0.1", port))
        taken.listen(1)
        p = inst.gannet("start", check=False)
    assert p.returncode == 1
    assert ("service 127.0.0.1:%d: bind 127.0.0.1 port %d: Address "
            "already in use" % (port, port)) in p.stderr
    assert instance_pids(inst) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_foreground_logs_to_stderr_and_stops_cleanly(inst, sig):
    port = inst.port("smtp")
    services(inst, echo_line("127.0.0.1:%d" % port))
    fg = subprocess.Popen([GANNET, "-c", inst.dir, "start", "--foreground"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)
    inst.started = True
    try:
        wait_for(lambda: os.path.exists(
            inst.path("queue", "pid", "master.ctl")), what="the master")
        assert master_pid(inst) == fg.pid  # gannet became the master
        s = wait_for(lambda: _try_session(port), what="a session")
        assert s.cmd("PING") == "250 PONG"
        s.close()
        fg.send_signal(sig)
        out, err = fg.communicate(timeout=60)
    finally:
        if fg.poll() is None:
            fg.kill()
    assert fg.returncode == 0
    assert "gannet/master: daemon started" in err
    assert "terminating on signal %d" % sig in err
    assert "gannet/master: stopped" in err
    assert instance_pids(inst) == []


def _try_session(port):
    try:
        return Session(("127.0.0.1", port))
    except OSError:
        return None


def test_listens_on_ipv6_and_on_every_address(inst):
    if not socket.has_ipv6 or not os.path.exists("/proc/net/if_inet6"):
        pytest.skip("no IPv6 on this host")
    p1, p2 = inst.port("smtp"), inst.port("submission")
    services(inst, echo_line("[::1]:%d" % p1), echo_line("%d" % p2))
    start(inst)
    s = Session(("::1", p1), socket.AF_INET6)
    assert "service=[::1]:%d" % p1 in s.greeting
    s.close()
    with pytest.raises(OSError):
        tcp(inst, p1)
    for addr, fam in [(("127.0.0.1", p2), socket.AF_INET),
                      (("::1", p2), socket.AF_INET6)]:
        s = Session(addr, fam)
        assert s.cmd("PING") == "250 PONG"
        s.close()


@needs_root
def test_instance_of_an_ordinary_user_runs_as_that_user(workdir):
    """What `make run` and non-root tests do: everything as one user."""
    user = pwd.getpwnam("nobody")
    home = os.path.join(workdir, "nobody")
    os.mkdir(home)
    os.chown(home, user.pw_uid, user.pw_gid)
    as_nobody = ["setpriv", "--reuid=%d" % user.pw_uid,
                 "--regid=%d" % user.pw_gid, "--clear-groups", "--"]
    if run(as_nobody + ["test", "-x", GANNET], check=False).returncode:
        pytest.skip("the build tree is not reachable by user nobody")
    from conftest import free_port_base
    base = free_port_base()
    d = os.path.join(home, "inst")
    run(as_nobody + [GANNET, "init", d, "--port-base", str(base)])
    with open(os.path.join(d, "services.conf"), "w") as f:
        f.write(HEADER + echo_line("127.0.0.1:%d" % (base + 25)) + "\n"
                + echo_line("jailed", "unix", chroot="y", unpriv="vmail")
                + "\n")
    try:
        run(as_nobody + [GANNET, "-c", d, "start"])
        s = Session(("127.0.0.1", base + 25))
        assert proc_status(s.pid)["Uid"] == [str(user.pw_uid)] * 4
        s.close()
        # unpriv and chroot need root: ignored, the same user serves.
        j = Session(os.path.join(d, "queue", "private", "jailed"),
                    socket.AF_UNIX)
        assert proc_status(j.pid)["Uid"] == [str(user.pw_uid)] * 4
        assert j.cmd("STAT /etc/passwd") == "250 exists"
        j.close()
        st = run(as_nobody + [GANNET, "-c", d, "status"]).stdout
        assert "is running" in st
    finally:
        run(as_nobody + [GANNET, "-c", d, "stop"], check=False)
