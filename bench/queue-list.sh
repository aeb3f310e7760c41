#!/usr/bin/env bash
# How long `facteur queue list` (text and --json) takes over a large queue.
#
#   bench/queue-list.sh [--n N] [--runs R] [--data DIR] [--keep] [--compare LAUNCHER]
#
# Fills a spool of N queued messages (default 1000000) with bench/QueueListSpool.java (through
# LogSpool, as a server writes: 1-3 recipients, 40 % deferred with a diagnostic, 5 % held, and
# removed messages in the log between them), in /dev/shm when it has room for it, else in /tmp.
# Then times `bin/facteur queue list --config FILE > /dev/null` and `... --json`, R runs each
# (default 5, after one untimed run that also checks the output: the message count of the text
# summary line and of the JSON array against what the generator wrote). Wall time and peak RSS.
# --data DIR: use (or, when empty, fill and keep) the data directory DIR instead of a new one.
# --keep: keep the new data directory. --compare LAUNCHER: time another build's launcher (say the
# bin/facteur of a checkout of main) on the same spool, alternating with this one, and print the
# ratios. FACTEUR_JAVA_OPTS is passed through. Results: bench/results/queue-list-<date>.txt.
set -euo pipefail

export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
N=1000000
RUNS=5
DATA=""
KEEP=0
COMPARE=""
while [ $# -gt 0 ]; do
    case "$1" in
        --n) N="$2"; shift ;;
        --runs) RUNS="$2"; shift ;;
        --data) DATA="$2"; shift ;;
        --keep) KEEP=1 ;;
        --compare) COMPARE="$2"; shift ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "queue-list.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
die() { echo "queue-list.sh: $*" >&2; exit 1; }

log "building Facteur if needed (bin/facteur --help)"
bin/facteur --help >/dev/null
[ -z "$COMPARE" ] || [ -x "$COMPARE" ] || die "--compare $COMPARE: not an executable"
"$COMPARE" --help >/dev/null 2>&1 || true   # a checkout's launcher builds on first use

# About 2.6 KB a message on disk; room for it twice over, or /tmp.
need_kib=$((N * 6))
if [ -z "$DATA" ]; then
    shm_kib=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 {print $4}')
    if [ -n "$shm_kib" ] && [ "$shm_kib" -gt "$need_kib" ]; then base=/dev/shm; else base=/tmp; fi
    DATA=$(mktemp -d "$base/facteur-queue-list.XXXXXX")
    [ $KEEP = 1 ] || trap 'rm -rf "$DATA"' EXIT
fi
mkdir -p "$DATA"
WHERE=$(df -P "$DATA" | awk 'NR == 2 {print $1 " on " $6}')
EXPECT_FILE="$DATA/expect.txt"
if [ ! -f "$EXPECT_FILE" ]; then
    [ ! -e "$DATA/spool" ] || die "$DATA/spool exists but $EXPECT_FILE does not: not a spool this script filled"
    log "filling $DATA/spool with $N messages ($WHERE)"
    "$JAVA_HOME/bin/java" -Xmx2g -cp "target/classes:target/lib/*" bench/QueueListSpool.java "$N" "$DATA/spool" \
        | tee "$DATA/fill.log" | grep -v '^EXPECT' >&2
    grep '^EXPECT' "$DATA/fill.log" > "$EXPECT_FILE"
