"""Parses a message with Python's email package and prints each leaf part's decoded payload (hex), its
Content-Transfer-Encoding and content type, and whether every line is 7-bit and at most 998 octets,
as JSON. Usage: mime_parts.py FILE"""
import email
import email.policy
import json
import sys

raw = open(sys.argv[1], "rb").read()
msg = email.message_from_bytes(raw, policy=email.policy.compat32)
parts = []
for part in msg.walk():
    if part.is_multipart():
        continue
    payload = part.get_payload(decode=True)
    parts.append({
        "type": part.get_content_type(),
        "cte": (part.get("Content-Transfer-Encoding") or "").lower(),
        "payload_hex": (payload or b"").hex(),
    })
lines = raw.split(b"\r\n")
print(json.dumps({
    "parts": parts,
    "seven_bit": all(b < 128 for b in raw),
    "max_line": max(len(l) for l in lines),
    "defects": [type(d).__name__ for p in msg.walk() for d in p.defects],
}))
