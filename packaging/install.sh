#!/bin/bash
# Installs Facteur on a Debian machine, as a package would lay it out:
#
#   /usr/bin/facteur                          the command (packaging/facteur)
#   /usr/lib/facteur/facteur.jar, lib/*.jar   the program and its libraries (target/ of the build)
#   /usr/lib/systemd/system/facteur.service   the unit; sysusers.d and tmpfiles.d files beside it
#   /usr/share/doc/facteur/                   packaging/README.md, examples (configuration, alert rules)
#   /etc/facteur/facteur.toml                 the configuration: written once, never replaced
#   /etc/default/facteur                      the unit's environment (JAVA_HOME, JVM options): idem
#   /var/spool/facteur                        the spool and state, 0750 facteur:facteur
#   /usr/sbin/sendmail -> ../bin/facteur      when no other MTA has it
#
# and the system user facteur. Run it again to upgrade: the program is replaced, the
# configuration and the spool are kept, and a running server is restarted.
#
# Options:
#   --from DIR      the build: DIR/facteur.jar and DIR/lib/*.jar (default: target/ of this checkout;
#                   build it with `mvn -B -DskipTests package`)
#   --prefix DIR    instead of /usr (e.g. /usr/local): bin/, lib/, share/ go there
#   --destdir DIR   (or DESTDIR=DIR) stage the files under DIR, as a package build does: no user,
#                   no owners, no systemctl; a package's postinst does that part
#   --root DIR      install into another root file system (an image being built): the user goes
#                   into DIR/etc/passwd (systemd-sysusers --root), the owners are set, no systemctl
#   --no-restart    leave a running server alone on upgrade (restart it yourself)
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
checkout="$(dirname "$here")"

from="$checkout/target"
prefix=/usr
destdir="${DESTDIR:-}"
root=""
restart=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --from) from="$2"; shift 2 ;;
    --from=*) from="${1#*=}"; shift ;;
    --prefix) prefix="$2"; shift 2 ;;
    --prefix=*) prefix="${1#*=}"; shift ;;
    --destdir) destdir="$2"; shift 2 ;;
    --destdir=*) destdir="${1#*=}"; shift ;;
    --root) root="$2"; shift 2 ;;
    --root=*) root="${1#*=}"; shift ;;
    --no-restart) restart=no; shift ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "install.sh: unknown argument $1 (see --help)" >&2; exit 64 ;;
  esac
done
if [ -n "$destdir" ] && [ -n "$root" ]; then
  echo "install.sh: --destdir stages files for a package, --root installs into another system: not both" >&2
  exit 64
fi
prefix="${prefix%/}"
case "$prefix" in /*) ;; *) echo "install.sh: --prefix must be an absolute path" >&2; exit 64 ;; esac

# stage: files only (DESTDIR); root: a whole system, this one or another one's (--root)
if [ -n "$destdir" ]; then mode=stage; top="${destdir%/}"; else mode=system; top="${root%/}"; fi
if [ "$mode" = system ] && [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: run as root to install (or stage the files with --destdir DIR)" >&2
  exit 77
fi

jar="$from/facteur.jar"
if [ ! -f "$jar" ] || [ ! -d "$from/lib" ]; then
  echo "install.sh: no build in $from (facteur.jar and lib/); build it first: mvn -B -DskipTests package" >&2
  exit 66
fi

user=facteur
bindir="$prefix/bin"
libdir="$prefix/lib/facteur"
unitdir="$prefix/lib/systemd/system"
docdir="$prefix/share/doc/facteur"
spool=/var/spool/facteur

say() { echo "install.sh: $*"; }

# Replaces $top$2 with $1 at mode $3 unless it is the same already; a new file is renamed into
# place, so that a running JVM keeps reading the one it opened.
put() {
  local src="$1" dst="$top$2" perm="$3"
  if [ -f "$dst" ] && cmp -s "$src" "$dst"; then
    chmod "$perm" "$dst"
    return 0
  fi
  [ -d "${dst%/*}" ] || mkdir -p "${dst%/*}"
  install -m "$perm" "$src" "$dst.new-$$"
  mv -f "$dst.new-$$" "$dst"
}

# Text files name /usr/bin/facteur; with another prefix they name that one.
put_text() {
  local tmp
  tmp="$(mktemp)"
  sed "s#/usr/bin/facteur#$bindir/facteur#g; s#/usr/share/doc/facteur#$docdir#g" "$1" >"$tmp"
  put "$tmp" "$2" "$3"
  rm -f "$tmp"
}

# Configuration: written when missing, never replaced (dpkg's conffiles, without the question).
put_config() {
  local dst="$top$2"
  if [ -e "$dst" ]; then
    cmp -s "$1" "$dst" || say "kept $2 as it is (the shipped one: $docdir/examples/${1##*/})"
    return 0
  fi
  put "$1" "$2" "$3"
}

