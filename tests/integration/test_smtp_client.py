"""The smtp delivery agent and gannet domain-info against a small Internet
in network namespaces (see smtpnet.py): dnsmasq answers MX/A/AAAA for
*.test domains, fake SMTP servers play the remote MX hosts, smart hosts
and routes. The agent is driven as the queue manager will drive it: a
queue file in queue/active and a delivery request on its socket."""
import os
import subprocess

import pytest

from conftest import GANNET
from smtpnet import (HERE_ADDR, Agent, encode_request, net,  # noqa: F401
                     write_queue_file)

BODY = ("From: <alice@client.example>\nTo: <bob@dest.test>\n"
        "Subject: test\n\nhello\n.a line with a leading dot\n")
SENDER = "alice@client.example"


def conf(instance, **params):
    instance.gannet("conf", "set",
                    *["%s=%s" % (k, v) for k, v in params.items()])


def queue(instance, rcpts, body=BODY, **kw):
    qid, _ = write_queue_file(instance.path("queue"), SENDER, rcpts, body,
                              **kw)
    return qid


def deliver(agent, instance, nexthop, rcpts, body=BODY, **kw):
    qfkw = {k: kw[k] for k in ("body_type", "smtputf8") if k in kw}
    qid = queue(instance, [r if isinstance(r, str) else r["addr"]
                           for r in rcpts], body, **qfkw)
    return qid, agent.deliver(qid, nexthop, SENDER, rcpts, **kw)


@pytest.fixture
def world(net, instance):
    """DNS for the usual test domains; the instance set up to use it."""
    conf(instance, smtp_connect_timeout="3s", smtp_helo_timeout="10s",
         smtp_connection_cache_time_limit="1s")
    return net, instance


def dns(net, *records):
    return net.dnsmasq(list(records))


def test_mx_order_and_fallback_to_next_mx(world):
    net, instance = world
    dns(net, "mx-host=dest.test,mx1.dest.test,10",
        "mx-host=dest.test,mx2.dest.test,20",
        "mx-host=dest.test,mx3.dest.test,30",
        "host-record=mx1.dest.test,192.0.2.11",
        "host-record=mx2.dest.test,192.0.2.12",
        "host-record=mx3.dest.test,192.0.2.13")
    net.add_net_addr("192.0.2.11")       # mx1: nothing listens
    mx2 = net.smtp_server(["192.0.2.12"], "mx2.dest.test")
    mx3 = net.smtp_server(["192.0.2.13"], "mx3.dest.test")
    agent = Agent(net, instance)
    qid, res = deliver(agent, instance, "dest.test", ["bob@dest.test"])
    assert res[0]["status"] == "sent", res
    assert res[0]["relay"] == "mx2.dest.test[192.0.2.12]:25"
    assert res[0]["reason"].startswith("250 2.0.0 Ok: queued as")
    assert len(mx2.messages()) == 1 and mx3.messages() == []
    msg = mx2.messages()[0]
    assert msg["mail_from"] == SENDER and msg["rcpt_tos"] == ["bob@dest.test"]
    assert msg["helo"] == "mx.gannet.test"
    assert "\r\n.a line with a leading dot\r\n" in msg["data"]
    log = instance.wait_log("%s: to=<bob@dest.test>, relay=mx2.dest.test"
                            "[192.0.2.12]:25" % qid)
    assert ("%s: connect to mx1.dest.test[192.0.2.11]:25: Connection refused"
            % qid) in log
    line = [l for l in log.splitlines() if "to=<bob@dest.test>" in l][0]
    assert "dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as" in line
    assert ", delay=" in line and ", delays=" in line


def test_4xx_greeting_moves_on_to_the_next_mx(world):
    net, instance = world
    dns(net, "mx-host=dest.test,mx1.dest.test,10",
        "mx-host=dest.test,mx2.dest.test,20",
        "host-record=mx1.dest.test,192.0.2.11",
        "host-record=mx2.dest.test,192.0.2.12")
    net.smtp_server(["192.0.2.11"], "mx1.dest.test",
                    greeting="421 4.3.2 mx1.dest.test too busy, go away")
    mx2 = net.smtp_server(["192.0.2.12"], "mx2.dest.test")
    agent = Agent(net, instance)
    qid, res = deliver(agent, instance, "dest.test", ["bob@dest.test"])
    assert res[0]["status"] == "sent"
    assert len(mx2.messages()) == 1
    instance.wait_log("host mx1.dest.test[192.0.2.11] refused to talk to "
                      "me: 421 4.3.2 mx1.dest.test too busy")


