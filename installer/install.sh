#!/bin/sh
# Installs the azure/kv FlexVolume driver into kubelet's volume plugin dir and keeps it
# there: the kv-flexvol-installer DaemonSet runs this on every node.
#
#   TARGET_DIR    the kubelet plugin dir as mounted in this container (required)
#   SOURCE        the driver executable to install (default: the one in the image)
#   POLL_SECONDS  how often to check that the installed driver is still intact (default 30)
#
# Kubelet execs <TARGET_DIR>/azure~kv/kv on every probe, so the file must never be seen
# half-written: it is copied into a dot-prefixed temp dir (the prober skips dot entries),
# checked against the source's sha256, and renamed into place in one step.
set -eu

log() { printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }
fail() { log "error: $*" >&2; exit 1; }

[ -n "${TARGET_DIR:-}" ] || fail "TARGET_DIR is not set: set it to the kubelet volume plugin dir as mounted in this container (on AKS the host's /etc/kubernetes/volumeplugins)"
SOURCE="${SOURCE:-/opt/kv-flexvol/azure~kv/kv}"
POLL_SECONDS="${POLL_SECONDS:-30}"
DRIVER_DIR="$TARGET_DIR/azure~kv"
DRIVER="$DRIVER_DIR/kv"
TEMP_PREFIX="$TARGET_DIR/.azure~kv.tmp."

[ -d "$TARGET_DIR" ] || fail "TARGET_DIR $TARGET_DIR is not a directory: mount the kubelet volume plugin dir there"
[ -w "$TARGET_DIR" ] || fail "TARGET_DIR $TARGET_DIR is not writable by uid $(id -u): the installer must run as the dir's owner (root on nodes), on a file system mounted read-write"
if [ ! -f "$SOURCE" ] || [ ! -r "$SOURCE" ]; then fail "SOURCE $SOURCE is not a readable file"; fi
case "$POLL_SECONDS" in
  '' | *[!0-9]* | 0) fail "POLL_SECONDS must be a whole number of seconds above 0, got '$POLL_SECONDS'" ;;
esac

sha256() { sha256sum "$1" | cut -d ' ' -f 1; }

# Changes whenever the file is replaced (inode), written (size, ctime) or chmod'ed (ctime),
# so each poll costs one stat, not a 100 MB checksum. Empty when there is no file.
fingerprint() { stat -c '%i %s %z' "$DRIVER" 2>/dev/null || true; }

is_intact() {
  [ -f "$DRIVER" ] && [ ! -L "$DRIVER" ] && [ "$(stat -c %a "$DRIVER")" = 755 ] &&
    [ "$(sha256 "$DRIVER")" = "$WANT" ]
}

install_driver() {
  if [ -d "$DRIVER" ] && [ ! -L "$DRIVER" ]; then fail "$DRIVER is a directory: remove it, kubelet runs the driver executable from that path"; fi
  staging="$(mktemp -d "${TEMP_PREFIX}XXXXXX")"
  cp "$SOURCE" "$staging/kv"
  got="$(sha256 "$staging/kv")"
  [ "$got" = "$WANT" ] || fail "copy of $SOURCE has sha256 $got, expected $WANT"
  chmod 0755 "$staging/kv"
  # On disk before it takes the driver's name: after a power cut, never an empty driver.
  sync "$staging/kv"
  mkdir -p "$DRIVER_DIR"
  # Across mounts (another file system, or a bind mount of the same one) rename(2) fails and
  # mv copies in place instead: kubelet could run a half-written driver.
  if mountpoint -q "$DRIVER_DIR"; then
    fail "$DRIVER_DIR is another mount than $TARGET_DIR: the driver cannot be replaced in one step there"
  fi
  # rename(2), atomic; -T: a symlink in the driver's place is replaced, never followed.
  mv -fT "$staging/kv" "$DRIVER"
  rmdir "$staging"
  staging=""
}

# Reinstalls when the driver is missing or differs from SOURCE; logs only what changed.
# `checked` is a fingerprint taken before a successful check, so a change made at any
# moment after it (even while this runs) alters the fingerprint and is checked next poll.
reconcile() {
  now="$(fingerprint)"
  [ -n "$now" ] && [ "$now" = "$checked" ] && return 0
  if [ -z "$now" ]; then
    install_driver
    log "installed $DRIVER (sha256 $WANT)"
    ours=1
  elif is_intact; then
    checked="$now"
    [ "$ours" = 1 ] || log "up to date: $DRIVER (sha256 $WANT)"
    ours=0
  else
    install_driver
    log "replaced changed $DRIVER (sha256 $WANT)"
    ours=1
  fi
}

staging=""
sleeper=""
cleanup() {
  [ -z "$sleeper" ] || kill "$sleeper" 2>/dev/null || true
  [ -z "$staging" ] || rm -rf "$staging"
}
trap cleanup EXIT
# Kubelet sends SIGTERM on pod deletion and rollouts: stop at once, and successfully.
trap 'log "stopping on signal"; exit 0' TERM INT

# A previous installer killed mid-copy (SIGKILL, node crash) leaves its temp dir behind.
for stale in "$TEMP_PREFIX"*; do
  [ -e "$stale" ] || continue
  rm -rf "$stale"
  log "removed stale $stale"
done

WANT="$(sha256 "$SOURCE")"
checked=""
ours=0 # the driver in place is the one this loop just installed
log "keeping $DRIVER in sync with $SOURCE, checking every ${POLL_SECONDS}s"
while :; do
  reconcile
  # In the background so the TERM trap runs as soon as the signal arrives, not after the sleep.
  sleep "$POLL_SECONDS" &
  sleeper=$!
  wait "$sleeper" || true
  sleeper=""
done
