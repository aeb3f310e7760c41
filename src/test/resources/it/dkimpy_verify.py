"""Verifies every DKIM-Signature of a message with dkimpy, the keys served from a file, not DNS.

usage: dkimpy_verify.py MESSAGE KEYS
KEYS holds 'NAME VALUE' lines (NAME like sel._domainkey.example.com). Prints JSON:
{"results": [{"pass": true|false, "error": "..."}, ...]}, one per signature, top first.
"""
import json
import sys

import dkim


def main():
    message = open(sys.argv[1], "rb").read()
    keys = {}
    for line in open(sys.argv[2], encoding="ascii"):
        if line.strip():
            name, value = line.strip().split(None, 1)
            keys[name.lower().rstrip(".")] = value.encode("ascii")

    def dnsfunc(name, timeout=5):
        name = name.decode("ascii") if isinstance(name, bytes) else name
        return keys.get(name.lower().rstrip("."), None)

    d = dkim.DKIM(message)
    count = sum(1 for h in d.headers if h[0].lower() == b"dkim-signature")
    results = []
    for index in range(count):
        try:
            ok = d.verify(idx=index, dnsfunc=dnsfunc)
            results.append({"pass": bool(ok), "error": None})
        except Exception as e:  # dkimpy reports bad signatures by raising
            results.append({"pass": False, "error": repr(e)})
    print(json.dumps({"results": results}))


main()