def test_helo_when_ehlo_is_refused(world):
    net, instance = world
    dns(net, "mx-host=old.test,mx.old.test,10",
        "host-record=mx.old.test,192.0.2.14")
    srv = net.smtp_server(["192.0.2.14"], "mx.old.test",
                          ehlo_reply="502 5.5.2 Error: command not recognized")
    agent = Agent(net, instance)
    _, res = deliver(agent, instance, "old.test", ["x@old.test"])
    assert res[0]["status"] == "sent", res
    msg = srv.messages()[0]
    assert msg["helo"] == "mx.gannet.test"
    assert msg["mail_options"] == []     # no ESMTP parameters to HELO


def test_no_mx_uses_the_domain_address(world):
    net, instance = world
    dns(net, "host-record=plain.test,192.0.2.14")
    srv = net.smtp_server(["192.0.2.14"], "plain.test")
    agent = Agent(net, instance)
    _, res = deliver(agent, instance, "plain.test", ["carol@plain.test"])
    assert res[0]["status"] == "sent"
    assert res[0]["relay"] == "plain.test[192.0.2.14]:25"
    assert srv.messages()[0]["rcpt_tos"] == ["carol@plain.test"]


def test_ipv6_only_mx(world):
    net, instance = world
    dns(net, "mx-host=six.test,mx.six.test,10",
        "host-record=mx.six.test,2001:db8::16")
    srv = net.smtp_server(["2001:db8::16"], "mx.six.test")
    agent = Agent(net, instance)
    _, res = deliver(agent, instance, "six.test", ["dan@six.test"])
    assert res[0]["status"] == "sent", res
    assert res[0]["relay"] == "mx.six.test[2001:db8::16]:25"
    assert len(srv.messages()) == 1


def test_null_mx_bounces(world):
    net, instance = world
    dns(net, "mx-host=nomail.test,.,0",
        "host-record=nomail.test,192.0.2.17")
    agent = Agent(net, instance)
    qid, res = deliver(agent, instance, "nomail.test", ["x@nomail.test"])
    assert res[0]["status"] == "bounced"
    assert res[0]["dsn"] == "5.1.10"
    assert res[0]["reason"] == \
        "Domain nomail.test does not accept mail (nullMX)"
    instance.wait_log("%s: to=<x@nomail.test>, relay=none" % qid)


def test_unknown_domain_bounces(world):
    net, instance = world
    dns(net, "host-record=other.test,192.0.2.99")
    agent = Agent(net, instance)
    _, res = deliver(agent, instance, "nowhere.test", ["x@nowhere.test"])
    assert res[0]["status"] == "bounced"
    assert res[0]["dsn"] == "5.4.4"
    assert "Host or domain name not found. Name service error for " \
        "name=nowhere.test type=MX: Host not found" in res[0]["reason"]


def test_dns_failure_defers(world):
    net, instance = world
    # No name server at all answers: a temporary failure, never a bounce.
    conf(instance, dns_servers="127.0.0.1:5399", dns_timeout="1s",
         dns_retries="1")
    agent = Agent(net, instance)
    _, res = deliver(agent, instance, "dest.test", ["bob@dest.test"])
    assert res[0]["status"] == "deferred"
    assert res[0]["dsn"] == "4.4.3"
    assert "try again" in res[0]["reason"]


def test_dns_servers_parameter(world):
    net, instance = world
    # The resolv.conf server knows nothing; the one on 127.0.0.53:5353
    # does, and dns_servers names it.
    dns(net, "host-record=decoy.test,192.0.2.99")
    net.dnsmasq(["mx-host=dest.test,mx1.dest.test,10",
                 "host-record=mx1.dest.test,192.0.2.11"],
                addr="127.0.0.53", port=5353)
    srv = net.smtp_server(["192.0.2.11"], "mx1.dest.test")
    conf(instance, dns_servers="127.0.0.53:5353")
    agent = Agent(net, instance)
    _, res = deliver(agent, instance, "dest.test", ["bob@dest.test"])
    assert res[0]["status"] == "sent", res
    assert len(srv.messages()) == 1


