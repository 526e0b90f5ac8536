#!/bin/bash
# jsuml-service start|stop|restart|status UNIT: runs a systemd unit's service in a lab guest that has no systemd,
# the way systemd would: EnvironmentFile (a leading '-': optional), ExecStart with $VAR expansion,
# CapabilityBoundingSet and NoNewPrivileges (through setpriv), Restart=on-failure (RestartSec, SuccessExitStatus), stop by
# KillSignal to the main process only (KillMode=process). Output goes to /var/log/UNIT.log (the journal here).
set -uo pipefail
cmd=$1 unit=$2
U=/usr/lib/systemd/system/$unit.service
PIDF=/run/jsuml-$unit.pid SUP=/run/jsuml-$unit.sup LOG=/var/log/$unit.log
key() { sed -n "s/^$1=//p" "$U" | tail -1; }
supervise() {
  local envf exec caps nnp sig rsec rc
  envf=$(key EnvironmentFile) exec=$(key ExecStart) caps=$(key CapabilityBoundingSet) nnp=$(key NoNewPrivileges)
  rsec=$(key RestartSec); rsec=${rsec%s}
  while :; do
    (
      set -a
      if [ -n "$envf" ]; then
        if [ "${envf#-}" != "$envf" ]; then [ -f "${envf#-}" ] && . "${envf#-}"; else . "$envf"; fi
      fi
      set +a
      bound=-all
      for c in $caps; do c=${c#CAP_}; bound+=",+${c,,}"; done
      args=(--bounding-set="$bound")
      [ "$nnp" = yes ] && args+=(--no-new-privs)
      eval "exec setpriv ${args[*]} -- $exec"
    ) >>"$LOG" 2>&1 </dev/null &
    echo $! >"$PIDF"
    wait $! ; rc=$?
    echo "jsuml-service: $unit main process exited, status $rc" >>"$LOG"
    [ -f "$SUP.stop" ] && break
    ok=" 0 $(key SuccessExitStatus) "
    [ "$(key Restart)" = on-failure ] && [ "${ok/ $rc /}" = "$ok" ] || break
    sleep "${rsec:-1}"
  done
  rm -f "$PIDF" "$SUP" "$SUP.stop"
}
stop() {
  [ -f "$SUP" ] || return 0
  touch "$SUP.stop"
  local sig; sig=$(key KillSignal); sig=${sig:-SIGTERM}
  [ -f "$PIDF" ] && kill -s "${sig#SIG}" "$(cat "$PIDF")" 2>/dev/null
  for _ in $(seq 1 300); do [ -f "$SUP" ] || return 0; sleep 0.1; done
  echo "jsuml-service: $unit did not stop in 30 s" >&2; return 1
}
case $cmd in
  start) [ -f "$SUP" ] && exit 0; supervise </dev/null >/dev/null 2>&1 & echo $! >"$SUP" ;;
  stop) stop ;;
  restart) stop && "$0" start "$unit" ;;
  status) [ -f "$PIDF" ] && kill -0 "$(cat "$PIDF")" 2>/dev/null && echo "active $(cat "$PIDF")" || { echo inactive; exit 3; } ;;
  *) echo "usage: jsuml-service start|stop|restart|status UNIT" >&2; exit 2 ;;
esac
