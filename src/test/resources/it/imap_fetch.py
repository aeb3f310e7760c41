"""Reads every message of one mailbox over IMAP with Python's imaplib and prints them as JSON.

usage: python3 imap_fetch.py HOST PORT USER PASSWORD [MAILBOX]
Logs in without TLS (LOGIN), EXAMINEs the mailbox (read-only: no flag changes, nothing marked
\\Seen), fetches each message's RFC 822 text (BODY.PEEK[]) in UID order and prints
{"messages": [...]} with each message base64-encoded, so any byte survives the trip.
If a command fails, exits 1 with "COMMAND failed: server reply" on stderr.
"""
import base64
import imaplib
import json
import sys


def step(what, command, *args):
    """Runs one imaplib command; its data if the server said OK, else exit with the reply."""
    try:
        status, data = command(*args)
    except imaplib.IMAP4.error as e:   # imaplib raises on NO/BAD for some commands (LOGIN)
        raise SystemExit("%s failed: %s" % (what, e))
    if status != "OK":
        raise SystemExit("%s failed: %s %r" % (what, status, data))
    return data


def fetch_all(host, port, user, password, mailbox):
    with imaplib.IMAP4(host, port, timeout=15) as imap:
        step("LOGIN", imap.login, user, password)
        step("EXAMINE " + mailbox, imap.select, mailbox, True)
        uids = step("UID SEARCH", imap.uid, "SEARCH", None, "ALL")[0].split()
        messages = []
        for uid in uids:
            what = "UID FETCH " + uid.decode()
            data = step(what, imap.uid, "FETCH", uid, "(BODY.PEEK[])")
            # [(b'1 (UID 1 BODY[] {123}', b'<message>'), b')']
            parts = [item for item in data if isinstance(item, tuple)]
            if len(parts) != 1:
                raise SystemExit("%s failed: unexpected reply %r" % (what, data))
            messages.append(base64.b64encode(parts[0][1]).decode("ascii"))
        return messages


if __name__ == "__main__":
    if len(sys.argv) not in (5, 6):
        raise SystemExit(__doc__)
    host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    mailbox = sys.argv[5] if len(sys.argv) == 6 else "INBOX"
    print(json.dumps({"messages": fetch_all(host, port, user, password, mailbox)}))