def test_4xx_defers_and_5xx_bounces_with_the_remote_text(world):
    net, instance = world
    dns(net, "mx-host=dest.test,mx1.dest.test,10",
        "host-record=mx1.dest.test,192.0.2.11")
    rules = {"later@dest.test": "450 4.2.0 <later@dest.test>: mailbox busy",
             "gone@dest.test": "550 5.1.1 <gone@dest.test>: Recipient "
                               "address rejected: User unknown"}
    srv = net.smtp_server(["192.0.2.11"], "mx1.dest.test", rcpt=rules,
                          ehlo_add=["PIPELINING"])
    agent = Agent(net, instance)
    qid, res = deliver(agent, instance, "dest.test",
                       ["bob@dest.test", "later@dest.test", "gone@dest.test"])
    sent, later, gone = res
    assert sent["status"] == "sent"
    assert later["status"] == "deferred" and later["dsn"] == "4.2.0"
    assert later["diag"] == "450 4.2.0 <later@dest.test>: mailbox busy"
    assert gone["status"] == "bounced" and gone["dsn"] == "5.1.1"
    assert gone["diag"] == ("550 5.1.1 <gone@dest.test>: Recipient address "
                            "rejected: User unknown")
    assert gone["reason"] == (
        "host mx1.dest.test[192.0.2.11] said: 550 5.1.1 <gone@dest.test>:"
        " Recipient address rejected: User unknown (in reply to RCPT TO "
        "command)")
    assert gone["relay"] == "mx1.dest.test[192.0.2.11]:25"
    assert srv.messages()[0]["rcpt_tos"] == ["bob@dest.test"]
    log = instance.wait_log("%s: to=<gone@dest.test>" % qid)
    assert "dsn=5.1.1, status=bounced (host mx1.dest.test[192.0.2.11] " \
        "said: 550 5.1.1" in log
    assert "to=<later@dest.test>, relay=mx1.dest.test[192.0.2.11]:25, " \
        in log and "status=deferred" in log

    # The queue manager retries the deferred recipient later; by then the
    # server takes it.
    srv.stop()
    srv = net.smtp_server(["192.0.2.11"], "mx1.dest.test")
    res = agent.deliver(qid, "dest.test", SENDER, ["later@dest.test"])
    assert res[0]["status"] == "sent"
    assert [m["rcpt_tos"] for m in srv.messages()].count(
        ["later@dest.test"]) == 1


def test_mail_from_rejected_bounces_everyone(world):
    net, instance = world
    dns(net, "mx-host=dest.test,mx1.dest.test,10",
        "host-record=mx1.dest.test,192.0.2.11")
    net.smtp_server(["192.0.2.11"], "mx1.dest.test",
                    mail_reply="553 5.7.1 <alice@client.example>: "
                               "Sender address rejected")
    agent = Agent(net, instance)
    _, res = deliver(agent, instance, "dest.test",
                     ["bob@dest.test", "eve@dest.test"])
    for r in res:
        assert r["status"] == "bounced" and r["dsn"] == "5.7.1"
        assert "(in reply to MAIL FROM command)" in r["reason"]


def test_data_timeout_defers(world):
    net, instance = world
    dns(net, "mx-host=dest.test,mx1.dest.test,10",
        "host-record=mx1.dest.test,192.0.2.11")
    net.smtp_server(["192.0.2.11"], "mx1.dest.test", data_delay=4)
    conf(instance, smtp_data_done_timeout="1s")
    agent = Agent(net, instance)
    _, res = deliver(agent, instance, "dest.test", ["bob@dest.test"])
    assert res[0]["status"] == "deferred" and res[0]["dsn"] == "4.4.2"
    assert res[0]["reason"] == (
        "conversation with mx1.dest.test[192.0.2.11] timed out while "
        "sending end of data -- message may be sent more than once")


def test_size_limit_of_the_server_bounces(world):
    net, instance = world
    dns(net, "mx-host=dest.test,mx1.dest.test,10",
        "host-record=mx1.dest.test,192.0.2.11")
    srv = net.smtp_server(["192.0.2.11"], "mx1.dest.test", size=1000)
    agent = Agent(net, instance)
    big = BODY + ("x" * 70 + "\n") * 40
    _, res = deliver(agent, instance, "dest.test", ["bob@dest.test"], big)
    assert res[0]["status"] == "bounced" and res[0]["dsn"] == "5.3.4"
    assert "exceeds size limit 1000 of server mx1.dest.test[192.0.2.11]" \
        in res[0]["reason"]
    assert srv.messages() == []
    _, res = deliver(agent, instance, "dest.test", ["bob@dest.test"])
    assert res[0]["status"] == "sent"
    assert "SIZE=" in " ".join(srv.messages()[0]["mail_options"])


