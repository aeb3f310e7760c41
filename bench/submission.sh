#!/usr/bin/env bash
# Authenticated submissions over TLS: Facteur vs Postfix with Dovecot SASL, same run.
#
#   bench/submission.sh [--rounds N] [--count N] [--scheme SHA512-CRYPT|ARGON2ID] [--no-login-cache]
#
# A load generator (bench/SubmitLoad.java: smtp-source does no TLS or AUTH) makes COUNT
# submissions with 10 and then 50 clients at once; each is a new connection, STARTTLS, EHLO,
# AUTH PLAIN, one 4 KB message, QUIT. Both servers use the same self-signed certificate and the
# same user with the same password hash, SCHEME (default SHA512-CRYPT, 5000 rounds: a few ms;
# ARGON2ID is Dovecot's default cost, 64 MiB and 3 passes, some 100 ms a check):
#   Facteur: port 2587, users_file, delivery off (messages stay queued);
#   Postfix: port 2526 (private instance, smtpd_tls_security_level = encrypt, smtpd_sasl_type =
#            dovecot), a private Dovecot checking the password (auth only, on 127.0.0.1:12345),
#            delivery deferred (defer_transports) so that the queue does no work meanwhile.
# Facteur keeps verified logins for 5 minutes (a repeated login skips the hash; --no-login-cache:
# verified_logins = "off"); Dovecot's auth cache (auth_cache_size = 10M, on here) keeps the
# passdb answer but still hashes each password.
# Needs root. Loopback only.
set -euo pipefail

export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
REPO=$(cd "$(dirname "$0")/.." && pwd)
BENCH="$REPO/bench"
cd "$REPO"
ROUNDS=3
COUNT=600
SCHEME=SHA512-CRYPT
LOGIN_CACHE=5m
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) ROUNDS="$2"; shift ;;
        --count) COUNT="$2"; shift ;;
        --scheme) SCHEME="$2"; shift ;;
        --no-login-cache) LOGIN_CACHE=off ;;
        -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "submission.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

FACTEUR_ADDR=127.0.0.1:2587
POSTFIX_ADDR=127.0.0.1:2526
DOVECOT_AUTH=127.0.0.1:12345
POSTFIX=/usr/sbin/postfix
DOVECOT=/usr/sbin/dovecot
USER_NAME=alice@example.test
PASSWORD=bench-password
POSTFIX_STARTED=0

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ "$(id -u)" = 0 ] || die "must run as root (private Postfix and Dovecot)"
for t in "$POSTFIX" "$DOVECOT" /usr/bin/doveadm; do [ -x "$t" ] || die "missing $t (Debian packages postfix, dovecot-core)"; done
for a in "$FACTEUR_ADDR" "$POSTFIX_ADDR" "$DOVECOT_AUTH"; do ! port_open "$a" || die "$a is already in use"; done

bench_workdir facteur-submission
"$REPO/bin/facteur" --help >/dev/null || die "bin/facteur --help failed"
LOAD=("$JAVA_HOME/bin/java" "$BENCH/SubmitLoad.java")

# One certificate and one password hash for both
"$REPO/bin/facteur" tls self-signed --out "$WORK/tls" --hostname bench.facteur.test >/dev/null
HASH=$(/usr/bin/doveadm pw -s "$SCHEME" -p "$PASSWORD")
echo "$USER_NAME:$HASH" > "$WORK/users"
chmod 600 "$WORK/users"

