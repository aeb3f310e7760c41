#!/usr/bin/env bash
# Duplicate deliveries after kill -9: smtp-source -> Facteur -> smtp-sink, Facteur killed in the
# middle of delivery, restarted, queue drained; duplicates and losses counted at the sink.
#
#   bench/crash-duplicates.sh [--runs N] [--count N] [--parallel N] [--repo DIR]
#
# Facteur (bin/facteur serve, its own JVM) listens on 127.0.0.1:2535 and relays everything to
# its smarthost [127.0.0.19]:2537, an `smtp-sink -d` that dumps every transaction to a file (no
# DNS). max_parallel = max_per_destination = N (default 100), so N deliveries can be under way.
# One run: smtp-source hands over COUNT messages of 4 KB in 50 sessions (all must get a 250)
# while the sink is still down, so they wait in the queue (deferred for an hour); then the sink
# starts and `facteur queue flush` makes them all due. Once the sink holds COUNT/2 messages,
# Facteur gets SIGKILL, is started again on the same spool, is flushed again, and the queue
# drains. Through the kill a second smtp-source keeps sending mail for a held domain
# (transport map `hold`), so delivery records share the spool's group commit with incoming
# content as in production; that mail is never delivered. Each message is known at the sink by
# the queue id in its Received header: duplicates = transactions - distinct ids, losses =
# COUNT - distinct ids (must be 0). A duplicate whose `status=sent` line the killed Facteur had
# logged lost its record after the 250; the others were in the peer's window (RFC 1047).
# --repo runs the Facteur of another checkout (e.g. an export of an older commit).
# Needs root (smtp-sink -u nobody). Loopback only. Results in bench/results/crash-duplicates-*.txt.
set -euo pipefail

export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
REPO=$(cd "$(dirname "$0")/.." && pwd)
BENCH="$REPO/bench"
FACTEUR_REPO=$REPO
RUNS=5
COUNT=6000
PARALLEL=100
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS="$2"; shift ;;
        --count) COUNT="$2"; shift ;;
        --parallel) PARALLEL="$2"; shift ;;
        --repo) FACTEUR_REPO=$(cd "$2" && pwd); shift ;;
        -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "crash-duplicates.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

FACTEUR_ADDR=127.0.0.1:2535
SINK_ADDR=127.0.0.19:2537
ADMIN_ADDR=127.0.0.1:2538
SENDER=sender@example.test
RCPT=rcpt@example.org
HELD_RCPT=kept@held.example
HELO=client.bench.test
SMTP_SOURCE=/usr/sbin/smtp-source
SMTP_SINK=/usr/sbin/smtp-sink
DRAIN_LIMIT=${DRAIN_LIMIT:-300}   # seconds for the queue to drain after the restart

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ "$(id -u)" = 0 ] || die "must run as root (smtp-sink -u nobody)"
for t in "$SMTP_SOURCE" "$SMTP_SINK"; do [ -x "$t" ] || die "missing $t (Debian package postfix)"; done
for a in "$FACTEUR_ADDR" "$SINK_ADDR" "$ADMIN_ADDR"; do ! port_open "$a" || die "$a is already in use"; done

bench_workdir facteur-crash
FACTEUR="$FACTEUR_REPO/bin/facteur"
log "building Facteur in $FACTEUR_REPO if needed"
"$FACTEUR" --help >/dev/null || die "$FACTEUR --help failed"

# Message ids at the sink: "(Facteur) with SMTP id QUEUEID" in the Received header we added.
sink_ids() { # dumpdir -> one queue id per received transaction
    find "$1" -type f -name '*.*' ! -name '*.log' -print0 \
        | xargs -0 -r grep -h -m1 -o '(Facteur) with [A-Z]* id [0-9A-Z]*' | awk '{ print $NF }'
}

start_facteur() { # logfile
    start_group "$1" "$FACTEUR" serve --config "$WORK/facteur.toml"
    FACTEUR_PGID=$!
    wait_port "$FACTEUR_ADDR" 60 || { tail -n 40 "$1" >&2; die "Facteur does not listen on $FACTEUR_ADDR"; }
}

flush() { "$FACTEUR" queue flush --config "$WORK/facteur.toml" >/dev/null; }