def test_8bit_message_and_a_server_without_8bitmime(world):
    net, instance = world
    dns(net, "mx-host=dest.test,mx1.dest.test,10",
        "host-record=mx1.dest.test,192.0.2.11",
        "mx-host=eight.test,mx.eight.test,10",
        "host-record=mx.eight.test,192.0.2.12")
    old = net.smtp_server(["192.0.2.11"], "mx1.dest.test",
                          ehlo_drop=["8BITMIME"])
    new = net.smtp_server(["192.0.2.12"], "mx.eight.test")
    agent = Agent(net, instance)
    body8 = BODY + "caf\u00e9\n"
    _, res = deliver(agent, instance, "dest.test", ["bob@dest.test"], body8,
                     body_type="8BITMIME")
    assert res[0]["status"] == "bounced" and res[0]["dsn"] == "5.6.3"
    assert "does not offer 8BITMIME" in res[0]["reason"]
    # Declared 8BITMIME but 7-bit after all: sent, without BODY=.
    _, res = deliver(agent, instance, "dest.test", ["bob@dest.test"], BODY,
                     body_type="8BITMIME")
    assert res[0]["status"] == "sent"
    assert old.messages()[0]["mail_options"] == []
    # A server with 8BITMIME gets it as it is.
    _, res = deliver(agent, instance, "eight.test", ["x@eight.test"], body8,
                     body_type="8BITMIME")
    assert res[0]["status"] == "sent"
    assert "BODY=8BITMIME" in new.messages()[0]["mail_options"]
    assert "caf\u00e9" in new.messages()[0]["data"]


def test_smtputf8_needed_but_not_offered(world):
    net, instance = world
    dns(net, "mx-host=dest.test,mx1.dest.test,10",
        "host-record=mx1.dest.test,192.0.2.11")
    net.smtp_server(["192.0.2.11"], "mx1.dest.test", ehlo_drop=["SMTPUTF8"])
    agent = Agent(net, instance)
    _, res = deliver(agent, instance, "dest.test",
                     ["j\u00f6rg@dest.test"], smtputf8=True)
    assert res[0]["status"] == "bounced" and res[0]["dsn"] == "5.6.7"
    assert "SMTPUTF8 is required" in res[0]["reason"]


def test_dsn_parameters_pass_through(world):
    net, instance = world
    dns(net, "mx-host=dest.test,mx1.dest.test,10",
        "host-record=mx1.dest.test,192.0.2.11",
        "mx-host=nodsn.test,mx.nodsn.test,10",
        "host-record=mx.nodsn.test,192.0.2.12")
    srv = net.smtp_server(["192.0.2.11"], "mx1.dest.test",
                          ehlo_add=["DSN"])
    nodsn = net.smtp_server(["192.0.2.12"], "mx.nodsn.test")
    agent = Agent(net, instance)
    rcpt = {"addr": "bob@dest.test", "orcpt": "rfc822;bob+x@dest.test",
            "notify": "SUCCESS,FAILURE"}
    _, res = deliver(agent, instance, "dest.test", [rcpt], envid="QQ 314",
                     ret="HDRS")
    assert res[0]["status"] == "sent"
    assert res[0]["success_dsn"] == "none"   # the server took it over
    msg = srv.messages()[0]
    assert "RET=HDRS" in msg["mail_options"]
    assert "ENVID=QQ+20314" in msg["mail_options"]
    assert msg["rcpt_options"][0] == ["NOTIFY=SUCCESS,FAILURE",
                                      "ORCPT=rfc822;bob+2Bx@dest.test"]
    rcpt["addr"] = "bob@nodsn.test"
    _, res = deliver(agent, instance, "nodsn.test", [rcpt], envid="QQ")
    assert res[0]["status"] == "sent"
    assert res[0]["success_dsn"] == "relayed"  # ours to send
    assert nodsn.messages()[0]["mail_options"] == []


def make_cert(instance, name):
    key = instance.path("tls", name + ".key")
    cert = instance.path("tls", name + ".pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "30",
                    "-subj", "/CN=" + name,
                    "-addext", "subjectAltName=DNS:" + name],
                   check=True, capture_output=True)
    os.chmod(key, 0o644)
    return {"cert": cert, "key": key}


