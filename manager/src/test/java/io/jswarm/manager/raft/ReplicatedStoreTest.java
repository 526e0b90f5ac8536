package io.jswarm.manager.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.Role;
import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.manager.state.ManagerPeers;
import io.jswarm.manager.state.StateStore;
import io.jswarm.proto.state.AddNode;
import io.jswarm.proto.state.AddressPool;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.CreateNetwork;
import io.jswarm.proto.state.InitCluster;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real Ratis servers on loopback with mutual TLS: three managers, failover, quorum loss, catch-up. */
class ReplicatedStoreTest {
    private static final String CLUSTER = io.jswarm.encryption.Identifiers.newId();
    private static final java.util.Map<String, String> IDS = new java.util.concurrent.ConcurrentHashMap<>();

    /** A valid node id per test name ("m1" → a stable generated id). */
    private static String id(String name) {
        return IDS.computeIfAbsent(name, n -> io.jswarm.encryption.Identifiers.newId());
    }
    private final CertificateAuthority ca = CertificateAuthority.create(CLUSTER, Duration.ofDays(1), InstantSource.system());
    private final List<ReplicatedStore> open = new ArrayList<>();
    @TempDir
    Path dir;

    @AfterEach
    void closeAll() {
        for (ReplicatedStore s : open) {
            try {
                s.close();
            } catch (IOException | RuntimeException e) {
                // already closed by the test
            }
        }
    }

    private static RaftSettings settings(List<RaftSettings.Peer> join) {
        return new RaftSettings(new InetSocketAddress("127.0.0.1", 0), "127.0.0.1:0", join,
                Duration.ofMillis(300), Duration.ofMillis(600));
    }

    private ReplicatedStore open(String node, List<RaftSettings.Peer> join) throws IOException {
        NodeIdentity id = ca.issue(id(node), Role.MANAGER, Duration.ofHours(1));
        ReplicatedStore s = ReplicatedStore.open(dir.resolve(node).resolve("raft"), CLUSTER, id(node), settings(join),
                new IdentityKeyManager(id), InstantSource.system(), n -> false);
        open.add(s);
        return s;
    }

    private static Command init() {
        return Command.newBuilder().setInitCluster(InitCluster.newBuilder().setClusterId(CLUSTER).setDataPathPort(4789)
                .setDefaultAddressPool(AddressPool.newBuilder().addCidrs("10.0.0.0/8").setMaskLength(24))).build();
    }

    private static Command manager(String node, String raftAddr) {
        return Command.newBuilder().setAddNode(AddNode.newBuilder().setNodeId(id(node)).setHostname(node)
                .setRole(io.jswarm.proto.state.Role.ROLE_MANAGER).setRaftAddr(raftAddr).setDataPathAddr("192.0.2.1")).build();
    }

    private static Command network(String name) {
        return Command.newBuilder().setCreateNetwork(CreateNetwork.newBuilder().setNetworkId("id-" + name).setName(name)).build();
    }

    private static void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    /** Submits network {@code name} once more unless it is there (a retry may find an earlier try committed). */
    private static boolean committedOrThere(ReplicatedStore m, String name) {
        try {
            return m.submit(network(name)) instanceof StateStore.Outcome.Committed || m.view().network(name).isPresent();
        } catch (IOException e) {
            return false;
        }
    }

    /** As ManagerNode's joiner does: the leader may still be catching the new manager up. */
    private static void addWithRetries(ReplicatedStore m, String name) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                m.peers().add(id(name), m.raftAddr());
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    /** m1 alone, then m2 and m3 join; returns them in order. */
    private List<ReplicatedStore> threeManagers() throws Exception {
        ReplicatedStore m1 = open("m1", List.of());
        m1.awaitLeader(System.nanoTime() + Duration.ofSeconds(10).toNanos());
        assertInstanceOf(StateStore.Outcome.Committed.class, m1.submit(init()));
        assertInstanceOf(StateStore.Outcome.Committed.class, m1.submit(manager("m1", m1.raftAddr())));
        List<RaftSettings.Peer> peers = new ArrayList<>(List.of(new RaftSettings.Peer(id("m1"), m1.raftAddr())));
        List<ReplicatedStore> all = new ArrayList<>(List.of(m1));
        for (String n : List.of("m2", "m3")) {
            // The joiner's Raft address is known once its server is open; the state learns it before it votes.
            ReplicatedStore m = open(n, peers);
            assertTrue(m.joining());
            assertInstanceOf(StateStore.Outcome.Committed.class, m1.submit(manager(n, m.raftAddr())));
            addWithRetries(m, n);
            peers.add(new RaftSettings.Peer(id(n), m.raftAddr()));
            all.add(m);
        }
        for (ReplicatedStore m : all) {
            await("three voters on " + m.peers().selfId(), () -> m.peers().peers().size() == 3);
        }
        return all;
    }

