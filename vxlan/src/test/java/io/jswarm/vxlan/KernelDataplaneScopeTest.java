package io.jswarm.vxlan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.kernel.Address;
import io.jswarm.vxlan.kernel.FakeKernel;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.LinkSpec;
import io.jswarm.vxlan.kernel.Route;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Beyond the IPv4, one-host-namespace basics: the JVM's own namespace as host, IPv6 overlays, many peers. */
class KernelDataplaneScopeTest {

    @Test
    void theJvmsOwnNamespaceCanBeTheHost() throws Exception {
        FakeKernel kernel = new FakeKernel();
        kernel.apply(Netns.current(), new KernelChange.AddLink(new LinkSpec.Bridge("ul0", 1400, null)),
                new KernelChange.AddAddress(new Address("ul0", IpPrefix.parse("203.0.113.5/24"))));
        DataplaneConfig config = DataplaneConfig.defaults().withRunDir(Path.of("/run/jsdp-own"));
        KernelDataplane dp = new KernelDataplane(kernel, config);

        dp.ensureNetwork(NetworkSpec.of("own", 4097, "10.0.1.1/24", IpPrefix.parseAddress("203.0.113.5")));

        Netns ns = Netns.at(config.networkNamespace("own"));
        assertEquals(1350, kernel.links(ns).stream().filter(l -> l.name().equals("vxlan0")).findFirst()
                .orElseThrow().mtu());
        dp.removeNetwork("own");
        assertTrue(kernel.links(Netns.current()).stream().noneMatch(l -> "vxlan".equals(l.kind())));
    }

    @Test
    void anIpv6OverlayWorksTheSameWay() throws Exception {
        DataplaneFixture f = new DataplaneFixture();
        NetworkSpec v6 = new NetworkSpec("six", Vni.of(4100), IpPrefix.parse("fd00:1::1/64"), DataplaneFixture.VTEP,
                4789, 0);
        f.dataplane.ensureNetwork(v6);
        MacAddress mac = MacAddress.parse("02:42:fd:00:00:05");
        f.dataplane.ensureEndpoint(new EndpointSpec("ep6", "six", Netns.named("jsdp-six"), true, "eth0",
                IpPrefix.parse("fd00:1::5/64"), mac));
        f.dataplane.upsertPeers("six", List.of(new Peer(IpPrefix.parseAddress("fd00:1::9"),
                MacAddress.parse("02:42:fd:00:00:09"), DataplaneFixture.REMOTE_VTEP)));

        assertTrue(f.kernel.routes(Netns.named("jsdp-six"))
                .contains(Route.defaultVia(IpPrefix.parseAddress("fd00:1::1"), "eth0")));
        assertEquals(1, f.permanentNeighbors(f.netns(v6)).size());
        assertTrue(f.dataplane.reconcile().clean());
    }

    @Test
    void tenThousandPeersProgramAndReconcileQuickly() throws Exception {
        DataplaneFixture f = new DataplaneFixture();
        NetworkSpec big = NetworkSpec.of("big", 4200, "10.64.0.1/16", DataplaneFixture.VTEP);
        f.dataplane.ensureNetwork(big);
        List<Peer> peers = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            int hi = 1 + i / 200;
            int lo = 1 + i % 200;
            peers.add(DataplaneFixture.peer("10.64." + hi + "." + lo, String.format("02:42:0a:40:%02x:%02x", hi, lo),
                    i % 2 == 0 ? DataplaneFixture.REMOTE_VTEP : DataplaneFixture.OTHER_VTEP));
        }
        f.kernel.clearRecords();
        f.kernel.setRecording(false);
        // Linear work stays far below this bound; a quadratic slip would not.
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            f.dataplane.upsertPeers("big", peers);
            assertTrue(f.dataplane.reconcile().clean());
        });
        assertEquals(10_000, f.remoteFdb(f.netns(big)).size());
        assertEquals(1, f.kernel.applyCount(), "one batch for 10k peers, and a clean reconcile changes nothing");
        assertEquals(20_000, f.kernel.changeCount());
    }
}