def test_starttls_used_when_offered(world):
    net, instance = world
    dns(net, "mx-host=dest.test,mx1.dest.test,10",
        "host-record=mx1.dest.test,192.0.2.11")
    srv = net.smtp_server(["192.0.2.11"], "mx1.dest.test",
                          tls=make_cert(instance, "mx1.dest.test"))
    agent = Agent(net, instance)
    _, res = deliver(agent, instance, "dest.test", ["bob@dest.test"])
    assert res[0]["status"] == "sent"
    assert srv.messages()[0]["tls"] is True
    log = instance.wait_log("Untrusted TLS connection established to "
                            "mx1.dest.test[192.0.2.11]:25: TLSv1.")
    assert "mx1.dest.test[192.0.2.11]:25: peer certificate " \
        "subject=CN=mx1.dest.test, issuer=CN=mx1.dest.test" in log


def test_tls_required_by_policy(world):
    net, instance = world
    dns(net, "mx-host=dest.test,mx1.dest.test,10",
        "host-record=mx1.dest.test,192.0.2.11",
        "mx-host=secure.test,mx.secure.test,10",
        "host-record=mx.secure.test,192.0.2.12")
    plain = net.smtp_server(["192.0.2.11"], "mx1.dest.test")
    tls = make_cert(instance, "mx.secure.test")
    secure = net.smtp_server(["192.0.2.12"], "mx.secure.test", tls=tls)
    instance.write("maps/tls_policy",
                   "dest.test encrypt\nsecure.test verify\n")
    conf(instance, smtp_tls_policy_maps="texthash:$config_directory/maps/"
                                        "tls_policy")
    agent = Agent(net, instance)
    _, res = deliver(agent, instance, "dest.test", ["bob@dest.test"])
    assert res[0]["status"] == "deferred" and res[0]["dsn"] == "4.7.4"
    assert res[0]["reason"] == ("TLS is required, but was not offered by "
                                "host mx1.dest.test[192.0.2.11]")
    assert plain.messages() == []
    # verify: a self-signed certificate is not good enough ...
    _, res = deliver(agent, instance, "secure.test", ["x@secure.test"])
    assert res[0]["status"] == "deferred" and res[0]["dsn"] == "4.7.5"
    assert "Server certificate not trusted" in res[0]["reason"]
    assert secure.messages() == []
    # ... until it is one of smtp_tls_CAfile.
    agent.stop()
    conf(instance, smtp_tls_CAfile=tls["cert"])
    agent = Agent(net, instance)
    _, res = deliver(agent, instance, "secure.test", ["x@secure.test"])
    assert res[0]["status"] == "sent", res
    assert secure.messages()[0]["tls"] is True
    instance.wait_log("Verified TLS connection established to "
                      "mx.secure.test[192.0.2.12]:25")


def test_smart_host_with_auth(world):
    net, instance = world
    dns(net, "host-record=smart.test,192.0.2.20",
        "mx-host=dest.test,mx1.dest.test,10",
        "host-record=mx1.dest.test,192.0.2.11")
    direct = net.smtp_server(["192.0.2.11"], "mx1.dest.test")
    smart = net.smtp_server([("192.0.2.20", 587)], "smart.test",
                            tls=make_cert(instance, "smart.test"),
                            auth={"gannet-relay": "s3cret pass"})
    secret = instance.write("maps/sasl_passwd",
                            "[smart.test]:587 gannet-relay:s3cret pass\n",
                            mode=0o600)
    conf(instance, relayhost="[smart.test]:587",
         smtp_sasl_auth_enable="yes",
         smtp_sasl_password_maps="texthash:" + secret)
    out = instance.gannet("route", "bob@dest.test").stdout
    assert out == "bob@dest.test: smtp:[smart.test]:587 (relayhost)\n"
    agent = Agent(net, instance)
    _, res = deliver(agent, instance, "[smart.test]:587", ["bob@dest.test"])
    assert res[0]["status"] == "sent", res
    assert res[0]["relay"] == "smart.test[192.0.2.20]:587"
    msg = smart.messages()[0]
    assert msg["auth"] == "gannet-relay" and msg["tls"] is True
    assert direct.messages() == []
    log = instance.wait_log("smart.test[192.0.2.20]:587: authenticated as "
                            "gannet-relay")
    assert "s3cret" not in log
    # A wrong password defers (the administrator fixes it; no bounce).
    agent.stop()
    instance.write("maps/sasl_passwd",
                   "[smart.test]:587 gannet-relay:wrong\n", mode=0o600)
    agent = Agent(net, instance)
    _, res = deliver(agent, instance, "[smart.test]:587", ["bob@dest.test"])
    assert res[0]["status"] == "deferred" and res[0]["dsn"] == "4.7.0"
    assert res[0]["reason"].startswith(
        "SASL authentication failed; server smart.test[192.0.2.20] "
        "said: 535")


