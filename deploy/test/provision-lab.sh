#!/usr/bin/env bash
# deploy/test/provision-lab.sh (root): the Vagrantfile's provisioning, without Vagrant's VMs. Three lab hosts
# (network namespaces jsvagrant-<pid>-h1..h3 on a bridge in jsvagrant-<pid>-ul, no uplink, 198.51.100.11-13), a
# real `jswarm daemon` in each (bin/jswarm, its own data root and socket), then exactly what `vagrant up` runs
# after the package install: provision/manager.sh on h1 (as the shell provisioner would), the Vagrantfile's own
# join trigger (jswarm_join, through lab-join.rb: nsenter + cp instead of SSH + SCP) for h2 and h3, each twice
# (idempotent). Checks: README's ping command between two workers' sandboxes by name, 3 nodes Ready, the token
# never in the output and its files gone, and a wrong token refused with a clear error and nothing made.
# Not covered: install.sh (dpkg -i and systemd belong to a real guest), Vagrant's SSH/SCP and the box.
set -uo pipefail
DEPLOY=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
ROOT=$(cd "$DEPLOY/.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "provision-lab.sh: needs root (network namespaces)"; exit 2; }
P=jsvagrant-$$
LAB=$(mktemp -d /tmp/$P-XXXX)
LOG=$LAB/provision.log
PIDS=()
export JSWARM_IP_PREFIX=198.51.100

# Leftovers of crashed runs of this family (their PID no longer alive), then this run's cleanup on any exit.
remove_family() { # $1 = prefix of the names to remove
  local ns
  for ns in $(ip netns list | awk '{print $1}' | grep "^$1"); do ip netns del "$ns" 2>/dev/null; done
}
for old in $(ip netns list | awk '{print $1}' | sed -n 's/^jsvagrant-\([0-9]*\)-.*/\1/p' | sort -u); do
  kill -0 "$old" 2>/dev/null || remove_family "jsvagrant-$old-"
done
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  remove_family "$P-"
  grep -o " $LAB[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null
  rm -rf "$LAB"
}
trap cleanup EXIT

t0=$(date +%s%N)
step() { echo "[$(( ($(date +%s%N) - t0) / 1000000 )) ms] $*"; }
fail() { echo "provision-lab.sh: FAIL: $*" >&2; exit 1; }

# The hosts: a bridge in the underlay namespace, one veth into each host.
ip netns add "$P-ul" && ip -n "$P-ul" link add br0 type bridge && ip -n "$P-ul" link set br0 up || fail "underlay"
for i in 1 2 3; do
  ip netns add "$P-h$i" || fail "host $i"
  ip -n "$P-ul" link add "h$i" type veth peer name eth0 netns "$P-h$i"
  ip -n "$P-ul" link set "h$i" master br0 up
  ip -n "$P-h$i" addr add "198.51.100.1$i/24" dev eth0
  ip -n "$P-h$i" link set eth0 up && ip -n "$P-h$i" link set lo up
done
# `jswarm` for the scripts: bin/jswarm, talking to the host's daemon through JSWARM_HOST (set per command).
mkdir -p "$LAB/bin" && ln -s "$ROOT/bin/jswarm" "$LAB/bin/jswarm"
for i in 1 2 3; do
  nsenter --net="/run/netns/$P-h$i" "$ROOT/bin/jswarm" -H "unix://$LAB/h$i.sock" daemon --data-root "$LAB/h$i" \
    --exec-root "$LAB/h$i-run" --api-socket "$LAB/h$i-docker.sock" --hostname "node$i" >"$LAB/daemon-h$i.log" 2>&1 &
  PIDS+=($!)
done
on() { # on I COMMAND...: a command in host I with its daemon as the local one
  local i=$1; shift
  JSWARM_HOST="unix://$LAB/h$i.sock" PATH="$LAB/bin:$PATH" nsenter --net="/run/netns/$P-h$i" "$@"
}
for i in 1 2 3; do
  for _ in $(seq 120); do on "$i" jswarm info >/dev/null 2>&1 && break; sleep 1; done
  on "$i" jswarm info >/dev/null 2>&1 || { cat "$LAB/daemon-h$i.log" >&2; fail "daemon h$i did not answer in 120 s"; }
