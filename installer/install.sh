#!/bin/sh
# Installs the azure/kv FlexVolume driver into kubelet's volume plugin dir and keeps it
# there: the kv-flexvol-installer DaemonSet runs this on every node.
#
#   install.sh              install the driver and keep it installed (the container's command)
#   install.sh ready        readiness: the installed driver is the image's, byte for byte, and
#                           answers init
#   install.sh uninstall    remove azure~kv from the node once none of its volumes is mounted
#                           there, then stay (deployment/kv-flexvol-uninstall.yaml)
#   install.sh uninstalled  readiness of the uninstaller: azure~kv is gone from the node
#
#   TARGET_DIR    the kubelet plugin dir as mounted in this container (required)
#   SOURCE        the driver executable to install (default: the one in the image)
#   POLL_SECONDS  how often to check that the installed driver is still intact (default 30)
#   VERIFIED_FILE where the loop records which file it last verified, for `ready`
#                 (default ${TMPDIR:-/tmp}/kv-flexvol-verified)
#   PODS_DIR      uninstall only: kubelet's pods dir as mounted in this container, to see
#                 which azure~kv volumes are still mounted (e.g. /var/lib/kubelet/pods)
#
# Kubelet execs <TARGET_DIR>/azure~kv/kv on every probe, so the file must never be seen
# half-written: it is copied into a dot-prefixed temp dir (the prober skips dot entries),
# checked against the source's sha256, and renamed into place in one step.
set -eu

log() { printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }
fail() { log "error: $*" >&2; exit 1; }

MODE="${1:-install}"
case "$MODE" in
  install | ready | uninstall | uninstalled) ;;
  *) fail "unknown mode '$MODE': use install (default), ready, uninstall or uninstalled" ;;
esac
[ -n "${TARGET_DIR:-}" ] || fail "TARGET_DIR is not set: set it to the kubelet volume plugin dir as mounted in this container (on AKS the host's /etc/kubernetes/volumeplugins)"
SOURCE="${SOURCE:-/opt/kv-flexvol/azure~kv/kv}"
POLL_SECONDS="${POLL_SECONDS:-30}"
DRIVER_DIR="$TARGET_DIR/azure~kv"
DRIVER="$DRIVER_DIR/kv"
TEMP_PREFIX="$TARGET_DIR/.azure~kv.tmp."
VERIFIED_FILE="${VERIFIED_FILE:-${TMPDIR:-/tmp}/kv-flexvol-verified}"

[ -d "$TARGET_DIR" ] || fail "TARGET_DIR $TARGET_DIR is not a directory: mount the kubelet volume plugin dir there"
case "$POLL_SECONDS" in
  '' | *[!0-9]* | 0) fail "POLL_SECONDS must be a whole number of seconds above 0, got '$POLL_SECONDS'" ;;
esac
# A plugin dir mounted read-only is fine while the driver in it is intact: nothing to write.
writable=1
[ -w "$TARGET_DIR" ] || writable=0
require_writable() {
  [ "$writable" = 1 ] || fail "TARGET_DIR $TARGET_DIR is not writable by uid $(id -u), and $1: the installer must run as the dir's owner (root on nodes), on a file system mounted read-write"
}

sha256() { sha256sum "$1" | cut -d ' ' -f 1; }

# Changes whenever the file is replaced (inode), written (size, ctime) or chmod'ed (ctime),
# so each poll costs one stat, not a 100 MB checksum. Empty when there is no file.
fingerprint() { stat -c '%i %s %z' "$DRIVER" 2>/dev/null || true; }

is_intact() {
  [ -f "$DRIVER" ] && [ ! -L "$DRIVER" ] && [ "$(stat -c %a "$DRIVER")" = 755 ] &&
    [ "$(sha256 "$DRIVER")" = "$WANT" ]
}

# Remembers the fingerprint of the file just found intact: in `checked` for the next poll,
# and in VERIFIED_FILE for `ready`, which runs in another process (renamed into place, so
# `ready` never reads half of it).
verified() {
  checked="$1"
  printf '%s\n' "$1" >"$VERIFIED_FILE.tmp" && mv -f "$VERIFIED_FILE.tmp" "$VERIFIED_FILE"
}

install_driver() {
  require_writable "$DRIVER is missing or differs from $SOURCE"
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
  # Each outcome is recorded before it is logged, so `ready` holds once the line is there.
  if [ -n "$now" ] && is_intact; then
    verified "$now"
    note=""
    [ "$writable" = 1 ] || note="; $TARGET_DIR is read-only, which is fine while the driver stays intact"
    log "up to date: $DRIVER (sha256 $WANT)$note"
    return 0
  fi
  what="installed"
  [ -z "$now" ] || what="replaced changed"
  install_driver
  now="$(fingerprint)"
  # Changed again already (by someone else): nothing recorded, the next poll replaces it.
  if is_intact; then verified "$now"; fi
  log "$what $DRIVER (sha256 $WANT)"
}

