#!/usr/bin/env bash
# What DKIM signing and the authentication checks cost per message, same run.
#
#   bench/auth.sh [--rounds N] [--count N] [--sessions N] [--warmup N]
#
# smtp-source hands COUNT copies of one 4 KB message (-F) to Facteur on 127.0.0.1:2546 for
# bob@example.test, a local user; delivery is off (messages stay queued), so what is measured is
# the SMTP side. Five configurations alternate, N rounds each (a fresh Facteur and data dir per run):
#   plain:   the client is a relay network (trusted), no DKIM keys: nothing signed, nothing checked
#   rsa:     the same, with an RSA-2048 key for sender.test: every message signed at acceptance
#   ed25519: the same, with an Ed25519 key
#   open:    the client is not trusted, no checks (the baseline of the next)
#   verify:  the client is not trusted, checks = ["spf", "dkim", "dmarc"]; the message carries an
#            RSA-2048 signature (made by dkimpy's dkimsign) that verifies; SPF, the key and the
#            DMARC record are served by a private dnsmasq (127.0.0.53), answers cached by dnsjava
# Reported: msg/s = COUNT / smtp-source's run time, and Facteur's CPU per message (utime+stime of
# its process, from /proc, the JIT compiler's and GC's threads included: a longer warm-up and
# run keep the compiler's share small). Loopback only. Results in bench/results/auth-*.txt.
set -euo pipefail

export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
REPO=$(cd "$(dirname "$0")/.." && pwd)
BENCH="$REPO/bench"
cd "$REPO"
ROUNDS=3
COUNT=8000
SESSIONS=20
WARMUP=4000
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) ROUNDS="$2"; shift ;;
        --count) COUNT="$2"; shift ;;
        --sessions) SESSIONS="$2"; shift ;;
        --warmup) WARMUP="$2"; shift ;;
        -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "auth.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

FACTEUR_ADDR=127.0.0.1:2546
DNS_IP=127.0.0.53
SMTP_SOURCE=/usr/sbin/smtp-source
DNSMASQ=/usr/sbin/dnsmasq
DKIMSIGN=/usr/bin/dkimsign
POSTFIX_STARTED=0
CLK_TCK=$(getconf CLK_TCK)

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
for t in "$SMTP_SOURCE" "$DNSMASQ" "$DKIMSIGN"; do [ -x "$t" ] || die "missing $t (Debian packages postfix, dnsmasq-base, python3-dkim)"; done
! port_open "$FACTEUR_ADDR" || die "$FACTEUR_ADDR is already in use"

bench_workdir facteur-auth
"$REPO/bin/facteur" --help >/dev/null || die "bin/facteur --help failed"

# keys: Facteur's own keygen, which prints the record to publish
"$REPO/bin/facteur" dkim keygen --domain sender.test --selector rsa --algorithm rsa --out "$WORK/rsa.key" > "$WORK/rsa.txt"
"$REPO/bin/facteur" dkim keygen --domain sender.test --selector ed --algorithm ed25519 --out "$WORK/ed.key" > "$WORK/ed.txt"
record_strings() { # keygen output -> "s1","s2" (dnsmasq's txt-record syntax)
    sed -n '/IN TXT (/,/)/p' "$1" | grep -o '"[^"]*"' | paste -sd, -
}
start_private_dnsmasq "local=/sender.test/
local-ttl=3600
txt-record=sender.test,\"v=spf1 ip4:127.0.0.1 -all\"
txt-record=_dmarc.sender.test,\"v=DMARC1; p=reject\"
txt-record=rsa._domainkey.sender.test,$(record_strings "$WORK/rsa.txt")"

# one message of about 4 KB, and its copy signed by dkimpy
{
    printf 'From: Sender <sender@sender.test>\r\nTo: bob@example.test\r\nSubject: bench\r\n'
    printf 'Date: Wed, 02 Dec 2026 10:00:00 +0000\r\nMessage-ID: <bench@sender.test>\r\nMIME-Version: 1.0\r\n'
    printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\n'
    for _ in $(seq 56); do printf 'The quick brown fox jumps over the lazy dog, again and again and again.\r\n'; done
} > "$WORK/message.eml"
/usr/bin/python3 - "$WORK/message.eml" "$WORK/rsa.key" "$WORK/signed.eml" <<'PY'
import sys, dkim
msg = open(sys.argv[1], 'rb').read()
sig = dkim.sign(msg, b'rsa', b'sender.test', open(sys.argv[2], 'rb').read(), canonicalize=(b'relaxed', b'relaxed'),
                include_headers=[b'from', b'to', b'subject', b'date', b'message-id'])
open(sys.argv[3], 'wb').write(sig + msg)
PY
# smtp-source -F appends CRLF to each line: give it LF lines
for f in message signed; do tr -d '\r' < "$WORK/$f.eml" > "$WORK/$f.lf"; done

config() { # mode -> facteur.toml
    local relay='["127.0.0.0/8"]' checks='[]' keys=''
    case "$1" in
        rsa) keys="[[dkim.keys]]
domain = \"sender.test\"
selector = \"rsa\"
private_key = \"$WORK/rsa.key\"" ;;
        ed25519) keys="[[dkim.keys]]
