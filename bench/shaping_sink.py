#!/usr/bin/env python3
"""A counting SMTP sink for bench/shaping.sh: one process listening on many loopback addresses
(one per receiving site), taking every message, and recording per address when each connection
opened and closed and when each message was taken.

    shaping_sink.py --port P --addresses FILE --report OUT [--ready FILE] [--events FILE]

FILE holds one IPv4 address per line. On SIGTERM or SIGINT the sink writes OUT, one line per
address that took mail (tab-separated):

    address  domains  messages  recipients  connections  max_open  max_60s  max_per_conn

max_open: connections open at once (from accept until QUIT or the peer's close, whichever comes
first: Facteur reads our 221 before it closes and frees the site's connection, so a connection
is counted closed before the client can know it is); max_60s: messages taken in any sliding
60-second window (by the time the final dot was answered); domains: the recipient domains seen.
--events also writes every event (t open|close|msg address) for a closer look.

Replies are minimal and immediate: 220, EHLO with PIPELINING and 8BITMIME (no STARTTLS), 250 to
MAIL and RCPT, 354, 250 after the dot, 221 to QUIT; RSET and NOOP get 250.
"""
import argparse
import asyncio
import os
import signal
import sys
import time

EHLO = (b"250-sink.bench.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE 104857600\r\n"
        b"250-ENHANCEDSTATUSCODES\r\n250 SMTPUTF8\r\n")


class Site:
    __slots__ = ("open", "max_open", "connections", "msgs", "rcpts", "domains", "max_per_conn")

    def __init__(self):
        self.open = 0
        self.max_open = 0
        self.connections = 0
        self.msgs = []  # monotonic seconds at each message's 250
        self.rcpts = 0
        self.domains = set()
        self.max_per_conn = 0


SITES = {}
EVENTS = None  # list of event tuples when --events is given
T0 = time.monotonic()


def event(kind, addr):
    if EVENTS is not None:
        EVENTS.append((time.monotonic() - T0, kind, addr))


class Session(asyncio.Protocol):
    def __init__(self):
        self.t = None
        self.site = None
        self.addr = None
        self.buf = b""
        self.data = False
        self.closed = False
        self.n = 0
        self.rcpts = 0
        self.domains = set()

    def connection_made(self, transport):
        self.t = transport
        self.addr = transport.get_extra_info("sockname")[0]
        s = SITES.get(self.addr)
        if s is None:
            s = SITES[self.addr] = Site()
        self.site = s
        s.open += 1
        s.connections += 1
        if s.open > s.max_open:
            s.max_open = s.open
        event("open", self.addr)
        transport.write(b"220 sink.bench.test ESMTP\r\n")

    def _closed(self):
        if not self.closed:
            self.closed = True
            self.site.open -= 1
            if self.n > self.site.max_per_conn:
                self.site.max_per_conn = self.n
            event("close", self.addr)

    def connection_lost(self, exc):
        self._closed()

    def data_received(self, chunk):
        buf = self.buf + chunk
        out = []
        pos = 0
        while True:
            if self.data:
                # the end of the content: LF . CRLF, where pos is at the LF that ended the previous
                # line (the DATA line's to begin with), so that an empty content ends too
                end = buf.find(b"\n.\r\n", pos)
                if end < 0:
                    # keep the last 3 bytes, which may begin the terminator
                    buf = buf[max(pos, len(buf) - 3):]
                    pos = 0
                    break
                pos = end + 4
                self.data = False
                self.n += 1
                s = self.site
                s.msgs.append(time.monotonic())
                s.rcpts += self.rcpts
                s.domains.update(self.domains)
                self.rcpts = 0
                self.domains = set()
                event("msg", self.addr)
                out.append(b"250 2.0.0 Ok: queued\r\n")
                continue
            nl = buf.find(b"\n", pos)
            if nl < 0:
                buf = buf[pos:]
                pos = 0
                break
            line = buf[pos:nl].rstrip(b"\r")
            pos = nl + 1
            verb = line[:4].upper()
            if verb == b"MAIL":
                out.append(b"250 2.1.0 Ok\r\n")
            elif verb == b"RCPT":
                self.rcpts += 1
                at = line.rfind(b"@")
                if at >= 0:
                    self.domains.add(line[at + 1:].rstrip(b"> ").split(b">")[0].lower().decode("ascii", "replace"))
                out.append(b"250 2.1.5 Ok\r\n")
            elif verb == b"DATA":
                out.append(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                self.data = True
                pos = nl  # the LF that ended the DATA line
            elif verb in (b"EHLO",):
                out.append(EHLO)
            elif verb == b"HELO":
                out.append(b"250 sink.bench.test\r\n")
            elif verb in (b"RSET", b"NOOP"):
                out.append(b"250 2.0.0 Ok\r\n")
            elif verb == b"QUIT":
                out.append(b"221 2.0.0 Bye\r\n")
                self._closed()
                self.t.write(b"".join(out))
                self.t.close()
                self.buf = b""
                return
            else:
                out.append(b"502 5.5.2 Error: command not recognized\r\n")
        self.buf = buf
        if out:
            self.t.write(b"".join(out))


def max_window(ts, width=60.0):
    best = 0
    j = 0
    for i in range(len(ts)):
        while ts[i] - ts[j] >= width:
            j += 1
        if i - j + 1 > best:
            best = i - j + 1
    return best


def report(path):
    with open(path + ".tmp", "w") as f:
        f.write("# address\tdomains\tmessages\trecipients\tconnections\tmax_open\tmax_60s\tmax_per_conn\tfirst_s\tlast_s\n")
        for addr in sorted(SITES):
            s = SITES[addr]
            ts = sorted(s.msgs)
            first = "%.3f" % (ts[0] - T0) if ts else "-"
            last = "%.3f" % (ts[-1] - T0) if ts else "-"
            f.write("%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n" % (
                addr, ",".join(sorted(s.domains)) or "-", len(ts), s.rcpts, s.connections, s.max_open,
                max_window(ts), s.max_per_conn, first, last))
    os.replace(path + ".tmp", path)


def main():
    global EVENTS
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--addresses", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--ready")
    ap.add_argument("--events")
    a = ap.parse_args()
    if a.events:
        EVENTS = []
    addrs = [l.strip() for l in open(a.addresses) if l.strip()]
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    servers = []
    for addr in addrs:
        servers.append(loop.run_until_complete(loop.create_server(Session, addr, a.port, backlog=1024, reuse_address=True)))
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if a.ready:
        with open(a.ready, "w") as f:
            f.write("%d\n" % len(servers))
    loop.run_until_complete(stop.wait())
    report(a.report)
    if a.events:
        with open(a.events, "w") as f:
            for t, kind, addr in EVENTS:
                f.write("%.4f %s %s\n" % (t, kind, addr))
    sys.exit(0)


if __name__ == "__main__":
    main()