    /**
     * A division Ratis closed under a running manager (its state machine updater died) is reported once, so the
     * daemon can exit and be restarted; a healthy one is not, nor one of a manager that is no voter any more (Ratis
     * closes the division of a demoted manager: HaClusterE2ETest's demote), nor the store's own close.
     */
    @Test
    void aRaftDivisionThatStopsWhileTheStoreIsOpenIsReportedOnce() throws Exception {
        ReplicatedStore m = open("m1", List.of());
        m.submit(init());
        m.submit(manager("m1", m.raftAddr()));
        m.divisionWatchSightings(2);
        List<String> told = new java.util.concurrent.CopyOnWriteArrayList<>();
        m.onBroken(told::add);
        for (int i = 0; i < 3; i++) {
            m.checkDivisionNow();
        }
        assertEquals(List.of(), told, "a running division is no news");
        assertTrue(m.peers().hasQuorum());
        m.division().close();
        assertFalse(m.peers().hasQuorum(), "a stopped division knows no leader (a lagging demoted manager's only sign)");
        await("the watch's own timer reports it", () -> !told.isEmpty());
        m.checkDivisionNow();
        m.checkDivisionNow();
        assertEquals(List.of("the Raft division is CLOSED"), told, "once");

        ReplicatedStore notAManager = open("m2", List.of());
        notAManager.submit(init()); // its state does not list it as a manager: as after a demote
        ReplicatedStore closed = open("m3", List.of());
        notAManager.divisionWatchSightings(2);
        closed.divisionWatchSightings(2);
        List<String> quiet = new java.util.concurrent.CopyOnWriteArrayList<>();
        notAManager.onBroken(quiet::add);
        closed.onBroken(quiet::add);
        notAManager.division().close();
        closed.close();
        Thread.sleep(3 * DivisionWatch.PERIOD_MS + 500); // the watch's own timer looks
        notAManager.checkDivisionNow();
        notAManager.checkDivisionNow();
        assertEquals(List.of(), quiet);
    }

    @Test
    void aFollowersWriteIsCommittedEverywhereAndVisibleToItAtOnce() throws Exception {
        var all = threeManagers();
        ReplicatedStore follower = all.stream().filter(s -> !s.peers().isLeader()).findFirst().orElseThrow();
        var outcome = follower.submit(network("web"));
        assertInstanceOf(StateStore.Outcome.Committed.class, outcome);
        assertTrue(follower.view().network("web").isPresent(), "the submitter's own view holds its write at once");
        for (ReplicatedStore s : all) {
            await("web on " + s.peers().selfId(), () -> s.view().network("web").isPresent());
            assertEquals(follower.view().network("web").get(), s.view().network("web").get());
        }
        // The same name again from the follower: refused by the apply, alike on every replica.
        var refused = assertInstanceOf(StateStore.Outcome.Refused.class, follower.submit(network("web")));
        assertTrue(refused.reason().contains("web"), refused.reason());
        // From the leader: refused by its own state before anything is appended.
        ReplicatedStore leader = all.stream().filter(s -> s.peers().isLeader()).findFirst().orElseThrow();
        await("the leader applied the follower's refused entry", () -> leader.view().index() >= follower.view().index());
        long before = leader.view().index();
        assertInstanceOf(StateStore.Outcome.Refused.class, leader.submit(network("web")));
        assertEquals(before, leader.view().index(), "nothing appended");
        StateStore.Read read = follower.read();
        assertFalse(read.possiblyStale());
        assertEquals(1, read.view().networks().size());
        long leaders = all.stream().flatMap(s -> s.peers().peers().stream())
                .filter(p -> p.status() == ManagerPeers.Status.LEADER).map(ManagerPeers.Peer::nodeId).distinct().count();
        assertEquals(1, leaders, "every manager names the same leader");
    }

