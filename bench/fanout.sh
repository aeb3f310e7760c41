#!/usr/bin/env bash
# Spool bytes written for one message with many recipients, each in a domain of its own (each a
# destination of its own), all delivered: every destination's outcome is recorded with the whole
# envelope, so the bytes grow with recipients x destinations. Usage:
#
#   bench/fanout.sh [RECIPIENTS] [DOMAINS]      default 1000 recipients in 1000 domains
#
# Private dnsmasq (one MX per domain, all on one smtp-sink) and Facteur (`bin/facteur serve`,
# data under /tmp) on 127.0.6.x; python3's smtplib submits the message. Reported: the bytes the
# Facteur process had written to storage (/proc/PID/io write_bytes) from just before the
# submission until the queue is empty, and the spool records left in its segment files.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$REPO/bench/lib.sh"
[ -n "${JAVA_HOME:-}" ] || export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64

RCPTS=${1:-1000}
DOMAINS=${2:-$RCPTS}
SINK_ADDR=127.0.6.9:2527
DNS_IP=127.0.6.53
SMTP_ADDR=127.0.6.1:2525

bench_workdir facteur-fanout
port_open "$SINK_ADDR" && die "something already listens on $SINK_ADDR"
port_open "$SMTP_ADDR" && die "something already listens on $SMTP_ADDR"

log "starting smtp-sink on $SINK_ADDR"
start_group "$WORK/smtp-sink.log" /usr/sbin/smtp-sink -u nobody "$SINK_ADDR" 1024
wait_port "$SINK_ADDR" 10 || { cat "$WORK/smtp-sink.log" >&2; die "smtp-sink did not start"; }

DNS_PORT=""
for p in $(seq 5353 5453); do
    if [ -z "$(ss -Hlnu "sport = :$p")" ] && [ -z "$(ss -Hlnt "sport = :$p")" ]; then DNS_PORT=$p; break; fi
done
[ -n "$DNS_PORT" ] || die "no free port for dnsmasq in 5353-5453"
{
    # no-resolv and no server= lines: nothing leaves loopback
    printf '%s\n' no-resolv no-hosts no-poll bind-interfaces "listen-address=$DNS_IP" "port=$DNS_PORT" user=root pid-file= \
        local=/test/ "host-record=mx.sink.test,${SINK_ADDR%:*}"
    for d in $(seq 1 "$DOMAINS"); do echo "mx-host=d$d.test,mx.sink.test,10"; done
} > "$WORK/dnsmasq.conf"
start_group "$WORK/dnsmasq.log" /usr/sbin/dnsmasq -k -C "$WORK/dnsmasq.conf"
for _ in $(seq 50); do [ -n "$(ss -Hlnu "sport = :$DNS_PORT")" ] && break; sleep 0.1; done
[ -n "$(ss -Hlnu "sport = :$DNS_PORT")" ] || { cat "$WORK/dnsmasq.log" >&2; die "dnsmasq did not start"; }

cat > "$WORK/facteur.toml" <<EOF
hostname = "mx.facteur.test"
data_dir = "$WORK/data"
[smtp]
listen = ["$SMTP_ADDR"]
max_recipients = $RCPTS
[dns]
servers = ["$DNS_IP:$DNS_PORT"]
[delivery]
remote_port = ${SINK_ADDR#*:}
starttls = false
max_parallel = 100
max_per_destination = 10
[admin]
listen = "127.0.6.1:0"
EOF
log "building Facteur if needed, starting it on $SMTP_ADDR"
"$REPO/bin/facteur" --help >/dev/null
start_group "$WORK/facteur.log" "$REPO/bin/facteur" serve --config "$WORK/facteur.toml"
wait_port "$SMTP_ADDR" 60 || { cat "$WORK/facteur.log" >&2; die "Facteur did not start"; }
PID=$(pgrep -f -- "--config $WORK/facteur.toml" | head -1)
[ -n "$PID" ] || die "no Facteur process"
io() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$PID/io"; }
segments() { find "$WORK/data/spool/segments" -name '*.log' -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }
sleep 1
before=$(io write_bytes)
segs_before=$(segments)

log "submitting one message to $RCPTS recipients in $DOMAINS domains"
python3 - "$SMTP_ADDR" "$RCPTS" "$DOMAINS" <<'EOF'
import smtplib, sys
host, port = sys.argv[1].rsplit(":", 1)
n, domains = int(sys.argv[2]), int(sys.argv[3])
rcpts = ["user%d@d%d.test" % (i, i % domains + 1) for i in range(n)]
msg = b"From: <alice@sender.test>\r\nSubject: fan-out\r\n\r\n" + b"x" * 70 + b"\r\n"
with smtplib.SMTP(host, int(port)) as s:
    refused = s.sendmail("alice@sender.test", rcpts, msg)
    assert not refused, refused
EOF

log "waiting until every recipient is delivered and the message has left the queue"
end=$((SECONDS + 600))
until [ "$(grep -c 'status=sent' "$WORK/facteur.log" || true)" -ge "$RCPTS" ]; do
    [ $SECONDS -lt $end ] || die "not delivered in 10 minutes: $(grep -c 'status=sent' "$WORK/facteur.log") of $RCPTS"
    sleep 0.5
done
# the removal is the record after the last outcome: wait until the process stops writing
last=-1
while now=$(io write_bytes); [ "$now" != "$last" ]; do last=$now; sleep 2; done
after=$(io write_bytes)
segs_after=$(segments)
grep -q 'status=deferred\|status=bounced' "$WORK/facteur.log" && log "!!! some deliveries were not first-time successes"

written=$((after - before))
printf 'recipients\tdomains\twrite_bytes\tper recipient\tsegment bytes now (were)\n'
printf '%s\t%s\t%s\t%s\t%s (%s)\n' "$RCPTS" "$DOMAINS" "$written" "$((written / RCPTS))" "$segs_after" "$segs_before"