# What kubelet would get from the installed driver's init: its answer, or why there is none.
init_answer() {
  KV_DRIVER_LOG=/dev/null "$DRIVER" init 2>&1 || true
}

ready() {
  now="$(fingerprint)"
  [ -n "$now" ] || fail "not ready: $DRIVER is missing"
  [ "$(cat "$VERIFIED_FILE" 2>/dev/null)" = "$now" ] || fail "not ready: $DRIVER is not (yet) verified to be $SOURCE byte for byte"
  answer="$(init_answer)"
  case "$answer" in
    '{"status":"Success"'*) ;;
    *) fail "not ready: $DRIVER init answered: $answer" ;;
  esac
}

# The azure~kv volumes mounted on this node, one "pod <uid> volume <name>" line each.
mounted_volumes() {
  for volume in "$PODS_DIR"/*/volumes/azure~kv/*; do
    if [ ! -d "$volume" ] || ! mountpoint -q "$volume"; then continue; fi
    pod="${volume#"$PODS_DIR"/}"
    printf 'pod %s volume %s\n' "${pod%%/*}" "${volume##*/}"
  done
}

# Waits until no azure~kv volume is mounted (kubelet needs the driver to unmount them),
# then takes azure~kv out of the prober's sight in one rename and deletes it.
uninstall() {
  [ -n "${PODS_DIR:-}" ] || fail "PODS_DIR is not set: set it to kubelet's pods dir as mounted in this container (e.g. /var/lib/kubelet/pods, with mountPropagation HostToContainer), so the uninstaller can refuse while azure~kv volumes are mounted"
  [ -d "$PODS_DIR" ] || fail "PODS_DIR $PODS_DIR is not a directory: mount kubelet's pods dir there"
  reported=""
  while :; do
    busy="$(mounted_volumes)"
    [ -z "$busy" ] && break
    if [ "$busy" != "$reported" ]; then
      log "refusing to remove $DRIVER_DIR: kubelet needs it to unmount these azure~kv volumes on this node: $(printf '%s' "$busy" | tr '\n' ';' | sed 's/;/; /g'); delete those pods first (kubectl get pods -A -o custom-columns=NAMESPACE:.metadata.namespace,NAME:.metadata.name,UID:.metadata.uid shows which pod has which uid)"
      reported="$busy"
    fi
    pause
  done
  if [ ! -e "$DRIVER_DIR" ] && [ ! -L "$DRIVER_DIR" ]; then
    log "nothing to remove: $DRIVER_DIR is not there"
    return 0
  fi
  require_writable "$DRIVER_DIR must be removed"
  gone="$(mktemp -d "${TARGET_DIR}/.azure~kv.removed.XXXXXX")"
  mv -f "$DRIVER_DIR" "$gone/"
  rm -rf "$gone"
  log "uninstalled: removed $DRIVER_DIR"
}

# In the background so the TERM trap runs as soon as the signal arrives, not after the sleep.
# A signal between the fork and `sleeper=$!` leaves the sleep behind; its output goes nowhere,
# so it holds no pipe of whoever runs us (in the container it dies with pid 1).
pause() {
  sleep "$POLL_SECONDS" >/dev/null 2>&1 &
  sleeper=$!
  wait "$sleeper" || true
  sleeper=""
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

case "$MODE" in
  uninstalled)
    [ ! -e "$DRIVER_DIR" ] || fail "not yet uninstalled: $DRIVER_DIR is still there"
    exit 0
    ;;
  uninstall)
    uninstall
    # Stay, so the DaemonSet's pod is Ready rather than restarted over and over.
    while :; do pause; done
    ;;
esac

if [ ! -f "$SOURCE" ] || [ ! -r "$SOURCE" ]; then fail "SOURCE $SOURCE is not a readable file"; fi
if [ "$MODE" = ready ]; then
  ready
  exit 0
fi

# A previous installer killed mid-copy (SIGKILL, node crash) leaves its temp dir behind.
for stale in "$TEMP_PREFIX"*; do
  [ -e "$stale" ] || continue
  [ "$writable" = 1 ] || break
  rm -rf "$stale"
  log "removed stale $stale"
done

WANT="$(sha256 "$SOURCE")"
checked=""
log "keeping $DRIVER in sync with $SOURCE, checking every ${POLL_SECONDS}s"
while :; do
  reconcile
  pause
done
