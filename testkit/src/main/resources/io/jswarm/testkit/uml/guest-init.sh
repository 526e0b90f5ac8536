#!/bin/bash
# PID 1 of a jswarm UML lab guest (/sbin/jsuml-init; boot with init=/sbin/jsuml-init). No systemd, no ssh.
# Kernel parameters read from /proc/cmdline: jsname=NAME  jsip=A.B.C.D/NN  jsctl=/HOST/CTLDIR  jsshare=/HOST/DIR
# Control channel (the host's CTLDIR, mounted by hostfs at /ctl):
#   guest writes ready (its uptime when the network was up), then runs every cmd/ID.sh the host renames in,
#   each in a forked subshell (concurrently): output to out/ID.out, exit code to out/ID.rc when done.
# Services: every unit enabled in /etc/systemd/system/multi-user.target.wants starts at boot through
# jsuml-service (the unit's EnvironmentFile, ExecStart, capabilities and Restart=, as systemd would).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LANG=C.UTF-8
# UML saves and restores only x87/SSE/AVX state of guest processes (xstate-shim.c): AVX-512 registers are not
# switched between a guest process's threads, so neither glibc (GLIBC_TUNABLES, set on the kernel command line
# and inherited from there) nor the JVM (here, for commands; the lab writes it into /etc/default/jswarm for the
# service) may use them.
export JSWARM_JAVA_OPTS="-XX:UseAVX=2"
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
# devtmpfs lacks what udev would add; bash process substitution needs /dev/fd
ln -sfn /proc/self/fd /dev/fd; ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout; ln -sf /proc/self/fd/2 /dev/stderr
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -o remount,rw /
NAME=guest IP="" CTL="" SHARE=""
for kv in $(cat /proc/cmdline); do
  case $kv in
    jsname=*) NAME=${kv#*=} ;;
    jsip=*) IP=${kv#*=} ;;
    jsctl=*) CTL=${kv#*=} ;;
    jsshare=*) SHARE=${kv#*=} ;;
  esac
done
hostname "$NAME"; echo "$NAME" >/etc/hostname
# as Debian's installer does: the host's own name resolves (the daemon's gossip start looks it up)
printf '127.0.0.1 localhost\n127.0.1.1 %s\n' "$NAME" >/etc/hosts
# The kernel runs its on-demand modprobe (request_module) with an environment of its own, without GLIBC_TUNABLES:
# glibc then used AVX-512 and modprobe died, so every on-demand load failed (found with issue 11: `ip xfrm` said
# "Protocol not supported" for want of xfrm_user, an ESP SA "Requested AEAD algorithm not found" for want of
# gcm/ctr/ghash/seqiv). A wrapper gives it the tunables, so the guests load modules on demand as a real host does.
printf '#!/bin/sh\nGLIBC_TUNABLES=%s exec /sbin/modprobe "$@"\n' "$GLIBC_TUNABLES" >/run/jsuml-modprobe
chmod 0755 /run/jsuml-modprobe && echo /run/jsuml-modprobe >/proc/sys/kernel/modprobe
# Debian hosts load these on demand; under this UML kernel the on-demand load from rtnetlink fails
# ("RTM_NEWLINK br0: EOPNOTSUPP: Unknown device type"), so they are loaded at boot; sch_ingress (clsact) and
# cls_bpf carry the sandbox ports' source filter ("RTM_NEWTFILTER ...: Parent Qdisc doesn't exists" without)
modprobe -a bridge vxlan veth sch_ingress cls_bpf
# IPv6 is a module here: left out, its router solicitations and DAD would flood the overlay under test.
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null
ip link set lo up
ip addr add "$IP" dev eth0 && ip link set eth0 up
[ -n "$SHARE" ] && mount -t hostfs -o ro,"$SHARE" none /share
mount -t hostfs none /ctl -o "$CTL" || { echo "jsuml-init: no control dir" >&2; exec /bin/bash; }
mkdir -p /ctl/cmd /ctl/out
for unit in /etc/systemd/system/multi-user.target.wants/*.service; do
  [ -e "$unit" ] && jsuml-service start "$(basename "$unit" .service)"
done
cut -d' ' -f1 /proc/uptime >/ctl/ready.tmp && mv /ctl/ready.tmp /ctl/ready
mkfifo /run/jsuml-tick
exec 9<>/run/jsuml-tick                  # `read -t` on a fifo: a sleep without forking (a fork costs ~3 ms)
shopt -s nullglob
declare -A seen
while :; do
  for f in /ctl/cmd/*.sh; do
    id=${f##*/}; id=${id%.sh}
    [ -n "${seen[$id]:-}" ] && continue
    seen[$id]=1
    (
      exec </dev/null >"/ctl/out/$id.out" 2>&1 9<&-
      trap 'echo $? >"/ctl/out/$id.rc.tmp"; mv "/ctl/out/$id.rc.tmp" "/ctl/out/$id.rc"' EXIT
      . "$f"
    ) &
  done
  read -r -t 0.05 -u 9 _ || true
done