def test_no_password_without_tls(world):
    net, instance = world
    dns(net, "host-record=smart.test,192.0.2.20")
    smart = net.smtp_server([("192.0.2.20", 587)], "smart.test",
                            auth={"u": "p"})
    secret = instance.write("maps/sasl_passwd", "[smart.test]:587 u:p\n",
                            mode=0o600)
    conf(instance, smtp_sasl_auth_enable="yes",
         smtp_sasl_password_maps="texthash:" + secret)
    agent = Agent(net, instance)
    _, res = deliver(agent, instance, "[smart.test]:587", ["bob@dest.test"])
    assert res[0]["status"] == "deferred" and res[0]["dsn"] == "4.7.0"
    assert "may not be sent without TLS" in res[0]["reason"]
    assert smart.messages() == []


def test_route_override(world):
    net, instance = world
    dns(net, "mx-host=routed.test,mx.routed.test,10",
        "host-record=mx.routed.test,192.0.2.11")
    mx = net.smtp_server(["192.0.2.11"], "mx.routed.test")
    inside = net.smtp_server([("192.0.2.15", 2525)], "inside.routed.test")
    instance.write("maps/transport",
                   "routed.test smtp:[192.0.2.15]:2525\n"
                   "gone.test error:5.1.2 this domain moved away\n")
    conf(instance, transport_maps="texthash:$config_directory/maps/"
                                  "transport")
    out = instance.gannet("route", "x@routed.test", "y@gone.test",
                          "z@other.test").stdout
    assert out == ("x@routed.test: smtp:[192.0.2.15]:2525 (transport_maps)\n"
                   "y@gone.test: error:5.1.2 this domain moved away "
                   "(transport_maps)\n"
                   "z@other.test: smtp:other.test (domain)\n")
    agent = Agent(net, instance)
    _, res = deliver(agent, instance, "[192.0.2.15]:2525", ["x@routed.test"])
    assert res[0]["status"] == "sent"
    assert res[0]["relay"] == "192.0.2.15[192.0.2.15]:2525"
    assert len(inside.messages()) == 1 and mx.messages() == []


def test_backup_mx_holds_mail_until_the_primary_answers(world):
    net, instance = world
    # This host (mx.gannet.test, 192.0.2.1) is the backup MX of relay.test.
    dns(net, "mx-host=relay.test,primary.relay.test,10",
        "mx-host=relay.test,mx.gannet.test,20",
        "host-record=primary.relay.test,192.0.2.13",
        "host-record=mx.gannet.test," + HERE_ADDR,
        "host-record=fallback.test,192.0.2.21")
    fallback = net.smtp_server(["192.0.2.21"], "fallback.test")
    net.add_net_addr("192.0.2.13")       # the primary is down
    conf(instance, relay_domains="relay.test",
         smtp_fallback_relay="[fallback.test]")
    assert instance.gannet("route", "x@relay.test").stdout == \
        "x@relay.test: smtp:relay.test (relay_domains)\n"
    agent = Agent(net, instance)
    qid, res = deliver(agent, instance, "relay.test", ["x@relay.test"])
    assert res[0]["status"] == "deferred", res
    assert res[0]["reason"] == ("connect to primary.relay.test[192.0.2.13]"
                                ":25: Connection refused")
    assert fallback.messages() == []     # a backup MX keeps it
    # The primary comes back; the next attempt delivers.
    primary = net.smtp_server(["192.0.2.13"], "primary.relay.test")
    res = agent.deliver(qid, "relay.test", SENDER, ["x@relay.test"])
    assert res[0]["status"] == "sent"
    assert res[0]["relay"] == "primary.relay.test[192.0.2.13]:25"
    assert len(primary.messages()) == 1


def test_fallback_relay_when_the_destination_is_unreachable(world):
    net, instance = world
    dns(net, "mx-host=dest.test,mx1.dest.test,10",
        "host-record=mx1.dest.test,192.0.2.11",
        "host-record=fallback.test,192.0.2.21")
    net.add_net_addr("192.0.2.11")
    fallback = net.smtp_server(["192.0.2.21"], "fallback.test")
    conf(instance, smtp_fallback_relay="[fallback.test]")
    agent = Agent(net, instance)
    _, res = deliver(agent, instance, "dest.test", ["bob@dest.test"])
    assert res[0]["status"] == "sent"
    assert res[0]["relay"] == "fallback.test[192.0.2.21]:25"
    assert len(fallback.messages()) == 1


