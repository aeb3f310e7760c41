#!/usr/bin/env bash
# Traffic shaping at volume: a campaign of MESSAGES queued for DOMAINS receiving sites, delivered
# with per-site limits that bind ([shaping] on) and without them ([shaping] enabled = false).
#
#   bench/shaping.sh [--messages N] [--domains D] [--rate R] [--connections C] [--size BYTES]
#                    [--modes "off defaults limits"] [--rounds N]
#
# Defaults: 100000 messages, 1000 domains (100 each), 4096-byte messages, 1 round of three runs:
# off ([shaping] enabled = false), defaults (shaping on as shipped: 20 connections a site, no
# rate) and limits (C = 2 connections and R = 20 messages a minute per site, which bind: 1000
# sites at 20 a minute is 333 messages a second in all). Each domain dN.test has its own
# MX mx.dN.test (so its own site: the registrable domain of the MX host, `dN.test`) at its own
# address 127.7.x.y, served by a private dnsmasq; one counting sink (bench/shaping_sink.py)
# listens on all of them and records, per address, connections open at once and messages taken
# in any 60-second window. The messages are queued once (delivery off), the spool copied, then
# each run starts Facteur on a fresh copy with delivery on and times it until all are delivered.
# Reported per run: delivered (sink and Facteur's log), wall time, Facteur's CPU (utime + stime)
# per 1000 messages, the limits observed. Loopback only; needs root (ulimit). See bench/README.md.
set -euo pipefail

export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
REPO=$(cd "$(dirname "$0")/.." && pwd)
BENCH="$REPO/bench"
cd "$REPO"

MESSAGES=100000
DOMAINS=1000
RATE=20
CONNECTIONS=2
SIZE=4096
ROUNDS=1
MODES="off defaults limits"
while [ $# -gt 0 ]; do
    case "$1" in
        --messages) MESSAGES="$2"; shift ;;
        --domains) DOMAINS="$2"; shift ;;
        --rate) RATE="$2"; shift ;;
        --connections) CONNECTIONS="$2"; shift ;;
        --size) SIZE="$2"; shift ;;
        --rounds) ROUNDS="$2"; shift ;;
        --modes) MODES="$2"; shift ;;
        -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "shaping.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done
[ $((MESSAGES % DOMAINS)) = 0 ] || { echo "shaping.sh: --messages must be a multiple of --domains" >&2; exit 2; }
[ "$DOMAINS" -le 60000 ] || { echo "shaping.sh: at most 60000 domains" >&2; exit 2; }
PER_DOMAIN=$((MESSAGES / DOMAINS))

FACTEUR_ADDR=127.0.7.1:2555
SINK_PORT=2557
DNS_IP=127.0.7.53
SENDER=sender@sender.test
HELO=client.bench.test
SMTP_SOURCE=/usr/sbin/smtp-source
DNSMASQ=/usr/sbin/dnsmasq
FEEDERS=8              # smtp-source processes at once while queueing, one domain each
FEED_SESSIONS=5        # persistent sessions of each
DRAIN_STALL=${DRAIN_STALL:-120}   # seconds without a new delivery before a run is declared ERR
RUN_LIMIT=${RUN_LIMIT:-900}       # seconds a run may last at most
IDLE_SECONDS=${IDLE_SECONDS:-15}  # Facteur's CPU measured this long after the last delivery
# The shaper admits messages at the pace; the sink sees them when their dot is answered, a
# connection and some queueing later. A site's 60-second window may so hold more than the rate
# plus the burst (the first messages of a site, on new connections at a busy start, arrive late
# and bunched with the next ones): the check allows LATENCY_SLACK seconds of that at the rate.
LATENCY_SLACK=${LATENCY_SLACK:-3}
# For experiments (shown in the results): FACTEUR_DELIVERY_EXTRA='max_per_destination = 1' adds
# lines to [delivery] in every run; COUNT_POSTPONED=1 logs facteur.delivery at DEBUG in the runs,
# whose one line per delivery held back by shaping is then counted (it costs a little CPU).
FACTEUR_DELIVERY_EXTRA=${FACTEUR_DELIVERY_EXTRA:-}
COUNT_POSTPONED=${COUNT_POSTPONED:-0}

# shellcheck source=bench/lib.sh
. "$BENCH/lib.sh"

