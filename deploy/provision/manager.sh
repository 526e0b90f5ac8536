#!/bin/sh
# Guest side, node1: make it the swarm's manager, create the attachable overlay, attach sandbox demo-1.
# Arguments: ADVERTISE_IP SANDBOX NETWORK. Idempotent: a second run finds everything in place and changes nothing.
set -eu
ip=$1 sandbox=$2 network=$3

if jswarm info | grep -q '^ Swarm: inactive'; then
  # init prints the worker token: keep it out of Vagrant's output (the workers get it over SSH, see the Vagrantfile).
  jswarm init --advertise-addr "$ip" >/dev/null
  echo "jswarm: swarm initialised, node1 is the manager at $ip:2377"
else
  echo "jswarm: node1 is already the manager"
fi
if ! jswarm network inspect "$network" >/dev/null 2>&1; then
  echo "jswarm: network $network: $(jswarm network create -d overlay --attachable "$network")"
fi
if [ ! -e "/run/netns/$sandbox" ]; then
  echo "jswarm: $(jswarm network attach "$network" --name "$sandbox")"
fi
