#!/usr/bin/env python3
"""Reads one message (a DSN as an smtp-sink dump) and prints the fields of its delivery report
as JSON, parsed by Python's email package: an independent reading of RFC 6522 / RFC 3464.

Usage: dsn_report.py FILE
"""
import email
import email.policy
import json
import sys


def field(block, name):
    value = block.get(name)
    return None if value is None else " ".join(str(value).split())


def report(blocks, out):
    """RFC 3464 §2.1: one block of per-message fields, then one block per recipient."""
    first, rest = blocks[0], blocks[1:]
    out["reporting_mta"] = field(first, "Reporting-MTA")
    out["arrival_date"] = field(first, "Arrival-Date")
    out["original_envelope_id"] = field(first, "Original-Envelope-Id")
    for b in rest:
        out["recipients"].append({
            "original_recipient": field(b, "Original-Recipient"),
            "final_recipient": field(b, "Final-Recipient"),
            "action": field(b, "Action"),
            "status": field(b, "Status"),
            "remote_mta": field(b, "Remote-MTA"),
            "diagnostic_code": field(b, "Diagnostic-Code"),
            "will_retry_until": field(b, "Will-Retry-Until"),
        })


def main(path):
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.compat32)
    out = {
        # smtp-sink writes the envelope as header lines before the message
        "mail_args": field(msg, "X-Mail-Args"),
        "rcpt_args": msg.get_all("X-Rcpt-Args") or [],
        "from": field(msg, "From"),
        "to": field(msg, "To"),
        "subject": field(msg, "Subject"),
        "auto_submitted": field(msg, "Auto-Submitted"),
        "content_type": msg.get_content_type(),
        "report_type": msg.get_param("report-type"),
        "defects": [type(d).__name__ for d in msg.defects],
        "parts": [],
        "reporting_mta": None,
        "arrival_date": None,
        "original_envelope_id": None,
        "recipients": [],
        "returned_headers": None,
        "returned_body": None,
    }
    if not msg.is_multipart():
        print(json.dumps(out))
        return
    for part in msg.get_payload():
        ctype = part.get_content_type()
        out["parts"].append(ctype)
        if ctype == "message/delivery-status":
            report(part.get_payload(), out)
        elif ctype == "message/global-delivery-status":
            # RFC 6533: the same fields in UTF-8; Python has no special reading for it, so split the blocks here
            inner = part.get_payload()
            if isinstance(inner, list):  # parsed as an embedded message: its header is the first block
                payload = inner[0].as_bytes().decode("utf-8", "replace")
            else:
                payload = part.get_payload(decode=True).decode("utf-8")
            report([email.message_from_string(b, policy=email.policy.compat32)
                    for b in payload.replace("\r\n", "\n").strip().split("\n\n")], out)
        elif ctype == "message/rfc822":
            inner = part.get_payload(0)
            out["returned_headers"] = {k: " ".join(str(v).split()) for k, v in inner.items()}
            body = inner.get_payload(decode=False)
            out["returned_body"] = body if isinstance(body, str) else None
        elif ctype == "text/rfc822-headers":
            text = part.get_payload(decode=False)
            headers = email.message_from_string(text, policy=email.policy.compat32)
            out["returned_headers"] = {k: " ".join(str(v).split()) for k, v in headers.items()}
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