    @Test
    void losingTheLeaderElectsAnotherAndLosingTheQuorumFailsWritesFastButStillAnswersReads() throws Exception {
        var all = threeManagers();
        ReplicatedStore leader = all.stream().filter(s -> s.peers().isLeader()).findFirst().orElseThrow();
        leader.close();
        List<ReplicatedStore> rest = all.stream().filter(s -> s != leader).toList();
        await("a new leader", () -> rest.stream().anyMatch(s -> s.peers().isLeader()));
        assertInstanceOf(StateStore.Outcome.Committed.class, rest.get(0).submit(network("after-failover")));
        assertInstanceOf(StateStore.Outcome.Committed.class, rest.get(1).submit(network("second")));

        rest.get(1).close(); // one of three left: no majority
        ReplicatedStore alone = rest.get(0);
        await("no leader on the last manager", () -> alone.peers().leaderId().isEmpty());
        long t0 = System.nanoTime();
        assertThrows(StateStore.NoQuorumException.class, () -> alone.submit(network("refused")));
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(tookMs < 5000, "a write without quorum fails fast, took " + tookMs + " ms");
        StateStore.Read stale = alone.read();
        assertTrue(stale.possiblyStale());
        assertTrue(stale.view().network("second").isPresent(), "the last state is still served");
    }

    @Test
    void aRestartedManagerKeepsItsStateAndAJoinerCatchesUpFromASnapshot() throws Exception {
        ReplicatedStore m1 = open("m1", List.of());
        m1.awaitLeader(System.nanoTime() + Duration.ofSeconds(10).toNanos());
        m1.submit(init());
        m1.submit(manager("m1", m1.raftAddr()));
        for (int i = 0; i < 20; i++) {
            assertInstanceOf(StateStore.Outcome.Committed.class, m1.submit(network("n" + i)));
        }
        m1.compactNow(); // the log behind the snapshot goes: a joiner must install the snapshot
        m1.submit(network("after-snapshot"));
        ReplicatedStore m2 = open("m2", List.of(new RaftSettings.Peer(id("m1"), m1.raftAddr())));
        m1.submit(manager("m2", m2.raftAddr()));
        addWithRetries(m2, "m2");
        await("m2 caught up", () -> m2.view().network("after-snapshot").isPresent());
        assertEquals(m1.view().networks(), m2.view().networks());
        // m2 restarts from the snapshot it installed (no .md5 beside an installed one: that once killed its
        // state machine for good) and keeps following.
        m2.close();
        open.remove(m2);
        ReplicatedStore m2again = open("m2", List.of(new RaftSettings.Peer(id("m1"), m1.raftAddr())));
        assertEquals(m1.view().networks(), m2again.view().networks(), "restarted from the installed snapshot");
        // m1 alone is no majority while m2 restarts; it may have stepped down, and its first write waits only one
        // election (then NoQuorum, by design). Retried until a leader is back (Refused: an earlier try committed).
        await("m1 writes again once m2 is back", () -> {
            try {
                return !(m1.submit(network("after-restart")) instanceof StateStore.Outcome.Refused r)
                        || r.reason().contains("already exists");
            } catch (java.io.IOException e) {
                return false;
            }
        });
        await("m2 follows again", () -> m2again.view().network("after-restart").isPresent());
        m2again.close();

        var networks = m1.view().networks();
        var nodes = m1.view().nodes();
        m1.close();
        m2.close();
        open.clear();
        ReplicatedStore again = open("m1", List.of());
        assertEquals(networks, again.view().networks(), "replayed before open returns");
        assertEquals(nodes, again.view().nodes());
        assertEquals(22, again.view().networks().size());
    }

