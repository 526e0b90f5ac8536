package io.jswarm.agent.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.proto.cluster.ClusterView;
import io.jswarm.proto.cluster.NetworkAttachRequest;
import io.jswarm.proto.cluster.NetworkAttachResponse;
import io.jswarm.proto.cluster.NetworkInspectRequest;
import io.jswarm.proto.cluster.NetworkView;
import io.jswarm.proto.cluster.NodeInfo;
import io.jswarm.vxlan.DataplaneConfig;
import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.KernelDataplane;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.kernel.Address;
import io.jswarm.vxlan.kernel.FakeKernel;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.LinkSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host rebooted while the daemon was down (or someone deleted a sandbox's namespace): the saved state lists
 * endpoints whose sandbox namespace no longer exists. At start each such endpoint is removed locally and
 * released at the manager, the namespace is not made again, and a later attach of the same name works.
 */
class NetworkAgentRebootTest {
    private static final String SELF = "node000000000000000000001";
    private static final Path HOST = Path.of("/run/netns/jsrb-host");

    @TempDir
    Path dir;
    private final List<NetworkAgent> agents = new ArrayList<>();
    private final NetworkAgentTest.FakeApi api = new NetworkAgentTest.FakeApi();
    private final NetworkAgentTest.FakeResolver dns = new NetworkAgentTest.FakeResolver();
    private FakeKernel fake;
    private Netns host;

    @AfterEach
    void close() {
        agents.forEach(NetworkAgent::close);
    }

    /** Power on: a kernel with only the host's underlay (nothing under /run survives a reboot). */
    private void boot() throws IOException {
        fake = new FakeKernel();
        host = fake.createNamespace(HOST);
        fake.apply(host, List.of(new KernelChange.AddLink(new LinkSpec.Bridge("ul0", 1500, null)),
                new KernelChange.AddAddress(new Address("ul0", IpPrefix.parse("192.0.2.1/24"))),
                KernelChange.SetLink.up("ul0")));
    }

    private NetworkAgent start() throws IOException {
        return start(Duration.ofMillis(50));
    }

    private NetworkAgent start(Duration retryEvery) throws IOException {
        var dp = new KernelDataplane(fake, new DataplaneConfig(host, Path.of("/run/jsrb-test")));
        var s = new NetworkAgent.Settings(dir, Duration.ofSeconds(3), Duration.ofSeconds(30), retryEvery);
        NetworkAgent a = new NetworkAgent(SELF, () -> api, dp, dns, s);
        agents.add(a);
        a.start();
        a.onView(ClusterView.newBuilder().setDataPathPort(4789)
                .addNodes(NodeInfo.newBuilder().setId(SELF).setHostname("h1").setAddr("192.0.2.1"))
                .addNetworks(NetworkView.newBuilder().setNetwork(NetworkAgentTest.NET)).build());
        return a;
    }

    private static NetworkAttachRequest attach(String name) {
        return NetworkAttachRequest.newBuilder().setNetwork("ov").setName(name).build();
    }

    private List<String> recordedIds() {
        return api.ownEndpoints().getEndpointsList().stream().map(e -> e.getEndpointId()).toList();
    }

    private static int containers(NetworkAgent a) throws IOException {
        return a.inspect(NetworkInspectRequest.newBuilder().setNetwork("ov").build()).getContainersCount();
    }

    @Test
    void anEndpointWhoseNamespaceIsGoneIsReleasedAndTheNameAttachesAgain() throws Exception {
        api.record = true;
        boot();
        NetworkAgent a = start();
        NetworkAttachResponse gone = a.attach(attach("jsrb-a"));
        NetworkAttachResponse kept = a.attach(attach("jsrb-b"));
        a.close();
        fake.deleteNamespace(Path.of("/run/netns/jsrb-a")); // only this sandbox's namespace went

        NetworkAgent b = start();
        await(() -> b.pendingReleases() == 0 && recordedIds().size() == 1, "the gone endpoint released");
        assertEquals(List.of(kept.getEndpointId()), recordedIds(), "released at the manager, the other kept");
        assertTrue(api.detached.contains(gone.getEndpointId()));
        assertEquals(1, containers(b), "removed locally");
        assertFalse(fake.namespaceExists(Path.of("/run/netns/jsrb-a")), "the namespace is not made again at start");
        assertTrue(fake.namespaceExists(Path.of("/run/netns/jsrb-b")));
        assertTrue(b.reconcileNow().clean(), "the kernel is exactly what the agent wants");

        NetworkAttachResponse again = b.attach(attach("jsrb-a"));
        assertFalse(again.getIpv4().isEmpty(), "a fresh attach of the same name gets an address");
        assertEquals(2, recordedIds().size(), "no endpoint leaked at the manager: " + recordedIds());
        assertTrue(fake.namespaceExists(Path.of("/run/netns/jsrb-a")));
        assertEquals(2, containers(b));
    }

    /**
     * A power loss before the attach reached the disk, then a reboot: the manager records an endpoint of this node
     * that the saved state never listed (UML PackageClusterUmlE2ETest's guest 3). An attach of its name right after
     * the start, before the start-up orphan check (a second after the first view), releases it and succeeds.
     */
    @Test
    void anAttachWhoseNameAnOrphanOfThisNodeHoldsReleasesItAndSucceeds() throws Exception {
        api.record = true;
        api.uniqueNames = true;
        synchronized (api) {
            api.recorded.add(io.jswarm.proto.state.Endpoint.newBuilder().setNetworkId(NetworkAgentTest.NET.getNetworkId())
                    .setEndpointId("lost-at-power-off").setNodeId(SELF).setName("jsrb-o").setAddress("10.0.0.99").build());
        }
        boot();
        NetworkAgent a = start();
        NetworkAttachResponse r = a.attach(attach("jsrb-o"));
        assertFalse(r.getIpv4().isEmpty());
        assertTrue(api.detached.contains("lost-at-power-off"), "the orphan was released: " + api.detached);
        assertEquals(List.of(r.getEndpointId()), recordedIds());
        assertTrue(fake.namespaceExists(Path.of("/run/netns/jsrb-o")));
        assertEquals(1, containers(a));
    }

    /**
     * The race CI's UML run hit: the start-up orphan check took the orphan (and released it) while this attach was
     * at the manager, so the attach finds nothing left to release; the name is free by the time it asks again.
     */
    @Test
    void anAttachRefusedWhileTheStartupCheckReleasesTheHolderAsksAgain() throws Exception {
        api.record = true;
        api.uniqueNames = true;
        api.takenOnce.add("jsrb-r");
        boot();
        NetworkAgent a = start();
        NetworkAttachResponse r = a.attach(attach("jsrb-r"));
        assertFalse(r.getIpv4().isEmpty());
        assertEquals(List.of(r.getEndpointId()), recordedIds());
        assertEquals(1, containers(a));
    }

    @Test
    void anAttachWhoseNameAnotherEndpointHoldsIsStillRefused() throws Exception {
        api.record = true;
        api.uniqueNames = true;
        boot();
        NetworkAgent a = start();
        a.attach(attach("jsrb-x"));
        // the same name again: the holder has a sandbox here, so it is no orphan and nothing is released
        var e = org.junit.jupiter.api.Assertions.assertThrows(io.grpc.StatusRuntimeException.class,
                () -> a.attach(attach("jsrb-x")));
        assertTrue(e.getStatus().getDescription().contains("already exists"), e.toString());
        assertTrue(api.detached.isEmpty(), "nothing released: " + api.detached);
        assertEquals(1, recordedIds().size());
        assertEquals(1, containers(a));
    }

    @Test
    void afterAFullRebootEverySavedEndpointIsReleasedAndAttachesAgain() throws Exception {
        api.record = true;
        boot();
        NetworkAgent a = start();
        a.attach(attach("jsrb-a"));
        a.attach(attach("jsrb-b"));
        a.close();
        boot(); // every namespace gone, the network's too; the daemon's state directory survives

        NetworkAgent b = start();
        await(() -> b.pendingReleases() == 0 && recordedIds().isEmpty(), "every gone endpoint released");
        assertEquals(0, containers(b));
        assertFalse(fake.namespaceExists(Path.of("/run/netns/jsrb-a")));
        assertFalse(fake.namespaceExists(Path.of("/run/netns/jsrb-b")));
        assertTrue(b.reconcileNow().clean());

        b.attach(attach("jsrb-a"));
        b.attach(attach("jsrb-b"));
        assertEquals(2, recordedIds().size(), "no endpoint leaked at the manager: " + recordedIds());
        assertEquals(2, containers(b));
        assertTrue(b.reconcileNow().clean());
    }

    /**
     * The start-up release could not reach the manager (on a manager node its API may not be up yet) and the
     * next retry is far off: an attach of the same name right away sends it first, so the manager (which
     * refuses a second endpoint of one name) is asked only once the old one is gone.
     */
    @Test
    void anAttachRightAfterStartSendsThePendingReleaseFirst() throws Exception {
        api.record = true;
        boot();
        NetworkAgent a = start();
        NetworkAttachResponse gone = a.attach(attach("jsrb-a"));
        a.close();
        fake.deleteNamespace(Path.of("/run/netns/jsrb-a"));

        api.unreachable = true;
        NetworkAgent b = start(Duration.ofMinutes(10));
        await(() -> containers(b) == 0, "removed locally");
        assertEquals(List.of(gone.getEndpointId()), recordedIds(), "the manager could not release it yet");
        api.unreachable = false;
        b.attach(attach("jsrb-a"));
        assertFalse(recordedIds().contains(gone.getEndpointId()), "released before the new attach: " + recordedIds());
        assertEquals(1, recordedIds().size(), recordedIds().toString());
        assertEquals(0, b.pendingReleases());
    }

    interface Check {
        boolean holds() throws Exception;
    }

    private static void await(Check condition, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(10);
        }
    }
}
