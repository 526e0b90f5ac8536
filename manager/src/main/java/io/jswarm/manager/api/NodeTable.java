package io.jswarm.manager.api;

import io.grpc.Status;
import io.jswarm.encryption.Role;
import io.jswarm.manager.state.ManagerStore;
import io.jswarm.manager.state.StateView;
import io.jswarm.proto.cluster.ClusterView;
import io.jswarm.proto.cluster.NodeInfo;
import io.jswarm.proto.cluster.NodeStatus;
import io.jswarm.proto.state.AddNode;
import io.jswarm.proto.state.InitCluster;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;

/**
 * The manager's node table as the API shows it: durable facts from the {@link ManagerStore} joined with
 * liveness from {@link NodeHealth}. Also answers {@link Authorizer}'s questions about callers. Every
 * answer is built from one {@link StateView} (lock-free: never waits for a command being written).
 */
final class NodeTable implements Authorizer.Members {
    private final ManagerStore store;
    /** Liveness sources, the session registry first; gossip membership is added with {@link #addHealth}. */
    private final List<NodeHealth> health = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final String selfId;
    private final SessionRegistry sessions;

    NodeTable(ManagerStore store, SessionRegistry sessions, String selfId, InstantSource clock) {
        this.store = store;
        this.health.add(sessions);
        this.sessions = sessions;
        this.selfId = selfId;
    }

    void addHealth(NodeHealth source) {
        health.add(source);
    }

    NodeHealth.Liveness liveness(String nodeId) {
        return NodeHealth.combine(health.stream().map(h -> h.liveness(nodeId)).toArray(NodeHealth.Liveness[]::new));
    }

    InitCluster cluster() {
        return cluster(store.view());
    }

    private static InitCluster cluster(StateView s) {
        return s.cluster().orElseThrow(() ->
                Status.FAILED_PRECONDITION.withDescription("this node is not part of a swarm").asRuntimeException());
    }

    @Override
    public String clusterId() {
        return cluster().getClusterId();
    }

    @Override
    public Authorizer.Standing standing(String nodeId) {
        StateView s = store.view();
        if (s.isRemoved(nodeId)) {
            return new Authorizer.Standing.Removed();
        }
        return s.node(nodeId).<Authorizer.Standing>map(n -> new Authorizer.Standing.Member(fromProto(n.getRole())))
                .orElse(new Authorizer.Standing.Unknown());
    }

    Optional<AddNode> node(String nodeId) {
        return store.view().node(nodeId);
    }

    List<NodeInfo> nodes() {
        return nodes(store.view());
    }

    private List<NodeInfo> nodes(StateView s) {
        return s.nodes().stream().map(n -> info(s, n)).toList();
    }

    NodeInfo info(AddNode n) {
        return info(store.view(), n);
    }

    private NodeInfo info(StateView s, AddNode n) {
        var availability = s.availability(n.getNodeId());
        boolean self = n.getNodeId().equals(selfId);
        // The manager is its own witness; everyone else is as alive as their session says.
        NodeHealth.Liveness l = self ? NodeHealth.Liveness.ALIVE : liveness(n.getNodeId());
        return NodeInfo.newBuilder().setId(n.getNodeId()).setHostname(n.getHostname()).setRole(n.getRole())
                .setStatus(switch (l) {
                    case ALIVE -> NodeStatus.NODE_STATUS_READY;
                    case DEAD -> NodeStatus.NODE_STATUS_DOWN;
                    case UNKNOWN -> NodeStatus.NODE_STATUS_UNKNOWN;
                })
                .setAvailability(availability).setLeader(self).setAddr(n.getAdvertiseAddr())
                .setDataPathAddr(n.getDataPathAddr()).setEngineVersion(n.getEngineVersion())
                .setJoinedAtMillis(n.getJoinedAtMillis()).setManagerAddr(n.getManagerAddr())
                .setStatusSinceMillis(sessions.since(n.getNodeId()).toEpochMilli()).build();
    }

    /** The view every agent gets: one state (its index travels with it) joined with the current liveness. */
    ClusterView view() {
        StateView s = store.view();
        InitCluster c = cluster(s);
        List<NodeInfo> nodes = nodes(s);
        return ClusterView.newBuilder().setClusterId(c.getClusterId()).addAllNodes(nodes)
                .addAllManagerAddrs(nodes.stream().filter(n -> !n.getManagerAddr().isEmpty()).map(NodeInfo::getManagerAddr).toList())
                .setDataPathPort(c.getDataPathPort()).setDefaultAddressPool(c.getDefaultAddressPool())
                .setCreatedAtMillis(c.getCreatedAtMillis()).addAllRemovedNodeIds(s.removedIds())
                .addAllNetworks(Networks.views(s)).setStateIndex(s.index()).build();
    }

    /** A node by full id, hostname, or unique id prefix (as {@code docker node inspect} accepts). */
    AddNode resolve(String ref) {
        List<AddNode> all = store.view().nodes();
        for (AddNode n : all) {
            if (n.getNodeId().equals(ref)) {
                return n;
            }
        }
        List<AddNode> byName = all.stream().filter(n -> n.getHostname().equals(ref)).toList();
        List<AddNode> matches = byName.isEmpty() && !ref.isEmpty()
                ? all.stream().filter(n -> n.getNodeId().startsWith(ref)).toList() : byName;
        if (matches.isEmpty()) {
            throw Status.NOT_FOUND.withDescription("node " + ref + " not found").asRuntimeException();
        }
        if (matches.size() > 1) {
            throw Status.FAILED_PRECONDITION.withDescription("node " + ref + " is ambiguous (" + matches.size()
                    + " matches found)").asRuntimeException();
        }
        return matches.getFirst();
    }

    static Role fromProto(io.jswarm.proto.state.Role r) {
        return r == io.jswarm.proto.state.Role.ROLE_MANAGER ? Role.MANAGER : Role.WORKER;
    }

    static io.jswarm.proto.state.Role toProto(Role r) {
        return r == Role.MANAGER ? io.jswarm.proto.state.Role.ROLE_MANAGER : io.jswarm.proto.state.Role.ROLE_WORKER;
    }
}
