"""Drives one SMTP session with Python's smtplib, step by step, and prints the replies as JSON.

usage: python3 smtplib_client.py PLAN   (or @FILE, a file holding PLAN)
PLAN is JSON: {"port": 2525, "source": "127.0.0.1", "helo": "client.test", "steps": [...]}
Each step is a list:
  ["ehlo"]
  ["mail", sender, [options]]
  ["rcpt", recipient, [options]]
  ["data", message]                 message text with CRLF line ends, sent as UTF-8 bytes
  ["bdat", chunk, last]             an RFC 3030 chunk; smtplib has no BDAT, so it goes out raw
  ["sendmail", sender, [recipients], message, [mail_options], [rcpt_options]]
  ["rset"] / ["noop"] / ["quit"]
Prints a JSON array with one {"code": N, "text": "..."} per step. For "sendmail" that is the
reply to DATA, or the reply that made smtplib give up.
"""
import json
import smtplib
import sys


class Client(smtplib.SMTP):
    """smtplib.SMTP that remembers the reply to DATA, which sendmail() does not return."""
    last_data_reply = None

    def data(self, msg):
        self.last_data_reply = super().data(msg)
        return self.last_data_reply


def run(plan):
    s = Client("127.0.0.1", plan["port"], local_hostname=plan.get("helo", "client.test"), timeout=15,
               source_address=(plan.get("source", "127.0.0.1"), 0))
    out = []
    for step in plan["steps"]:
        verb, args = step[0], step[1:]
        if verb == "ehlo":
            r = s.ehlo()
        elif verb == "mail":
            r = s.mail(args[0], args[1] if len(args) > 1 else [])
        elif verb == "rcpt":
            r = s.rcpt(args[0], args[1] if len(args) > 1 else [])
        elif verb == "data":
            r = s.data(args[0].encode("utf-8"))
        elif verb == "bdat":
            chunk = args[0].encode("utf-8")
            s.send(b"BDAT %d%s\r\n" % (len(chunk), b" LAST" if args[1] else b"") + chunk)
            r = s.getreply()
        elif verb == "sendmail":
            try:
                s.sendmail(args[0], args[1], args[2].encode("utf-8"), args[3], args[4])
                r = s.last_data_reply
            except smtplib.SMTPRecipientsRefused as e:
                r = next(iter(e.recipients.values()))
            except smtplib.SMTPResponseException as e:
                r = (e.smtp_code, e.smtp_error)
        elif verb == "rset":
            r = s.rset()
        elif verb == "noop":
            r = s.noop()
        elif verb == "quit":
            r = s.quit()
        else:
            raise SystemExit("unknown step: " + verb)
        code, text = r
        out.append({"code": code, "text": text.decode("utf-8", "replace") if isinstance(text, bytes) else text})
    print(json.dumps(out))


if __name__ == "__main__":
    arg = sys.argv[1]
    if arg.startswith("@"):
        with open(arg[1:], encoding="utf-8") as f:
            arg = f.read()
    run(json.loads(arg))
