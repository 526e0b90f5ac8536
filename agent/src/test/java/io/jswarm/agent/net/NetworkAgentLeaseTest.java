package io.jswarm.agent.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jswarm.proto.cluster.AttachEndpointRequest;
import io.jswarm.proto.cluster.AttachEndpointResponse;
import io.jswarm.proto.cluster.ClusterView;
import io.jswarm.proto.cluster.CreateNetworkRequest;
import io.jswarm.proto.cluster.DetachEndpointRequest;
import io.jswarm.proto.cluster.LeaseAddress;
import io.jswarm.proto.cluster.LeaseClaimRequest;
import io.jswarm.proto.cluster.LeaseClaimResponse;
import io.jswarm.proto.cluster.LeaseGrantRequest;
import io.jswarm.proto.cluster.LeaseGrantResponse;
import io.jswarm.proto.cluster.LeaseReturnRequest;
import io.jswarm.proto.cluster.LeaseReturnResponse;
import io.jswarm.proto.cluster.ListNetworksRequest;
import io.jswarm.proto.cluster.ListNetworksResponse;
import io.jswarm.proto.cluster.LocalEndpoint;
import io.jswarm.proto.cluster.NetworkAttachRequest;
import io.jswarm.proto.cluster.NetworkDetachRequest;
import io.jswarm.proto.cluster.NetworkResponse;
import io.jswarm.proto.cluster.NetworkView;
import io.jswarm.proto.cluster.NodeInfo;
import io.jswarm.proto.cluster.OwnEndpointsRequest;
import io.jswarm.proto.cluster.OwnEndpointsResponse;
import io.jswarm.proto.cluster.PruneNetworksResponse;
import io.jswarm.proto.cluster.RemoveNetworkRequest;
import io.jswarm.proto.cluster.RemoveNetworkResponse;
import io.jswarm.proto.state.Endpoint;
import io.jswarm.proto.state.Network;
import io.jswarm.vxlan.Netns;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12: attach without a manager. The agent keeps a lease of addresses on the networks it is on; while the
 * manager is unreachable an attach takes one (write-ahead, with a pending claim), beyond the lease it fails at
 * once, and the claim lands when the manager is back, also after a restart in between.
 */
class NetworkAgentLeaseTest {
    private static final String SELF = "node000000000000000000001";
    private static final Network NET = NetworkAgentTest.NET;

    @TempDir
    Path dir;
    private final NetworkAgentTest base = new NetworkAgentTest();
    private final LeasingApi api = new LeasingApi();
    private final List<NetworkAgent> agents = new ArrayList<>();
    private final String prefix = "jslease-" + Long.toString(System.nanoTime(), 36);

    @BeforeEach
    void setUp() throws IOException {
        base.dir = dir;
        base.setUp();
    }

    @AfterEach
    void close() {
        agents.forEach(NetworkAgent::close);
    }

    private NetworkAgent agent() throws IOException {
        return agent(OrphanChecks.UNKNOWN_OUTCOME_WINDOW);
    }

    private NetworkAgent agent(java.time.Duration orphanWindow) throws IOException {
        // Periodic rounds far apart: each test runs its upkeep rounds itself.
        NetworkAgent a = new NetworkAgent(SELF, () -> api, base.dataplane, base.dns, new NetworkAgent.Settings(dir,
                java.time.Duration.ofSeconds(3), java.time.Duration.ofSeconds(30), java.time.Duration.ofHours(1)));
        agents.add(a);
        a.orphanWindow(orphanWindow);
        a.start();
        a.onView(ClusterView.newBuilder().setDataPathPort(4789)
                .addNodes(NodeInfo.newBuilder().setId(SELF).setHostname("h1").setAddr("192.0.2.1").setDataPathAddr("192.0.2.1"))
                .addNetworks(NetworkView.newBuilder().setNetwork(NET)).build());
        return a;
    }

    private io.jswarm.proto.cluster.NetworkAttachResponse attach(NetworkAgent a, String name) throws IOException {
        return a.attach(NetworkAttachRequest.newBuilder().setNetwork("ov").setName(name).build());
    }

    private static List<LocalEndpoint> pendingClaims(NetworkAgent a) throws IOException {
        return a.onLoop(() -> a.onLoopState().pendingClaims().stream().map(LocalState.Located::endpoint).toList());
    }

