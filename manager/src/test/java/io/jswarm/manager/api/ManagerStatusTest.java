package io.jswarm.manager.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.manager.state.LocalCommandLog;
import io.jswarm.manager.state.ManagerPeers;
import io.jswarm.manager.state.ManagerStore;
import io.jswarm.manager.state.StateStore;
import io.jswarm.manager.state.StateView;
import io.jswarm.proto.cluster.NodeInfo;
import io.jswarm.proto.cluster.NodeStatus;
import io.jswarm.proto.state.AddNode;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.InitCluster;
import io.jswarm.proto.state.Role;
import io.jswarm.proto.state.Snapshot;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12: {@code node ls} on one manager among several: MANAGER STATUS and a manager's STATUS from the Raft
 * peers, a worker's STATUS not Down only because its session is with another manager, the stale flag.
 */
class ManagerStatusTest {
    static final String A = "a".repeat(25);
    static final String B = "b".repeat(25);
    static final String C = "c".repeat(25);
    static final String W = "w".repeat(25);

    @TempDir
    Path dir;

    /** A real local store with the peers and the read's staleness set by the test (the Raft side faked). */
    static final class PeeredStore implements StateStore {
        final ManagerStore inner;
        final AtomicReference<List<ManagerPeers.Peer>> peers = new AtomicReference<>(List.of());
        volatile boolean stale;

        PeeredStore(ManagerStore inner) {
            this.inner = inner;
        }

        @Override
        public Outcome submit(Command command) throws IOException {
            return inner.submit(command);
        }

        @Override
        public StateView view() {
            return inner.view();
        }

        @Override
        public Read read() {
            return new Read(inner.view(), stale);
        }

        @Override
        public Snapshot snapshot() {
            return inner.snapshot();
        }

        @Override
        public void compactNow() throws IOException {
            inner.compactNow();
        }

        @Override
        public void onApplied(Consumer<StateView> listener) {
            inner.onApplied(listener);
        }

        @Override
        public ManagerPeers peers() {
            return new ManagerPeers() {
                @Override
                public String selfId() {
                    return A;
                }

                @Override
                public Optional<String> leaderId() {
                    return peers.get().stream().filter(p -> p.status() == Status.LEADER).map(Peer::nodeId).findFirst();
                }

                @Override
                public List<Peer> peers() {
                    return peers.get();
                }

                @Override
                public void add(String nodeId, String raftAddr) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public void remove(String nodeId) {
                    throw new UnsupportedOperationException();
                }
            };
        }

        @Override
        public void close() throws IOException {
            inner.close();
        }
    }

    static Command add(String id, Role role) {
        return Command.newBuilder().setAddNode(AddNode.newBuilder().setNodeId(id).setHostname(id.substring(0, 1))
                .setRole(role).setManagerAddr(role == Role.ROLE_MANAGER ? id.charAt(0) + ":2377" : "")).build();
    }

    static ManagerPeers.Peer peer(String id, ManagerPeers.Status s) {
        return new ManagerPeers.Peer(id, id.charAt(0) + ":2378", s);
    }

    static NodeInfo find(List<NodeInfo> nodes, String id) {
        return nodes.stream().filter(n -> n.getId().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void statusComesFromRaftForManagersAndNoSessionHereIsNoDeathAmongSeveral() throws Exception {
        var clock = new java.util.concurrent.atomic.AtomicReference<>(Instant.parse("2026-12-02T06:00:00Z"));
        java.time.InstantSource source = clock::get;
        try (PeeredStore store = new PeeredStore(ManagerStore.open(LocalCommandLog.open(dir), 1000))) {
            store.submit(Command.newBuilder().setInitCluster(InitCluster.newBuilder().setClusterId("c")).build());
            store.submit(add(A, Role.ROLE_MANAGER));
            store.submit(add(W, Role.ROLE_WORKER));
            SessionRegistry sessions = new SessionRegistry(source, Duration.ofSeconds(3), () -> { });
            NodeTable table = new NodeTable(store, sessions, A, source);
            clock.set(clock.get().plusSeconds(60)); // well past the start's grace period

            // One voting manager (this one, as with a local store): its sessions are the whole truth.
            store.peers.set(List.of(peer(A, ManagerPeers.Status.LEADER)));
            assertEquals(NodeStatus.NODE_STATUS_DOWN, find(table.nodes(), W).getStatus(), "no session, one manager: Down");
            assertEquals(NodeHealth.Liveness.DEAD, table.liveness(W), "and node rm needs no --force");

            store.submit(add(B, Role.ROLE_MANAGER));
            store.submit(add(C, Role.ROLE_MANAGER));

            store.peers.set(List.of(peer(A, ManagerPeers.Status.REACHABLE), peer(B, ManagerPeers.Status.LEADER),
                    peer(C, ManagerPeers.Status.UNREACHABLE)));
            List<NodeInfo> nodes = table.nodes();
            assertEquals("Reachable", find(nodes, A).getManagerStatus());
            assertEquals(NodeStatus.NODE_STATUS_READY, find(nodes, A).getStatus());
            assertFalse(find(nodes, A).getLeader());
            assertEquals("Leader", find(nodes, B).getManagerStatus());
            assertTrue(find(nodes, B).getLeader());
            assertEquals(NodeStatus.NODE_STATUS_READY, find(nodes, B).getStatus(), "no session with a manager: Raft says");
            assertEquals("Unreachable", find(nodes, C).getManagerStatus());
            assertEquals(NodeStatus.NODE_STATUS_DOWN, find(nodes, C).getStatus());
            assertEquals("", find(nodes, W).getManagerStatus());
            assertEquals(NodeStatus.NODE_STATUS_UNKNOWN, find(nodes, W).getStatus(),
                    "a worker may keep its session with another manager: not Down here");
            assertEquals(NodeHealth.Liveness.UNKNOWN, table.liveness(W));

            // A second source (gossip) decides for the worker; it still wins when it saw the node die.
            var gossip = new AtomicReference<>(NodeHealth.Liveness.ALIVE);
            table.addHealth(id -> id.equals(W) ? gossip.get() : NodeHealth.Liveness.UNKNOWN);
            assertEquals(NodeStatus.NODE_STATUS_READY, find(table.nodes(), W).getStatus());
            gossip.set(NodeHealth.Liveness.DEAD);
            assertEquals(NodeStatus.NODE_STATUS_DOWN, find(table.nodes(), W).getStatus());

            assertFalse(table.list().getPossiblyStale());
            store.stale = true;
            var list = table.list();
            assertTrue(list.getPossiblyStale(), "a read no quorum confirmed is flagged");
            assertEquals(4, list.getNodesCount(), "and still answered");
        }
    }
}
