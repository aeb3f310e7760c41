#!/usr/bin/env bash
# Heap held by idle SMTP connections, and their release by the timeout.
#
#   bench/idle-connections.sh [N]        # default 10000
#
# Starts Facteur (-Xmx512m, SMTP on 127.0.0.1:2528, delivery off) and, in a separate process,
# bench/idle_clients.py, which opens N connections spread over 127.0.0.2, .3, ... (50 per address,
# the default per-address limit), reads each greeting and then sends nothing. With all N open it
# measures the heap used after a full GC (jcmd GC.run, GC.heap_info) and the connections the kernel
# shows; then it waits until the server has cut every one of them (they never send MAIL, so
# command_timeout_before_mail, HOLD, default 90s, applies) and measures again.
# Results: bench/results/idle-connections-<date>.txt.
set -euo pipefail

export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
[ "${1:-}" != -h ] && [ "${1:-}" != --help ] || { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0; }
N=${1:-10000}
PER_ADDRESS=50
HOLD=${HOLD:-90s}
XMX=${XMX:-512m}
ADDR=127.0.0.1:2528
JCMD="$JAVA_HOME/bin/jcmd"

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
die() { echo "${0##*/}: $*" >&2; exit 1; }

# Both processes hold N sockets.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" -ge $((N + 1000)) ] || die "ulimit -n is $(ulimit -n); $((N + 1000)) file descriptors are needed"
[ $((N / PER_ADDRESS)) -le 250 ] || die "at most $((250 * PER_ADDRESS)) connections (127.0.0.2 to 127.0.0.251)"
(exec 3<>"/dev/tcp/${ADDR%:*}/${ADDR#*:}") 2>/dev/null && die "something already listens on $ADDR"

log "building Facteur if needed (bin/facteur --help)"
bin/facteur --help >/dev/null

WORK=$(mktemp -d /tmp/facteur-idle.XXXXXX)
FACTEUR_PID=""
cleanup() {
    if [ -n "$FACTEUR_PID" ] && kill -0 "$FACTEUR_PID" 2>/dev/null; then
        kill "$FACTEUR_PID" 2>/dev/null || true
        wait "$FACTEUR_PID" 2>/dev/null || true
    fi
    if [ -n "${KEEP_WORK:-}" ]; then echo "work dir kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat > "$WORK/facteur.toml" <<EOF
hostname = "idle.bench.test"
data_dir = "$WORK/data"
[smtp]
listen = ["$ADDR"]
max_connections = $((N * 2))        # the reserve (a tenth) stays above N
max_connections_per_ip = $PER_ADDRESS
command_timeout_before_mail = "$HOLD"
[delivery]
enabled = false
[admin]
listen = "127.0.0.1:0"
EOF

log "starting Facteur on $ADDR (-Xmx$XMX)"
FACTEUR_JAVA_OPTS="-Xmx$XMX" bin/facteur serve --config "$WORK/facteur.toml" > "$WORK/facteur.log" 2>&1 &
FACTEUR_PID=$!
for _ in $(seq 150); do
    (exec 3<>"/dev/tcp/${ADDR%:*}/${ADDR#*:}") 2>/dev/null && break
    kill -0 "$FACTEUR_PID" 2>/dev/null || { cat "$WORK/facteur.log" >&2; die "Facteur did not start"; }
    sleep 0.2
done
# bin/facteur execs java: the pid is the JVM's.

heap_used_mib() { # full GC, then the heap in use
    "$JCMD" "$FACTEUR_PID" GC.run >/dev/null
    "$JCMD" "$FACTEUR_PID" GC.heap_info | awk '/used/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?$/, "", v); printf "%.1f\n", v / 1024; exit } }'
}
established() {
    ss -Htn state established "( sport = :${ADDR#*:} )" | wc -l
}

BEFORE=$(heap_used_mib)
log "heap used before: $BEFORE MiB; opening $N idle connections"
python3 bench/idle_clients.py "$ADDR" "$N" "$PER_ADDRESS" "$WORK/ready" > "$WORK/clients.json" 2> "$WORK/clients.err" &
CLIENTS_PID=$!
while [ ! -s "$WORK/ready" ]; do
    kill -0 "$CLIENTS_PID" 2>/dev/null || { cat "$WORK/clients.err" >&2; die "the client died"; }
    sleep 0.5
done
READY=$(cat "$WORK/ready")
OPEN=$(established)
HELD=$(heap_used_mib)
HISTO=$("$JCMD" "$FACTEUR_PID" GC.class_histogram | sed -n '1,18p')
log "all open ($READY); $OPEN established; heap used $HELD MiB; waiting for the timeout ($HOLD)"
wait "$CLIENTS_PID" || { cat "$WORK/clients.err" >&2; die "the client failed"; }
LEFT=$(established)
AFTER=$(heap_used_mib)
ERRORS=$(grep -cE ' ERROR |Exception|OutOfMemory' "$WORK/facteur.log" || true)
kill -0 "$FACTEUR_PID" 2>/dev/null || die "Facteur is gone"

val() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, d))' "$WORK/clients.json" "$1"; }
GREETED=$(val greeted)
PER_CONN=$(python3 -c "print(round(($HELD - $BEFORE) * 1048576 / max(1, $GREETED)))")
STAMP=$(date +%Y%m%d-%H%M%S)
mkdir -p bench/results
OUT="bench/results/idle-connections-$STAMP.txt"
{
    echo "Facteur idle connections benchmark, $(date '+%Y-%m-%d %H:%M:%S %Z')"
    echo "host $(hostname), $(nproc) cores; commit $(git rev-parse --short HEAD 2>/dev/null || echo none)$(git diff --quiet HEAD -- src 2>/dev/null || echo ' with uncommitted changes to src'); $("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 2p)"
    echo "Facteur -Xmx$XMX, default GC; $N connections from $((N / PER_ADDRESS)) addresses (127.0.0.2..), $PER_ADDRESS each,"
    echo "by bench/idle_clients.py (python3 asyncio, another process); each reads the greeting and sends nothing."
    echo "Heap: used after a full GC (jcmd GC.run; GC.heap_info)."
    echo
    printf '%-44s %s\n' "connections greeted (220)" "$GREETED of $N"
    printf '%-44s %s\n' "refused / connect errors" "$(val refused) / $(val connect_errors)"
    printf '%-44s %s s\n' "time to open them all" "$(val opened_in_s)"
    printf '%-44s %s\n' "established (ss) with all open" "$OPEN"
    printf '%-44s %s MiB\n' "heap used before" "$BEFORE"
    printf '%-44s %s MiB\n' "heap used with all open" "$HELD"
    printf '%-44s %s bytes\n' "per connection" "$PER_CONN"
    printf '%-44s %s\n' "last reply before the server closed" "$(val last_reply)"
    printf '%-44s %s\n' "held for (s, from greeting to close)" "$(val held_s)"
    printf '%-44s %s\n' "established (ss) afterwards" "$LEFT"
    printf '%-44s %s MiB\n' "heap used afterwards" "$AFTER"
    printf '%-44s %s\n' "ERROR/Exception lines in Facteur's log" "$ERRORS"
    echo
    echo "Class histogram with all open (top):"
    echo "$HISTO"
} > "$OUT"
cat "$OUT"
log "written to $OUT"
[ "$GREETED" = "$N" ] && [ "$LEFT" = 0 ] && [ "$ERRORS" = 0 ] || die "not every connection was served and released cleanly"
