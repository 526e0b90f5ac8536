package io.jswarm.manager.state;

import io.jswarm.manager.ipam.IpamException;
import io.jswarm.proto.state.AddNode;
import io.jswarm.proto.state.Availability;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.Endpoint;
import io.jswarm.proto.state.InitCluster;
import io.jswarm.proto.state.Network;
import io.jswarm.proto.state.Role;
import io.jswarm.proto.state.Snapshot;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The manager's state, changed only by applying log commands in order. Deterministic: no clock, no
 * randomness, no I/O — every input (ids, secrets, timestamps) is inside the command — so every manager
 * that applies the same log reaches the same state, and a replicated log can replace the local one.
 *
 * <p>The command type is the protobuf {@link Command} itself (its oneof is the tagged union), so the log
 * needs no second hierarchy of Java types that could drift from the wire format.
 *
 * <p>Not thread-safe: {@link ManagerStore} serialises access and publishes {@link #view}s for readers.
 */
public final class StateMachine {
    private InitCluster cluster;
    private final Map<String, AddNode> nodes = new LinkedHashMap<>();
    private final Map<String, Availability> availability = new LinkedHashMap<>();
    private final Set<String> removed = new LinkedHashSet<>();
    private final NetworkState networks = new NetworkState(this::leased);
    private final Leases leases = new Leases(networks);
    private final DataKeyState dataKeys = new DataKeyState();
    private long lastApplied;

    /** Why {@code command} would be rejected in the current state, or empty if it applies. */
    public Optional<String> validate(Command command) {
        return switch (command.getKindCase()) {
            case INIT_CLUSTER -> cluster != null ? Optional.of("this node is already part of a swarm")
                    : Optional.empty();
            case ADD_NODE -> requireCluster().or(() -> checkAdd(command.getAddNode()));
            case REMOVE_NODE -> requireCluster().or(() -> requireNode(command.getRemoveNode().getNodeId()));
            case ROTATE_JOIN_TOKEN -> requireCluster().or(() -> requireRole(command.getRotateJoinToken().getRole()));
            case SET_NODE_ROLE -> requireCluster()
                    .or(() -> requireNode(command.getSetNodeRole().getNodeId()))
                    .or(() -> requireRole(command.getSetNodeRole().getRole()));
            case SET_NODE_AVAILABILITY -> requireCluster()
                    .or(() -> requireNode(command.getSetNodeAvailability().getNodeId()));
            case CREATE_NETWORK -> requireCluster().or(() -> refusal(() -> networks.planCreate(command.getCreateNetwork(), cluster)));
            case REMOVE_NETWORK -> requireCluster().or(() -> refusal(() -> networks.planRemove(command.getRemoveNetwork().getNetworkId())));
            case PRUNE_NETWORKS -> requireCluster();
            case ATTACH_ENDPOINT -> requireCluster().or(() -> refusal(() -> networks.planAttach(command.getAttachEndpoint(), nodes::containsKey)));
            case DETACH_ENDPOINT -> requireCluster().or(() -> refusal(() -> networks.planDetach(command.getDetachEndpoint())));
            case RELEASE_NODE_ENDPOINTS -> requireCluster()
                    .or(() -> requireNode(command.getReleaseNodeEndpoints().getNodeId()));
            case ADD_DATA_KEY -> requireCluster().or(() -> dataKeys.planAdd(command.getAddDataKey()));
            case PROMOTE_DATA_KEY -> requireCluster().or(() -> dataKeys.planPromote(command.getPromoteDataKey().getGeneration()));
            case RETIRE_DATA_KEY -> requireCluster().or(() -> dataKeys.planRetire(command.getRetireDataKey().getGeneration()));
            case KEYS_INSTALLED -> requireCluster().or(() -> requireNode(command.getKeysInstalled().getNodeId()));
            case GRANT_LEASE -> requireCluster().or(() -> refusal(() -> leases.planGrant(command.getGrantLease(), nodes::containsKey, lastApplied + 1)));
            case CLAIM_LEASE -> requireCluster().or(() -> refusal(() -> leases.planClaim(command.getClaimLease(), nodes::containsKey)));
            case RETURN_LEASE -> requireCluster().or(() -> refusal(() -> {
                leases.planReturn(command.getReturnLease());
                return null;
            }));
            case RESTORE_STATE -> cluster != null ? Optional.of("a state can be restored only into an empty log")
                    : command.getRestoreState().getSnapshot().hasCluster() ? Optional.empty()
                    : Optional.of("the restored state has no cluster");
            case KIND_NOT_SET -> Optional.of("empty command");
        };
    }

    /**
     * Applies the command at log position {@code index} (strictly increasing). A command that fails
     * validation is skipped, not an error: a log may legitimately hold a command that lost a race (two
     * managers proposing at once), and every replica must skip it alike.
     *
     * @return what was decided: {@link Applied.Refused} with the reason, or what the command changed
     */
    public Applied apply(long index, Command command) {
        if (index <= lastApplied) {
            throw new IllegalArgumentException("log index " + index + " already applied (last " + lastApplied + ")");
        }
        lastApplied = index;
        Optional<String> rejection = validate(command);
        if (rejection.isPresent()) {
            return new Applied.Refused(rejection.get());
        }
        try {
            return applyValid(command);
        } catch (IpamException e) {
            // validate() ran the same plan against the same state a moment ago.
            throw new IllegalStateException("validated command refused on apply: " + e.getMessage(), e);
        }
    }

    private Applied applyValid(Command command) throws IpamException {
        return switch (command.getKindCase()) {
            case INIT_CLUSTER -> {
                cluster = command.getInitCluster();
                yield new Applied.ClusterInitialized(cluster.getClusterId());
            }
            case ADD_NODE -> {
                // The data index is the state's choice at this log position (replicas agree), never the proposer's.
                AddNode n = command.getAddNode().toBuilder().setDataIndex(dataKeys.nextIndex(nodes.values())).build();
                nodes.put(n.getNodeId(), n);
                availability.putIfAbsent(n.getNodeId(), Availability.AVAILABILITY_ACTIVE);
                yield new Applied.NodeAdded(n);
            }
            case REMOVE_NODE -> {
                String id = command.getRemoveNode().getNodeId();
                nodes.remove(id);
                availability.remove(id);
                removed.add(id);
                dataKeys.nodeGone(id);
                leases.releaseNode(id); // revoked: it can never claim them, and its entries are no longer believed
                yield new Applied.NodeRemoved(id, networks.releaseNode(id));
            }
            case ROTATE_JOIN_TOKEN -> {
                var r = command.getRotateJoinToken();
                // Both forms are copied: a sealed rotation also clears an older plaintext secret.
                cluster = r.getRole() == Role.ROLE_MANAGER
                        ? cluster.toBuilder().setManagerTokenSecret(r.getNewSecret())
                                .setManagerTokenSealed(r.getNewSecretSealed()).build()
                        : cluster.toBuilder().setWorkerTokenSecret(r.getNewSecret())
                                .setWorkerTokenSealed(r.getNewSecretSealed()).build();
                yield new Applied.JoinTokenRotated(r.getRole());
            }
            case SET_NODE_ROLE -> {
                var r = command.getSetNodeRole();
                // A worker has no manager addresses; a manager keeps its own unless the command brings new ones.
                yield new Applied.NodeRoleChanged(nodes.computeIfPresent(r.getNodeId(), (id, n) -> {
                    AddNode.Builder b = n.toBuilder().setRole(r.getRole());
                    if (r.getRole() == Role.ROLE_WORKER) {
                        b.clearManagerAddr().clearRaftAddr();
                    } else {
                        if (!r.getManagerAddr().isEmpty()) {
                            b.setManagerAddr(r.getManagerAddr());
                        }
                        if (!r.getRaftAddr().isEmpty()) {
                            b.setRaftAddr(r.getRaftAddr());
                        }
                    }
                    return b.build();
                }));
            }
            case SET_NODE_AVAILABILITY -> {
                var a = command.getSetNodeAvailability();
                availability.put(a.getNodeId(), a.getAvailability());
                yield new Applied.NodeAvailabilityChanged(a.getNodeId(), a.getAvailability());
            }
            case CREATE_NETWORK -> new Applied.NetworkCreated(networks.applyCreate(command.getCreateNetwork(), cluster));
            case REMOVE_NETWORK -> {
                Network n = networks.applyRemove(command.getRemoveNetwork().getNetworkId());
                leases.dropNetwork(n.getNetworkId());
                yield new Applied.NetworkRemoved(n);
            }
            case PRUNE_NETWORKS -> {
                java.util.List<Network> gone = networks.applyPrune();
                gone.forEach(n -> leases.dropNetwork(n.getNetworkId()));
                yield new Applied.NetworksPruned(gone);
            }
            case ATTACH_ENDPOINT -> {
                Endpoint e = networks.applyAttach(command.getAttachEndpoint(), nodes::containsKey);
                yield new Applied.EndpointAttached(networks.network(e.getNetworkId()).orElseThrow(), e);
            }
            case DETACH_ENDPOINT -> new Applied.EndpointDetached(networks.applyDetach(command.getDetachEndpoint()));
            case RELEASE_NODE_ENDPOINTS -> {
                String id = command.getReleaseNodeEndpoints().getNodeId();
                leases.releaseNode(id); // it leaves: its sandboxes are torn down, it uses none of them
                yield new Applied.NodeEndpointsReleased(id, networks.releaseNode(id));
            }
            case ADD_DATA_KEY -> {
                var a = command.getAddDataKey();
                dataKeys.applyAdd(a);
                yield new Applied.DataKeyAdded(a.getKey().getGeneration(), a.getKey().getPhase(), a.getReason());
            }
            case PROMOTE_DATA_KEY -> {
                int g = command.getPromoteDataKey().getGeneration();
                yield new Applied.DataKeyPromoted(g, dataKeys.applyPromote(g));
            }
            case RETIRE_DATA_KEY -> {
                int g = command.getRetireDataKey().getGeneration();
                dataKeys.applyRetire(g);
                yield new Applied.DataKeyRetired(g);
            }
            case KEYS_INSTALLED -> {
                var k = command.getKeysInstalled();
                dataKeys.applyInstalled(k.getNodeId(), k.getStateIndex());
                yield new Applied.KeysInstalled(k.getNodeId(), k.getStateIndex());
            }
            case GRANT_LEASE -> {
                // lastApplied is this command's index already: the grants' allocation index.
                var granted = leases.applyGrant(command.getGrantLease(), nodes::containsKey, lastApplied);
                yield new Applied.LeaseGranted(networks.network(granted.getFirst().getNetworkId()).orElseThrow(), granted,
                        leases.heldBy(granted.getFirst().getNetworkId(), command.getGrantLease().getNodeId()));
            }
            case CLAIM_LEASE -> {
                Leases.Claim c = leases.applyClaim(command.getClaimLease(), nodes::containsKey);
                yield new Applied.LeaseClaimed(networks.network(c.endpoint().getNetworkId()).orElseThrow(), c.lease(),
                        c.endpoint());
            }
            case RETURN_LEASE -> new Applied.LeaseReturned(command.getReturnLease().getNodeId(),
                    leases.applyReturn(command.getReturnLease()));
            case RESTORE_STATE -> {
                // The snapshot's own index is the old log's; from here on this log's indexes count.
                restore(command.getRestoreState().getSnapshot().toBuilder().setLastAppliedIndex(lastApplied).build());
                yield new Applied.StateRestored(cluster.getClusterId(), command.getRestoreState().getReason());
            }
            case KIND_NOT_SET -> throw new AssertionError("validated above");
        };
    }

    /**
     * An immutable copy of the state as it is now, for readers on other threads. O(size of the state):
     * the collections are copied, the protobuf messages (immutable) shared; next to a command's fsync
     * that is negligible at the sizes a cluster has (thousands of endpoints).
     */
    public StateView view() {
        Map<String, Network> nets = new LinkedHashMap<>();
        Map<String, java.util.List<Endpoint>> eps = new LinkedHashMap<>();
        networks.viewInto(nets, eps);
        return new StateView(lastApplied, cluster, nodes, availability, java.util.List.copyOf(removed), nets, eps,
                dataKeys.keys(), dataKeys.installed(), leases.all());
    }

    /** A plan step that either succeeds (its result unused here) or says why it refuses. */
    @FunctionalInterface
    private interface Plan {
        Object run() throws IpamException;
    }

    private static Optional<String> refusal(Plan plan) {
        try {
            plan.run();
            return Optional.empty();
        } catch (IpamException e) {
            return Optional.of(e.getMessage());
        }
    }

    public Snapshot snapshot() {
        Snapshot.Builder b = Snapshot.newBuilder().setLastAppliedIndex(lastApplied)
                .addAllNodes(nodes.values()).addAllRemovedNodeIds(removed).putAllAvailability(availability);
        if (cluster != null) {
            b.setCluster(cluster);
        }
        networks.snapshotInto(b);
        leases.snapshotInto(b);
        dataKeys.snapshotInto(b);
        return b.build();
    }

    /** Replaces the whole state with {@code snapshot}. */
    public void restore(Snapshot snapshot) {
        cluster = snapshot.hasCluster() ? snapshot.getCluster() : null;
        nodes.clear();
        dataKeys.restore(snapshot).forEach(n -> nodes.put(n.getNodeId(), n));
        availability.clear();
        availability.putAll(snapshot.getAvailabilityMap());
        removed.clear();
        removed.addAll(snapshot.getRemovedNodeIdsList());
        networks.restore(snapshot);
        leases.restore(snapshot); // after the networks: the leased addresses are taken in their allocators
        lastApplied = snapshot.getLastAppliedIndex();
    }

    public long lastApplied() {
        return lastApplied;
    }

    public Optional<InitCluster> cluster() {
        return Optional.ofNullable(cluster);
    }

    public Optional<AddNode> node(String nodeId) {
        return Optional.ofNullable(nodes.get(nodeId));
    }

    /** Every current node, in join order. */
    public java.util.List<AddNode> nodes() {
        return java.util.List.copyOf(nodes.values());
    }

    public Availability availability(String nodeId) {
        return availability.getOrDefault(nodeId, Availability.AVAILABILITY_ACTIVE);
    }

    /** Every node id ever removed (revoked), in removal order. */
    public java.util.List<String> removedIds() {
        return java.util.List.copyOf(removed);
    }

    public boolean isRemoved(String nodeId) {
        return removed.contains(nodeId);
    }

    /** Every network, in creation order. */
    public java.util.List<Network> networks() {
        return networks.networks();
    }

    /** A network by exact id, else by exact name. */
    public Optional<Network> network(String idOrName) {
        return networks.network(idOrName);
    }

    /** The endpoints of a network (by id or name) in attach order; empty if there is no such network. */
    public java.util.List<Endpoint> endpoints(String networkIdOrName) {
        return networks.endpoints(networkIdOrName);
    }

    /** The networks {@code network prune} would remove now: those without endpoints. */
    public java.util.List<Network> prunableNetworks() {
        return networks.prunable();
    }

    /** Every address lease (issue 12). */
    public java.util.List<io.jswarm.proto.state.LeasedAddress> leases() {
        return leases.all();
    }

    private long leased(String networkId, String nodeId) {
        return leases.held(networkId, nodeId);
    }

    /** The live data-key generations, ascending (roots sealed). */
    public java.util.List<io.jswarm.proto.state.DataKey> dataKeys() {
        return dataKeys.keys();
    }

    private Optional<String> requireCluster() {
        return cluster == null ? Optional.of("this node is not part of a swarm") : Optional.empty();
    }

    private Optional<String> requireNode(String nodeId) {
        return nodes.containsKey(nodeId) ? Optional.empty() : Optional.of("node " + nodeId + " not found");
    }

    private static Optional<String> requireRole(Role role) {
        return role == Role.ROLE_WORKER || role == Role.ROLE_MANAGER ? Optional.empty()
                : Optional.of("role must be worker or manager");
    }

    private Optional<String> checkAdd(AddNode n) {
        if (n.getNodeId().isEmpty()) {
            return Optional.of("node id is required");
        }
        if (removed.contains(n.getNodeId())) {
            // A removed node's certificate stays valid until expiry; refusing its id is what revokes it.
            return Optional.of("node " + n.getNodeId() + " was removed from the swarm and cannot rejoin with that identity");
        }
        if (n.getDataIndex() != 0) {
            return Optional.of("a node's data index is assigned by the manager state, not proposed");
        }
        return nodes.containsKey(n.getNodeId()) ? Optional.of("node " + n.getNodeId() + " already exists")
                : requireRole(n.getRole()).or(() -> dataKeys.planIndex(nodes.values()));
    }
}
