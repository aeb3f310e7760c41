#!/usr/bin/env bash
# The baseline for crash-duplicates.sh: the same crash, with Postfix in Facteur's place.
# smtp-source -> private Postfix -> smtp-sink, every Postfix process killed with SIGKILL in the
# middle of delivery, Postfix started again on the same queue, queue drained; duplicates and
# losses counted at the sink.
#
#   bench/crash-duplicates-postfix.sh [--runs N] [--count N] [--parallel N]
#
# Postfix (bench/lib.sh's private instance) listens on 127.0.0.1:2536 and relays everything to
# [127.0.0.9]:2527, an `smtp-sink -d` that dumps every transaction to a file (no DNS), with
# default_destination_concurrency_limit = N (default 100), so N deliveries can be under way as
# with Facteur's max_per_destination. One run: smtp-source hands over COUNT messages of 4 KB in
# 50 sessions while the sink is still down, so they wait in the deferred queue; then the sink
# starts and `postqueue -f` makes them all due. Once the sink holds COUNT/2 transactions, every
# process of the instance (master's session) gets SIGKILL; Postfix is started again, flushed
# again, and the queue drains. Through the kill a second smtp-source keeps sending mail for a
# domain whose mail is put on hold (check_recipient_access ... HOLD): content for the queue's
# disk, never delivered. Each message is known at the sink by the Postfix queue id in its
# Received header: duplicates = transactions - distinct ids, losses = COUNT - distinct ids.
# A duplicate whose `status=sent` line the killed Postfix had logged lost its record after the
# 250; the others were in the peer's window (RFC 1047).
# Needs root. Loopback only. Results in bench/results/crash-duplicates-postfix-*.txt.
set -euo pipefail
export LC_ALL=C
REPO=$(cd "$(dirname "$0")/.." && pwd)
BENCH="$REPO/bench"
RUNS=5
COUNT=6000
PARALLEL=100
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS="$2"; shift ;;
        --count) COUNT="$2"; shift ;;
        --parallel) PARALLEL="$2"; shift ;;
        -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "crash-duplicates-postfix.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

POSTFIX=/usr/sbin/postfix
POSTQUEUE=/usr/sbin/postqueue
POSTFIX_ADDR=127.0.0.1:2536
SINK_ADDR=127.0.0.9:2527     # lib.sh's relayhost
SENDER=sender@example.test
RCPT=rcpt@example.org
HELD_RCPT=kept@held.example
HELO=client.bench.test
SMTP_SOURCE=/usr/sbin/smtp-source
SMTP_SINK=/usr/sbin/smtp-sink
DRAIN_LIMIT=${DRAIN_LIMIT:-600}

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ "$(id -u)" = 0 ] || die "must run as root (Postfix, smtp-sink -u nobody)"
for t in "$SMTP_SOURCE" "$SMTP_SINK" "$POSTFIX" "$POSTQUEUE"; do [ -x "$t" ] || die "missing $t (Debian package postfix)"; done
for a in "$POSTFIX_ADDR" "$SINK_ADDR"; do ! port_open "$a" || die "$a is already in use"; done

bench_workdir postfix-crash

sink_ids() { # dumpdir -> one queue id per received transaction
    find "$1" -type f -name '*.*' ! -name '*.log' -print0 \
        | xargs -0 -r grep -h -m1 -o '(Postfix) with [A-Z]* id [0-9A-Za-z]*' | awk '{ print $NF }'
}
flush() { "$POSTQUEUE" -c "$PF/etc" -f; }
waiting() { # messages for the sink still queued (not the held ones, nor the background's half-received ones)
    "$POSTQUEUE" -c "$PF/etc" -p 2>/dev/null | grep -c "$RCPT" || true
}
kill_postfix() { # SIGKILL to master and everything it started (master runs in a session of its own)
    local mpid
    mpid=$(tr -dc 0-9 < "$PF/spool/pid/master.pid")
    pkill -KILL -s "$mpid" || true
    while pgrep -s "$mpid" >/dev/null; do sleep 0.05; done
}

EXTRA="default_destination_concurrency_limit = $PARALLEL
smtpd_recipient_restrictions = check_recipient_access inline:{ held.example=HOLD }, permit_mynetworks, reject_unauth_destination"

