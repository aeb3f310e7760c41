#!/usr/bin/env bash
# Where Facteur's CPU goes when it relays: smtp-source -> Facteur -> smtp-sink, one size and
# concurrency, after a warm-up; CPU microseconds per relayed message (user and system, from
# /proc) and a Java Flight Recorder profile of the measured part, summed up by stage.
#
#   bench/profile.sh [--size BYTES] [--sessions N] [--count N] [--warmup N] [--keep] [--jfr]
#
# Facteur listens on 127.0.0.1:2545 and relays everything to its smarthost [127.0.0.29]:2547
# (smtp-sink; no DNS). Defaults: 4096 bytes, 50 sessions, 20000 messages measured after 12000
# of warm-up (the JIT settles). The profiler is async-profiler (Maven Central, tools.profiler),
# loaded into the running JVM for the measured part only: it samples CPU time, kernel included,
# so socket and file system calls count under the stage that made them. --jfr uses the JDK's
# Flight Recorder instead (Java frames only). --keep keeps the raw profile (path printed).
# AP_EVENT and AP_INTERVAL choose async-profiler's event (e.g. AP_EVENT=syscalls:sys_enter_futex
# AP_INTERVAL=1 to see who makes every futex call). Results in bench/results/profile-<date>.txt.
# Needs root (smtp-sink -u nobody). Loopback only.
set -euo pipefail

export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
SIZE=4096; SESSIONS=50; COUNT=20000; WARMUP=12000; KEEP=0; USE_JFR=0
while [ $# -gt 0 ]; do
    case "$1" in
        --size) SIZE="$2"; shift ;;
        --sessions) SESSIONS="$2"; shift ;;
        --count) COUNT="$2"; shift ;;
        --warmup) WARMUP="$2"; shift ;;
        --keep) KEEP=1 ;;
        --jfr) USE_JFR=1 ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "profile.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

FACTEUR_ADDR=127.0.0.1:2545
SINK_ADDR=127.0.0.29:2547
SMTP_SOURCE=/usr/sbin/smtp-source
SMTP_SINK=/usr/sbin/smtp-sink
POSTFIX=/usr/sbin/postfix   # lib.sh's cleanup looks at it; no Postfix is started here
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ "$(id -u)" = 0 ] || die "must run as root (smtp-sink -u nobody)"
for a in "$FACTEUR_ADDR" "$SINK_ADDR"; do ! port_open "$a" || die "$a is already in use"; done
bench_workdir facteur-profile

start_group "$WORK/smtp-sink.log" "$SMTP_SINK" -u nobody "$SINK_ADDR" 1024
wait_port "$SINK_ADDR" 10 || die "smtp-sink did not start"

bin/facteur --help >/dev/null || die "bin/facteur --help failed"
mkdir -p "$WORK/data"
cat > "$WORK/facteur.toml" <<CONF
hostname = "bench.facteur.test"
data_dir = "$WORK/data"
[smtp]
listen = ["$FACTEUR_ADDR"]
max_connections = 2000
max_connections_per_ip = 1000
[relay]
networks = ["127.0.0.0/8"]
[delivery]
smarthost = "[${SINK_ADDR%:*}]:${SINK_ADDR#*:}"
max_parallel = 100
max_per_destination = 50
[admin]
listen = "127.0.0.1:0"
CONF
: > "$WORK/facteur.log"
start_group "$WORK/facteur.log" bin/facteur serve --config "$WORK/facteur.toml"
PID=$!
wait_port "$FACTEUR_ADDR" 60 || { tail -n 20 "$WORK/facteur.log" >&2; die "Facteur did not start"; }

sent() { grep -c ' status=sent ' "$WORK/facteur.log" || true; }
relay() { # count: sends and waits until all are delivered
    local before target
    before=$(sent); target=$((before + $1))
    "$SMTP_SOURCE" -s "$SESSIONS" -m "$1" -l "$SIZE" -M client.bench.test -f sender@example.test -t rcpt@example.org "$FACTEUR_ADDR" \
        > "$WORK/source.out" 2>&1 || die "smtp-source failed: $(head -n 3 "$WORK/source.out")"
    local end=$((SECONDS + 120))
    while [ "$(sent)" -lt "$target" ]; do [ $SECONDS -lt $end ] || die "deliveries stalled"; sleep 0.05; done
}
ticks() { awk '{print $14, $15}' "/proc/$PID/stat"; }

