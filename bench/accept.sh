#!/usr/bin/env bash
# Acceptance throughput: Facteur vs a private Postfix instance, both fed by smtp-source.
#
#   bench/accept.sh [--quick] [--postfix-only] [--rounds N]
#
# Facteur listens on 127.0.0.1:2525, Postfix on 127.0.0.1:2526 (relaying to smtp-sink on
# 127.0.0.9:2527, so its queue drains). For each message size and session count the two systems
# are run alternately, N rounds each; the table shows median msg/s per system and the ratio.
# Needs root (Postfix start, smtp-sink -u nobody). Loopback only. See bench/README.md.
set -euo pipefail

export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
REPO=$(cd "$(dirname "$0")/.." && pwd)
BENCH="$REPO/bench"
cd "$REPO"

QUICK=0
POSTFIX_ONLY=0
ROUNDS=""
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1 ;;
        --postfix-only) POSTFIX_ONLY=1 ;;
        --rounds) ROUNDS="$2"; shift ;;
        -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "accept.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done
[ -n "$ROUNDS" ] || ROUNDS=$([ $QUICK = 1 ] && echo 1 || echo 3)

FACTEUR_ADDR=127.0.0.1:2525
POSTFIX_ADDR=127.0.0.1:2526
SINK_ADDR=127.0.0.9:2527
SENDER=sender@example.test
RCPT=rcpt@example.org
HELO=client.bench.test
SMTP_SOURCE=/usr/sbin/smtp-source
SMTP_SINK=/usr/sbin/smtp-sink
POSTFIX=/usr/sbin/postfix
POSTQUEUE=/usr/sbin/postqueue

# Cells: "size sessions count" (count = total messages of one run, a few seconds each).
if [ $QUICK = 1 ]; then
    CELLS=("4096 1 300" "4096 10 1000" "4096 50 1000" "102400 1 200" "102400 10 500" "102400 50 500")
    PERSIST_COUNT=1000; CEILING_COUNT=5000
else
    CELLS=("4096 1 1500" "4096 10 4000" "4096 50 4000" "102400 1 1000" "102400 10 2000" "102400 50 2000")
    PERSIST_COUNT=4000; CEILING_COUNT=20000
fi

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ "$(id -u)" = 0 ] || die "must run as root (private Postfix start, smtp-sink -u nobody)"
for t in "$SMTP_SOURCE" "$SMTP_SINK" "$POSTFIX" "$POSTQUEUE"; do
    [ -x "$t" ] || die "missing $t (Debian package postfix)"
done

ADDRS=("$POSTFIX_ADDR" "$SINK_ADDR")
[ $POSTFIX_ONLY = 1 ] || ADDRS+=("$FACTEUR_ADDR")
for a in "${ADDRS[@]}"; do
    ! port_open "$a" || die "$a is already in use: another benchmark or server running?"
done

# ---------------------------------------------------------------- work dir and cleanup
bench_workdir facteur-bench

# ---------------------------------------------------------------- smtp-sink
log "starting smtp-sink on $SINK_ADDR"
start_group "$WORK/smtp-sink.log" "$SMTP_SINK" -u nobody "$SINK_ADDR" 1024
wait_port "$SINK_ADDR" 10 || { cat "$WORK/smtp-sink.log" >&2; die "smtp-sink did not start"; }

# ---------------------------------------------------------------- private Postfix
start_private_postfix ""

# ---------------------------------------------------------------- Facteur
if [ $POSTFIX_ONLY = 0 ]; then
    [ -x "$REPO/bin/facteur" ] || die "$REPO/bin/facteur not found (use --postfix-only until it exists)"
    log "building Facteur if needed (bin/facteur --help)"
    bin/facteur --help >/dev/null || die "bin/facteur --help failed"
    mkdir -p "$WORK/facteur-data"
    cat > "$WORK/facteur.toml" <<EOF