    private static int freeLeases(NetworkAgent a) throws IOException {
        return a.onLoop(() -> (int) a.onLoopState().leases().stream().filter(l -> !l.getReturning()
                && !a.onLoopState().endpointIdInUse(l.getLease().getEndpointId())).count());
    }

    @Test
    void aNodeOnANetworkKeepsALeaseAndAttachesFromItWhileTheManagerIsUnreachable() throws Exception {
        NetworkAgent a = agent();
        assertEquals("10.0.1.2/24", attach(a, prefix + "-a").getIpv4()); // through the manager
        a.leaseUpkeepNow();
        assertEquals(AddressLeases.TARGET, freeLeases(a));
        assertEquals(List.of("10.0.1.100", "10.0.1.101", "10.0.1.102", "10.0.1.103"), api.held());

        api.unreachable = true;
        var r = attach(a, prefix + "-b");
        assertEquals("10.0.1.100/24", r.getIpv4());
        assertEquals("lease0", r.getEndpointId()); // the lease's endpoint id: the claim keeps it
        assertTrue(base.kernel.links(Netns.named(prefix + "-b")).stream().anyMatch(l -> l.name().equals("eth0")));
        assertEquals(1, api.attached); // no manager call made it
        assertEquals(List.of("lease0"), pendingClaims(a).stream().map(LocalEndpoint::getEndpointId).toList());
        a.leaseUpkeepNow(); // still unreachable: the claim stays pending
        assertEquals(1, pendingClaims(a).size());

        api.unreachable = false;
        a.leaseUpkeepNow();
        assertEquals(List.of(), pendingClaims(a));
        assertEquals(Map.of("10.0.1.100", prefix + "-b"), api.claimed);
        assertEquals(AddressLeases.TARGET, freeLeases(a), "refilled after the claim");
        a.onLoop(() -> {
            LocalEndpoint le = a.onLoopState().endpoint(prefix + "-b", NET.getNetworkId()).orElseThrow();
            assertEquals("claim-grant", le.getGrant().getCaSignature().toStringUtf8()); // the claim's grant now
            return null;
        });
    }

    @Test
    void beyondTheLeaseAnAttachFailsFastWithAClearErrorAndLeavesNothing() throws Exception {
        NetworkAgent a = agent();
        attach(a, prefix + "-a");
        a.leaseUpkeepNow();
        api.unreachable = true;
        for (int i = 0; i < AddressLeases.TARGET; i++) {
            attach(a, prefix + "-l" + i);
        }
        var before = base.kernel.snapshot();
        var e = assertThrows(StatusRuntimeException.class, () -> attach(a, prefix + "-over"));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertEquals("manager unreachable; this node holds no free address lease on network ov, so the attach "
                + "needs a manager", e.getStatus().getDescription());
        assertEquals(before, base.kernel.snapshot());
        assertFalse(base.kernel.namespaceExists(Path.of("/run/netns", prefix + "-over")));
        // A requested address is never taken from a lease: the manager decides whether it is free.
        var ip = assertThrows(StatusRuntimeException.class, () -> a.attach(NetworkAttachRequest.newBuilder()
                .setNetwork("ov").setName(prefix + "-ip").setIp("10.0.1.50").build()));
        assertEquals("manager unreachable", ip.getStatus().getDescription());
    }

    @Test
    void aPendingClaimSurvivesARestartAndLandsWhenTheManagerIsBack() throws Exception {
        NetworkAgent a = agent();
        attach(a, prefix + "-a");
        a.leaseUpkeepNow();
        api.unreachable = true;
        attach(a, prefix + "-b");
        a.close();
        agents.remove(a);

        NetworkAgent b = agent(); // restarted from its saved state, the manager still away
        assertEquals(List.of("lease0"), pendingClaims(b).stream().map(LocalEndpoint::getEndpointId).toList());
        assertEquals(AddressLeases.TARGET - 1, freeLeases(b), "the used address stays used");
        api.unreachable = false;
        b.leaseUpkeepNow();
        assertEquals(List.of(), pendingClaims(b));
        assertEquals(Map.of("10.0.1.100", prefix + "-b"), api.claimed);
    }

