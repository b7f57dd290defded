"""gannet init and gannet conf, as an administrator types them."""
import os
import stat

from conftest import GANNET, run


def test_init_creates_a_complete_instance(instance):
    for rel in ["gannet.conf", "services.conf", "maps", "tls/cert.pem",
                "tls/key.pem", "queue/incoming", "queue/deferred",
                "queue/corrupt", "mail", "data", "log/gannet.log"]:
        assert os.path.exists(instance.path(rel)), rel
    key = os.stat(instance.path("tls/key.pem"))
    assert stat.S_IMODE(key.st_mode) == 0o600
    cert = run(["openssl", "x509", "-in", instance.path("tls/cert.pem"),
                "-noout", "-subject", "-ext", "subjectAltName"]).stdout
    assert "mx.gannet.test" in cert and "DNS:mx.gannet.test" in cert


def test_init_refuses_to_overwrite(instance):
    p = run([GANNET, "init", instance.dir], check=False)
    assert p.returncode != 0
    assert "already exists" in p.stderr


def test_init_root_owned_tree(instance):
    if os.getuid() != 0:
        import pytest
        pytest.skip("ownership by service users is only set up by root")
    import pwd
    assert pwd.getpwuid(os.stat(instance.path("queue")).st_uid).pw_name == "gannet"
    assert pwd.getpwuid(os.stat(instance.path("mail")).st_uid).pw_name == "vmail"


def test_conf_prints_effective_values(instance):
    out = instance.gannet("conf", "queue_directory", "myhostname",
                          "mydestination").stdout
    assert "queue_directory = %s/queue\n" % instance.dir in out
    assert "myhostname = mx.gannet.test\n" in out
    assert "mydestination = mx.gannet.test, localhost.gannet.test, localhost\n" in out


def test_conf_defaults_and_nondefaults(instance):
    d = instance.gannet("conf", "-d", "message_size_limit",
                        "queue_directory").stdout
    assert "message_size_limit = 20m" in d
    assert "queue_directory = /var/spool/gannet" in d
    n = instance.gannet("conf", "-n").stdout
    assert "myhostname = mx.gannet.test" in n
    assert "message_size_limit" not in n


def test_conf_unknown_name(instance):
    p = instance.gannet("conf", "no_such_parameter", check=False)
    assert p.returncode == 1
    assert "no_such_parameter: unknown parameter" in p.stderr


def test_conf_set_edits_in_place_keeping_comments(instance):
    before = open(instance.path("gannet.conf")).read()
    instance.gannet("conf", "set", "message_size_limit=10m",
                    "myhostname=mail.gannet.test")
    after = open(instance.path("gannet.conf")).read()
    assert after.count("myhostname") == before.count("myhostname")
    assert "myhostname = mail.gannet.test" in after
    assert "message_size_limit = 10m" in after
    # Every comment line survives.
    for line in before.splitlines():
        if line.startswith("#"):
            assert line in after
    out = instance.gannet("conf", "message_size_limit").stdout
    assert out == "message_size_limit = 10m\n"


def test_conf_set_refuses_bad_values_and_writes_nothing(instance):
    before = open(instance.path("gannet.conf")).read()
    for arg, msg in [("message_size_limit=lots", "bad size value"),
                     ("max_use=0", "out of range"),
                     ("nonsense_param=1", "unknown parameter"),
                     ("noequals", "expected name=value")]:
        p = instance.gannet("conf", "set", arg, check=False)
        assert p.returncode != 0, arg
        assert msg in p.stderr, (arg, p.stderr)
    assert open(instance.path("gannet.conf")).read() == before


def test_bad_config_line_reports_file_and_line(instance):
    conf = instance.path("gannet.conf")
    lines = open(conf).read().splitlines()
    lines.insert(3, "this line is broken")
    lines.append("max_use = 12x")
    open(conf, "w").write("\n".join(lines) + "\n")
    p = instance.gannet("conf", "max_use", check=False)
    assert p.returncode != 0
    assert "%s:4: missing '=' after parameter name" % conf in p.stderr
    assert "%s:%d: bad numerical value for max_use" % (conf, len(lines)) in p.stderr


def test_unknown_parameter_is_a_warning_with_line(instance):
    conf = instance.path("gannet.conf")
    with open(conf, "a") as f:
        f.write("mispeled_parameter = 1\n")
    n = len(open(conf).read().splitlines())
    p = instance.gannet("conf", "myhostname")
    assert "%s:%d: unknown parameter: mispeled_parameter" % (conf, n) in p.stderr


def test_expansion_and_continuation(instance):
    conf = instance.path("gannet.conf")
    with open(conf, "a") as f:
        f.write("relay_domains = $mydomain,\n    other.test\n")
    out = instance.gannet("conf", "relay_domains").stdout
    assert out == "relay_domains = gannet.test, other.test\n"


def test_init_port_base_listeners(instance):
    svc = open(instance.path("services.conf")).read()
    assert "services.conf" in svc
    out = run([GANNET, "init", os.path.join(os.path.dirname(instance.dir), "x"),
               "--port-base", "70000"], check=False)
    assert out.returncode != 0 and "--port-base" in out.stderr