hostname = "bench.facteur.test"
data_dir = "$WORK/facteur-data"
[smtp]
listen = ["$FACTEUR_ADDR"]
max_message_size = "50MB"
max_recipients = 1000
max_connections = 2000
max_connections_per_ip = 1000
[relay]
networks = ["127.0.0.0/8"]
[local]
domains = ["example.test"]
# This benchmark measures acceptance only: Facteur keeps the mail (and never looks up
# example.org in DNS, which on these machines would leave loopback).
[delivery]
enabled = false
[admin]
listen = "127.0.0.1:0"
EOF
    log "starting Facteur on $FACTEUR_ADDR"
    start_group "$WORK/facteur.log" bin/facteur serve --config "$WORK/facteur.toml"
    FACTEUR_PID=$!
    if ! wait_port "$FACTEUR_ADDR" 60; then
        tail -n 40 "$WORK/facteur.log" >&2
        die "Facteur does not listen on $FACTEUR_ADDR after 60 s"
    fi
fi

# ---------------------------------------------------------------- measurement
ERRORS=0
# The JVM keeps compiling for ~10,000 messages, and again for the first ~3,000 of 100 KB (seen
# with -XX:+PrintCompilation): warm up past that, with both sizes.
WARMUP_COUNT=${WARMUP_COUNT:-$([ "$QUICK" = 1 ] && echo 1500 || echo 6000)}
POSTFIX_SENT=0   # messages smtp-source handed to Postfix in runs without errors
POSTFIX_FAILED=0
FACTEUR_SENT=0   # same for Facteur
FACTEUR_FAILED=0
RESULT=""   # msg/s of the last run, or ERR