done
step "3 daemons answer"

# node1's shell provisioner, twice: the second run must find everything in place.
on 1 sh "$DEPLOY/provision/manager.sh" 198.51.100.11 "$P-demo-1" demo-net 2>&1 | tee -a "$LOG" | sed 's/^/    node1: /'
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "manager.sh"
step "manager.sh on h1"
again=$(on 1 sh "$DEPLOY/provision/manager.sh" 198.51.100.11 "$P-demo-1" demo-net 2>&1) || fail "manager.sh, second run: $again"
echo "$again" >>"$LOG"
[ "$again" = "jswarm: node1 is already the manager" ] || fail "manager.sh's second run changed something: $again"
step "manager.sh again: $again"

# Bad input: a worker with a wrong token gets a clear error, and nothing is made on it.
mkdir -m 700 "$LAB/wrong" && on 1 jswarm join-token -q worker | sed 's/a$/b/;t;s/.$/a/' >"$LAB/wrong/worker.token"
wrong=$(on 3 sh "$DEPLOY/provision/worker.sh" "$LAB/wrong/worker.token" 198.51.100.11 198.51.100.13 "$P-demo-3" demo-net "$P-demo-1" 2>&1)
rc=$?
echo "$wrong" >>"$LOG"
[ $rc -ne 0 ] || fail "a wrong token was accepted"
echo "$wrong" | grep -q '^Error' || fail "a wrong token gave no clear error: $wrong"
on 3 jswarm info | grep -q '^ Swarm: inactive' || fail "h3 is not left inactive after the refused join"
[ ! -e "/run/netns/$P-demo-3" ] || fail "a sandbox was made after the refused join"
[ ! -e "$LAB/wrong/worker.token" ] || fail "worker.sh left the token file"
step "wrong token refused: $(echo "$wrong" | grep '^Error' | head -1)"

# The Vagrantfile's join trigger for node2 and node3, twice.
ruby "$DEPLOY/test/lab-join.rb" "$LAB" "$P" 3 2>&1 | tee -a "$LOG"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "the join trigger"
step "join trigger for node2, node3"
again=$(ruby "$DEPLOY/test/lab-join.rb" "$LAB" "$P" 3 2>&1) || fail "the join trigger, second run: $again"
echo "$again" >>"$LOG"
[ "$(echo "$again" | grep -c 'is already in the swarm')" -eq 2 ] || fail "the second join run did not find both workers joined: $again"
[ "$(echo "$again" | grep -c 'jswarm: .*eth0')" -eq 0 ] || fail "the second join run attached again: $again"
step "join trigger again: both already in the swarm, nothing attached"

# What README promises.
out=$(ip netns exec "$P-demo-2" ping -c1 -W2 "$P-demo-3" 2>&1) || fail "demo-2 -> demo-3: $out"
step "ip netns exec $P-demo-2 ping -c1 $P-demo-3: $(echo "$out" | grep 'bytes from')"
out=$(ip netns exec "$P-demo-1" ping -c1 -W2 "$P-demo-3" 2>&1) || fail "demo-1 -> demo-3: $out"
ready=$(on 1 jswarm node ls | grep -c ' Ready ')
[ "$ready" -eq 3 ] || fail "node ls shows $ready Ready nodes, not 3"
step "node ls: 3 Ready"
! grep -q 'SWMTKN' "$LOG" || fail "a join token was printed"
[ ! -e "$LAB/join-2" ] && [ ! -e "$LAB/join-3" ] || fail "a worker's join directory (token) was left behind"
[ -z "$(find "$LAB" -maxdepth 1 -name 'jswarm-token*')" ] || fail "a host-side token file was left behind"
step "no token in the output, no token file left"
echo "provision-lab.sh: ok"
