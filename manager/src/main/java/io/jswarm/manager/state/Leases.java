package io.jswarm.manager.state;

import io.jswarm.manager.ipam.AddressAllocator;
import io.jswarm.manager.ipam.IpamException;
import io.jswarm.proto.state.AttachEndpoint;
import io.jswarm.proto.state.ClaimLease;
import io.jswarm.proto.state.Endpoint;
import io.jswarm.proto.state.GrantLease;
import io.jswarm.proto.state.LeasedAddress;
import io.jswarm.proto.state.ReturnLease;
import io.jswarm.proto.state.Snapshot;
import io.jswarm.vxlan.IpPrefix;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Address leases (issue 12): a node holds a few addresses per network, granted through the log, so that it can
 * attach while no manager is reachable and claim the endpoint later. Part of {@link StateMachine}, deterministic
 * like it; the addresses come from and go back to the network's own allocator in {@link NetworkState}, so a
 * leased address is "used" there (no attach, requested or serial, can take it) and serial order is kept.
 *
 * <p><b>No expiry by time, on purpose.</b> A lease is freed only through the log: by its holder (a return, or a
 * claim that turns it into an endpoint), by {@code RemoveNode} (the node is revoked: its certificate is refused
 * and its table entries are no longer believed, so it cannot use the address anywhere that matters), by
 * {@code ReleaseNodeEndpoints} (the node leaves: it has torn down its sandboxes first) or by {@code RemoveNetwork}
 * (the network, its VNI and every table of it are gone). A timer could not be safe: a node cut off from the
 * managers may have attached with any of its leased addresses, and nobody but that node knows which; if the
 * manager reclaimed them after a timeout it could hand one to another node while the partitioned node's
 * sandbox still answers on it — exactly Swarm's duplicate-address bug (reference §7). The price is bounded:
 * at most {@link #MAX_PER_NETWORK} addresses per node and network, counted against the node's endpoint quota,
 * all leases of a network within a quarter of its addresses, and an operator reclaims a dead node's lease with
 * {@code node rm}.
 *
 * <p>Not thread-safe: owned by the {@link StateMachine}.
 */
final class Leases {
    /** The most addresses one node may hold as a lease on one network. */
    static final int MAX_PER_NETWORK = 8;
    /** All leases of a network together hold at most 1/this of its addresses. */
    static final int NETWORK_SHARE_DIVISOR = 4;

    private final NetworkState networks;
    /** Network id → node id → address → lease, in grant order. */
    private final Map<String, Map<String, Map<Long, LeasedAddress>>> leases = new LinkedHashMap<>();

    Leases(NetworkState networks) {
        this.networks = networks;
    }

    /** How many addresses {@code nodeId} holds as a lease on {@code networkId}. */
    long held(String networkId, String nodeId) {
        return leases.getOrDefault(networkId, Map.of()).getOrDefault(nodeId, Map.of()).size();
    }

    /** The leases {@code nodeId} holds on {@code networkId}, in grant order. */
    List<LeasedAddress> heldBy(String networkId, String nodeId) {
        return List.copyOf(leases.getOrDefault(networkId, Map.of()).getOrDefault(nodeId, Map.of()).values());
    }

    // ---- grant ----

    /** The addresses a grant would lease, in order; changes nothing. */
    List<LeasedAddress> planGrant(GrantLease g, Predicate<String> nodeExists, long index) throws IpamException {
        String networkId = networks.requireId(g.getNetworkId());
        if (!nodeExists.test(g.getNodeId())) {
            throw new IpamException("node " + g.getNodeId() + " not found");
        }
        int count = g.getEndpointIdsCount();
        if (count == 0) {
            throw new IpamException("a lease needs at least one address");
        }
        long held = held(networkId, g.getNodeId());
        if (held + count > MAX_PER_NETWORK) {
            throw new IpamException("lease limit exceeded: node " + g.getNodeId() + " holds " + held
                    + " leased addresses on this network, asked for " + count + " more (limit " + MAX_PER_NETWORK + ")");
        }
        // Leases must never starve attaches: all leases of a network together stay within a quarter of its addresses
        // (a /24: 63, a /28: 3), so most of a pool is always there for attaches through a manager.
        long capacity = networks.allocator(networkId).capacity();
        long leasedOnNetwork = leases.getOrDefault(networkId, Map.of()).values().stream().mapToLong(Map::size).sum();
        if (leasedOnNetwork + count > capacity / NETWORK_SHARE_DIVISOR) {
            throw new IpamException("lease limit exceeded: network " + networkId + " has " + leasedOnNetwork
                    + " leased addresses, asked for " + count + " more (limit " + capacity / NETWORK_SHARE_DIVISOR
                    + ": a quarter of its " + capacity + " addresses)");
        }
        Set<String> ids = new HashSet<>();
        for (String id : g.getEndpointIdsList()) {
            if (id.isEmpty() || !ids.add(id) || networks.hasEndpoint(networkId, id) || leasedId(networkId, id)) {
                throw new IpamException("lease endpoint id " + SafeText.quote(id) + " is empty or already in use");
            }
        }
        networks.checkLeaseQuota(networkId, g.getNodeId(), new EndpointQuota(g.getMaxNodeEndpoints(),
                g.getMaxNodeEndpointsPerNetwork(), Math.min(g.getMaxNodeSharePercent(), 100)), count);
        // The addresses serial allocation would hand out next, without moving the real cursor.
        AddressAllocator real = networks.allocator(networkId);
        List<Long> picked = new ArrayList<>();
        long cursor = real.cursor();
        for (int i = 0; i < count; i++) {
            long a = real.peekAfter(cursor, new HashSet<>(picked));
            picked.add(a);
            cursor = a;
        }
        List<LeasedAddress> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(LeasedAddress.newBuilder().setNetworkId(networkId).setNodeId(g.getNodeId())
                    .setAddress(IpPrefix.formatIpv4(picked.get(i))).setEndpointId(g.getEndpointIds(i))
                    .setGrantedIndex(index).build());
        }
        return out;
    }

    List<LeasedAddress> applyGrant(GrantLease g, Predicate<String> nodeExists, long index) throws IpamException {
        List<LeasedAddress> planned = planGrant(g, nodeExists, index);
        AddressAllocator real = networks.allocator(planned.getFirst().getNetworkId());
        for (LeasedAddress l : planned) {
            if (real.allocateNext() != IpPrefix.parseIpv4(l.getAddress())) {
                throw new IllegalStateException("lease allocation diverged from its plan");
            }
            holder(l.getNetworkId(), l.getNodeId()).put(IpPrefix.parseIpv4(l.getAddress()), l);
        }
        return planned;
    }

    // ---- claim ----

    /** The lease a claim turns into an endpoint, and that endpoint; changes nothing. */
    record Claim(LeasedAddress lease, Endpoint endpoint) {
    }

    Claim planClaim(ClaimLease c, Predicate<String> nodeExists) throws IpamException {
        AttachEndpoint a = c.getEndpoint();
        String networkId = networks.requireId(a.getNetworkId());
        LeasedAddress lease = requireHeld(networkId, a.getNodeId(), a.getRequestedIp());
        Endpoint e = networks.planClaim(a.toBuilder().setNetworkId(networkId).build(), lease.getEndpointId(),
                IpPrefix.parseIpv4(lease.getAddress()), nodeExists);
        return new Claim(lease, e);
    }

    Claim applyClaim(ClaimLease c, Predicate<String> nodeExists) throws IpamException {
        Claim planned = planClaim(c, nodeExists);
        LeasedAddress l = planned.lease();
        // The address moves from the lease to the endpoint: it stays taken in the allocator throughout.
        holder(l.getNetworkId(), l.getNodeId()).remove(IpPrefix.parseIpv4(l.getAddress()));
        prune(l.getNetworkId(), l.getNodeId());
        AttachEndpoint a = c.getEndpoint().toBuilder().setNetworkId(l.getNetworkId()).build();
        Endpoint e = networks.applyClaim(a, l.getEndpointId(), IpPrefix.parseIpv4(l.getAddress()), nodeExists);
        return new Claim(l, e);
    }

    private LeasedAddress requireHeld(String networkId, String nodeId, String address) throws IpamException {
        long a;
        try {
            a = IpPrefix.parseIpv4(address);
        } catch (IllegalArgumentException e) {
            throw new IpamException("invalid leased address " + SafeText.quote(address));
        }
        LeasedAddress l = leases.getOrDefault(networkId, Map.of()).getOrDefault(nodeId, Map.of()).get(a);
        if (l == null) {
            throw new IpamException("address " + IpPrefix.formatIpv4(a) + " is not leased to node " + nodeId);
        }
        return l;
    }

    // ---- return and reclaim ----

    /** Refuses only a bad reference; addresses the node does not hold are skipped (a retried return). */
    void planReturn(ReturnLease r) throws IpamException {
        networks.requireId(r.getNetworkId());
        for (String a : r.getAddressesList()) {
            try {
                IpPrefix.parseIpv4(a);
            } catch (IllegalArgumentException e) {
                throw new IpamException("invalid leased address " + SafeText.quote(a));
            }
        }
    }

    /** The leases given back (those the node held). */
    List<LeasedAddress> applyReturn(ReturnLease r) throws IpamException {
        planReturn(r);
        String networkId = networks.requireId(r.getNetworkId());
        Map<Long, LeasedAddress> held = leases.getOrDefault(networkId, Map.of()).get(r.getNodeId());
        if (held == null) {
            return List.of();
        }
        List<LeasedAddress> out = new ArrayList<>();
        for (String text : r.getAddressesList()) {
            LeasedAddress l = held.remove(IpPrefix.parseIpv4(text));
            if (l != null) {
                networks.allocator(networkId).release(IpPrefix.parseIpv4(l.getAddress()));
                out.add(l);
            }
        }
        prune(networkId, r.getNodeId());
        return out;
    }

    /** Every lease of {@code nodeId} is freed ({@code node rm}: revoked; {@code leave}: it tore down first). */
    List<LeasedAddress> releaseNode(String nodeId) {
        List<LeasedAddress> out = new ArrayList<>();
        for (var byNode : leases.entrySet()) {
            Map<Long, LeasedAddress> held = byNode.getValue().remove(nodeId);
            if (held == null) {
                continue;
            }
            for (LeasedAddress l : held.values()) {
                try {
                    networks.allocator(byNode.getKey()).release(IpPrefix.parseIpv4(l.getAddress()));
                } catch (IpamException e) {
                    throw new IllegalStateException("lease on a network that is gone: " + l, e);
                }
                out.add(l);
            }
        }
        leases.values().removeIf(Map::isEmpty);
        return out;
    }

    /** The network was removed (its allocator went with it): its leases are gone. */
    void dropNetwork(String networkId) {
        leases.remove(networkId);
    }

    private Map<Long, LeasedAddress> holder(String networkId, String nodeId) {
        return leases.computeIfAbsent(networkId, k -> new LinkedHashMap<>()).computeIfAbsent(nodeId, k -> new LinkedHashMap<>());
    }

    private void prune(String networkId, String nodeId) {
        Map<String, Map<Long, LeasedAddress>> byNode = leases.get(networkId);
        if (byNode != null) {
            byNode.computeIfPresent(nodeId, (k, m) -> m.isEmpty() ? null : m);
            if (byNode.isEmpty()) {
                leases.remove(networkId);
            }
        }
    }

    private boolean leasedId(String networkId, String endpointId) {
        return leases.getOrDefault(networkId, Map.of()).values().stream().flatMap(m -> m.values().stream())
                .anyMatch(l -> l.getEndpointId().equals(endpointId));
    }

    // ---- queries and snapshots ----

    /** Every lease: per network (first lease first), per node, in grant order. */
    List<LeasedAddress> all() {
        return leases.values().stream().flatMap(m -> m.values().stream()).flatMap(m -> m.values().stream()).toList();
    }

    void snapshotInto(Snapshot.Builder b) {
        b.addAllLeases(all());
    }

    /** After {@link NetworkState#restore}: the leased addresses are taken in their allocators again. */
    void restore(Snapshot s) {
        leases.clear();
        for (LeasedAddress l : s.getLeasesList()) {
            try {
                long a = IpPrefix.parseIpv4(l.getAddress());
                AddressAllocator alloc = networks.allocator(l.getNetworkId());
                if (l.getEndpointId().isEmpty() || leasedId(l.getNetworkId(), l.getEndpointId())
                        || networks.hasEndpoint(l.getNetworkId(), l.getEndpointId())) {
                    throw new IllegalArgumentException("snapshot lease " + l.getAddress() + " has a bad endpoint id");
                }
                alloc.allocate(a); // refuses an address out of range or taken twice
                holder(l.getNetworkId(), l.getNodeId()).put(a, l);
            } catch (IpamException | IllegalArgumentException e) {
                throw new IllegalArgumentException("snapshot lease " + l.getAddress() + " in network "
                        + l.getNetworkId() + " is invalid: " + e.getMessage(), e);
            }
        }
    }
}
