"""dkimpy's ARC (Debian python3-dkim 1.1.4) for ArcInteropIT.

Usage:
  dkimpy_arc.py verify MESSAGE DNS_JSON
      prints {"cv": "pass"|"fail"|"none", "comment": ...}: dkim.arc_verify on the file MESSAGE.
  dkimpy_arc.py seal MESSAGE DNS_JSON KEY_PEM SELECTOR DOMAIN SRV_ID HEADERS TIMESTAMP
      prints {"fields": [...]}: the ARC set dkim.arc_sign makes for MESSAGE, newest field first.
      dkimpy takes the chain's status from the message's Authentication-Results under SRV_ID.
DNS_JSON maps a name (selector._domainkey.domain) to its TXT record: the only DNS dkimpy sees.
"""
import json
import sys

import dkim


def dns(path):
    with open(path) as f:
        records = json.load(f)

    def txt(name, timeout=5):
        name = name.decode() if isinstance(name, bytes) else name
        record = records.get(name.rstrip('.'))
        return record.encode() if record is not None else None
    return txt


def read(path):
    with open(path, 'rb') as f:
        return f.read()


command = sys.argv[1]
if command == 'verify':
    cv, _, comment = dkim.arc_verify(read(sys.argv[2]), dnsfunc=dns(sys.argv[3]))
    print(json.dumps({'cv': cv.decode(), 'comment': comment}))
elif command == 'seal':
    message, _, key, selector, domain, srv_id, headers, timestamp = sys.argv[2:10]
    fields = dkim.arc_sign(read(message), selector.encode(), domain.encode(), read(key), srv_id.encode(),
                           include_headers=[h.encode() for h in headers.split(':')], timestamp=int(timestamp))
    print(json.dumps({'fields': [f.decode() for f in fields]}))
else:
    sys.exit('unknown command ' + command)
