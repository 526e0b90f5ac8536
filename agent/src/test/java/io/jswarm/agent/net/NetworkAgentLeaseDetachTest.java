package io.jswarm.agent.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.proto.cluster.ClusterView;
import io.jswarm.proto.cluster.LeaseClaimRequest;
import io.jswarm.proto.cluster.LeaseClaimResponse;
import io.jswarm.proto.cluster.NetworkAttachRequest;
import io.jswarm.proto.cluster.NetworkAttachResponse;
import io.jswarm.proto.cluster.NetworkDetachRequest;
import io.jswarm.proto.cluster.NetworkView;
import io.jswarm.proto.cluster.NodeInfo;
import io.jswarm.proto.state.Endpoint;
import io.jswarm.proto.state.Network;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, the HA e2e's double hand-out (jsha-ajd1): a sandbox attached from a lease is detached while its claim is
 * on its way. Whatever order the claim and the release reach the manager in, the manager ends up holding neither
 * the endpoint nor the lease, and the address and endpoint id are never used again by a later attach from the lease.
 */
class NetworkAgentLeaseDetachTest {
    private static final String SELF = "node000000000000000000001";
    private static final Network NET = NetworkAgentTest.NET;

    @TempDir
    Path dir;
    private final NetworkAgentTest base = new NetworkAgentTest();
    private final HookedApi api = new HookedApi();
    /** Runs before (true) or after (false) the claim reaches the fake manager, once. */
    private volatile Runnable aroundClaim;
    private volatile boolean hookBefore;
    private final List<NetworkAgent> agents = new ArrayList<>();
    private final String prefix = "jsleasedt-" + Long.toString(System.nanoTime(), 36);

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
        NetworkAgent a = new NetworkAgent(SELF, () -> api, base.dataplane, base.dns, new NetworkAgent.Settings(dir,
                java.time.Duration.ofSeconds(3), java.time.Duration.ofSeconds(30), java.time.Duration.ofHours(1)));
        agents.add(a);
        a.start();
        a.onView(ClusterView.newBuilder().setDataPathPort(4789)
                .addNodes(NodeInfo.newBuilder().setId(SELF).setHostname("h1").setAddr("192.0.2.1").setDataPathAddr("192.0.2.1"))
                .addNetworks(NetworkView.newBuilder().setNetwork(NET)).build());
        return a;
    }

    private NetworkAttachResponse attach(NetworkAgent a, String name) throws IOException {
        return a.attach(NetworkAttachRequest.newBuilder().setNetwork("ov").setName(name).build());
    }

    private void detach(NetworkAgent a, String name) {
        try {
            a.detach(NetworkDetachRequest.newBuilder().setSandbox(name).build());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What the fake manager holds for the address or endpoint id of {@code r}: endpoint ids and lease addresses. */
    private List<String> managerHolds(NetworkAttachResponse r) {
        String address = r.getIpv4().substring(0, r.getIpv4().indexOf('/'));
        List<String> out = new ArrayList<>();
        synchronized (api) {
            api.recorded.stream().map(Endpoint::getEndpointId).filter(r.getEndpointId()::equals).forEach(out::add);
            api.recorded.stream().map(Endpoint::getAddress).filter(address::equals).forEach(out::add);
            api.held().stream().filter(address::equals).forEach(out::add);
        }
        return out;
    }

    private void detachedWhileTheClaimIsOnItsWay(boolean beforeTheClaimLands) throws Exception {
        NetworkAgent a = agent();
        attach(a, prefix + "-a"); // through the manager: the node is on the network and keeps a lease
        a.leaseUpkeepNow();
        api.unreachable = true;
        NetworkAttachResponse first = attach(a, prefix + "-b");
        assertEquals("lease0", first.getEndpointId());
        // The manager is back; the claim is sent, and the sandbox is detached while it is on its way.
        hookBefore = beforeTheClaimLands;
        aroundClaim = () -> detach(a, prefix + "-b");
        api.unreachable = false;
        a.leaseUpkeepNow();
        a.onLoop(() -> null); // the release's loop step is done
        assertEquals(List.of(), managerHolds(first), "the manager no longer holds the detached endpoint or its address");
        a.onLoop(() -> {
            assertTrue(a.onLoopState().releases().isEmpty(), "released");
            assertTrue(a.onLoopState().leases().stream().noneMatch(l -> l.getLease().getEndpointId().equals("lease0")));
            return null;
        });

        api.unreachable = true; // every manager down: the next attach from the lease takes another address
        NetworkAttachResponse next = attach(a, prefix + "-c");
        assertNotEquals(first.getEndpointId(), next.getEndpointId());
        assertNotEquals(first.getIpv4(), next.getIpv4());
    }

    @Test
    void aDetachBeforeTheClaimLandsGivesTheLeaseBackAndTheAddressIsNotUsedAgain() throws Exception {
        detachedWhileTheClaimIsOnItsWay(true);
    }

    @Test
    void aDetachAfterTheClaimLandedButBeforeItsAnswerReleasesTheEndpointAndTheAddressIsNotUsedAgain() throws Exception {
        detachedWhileTheClaimIsOnItsWay(false);
    }

    @Test
    void aDetachOfAClaimedLeaseWithTheManagerUnreachableIsReleasedLaterAndNeverReused() throws Exception {
        NetworkAgent a = agent();
        attach(a, prefix + "-a");
        a.leaseUpkeepNow();
        api.unreachable = true;
        NetworkAttachResponse first = attach(a, prefix + "-b");
        api.unreachable = false;
        a.leaseUpkeepNow(); // the claim lands
        api.unreachable = true;
        detach(a, prefix + "-b"); // the release stays pending
        NetworkAttachResponse next = attach(a, prefix + "-c");
        assertNotEquals(first.getEndpointId(), next.getEndpointId());
        assertNotEquals(first.getIpv4(), next.getIpv4());
        api.unreachable = false;
        a.leaseUpkeepNow(); // the claim of -c
        attach(a, prefix + "-d"); // through the manager: pending releases go first
        a.onLoop(() -> null);
        assertEquals(0, a.pendingReleases());
        assertEquals(List.of(), managerHolds(first));
    }

    @Test
    void aDetachWhileTheClaimIsPendingAndTheManagerUnreachableGivesTheLeaseBackLater() throws Exception {
        NetworkAgent a = agent();
        attach(a, prefix + "-a");
        a.leaseUpkeepNow();
        api.unreachable = true;
        NetworkAttachResponse first = attach(a, prefix + "-b");
        detach(a, prefix + "-b"); // claim never sent; release pending
        NetworkAttachResponse next = attach(a, prefix + "-c");
        assertNotEquals(first.getIpv4(), next.getIpv4(), "the used address is not free until the manager confirms");
        api.unreachable = false;
        attach(a, prefix + "-d"); // through the manager: pending releases go first
        a.onLoop(() -> null);
        assertEquals(0, a.pendingReleases());
        assertEquals(List.of(), managerHolds(first), "the lease went back");
    }

    /** The leasing fake with a hook around the claim (the detach racing it). */
    private final class HookedApi extends NetworkAgentLeaseTest.LeasingApi {
        @Override
        public LeaseClaimResponse leaseClaim(LeaseClaimRequest r) {
            Runnable h = aroundClaim;
            aroundClaim = null;
            if (h != null && hookBefore) {
                h.run();
            }
            LeaseClaimResponse out = super.leaseClaim(r);
            if (h != null && !hookBefore) {
                h.run();
            }
            return out;
        }
    }
}
