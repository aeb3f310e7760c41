# Shared by the benchmark scripts: logging, ports, the work folder and its cleanup, a private
# Postfix instance, and the statistics. Source it after setting POSTFIX, POSTQUEUE, POSTFIX_ADDR.
# shellcheck shell=bash

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
die() { echo "${0##*/}: $*" >&2; exit 1; }

port_open() { # host:port -> 0 if something accepts connections
    (exec 3<>"/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null
}
wait_port() { # host:port timeout_s
    local end=$((SECONDS + $2))
    while ! port_open "$1"; do
        [ $SECONDS -lt $end ] || return 1
        sleep 0.2
    done
}

# bench_workdir PREFIX: a world-readable temp folder (smtp-sink runs as nobody), removed on exit
# with everything started through start_group and the private Postfix.
bench_workdir() {
    WORK=$(mktemp -d "/tmp/$1.XXXXXX")
    chmod 755 "$WORK"
    PF="$WORK/postfix"
    PGIDS=()          # process groups we started (setsid), killed on exit
    POSTFIX_STARTED=0
    trap cleanup EXIT
    trap 'exit 130' INT TERM
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ $POSTFIX_STARTED = 1 ]; then
        "$POSTFIX" -c "$PF/etc" stop >/dev/null 2>&1 || "$POSTFIX" -c "$PF/etc" abort >/dev/null 2>&1 || true
        # master exits asynchronously; wait a little, then kill leftovers of this instance only
        for _ in $(seq 50); do [ -e "$PF/spool/pid/master.pid" ] || break; sleep 0.1; done
        local mpid
        mpid=$(tr -dc 0-9 < "$PF/spool/pid/master.pid" 2>/dev/null || true)
        if [ -n "$mpid" ] && kill -0 "$mpid" 2>/dev/null; then
            pkill -KILL -P "$mpid" 2>/dev/null || true
            kill -KILL "$mpid" 2>/dev/null || true
        fi
    fi
    for g in "${PGIDS[@]}"; do
        kill -TERM -- "-$g" 2>/dev/null || true
    done
    sleep 0.3
    for g in "${PGIDS[@]}"; do
        kill -KILL -- "-$g" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    if [ -n "${KEEP_WORK:-}" ]; then echo "work dir kept: $WORK" >&2; else rm -rf "$WORK"; fi
    exit $rc
}

start_group() { # logfile cmd... : start cmd in its own process group, remember it
    local logf=$1; shift
    setsid "$@" >"$logf" 2>&1 </dev/null &
    PGIDS+=($!)
}

# start_private_postfix [EXTRA_MAIN_CF_LINES]: smtpd on $POSTFIX_ADDR relaying to [127.0.0.9]:2527
start_private_postfix() {
    local extra=${1:-}
    log "starting private Postfix on $POSTFIX_ADDR"
    mkdir -p "$PF/etc" "$PF/spool" "$PF/data" "$PF/log"
    chown postfix "$PF/data"
    cat > "$PF/etc/main.cf" <<EOF
# Private benchmark instance; the system instance in /etc/postfix is never touched.
compatibility_level = 3.6
config_directory = $PF/etc
queue_directory = $PF/spool
data_directory = $PF/data
syslog_name = postfix-bench
maillog_file = $PF/log/maillog
maillog_file_prefixes = /tmp
myhostname = postfix.bench.test
mydomain = bench.test
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.9]:2527
# no DNS at all: the relayhost is a bracketed literal, resolved by the native resolver
smtp_host_lookup = native
smtp_dns_support_level = disabled
alias_maps =
alias_database =
local_transport = error:local delivery disabled
biff = no
message_size_limit = 52428800
smtpd_recipient_limit = 1000
# enough processes for 50 concurrent sessions plus delivery
default_process_limit = 200
# anvil: no per-client limits
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
smtpd_client_recipient_rate_limit = 0
smtpd_client_new_tls_session_rate_limit = 0
smtpd_client_auth_rate_limit = 0
smtpd_client_event_limit_exceptions = \$mynetworks
# fsync behaviour and in_flow_delay are left at their defaults
EOF
    [ -z "$extra" ] || printf '%s\n' "$extra" >> "$PF/etc/main.cf"
    # experiments only: POSTFIX_MAIN_EXTRA='in_flow_delay = 0' bench/accept.sh ... (noted in the table)
    [ -z "${POSTFIX_MAIN_EXTRA:-}" ] || printf '%s\n' "$POSTFIX_MAIN_EXTRA" >> "$PF/etc/main.cf"
    # chroot = n everywhere: the private queue directory has no chroot environment
    cat > "$PF/etc/master.cf" <<EOF