[ "$(id -u)" = 0 ] || die "must run as root (ulimit -n for thousands of connections)"
for t in "$SMTP_SOURCE" "$DNSMASQ" /usr/bin/python3; do [ -x "$t" ] || die "missing $t (Debian packages postfix, dnsmasq-base, python3)"; done
! port_open "$FACTEUR_ADDR" || die "$FACTEUR_ADDR is already in use: another benchmark running?"
! port_open "127.7.0.1:$SINK_PORT" || die "127.7.0.1:$SINK_PORT is already in use"
ulimit -n "$(ulimit -Hn)"

bench_workdir facteur-shaping

# ---------------------------------------------------------------- DNS: one MX per domain, its own address
# dN.test -> MX mx.dN.test -> 127.7.(N / 250).(N % 250 + 1); answers cached 5 minutes
awk -v n="$DOMAINS" 'BEGIN { for (i = 1; i <= n; i++) printf "127.7.%d.%d\n", int(i / 250), i % 250 + 1 }' > "$WORK/addresses"
RECORDS=$(awk -v n="$DOMAINS" 'BEGIN {
    print "local=/test/"; print "local-ttl=300"
    for (i = 1; i <= n; i++) printf "mx-host=d%d.test,mx.d%d.test,10\nhost-record=mx.d%d.test,127.7.%d.%d\n", i, i, i, int(i / 250), i % 250 + 1 }')
start_private_dnsmasq "$RECORDS"

# ---------------------------------------------------------------- Facteur's configuration
# config MODE DATA_DIR -> TOML; MODE: load (delivery off), off ([shaping] enabled = false),
# defaults (no [shaping] section: on, as shipped), limits (connections and rate set)
config() {
    local mode=$1 data=$2
    cat <<EOF
hostname = "bench.facteur.test"
data_dir = "$data"
[smtp]
listen = ["$FACTEUR_ADDR"]
max_connections = 2000
max_connections_per_ip = 1000
[relay]
networks = ["127.0.0.0/8"]
[dns]
servers = ["$DNS_IP:$DNS_PORT"]
[delivery]
enabled = $([ "$mode" = load ] && echo false || echo true)
remote_port = $SINK_PORT
starttls = false
$FACTEUR_DELIVERY_EXTRA
[admin]
listen = "127.0.7.1:0"
EOF
    case "$mode" in
        off) printf '[shaping]\nenabled = false\n' ;;
        limits) printf '[shaping]\nenabled = true\nconnections = %s\nmessages_per_minute = %s\n' "$CONNECTIONS" "$RATE" ;;
    esac
}