# Dovecot: authentication only, for Postfix
mkdir -p "$WORK/dovecot"
cp "$WORK/users" "$WORK/dovecot/users"
chown dovecot "$WORK/dovecot/users" 2>/dev/null || true
cat > "$WORK/dovecot/dovecot.conf" <<EOF
base_dir = $WORK/dovecot/run
state_dir = $WORK/dovecot/state
log_path = $WORK/dovecot/dovecot.log
protocols =
listen = 127.0.0.1
ssl = no
auth_mechanisms = plain login
auth_cache_size = 10M
auth_cache_ttl = 5 mins
auth_failure_delay = 0
passdb {
  driver = passwd-file
  args = $WORK/dovecot/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$WORK/dovecot
}
service auth {
  inet_listener auth-smtp {
    address = 127.0.0.1
    port = ${DOVECOT_AUTH##*:}
  }
}
service anvil {
  chroot =
}
EOF
start_group "$WORK/dovecot/out.log" "$DOVECOT" -F -c "$WORK/dovecot/dovecot.conf"
wait_port "$DOVECOT_AUTH" 30 || { cat "$WORK/dovecot/out.log" "$WORK/dovecot/dovecot.log" >&2 2>/dev/null; die "Dovecot auth does not listen"; }

PF="$WORK/postfix"
start_private_postfix "smtpd_tls_cert_file = $WORK/tls/cert.pem
smtpd_tls_key_file = $WORK/tls/key.pem
smtpd_tls_security_level = encrypt
smtpd_tls_auth_only = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:$DOVECOT_AUTH
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions = permit_sasl_authenticated, reject
defer_transports = smtp relay"

config() {
    cat <<CONF
hostname = "bench.facteur.test"
data_dir = "$WORK/facteur-data"
[smtp]
listen = ["127.0.0.1:2599"]
[relay]
networks = ["10.255.255.0/24"]
[local]
domains = ["example.test"]
users = ["alice"]
[delivery]
enabled = false
[admin]
listen = "127.0.0.1:0"
[tls]
certificate = "$WORK/tls/cert.pem"
private_key = "$WORK/tls/key.pem"
[submission]
listen = ["$FACTEUR_ADDR"]
users_file = "$WORK/users"
verified_logins = "$LOGIN_CACHE"
CONF
}
config > "$WORK/facteur.toml"
start_group "$WORK/facteur.log" "$REPO/bin/facteur" serve --config "$WORK/facteur.toml"
wait_port "$FACTEUR_ADDR" 60 || { tail -n 30 "$WORK/facteur.log" >&2; die "Facteur does not listen on $FACTEUR_ADDR"; }

load() { # addr sessions count -> "msg/s failures"
    "${LOAD[@]}" "${1%:*}" "${1##*:}" starttls "$USER_NAME" "$PASSWORD" "$2" "$3" 4096 2>>"$WORK/load.err"
}

# warm-up of both (JIT, TLS session setup, the first Argon2 checks), not timed
load "$FACTEUR_ADDR" 10 200 >/dev/null
load "$POSTFIX_ADDR" 10 200 >/dev/null

# A failed submission (refused, reset) is counted and reported, not retried: the rate is COUNT / time either way
declare -A F P FF PF
for sessions in 10 50; do
    for r in $(seq "$ROUNDS"); do
        read -r rate fail < <(load "$FACTEUR_ADDR" "$sessions" "$COUNT")
        F[$sessions]+="$rate "; FF[$sessions]=$(( ${FF[$sessions]:-0} + fail ))
        log "$sessions sessions, round $r: Facteur $rate msg/s, $fail failed"
        read -r rate fail < <(load "$POSTFIX_ADDR" "$sessions" "$COUNT")
        P[$sessions]+="$rate "; PF[$sessions]=$(( ${PF[$sessions]:-0} + fail ))
        log "$sessions sessions, round $r: Postfix $rate msg/s, $fail failed"
    done
done
grep -q "logged in: sasl_method=PLAIN" "$WORK/facteur.log" || die "Facteur logged no login"

STAMP=$(date +%Y%m%d-%H%M%S)
OUT="$BENCH/results/submission-$SCHEME$([ "$LOGIN_CACHE" = off ] && echo -nocache)-$STAMP.txt"
mkdir -p "$BENCH/results"
{
    echo "Authenticated submissions over STARTTLS, Facteur vs Postfix + Dovecot SASL, $(date '+%Y-%m-%d %H:%M:%S %Z')"
    echo "host $(hostname), $(nproc) cores; commit $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "$COUNT submissions per run (new connection, STARTTLS, AUTH PLAIN, 4 KB, QUIT), password hash {$SCHEME} (doveadm pw); Facteur's verified_logins = $LOGIN_CACHE, Dovecot's auth cache on"
    for sessions in 10 50; do
        # shellcheck disable=SC2086
        f=$(median ${F[$sessions]}); p=$(median ${P[$sessions]})
        echo "$sessions sessions: Facteur ${F[$sessions]}(median $f, ${FF[$sessions]} failed) | Postfix ${P[$sessions]}(median $p, ${PF[$sessions]} failed) | Facteur/Postfix $(ratio "$f" "$p")"
    done
    [ ! -s "$WORK/load.err" ] || { echo "first failures:"; sort "$WORK/load.err" | uniq -c | sort -rn | head -n 3; }
} | tee "$OUT"
echo "written to ${OUT#"$REPO"/}"