    @Test
    void aKillDuringAnAttachFromTheLeaseLeavesAllOrNothingAfterTheRestart() throws Exception {
        for (String step : List.of("attach:journaled", "attach:kernel", "attach:committed")) {
            NetworkAgent a = agent();
            String name = prefix + "-" + step.substring(step.indexOf(':') + 1);
            if (freeLeases(a) == 0 || a.onLoop(() -> a.onLoopState().sandboxes().isEmpty())) {
                api.unreachable = false;
                attach(a, prefix + "-a" + step.length());
                a.leaseUpkeepNow();
            }
            api.unreachable = true;
            int free = freeLeases(a);
            long released = a.onLoop(() -> a.onLoopState().releases().size()).longValue();
            a.steps(s -> {
                if (s.equals(step)) {
                    throw new KillingKernel.Killed(s);
                }
            });
            assertThrows(KillingKernel.Killed.class, () -> attach(a, name));
            a.close();
            agents.remove(a);
            NetworkAgent b = agent(); // restarted from the saved state, no manager
            boolean kept = step.equals("attach:committed");
            assertEquals(kept, base.kernel.namespaceExists(Path.of("/run/netns", name)), step);
            assertEquals(kept ? List.of(name) : List.of(), pendingClaims(b).stream().map(LocalEndpoint::getSandbox)
                    .filter(x -> x.equals(name)).toList(), step);
            // An undone attach is released at the manager (its claim may have landed unseen): until the manager confirms,
            // its leased address is not used again.
            assertEquals(free - 1, freeLeases(b), step);
            assertEquals(released + (kept ? 0 : 1), b.onLoop(() -> b.onLoopState().releases().size()).longValue(), step);
            b.close();
            agents.remove(b);
        }
    }

    @Test
    void aRefusedClaimRemovesTheEndpointAttachedWhileCutOff() throws Exception {
        NetworkAgent a = agent();
        attach(a, prefix + "-a");
        a.leaseUpkeepNow();
        api.unreachable = true;
        attach(a, prefix + "-b");
        // Refusals first: a background round may run as soon as the manager is reachable again.
        api.refuseClaims = "endpoint with name " + prefix + "-b already exists in network ov";
        api.unreachable = false;
        a.leaseUpkeepNow();
        assertEquals(List.of(), pendingClaims(a));
        assertFalse(base.kernel.namespaceExists(Path.of("/run/netns", prefix + "-b")), "the loser of the name is detached");
        a.onLoop(() -> {
            assertTrue(a.onLoopState().endpoint(prefix + "-b", NET.getNetworkId()).isEmpty());
            return null;
        });
    }

    @Test
    void anAttachWhoseAnswerWasLostLeavesAnOrphanThatTheClaimReleasesFirst() throws Exception {
        NetworkAgent a = agent();
        attach(a, prefix + "-a");
        a.leaseUpkeepNow();
        api.loseAnswer = true; // made at the manager as ep2, then the manager is unreachable
        assertEquals("10.0.1.100/24", attach(a, prefix + "-b").getIpv4());
        api.unreachable = false;
        a.leaseUpkeepNow();
        assertEquals(List.of(), pendingClaims(a), "claimed after the orphan of the same name was released");
        assertEquals(List.of("ep1", "lease0"), api.recorded.stream().map(Endpoint::getEndpointId).toList());
        assertTrue(base.kernel.namespaceExists(Path.of("/run/netns", prefix + "-b")), "the sandbox stays");
    }

    /**
     * HaClusterE2ETest's h5-k58: the attach's manager forwarded it to a leader that was killed, the agent attached
     * from its lease and the sandbox was detached; then the forwarding manager's retry committed the original at
     * the new leader, after the quick orphan check had looked. The check when the write can no longer commit
     * releases it, and only against a state a quorum confirmed.
     */
    @Test
    void anAttachWithoutAnAnswerThatCommitsAfterTheQuickCheckIsReleasedWhenItCanNoLongerCommit() throws Exception {
        NetworkAgent a = agent();
        attach(a, prefix + "-a");
        a.leaseUpkeepNow();
        assertEquals(0, a.orphansSettleAt(), "no confirmed check pending");
        api.commitLater = true; // the write stays in flight at the manager; the caller sees it unreachable
        assertEquals("lease0", attach(a, prefix + "-b").getEndpointId());
        assertTrue(a.orphansSettleAt() != 0, "an attach without an answer waits for its write's outcome");
        api.unreachable = false;
        a.leaseUpkeepNow(); // the claim lands
        a.detach(NetworkDetachRequest.newBuilder().setSandbox(prefix + "-b").build());
        assertEquals(0, a.releaseOrphans(), "the quick check finds nothing: the write is still in flight");

        api.stale = true; // first asked of a lagging manager, whose state lacks it
        api.commitLate(); // the new leader commits it: ep2, named like the detached sandbox, held by no sandbox
        assertEquals(OrphanChecks.UNCONFIRMED, a.settledOrphanCheckNow(), "a state no quorum confirmed may lack it");
        assertTrue(api.recorded.stream().anyMatch(e -> e.getEndpointId().equals("ep2")));
        api.stale = false;
        assertEquals(1, a.settledOrphanCheckNow());
        assertEquals(List.of("ep1"), api.recorded.stream().map(Endpoint::getEndpointId).toList());
    }

