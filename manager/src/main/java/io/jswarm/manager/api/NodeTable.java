package io.jswarm.manager.api;

import io.jswarm.manager.state.ManagerPeers;
import io.jswarm.manager.state.StateStore;
import io.grpc.Status;
import io.jswarm.encryption.Role;

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
 * The manager's node table as the API shows it: durable facts from the {@link StateStore} joined with
 * liveness from {@link NodeHealth}. Also answers {@link Authorizer}'s questions about callers. Every
 * answer is built from one {@link StateView} (lock-free: never waits for a command being written).
 */
final class NodeTable implements Authorizer.Members {
    private final StateStore store;
    /** Liveness sources, the session registry first; gossip membership is added with {@link #addHealth}. */
    private final List<NodeHealth> health = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final String selfId;
    private final SessionRegistry sessions;

    NodeTable(StateStore store, SessionRegistry sessions, String selfId, InstantSource clock) {
        this.store = store;
        this.health.add(sessions);
        this.sessions = sessions;
        this.selfId = selfId;
    }

    void addHealth(NodeHealth source) {
        health.add(source);
    }

    /** A worker's liveness (what {@code node rm} checks); a manager's comes from the Raft peers in {@link #info}. */
    NodeHealth.Liveness liveness(String nodeId) {
        // From the state, never from the Raft peers' list: a follower's peers ask this very method about the others.
        StateView s = store.view();
        boolean several = severalManagers(s);
        if (several && !nodeId.equals(selfId) && s.node(nodeId).map(n -> n.getRole() == io.jswarm.proto.state.Role.ROLE_MANAGER)
                .orElse(false) && store.peers().leaderId().isEmpty()) {
            // No leader while this manager is up: a majority is out of its reach, and it cannot tell which managers
            // are; none is called reachable (the conservative answer; a leader's verdicts come back with it).
            return NodeHealth.Liveness.DEAD;
        }
        return liveness(nodeId, several);
    }

    private static boolean severalManagers(StateView s) {
        return s.nodes().stream().filter(n -> n.getRole() == io.jswarm.proto.state.Role.ROLE_MANAGER).count() > 1;
    }

    /**
     * With several managers a node keeps its session with one of them: no session here is no evidence of
     * death (it may be connected to another manager), so only this manager's sessions that are alive count,
     * and the others' verdict (gossip) decides. With one manager its sessions are the whole truth, as before.
     */
    private NodeHealth.Liveness liveness(String nodeId, boolean severalManagers) {
        NodeHealth.Liveness[] verdicts = new NodeHealth.Liveness[health.size()];
        for (int i = 0; i < verdicts.length; i++) {
            NodeHealth h = health.get(i);
            NodeHealth.Liveness l = h.liveness(nodeId);
            verdicts[i] = severalManagers && h == sessions && l != NodeHealth.Liveness.ALIVE ? NodeHealth.Liveness.UNKNOWN : l;
        }
        return NodeHealth.combine(verdicts);
    }

    /** The voting managers and this manager's verdict on each (Raft's view); empty if the store cannot say. */
    private java.util.Map<String, ManagerPeers.Status> managers() {
        try {
            java.util.Map<String, ManagerPeers.Status> out = new java.util.HashMap<>();
            for (ManagerPeers.Peer p : store.peers().peers()) {
                out.put(p.nodeId(), p.status());
            }
            return out;
        } catch (RuntimeException e) {
            return java.util.Map.of(); // a store closing under us: answer from the state alone
        }
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

    /** {@code node ls} on a manager: a linearizable read when a quorum confirms it, else flagged possibly stale. */
    io.jswarm.proto.cluster.ListNodesResponse list() {
        StateStore.Read r = store.read();
        return io.jswarm.proto.cluster.ListNodesResponse.newBuilder().addAllNodes(nodes(r.view())).setSelfId(selfId)
                .setPossiblyStale(r.possiblyStale()).build();
    }

    private List<NodeInfo> nodes(StateView s) {
        var managers = managers();
        boolean several = severalManagers(s);
        return s.nodes().stream().map(n -> info(s, n, managers, several)).toList();
    }

    NodeInfo info(AddNode n) {
        StateView s = store.view();
        return info(s, n, managers(), severalManagers(s));
    }

    private NodeInfo info(StateView s, AddNode n, java.util.Map<String, ManagerPeers.Status> managers, boolean several) {
        var availability = s.availability(n.getNodeId());
        String id = n.getNodeId();
        boolean self = id.equals(selfId);
        boolean manager = n.getRole() == io.jswarm.proto.state.Role.ROLE_MANAGER;
        ManagerPeers.Status raft = managers.get(id);
        NodeHealth.Liveness l;
        if (self) {
            l = NodeHealth.Liveness.ALIVE; // the manager is its own witness
        } else if (manager && raft != null) {
            // A manager keeps no session: Raft's verdict (the leader hears every follower, a follower its leader).
            l = raft == ManagerPeers.Status.UNREACHABLE ? NodeHealth.Liveness.DEAD : NodeHealth.Liveness.ALIVE;
        } else {
            l = liveness(id, several);
        }
        NodeInfo.Builder b = NodeInfo.newBuilder().setId(id).setHostname(n.getHostname()).setRole(n.getRole())
                .setStatus(switch (l) {
                    case ALIVE -> NodeStatus.NODE_STATUS_READY;
                    case DEAD -> NodeStatus.NODE_STATUS_DOWN;
                    case UNKNOWN -> NodeStatus.NODE_STATUS_UNKNOWN;
                })
                .setAvailability(availability).setLeader(raft == ManagerPeers.Status.LEADER).setAddr(n.getAdvertiseAddr())
                .setDataPathAddr(n.getDataPathAddr()).setEngineVersion(n.getEngineVersion())
                .setJoinedAtMillis(n.getJoinedAtMillis()).setManagerAddr(n.getManagerAddr()).setRaftAddr(n.getRaftAddr())
                .setStatusSinceMillis(sessions.since(id).toEpochMilli());
        if (manager) {
            // Docker's MANAGER STATUS; a manager of the state not (yet, or no longer) voting cannot be reached by Raft.
            b.setManagerStatus(managerStatus(raft == null ? ManagerPeers.Status.UNREACHABLE : raft));
        }
        return b.build();
    }

    static String managerStatus(ManagerPeers.Status s) {
        return switch (s) {
            case LEADER -> "Leader";
            case REACHABLE -> "Reachable";
            case UNREACHABLE -> "Unreachable";
        };
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
