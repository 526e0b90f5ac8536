#!/usr/bin/env bash
# Builds the jswarm package from the shaded CLI jar: a jlinked Java 25 runtime, the jar and its AOT cache under
# /usr/lib/jswarm, the launcher /usr/bin/jswarm, the systemd unit and /etc/default/jswarm, as
#   target/jswarm_<debversion>_amd64.deb   (dpkg-deb; gzip members so that a plain JDK can read it in tests)
#   target/jswarm_<debversion>_amd64.tar.gz (the same tree, for non-Debian hosts: tar -C / -xzf FILE)
# Run by Maven (package phase of this module). Reproducible: every file's time is SOURCE_DATE_EPOCH (the last
# commit's time), tar entries are sorted with numeric root ownership, gzip carries no name or time.
# Usage: build-package.sh JAVA_HOME JAR MAVEN_VERSION OUTDIR [DEB_VERSION]
set -euo pipefail
HERE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
JDK=$1 JAR=$2 MVNVER=$3 OUT=$4 DEBVER=${5:-}
# Debian orders "~" before everything: 0.1.0~snapshot < 0.1.0, as a snapshot should be.
[ -n "$DEBVER" ] || DEBVER=${MVNVER/-SNAPSHOT/~snapshot}
[[ $DEBVER =~ ^[0-9][A-Za-z0-9.+~-]*$ ]] || { echo "build-package: bad Debian version '$DEBVER'" >&2; exit 1; }
command -v dpkg-deb >/dev/null || { echo "build-package: dpkg-deb missing (Debian package dpkg)" >&2; exit 1; }
[ -f "$JAR" ] || { echo "build-package: no jar at $JAR" >&2; exit 1; }
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH=$(git -C "$HERE" log -1 --format=%ct 2>/dev/null || echo 1767225600)
fi
export SOURCE_DATE_EPOCH
now() { date +%s%N; }
ms() { echo $(( ($(now) - $1) / 1000000 )); }

# The modules the jar needs (jdeps --print-module-deps on the shaded jar), plus jdk.crypto.ec for TLS 1.3's
# ECDSA certificates. A changed dependency that needs another module fails the guests' e2e at once.
MODULES=java.base,java.desktop,java.naming,java.sql,jdk.httpserver,jdk.jfr,jdk.management,jdk.unsupported,jdk.crypto.ec
JLINK_OPTS=(--strip-debug --no-header-files --no-man-pages --compress=zip-6)
JDKREL=$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"/\1/p' "$JDK/release")
# jlink is the slow step (~25 s here): reuse the runtime while the JDK, the modules and the options are the same.
KEY=$(printf '%s\n' "$JDKREL" "$MODULES" "${JLINK_OPTS[*]}" | sha256sum | cut -c1-16)
RT=$OUT/jlink-runtime
T=$(now)
if [ "$(cat "$RT.key" 2>/dev/null)" != "$KEY" ]; then
  rm -rf "$RT" "$RT.key"
  "$JDK/bin/jlink" --add-modules "$MODULES" "${JLINK_OPTS[@]}" --output "$RT"
  echo "$KEY" >"$RT.key"
  echo "build-package: jlink runtime ($JDKREL) in $(ms "$T") ms"
fi

