# Sourced by bin/jswarm, bin/test and e2e/bench: exports JAVA_HOME pointing at a Java 25+ JDK, or exits
# with a clear message. Order: $JAVA_HOME if it is 25+, else the Temurin 25 JDK under /usr/lib/jvm.
java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
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
