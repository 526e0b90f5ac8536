#!/bin/sh
# Guest side, every node: install the jswarm package (uploaded to $JSWARM_DEB, or downloaded from
# $JSWARM_DEB_URL), which enables and starts jswarm.service, then wait until the daemon answers on its socket.
# Run again (`vagrant provision`) it upgrades in place: the package's restart is the daemon's live restore.
set -eu
fail() { echo "jswarm: $*" >&2; exit 1; }

# VXLAN is the data plane: say so now rather than at the first attach.
[ -d /sys/module/vxlan ] || modprobe vxlan 2>/dev/null || fail "this kernel has no VXLAN module (modprobe vxlan failed)"

missing=""
command -v ip >/dev/null 2>&1 || missing="$missing iproute2"
command -v ping >/dev/null 2>&1 || missing="$missing iputils-ping"
if [ -n "${JSWARM_DEB_URL:-}" ] && ! command -v curl >/dev/null 2>&1; then missing="$missing curl ca-certificates"; fi
if [ -n "$missing" ]; then
  echo "jswarm: installing$missing"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null
fi

if [ -n "${JSWARM_DEB_URL:-}" ]; then
  echo "jswarm: downloading $JSWARM_DEB_URL"
  curl -fsSL -o "$JSWARM_DEB" "$JSWARM_DEB_URL" || fail "could not download $JSWARM_DEB_URL"
fi
[ -s "$JSWARM_DEB" ] || fail "no package at $JSWARM_DEB"
DEBIAN_FRONTEND=noninteractive dpkg -i "$JSWARM_DEB" >/dev/null || fail "dpkg -i $JSWARM_DEB failed"
rm -f "$JSWARM_DEB"
systemctl enable --now jswarm.service >/dev/null 2>&1 || true   # postinst does this on a first install

# The JVM's start takes a few seconds on a small VM; two minutes means something is wrong.
i=0
until jswarm info >/dev/null 2>&1; do
  i=$((i + 1))
  if [ "$i" -gt 120 ]; then
    journalctl -u jswarm --no-pager -n 40 >&2 || true
    fail "the jswarm daemon did not answer within 120 s (its log is above)"
  fi
  sleep 1
done
echo "jswarm: $(jswarm --version | head -1) installed, jswarm.service $(systemctl is-active jswarm.service)"
