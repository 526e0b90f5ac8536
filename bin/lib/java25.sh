# Sourced by bin/jswarm, bin/test and e2e/bench: exports JAVA_HOME pointing at a Java 25+ JDK, or exits
# with a clear message. Order: $JAVA_HOME if it is 25+, else the Temurin 25 JDK under /usr/lib/jvm.
# From the JDK's release file (no JVM start: every jswarm command pays this, and the thin client answers in
# ~0.1 s); asking the JVM only when a JDK has no release file.
java_major() {
  local line v
  if [ -f "$1/release" ]; then
    while IFS= read -r line; do # bash only: no sed process either
      case $line in JAVA_VERSION=\"*) v=${line#JAVA_VERSION=\"}; v=${v%%[!0-9]*}; break ;; esac
    done <"$1/release"
    [ -n "${v:-}" ] && { echo "$v"; return; }
  fi
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'
}
jswarm_find_java() {
  local cand
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ "$(java_major "$JAVA_HOME")" -ge 25 ] 2>/dev/null; then
    return 0
  fi
  for cand in /usr/lib/jvm/temurin-25-jdk* /usr/lib/jvm/*-25-* /usr/lib/jvm/*; do
    if [ -x "$cand/bin/javac" ] && [ "$(java_major "$cand")" -ge 25 ] 2>/dev/null; then
      export JAVA_HOME="$cand"
      return 0
    fi
  done
  echo "jswarm: no Java 25 JDK found. Set JAVA_HOME to a JDK 25+ (looked at \$JAVA_HOME and /usr/lib/jvm)." >&2
  exit 1
}
jswarm_find_java
export PATH="$JAVA_HOME/bin:$PATH"