# 1. The program: new libraries first, then the ones no longer shipped go.
for f in "$from"/lib/*.jar; do put "$f" "$libdir/lib/${f##*/}" 0644; done
for f in "$top$libdir"/lib/*.jar; do
  if [ -e "$f" ] && [ ! -e "$from/lib/${f##*/}" ]; then rm -f "$f"; fi
done
put "$jar" "$libdir/facteur.jar" 0644
put "$here/facteur" "$bindir/facteur" 0755

# 2. systemd's files, the documentation and the examples.
put_text "$here/systemd/facteur.service" "$unitdir/facteur.service" 0644
put "$here/systemd/facteur.sysusers" "$prefix/lib/sysusers.d/facteur.conf" 0644
put "$here/systemd/facteur.tmpfiles" "$prefix/lib/tmpfiles.d/facteur.conf" 0644
put "$here/README.md" "$docdir/README.md" 0644
put "$here/facteur.toml" "$docdir/examples/facteur.toml" 0644
put "$checkout/contrib/prometheus/facteur-alerts.yml" "$docdir/examples/prometheus/facteur-alerts.yml" 0644

# 3. The configuration, root's (0644: facteur sendmail reads it as any user).
mkdir -p "$top/etc/facteur"
chmod 0755 "$top/etc/facteur"
put_config "$here/facteur.toml" /etc/facteur/facteur.toml 0644
put_config "$here/facteur.default" /etc/default/facteur 0644

# 4. The user and the spool.
mkdir -p "$top$spool"
chmod 0750 "$top$spool"
if [ "$mode" = system ]; then
  if [ -n "$top" ]; then
    mkdir -p "$top/etc"
    systemd-sysusers --root="$top" "$here/systemd/facteur.sysusers"
  elif ! getent passwd "$user" >/dev/null; then
    if command -v systemd-sysusers >/dev/null; then
      systemd-sysusers "$here/systemd/facteur.sysusers"
    else
      adduser --system --group --quiet --home "$spool" --no-create-home --shell /usr/sbin/nologin \
        --gecos "Facteur mail transfer agent" "$user"
    fi
  fi
  # the ids as the target system knows them (another root has its own /etc/passwd)
  if [ -n "$top" ]; then
    uid="$(awk -F: -v u="$user" '$1 == u {print $3}' "$top/etc/passwd")"
    gid="$(awk -F: -v u="$user" '$1 == u {print $4}' "$top/etc/passwd")"
  else
    uid="$(id -u "$user" 2>/dev/null || true)"
    gid="$(id -g "$user" 2>/dev/null || true)"
  fi
  if [ -z "$uid" ] || [ -z "$gid" ]; then
    echo "install.sh: no user $user in ${top:-this system}" >&2
    exit 70
  fi
  chown "$uid:$gid" "$top$spool"
else
  say "staged in $top: the package's postinst creates the user $user (systemd-sysusers facteur.conf)" \
      "and the spool's owner (systemd-tmpfiles --create facteur.conf)"
fi

# 5. sendmail for cron and friends, unless another MTA provides it; a relative link, as Debian's
# policy wants within /usr.
sendmail="$top/usr/sbin/sendmail"
link="$(realpath -m -s --relative-to=/usr/sbin "$bindir/facteur")"
if [ -L "$sendmail" ] && { [ "$(readlink "$sendmail")" = "$link" ] || [ "$(readlink "$sendmail")" = "$bindir/facteur" ]; }; then
  :
elif [ -e "$sendmail" ] || [ -L "$sendmail" ]; then
  say "left /usr/sbin/sendmail alone (another MTA's); to use Facteur's: ln -sf $link /usr/sbin/sendmail"
else
  mkdir -p "$top/usr/sbin"
  ln -s "$link" "$sendmail"
fi

# 6. systemd, when this very system runs it.
if [ "$mode" = system ] && [ -z "$top" ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemd-tmpfiles --create facteur.conf >/dev/null 2>&1 || true
  if systemctl is-active --quiet facteur.service; then
    if [ "$restart" = yes ]; then
      say "restarting facteur.service (the queue is kept; transactions under way may finish)"
      systemctl restart facteur.service
    else
      say "facteur.service still runs the previous version: systemctl restart facteur"
    fi
  elif ! systemctl is-enabled --quiet facteur.service 2>/dev/null; then
    say "installed; edit /etc/facteur/facteur.toml, then: systemctl enable --now facteur"
  fi
elif [ "$mode" = system ] && [ -z "$top" ]; then
  say "installed; this system does not run systemd: start it with" \
      "runuser -u $user -- $bindir/facteur serve --config /etc/facteur/facteur.toml"
fi