FACTEUR_PID=""
start_facteur() { # name data_dir mode
    config "$3" "$2" > "$WORK/facteur-$1.toml"
    : > "$WORK/facteur-$1.log"
    local opts=${FACTEUR_JAVA_OPTS:-}
    if [ "$COUNT_POSTPONED" = 1 ] && [ "$3" != load ]; then
        sed 's|<root level="[^"]*">|<logger name="facteur.delivery" level="DEBUG"/><root level="INFO">|' \
            "$REPO/src/main/resources/logback.xml" > "$WORK/logback-debug.xml"
        grep -q 'facteur.delivery' "$WORK/logback-debug.xml" || die "could not write a logback configuration with DEBUG for facteur.delivery"
        opts="$opts -Dlogback.configurationFile=$WORK/logback-debug.xml"
    fi
    FACTEUR_JAVA_OPTS=$opts start_group "$WORK/facteur-$1.log" bin/facteur serve --config "$WORK/facteur-$1.toml"
    FACTEUR_PID=$!
}
# threads PID -> "name<TAB>seconds" of the process's threads, grouped by name without digits, most first
threads() {
    for t in /proc/"$1"/task/*; do
        printf '%s\t%s\n' "$(sed 's/[0-9#-]*$//' "$t/comm")" "$(awk '{print $14 + $15}' "$t/stat" 2>/dev/null || echo 0)"
    done | awk -F'\t' -v ms="$TICK_MS" '{ c[$1] += $2 } END { for (k in c) printf "%s\t%.1f\n", k, c[k] * ms / 1000 }' | sort -t$'\t' -k2,2 -rn
}
stop_facteur() {
    kill -TERM -- "-$FACTEUR_PID" 2>/dev/null || true
    for _ in $(seq 600); do  # our child: a zombie until reaped, so look at its state
        ps -o stat= -p "$FACTEUR_PID" 2>/dev/null | grep -qv Z || return 0
        sleep 0.1
    done
    die "Facteur ($FACTEUR_PID) did not stop within 60 s"
}

TICK_MS=$((1000 / $(getconf CLK_TCK)))
proc_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
busy_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
per1000() { awk -v c="$1" -v m="$MESSAGES" 'BEGIN { printf "%.2f", c / m }'; }  # ms -> s per 1000 messages
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

log "building Facteur if needed (bin/facteur --help)"
bin/facteur --help >/dev/null || die "bin/facteur --help failed"

# ---------------------------------------------------------------- queueing the campaign
log "queueing $MESSAGES messages of $SIZE bytes ($PER_DOMAIN for each of $DOMAINS domains), delivery off"
start_facteur load "$WORK/data-loaded" load
wait_port "$FACTEUR_ADDR" 60 || { tail -n 30 "$WORK/facteur-load.log" >&2; die "Facteur does not listen on $FACTEUR_ADDR"; }
t0=$(now)
# one smtp-source per domain (it has one recipient address per run), FEEDERS at once
seq 1 "$DOMAINS" | xargs -P "$FEEDERS" -I{} sh -c \
    "'$SMTP_SOURCE' -d -s $FEED_SESSIONS -m $PER_DOMAIN -l $SIZE -M $HELO -f $SENDER -t user{}@d{}.test $FACTEUR_ADDR || echo 'smtp-source for d{}.test failed'" \
    > "$WORK/feed.out" 2> "$WORK/feed.err" || true
t1=$(now)
if [ -s "$WORK/feed.err" ] || [ -s "$WORK/feed.out" ]; then
    head -n 20 "$WORK/feed.out" "$WORK/feed.err" >&2
    die "queueing failed"
fi
stop_facteur
QUEUED=$(timeout 300 bin/facteur queue list --config "$WORK/facteur-load.toml" 2>&1 | tail -n 1)
log "queued in $(elapsed "$t0" "$t1") s; queue: $QUEUED"
[[ "$QUEUED" == "-- $MESSAGES messages,"* ]] || die "expected $MESSAGES messages in the queue, found: $QUEUED"
FEED_S=$(elapsed "$t0" "$t1")

# ---------------------------------------------------------------- the runs
# Deliveries counted by a `tail -F | grep -o` of Facteur's log (a poll is a stat), as in relay.sh.
SENT_TOKEN='status=sent '
RESULTS="$WORK/results.tsv"
: > "$RESULTS"
ERRORS=0
fail() { ERRORS=$((ERRORS + 1)); echo "!!! $*" | tee -a "$WORK/errors.txt" >&2; }

run() { # mode round
    local mode=$1 r=$2 name="$1-$2"
    local data="$WORK/data-run" count="$WORK/sent-$name.count"
    rm -rf "$data"
    cp -a "$WORK/data-loaded" "$data"
    sync
    rm -f "$WORK/sink-ready"
    start_group "$WORK/sink-$name.log" python3 "$BENCH/shaping_sink.py" --port "$SINK_PORT" \
        --addresses "$WORK/addresses" --report "$WORK/sink-$name.tsv" --ready "$WORK/sink-ready"
    local sink_pid=$!
    for _ in $(seq 300); do [ -s "$WORK/sink-ready" ] && break; sleep 0.1; done
    [ -s "$WORK/sink-ready" ] || { cat "$WORK/sink-$name.log" >&2; die "the sink did not start"; }

    : > "$count"
    log "run $name: shaping $mode, Facteur on a copy of the queued spool"
    local t_start t_first="" t_last c_first=0 c_last c_idle b_first=0 b_last n last_n=-1 last_change=$SECONDS
    t_start=$(now)
    start_facteur "$name" "$data" "$mode"
    setsid bash -c 'exec tail -n +1 -F "$1" 2>/dev/null | grep --line-buffered -oF "$2" > "$3"' \
        counter "$WORK/facteur-$name.log" "$SENT_TOKEN" "$count" </dev/null >/dev/null 2>&1 &
    local counter_pgid=$!
    PGIDS+=("$counter_pgid")
    local status=ok
    while :; do
        n=$(( $(stat -c %s "$count") / (${#SENT_TOKEN} + 1) ))
        if [ -z "$t_first" ] && [ "$n" -gt 0 ]; then t_first=$(now); c_first=$(proc_ticks "$FACTEUR_PID"); b_first=$(busy_ticks); fi
        [ "$n" -lt "$MESSAGES" ] || break
        if [ "$n" != "$last_n" ]; then last_n=$n; last_change=$SECONDS; fi
        if [ $((SECONDS - last_change)) -ge "$DRAIN_STALL" ] || [ "$(elapsed "$t_start" "$(now)" | cut -d. -f1)" -ge "$RUN_LIMIT" ]; then
            fail "run $name: $n of $MESSAGES delivered, none for $((SECONDS - last_change)) s"
            status=ERR
            break
        fi
        sleep 0.05
    done
    t_last=$(now)
    c_last=$(proc_ticks "$FACTEUR_PID")
    b_last=$(busy_ticks)
    threads "$FACTEUR_PID" > "$WORK/threads-$name.tsv"
    [ -n "$t_first" ] || { t_first=$t_last; c_first=$c_last; b_first=$b_last; }
    sleep "$IDLE_SECONDS"
    c_idle=$(proc_ticks "$FACTEUR_PID")
    local rss sink_cpu
    rss=$(awk '/^VmHWM/ {print $2}' "/proc/$FACTEUR_PID/status" 2>/dev/null || echo 0)
    sink_cpu=$(( $(proc_ticks "$sink_pid") * TICK_MS ))
    stop_facteur
    kill -TERM -- "-$counter_pgid" 2>/dev/null || true
    kill -TERM "$sink_pid" 2>/dev/null || true
    for _ in $(seq 100); do [ -s "$WORK/sink-$name.tsv" ] && break; sleep 0.1; done
    [ -s "$WORK/sink-$name.tsv" ] || fail "run $name: the sink wrote no report"

    local flog="$WORK/facteur-$name.log" sink="$WORK/sink-$name.tsv"
    local sent other warn err shaping_lines
    sent=$(grep -c ' status=sent ' "$flog" || true)
    other=$(grep -Ec ' status=(deferred|bounced) ' "$flog" || true)
    err=$(grep -Eic 'ERROR|Exception' "$flog" || true)
    warn=$(grep -c ' WARN ' "$flog" || true)
    shaping_lines=$(grep -cF ' facteur.shaping: ' "$flog" || true)
    local moved postponed=-
    moved=$({ grep -o 'moved [0-9]* long-queued' "$flog" || true; } | awk '{ s += $2 } END { print s + 0 }')
    [ "$COUNT_POSTPONED" != 1 ] || postponed=$(grep -c ' DEBUG facteur.delivery: .* postponed: ' "$flog" || true)
    # the limits the sink must have seen: those set for the run (shaping on), else none
    local c_limit=0 r_limit=0 w_limit=0
    case "$mode" in
        limits) c_limit=$CONNECTIONS; r_limit=$RATE
                w_limit=$(awk -v r="$RATE" -v c="$CONNECTIONS" -v j="$LATENCY_SLACK" 'BEGIN { x = r * j / 60; printf "%d", r + c + (x == int(x) ? x : int(x) + 1) }') ;;
        defaults) c_limit=20 ;;
    esac
    # the sink's report: messages, sites, connections, the most open at once and the most in 60 s
    local sink_stats
    sink_stats=$(awk -F'\t' -v c="$c_limit" -v rate="$r_limit" -v w="$w_limit" '
        /^#/ { next }
        { msgs += $3; sites++; conns += $5
          if ($6 > mo) mo = $6; if ($7 > mw) mw = $7; if ($8 > mpc) mpc = $8
          if (c > 0 && $6 > c) over_c++; if (rate > 0 && $7 > rate + c) above++; if (rate > 0 && $7 > w) over_r++
          if (rate > 0 && $7 >= rate + c) at++
          if (split($2, d, ",") != 1) mixed++
          span += $10 - $9 }
        END { printf "%d %d %d %d %d %d %d %d %d %.1f %d %d\n", msgs, sites, conns, mo, mw, mpc, over_c, over_r, mixed,
              sites ? span / sites : 0, above, at }' "$sink")
    local s_msgs s_sites s_conns s_maxopen s_max60 s_maxpc s_overc s_overr s_mixed s_span s_above s_at
    read -r s_msgs s_sites s_conns s_maxopen s_max60 s_maxpc s_overc s_overr s_mixed s_span s_above s_at <<<"$sink_stats"
    [ "$sent" = "$MESSAGES" ] || fail "run $name: Facteur logged $sent status=sent of $MESSAGES"
    [ "$s_msgs" = "$MESSAGES" ] || fail "run $name: the sink took $s_msgs of $MESSAGES messages"
    [ "$s_sites" = "$DOMAINS" ] || fail "run $name: $s_sites of $DOMAINS sites got mail"
    [ "$s_mixed" = 0 ] || fail "run $name: $s_mixed sites got mail for other domains"
    [ "$other" = 0 ] || fail "run $name: $other deferred/bounced lines"
    [ "$err" = 0 ] || fail "run $name: $err ERROR/Exception lines in Facteur's log"
    [ "$s_overc" = 0 ] || fail "run $name: $s_overc sites had more than $c_limit connections open at once"
    [ "$s_overr" = 0 ] || fail "run $name: $s_overr sites took more than $w_limit messages in 60 s ($r_limit + $c_limit (the burst) + ${LATENCY_SLACK} s of latency)"
    [ "$mode" != limits ] || echo "$name: sites at the rate plus the burst ($((r_limit + c_limit))) or more in some 60 s: $s_at of $s_sites;" \
        "above it: $s_above (at most $s_max60; allowed with ${LATENCY_SLACK} s of latency: $w_limit)" >> "$WORK/limits.txt"
    {
        printf '%s: spool relocated %s long-queued messages; ' "$name" "$moved"
        [ "$postponed" = - ] || printf 'deliveries held back by shaping (DEBUG lines): %s, %s per message; ' "$postponed" \
            "$(awk -v p="$postponed" -v m="$MESSAGES" 'BEGIN { printf "%.2f", p / m }')"
        printf 'CPU s by thread at the last delivery: %s\n' "$(head -n 8 "$WORK/threads-$name.tsv" | tr '\t\n' ' ,' | sed 's/,$//; s/,/, /g')"
    } >> "$WORK/notes.txt"
    local wall deliv cpu_all cpu_deliv cpu_idle machine
    wall=$(elapsed "$t_start" "$t_last")
    deliv=$(elapsed "$t_first" "$t_last")
    cpu_all=$(( c_last * TICK_MS ))                 # ms, from the JVM's start to the last delivery
    cpu_deliv=$(( (c_last - c_first) * TICK_MS ))  # ms, from the first delivery to the last
    cpu_idle=$(( (c_idle - c_last) * TICK_MS ))    # ms, in IDLE_SECONDS after the last delivery
    machine=$(( (b_last - b_first) * TICK_MS ))    # ms, every process, first delivery to last
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
        "$mode" "$r" "$status" "$sent" "$s_msgs" "$wall" "$deliv" "$cpu_all" "$cpu_deliv" "$cpu_idle" \
        "$s_conns" "$s_maxopen" "$s_max60" "$s_maxpc" "$s_span" "$warn" "$shaping_lines" "$((rss / 1024))" \
        "$sink_cpu" "$machine" >> "$RESULTS"
    log "run $name: $sent delivered (sink $s_msgs) in $wall s (first to last $deliv s);" \
        "Facteur CPU $((cpu_all / 1000)) s in all, $(per1000 "$cpu_deliv") s per 1000 messages delivered;" \
        "per site: at most $s_maxopen connections at once, $s_max60 messages in 60 s"
    rm -rf "$data"
}

for r in $(seq "$ROUNDS"); do
    for m in $MODES; do run "$m" "$r"; done
done

# ---------------------------------------------------------------- table
STAMP=$(date +%Y%m%d-%H%M%S)
OUT="$BENCH/results/shaping-$STAMP.txt"
mkdir -p "$BENCH/results"
secs() { awk -v c="$1" 'BEGIN { printf "%.1f", c / 1000 }'; }  # ms -> s
{
    echo "Traffic shaping at volume, $(date '+%Y-%m-%d %H:%M:%S %Z')"
    echo "host $(hostname), $(nproc) cores, load average at the end $(cut -d' ' -f1-3 /proc/loadavg); commit $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo none)"
    echo "$MESSAGES messages of $SIZE bytes, one recipient each, $PER_DOMAIN for each of $DOMAINS domains dN.test (MX mx.dN.test at an"
    echo "address of its own, 127.7.x.y: one site per domain), queued first with delivery off (in $FEED_S s by $FEEDERS smtp-source -d -s $FEED_SESSIONS"
    echo "at once), then delivered by a fresh Facteur on a copy of that spool ([delivery] max_parallel 100, max_per_destination 10: defaults)."
    echo "off:      [shaping] enabled = false"
    echo "defaults: shaping on as shipped (connections = 20, messages_per_connection = 100, no rate, adaptive)"
    echo "limits:   [shaping] connections = $CONNECTIONS, messages_per_minute = $RATE (the rest as shipped)"
    echo "wall: Facteur's start to the last delivery; deliv: first delivery to the last. CPU: Facteur's utime + stime (/proc/PID/stat):"
    echo "all = from the JVM's start to the last delivery (spool recovery included), per 1000 = first delivery to last per 1000 messages,"
    echo "idle = in the $IDLE_SECONDS s after the last delivery; sink = the counting sink's CPU; machine = all CPUs busy, first to last delivery."
    echo "At the sink, per site: max open = most connections open at once, max 60s = most messages taken in any 60 s, max/conn = most on one"
    echo "connection, span = first to last message (mean over sites). peak RSS: Facteur's VmHWM."
    [ -z "$FACTEUR_DELIVERY_EXTRA" ] || echo "EXPERIMENT: [delivery] also has: $FACTEUR_DELIVERY_EXTRA"
    [ "$COUNT_POSTPONED" != 1 ] || echo "EXPERIMENT: facteur.delivery logged at DEBUG in the runs (one line per delivery held back), which costs some CPU"
    echo
    printf '%-8s %5s %6s %13s %7s %7s %8s %10s %6s %7s %9s %6s %8s %7s %8s %8s %5s %5s\n' mode round status delivered wall deliv "CPU all" "per 1000" idle sink machine conns "max open" "max 60s" "max/conn" span warn "RSS MB"
    while IFS=$'\t' read -r mode r status sent smsgs wall deliv call cdel cidle conns maxopen max60 maxpc span warn sl rss scpu mach; do
        printf '%-8s %5s %6s %13s %6ss %6ss %7ss %9ss %5ss %6ss %8ss %6s %8s %7s %8s %7ss %5s %5s\n' "$mode" "$r" "$status" "$sent/$smsgs" "$wall" "$deliv" \
            "$(secs "$call")" "$(per1000 "$cdel")" "$(awk -v c="$cidle" 'BEGIN { printf "%.2f", c / 1000 }')" "$(secs "$scpu")" "$(secs "$mach")" \
            "$conns" "$maxopen" "$max60" "$maxpc" "$span" "$warn" "$rss"
    done < "$RESULTS"
    echo
    declare -A CPU WALL
    while IFS=$'\t' read -r mode r status sent smsgs wall deliv call cdel rest; do
        [ "$status" = ok ] || { cdel=ERR; wall=ERR; }
        CPU[$mode]+=" $([ "$cdel" = ERR ] && echo ERR || per1000 "$cdel")"; WALL[$mode]+=" $wall"
    done < "$RESULTS"
    off_cpu=""
    [ -z "${CPU[off]:-}" ] || off_cpu=$(MEDIAN_FMT=%.2f median ${CPU[off]})
    for m in $MODES; do
        med=$(MEDIAN_FMT=%.2f median ${CPU[$m]})
        echo "$m: Facteur CPU s per 1000 messages delivered $med (runs:${CPU[$m]})$([ -z "$off_cpu" ] || [ "$m" = off ] || echo ", x$(ratio "$med" "$off_cpu") off"); wall s $(median ${WALL[$m]})"
    done
    echo "pacing bound of limits: $PER_DOMAIN messages at $RATE a minute with a burst of $CONNECTIONS take at least" \
        "$(awk -v n="$PER_DOMAIN" -v r="$RATE" -v c="$CONNECTIONS" 'BEGIN{printf "%.0f", (n - c) * 60 / r}') s a site;" \
        "$DOMAINS sites at $RATE a minute: $(awk -v d="$DOMAINS" -v r="$RATE" 'BEGIN{printf "%.0f", d * r / 60}') messages a second in all"
    [ ! -s "$WORK/limits.txt" ] || cat "$WORK/limits.txt"
    [ ! -s "$WORK/notes.txt" ] || cat "$WORK/notes.txt"
    for f in "$WORK"/facteur-*-[0-9]*.log; do
        n=$(grep -cF ' facteur.shaping: ' "$f" || true)
        w=$(grep -c ' WARN ' "$f" || true)
        [ "$n" = 0 ] && [ "$w" = 0 ] && continue
        echo "$(basename "$f"): $n facteur.shaping lines, $w WARN lines; the first:"
        grep -m 5 -E ' facteur\.shaping: | WARN ' "$f" | sed 's/^/    /' || true
    done
    if [ $ERRORS -gt 0 ]; then echo; echo "ERRORS: $ERRORS"; cat "$WORK/errors.txt"; fi
} > "$WORK/table.txt"
cp "$WORK/table.txt" "$OUT"
echo
cat "$OUT"
echo
echo "written to ${OUT#"$REPO"/}"
[ $ERRORS -eq 0 ] || exit 1
