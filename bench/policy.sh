#!/usr/bin/env bash
# What the spam defences cost: acceptance throughput with [policy] checks off and on, same run.
#
#   bench/policy.sh [--rounds N] [--count N] [--sessions N]
#
# smtp-source (from 127.0.0.1, which is NOT a relay client here, so every check runs) hands
# COUNT messages of 4 KB to Facteur on 127.0.0.1:2545 for bob@example.test, a local user; delivery
# is off (messages stay queued), so what is measured is the SMTP side with its checks. Two
# configurations alternate, N rounds each (a fresh Facteur and data directory per run):
#   off: [policy] checks = []
#   on:  checks = ["helo", "dnsbl", "greylist"]; the DNS list bl.bench.test is served by a
#        private dnsmasq (127.0.0.53): it answers 127.0.0.10 for the client, with a TTL of an hour,
#        which the list's filter (=127.0.0.2) does not count, so the answer is cached and the
#        client not listed; the client is exempt from greylisting by its network (the check runs).
# msg/s = COUNT / smtp-source's run time. Loopback only. Results in bench/results/policy-*.txt.
set -euo pipefail

export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
REPO=$(cd "$(dirname "$0")/.." && pwd)
BENCH="$REPO/bench"
cd "$REPO"
ROUNDS=3
COUNT=4000
SESSIONS=50
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) ROUNDS="$2"; shift ;;
        --count) COUNT="$2"; shift ;;
        --sessions) SESSIONS="$2"; shift ;;
        -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "policy.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

FACTEUR_ADDR=127.0.0.1:2545
DNS_IP=127.0.0.53
SMTP_SOURCE=/usr/sbin/smtp-source
DNSMASQ=/usr/sbin/dnsmasq
POSTFIX_STARTED=0

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
for t in "$SMTP_SOURCE" "$DNSMASQ"; do [ -x "$t" ] || die "missing $t (Debian packages postfix, dnsmasq-base)"; done
! port_open "$FACTEUR_ADDR" || die "$FACTEUR_ADDR is already in use"

bench_workdir facteur-policy
"$REPO/bin/facteur" --help >/dev/null || die "bin/facteur --help failed"

start_private_dnsmasq "local=/bl.bench.test/
local-ttl=3600
host-record=1.0.0.127.bl.bench.test,127.0.0.10"

config() { # off|on -> facteur.toml
    local checks='[]'
    [ "$1" = on ] && checks='["helo", "dnsbl", "greylist"]'
    cat <<CONF
hostname = "bench.facteur.test"
data_dir = "$WORK/data-$1"
[smtp]
listen = ["$FACTEUR_ADDR"]
max_connections = 2000
max_connections_per_ip = 1000
[relay]
networks = ["10.255.255.0/24"]
[local]
domains = ["example.test"]
users = ["bob"]
[dns]
servers = ["$DNS_IP:$DNS_PORT"]
[delivery]
enabled = false
[admin]
listen = "127.0.0.1:0"
[policy]
checks = $checks
[policy.dnsbl]
lists = ["bl.bench.test=127.0.0.2"]
[policy.greylist]
clients = ["127.0.0.0/8"]
CONF
}

run() { # off|on -> prints msg/s
    local mode=$1
    rm -rf "$WORK/data-$mode"
    config "$mode" > "$WORK/facteur-$mode.toml"
    start_group "$WORK/facteur-$mode.log" "$REPO/bin/facteur" serve --config "$WORK/facteur-$mode.toml"
    local pgid=$!
    wait_port "$FACTEUR_ADDR" 60 || { tail -n 30 "$WORK/facteur-$mode.log" >&2; die "Facteur ($mode) does not listen"; }
    # warm-up, not timed
    "$SMTP_SOURCE" -s "$SESSIONS" -m 2000 -l 4096 -M client.bench.test -f sender@sender.test -t bob@example.test "$FACTEUR_ADDR" \
        >/dev/null 2>"$WORK/warm.err" || die "smtp-source failed: $(head -n 3 "$WORK/warm.err")"
    local start end
    start=$(date +%s.%N)
    "$SMTP_SOURCE" -s "$SESSIONS" -m "$COUNT" -l 4096 -M client.bench.test -f sender@sender.test -t bob@example.test "$FACTEUR_ADDR" \
        >/dev/null 2>"$WORK/run.err" || die "smtp-source failed: $(head -n 3 "$WORK/run.err")"
    [ ! -s "$WORK/run.err" ] || die "smtp-source reported errors ($mode): $(head -n 3 "$WORK/run.err")"
    end=$(date +%s.%N)
    kill -TERM -- "-$pgid" 2>/dev/null || true
    for _ in $(seq 300); do port_open "$FACTEUR_ADDR" || break; sleep 0.1; done
    awk -v n="$COUNT" -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", n / (e - s) }'
}

OFF=(); ON=()
for r in $(seq "$ROUNDS"); do
    OFF+=("$(run off)"); log "round $r: off ${OFF[-1]} msg/s"
    ON+=("$(run on)"); log "round $r: on ${ON[-1]} msg/s"
done
grep -q "dnsbl" "$WORK/facteur-on.log" || grep -q "policy checks: helo, dnsbl, greylist" "$WORK/facteur-on.log" \
    || die "the checks did not run (no 'policy checks' line in the log)"

STAMP=$(date +%Y%m%d-%H%M%S)
OUT="$BENCH/results/policy-$STAMP.txt"
mkdir -p "$BENCH/results"
{
    echo "Acceptance with the spam defences off and on (smtp-source -> Facteur, delivery off), $(date '+%Y-%m-%d %H:%M:%S %Z')"
    echo "host $(hostname), $(nproc) cores; commit $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "$COUNT messages of 4 KB, $SESSIONS sessions, after 2000 untimed; on = helo, dnsbl (bl.bench.test via dnsmasq, an answer the filter does not count, cached), greylist (client exempt by network)"
    echo "off msg/s: ${OFF[*]} (median $(median "${OFF[@]}"))"
    echo "on  msg/s: ${ON[*]} (median $(median "${ON[@]}"))"
    echo "on/off: $(ratio "$(median "${ON[@]}")" "$(median "${OFF[@]}")")"
} | tee "$OUT"
echo "written to ${OUT#"$REPO"/}"
