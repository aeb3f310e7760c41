"""Reads the messages of a Maildir as a mail reader does, with Python's email package and its modern
policy (encoded words decoded, transfer encodings undone, MIME defects listed), and prints them as JSON.

Usage: read_messages.py MAILDIR
"""
import json
import os
import sys
from email import policy
from email.parser import BytesParser

maildir = sys.argv[1]
messages = []
for sub in ("new", "cur"):
    folder = os.path.join(maildir, sub)
    if not os.path.isdir(folder):
        continue
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), "rb") as f:
            msg = BytesParser(policy=policy.default).parse(f)
        plain = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        messages.append({
            "subject": str(msg["subject"]) if msg["subject"] is not None else None,
            "from": str(msg["from"]),
            "to": str(msg["to"]),
            "message_id": str(msg["message-id"]),
            "precedence": str(msg["precedence"]) if msg["precedence"] is not None else None,
            "received": [str(r) for r in msg.get_all("received", [])],
            "content_type": msg.get_content_type(),
            "text": plain.get_content() if plain is not None else None,
            "html": html.get_content() if html is not None else None,
            "defects": [type(d).__name__ for part in msg.walk() for d in part.defects],
        })
print(json.dumps(messages))