$POSTFIX_ADDR inet n - n - - smtpd
pickup     unix  n - n 60 1 pickup
cleanup    unix  n - n - 0 cleanup
qmgr       unix  n - n 300 1 qmgr
tlsmgr     unix  - - n 1000? 1 tlsmgr
rewrite    unix  - - n - - trivial-rewrite
bounce     unix  - - n - 0 bounce
defer      unix  - - n - 0 bounce
trace      unix  - - n - 0 bounce
verify     unix  - - n - 1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n - - proxymap
proxywrite unix  - - n - 1 proxymap
smtp       unix  - - n - - smtp
relay      unix  - - n - - smtp
showq      unix  n - n - - showq
error      unix  - - n - - error
retry      unix  - - n - - error
discard    unix  - - n - - discard
local      unix  - n n - - local
anvil      unix  - - n - 1 anvil
scache     unix  - - n - 1 scache
postlog    unix-dgram n - n - 1 postlogd
EOF
    POSTFIX_STARTED=1
    if ! "$POSTFIX" -c "$PF/etc" start >"$WORK/postfix-start.log" 2>&1; then
        cat "$WORK/postfix-start.log" "$PF/log/maillog" >&2 2>/dev/null || true
        die "private Postfix did not start"
    fi
    wait_port "$POSTFIX_ADDR" 30 || { cat "$PF/log/maillog" >&2; die "Postfix does not listen on $POSTFIX_ADDR"; }
}

# start_private_dnsmasq RECORD_LINES: a dnsmasq on $DNS_IP and the first free port from 5353 (in
# DNS_PORT) answering only from the given configuration lines; no upstream, so nothing leaves loopback
start_private_dnsmasq() {
    DNS_PORT=""
    for p in $(seq 5353 5453); do
        if [ -z "$(ss -Hlnu "sport = :$p")" ] && [ -z "$(ss -Hlnt "sport = :$p")" ]; then DNS_PORT=$p; break; fi
    done
    [ -n "$DNS_PORT" ] || die "no free port for dnsmasq in 5353-5453"
    printf 'no-resolv\nno-hosts\nno-poll\nbind-interfaces\nlisten-address=%s\nport=%s\nuser=root\npid-file=\n%s\n' \
        "$DNS_IP" "$DNS_PORT" "$1" > "$WORK/dnsmasq.conf"
    log "starting dnsmasq on $DNS_IP:$DNS_PORT"
    start_group "$WORK/dnsmasq.log" "$DNSMASQ" -k -C "$WORK/dnsmasq.conf"
    for _ in $(seq 50); do [ -n "$(ss -Hlnu "sport = :$DNS_PORT")" ] && break; sleep 0.1; done
    [ -n "$(ss -Hlnu "sport = :$DNS_PORT")" ] || { cat "$WORK/dnsmasq.log" >&2; die "dnsmasq did not start"; }
}

postfix_queued() { # messages still in the private queue
    find "$PF/spool/maildrop" "$PF/spool/incoming" "$PF/spool/active" "$PF/spool/deferred" \
        "$PF/spool/hold" -type f 2>/dev/null | wc -l
}
wait_postfix_drained() { # timeout_s; returns 1 if messages are left
    local end=$((SECONDS + $1))
    while [ "$(postfix_queued)" -gt 0 ]; do
        [ $SECONDS -lt $end ] || return 1
        sleep 0.5
    done
}

