package io.jswarm.manager.state;

import io.jswarm.proto.state.AddNode;
import io.jswarm.proto.state.DataKey;
import io.jswarm.proto.state.DataKeyPhase;
import io.jswarm.proto.state.Availability;
import io.jswarm.proto.state.Endpoint;
import io.jswarm.proto.state.InitCluster;
import io.jswarm.proto.state.Network;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The manager's state as it was right after the command at {@link #index} was applied: immutable, so any
 * thread may read it without a lock while the next command is being written, and everything one answer (a
 * view, a list) is built from comes from the same log position. Published by {@link ManagerStore} after
 * each apply; get the current one with {@link ManagerStore#view}.
 *
 * <p>The query methods mirror {@link StateMachine}'s. Protobuf messages are immutable, so a view shares
 * them with the state machine and only the collections are copied.
 */
public final class StateView {
    private final long index;
    private final InitCluster cluster;
    private final Map<String, AddNode> nodes;
    private final Map<String, Availability> availability;
    private final List<String> removed;
    private final Set<String> removedSet;
    /** Network id → network, creation order. */
    private final Map<String, Network> networks;
    /** Network id → its endpoints, attach order. */
    private final Map<String, List<Endpoint>> endpoints;
    /** Live data-key generations, ascending; roots sealed. */
    private final List<DataKey> dataKeys;
    /** Node id → highest acknowledged DataKeys state index. */
    private final Map<String, Long> keysInstalled;
    /** Issue 12: every address lease. */
    private final List<io.jswarm.proto.state.LeasedAddress> leases;

    StateView(long index, InitCluster cluster, Map<String, AddNode> nodes, Map<String, Availability> availability,
              List<String> removed, Map<String, Network> networks, Map<String, List<Endpoint>> endpoints,
              List<DataKey> dataKeys, Map<String, Long> keysInstalled, List<io.jswarm.proto.state.LeasedAddress> leases) {
        this.dataKeys = List.copyOf(dataKeys);
        this.keysInstalled = Map.copyOf(keysInstalled);
        this.leases = List.copyOf(leases);
        this.index = index;
        this.cluster = cluster;
        this.nodes = Collections.unmodifiableMap(new LinkedHashMap<>(nodes));
        this.availability = Map.copyOf(availability);
        this.removed = List.copyOf(removed);
        this.removedSet = Set.copyOf(removed);
        this.networks = Collections.unmodifiableMap(new LinkedHashMap<>(networks));
        Map<String, List<Endpoint>> eps = new LinkedHashMap<>();
        endpoints.forEach((id, list) -> eps.put(id, List.copyOf(list)));
        this.endpoints = Collections.unmodifiableMap(eps);
    }

    /** The log index of the last command applied (0 before any). */
    public long index() {
        return index;
    }

    public Optional<InitCluster> cluster() {
        return Optional.ofNullable(cluster);
    }

    public Optional<AddNode> node(String nodeId) {
        return Optional.ofNullable(nodes.get(nodeId));
    }

    /** Every current node, in join order. */
    public List<AddNode> nodes() {
        return List.copyOf(nodes.values());
    }

    public Availability availability(String nodeId) {
        return availability.getOrDefault(nodeId, Availability.AVAILABILITY_ACTIVE);
    }

    /** Every node id ever removed (revoked), in removal order. */
    public List<String> removedIds() {
        return removed;
    }

    public boolean isRemoved(String nodeId) {
        return removedSet.contains(nodeId);
    }

    /** Every network, in creation order. */
    public List<Network> networks() {
        return List.copyOf(networks.values());
    }

    /** A network by exact id, else by exact name. */
    public Optional<Network> network(String idOrName) {
        Network byId = networks.get(idOrName);
        return byId != null ? Optional.of(byId)
                : networks.values().stream().filter(n -> n.getName().equals(idOrName)).findFirst();
    }

    /** The endpoints of a network (by id or name) in attach order; empty if there is no such network. */
    public List<Endpoint> endpoints(String networkIdOrName) {
        return network(networkIdOrName).map(n -> endpoints.getOrDefault(n.getNetworkId(), List.of())).orElse(List.of());
    }

    /** Every endpoint {@code nodeId} owns, in network creation then attach order. */
    public List<Endpoint> endpointsOf(String nodeId) {
        return endpoints.values().stream().flatMap(List::stream).filter(e -> e.getNodeId().equals(nodeId)).toList();
    }

    /** The networks {@code network prune} would remove now: those without endpoints. */
    public List<Network> prunableNetworks() {
        return networks.values().stream().filter(n -> endpoints.getOrDefault(n.getNetworkId(), List.of()).isEmpty())
                .toList();
    }

    /** The live data-key generations (issue 11), ascending; their roots are sealed. */
    /** The DataKeys state index {@code nodeId} last acknowledged through the log (0: none). */
    public long keysInstalled(String nodeId) {
        return keysInstalled.getOrDefault(nodeId, 0L);
    }

    public List<DataKey> dataKeys() {
        return dataKeys;
    }

    /** The generation nodes send with, if any exists yet. */
    public Optional<DataKey> primaryDataKey() {
        return dataKeys.stream().filter(k -> k.getPhase() == DataKeyPhase.DATA_KEY_PRIMARY).findFirst();
    }

    /** The generation being rolled out (added, not yet promoted), if a rotation is under way. */
    public Optional<DataKey> inboundDataKey() {
        return dataKeys.stream().filter(k -> k.getPhase() == DataKeyPhase.DATA_KEY_INBOUND).findFirst();
    }

    /** Whether any network is encrypted. */
    public boolean anyEncrypted() {
        return networks.values().stream().anyMatch(Network::getEncrypted);
    }

    /** Issue 12: every address lease, per network and node in grant order. */
    public List<io.jswarm.proto.state.LeasedAddress> leases() {
        return leases;
    }

    /** Issue 12: the addresses leased to {@code nodeId}. */
    public List<io.jswarm.proto.state.LeasedAddress> leasesOf(String nodeId) {
        return leases.stream().filter(l -> l.getNodeId().equals(nodeId)).toList();
    }
}
