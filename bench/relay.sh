#!/usr/bin/env bash
# End-to-end relay throughput: smtp-source -> MTA -> smtp-sink, Facteur vs a private Postfix.
#
#   bench/relay.sh [--quick] [--postfix-only] [--rounds N]
#
# Facteur listens on 127.0.0.1:2525 and finds example.org's MX through a private dnsmasq
# (127.0.0.53:<free port>: MX mx.example.org -> 127.0.0.9); Postfix listens on 127.0.0.1:2526 with
# relayhost [127.0.0.9]:2527 (no DNS). Both deliver to smtp-sink on 127.0.0.9:2527.
# msg/s = COUNT / (smtp-source start -> last message delivered, i.e. COUNT more `status=sent`
# lines in the MTA's log). Systems alternate, N rounds each; medians and ratios.
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
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "relay.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done
[ -n "$ROUNDS" ] || ROUNDS=$([ $QUICK = 1 ] && echo 1 || echo 3)

FACTEUR_ADDR=127.0.0.1:2525
POSTFIX_ADDR=127.0.0.1:2526
SINK_ADDR=127.0.0.9:2527
DNS_IP=127.0.0.53
SENDER=sender@example.test
RCPT=rcpt@example.org
HELO=client.bench.test
SMTP_SOURCE=/usr/sbin/smtp-source
SMTP_SINK=/usr/sbin/smtp-sink
POSTFIX=/usr/sbin/postfix
POSTQUEUE=/usr/sbin/postqueue
DNSMASQ=/usr/sbin/dnsmasq
# Facteur's delivery limits, and Postfix's matching per-destination concurrency
MAX_PARALLEL=100
MAX_PER_DESTINATION=50
DRAIN_STALL=${DRAIN_STALL:-60}   # seconds without a new delivery before a run is declared ERR

# Cells: "size sessions count" (count = messages of one run, a few seconds each).
if [ $QUICK = 1 ]; then
    CELLS=("4096 10 1000" "4096 50 2000" "102400 50 500")
    CEILING_COUNT=5000
else
    CELLS=("4096 10 3000" "4096 50 5000" "102400 50 1500")
    CEILING_COUNT=20000
fi

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ "$(id -u)" = 0 ] || die "must run as root (private Postfix start, smtp-sink -u nobody)"
for t in "$SMTP_SOURCE" "$SMTP_SINK" "$POSTFIX" "$POSTQUEUE"; do
    [ -x "$t" ] || die "missing $t (Debian package postfix)"
done
[ $POSTFIX_ONLY = 1 ] || [ -x "$DNSMASQ" ] || die "missing $DNSMASQ (Debian package dnsmasq-base)"

ADDRS=("$POSTFIX_ADDR" "$SINK_ADDR")
[ $POSTFIX_ONLY = 1 ] || ADDRS+=("$FACTEUR_ADDR")
for a in "${ADDRS[@]}"; do
    ! port_open "$a" || die "$a is already in use: another benchmark or server running?"
done

# ---------------------------------------------------------------- work dir and cleanup
bench_workdir facteur-relay