ROOT=$OUT/pkgroot
LIB=$ROOT/usr/lib/jswarm
rm -rf "$ROOT"
mkdir -p "$LIB" "$ROOT/usr/bin" "$ROOT/usr/lib/cni" "$ROOT/usr/lib/systemd/system" "$ROOT/etc/default" "$ROOT/usr/share/doc/jswarm" "$ROOT/DEBIAN"
cp -a "$RT" "$LIB/runtime"
install -m 0644 "$JAR" "$LIB/jswarm.jar"
# The thin client (issue 13: java.base only) beside the shaded jar; the launcher tries it first.
THIN=$HERE/../thin/target/jswarm-thin.jar
[ -f "$THIN" ] || { echo "build-package: no thin client jar at $THIN" >&2; exit 1; }
install -m 0644 "$THIN" "$LIB/jswarm-thin.jar"
install -m 0755 "$HERE/src/dist/jswarm" "$ROOT/usr/bin/jswarm"
install -m 0755 "$HERE/src/dist/jswarm-cni" "$ROOT/usr/lib/cni/jswarm-cni"
install -m 0644 "$HERE/src/dist/jswarm.service" "$ROOT/usr/lib/systemd/system/jswarm.service"
install -m 0644 "$HERE/src/dist/default" "$ROOT/etc/default/jswarm"
install -m 0644 "$HERE/src/dist/README" "$ROOT/usr/share/doc/jswarm/README"
# The jar's time must be final before the AOT cache is made: the JVM refuses a cache whose jar changed (size
# and time), and dpkg installs files with the times in the package.
find "$ROOT" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

# AOT cache (JDK 25, JEP 483/514): the classes a command loads, already parsed and linked, mapped at start-up.
# Trained on CLI commands (picocli, the gRPC client, protobuf); made with the launcher's own flags, which it
# must match to be used. In a UML guest `jswarm network attach --help` took 3.1 s with it, 11.9 s without.
T=$(now)
AOTFLAGS=(--enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -XX:+UseCompactObjectHeaders -XX:TieredStopAtLevel=1)
"$LIB/runtime/bin/java" "${AOTFLAGS[@]}" -XX:AOTCacheOutput="$LIB/jswarm.aot" -Xlog:aot=warning -jar "$LIB/jswarm.jar" \
  network attach --help >/dev/null
[ -s "$LIB/jswarm.aot" ] || { echo "build-package: no AOT cache was written" >&2; exit 1; }
# The thin client's own cache, trained on its canned-daemon run, with the flags /usr/bin/jswarm gives it.
"$LIB/runtime/bin/java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -XX:AOTCacheOutput="$LIB/jswarm-thin.aot" \
  -Xlog:aot=warning -cp "$LIB/jswarm-thin.jar" io.jswarm.thin.ThinClient --aot-train >/dev/null
[ -s "$LIB/jswarm-thin.aot" ] || { echo "build-package: no thin AOT cache was written" >&2; exit 1; }
echo "build-package: AOT cache $(( $(stat -c %s "$LIB/jswarm.aot") / 1048576 )) MiB in $(ms "$T") ms"

SIZE_KB=$(du -sk --exclude=DEBIAN "$ROOT" | cut -f1)
sed -e "s/@VERSION@/$DEBVER/" -e "s/@INSTALLED_SIZE@/$SIZE_KB/" "$HERE/src/deb/control" >"$ROOT/DEBIAN/control"
install -m 0644 "$HERE/src/deb/conffiles" "$ROOT/DEBIAN/conffiles"
for s in postinst prerm postrm; do install -m 0755 "$HERE/src/deb/$s" "$ROOT/DEBIAN/$s"; done
find "$ROOT" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

T=$(now)
NAME=jswarm_${DEBVER}_amd64
rm -f "$OUT"/jswarm_*_amd64.deb "$OUT"/jswarm_*_amd64.tar.gz
# -z1: the jar and the runtime's modules file are compressed already; -z6 doubles the time for 3 % less.
dpkg-deb --root-owner-group -Zgzip -z1 --build "$ROOT" "$OUT/$NAME.deb" >/dev/null
# The tarball is the package's own data member (the same bytes dpkg unpacks), so it costs no second compression.
if command -v ar >/dev/null; then
  ar p "$OUT/$NAME.deb" data.tar.gz >"$OUT/$NAME.tar.gz"
else
  tar -C "$ROOT" --exclude=./DEBIAN --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
    -cf - . | gzip -n -1 >"$OUT/$NAME.tar.gz"
fi
echo "build-package: $NAME.deb ($(( $(stat -c %s "$OUT/$NAME.deb") / 1048576 )) MiB) and .tar.gz in $(ms "$T") ms"