domain = \"sender.test\"
selector = \"ed\"
private_key = \"$WORK/ed.key\"" ;;
        open) relay='["10.255.255.0/24"]' ;;
        verify) relay='["10.255.255.0/24"]'; checks='["spf", "dkim", "dmarc"]' ;;
    esac
    cat <<CONF
hostname = "bench.facteur.test"
data_dir = "$WORK/data-$1"
[smtp]
listen = ["$FACTEUR_ADDR"]
max_connections = 2000
max_connections_per_ip = 1000
[relay]
networks = $relay
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
$keys
CONF
}

run() { # mode -> prints "msg/s cpu_us_per_message"
    local mode=$1 file=message
    [ "$mode" = verify ] && file=signed
    rm -rf "$WORK/data-$mode"
    config "$mode" > "$WORK/facteur-$mode.toml"
    start_group "$WORK/facteur-$mode.log" "$REPO/bin/facteur" serve --config "$WORK/facteur-$mode.toml"
    local pid=$!
    wait_port "$FACTEUR_ADDR" 60 || { tail -n 30 "$WORK/facteur-$mode.log" >&2; die "Facteur ($mode) does not listen"; }
    # warm-up, not timed
    "$SMTP_SOURCE" -s "$SESSIONS" -m "$WARMUP" -F "$WORK/$file.lf" -M client.bench.test -f sender@sender.test -t bob@example.test \
        "$FACTEUR_ADDR" >/dev/null 2>"$WORK/warm.err" || die "smtp-source failed: $(head -n 3 "$WORK/warm.err")"
    local start end t0 t1
    t0=$(proc_ticks "$pid")
    start=$(date +%s.%N)
    "$SMTP_SOURCE" -s "$SESSIONS" -m "$COUNT" -F "$WORK/$file.lf" -M client.bench.test -f sender@sender.test -t bob@example.test \
        "$FACTEUR_ADDR" >/dev/null 2>"$WORK/run.err" || die "smtp-source failed: $(head -n 3 "$WORK/run.err")"
    [ ! -s "$WORK/run.err" ] || die "smtp-source reported errors ($mode): $(head -n 3 "$WORK/run.err")"
    end=$(date +%s.%N)
    t1=$(proc_ticks "$pid")
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 300); do port_open "$FACTEUR_ADDR" || break; sleep 0.1; done
    awk -v n="$COUNT" -v s="$start" -v e="$end" -v a="$t0" -v b="$t1" -v hz="$CLK_TCK" \
        'BEGIN { printf "%.1f %.0f\n", n / (e - s), (b - a) / hz * 1e6 / n }'
}

proc_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

MODES=(plain rsa ed25519 open verify)
declare -A RATE CPU
for r in $(seq "$ROUNDS"); do
    for m in "${MODES[@]}"; do
        read -r rate cpu < <(run "$m")
        RATE[$m]="${RATE[$m]:-} $rate"; CPU[$m]="${CPU[$m]:-} $cpu"
        log "round $r: $m $rate msg/s, $cpu µs CPU per message"
    done
done
# the work was done: signatures in the stored messages, results in the log
grep -q "signed: d=sender.test s=rsa" "$WORK/facteur-rsa.log" || die "the rsa runs signed nothing"
grep -q "signed: d=sender.test s=ed" "$WORK/facteur-ed25519.log" || die "the ed25519 runs signed nothing"
grep -rqs "dkim=pass header.d=sender.test" "$WORK/data-verify" || grep -q "policy checks: spf, dkim, dmarc" "$WORK/facteur-verify.log" \
    || die "the verify runs did not check"

STAMP=$(date +%Y%m%d-%H%M%S)
OUT="$BENCH/results/auth-$STAMP.txt"
mkdir -p "$BENCH/results"
{
    echo "DKIM signing and SPF/DKIM/DMARC checking at acceptance (smtp-source -F -> Facteur, delivery off), $(date '+%Y-%m-%d %H:%M:%S %Z')"
    echo "host $(hostname), $(nproc) cores; commit $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "$COUNT messages of $(wc -c < "$WORK/message.eml") bytes, $SESSIONS sessions, after $WARMUP untimed; $ROUNDS rounds, modes alternating"
    for m in "${MODES[@]}"; do
        # shellcheck disable=SC2086
        printf '%-8s msg/s:%s (median %s); CPU µs/msg:%s (median %s)\n' "$m" "${RATE[$m]}" "$(median ${RATE[$m]})" "${CPU[$m]}" \
            "$(MEDIAN_FMT=%.0f median ${CPU[$m]})"
    done
    # shellcheck disable=SC2086
    for pair in "rsa plain" "ed25519 plain" "verify open"; do
        set -- $pair
        printf '%s vs %s: rate ratio %s, CPU +%s µs per message\n' "$1" "$2" "$(ratio "$(median ${RATE[$1]})" "$(median ${RATE[$2]})")" \
            "$(awk -v a="$(MEDIAN_FMT=%.0f median ${CPU[$1]})" -v b="$(MEDIAN_FMT=%.0f median ${CPU[$2]})" 'BEGIN { printf "%.0f", a - b }')"
    done
} | tee "$OUT"
echo "written to ${OUT#"$REPO"/}"