fi
EXPECT=$(cat "$EXPECT_FILE")
expected() { sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p" <<<"$EXPECT"; }
N=$(expected messages)
CONFIG="$DATA/facteur.toml"
echo "data_dir = '$DATA'" > "$CONFIG"
SPOOL_MIB=$(du -sm "$DATA/spool" | cut -f1)

# run LAUNCHER MODE OUT: one listing; prints "seconds max_rss_kib"
run() {
    local launcher=$1 mode=$2 out=$3 t0 t1
    local args=(queue list --config "$CONFIG")
    [ "$mode" = text ] || args+=(--json)
    t0=$(date +%s%N)
    /usr/bin/time -f '%M' -o "$DATA/rss" "$launcher" "${args[@]}" > "$out" 2> "$DATA/stderr" \
        || { cat "$DATA/stderr" >&2; die "$launcher ${args[*]} failed"; }
    t1=$(date +%s%N)
    echo "$(awk -v ns=$((t1 - t0)) 'BEGIN {printf "%.2f", ns / 1e9}') $(tail -n 1 "$DATA/rss")"
}

check() { # LAUNCHER: the untimed first run of each mode, whose output is checked
    local launcher=$1 got
    run "$launcher" text "$DATA/out.txt" > /dev/null
    got=$(tail -n 1 "$DATA/out.txt")
    [[ $got == "-- $N messages, $(expected bytes) bytes" ]] || die "$launcher: text ends with \"$got\", not $N messages"
    run "$launcher" json "$DATA/out.json" > /dev/null
    got=$(jq length "$DATA/out.json")
    [ "$got" = "$N" ] || die "$launcher: the JSON array holds $got messages, not $N"
    got=$(jq '[.[].recipients | length] | add' "$DATA/out.json")
    [ "$got" = "$(expected recipients)" ] || die "$launcher: $got recipients in the JSON, not $(expected recipients)"
    rm -f "$DATA/out.txt" "$DATA/out.json"
}

LAUNCHERS=("$REPO/bin/facteur")
[ -z "$COMPARE" ] || LAUNCHERS+=("$COMPARE")
for l in "${LAUNCHERS[@]}"; do log "checking the output of $l"; check "$l"; done

declare -A TIMES RSS
for r in $(seq "$RUNS"); do
    for mode in text json; do
        for i in "${!LAUNCHERS[@]}"; do
            read -r s kib < <(run "${LAUNCHERS[$i]}" "$mode" /dev/null)
            TIMES[$i,$mode]+="$s "
            RSS[$i,$mode]+="$kib "
            log "run $r $mode ${LAUNCHERS[$i]}: $s s, $((kib / 1024)) MiB"
        done
    done
done

stats() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR] = $1} END {printf "%6.2f %6.2f %6.2f", v[1], v[int((NR + 1) / 2)], v[NR]}'; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

STAMP=$(date +%Y%m%d-%H%M%S)
OUT=$(mktemp)
{
    echo "Facteur queue list benchmark, $(date '+%Y-%m-%d %H:%M:%S %Z')"
    echo "host $(hostname), $(nproc) cores; commit $(git rev-parse --short HEAD 2>/dev/null || echo none); $("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 2p)"
    echo "$N messages, $(expected recipients) recipients ($(expected deferred) deferred, $(expected delivered) delivered, $(expected held) messages held);"
    echo "spool $SPOOL_MIB MiB in $DATA ($WHERE); output to /dev/null; $RUNS timed runs each, alternating; FACTEUR_JAVA_OPTS=${FACTEUR_JAVA_OPTS-unset}"
    echo
    printf '%-40s %-5s %20s %14s\n' launcher mode "seconds min/med/max" "max RSS MiB"
    for i in "${!LAUNCHERS[@]}"; do
        for mode in text json; do
            printf '%-40s %-5s %20s %14s\n' "$(tail -c 41 <<<"${LAUNCHERS[$i]}")" "$mode" "$(stats <<<"${TIMES[$i,$mode]}")" \
                "$(( $(median <<<"${RSS[$i,$mode]}") / 1024 ))"
        done
    done
    if [ -n "$COMPARE" ]; then
        echo
        for mode in text json; do
            echo "$mode: --compare / this = $(awk -v a="$(median <<<"${TIMES[1,$mode]}")" -v b="$(median <<<"${TIMES[0,$mode]}")" \
                'BEGIN {printf "%.1f", a / b}') (medians)"
        done
    fi
    for i in "${!LAUNCHERS[@]}"; do
        echo "RESULT launcher=${LAUNCHERS[$i]} n=$N text_s=$(median <<<"${TIMES[$i,text]}") json_s=$(median <<<"${TIMES[$i,json]}")"
    done
} > "$OUT"
mkdir -p bench/results
cp "$OUT" "bench/results/queue-list-$STAMP.txt"
rm -f "$OUT"
echo
cat "bench/results/queue-list-$STAMP.txt"
echo
echo "written to bench/results/queue-list-$STAMP.txt"