def test_mail_that_loops_back_to_myself(world):
    net, instance = world
    dns(net, "mx-host=loop.test,mx.gannet.test,10",
        "host-record=mx.gannet.test," + HERE_ADDR,
        "mx-host=loop2.test,alias.gannet.test,10",
        "host-record=alias.gannet.test," + HERE_ADDR)
    # A route to a server that greets with our own name is this host too.
    net.smtp_server(["192.0.2.30"], "mx.gannet.test")
    agent = Agent(net, instance)
    for dest in ("loop.test", "loop2.test", "[192.0.2.30]"):
        _, res = deliver(agent, instance, dest, ["x@loop.test"])
        assert res[0]["status"] == "bounced", (dest, res)
        assert res[0]["dsn"] == "5.4.6"
        assert res[0]["reason"].startswith("mail for ")
        assert res[0]["reason"].endswith(" loops back to myself")
    instance.wait_log("host 192.0.2.30[192.0.2.30] replied to HELO/EHLO "
                      "with my own hostname mx.gannet.test")


def test_connection_reuse_for_the_same_next_hop(world):
    net, instance = world
    dns(net, "mx-host=dest.test,mx1.dest.test,10",
        "host-record=mx1.dest.test,192.0.2.11")
    srv = net.smtp_server(["192.0.2.11"], "mx1.dest.test")
    agent = Agent(net, instance)
    s = agent.connect()
    qids = [queue(instance, ["bob@dest.test"]) for _ in range(3)]
    for qid in qids:
        res = agent.call(s, encode_request(qid, "dest.test", SENDER,
                                           ["bob@dest.test"]))
        assert res[0]["status"] == "sent"
    s.close()
    msgs = srv.messages()
    assert len(msgs) == 3
    assert len(set(m["session"] for m in msgs)) == 1
    instance.wait_log("%s: to=<bob@dest.test>, relay=mx1.dest.test"
                      "[192.0.2.11]:25, conn_use=3, " % qids[2])


def test_malformed_request_gets_no_reply(world):
    net, instance = world
    agent = Agent(net, instance)
    s = agent.connect()
    s.sendall(b"deliver\nqueue_id=../../etc/passwd\n\n")
    assert s.recv(100) == b""
    s.close()
    instance.wait_log("malformed delivery request")


def test_domain_info(world):
    net, instance = world
    dns(net, "mx-host=dest.test,mx1.dest.test,10",
        "mx-host=dest.test,mx2.dest.test,20",
        "host-record=mx1.dest.test,192.0.2.11,2001:db8::11",
        "host-record=mx2.dest.test,192.0.2.12")
    net.smtp_server(["192.0.2.11", "2001:db8::11"], "mx1.dest.test",
                    tls=make_cert(instance, "mx1.dest.test"),
                    ehlo_add=["PIPELINING"])
    net.add_net_addr("192.0.2.12")
    p = net.run(net.here, [GANNET, "-c", instance.dir, "domain-info",
                           "dest.test"])
    out = p.stdout
    assert p.returncode == 0, p.stderr
    assert "MX records (in the order a sender tries them):\n" \
        "  10 mx1.dest.test\n  20 mx2.dest.test\n" in out
    assert "\nmx1.dest.test (preference 10)\n  address 192.0.2.11\n" \
        "  address 2001:db8::11\n" in out
    assert "    greeting:\n      220 mx1.dest.test fake ESMTP\n" in out
    assert "      250-PIPELINING\n" in out
    assert "STARTTLS: ok, TLSv1." in out
    assert "      certificate subject: CN=mx1.dest.test\n" in out
    assert "      names: mx1.dest.test\n" in out
    assert "      trust: Untrusted: self-signed certificate" in out
    assert "  2001:db8::11 port 25\n    connect: ok" in out
    assert "\nmx2.dest.test (preference 20)\n" in out
    assert "  192.0.2.12 port 25\n    connect to mx2.dest.test" \
        "[192.0.2.12]:25: Connection refused\n" in out
    assert p.stderr == ""
    assert "2 servers accepted a connection with a 2xx greeting" in out


