#!/bin/sh
# Guest side, node2..N (run by the Vagrantfile's join trigger): join node1's swarm with the token from an
# owner-only file, attach this host's sandbox, and ping node1's sandbox by name.
# Arguments: TOKEN_FILE MANAGER_IP ADVERTISE_IP SANDBOX NETWORK MANAGER_SANDBOX. Idempotent, like manager.sh.
# TOKEN_FILE lies in a 0700 directory of the uploading user; it is made 0600 (join warns otherwise) and deleted.
set -eu
token=$1 manager=$2 ip=$3 sandbox=$4 network=$5 peer=$6
trap 'rm -f "$token"' EXIT
chmod 600 "$token"

# Only an inactive node joins: one that is pending (its manager briefly unreachable) has joined already.
if jswarm info | grep -q '^ Swarm: inactive'; then
  # --token-file: the token never appears in a process argument (ps shows every user the arguments).
  jswarm join --token-file "$token" --advertise-addr "$ip" "$manager:2377"
else
  echo "jswarm: $(hostname) is already in the swarm"
fi
if [ ! -e "/run/netns/$sandbox" ]; then
  echo "jswarm: $(jswarm network attach "$network" --name "$sandbox")"
fi
# The first packets may wait for the entries to reach the other hosts: a few tries, then a clear failure.
i=0
until out=$(ip netns exec "$sandbox" ping -c1 -W2 "$peer" 2>&1); do
  i=$((i + 1))
  if [ "$i" -ge 10 ]; then
    echo "$out" >&2
    echo "jswarm: $sandbox cannot reach $peer (see 'jswarm network inspect $network' and 'journalctl -u jswarm')" >&2
    exit 1
  fi
  sleep 1
done
echo "jswarm: $sandbox -> $peer: $(echo "$out" | grep 'bytes from')"
