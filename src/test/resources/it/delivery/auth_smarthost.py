#!/usr/bin/python3
"""An authenticating relay for Facteur's smarthost tests, built on aiosmtpd (python3-aiosmtpd).

It listens on one loopback address, may offer STARTTLS (RFC 3207) with the given PEM certificate,
offers the chosen SMTP AUTH mechanisms (RFC 4954: PLAIN, RFC 4616; LOGIN) and accepts exactly one
username and password. It records:

* each received message as one JSON file in --out: envelope sender and recipients with their
  ESMTP parameters, the TLS protocol of the session (null without TLS), the authenticated login
  (null without AUTH) and the content exactly as received (ISO-8859-1, CRLF line ends);
* one JSON line per event in --events: "ehlo" (with whether TLS was on and what was offered),
  "starttls", and "auth" for every AUTH command that arrived, whatever its fate (mechanism,
  whether TLS was on, the login tried, success). No "auth" line means that no AUTH command, so
  no password, ever reached the server.

It prints "ready HOST PORT" once listening (with --port 0, the port the system gave it), and stops
on SIGTERM.
"""

import argparse
import asyncio
import json
import logging
import os
import signal
import ssl
import sys
import uuid

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

MECHANISMS = ("PLAIN", "LOGIN")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--address", required=True, help="a loopback address, 127.0.0.x")
    p.add_argument("--port", type=int, required=True, help="0: any free port (the one taken is printed)")
    p.add_argument("--cert", help="PEM certificate (needed with --starttls)")
    p.add_argument("--key", help="PEM private key (needed with --starttls)")
    p.add_argument("--starttls", action="store_true", help="offer STARTTLS")
    p.add_argument("--mechanisms", default="PLAIN,LOGIN", help="AUTH mechanisms to offer, comma-separated")
    p.add_argument("--username", required=True)
    p.add_argument("--password-file", required=True, help="file holding the one accepted password")
    p.add_argument("--auth-require-tls", choices=("true", "false"), default="true",
                   help="offer and accept AUTH only after STARTTLS (aiosmtpd's auth_require_tls)")
    p.add_argument("--out", required=True, help="directory for one JSON file per received message")
    p.add_argument("--events", required=True, help="JSON-lines file of EHLO, STARTTLS and AUTH events")
    a = p.parse_args()
    if not a.address.startswith("127."):
        p.error("only loopback addresses: " + a.address)
    offered = [m.strip().upper() for m in a.mechanisms.split(",") if m.strip()]
    unknown = [m for m in offered if m not in MECHANISMS]
    if unknown:
        p.error("unknown mechanism(s): " + ", ".join(unknown))
    a.offered = offered
    if a.starttls and not (a.cert and a.key):
        p.error("--starttls needs --cert and --key")
    with open(a.password_file, encoding="utf-8") as f:
        a.password = f.read().strip()
    return a


class Recorder:
    """Writes events and messages; each message file appears whole (written aside, then renamed)."""

    def __init__(self, out_dir, events_file):
        self.out_dir = out_dir
        self.events_file = events_file

    def event(self, **fields):
        with open(self.events_file, "a", encoding="utf-8") as f:
            f.write(json.dumps(fields) + "\n")
            f.flush()

    def message(self, record):
        name = uuid.uuid4().hex
        tmp = os.path.join(self.out_dir, "." + name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, os.path.join(self.out_dir, name + ".json"))
        return name


def tls_of(server):
    """The session's TLS protocol version, or None while in the clear."""
    transport = server.transport
    obj = transport.get_extra_info("ssl_object") if transport is not None else None
    return obj.version() if obj is not None else None


class RecordingSMTP(SMTP):
    """aiosmtpd's SMTP, with every EHLO, STARTTLS and AUTH command written to the event log."""

    def __init__(self, handler, recorder, **kwargs):
        super().__init__(handler, **kwargs)
        self.recorder = recorder

    async def smtp_EHLO(self, hostname):
        await super().smtp_EHLO(hostname)
        self.recorder.event(event="ehlo", helo=hostname, tls=tls_of(self),
                            offered_starttls=bool(self.tls_context) and self._tls_protocol is None,
                            offered_auth=sorted(self._auth_methods) if (not self._auth_require_tls or self._tls_protocol) else [])

    async def smtp_STARTTLS(self, arg):
        await super().smtp_STARTTLS(arg)
        self.recorder.event(event="starttls", tls=tls_of(self))

    async def smtp_AUTH(self, arg):
        words = (arg or "").split()
        mechanism = words[0].upper() if words else ""
        tls = tls_of(self)
        self.session.attempted_login = None
        await super().smtp_AUTH(arg)
        self.recorder.event(event="auth", mechanism=mechanism, tls=tls,
                            login=getattr(self.session, "attempted_login", None),
                            success=bool(self.session.authenticated))


class Authenticator:
    """Accepts one username and password; remembers who tried, for the event log."""

    def __init__(self, username, password):
        self.username = username
        self.password = password

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        session.attempted_login = login
        ok = login == self.username and auth_data.password.decode("utf-8", "replace") == self.password
        return AuthResult(success=ok, handled=False, auth_data=login if ok else None)


class Handler:
    def __init__(self, recorder):
        self.recorder = recorder

    async def handle_DATA(self, server, session, envelope):
        name = self.recorder.message({
            "peer": session.peer[0],
            "helo": session.host_name,
            "tls": tls_of(server),
            "login": session.auth_data if session.authenticated else None,
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            "rcpt_options": envelope.rcpt_options,
            "content": envelope.original_content.decode("iso-8859-1"),
        })
        return "250 2.0.0 Ok: queued as " + name


async def serve(a):
    loop = asyncio.get_running_loop()
    recorder = Recorder(a.out, a.events)
    tls_context = None
    if a.starttls:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(a.cert, a.key)
    handler = Handler(recorder)
    authenticator = Authenticator(a.username, a.password)
    excluded = [m for m in MECHANISMS if m not in a.offered]

    def factory():
        return RecordingSMTP(handler, recorder, hostname="relay.smarthost.test", loop=loop,
                             tls_context=tls_context, authenticator=authenticator,
                             auth_require_tls=a.auth_require_tls == "true",
                             auth_exclude_mechanism=excluded, timeout=30)

    server = await loop.create_server(factory, host=a.address, port=a.port)
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
    loop.add_signal_handler(signal.SIGINT, stop.set_result, None)
    port = server.sockets[0].getsockname()[1]
    print("ready", a.address, port, flush=True)
    await stop
    server.close()
    await server.wait_closed()


def main():
    a = parse_args()
    # aiosmtpd's own warnings (a deprecated attribute it sets itself) are noise here; errors stay.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    try:
        asyncio.run(serve(a))
    except OSError as e:  # e.g. the port was taken meanwhile: say so, the test picks another
        print("cannot listen on %s:%d: %s" % (a.address, a.port, e), file=sys.stderr, flush=True)
        sys.exit(3)


if __name__ == "__main__":
    main()
