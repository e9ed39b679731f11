#!/usr/bin/env python3
"""A real SMTP server for the tests (aiosmtpd): writes every accepted message to DIR/N.eml and
its envelope to DIR/N.json, prints "ready PORT" once listening, and runs until killed.

  smtp-sink.py --dir DIR [--port 0] [--starttls CERT KEY] [--tls CERT KEY] [--auth USER:PASS]
               [--defer FILE] [--hold-rcpt FILE] [--hold-data FILE]
  smtp-sink.py parse FILE.eml     # the message as JSON, read by Python's own MIME parser

Recipients @reject.test are refused with 550 (permanent), @later.test with 451 (temporary).
Faults switched by the test through files, while the server runs:
  --defer FILE      while FILE exists, every recipient gets 451 (a server that defers mail);
  --hold-rcpt FILE  while FILE exists, RCPT waits (a slow server; nothing is stored yet);
  --hold-data FILE  while FILE exists, the reply to DATA waits after the message is stored
                    (the receiver has it, the sender does not know: a resend is a duplicate).
"""
import argparse, asyncio, hashlib, json, os, signal, socket, ssl, sys, time


def parse(path):
    import email
    from email import policy
    with open(path, "rb") as f:
        raw = f.read()
    msg = email.message_from_bytes(raw, policy=policy.default)
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    print(json.dumps({
        "subject": str(msg["subject"]), "from": str(msg["from"]), "to": str(msg["to"]),
        "messageId": str(msg["message-id"]), "date": str(msg["date"]), "mimeVersion": str(msg["mime-version"]),
        "contentType": msg.get_content_type(),
        "defects": [str(d) for part in msg.walk() for d in part.defects],
        "text": text.get_content() if text else None, "html": html.get_content() if html else None,
        "alternatives": [p.get_content_type() for p in msg.walk() if p.get_content_type() in ("text/plain", "text/html")],
        "attachments": [{"filename": p.get_filename(), "type": p.get_content_type(),
                         "sha256": hashlib.sha256(p.get_payload(decode=True)).hexdigest()} for p in msg.iter_attachments()],
        "longestLine": max(len(line) for line in raw.split(b"\r\n")),
        "bareLF": b"\n" in raw.replace(b"\r\n", b""),
    }, ensure_ascii=False))


async def hold_while(path):
    while path and os.path.exists(path):
        await asyncio.sleep(0.05)


class Sink:
    def __init__(self, directory, defer=None, hold_rcpt=None, hold_data=None):
        self.directory = directory
        self.count = 0
        self.defer = defer
        self.hold_rcpt = hold_rcpt
        self.hold_data = hold_data

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await hold_while(self.hold_rcpt)
        if self.defer and os.path.exists(self.defer):
            return "451 4.3.2 System not accepting messages now"
        if address.endswith("@reject.test"):
            return "550 5.1.1 No such user"
        if address.endswith("@later.test"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.directory, str(self.count))
        with open(base + ".eml.partial", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(base + ".eml.partial", base + ".eml")
        with open(base + ".json", "w") as f:
            json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                       "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
                       "authenticated": bool(session.authenticated)}, f)
        await hold_while(self.hold_data)
        return "250 2.0.0 Queued"


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "parse":
        parse(sys.argv[2])
        return
    # A parent (the test runner) may start us with signals blocked or ignored: stop on SIGTERM.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--auth")
    parser.add_argument("--defer")
    parser.add_argument("--hold-rcpt")
    parser.add_argument("--hold-data")
    args = parser.parse_args()

    port = args.port
    if port == 0:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]

    kwargs = {}
    if args.starttls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*args.starttls)
        kwargs["tls_context"] = context
        kwargs["require_starttls"] = True
    ssl_context = None
    if args.tls:
        ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ssl_context.load_cert_chain(*args.tls)
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
            return AuthResult(success=ok, handled=False)

        kwargs["authenticator"] = authenticator
        kwargs["auth_required"] = True
        kwargs["auth_require_tls"] = False

    controller = Controller(Sink(args.dir, args.defer, args.hold_rcpt, args.hold_data), hostname="127.0.0.1", port=port, ssl_context=ssl_context,
                            server_hostname="localhost", **kwargs)
    controller.start()
    print(f"ready {port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