run_source() { # label host:port sessions count size [extra smtp-source flags]
    local label=$1 addr=$2 s=$3 m=$4 l=$5; shift 5
    local out="$WORK/run.out" err="$WORK/run.err" t0 t1 rc=0
    # Postfix relays what it accepted in the background: let it finish before any run, so that
    # neither system is measured while Postfix's delivery agents still use the CPU.
    wait_postfix_drained 120 || log "WARNING: Postfix queue not drained ($(postfix_queued) left)"
    t0=$(date +%s.%N)
    timeout 600 "$SMTP_SOURCE" "$@" -s "$s" -m "$m" -l "$l" -M "$HELO" -f "$SENDER" -t "$RCPT" \
        "$addr" >"$out" 2>"$err" || rc=$?
    t1=$(date +%s.%N)
    if [ $rc -ne 0 ] || [ -s "$err" ]; then
        ERRORS=$((ERRORS + 1))
        RESULT=ERR
        [ "$addr" != "$POSTFIX_ADDR" ] || POSTFIX_FAILED=1
        [ "$addr" != "$FACTEUR_ADDR" ] || FACTEUR_FAILED=1
        {
            echo "!!! ERROR: $label: smtp-source $* -s $s -m $m -l $l $addr exited $rc after $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s"
            sed 's/^/!!!   /' "$err" | head -n 20
        } | tee -a "$WORK/errors.txt" >&2
        return 0
    fi
    RESULT=$(awk -v n="$m" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", n / (b - a) }')
    [ "$addr" != "$POSTFIX_ADDR" ] || POSTFIX_SENT=$((POSTFIX_SENT + m))
    [ "$addr" != "$FACTEUR_ADDR" ] || FACTEUR_SENT=$((FACTEUR_SENT + m))
    log "$label s=$s m=$m l=$l $*: $RESULT msg/s"
}

TABLE="$WORK/table.txt"
row() { printf '%-7s %8s %6s %14s %14s %8s   %s\n' "$@" >> "$TABLE"; }

measure_table() { # title, extra smtp-source flags... ; uses CELLS
    local title=$1; shift
    {
        echo
        echo "$title"
    } >> "$TABLE"
    row size sessions count "facteur msg/s" "postfix msg/s" "F/P" "runs (facteur | postfix)"
    local cell size s m r f p fs ps
    for cell in "${CELLS_NOW[@]}"; do
        read -r size s m <<<"$cell"
        fs=(); ps=()
        for r in $(seq "$ROUNDS"); do
            if [ $POSTFIX_ONLY = 0 ]; then
                run_source facteur "$FACTEUR_ADDR" "$s" "$m" "$size" "$@"; fs+=("$RESULT")
            fi
            run_source postfix "$POSTFIX_ADDR" "$s" "$m" "$size" "$@"; ps+=("$RESULT")
        done
        if [ $POSTFIX_ONLY = 0 ]; then f=$(median "${fs[@]}"); else f="-"; fs=(-); fi
        p=$(median "${ps[@]}")
        row "$size" "$s" "$m" "$f" "$p" "$(ratio "$f" "$p")" "${fs[*]} | ${ps[*]}"
    done
}

STAMP=$(date +%Y%m%d-%H%M%S)
{
    echo "Facteur acceptance benchmark, $(date '+%Y-%m-%d %H:%M:%S %Z')"
    echo "host $(hostname), $(nproc) cores; commit $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo none)"
    echo "mode: $([ $QUICK = 1 ] && echo quick || echo full), $ROUNDS round(s), systems alternated per run;" \
        "$([ $POSTFIX_ONLY = 1 ] && echo 'POSTFIX ONLY' || echo 'facteur vs postfix')"
    echo "smtp-source -s S -m COUNT -l SIZE -M $HELO -f $SENDER -t $RCPT; msg/s = COUNT / wall time; medians shown"
    echo "Facteur: $FACTEUR_ADDR; Postfix $(postconf -c "$PF/etc" -h mail_version 2>/dev/null): $POSTFIX_ADDR, relayhost smtp-sink $SINK_ADDR"
    [ -z "${POSTFIX_MAIN_EXTRA:-}" ] || echo "Postfix main.cf extra (not default!): $POSTFIX_MAIN_EXTRA"
    echo "Only ratios within one run are meaningful (shared machine)."
} > "$TABLE"

# A server runs for days: measure it warm. Both systems get the same untimed load first
# (the JVM compiles its hot code during this; Postfix fills its caches).
log "warm-up, not timed: ${WARMUP_COUNT}x2 messages to each system at 50 sessions"
for w in 1 2; do
    [ $POSTFIX_ONLY = 1 ] || run_source warmup-facteur "$FACTEUR_ADDR" 50 "$WARMUP_COUNT" 4096
    run_source warmup-postfix "$POSTFIX_ADDR" 50 "$WARMUP_COUNT" 4096
    [ $POSTFIX_ONLY = 1 ] || run_source warmup-facteur "$FACTEUR_ADDR" 50 $((WARMUP_COUNT / 4)) 102400
    run_source warmup-postfix "$POSTFIX_ADDR" 50 $((WARMUP_COUNT / 4)) 102400
done
echo "Each system first got 2 x ($WARMUP_COUNT x 4 KB + $((WARMUP_COUNT / 4)) x 100 KB) untimed messages (warm-up)." >> "$TABLE"

CELLS_NOW=("${CELLS[@]}")
measure_table "One connection per message (smtp-source default)"

CELLS_NOW=("4096 50 $PERSIST_COUNT")
measure_table "Persistent connections (smtp-source -d)" -d

# ceiling: the tools alone, smtp-source straight into smtp-sink
wait_postfix_drained 120 || true
CEIL=()
for r in $(seq "$ROUNDS"); do
    run_source smtp-sink "$SINK_ADDR" 50 "$CEILING_COUNT" 4096; CEIL+=("$RESULT")
done
{
    echo
    echo "Tools' ceiling: smtp-source -> smtp-sink, 4096 bytes, 50 sessions, $CEILING_COUNT msgs: $(median "${CEIL[@]}") msg/s (runs: ${CEIL[*]})"
} >> "$TABLE"

# ---------------------------------------------------------------- checks
log "checking that Postfix delivered everything to smtp-sink"
DRAINED=yes
wait_postfix_drained 180 || DRAINED=no
PQ=$("$POSTQUEUE" -c "$PF/etc" -p 2>&1 | tail -n 1 || true)
PF_SENT=$(grep -c ' status=sent ' "$PF/log/maillog" 2>/dev/null || true)
PF_BAD=$(grep -Ec ' status=(deferred|bounced)|(fatal|panic|error):' "$PF/log/maillog" 2>/dev/null || true)
{
    echo
    echo "Postfix check: queue drained: $DRAINED; postqueue: $PQ; accepted in clean runs: $POSTFIX_SENT;" \
        "relayed to smtp-sink (status=sent): $PF_SENT; deferred/bounced/error log lines: $PF_BAD"
} >> "$TABLE"
if [ "$DRAINED" != yes ] || [ "${PF_BAD:-0}" != 0 ] || { [ $POSTFIX_FAILED = 0 ] && [ "$PF_SENT" != "$POSTFIX_SENT" ]; }; then
    ERRORS=$((ERRORS + 1))
    { echo "!!! Postfix problems; last log lines:"; grep -E ' status=(deferred|bounced)|(fatal|panic|error|warning):' "$PF/log/maillog" | tail -n 10; } | tee -a "$WORK/errors.txt" >&2
fi
if [ $POSTFIX_ONLY = 0 ]; then
    FW=$(grep -Eic 'ERROR|Exception' "$WORK/facteur.log" || true)
    echo "Facteur log: $FW ERROR/Exception lines" >> "$TABLE"
    if [ "$FW" != 0 ]; then
        { echo "--- Facteur log, first ERROR/Exception lines:"; grep -Ei -m 10 'ERROR|Exception' "$WORK/facteur.log"; } >> "$TABLE"
    fi
    port_open "$FACTEUR_ADDR" || { ERRORS=$((ERRORS + 1)); echo "!!! Facteur no longer listens" | tee -a "$WORK/errors.txt" >&2; }
    # stop Facteur, then count what its spool holds (all of it is still pending: no delivery)
    log "stopping Facteur and counting its spool"
    kill -TERM -- "-$FACTEUR_PID" 2>/dev/null || true
    for _ in $(seq 300); do  # our child: a zombie until reaped, so look at its state
        ps -o stat= -p "$FACTEUR_PID" 2>/dev/null | grep -qv Z || break
        sleep 0.1
    done
    FQ=$(timeout 120 bin/facteur queue list --config "$WORK/facteur.toml" 2>&1 | tail -n 1 || true)
    FQN=$(sed -n 's/^-- \([0-9]*\) messages.*/\1/p' <<<"$FQ")
    echo "Facteur check: accepted in clean runs: $FACTEUR_SENT; facteur queue list after stop: $FQ" >> "$TABLE"
    if [ $FACTEUR_FAILED = 0 ] && [ "$FQN" != "$FACTEUR_SENT" ]; then
        ERRORS=$((ERRORS + 1))
        echo "!!! Facteur spool holds '${FQN:-?}' messages, expected $FACTEUR_SENT ($FQ)" | tee -a "$WORK/errors.txt" >&2
    fi
fi
if [ $ERRORS -gt 0 ]; then
    { echo; echo "ERRORS: $ERRORS (details below)"; cat "$WORK/errors.txt" 2>/dev/null; } >> "$TABLE"
fi

mkdir -p "$BENCH/results"
SUFFIX=$([ $QUICK = 1 ] && echo -quick || true)$([ $POSTFIX_ONLY = 1 ] && echo -postfix-only || true)
OUT="$BENCH/results/accept-$STAMP$SUFFIX.txt"
cp "$TABLE" "$OUT"
echo
cat "$TABLE"
echo
echo "written to ${OUT#"$REPO"/}"
[ $ERRORS -eq 0 ] || exit 1