DUPS=(); LOSSES=(); LATE=(); RATES=()
for run in $(seq "$RUNS"); do
    R="$WORK/run$run"
    rm -rf "$PF"
    mkdir -p "$R/dump"
    chmod 777 "$R/dump"
    start_private_postfix "$EXTRA"
    log "run $run: feeding $COUNT messages (the sink is down: they wait)"
    "$SMTP_SOURCE" -s 50 -m "$COUNT" -l 4096 -M "$HELO" -f "$SENDER" -t "$RCPT" "$POSTFIX_ADDR" \
        >"$R/feed.out" 2>"$R/feed.err" || die "smtp-source failed: $(head -n 5 "$R/feed.err")"
    [ ! -s "$R/feed.err" ] || die "smtp-source reported errors: $(head -n 5 "$R/feed.err")"
    # every message has had its first (failed) attempt: none is on its way when the sink starts
    end=$((SECONDS + DRAIN_LIMIT))
    while [ "$(find "$PF/spool/maildrop" "$PF/spool/incoming" "$PF/spool/active" -type f | wc -l)" -gt 0 ]; do
        [ $SECONDS -lt $end ] || die "run $run: messages still active before the sink starts"
        sleep 0.5
    done

    crash_deliver_half "$R" "$POSTFIX_ADDR"
    kill_postfix
    sleep 0.5
    kill -TERM -- "-$BG_PGID" 2>/dev/null || true
    cp "$PF/log/maillog" "$R/maillog-1"
    log "run $run: killed with $BEFORE delivered ($(crash_sink_count "$R/dump") once the connections closed); restarting"

    # with postlogd dead, the start's postsuper (running as postfix) writes the log file itself
    chown postfix "$PF/log" "$PF/log/maillog"
    "$POSTFIX" -c "$PF/etc" start >"$R/postfix-restart.log" 2>&1 || { cat "$R/postfix-restart.log" >&2; die "Postfix did not restart"; }
    wait_port "$POSTFIX_ADDR" 30 || die "Postfix does not listen after the restart"
    flush || die "run $run: flush after the restart failed"
    end=$((SECONDS + DRAIN_LIMIT))
    next_flush=$((SECONDS + 5))
    while [ "$(waiting)" -gt 0 ]; do
        [ $SECONDS -lt $end ] || { tail -n 20 "$PF/log/maillog" >&2; die "run $run: queue not drained after $DRAIN_LIMIT s"; }
        # what was deferred again at the restart (its connections died with the kill) waits for its
        # back-off time unless flushed again
        if [ $SECONDS -ge $next_flush ]; then flush || true; next_flush=$((SECONDS + 5)); fi
        sleep 1
    done
    "$POSTFIX" -c "$PF/etc" stop >/dev/null 2>&1 || true
    for _ in $(seq 100); do [ -e "$PF/spool/pid/master.pid" ] && pgrep -s "$(tr -dc 0-9 < "$PF/spool/pid/master.pid")" >/dev/null || break; sleep 0.1; done
    kill -TERM -- "-$SINK_PGID"
    sleep 0.3

    sink_ids "$R/dump" | sort > "$R/ids"
    grep -o 'postfix-bench/smtp\[[0-9]*\]: [0-9A-Za-z]*: to=<[^>]*>,.* status=sent ' "$R/maillog-1" \
        | awk '{ print substr($2, 1, length($2) - 1) }' | sort -u > "$R/sent-before-kill"
    crash_count "$R" "run $run"
    rm -rf "$R/dump"
done

STAMP=$(date +%Y%m%d-%H%M%S)
OUT="$BENCH/results/crash-duplicates-postfix-$STAMP.txt"
mkdir -p "$BENCH/results"
{
    echo "Duplicate deliveries after kill -9 of every Postfix process (smtp-source -> Postfix -> smtp-sink), $(date '+%Y-%m-%d %H:%M:%S %Z')"
    echo "host $(hostname), $(nproc) cores; Postfix $(postconf -d -h mail_version 2>/dev/null)"
    echo "default_destination_concurrency_limit = $PARALLEL; $COUNT messages of 4 KB per run (50 sessions) queued, then flushed;"
    echo "kill -9 once $((COUNT / 2)) are delivered, restart, flush, drain"
    echo "background load through the kill: smtp-source -s 10 to a domain put on hold"
    crash_summary Postfix
} | tee "$OUT"
echo "written to ${OUT#"$REPO"/}"
