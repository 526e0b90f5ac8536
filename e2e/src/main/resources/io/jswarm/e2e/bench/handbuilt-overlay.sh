#!/usr/bin/env bash
# The datapath benchmark's baseline: one host's side of an overlay network built by hand with iproute2,
# the way Docker's overlay driver lays it out and with the same attributes jswarm's data plane uses
# (the benchmark passes the MTU it read from jswarm's devices, and compares both topologies before it runs).
#
# usage: handbuilt-overlay.sh HOST_NS NET_NS SANDBOX_NS VNI PORT VTEP MTU GATEWAY/LEN EP_ADDR/LEN EP_MAC \
#                             PEER_IP PEER_MAC PEER_VTEP
set -euo pipefail
host=$1 net=$2 sb=$3 vni=$4 port=$5 vtep=$6 mtu=$7 gw=$8 ep=$9 epmac=${10} pip=${11} pmac=${12} pvtep=${13}

ip netns add "$net"
ip netns add "$sb"
# vxlan0 is made in the host namespace, where the VTEP address lives (its UDP socket stays there), then moved.
ip -n "$host" link add vxlan0 mtu "$mtu" type vxlan id "$vni" local "$vtep" dstport "$port" \
  nolearning proxy l2miss l3miss
ip -n "$host" link set vxlan0 netns "$net"
ip -n "$net" link add br0 type bridge
ip -n "$net" addr add "$gw" dev br0
ip -n "$net" link set vxlan0 master br0
# The endpoint: a veth whose sandbox end is eth0 (created directly in the sandbox), the other end a br0 port.
ip -n "$net" link add veth0 mtu "$mtu" type veth peer name eth0 mtu "$mtu" address "$epmac" netns "$sb"
ip -n "$net" link set veth0 master br0
ip -n "$sb" addr add "$ep" dev eth0
ip -n "$net" link set br0 up
ip -n "$net" link set vxlan0 up
ip -n "$net" link set veth0 up
ip -n "$sb" link set lo up      # as jswarm does in a sandbox; the network namespace keeps lo down
ip -n "$sb" link set eth0 up
ip -n "$sb" route add default via "${gw%/*}" dev eth0
# The remote endpoint: static ARP answer (proxy) and where its MAC lives.
ip -n "$net" neigh replace "$pip" lladdr "$pmac" dev vxlan0 nud permanent
bridge -n "$net" fdb replace "$pmac" dev vxlan0 dst "$pvtep" self permanent