    /**
     * The same late commit, released by the agent's own scheduled check once the window passed: retried while
     * the manager could only answer from a state no quorum confirmed, and without anyone calling a check by hand.
     */
    @Test
    void theScheduledConfirmedCheckReleasesALateCommitOnceTheManagerConfirmsItsState() throws Exception {
        NetworkAgent a = agent(java.time.Duration.ofMillis(300));
        attach(a, prefix + "-a");
        a.leaseUpkeepNow();
        api.commitLater = true;
        attach(a, prefix + "-b"); // from the lease
        api.unreachable = false;
        a.leaseUpkeepNow();
        a.detach(NetworkDetachRequest.newBuilder().setSandbox(prefix + "-b").build());
        api.stale = true; // a lagging manager: its state lacks the late commit and says it may be stale
        api.commitLate();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        while (api.staleAnswers() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(api.staleAnswers() >= 2, "the checks asked: " + api.staleAnswers());
        assertTrue(api.recordedIds().contains("ep2"), "a stale state without it ends no confirmed check");
        api.stale = false;
        while (api.recordedIds().contains("ep2") && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(List.of("ep1"), api.recordedIds(), "released by the scheduled check (retried every 5 s)");
    }

    @Test
    void aNodeThatLeavesANetworkGivesItsLeaseBack() throws Exception {
        NetworkAgent a = agent();
        attach(a, prefix + "-a");
        a.leaseUpkeepNow();
        a.detach(NetworkDetachRequest.newBuilder().setSandbox(prefix + "-a").build());
        a.leaseUpkeepNow();
        assertEquals(List.of(), api.held());
        a.onLoop(() -> {
            assertEquals(List.of(), a.onLoopState().leases());
            return null;
        });
    }

    /** The manager as far as leases go: serial endpoints below .100, leases from .100; unreachable on demand. */
    static class LeasingApi implements ClusterApi {
        volatile boolean unreachable;
        volatile String refuseClaims;
        /** The next attach is made at the manager but its answer is lost (the caller sees the manager unreachable). */
        volatile boolean loseAnswer;
        /** The next attach is not answered (the manager seems unreachable) and commits only at {@link #commitLate}. */
        volatile boolean commitLater;
        /** Own endpoints come from a state no quorum confirmed. */
        volatile boolean stale;
        private AttachEndpointRequest late;
        private final java.util.Set<String> lateIds = new java.util.HashSet<>();
        private int staleAnswers;
        int attached;
        int nextLease;
        final Map<String, String> leases = new LinkedHashMap<>(); // address -> endpoint id
        final Map<String, String> claimed = new LinkedHashMap<>(); // address -> name
        final List<Endpoint> recorded = new ArrayList<>();

        private void reach() {
            if (unreachable) {
                throw ManagerUnreachable.status(List.of("192.0.2.99:2377"), "Connection refused")
                        .getStatus().withDescription("manager unreachable").asRuntimeException();
            }
        }

        synchronized List<String> held() {
            return List.copyOf(leases.keySet());
        }

        @Override
        public synchronized AttachEndpointResponse attach(AttachEndpointRequest r) {
            if (commitLater) {
                commitLater = false;
                unreachable = true;
                late = r;
                throw Status.UNAVAILABLE.withDescription("manager unreachable").asRuntimeException();
            }
            reach();
            attached++;
            Endpoint e = Endpoint.newBuilder().setNetworkId(NET.getNetworkId()).setEndpointId("ep" + attached)
                    .setNodeId(SELF).setName(r.getName()).setAddress("10.0.1." + (1 + attached)).build();
            recorded.add(e);
            if (loseAnswer) {
                loseAnswer = false;
                unreachable = true;
                throw Status.UNAVAILABLE.withDescription("manager unreachable").asRuntimeException();
            }
            return AttachEndpointResponse.newBuilder().setNetwork(NET).setEndpoint(e).build();
        }

        @Override
        public synchronized void detach(DetachEndpointRequest r) {
            reach();
            if (recorded.removeIf(e -> e.getEndpointId().equals(r.getEndpointId()))) {
                return;
            }
            throw Status.NOT_FOUND.withDescription("endpoint not found").asRuntimeException();
        }

        @Override
        public synchronized LeaseGrantResponse leaseGrant(LeaseGrantRequest r) {
            reach();
            for (int i = 0; i < r.getCount(); i++) {
                leases.put("10.0.1." + (100 + nextLease), "lease" + nextLease++);
            }
            return LeaseGrantResponse.newBuilder().setNetwork(NET).addAllLeases(list()).build();
        }

        private List<LeaseAddress> list() {
            return leases.entrySet().stream().map(e -> LeaseAddress.newBuilder().setNetworkId(NET.getNetworkId())
                    .setAddress(e.getKey()).setEndpointId(e.getValue()).build()).toList();
        }

        @Override
        public synchronized LeaseClaimResponse leaseClaim(LeaseClaimRequest r) {
            reach();
            if (refuseClaims != null) {
                throw Status.FAILED_PRECONDITION.withDescription(refuseClaims).asRuntimeException();
            }
            if (recorded.stream().anyMatch(e -> e.getName().equals(r.getName()))) {
                throw Status.FAILED_PRECONDITION.withDescription("endpoint with name " + r.getName()
                        + " already exists in network ov").asRuntimeException();
            }
            String id = leases.remove(r.getAddress());
            if (id == null) {
                throw Status.FAILED_PRECONDITION.withDescription("address " + r.getAddress() + " is not leased")
                        .asRuntimeException();
            }
            claimed.put(r.getAddress(), r.getName());
            Endpoint e = Endpoint.newBuilder().setNetworkId(NET.getNetworkId()).setEndpointId(id).setNodeId(SELF)
                    .setName(r.getName()).setAddress(r.getAddress()).build();
            recorded.add(e);
            return LeaseClaimResponse.newBuilder().setNetwork(NET).setEndpoint(e).setGrant(io.jswarm.proto.table.SignedGrant
                    .newBuilder().setCaSignature(com.google.protobuf.ByteString.copyFromUtf8("claim-grant"))).build();
        }

        @Override
        public synchronized LeaseReturnResponse leaseReturn(LeaseReturnRequest r) {
            reach();
            r.getAddressesList().forEach(leases::remove);
            return LeaseReturnResponse.newBuilder().addAllReturned(r.getAddressesList()).build();
        }

        synchronized List<String> recordedIds() {
            return recorded.stream().map(Endpoint::getEndpointId).toList();
        }

        synchronized void commitLate() {
            AttachEndpointRequest r = late;
            late = null;
            boolean was = unreachable;
            unreachable = false;
            lateIds.add(attach(r).getEndpoint().getEndpointId());
            unreachable = was;
        }

        synchronized int staleAnswers() {
            return staleAnswers;
        }

        /** A stale answer comes from a replica that has not applied the late commits yet. */
        @Override
        public synchronized OwnEndpointsResponse ownEndpoints() {
            reach();
            if (stale) {
                staleAnswers++;
                return OwnEndpointsResponse.newBuilder().setPossiblyStale(true).addAllEndpoints(recorded.stream()
                        .filter(e -> !lateIds.contains(e.getEndpointId())).toList()).build();
            }
            return OwnEndpointsResponse.newBuilder().addAllEndpoints(recorded).build();
        }

        @Override
        public synchronized OwnEndpointsResponse ownEndpoints(OwnEndpointsRequest r) {
            return ownEndpoints().toBuilder().addAllLeases(list()).build();
        }

        @Override
        public boolean requestKeyRotation(int generation) {
            return false;
        }

        @Override
        public NetworkResponse createNetwork(CreateNetworkRequest request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public RemoveNetworkResponse removeNetwork(RemoveNetworkRequest request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public PruneNetworksResponse pruneNetworks() {
            throw new UnsupportedOperationException();
        }

        @Override
        public ListNetworksResponse listNetworks(ListNetworksRequest request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void releaseOwnEndpoints() {
            throw new UnsupportedOperationException();
        }
    }
}