queue_empty() { # the queue holds nothing but the held-domain messages
    local listing
    listing=$("$FACTEUR" queue list --config "$WORK/facteur.toml" 2>/dev/null) || return 1
    ! grep -q "$RCPT" <<<"$listing"
}

DUPS=(); LOSSES=(); LATE=(); RATES=()
for run in $(seq "$RUNS"); do
    R="$WORK/run$run"
    mkdir -p "$R/dump" "$R/data"
    chmod 777 "$R/dump"
    cat > "$WORK/facteur.toml" <<EOF
hostname = "bench.facteur.test"
data_dir = "$R/data"
[smtp]
listen = ["$FACTEUR_ADDR"]
max_connections = 2000
max_connections_per_ip = 1000
[relay]
networks = ["127.0.0.0/8"]
[routing]
transport_file = "$WORK/transport"
[delivery]
smarthost = "[${SINK_ADDR%:*}]:${SINK_ADDR#*:}"
max_parallel = $PARALLEL
max_per_destination = $PARALLEL
retry_initial = "1h"
retry_max = "1h"
[admin]
listen = "$ADMIN_ADDR"
EOF
    echo "held.example hold" > "$WORK/transport"

    start_facteur "$R/facteur-1.log"
    log "run $run: feeding $COUNT messages (the sink is down: they wait)"
    "$SMTP_SOURCE" -s 50 -m "$COUNT" -l 4096 -M "$HELO" -f "$SENDER" -t "$RCPT" "$FACTEUR_ADDR" \
        >"$R/feed.out" 2>"$R/feed.err" || die "smtp-source failed: $(head -n 5 "$R/feed.err")"
    [ ! -s "$R/feed.err" ] || die "smtp-source reported errors: $(head -n 5 "$R/feed.err")"

    crash_deliver_half "$R" "$FACTEUR_ADDR"
    kill -KILL -- "-$FACTEUR_PGID"
    wait "$FACTEUR_PGID" 2>/dev/null || true
    sleep 0.5
    kill -TERM -- "-$BG_PGID" 2>/dev/null || true
    log "run $run: killed with $BEFORE delivered ($(crash_sink_count "$R/dump") once the connections closed); restarting"

    start_facteur "$R/facteur-2.log"
    flush || die "run $run: flush after the restart failed"
    end=$((SECONDS + DRAIN_LIMIT))
    until queue_empty; do
        [ $SECONDS -lt $end ] || die "run $run: queue not drained after $DRAIN_LIMIT s"
        sleep 1
    done
    kill -TERM -- "-$FACTEUR_PGID"
    for _ in $(seq 300); do port_open "$FACTEUR_ADDR" || break; sleep 0.1; done
    kill -TERM -- "-$SINK_PGID"
    sleep 0.3

    sink_ids "$R/dump" | sort > "$R/ids"
    grep -o 'facteur.delivery: [0-9A-Z]*: to=<[^>]*>,.* status=sent ' "$R/facteur-1.log" | awk '{ print substr($2, 1, length($2) - 1) }' \
        | sort -u > "$R/sent-before-kill"
    crash_count "$R" "run $run"
    rm -rf "$R/dump"
done

STAMP=$(date +%Y%m%d-%H%M%S)
OUT="$BENCH/results/crash-duplicates-$STAMP.txt"
mkdir -p "$BENCH/results"
{
    echo "Duplicate deliveries after kill -9 (smtp-source -> Facteur -> smtp-sink), $(date '+%Y-%m-%d %H:%M:%S %Z')"
    echo "host $(hostname), $(nproc) cores; Facteur from $FACTEUR_REPO, commit $(git -C "$FACTEUR_REPO" rev-parse --short HEAD 2>/dev/null || echo "${FACTEUR_COMMIT:-unknown}")"
    echo "max_parallel = max_per_destination = $PARALLEL; $COUNT messages of 4 KB per run (50 sessions) queued, then flushed;"
    echo "kill -9 once $((COUNT / 2)) are delivered, restart, flush, drain"
    echo "background load through the kill: smtp-source -s 10 to a held domain"
    crash_summary Facteur
} | tee "$OUT"
echo "written to ${OUT#"$REPO"/}"
for l in "${LOSSES[@]}"; do [ "$l" = 0 ] || exit 1; done
