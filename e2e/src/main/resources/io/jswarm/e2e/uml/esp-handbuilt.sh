# Sourced in a UML guest (bash): an encrypted overlay built by hand, exactly as the issue 11 design
# (/work/wt/notes/esp-design.md, ARCHITECTURE.md "Encrypted overlays: proof on separate kernels") says jswarm
# builds it, with no jswarm: a VXLAN device on UDP 4799 and ip-xfrm SAs/policies in the host namespace.
# Guest i is 198.51.100.(10+i) on the underlay and 203.0.113.i on the overlay; its data_index is i.
# Used as the bench baseline (`e2e/bench encrypted`) and to check the design on a real ESP kernel
# (EspDesignUmlE2ETest). Keys are derived from a seed so both ends agree without a message (as EspKeys does).
# selectors say "proto 17": the guests (debootstrap minbase) have no /etc/protocols, so "udp" is unknown there
ESP_PORT=${ESP_PORT:-4799}
ESP_REQID=${ESP_REQID:-0x4a5357}
ESP_DEV=${ESP_DEV:-jsenc0}
ESP_SEED=${ESP_SEED:-jsenc-lab-seed}
ESP_FLUSH=${ESP_FLUSH:-1}   # 0 beside jswarm: esp_up then flushes nothing (jswarm's SAs use another port and reqid)
esp_a() { echo "198.51.100.$((10 + $1))"; }
esp_o() { echo "203.0.113.$1"; }
esp_mac() { printf '02:00:cb:00:71:%02x' "$1"; }
# SPI of the SA receiver R uses for packets from sender S at generation G: 0x4A000000 | (G & 0xFF) << 16 | S
esp_spi() { printf '0x%08x' $(( 0x4A000000 | (($2 & 0xFF) << 16) | $1 )); }
# 20 bytes (16 key + 4 salt) for direction S -> R at generation G; a lab key, never a real one
esp_key() { echo "0x$(printf '%s/%s/%s/%s' "$ESP_SEED" "$1" "$2" "$3" | sha256sum | cut -c1-40)"; }
# The functions below print `ip -batch` lines; esp_do runs them (one process, stops at the first error).
esp_do() { ip -batch -; }
# esp_sa S R G [extra]: the state for S -> R at generation G (the same line on both ends)
esp_sa() {
  echo "xfrm state add src $(esp_a "$1") dst $(esp_a "$2") proto esp spi $(esp_spi "$1" "$3") reqid $ESP_REQID" \
    "mode transport replay-window 128 flag esn aead rfc4106(gcm(aes)) $(esp_key "$1" "$2" "$3") 128 ${4:-}"
}
# esp_out_policy SELF PEER G add|update: the per-peer OUT policy, template on the primary generation's SPI
esp_out_policy() {
  echo "xfrm policy $4 src $(esp_a "$1")/32 dst $(esp_a "$2")/32 proto 17 dport $ESP_PORT dir out priority 100" \
    "tmpl src $(esp_a "$1") dst $(esp_a "$2") proto esp spi $(esp_spi "$1" "$3") reqid $ESP_REQID mode transport"
}
# esp_up SELF G VNI MTU PEER...: flush, VXLAN device, SAs of generation G with every peer, the three policy kinds
esp_up() {
  local self=$1 g=$2 vni=$3 mtu=$4 p; shift 4
  modprobe vxlan && modprobe ipv6 && sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 || return 1
  if [ "$ESP_FLUSH" = 1 ]; then ip xfrm state flush && ip xfrm policy flush || return 1; fi
  ip link del "$ESP_DEV" 2>/dev/null || true
  ip link add "$ESP_DEV" address "$(esp_mac "$self")" type vxlan id "$vni" dstport "$ESP_PORT" local "$(esp_a "$self")" \
    dev eth0 nolearning || return 1
  # static FDB and neighbour entries as jswarm writes them (no flooding: each packet goes to its one peer)
  for p in "$@"; do bridge fdb append "$(esp_mac "$p")" dev "$ESP_DEV" dst "$(esp_a "$p")" || return 1; done
  ip link set "$ESP_DEV" mtu "$mtu" && ip addr add "$(esp_o "$self")/24" dev "$ESP_DEV" && ip link set "$ESP_DEV" up || return 1
  for p in "$@"; do ip neigh replace "$(esp_o "$p")" lladdr "$(esp_mac "$p")" dev "$ESP_DEV" nud permanent || return 1; done
  {
    for p in "$@"; do esp_sa "$self" "$p" "$g"; esp_sa "$p" "$self" "$g"; esp_out_policy "$self" "$p" "$g" add; done
    # no plaintext fallback: anything to 4799 without a per-peer policy is blocked; inbound 4799 must have come
    # through one of our SAs (template: any address, any SPI, our reqid)
    echo "xfrm policy add src 0.0.0.0/0 dst 0.0.0.0/0 proto 17 dport $ESP_PORT dir out priority 200 action block"
    echo "xfrm policy add src 0.0.0.0/0 dst 0.0.0.0/0 proto 17 dport $ESP_PORT dir in priority 200 tmpl proto esp reqid $ESP_REQID mode transport"
  } | esp_do
}
# esp_add_gen SELF G PEER...: make: in + out SAs of generation G with every peer (policies stay on the old SPI)
esp_add_gen() {
  local self=$1 g=$2 p; shift 2
  for p in "$@"; do esp_sa "$self" "$p" "$g"; esp_sa "$p" "$self" "$g"; done | esp_do
}
# esp_promote SELF G PEER...: switch each per-peer OUT policy's template to generation G (one UPDPOLICY each)
esp_promote() {
  local self=$1 g=$2 p; shift 2
  for p in "$@"; do esp_out_policy "$self" "$p" "$g" update; done | esp_do
}
# esp_del_gen SELF G PEER...: break: delete generation G's SAs with every peer
esp_del_gen() {
  local self=$1 g=$2 p; shift 2
  for p in "$@"; do
    echo "xfrm state delete src $(esp_a "$self") dst $(esp_a "$p") proto esp spi $(esp_spi "$self" "$g")"
    echo "xfrm state delete src $(esp_a "$p") dst $(esp_a "$self") proto esp spi $(esp_spi "$p" "$g")"
  done | esp_do
}
# esp_stat NAME: one counter of /proc/net/xfrm_stat
esp_stat() { awk -v n="$1" '$1 == n { print $2 }' /proc/net/xfrm_stat; }
# esp_inbound_drops: every XfrmIn* counter that counts a dropped inbound packet, summed
esp_inbound_drops() { awk '$1 ~ /^XfrmIn/ { s += $2 } END { print s + 0 }' /proc/net/xfrm_stat; }
# esp_attacker TARGET VNI SRC_LAST_OCTET: from a namespace of its own (no XFRM policies there) on a macvlan
# of eth0, a plaintext VXLAN device towards TARGET's 4799 with the encrypted VNI; pings TARGET's overlay address
esp_attacker() {
  local target=$1 vni=$2 src="198.51.100.$3" ns=jsenc-atk
  ip netns del "$ns" 2>/dev/null || true
  ip netns add "$ns" && ip link add jsencatk0 link eth0 type macvlan mode bridge && ip link set jsencatk0 netns "$ns" || return 1
  ip -n "$ns" link set lo up && ip -n "$ns" addr add "$src/24" dev jsencatk0 && ip -n "$ns" link set jsencatk0 up || return 1
  ip -n "$ns" link add jsencatkvx type vxlan id "$vni" dstport "$ESP_PORT" local "$src" dev jsencatk0 nolearning || return 1
  ip netns exec "$ns" bridge fdb append 00:00:00:00:00:00 dev jsencatkvx dst "$(esp_a "$target")" || return 1
  ip -n "$ns" addr add 203.0.113.99/24 dev jsencatkvx && ip -n "$ns" link set jsencatkvx up || return 1
  ip netns exec "$ns" ping -c 5 -i 0.2 -W 1 "$(esp_o "$target")"
  local rc=$?
  ip netns del "$ns"
  return $rc
}
# esp_sandbox SELF PEER...: moves SELF's overlay address from the VXLAN device into namespace jsenc-sb behind
# a bridge and a veth pair, the topology jswarm gives a sandbox (so the bench compares like with like)
esp_sandbox() {
  local self=$1 p mtu br=jsencbr0 ns=jsenc-sb; shift
  mtu=$(cat "/sys/class/net/$ESP_DEV/mtu")
  ip netns del "$ns" 2>/dev/null || true; ip link del "$br" 2>/dev/null || true
  # the sandbox's eth0 takes over the overlay MAC; the VXLAN device gets another one, else the bridge would
  # treat frames to that MAC as its own (a port's address is local to the bridge) and never forward them
  ip addr flush dev "$ESP_DEV" && ip link set "$ESP_DEV" address "$(esp_mac "$((self + 128))")" && ip netns add "$ns" || return 1
  ip link add "$br" type bridge && ip link set "$br" mtu "$mtu" up && ip link set "$ESP_DEV" master "$br" || return 1
  ip link add jsencv0 mtu "$mtu" type veth peer name eth0 mtu "$mtu" netns "$ns" && ip link set jsencv0 master "$br" up || return 1
  ip -n "$ns" link set lo up && ip -n "$ns" link set eth0 address "$(esp_mac "$self")" up || return 1
  ip -n "$ns" addr add "$(esp_o "$self")/24" dev eth0 || return 1
  for p in "$@"; do ip -n "$ns" neigh replace "$(esp_o "$p")" lladdr "$(esp_mac "$p")" dev eth0 nud permanent || return 1; done
}
