#!/usr/bin/env bash
# The UML guests' root file system: debootstrap (minbase, bookworm) + the UML kernel's modules + the lab's PID 1
# and service runner, as an ext4 image made straight from the directory (mkfs.ext4 -d: no loop mount).
# Cached in $CACHE (default /var/cache/jswarm-lab): the tree is rebuilt only when the suite, package list or
# mirror change, the image only when the tree, these scripts or the UML package change (key files beside them).
# Trees are kept per key (tree-KEY): branches with different package lists share this machine's cache, and
# switching between them then costs an image (seconds), not a debootstrap (a minute) each time.
# Guests boot copy-on-write layers over base.raw, so it must never be rebuilt under running guests: the lab
# holds a lock (flock on $CACHE/lock) while guests run and while this script runs.
# Usage: build-image.sh CACHE_DIR     (prints one line: what it did, with timings)
set -euo pipefail
HERE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
CACHE=$1
SUITE=bookworm
MIRROR=${JSWARM_LAB_MIRROR:-http://deb.debian.org/debian}
# tcpdump, iperf3: the encrypted-overlay proof (only ESP on the wire; the encrypted bench); issue 11
PKGS=iproute2,iputils-ping,kmod,procps,util-linux,tcpdump,iperf3
SIZE=1G
now() { date +%s%N; }
ms() { echo $(( ($(now) - $1) / 1000000 )); }
[ "$(id -u)" -eq 0 ] || { echo "build-image: needs root" >&2; exit 1; }
for c in linux.uml debootstrap mkfs.ext4 gcc; do
  command -v "$c" >/dev/null || { echo "build-image: $c missing (bin/test installs it)" >&2; exit 1; }
done
mkdir -p "$CACHE"
# The host-side shim linux.uml needs on hosts with a large XSAVE area (see xstate-shim.c), keyed on its source.
SHIMKEY=$(sha256sum "$HERE/xstate-shim.c" | cut -c1-16)
if [ "$(cat "$CACHE/xstate-shim.key" 2>/dev/null)" != "$SHIMKEY" ]; then
  gcc -O2 -Wall -shared -fPIC -o "$CACHE/xstate-shim.so.tmp" "$HERE/xstate-shim.c" -ldl \
    || { echo "build-image: cannot compile xstate-shim.c (gcc, libc6-dev)" >&2; exit 1; }
  mv "$CACHE/xstate-shim.so.tmp" "$CACHE/xstate-shim.so"
  echo "$SHIMKEY" >"$CACHE/xstate-shim.key"
fi
KVER=$(ls /usr/lib/uml/modules)
UMLVER=$(dpkg-query -W -f '${Version}' user-mode-linux)
TREEKEY=$(printf '%s\n' "$SUITE" "$PKGS" "$MIRROR" | sha256sum | cut -c1-16)
IMGKEY=$(cat "$HERE/build-image.sh" "$HERE/guest-init.sh" "$HERE/guest-service.sh" "$HERE/xstate-shim.c" | { cat; printf '%s\n' "$TREEKEY" "$UMLVER" "$SIZE"; } | sha256sum | cut -c1-16)
if [ -f "$CACHE/base.raw" ] && [ "$(cat "$CACHE/base.key" 2>/dev/null)" = "$IMGKEY" ]; then
  echo "build-image: cached $CACHE/base.raw (key $IMGKEY)"
  exit 0
fi
T=$(now) did=""
R=$CACHE/tree-$TREEKEY
if [ ! -f "$R.done" ]; then
  rm -rf "$R" "$R.tmp"
  debootstrap --variant=minbase --include="$PKGS" "$SUITE" "$R.tmp" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 \
    || { echo "build-image: debootstrap failed:" >&2; tail -20 "$CACHE/debootstrap.log" >&2; exit 1; }
  rm -f "$R.tmp/var/cache/apt/archives/"*.deb
  mv "$R.tmp" "$R"
  touch "$R.done"
  did="debootstrap $(ms "$T") ms, "
fi
T=$(now)
rm -rf "$R/lib/modules" && mkdir -p "$R/lib/modules" && cp -a "/usr/lib/uml/modules/$KVER" "$R/lib/modules/"
install -m 0755 "$HERE/guest-init.sh" "$R/sbin/jsuml-init"
install -m 0755 "$HERE/guest-service.sh" "$R/usr/local/sbin/jsuml-service"
mkdir -p "$R/ctl" "$R/share"
echo jsuml >"$R/etc/hostname"
printf '127.0.0.1 localhost\n' >"$R/etc/hosts"
rm -f "$CACHE/base.raw.tmp"
truncate -s "$SIZE" "$CACHE/base.raw.tmp"
mkfs.ext4 -q -F -L jsumlroot -d "$R" "$CACHE/base.raw.tmp"
mv "$CACHE/base.raw.tmp" "$CACHE/base.raw"
echo "$IMGKEY" >"$CACHE/base.key"
echo "build-image: ${did}image $(ms "$T") ms ($CACHE/base.raw, kernel $KVER, key $IMGKEY)"
