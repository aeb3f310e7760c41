"""Reads a Maildir with Python's mailbox module, as a mail reader would, and prints what it saw as JSON.

Usage: read_maildir.py MAILDIR
"""
import json
import mailbox
import sys

box = mailbox.Maildir(sys.argv[1], create=False)
messages = []
for key in sorted(box.keys()):
    msg = box[key]
    messages.append({
        "key": key,
        "subdir": msg.get_subdir(),
        "subject": msg["Subject"],
        "from": msg["From"],
        "return_path": msg["Return-Path"],
        "delivered_to": msg["Delivered-To"],
        # a multipart message (a DSN, say) shows its parts as text
        "body": msg.get_payload() if not msg.is_multipart() else "\n".join(p.as_string() for p in msg.get_payload()),
        "defects": [type(d).__name__ for d in msg.defects],
    })
print(json.dumps(messages))
