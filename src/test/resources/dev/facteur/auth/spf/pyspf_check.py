"""pyspf's results for SpfInteropIT.

Usage: pyspf_check.py dnspython|pydns SERVER PORT CASES_JSON
CASES_JSON is a list of {"ip", "sender", "helo"}. Prints {"backend": ..., "results": [{"result",
"explanation"}, ...]}: pyspf's check_host() for each case, asking only the DNS server given.

pyspf (Debian python3-spf, which depends on both) does its DNS through dnspython when it can
import it and through pydns (python3-dns, module DNS) otherwise. The first argument says which
one to use; either is pointed at SERVER:PORT, so pyspf asks the test's dnsmasq and nothing else.
"""
import json
import sys

wanted = sys.argv[1]
if wanted == 'pydns':
    sys.modules['dns'] = None  # pyspf's "import dns" fails, and it falls back to pydns
import spf

server, port, cases = sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])

if spf.DNSLookup.__name__ == 'DNSLookup_dnspython':
    import dns.resolver
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [server]
    resolver.port = port
    dns.resolver.default_resolver = resolver
    backend = 'dnspython'
else:
    import DNS
    DNS.defaults['server'] = [server]  # replaces what DiscoverNameServers() read from resolv.conf
    DNS.defaults['port'] = port
    backend = 'pydns'

if backend != wanted:
    sys.exit('pyspf uses %s, not %s' % (backend, wanted))

results = []
for case in cases:
    result, _code, explanation = spf.query(i=case['ip'], s=case['sender'], h=case['helo'], timeout=10).check()
    results.append({'result': result, 'explanation': explanation})
print(json.dumps({'backend': backend, 'results': results}))
