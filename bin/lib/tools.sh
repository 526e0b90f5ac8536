# Sourced by bin/test and e2e/bench: jswarm_need_tools PKG:COMMAND ... installs the Debian packages whose
# command is missing, when running as root (apt-get update once, then a minimal install). Without root it
# only says what is missing; the caller decides whether that is fatal.
jswarm_need_tools() {
  local spec pkg cmd missing=()
  for spec in "$@"; do
    pkg=${spec%%:*} cmd=${spec#*:}
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "jswarm: missing tools from Debian packages: ${missing[*]} (install them as root)" >&2
    return 1
  fi
  echo "jswarm: installing ${missing[*]} ..." >&2
  if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; } >&2; then
    echo "jswarm: could not install ${missing[*]}" >&2
    return 1
  fi
}