def test_domain_info_null_mx_and_unknown(world):
    net, instance = world
    dns(net, "mx-host=nomail.test,.,0")
    p = net.run(net.here, [GANNET, "-c", instance.dir, "domain-info",
                           "nomail.test"])
    assert "MX: Null MX (0 .): the domain accepts no mail" in p.stdout
    assert p.returncode == 1
    p = net.run(net.here, [GANNET, "-c", instance.dir, "domain-info",
                           "nowhere.test"])
    assert "MX: lookup failed: Host not found" in p.stdout
    assert p.returncode == 1


def test_relay_domain_route_waits_for_the_primary(world):
    net, instance = world
    # A backup MX whose primary is named by a route, not by the MX list:
    # the mail still waits for it, never goes to the fallback relay.
    dns(net, "host-record=fallback.test,192.0.2.21")
    fallback = net.smtp_server(["192.0.2.21"], "fallback.test")
    net.add_net_addr("192.0.2.13")
    instance.write("maps/transport", "relay.test smtp:[192.0.2.13]\n")
    conf(instance, relay_domains="relay.test",
         smtp_fallback_relay="[fallback.test]",
         transport_maps="texthash:$config_directory/maps/transport")
    agent = Agent(net, instance)
    _, res = deliver(agent, instance, "[192.0.2.13]", ["x@relay.test"])
    assert res[0]["status"] == "deferred"
    assert "Connection refused" in res[0]["reason"]
    assert fallback.messages() == []


def test_mail_accepted_by_smtpd_goes_out(world):
    """The whole way out: a client submits to smtpd, smtpd writes the
    queue file, the agent delivers it to the remote MX."""
    import smtplib

    from conftest import free_port_base
    from smtpd_util import Smtpd, setup_accounts

    net, instance = world
    dns(net, "mx-host=dest.test,mx1.dest.test,10",
        "host-record=mx1.dest.test,192.0.2.11")
    mx = net.smtp_server(["192.0.2.11"], "mx1.dest.test")
    setup_accounts(instance)
    smtpd = Smtpd(instance, free_port_base() + 25)
    try:
        with smtplib.SMTP("127.0.0.1", smtpd.port) as c:
            c.ehlo("client.example")
            c.sendmail(SENDER, ["bob@dest.test"],
                       "Subject: out\r\n\r\nthrough smtpd\r\n")
    finally:
        smtpd.proc.terminate()
        smtpd.proc.wait()
    qids = os.listdir(instance.path("queue", "incoming"))
    assert len(qids) == 1
    agent = Agent(net, instance)
    res = agent.deliver(qids[0], "dest.test", SENDER, ["bob@dest.test"],
                        queue_name="incoming")
    assert res[0]["status"] == "sent", res
    msg = mx.messages()[0]
    assert msg["rcpt_tos"] == ["bob@dest.test"]
    assert "through smtpd" in msg["data"]
    assert msg["data"].startswith("Received: from client.example")


def test_rebuilt_password_map_restarts_the_agent(world):
    """The password map is readable by root only; the agent, no longer
    root, cannot reopen it when it is rebuilt: it finishes the request with
    what it read before and exits, so that the master starts one that reads
    the new map."""
    import time

    net, instance = world
    dns(net, "host-record=smart.test,192.0.2.20")
    smart = net.smtp_server([("192.0.2.20", 587)], "smart.test",
                            tls=make_cert(instance, "smart.test"),
                            auth={"u": "right"})
    secret = instance.write("maps/sasl_passwd", "[smart.test]:587 u:wrong\n",
                            mode=0o600)
    conf(instance, smtp_sasl_auth_enable="yes",
         smtp_sasl_password_maps="texthash:" + secret)
    agent = Agent(net, instance)
    _, res = deliver(agent, instance, "[smart.test]:587", ["bob@dest.test"])
    assert res[0]["status"] == "deferred" and res[0]["dsn"] == "4.7.0"
    time.sleep(1.1)          # maps look at their files once a second
    instance.write("maps/sasl_passwd", "[smart.test]:587 u:right\n",
                   mode=0o600)
    qid, res = deliver(agent, instance, "[smart.test]:587", ["bob@dest.test"])
    assert res[0]["status"] == "deferred"
    assert agent.proc.wait(10) == 0
    instance.wait_log("smtp_sasl_password_maps changed or cannot be read: "
                      "exiting")
    agent = Agent(net, instance)
    res = agent.deliver(qid, "[smart.test]:587", SENDER, ["bob@dest.test"])
    assert res[0]["status"] == "sent", res
    assert smart.messages()[0]["auth"] == "u"