    @Test
    void aFollowerWithASnapshotOfItsOwnCatchesUpFromTheLeadersAfterARestart() throws Exception {
        // The HA bench's failure: a manager that had taken a snapshot of its own was down while the leader took a
        // newer one and dropped the log behind it; back, it installed the leader's snapshot, which replaces its
        // snapshot directory, and its state machine then loaded the old snapshot it remembered (gone: the updater
        // thread died, the division stayed CLOSED, the manager never caught up).
        List<ReplicatedStore> m = threeManagers();
        for (int i = 0; i < 5; i++) {
            assertInstanceOf(StateStore.Outcome.Committed.class, m.get(0).submit(network("before" + i)));
        }
        await("m3 has them", () -> m.get(2).view().network("before4").isPresent());
        m.get(2).compactNow(); // m3's own snapshot
        m.get(2).close();
        open.remove(m.get(2));
        // m1 restarted: a new term, so the log segment holding what m3 lacks is closed (only closed segments are
        // purged), as the bench's leader kills did
        m.get(0).close();
        open.remove(m.get(0));
        ReplicatedStore m1 = open("m1", List.of(new RaftSettings.Peer(id("m2"), m.get(1).raftAddr())));
        ReplicatedStore m2 = m.get(1);
        await("m1 writes while-down", () -> committedOrThere(m1, "while-down"));
        // Ratis purges only once a snapshot is 1024 entries past the last purge: a create and a remove, 550 times
        for (int i = 0; i < 550; i++) {
            assertInstanceOf(StateStore.Outcome.Committed.class, m1.submit(network("churn")));
            assertInstanceOf(StateStore.Outcome.Committed.class, m1.submit(Command.newBuilder()
                    .setRemoveNetwork(io.jswarm.proto.state.RemoveNetwork.newBuilder().setNetworkId("id-churn")).build()));
        }
        m1.compactNow(); // newer snapshots, the log behind them dropped
        m2.compactNow();
        ReplicatedStore back = open("m3", List.of(new RaftSettings.Peer(id("m1"), m1.raftAddr())));
        await("m1 writes after", () -> committedOrThere(m1, "after"));
        await("m3 caught up from the leader's snapshot", () -> back.view().network("after").isPresent());
        assertEquals(m1.view().networks(), back.view().networks());
    }

    @Test
    void aQuorumLostForGoodIsRecoveredByForcingANewClusterFromASurvivorsState() throws Exception {
        var all = threeManagers();
        ReplicatedStore leader = all.stream().filter(x -> x.peers().isLeader()).findFirst().orElseThrow();
        assertInstanceOf(StateStore.Outcome.Committed.class, leader.submit(network("kept")));
        ReplicatedStore survivor = all.stream().filter(x -> !x.peers().isLeader()).findFirst().orElseThrow();
        String name = IDS.entrySet().stream().filter(e -> e.getValue().equals(survivor.peers().selfId()))
                .map(java.util.Map.Entry::getKey).findFirst().orElseThrow();
        await("kept on the survivor", () -> survivor.view().network("kept").isPresent());
        for (ReplicatedStore x : all) {
            if (x != survivor) {
                x.close();
            }
        }
        await("the survivor lost its leader", () -> survivor.peers().leaderId().isEmpty());
        assertThrows(StateStore.NoQuorumException.class, () -> survivor.submit(network("refused")));
        var state = survivor.snapshot();
        survivor.close();
        open.clear();

        io.jswarm.manager.api.ManagerNode.forceNewCluster(dir.resolve(name), state, id(name));
        ReplicatedStore alone = open(name, List.of());
        assertTrue(alone.peers().isLeader(), "the only manager of the new cluster leads");
        assertEquals(1, alone.peers().peers().size());
        assertTrue(alone.view().network("kept").isPresent(), "the state survived");
        assertInstanceOf(StateStore.Outcome.Committed.class, alone.submit(network("after-force")));
        long managers = alone.view().nodes().stream().filter(n -> n.getRole() == io.jswarm.proto.state.Role.ROLE_MANAGER).count();
        assertEquals(1, managers, "the lost managers are workers in the new cluster's state");
    }
}
