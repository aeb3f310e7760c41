#!/usr/bin/env bash
# Heap and restart time of a queue of deferred messages (bench/QueueHeap.java).
#
#   bench/queue-heap.sh [N ...]        # default: 100000 300000 1000000
#
# For each N: a first JVM fills a fresh LogSpool under /tmp with N deferred messages (1 KB,
# 1-2 recipients, 50 committing virtual threads; heap FILL_XMX, default 4g, so that the fill
# itself never limits the test), then a second JVM with -Xmx1g (MEASURE_XMX) reopens it, starts a
# QueueManager on it and reports heap used after GC, recovery and start times, and a class
# histogram. The spool is deleted afterwards. Results: bench/results/queue-heap-<date>.txt.
set -euo pipefail

export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
[ "${1:-}" != -h ] && [ "${1:-}" != --help ] || { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0; }
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(100000 300000 1000000)
FILL_XMX=${FILL_XMX:-4g}
MEASURE_XMX=${MEASURE_XMX:-1g}

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

log "building Facteur if needed (bin/facteur --help)"
bin/facteur --help >/dev/null
CP="target/classes:target/lib/*"
JAVA="$JAVA_HOME/bin/java"

WORK=$(mktemp -d /tmp/facteur-queue-heap.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
STAMP=$(date +%Y%m%d-%H%M%S)
OUT="$WORK/report.txt"
{
    echo "Facteur queue heap benchmark, $(date '+%Y-%m-%d %H:%M:%S %Z')"
    echo "host $(hostname), $(nproc) cores; commit $(git rev-parse --short HEAD 2>/dev/null || echo none); $("$JAVA" -version 2>&1 | sed -n 2p)"
    echo "N deferred messages (1 KB content, 1-2 recipients, 1 attempt, next attempt in 1 h), filled by one JVM"
    echo "(-Xmx$FILL_XMX, 50 virtual threads committing); then a second JVM (-Xmx$MEASURE_XMX, default GC)"
    echo "reopens the spool (recovery) and starts a QueueManager (all scheduled, none due); heap used after 3x System.gc()."
    echo
    printf '%-9s %9s %9s %10s %9s %9s %9s %11s %9s   %s\n' N "fill/s" "disk MiB" "recovery s" "start s" \
        "heap MiB" "B/msg" "(index+due)" "fill MiB" "fits -Xmx$MEASURE_XMX"
} > "$OUT"
HISTOS="$WORK/histograms.txt"
: > "$HISTOS"
FAILED=0

for n in "${SIZES[@]}"; do
    dir="$WORK/spool-$n"
    log "N=$n: filling $dir"
    "$JAVA" "-Xmx$FILL_XMX" -cp "$CP" bench/QueueHeap.java "$n" fill "$dir" > "$WORK/fill-$n.log" 2>&1 \
        || { tail -n 20 "$WORK/fill-$n.log" >&2; echo "fill of $n failed" >&2; FAILED=1; rm -rf "$dir"; continue; }
    grep -v '^RESULT' "$WORK/fill-$n.log" | grep -v ' INFO ' >&2 || true
    log "N=$n: measuring in a fresh JVM (-Xmx$MEASURE_XMX)"
    rc=0
    timeout 1800 "$JAVA" "-Xmx$MEASURE_XMX" -cp "$CP" bench/QueueHeap.java "$n" measure "$dir" > "$WORK/measure-$n.log" 2>&1 || rc=$?
    grep -v ' INFO ' "$WORK/measure-$n.log" >&2 || true
    rm -rf "$dir"
    F=$(sed -n 's/^RESULT fill_/fill_/p' "$WORK/fill-$n.log")
    M=$(sed -n 's/^RESULT n=/n=/p' "$WORK/measure-$n.log")
    val() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }
    if [ $rc = 0 ] && [ -n "$M" ]; then
        printf '%-9s %9s %9s %10s %9s %9s %9s %11s %9s   %s\n' "$n" "$(val fill_rate "$F")" "$(val disk_mib "$M")" \
            "$(val recovery_s "$M")" "$(val start_s "$M")" "$(val heap_mib "$M")" "$(val bytes_per_msg "$M")" \
            "$(val spool_index_mib "$M")+$(val queue_mib "$M")" "$(val fill_heap_mib "$F")" yes >> "$OUT"
        { echo; echo "N=$n: $(grep -E '^(recovery|heap used|per message)' "$WORK/measure-$n.log" | paste -sd' ' -)";
          sed -n '/^class histogram/,$p' "$WORK/measure-$n.log" | grep -v ' INFO '; } >> "$HISTOS"
    else
        why=$(grep -m1 -oE 'OutOfMemoryError[^"]*|RESULT measure=OOM.*' "$WORK/measure-$n.log" || echo "exit $rc")
        printf '%-9s %9s %9s %10s %9s %9s %9s %11s %9s   %s\n' "$n" "$(val fill_rate "$F")" "-" "-" "-" "-" "-" "-" \
            "$(val fill_heap_mib "$F")" "NO ($why)" >> "$OUT"
        { echo; echo "N=$n: measure failed (exit $rc):"; grep -v ' INFO ' "$WORK/measure-$n.log" | tail -n 15; } >> "$HISTOS"
    fi
done

{
    echo
    echo "B/msg = (heap after QueueManager.start - heap before LogSpool.open) / N; (index+due) = MiB held by the"
    echo "LogSpool index and by the QueueManager's due queue; fill MiB = heap used by the filling JVM with the spool still open."
    cat "$HISTOS"
} >> "$OUT"
mkdir -p bench/results
cp "$OUT" "bench/results/queue-heap-$STAMP.txt"
echo
cat "$OUT"
echo
echo "written to bench/results/queue-heap-$STAMP.txt"
exit $FAILED
