"""Submits one message as a mail client does, with Python's smtplib, and prints the outcome as JSON.

usage: submit.py starttls|ssl HOST PORT USER PASSWORD FROM TO
"""
import json
import smtplib
import ssl
import sys

mode, host, port, user, password, sender, to = sys.argv[1:8]
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE  # the test's certificate is self-signed
result = {}
try:
    if mode == "ssl":
        client = smtplib.SMTP_SSL(host, int(port), context=context, timeout=60)
    else:
        client = smtplib.SMTP(host, int(port), timeout=60)
        client.ehlo("client.test")
        result["auth_before_tls"] = client.has_extn("auth")
        client.starttls(context=context)
    client.ehlo("client.test")
    result["auth"] = client.esmtp_features.get("auth", "")
    try:
        code, text = client.login(user, password)
        result["login"] = [code, text.decode()]
        refused = client.sendmail(sender, [to], "Subject: from smtplib\r\n\r\nHello.\r\n")
        result["refused"] = {k: [v[0], v[1].decode()] for k, v in refused.items()}
        result["queued"] = True
    except smtplib.SMTPResponseException as e:
        result["error"] = [e.smtp_code, e.smtp_error.decode()]
    client.quit()
except Exception as e:  # noqa: BLE001 - the test reads what went wrong
    result["exception"] = repr(e)
print(json.dumps(result))