AP_VERSION=4.2
AP_LIB="$REPO/target/async-profiler-$AP_VERSION/libasyncProfiler.so"
if [ $USE_JFR = 0 ] && [ ! -f "$AP_LIB" ]; then
    log "fetching async-profiler $AP_VERSION from Maven Central"
    mvn -q -B dependency:copy -Dartifact="tools.profiler:async-profiler:$AP_VERSION" -DoutputDirectory="$WORK/ap" >/dev/null \
        || die "could not fetch tools.profiler:async-profiler:$AP_VERSION"
    mkdir -p "$(dirname "$AP_LIB")"
    unzip -p "$WORK/ap/async-profiler-$AP_VERSION.jar" linux-x64/libasyncProfiler.so > "$AP_LIB"
fi

log "warm-up: $WARMUP messages"
relay "$WARMUP"
if [ $USE_JFR = 1 ]; then
    JFC="$WORK/profile.jfc"
    # the JDK's profile settings, with Java samples every 2 ms
    "$JAVA_HOME/bin/jfr" configure --input profile method-profiling=max --output "$JFC" >/dev/null
    "$JAVA_HOME/bin/jcmd" "$PID" JFR.start name=measure settings="$JFC" >/dev/null
else
    "$JAVA_HOME/bin/jcmd" "$PID" JVMTI.agent_load "$AP_LIB" "\"start,event=${AP_EVENT:-cpu},interval=${AP_INTERVAL:-1ms},cstack=vm\"" >/dev/null
fi
read -r u0 s0 < <(ticks)
t0=$(date +%s.%N)
log "measured: $COUNT messages of $SIZE bytes, $SESSIONS sessions"
relay "$COUNT"
t1=$(date +%s.%N)
read -r u1 s1 < <(ticks)
if [ $USE_JFR = 1 ]; then
    RAW="$WORK/measure.jfr"
    "$JAVA_HOME/bin/jcmd" "$PID" JFR.stop name=measure filename="$RAW" >/dev/null
    "$JAVA_HOME/bin/jfr" print --events jdk.ExecutionSample --stack-depth 96 "$RAW" > "$WORK/samples.txt"
else
    RAW="$WORK/measure.collapsed"
    "$JAVA_HOME/bin/jcmd" "$PID" JVMTI.agent_load "$AP_LIB" "\"stop,file=$RAW,collapsed\"" >/dev/null
    cp "$RAW" "$WORK/samples.txt"
fi

TICK_US=$((1000000 / $(getconf CLK_TCK)))
STAMP=$(date +%Y%m%d-%H%M%S)
OUT="$REPO/bench/results/profile-$STAMP.txt"
{
    echo "Facteur CPU profile: smtp-source -> Facteur -> smtp-sink, $(date '+%Y-%m-%d %H:%M:%S %Z')"
    echo "host $(hostname), $(nproc) cores; commit $(git rev-parse --short HEAD 2>/dev/null || echo none)"
    echo "FACTEUR_JAVA_OPTS=${FACTEUR_JAVA_OPTS:-(unset)}"
    echo "$COUNT messages of $SIZE bytes, $SESSIONS sessions, after $WARMUP of warm-up; smarthost smtp-sink, no DNS"
    awk -v n="$COUNT" -v a="$t0" -v b="$t1" -v u=$(( (u1 - u0) * TICK_US )) -v s=$(( (s1 - s0) * TICK_US )) 'BEGIN {
        printf "throughput %.0f msg/s; Facteur CPU per relayed message: %.0f us (user %.0f, system %.0f)\n", n / (b - a), (u + s) / n, u / n, s / n }'
    echo
    python3 "$REPO/bench/profile_stages.py" "$([ $USE_JFR = 1 ] && echo jfr || echo collapsed)" "$WORK/samples.txt"
} | tee "$OUT"
if [ $KEEP = 1 ]; then cp "$RAW" "/tmp/profile-$STAMP.${RAW##*.}"; echo "raw profile: /tmp/profile-$STAMP.${RAW##*.}"; fi
log "written to $OUT"