# Delivery counters: one `tail -F | grep -o` per MTA log appends "status=sent \n" (13 bytes)
# for every delivery, so a poll is a stat, not a scan of a log that grows to tens of MB.
SENT_TOKEN='status=sent '
start_counter() { # name logfile
    local out="$WORK/sent-$1.count"
    : > "$out"
    setsid bash -c 'exec tail -n +1 -F "$1" 2>/dev/null | grep --line-buffered -oF "$2" > "$3"' \
        counter "$2" "$SENT_TOKEN" "$out" </dev/null >/dev/null 2>&1 &
    PGIDS+=($!)
}
sent_count() { # name -> deliveries seen so far
    local b
    b=$(stat -c %s "$WORK/sent-$1.count")
    echo $((b / (${#SENT_TOKEN} + 1)))
}

# ---------------------------------------------------------------- smtp-sink
log "starting smtp-sink on $SINK_ADDR"
start_group "$WORK/smtp-sink.log" "$SMTP_SINK" -u nobody "$SINK_ADDR" 1024
wait_port "$SINK_ADDR" 10 || { cat "$WORK/smtp-sink.log" >&2; die "smtp-sink did not start"; }

# ---------------------------------------------------------------- dnsmasq (Facteur's resolver)
DNS_PORT=""
if [ $POSTFIX_ONLY = 0 ]; then
    start_private_dnsmasq "local=/example.org/
mx-host=example.org,mx.example.org,10
host-record=mx.example.org,127.0.0.9"
fi

# ---------------------------------------------------------------- private Postfix
start_private_postfix "# as many parallel deliveries to the one destination as Facteur's max_per_destination
default_destination_concurrency_limit = $MAX_PER_DESTINATION"
for _ in $(seq 50); do [ -e "$PF/log/maillog" ] && break; sleep 0.1; done
start_counter postfix "$PF/log/maillog"

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
# Only this private dnsmasq: the system resolver is not on loopback.
[dns]
servers = ["$DNS_IP:$DNS_PORT"]
[delivery]
remote_port = ${SINK_ADDR#*:}
max_parallel = $MAX_PARALLEL
max_per_destination = $MAX_PER_DESTINATION
[admin]
listen = "127.0.0.1:0"
EOF
    log "starting Facteur on $FACTEUR_ADDR"
    : > "$WORK/facteur.log"
    start_counter facteur "$WORK/facteur.log"
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
declare -A SUBMITTED=([facteur]=0 [postfix]=0)   # messages smtp-source handed over, all runs
RESULT=""   # msg/s of the last run, or ERR
DRAIN=""    # seconds from smtp-source's exit to the last delivery, or ERR

# CPU time, in clock ticks: of one process (utime + stime), and of the whole machine (all but idle and iowait).
TICK_US=$((1000000 / $(getconf CLK_TCK)))
proc_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
busy_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
FCPU=""     # Facteur's CPU microseconds per message of the last run (facteur runs only)
MCPU=""     # the machine's CPU microseconds per message of the last run (MTA, tools and all)

run_relay() { # label system(facteur|postfix|sink) sessions count size
    local label=$1 sys=$2 s=$3 m=$4 l=$5
    local addr out="$WORK/run.out" err="$WORK/run.err" t0 t1 t2 rc=0 base=0 n last_n last_change
    case "$sys" in
        facteur) addr=$FACTEUR_ADDR ;;
        postfix) addr=$POSTFIX_ADDR ;;
        sink) addr=$SINK_ADDR ;;
    esac
    if [ "$sys" = postfix ]; then
        wait_postfix_drained 120 || log "WARNING: Postfix queue not drained ($(postfix_queued) left)"
    fi
    [ "$sys" = sink ] || base=$(sent_count "$sys")
    local f0=0 b0
    [ "$sys" != facteur ] || f0=$(proc_ticks "$FACTEUR_PID")
    b0=$(busy_ticks)
    t0=$(date +%s.%N)
    timeout 600 "$SMTP_SOURCE" -s "$s" -m "$m" -l "$l" -M "$HELO" -f "$SENDER" -t "$RCPT" \
        "$addr" >"$out" 2>"$err" || rc=$?
    t1=$(date +%s.%N)
    [ "$sys" = sink ] || SUBMITTED[$sys]=$((SUBMITTED[$sys] + m))
    if [ $rc -ne 0 ] || [ -s "$err" ]; then
        ERRORS=$((ERRORS + 1))
        RESULT=ERR; DRAIN=ERR
        {
            echo "!!! ERROR: $label: smtp-source -s $s -m $m -l $l $addr exited $rc after $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s"
            sed 's/^/!!!   /' "$err" | head -n 20
        } | tee -a "$WORK/errors.txt" >&2
        return 0
    fi
    t2=$t1
    if [ "$sys" != sink ]; then
        # wait for the m deliveries of this run; ERR when none comes for DRAIN_STALL seconds
        last_n=-1; last_change=$SECONDS
        while :; do
            n=$(($(sent_count "$sys") - base))
            [ "$n" -lt "$m" ] || break
            if [ "$n" != "$last_n" ]; then last_n=$n; last_change=$SECONDS; fi
            if [ $((SECONDS - last_change)) -ge "$DRAIN_STALL" ]; then
                ERRORS=$((ERRORS + 1))
                RESULT=ERR; DRAIN=ERR
                echo "!!! ERROR: $label: only $n of $m messages delivered, none for ${DRAIN_STALL} s" | tee -a "$WORK/errors.txt" >&2
                return 0
            fi
            sleep 0.02
        done
        t2=$(date +%s.%N)
    fi
    MCPU=$(( ($(busy_ticks) - b0) * TICK_US / m ))
    FCPU="-"
    [ "$sys" != facteur ] || FCPU=$(( ($(proc_ticks "$FACTEUR_PID") - f0) * TICK_US / m ))
    RESULT=$(awk -v n="$m" -v a="$t0" -v b="$t2" 'BEGIN { printf "%.1f", n / (b - a) }')
    DRAIN=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", b - a }')
    log "$label s=$s m=$m l=$l: $RESULT msg/s delivered, CPU µs/msg: MTA $FCPU, machine $MCPU (accepted in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}') s, last delivery ${DRAIN} s later)"
}

median2() { MEDIAN_FMT=%.2f median "$@"; }

TABLE="$WORK/table.txt"
row() { printf '%-7s %8s %6s %14s %14s %8s %9s   %s\n' "$@" >> "$TABLE"; }

STAMP=$(date +%Y%m%d-%H%M%S)
{
    echo "Facteur relay benchmark (smtp-source -> MTA -> smtp-sink), $(date '+%Y-%m-%d %H:%M:%S %Z')"
    echo "host $(hostname), $(nproc) cores; commit $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo none)"
    echo "mode: $([ $QUICK = 1 ] && echo quick || echo full), $ROUNDS round(s), systems alternated per run;" \
        "$([ $POSTFIX_ONLY = 1 ] && echo 'POSTFIX ONLY' || echo 'facteur vs postfix')"
    echo "smtp-source -s S -m COUNT -l SIZE -M $HELO -f $SENDER -t $RCPT (one connection per message)"
    echo "msg/s = COUNT / (smtp-source start -> COUNT-th 'status=sent' in the MTA's log); medians shown"
    echo "Facteur: $FACTEUR_ADDR; MX lookup of example.org via dnsmasq $DNS_IP:${DNS_PORT:--} -> mx.example.org 127.0.0.9;" \
        "max_parallel $MAX_PARALLEL, max_per_destination $MAX_PER_DESTINATION"
    echo "Postfix $(postconf -c "$PF/etc" -h mail_version 2>/dev/null): $POSTFIX_ADDR, relayhost [127.0.0.9]:2527 (NO DNS lookup)," \
        "default_destination_concurrency_limit $MAX_PER_DESTINATION"
    echo "Both deliver to smtp-sink $SINK_ADDR. Only ratios within one run are meaningful (shared machine)."
    [ -z "${POSTFIX_MAIN_EXTRA:-}" ] || echo "Postfix main.cf extra (not default!): $POSTFIX_MAIN_EXTRA"
} > "$TABLE"

# A server runs for days: measure it warm. Both systems get the same untimed load first.
log "warm-up, not timed: ${WARMUP_COUNT}x2 messages to each system at 50 sessions"
for w in 1 2; do
    [ $POSTFIX_ONLY = 1 ] || run_relay warmup-facteur facteur 50 "$WARMUP_COUNT" 4096
    run_relay warmup-postfix postfix 50 "$WARMUP_COUNT" 4096
    [ $POSTFIX_ONLY = 1 ] || run_relay warmup-facteur facteur 50 $((WARMUP_COUNT / 4)) 102400
    run_relay warmup-postfix postfix 50 $((WARMUP_COUNT / 4)) 102400
done
echo "Each system first got 2 x ($WARMUP_COUNT x 4 KB + $((WARMUP_COUNT / 4)) x 100 KB) untimed messages (warm-up), delivered before timing starts." >> "$TABLE"
{
    echo
    echo "Delivered msg/s (drain = median seconds from smtp-source's exit to the last delivery)"
} >> "$TABLE"
row size sessions count "facteur msg/s" "postfix msg/s" "F/P" "drain F|P" "runs (facteur | postfix)"
for cell in "${CELLS[@]}"; do
    read -r size s m <<<"$cell"
    fs=(); ps=(); fd=(); pd=(); fc=(); fm=(); pm=()
    for r in $(seq "$ROUNDS"); do
        if [ $POSTFIX_ONLY = 0 ]; then
            run_relay facteur facteur "$s" "$m" "$size"; fs+=("$RESULT"); fd+=("$DRAIN"); fc+=("$FCPU"); fm+=("$MCPU")
        fi
        run_relay postfix postfix "$s" "$m" "$size"; ps+=("$RESULT"); pd+=("$DRAIN"); pm+=("$MCPU")
    done
    if [ $POSTFIX_ONLY = 0 ]; then f=$(median "${fs[@]}"); fdm=$(median2 "${fd[@]}"); else f="-"; fs=(-); fdm="-"; fi
    p=$(median "${ps[@]}")
    row "$size" "$s" "$m" "$f" "$p" "$(ratio "$f" "$p")" "$fdm|$(median2 "${pd[@]}")" "${fs[*]} | ${ps[*]}"
    if [ $POSTFIX_ONLY = 0 ]; then
        printf '%-7s %8s %14s %16s %16s   %s\n' "$size" "$s" "$(median "${fc[@]}")" "$(median "${fm[@]}")" "$(median "${pm[@]}")" \
            "${fc[*]} | ${fm[*]} | ${pm[*]}" >> "$WORK/cpu.txt"
    fi
done

if [ -s "$WORK/cpu.txt" ]; then
    {
        echo
        echo "CPU microseconds per relayed message (medians; from /proc: Facteur's process, and the whole machine during each run)"
        printf '%-7s %8s %14s %16s %16s   %s\n' size sessions "facteur proc" "machine (F run)" "machine (P run)" "runs (facteur | machine F | machine P)"
        cat "$WORK/cpu.txt"
    } >> "$TABLE"
fi

# ceiling: the tools alone, smtp-source straight into smtp-sink
wait_postfix_drained 120 || true
CEIL=()
for r in $(seq "$ROUNDS"); do
    run_relay smtp-sink sink 50 "$CEILING_COUNT" 4096; CEIL+=("$RESULT")
done
{
    echo
    echo "Tools' ceiling: smtp-source -> smtp-sink, 4096 bytes, 50 sessions, $CEILING_COUNT msgs: $(median "${CEIL[@]}") msg/s (runs: ${CEIL[*]})"
} >> "$TABLE"

# ---------------------------------------------------------------- checks
log "final checks"
DRAINED=yes
wait_postfix_drained 180 || DRAINED=no
PQ=$("$POSTQUEUE" -c "$PF/etc" -p 2>&1 | tail -n 1 || true)
PF_SENT=$(grep -c ' status=sent ' "$PF/log/maillog" 2>/dev/null || true)
PF_BAD=$(grep -Ec ' status=(deferred|bounced)|(fatal|panic|error):' "$PF/log/maillog" 2>/dev/null || true)
{
    echo
    echo "Postfix check: queue drained: $DRAINED; postqueue: $PQ; submitted: ${SUBMITTED[postfix]};" \
        "delivered to smtp-sink (status=sent): $PF_SENT; deferred/bounced/error log lines: $PF_BAD"
} >> "$TABLE"
if [ "$DRAINED" != yes ] || [ "${PF_BAD:-0}" != 0 ] || [ "$PF_SENT" != "${SUBMITTED[postfix]}" ] \
        || [ "$PQ" != "Mail queue is empty" ]; then
    ERRORS=$((ERRORS + 1))
    { echo "!!! Postfix problems; last log lines:"; grep -E ' status=(deferred|bounced)|(fatal|panic|error|warning):' "$PF/log/maillog" | tail -n 10; } | tee -a "$WORK/errors.txt" >&2
fi
if [ $POSTFIX_ONLY = 0 ]; then
    F_SENT=$(grep -c ' status=sent ' "$WORK/facteur.log" || true)
    F_OTHER=$(grep -Ec ' status=(deferred|bounced) ' "$WORK/facteur.log" || true)
    FW=$(grep -Eic 'ERROR|Exception' "$WORK/facteur.log" || true)
    FWARN=$(grep -c ' WARN ' "$WORK/facteur.log" || true)
    port_open "$FACTEUR_ADDR" || { ERRORS=$((ERRORS + 1)); echo "!!! Facteur no longer listens" | tee -a "$WORK/errors.txt" >&2; }
    log "stopping Facteur and listing its queue"
    kill -TERM -- "-$FACTEUR_PID" 2>/dev/null || true
    for _ in $(seq 300); do  # our child: a zombie until reaped, so look at its state
        ps -o stat= -p "$FACTEUR_PID" 2>/dev/null | grep -qv Z || break
        sleep 0.1
    done
    FQ=$(timeout 120 bin/facteur queue list --config "$WORK/facteur.toml" 2>&1 | tail -n 1 || true)
    {
        echo "Facteur check: submitted: ${SUBMITTED[facteur]}; delivered to smtp-sink (status=sent): $F_SENT;" \
            "deferred/bounced lines: $F_OTHER; ERROR/Exception lines: $FW; WARN lines: $FWARN;" \
            "facteur queue list after stop: $FQ"
    } >> "$TABLE"
    if [ "$FW" != 0 ] || [ "$FWARN" != 0 ] || [ "$F_OTHER" != 0 ]; then
        { echo "--- Facteur log, first ERROR/Exception/WARN/deferred lines:";
          grep -Ei -m 10 'ERROR|Exception| WARN | status=(deferred|bounced) ' "$WORK/facteur.log"; } >> "$TABLE"
    fi
    if [ "$FW" != 0 ] || [ "$F_OTHER" != 0 ] || [ "$F_SENT" != "${SUBMITTED[facteur]}" ] || [ "$FQ" != "Mail queue is empty" ]; then
        ERRORS=$((ERRORS + 1))
        echo "!!! Facteur: $F_SENT of ${SUBMITTED[facteur]} delivered, $F_OTHER deferred/bounced, $FW ERROR lines, queue: $FQ" \
            | tee -a "$WORK/errors.txt" >&2
    fi
fi
if [ $ERRORS -gt 0 ]; then
    { echo; echo "ERRORS: $ERRORS (details below)"; cat "$WORK/errors.txt" 2>/dev/null; } >> "$TABLE"
fi

mkdir -p "$BENCH/results"
SUFFIX=$([ $QUICK = 1 ] && echo -quick || true)$([ $POSTFIX_ONLY = 1 ] && echo -postfix-only || true)
OUT="$BENCH/results/relay-$STAMP$SUFFIX.txt"
cp "$TABLE" "$OUT"
echo
cat "$TABLE"
echo
echo "written to ${OUT#"$REPO"/}"
[ $ERRORS -eq 0 ] || exit 1
