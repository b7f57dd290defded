"""A scriptable SMTP server for the SMTP client tests: a remote MX, a smart
host, a server that misbehaves. Built on aiosmtpd, run as its own process
(inside a test network namespace), configured by a JSON file:

  listen      [[address, port], ...]
  hostname    name in the greeting and the EHLO reply
  spool       directory: one JSON file per accepted message
  greeting    a reply instead of the 220 greeting ("421 4.3.2 busy"); the
              connection is closed after it
  ehlo_drop   EHLO keywords not to offer (["8BITMIME", "SMTPUTF8"])
  ehlo_add    keywords to offer besides ("PIPELINING", "DSN")
  ehlo_reply  a reply to EHLO instead ("502 5.5.2 ..."): an old server
  tls         {"cert": path, "key": path}: offer STARTTLS
  auth        {"user": "password"}: offer AUTH PLAIN LOGIN (after TLS)
  size        the SIZE limit (0: none)
  rcpt        {"address": "550 5.1.1 ..."}: replies to RCPT TO
  mail_reply  a reply to every MAIL FROM
  data_reply  a reply to the end of every message
  data_delay  seconds to wait before that reply
Each accepted message is written as {"helo", "mail_from", "mail_options",
"rcpt_tos", "rcpt_options", "tls", "auth", "data", "session"}; every
session that ends appends a line to spool/sessions.
"""
import asyncio
import json
import os
import ssl
import sys
import uuid

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

DSN_KEYS = ("NOTIFY=", "ORCPT=", "RET=", "ENVID=")


class Handler:
    def __init__(self, conf):
        self.conf = conf

    async def handle_EHLO(self, server, session, envelope, hostname,
                          responses):
        session.host_name = hostname
        words = [r[4:] for r in responses]
        drop = set(k.upper() for k in self.conf.get("ehlo_drop", []))
        if not self.conf.get("auth"):
            drop.add("AUTH")
        words = [w for w in words if w.split(" ")[0].upper() not in drop]
        help_line = words.pop() if words and words[-1] == "HELP" else None
        words += self.conf.get("ehlo_add", [])
        if help_line:
            words.append(help_line)
        return ["250-" + w for w in words[:-1]] + ["250 " + words[-1]]

    async def handle_MAIL(self, server, session, envelope, address, options):
        if self.conf.get("mail_reply"):
            return self.conf["mail_reply"]
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        envelope.mail_options.extend(getattr(session, "dsn_mail", []))
        return "250 2.1.0 Ok"

    async def handle_RCPT(self, server, session, envelope, address, options):
        reply = self.conf.get("rcpt", {}).get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.append(
            options + getattr(session, "dsn_rcpt", []))
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        if self.conf.get("data_delay"):
            await asyncio.sleep(self.conf["data_delay"])
        if self.conf.get("data_reply"):
            return self.conf["data_reply"]
        qid = uuid.uuid4().hex[:10].upper()
        msg = {
            "helo": session.host_name,
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            "rcpt_options": envelope.rcpt_options,
            "tls": session.ssl is not None,
            "auth": session.auth_data.login.decode()
            if session.authenticated and session.auth_data else None,
            "data": envelope.original_content.decode("utf-8", "replace"),
            "session": id(session),
        }
        spool = self.conf["spool"]
        tmp = os.path.join(spool, ".%s" % qid)
        with open(tmp, "w") as f:
            json.dump(msg, f)
        os.rename(tmp, os.path.join(spool, "%s.json" % qid))
        return "250 2.0.0 Ok: queued as %s" % qid


class FakeSMTP(SMTP):
    """aiosmtpd does not know the DSN parameters: take them off the
    command line first, keep them for the handler."""

    def __init__(self, conf, *args, **kw):
        self.conf = conf
        super().__init__(*args, **kw)

    def _strip_dsn(self, arg):
        if arg is None or "DSN" not in self.conf.get("ehlo_add", []):
            return arg, []
        words = arg.split(" ")
        keep = [w for w in words if not w.upper().startswith(DSN_KEYS)]
        dsn = [w for w in words if w.upper().startswith(DSN_KEYS)]
        return " ".join(keep), dsn

    async def smtp_EHLO(self, hostname):
        if self.conf.get("ehlo_reply"):
            await self.push(self.conf["ehlo_reply"])
            return
        await super().smtp_EHLO(hostname)

    async def smtp_MAIL(self, arg):
        arg, self.session.dsn_mail = self._strip_dsn(arg)
        await super().smtp_MAIL(arg)

    async def smtp_RCPT(self, arg):
        arg, self.session.dsn_rcpt = self._strip_dsn(arg)
        await super().smtp_RCPT(arg)

    def connection_lost(self, exc):
        with open(os.path.join(self.conf["spool"], "sessions"), "a") as f:
            f.write("%s\n" % id(self.session))
        super().connection_lost(exc)


def authenticator_for(users):
    def authenticator(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode()
            if users.get(user) == auth_data.password.decode():
                return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)
    return authenticator


async def refuse(conf, reader, writer):
    writer.write((conf["greeting"] + "\r\n").encode())
    await writer.drain()
    writer.close()


async def main(path):
    with open(path) as f:
        conf = json.load(f)
    loop = asyncio.get_running_loop()
    tls = None
    if conf.get("tls"):
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(conf["tls"]["cert"], conf["tls"]["key"])
    kw = dict(hostname=conf["hostname"], ident="fake ESMTP",
              data_size_limit=conf.get("size", 0),
              enable_SMTPUTF8="SMTPUTF8" not in conf.get("ehlo_drop", []),
              decode_data=False, tls_context=tls, timeout=30)
    if conf.get("auth"):
        kw.update(authenticator=authenticator_for(conf["auth"]),
                  auth_require_tls=bool(tls))
    servers = []
    for host, port in conf["listen"]:
        if conf.get("greeting"):
            srv = await asyncio.start_server(
                lambda r, w: refuse(conf, r, w), host, port)
        else:
            srv = await loop.create_server(
                lambda: FakeSMTP(conf, Handler(conf), **kw), host, port)
        servers.append(srv)
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
