package io.jswarm.manager.state;

import io.jswarm.proto.state.AddNode;
import io.jswarm.proto.state.Availability;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.InitCluster;
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
 * <p>Not thread-safe: {@link ManagerStore} serialises access.
 */
public final class StateMachine {
    private InitCluster cluster;
    private final Map<String, AddNode> nodes = new LinkedHashMap<>();
    private final Map<String, Availability> availability = new LinkedHashMap<>();
    private final Set<String> removed = new LinkedHashSet<>();
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
            case KIND_NOT_SET -> Optional.of("empty command");
        };
    }

    /**
     * Applies the command at log position {@code index} (strictly increasing). A command that fails
     * validation is skipped, not an error: a log may legitimately hold a command that lost a race (two
     * managers proposing at once), and every replica must skip it alike.
     *
     * @return the rejection reason, or empty if applied
     */
    public Optional<String> apply(long index, Command command) {
        if (index <= lastApplied) {
            throw new IllegalArgumentException("log index " + index + " already applied (last " + lastApplied + ")");
        }
        lastApplied = index;
        Optional<String> rejection = validate(command);
        if (rejection.isPresent()) {
            return rejection;
        }
        switch (command.getKindCase()) {
            case INIT_CLUSTER -> cluster = command.getInitCluster();
            case ADD_NODE -> {
                AddNode n = command.getAddNode();
                nodes.put(n.getNodeId(), n);
                availability.putIfAbsent(n.getNodeId(), Availability.AVAILABILITY_ACTIVE);
            }
            case REMOVE_NODE -> {
                String id = command.getRemoveNode().getNodeId();
                nodes.remove(id);
                availability.remove(id);
                removed.add(id);
            }
            case ROTATE_JOIN_TOKEN -> {
                var r = command.getRotateJoinToken();
                cluster = r.getRole() == Role.ROLE_MANAGER
                        ? cluster.toBuilder().setManagerTokenSecret(r.getNewSecret()).build()
                        : cluster.toBuilder().setWorkerTokenSecret(r.getNewSecret()).build();
            }
            case SET_NODE_ROLE -> {
                var r = command.getSetNodeRole();
                nodes.computeIfPresent(r.getNodeId(), (id, n) -> n.toBuilder().setRole(r.getRole()).build());
            }
            case SET_NODE_AVAILABILITY -> {
                var a = command.getSetNodeAvailability();
                availability.put(a.getNodeId(), a.getAvailability());
            }
            case KIND_NOT_SET -> throw new AssertionError("validated above");
        }
        return Optional.empty();
    }

    public Snapshot snapshot() {
        Snapshot.Builder b = Snapshot.newBuilder().setLastAppliedIndex(lastApplied)
                .addAllNodes(nodes.values()).addAllRemovedNodeIds(removed).putAllAvailability(availability);
        if (cluster != null) {
            b.setCluster(cluster);
        }
        return b.build();
    }

    /** Replaces the whole state with {@code snapshot}. */
    public void restore(Snapshot snapshot) {
        cluster = snapshot.hasCluster() ? snapshot.getCluster() : null;
        nodes.clear();
        snapshot.getNodesList().forEach(n -> nodes.put(n.getNodeId(), n));
        availability.clear();
        availability.putAll(snapshot.getAvailabilityMap());
        removed.clear();
        removed.addAll(snapshot.getRemovedNodeIdsList());
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

    public boolean isRemoved(String nodeId) {
        return removed.contains(nodeId);
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
        return nodes.containsKey(n.getNodeId()) ? Optional.of("node " + n.getNodeId() + " already exists")
                : requireRole(n.getRole());
    }
}