median() { # values... (ERR if any is ERR); MEDIAN_FMT sets the decimals
    printf '%s\n' "$@" | sort -g | awk -v fmt="${MEDIAN_FMT:-%.1f}\n" '
        /ERR/ { err = 1 } { v[NR] = $1 }
        END {
            if (err || NR == 0) { print "ERR"; exit }
            if (NR % 2) printf fmt, v[(NR + 1) / 2]; else printf fmt, (v[NR / 2] + v[NR / 2 + 1]) / 2
        }'
}
ratio() { awk -v f="$1" -v p="$2" 'BEGIN { if (f ~ /ERR|-/ || p ~ /ERR|-/ || p == 0) print "-"; else printf "%.2f\n", f / p }'; }

# ---------------------------------------------------------------- crash-duplicates*.sh
# Shared by crash-duplicates.sh (Facteur) and crash-duplicates-postfix.sh. They set COUNT,
# SMTP_SOURCE, SMTP_SINK, SINK_ADDR, HELO, SENDER, HELD_RCPT and a function `flush`.

crash_sink_count() { find "$1" -type f ! -name '*.log' | wc -l; }  # dumps, transactions under way included

# crash_deliver_half RUNDIR MTA_ADDR: starts the dumping sink (SINK_PGID) and background mail to
# the held domain (BG_PGID), flushes the queue and returns once the sink holds COUNT/2 (in BEFORE);
# appends to RATES the messages per second the sink took from the flush to then
crash_deliver_half() {
    local r=$1 mta=$2
    start_group "$r/smtp-sink.log" "$SMTP_SINK" -u nobody -d "$r/dump/%H%M%S." "$SINK_ADDR" 1024
    SINK_PGID=$!
    wait_port "$SINK_ADDR" 10 || { cat "$r/smtp-sink.log" >&2; die "smtp-sink did not start"; }
    # background content for the queue's disk, through the kill (its failure at the kill is expected)
    setsid "$SMTP_SOURCE" -s 10 -m 1000000 -l 4096 -M "$HELO" -f "$SENDER" -t "$HELD_RCPT" "$mta" \
        >"$r/background.out" 2>&1 </dev/null &
    BG_PGID=$!
    PGIDS+=("$BG_PGID")
    local start; start=$(date +%s.%N)
    flush || die "flush failed"
    while [ "$(crash_sink_count "$r/dump")" -lt $((COUNT / 2)) ]; do sleep 0.05; done
    BEFORE=$(crash_sink_count "$r/dump")
    RATES+=("$(awk -v n="$BEFORE" -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.0f", n / (e - s) }')")
    [ "$BEFORE" -lt "$COUNT" ] || die "everything was delivered before the kill; raise --count"
}

# crash_count RUNDIR MTA_NAME: reads RUNDIR/ids (one queue id per transaction at the sink) and
# RUNDIR/sent-before-kill (ids the killed MTA had logged as sent); appends to DUPS, LOSSES, LATE
crash_count() {
    local r=$1 total distinct dups lost late
    total=$(wc -l < "$r/ids")
    distinct=$(uniq < "$r/ids" | wc -l)
    dups=$((total - distinct))
    lost=$((COUNT - distinct))
    # a duplicate whose 250 the killed MTA had logged was lost between the reply and the record; the
    # others were in the peer's window (the dot sent, the 250 not yet read) or lost their log line
    late=$(uniq -d < "$r/ids" | comm -12 - "$r/sent-before-kill" | wc -l)
    DUPS+=("$dups"); LOSSES+=("$lost"); LATE+=("$late")
    log "$2: $total transactions, $distinct distinct messages: $dups duplicates ($late after a logged 250), $lost lost"
}

# crash_summary MTA_NAME: the per-crash figures of DUPS, LATE, LOSSES and RATES
crash_summary() {
    echo "duplicates per crash: ${DUPS[*]} (median $(MEDIAN_FMT=%.0f median "${DUPS[@]}"))"
    echo "of which the killed $1 had logged the 250 (lost between the reply and the record): ${LATE[*]}"
    echo "lost: ${LOSSES[*]}"
    echo "delivery rate to the dumping sink before the kill, msg/s: ${RATES[*]} (median $(MEDIAN_FMT=%.0f median "${RATES[@]}"))"
}
