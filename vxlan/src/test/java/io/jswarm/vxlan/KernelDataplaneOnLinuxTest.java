package io.jswarm.vxlan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.kernel.Address;
import io.jswarm.vxlan.kernel.FdbEntry;
import io.jswarm.vxlan.netlink.NetlinkKernel;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.LinkSpec;
import io.jswarm.vxlan.kernel.Route;
import io.jswarm.vxlan.testing.RequiresRoot;
import io.jswarm.vxlan.testing.TestNamespaces;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A smoke run of {@link KernelDataplane} on real Linux through {@link NetlinkKernel} (the shipped path): the layout, a repair
 * and a clean removal. The thorough real-kernel tests belong to the e2e module; this one catches ordering
 * rules the fake might model too kindly (a route before its device is up, a VNI still held, ...).
 */
@RequiresRoot
class KernelDataplaneOnLinuxTest {
    private static final String NET_ID = "jsdpn" + Long.toString(ProcessHandle.current().pid() % 10000, 36);
    private final TestNamespaces namespaces = TestNamespaces.forRun("jsdp");
    private final NetlinkKernel kernel = new NetlinkKernel();

    @AfterEach
    void cleanUp() {
        kernel.close();
        TestNamespaces.removeLeftovers(NET_ID);
        namespaces.close();
    }

    @Test
    void networkEndpointPeersRepairAndRemoval() throws Exception {
        Netns host = Netns.named(namespaces.create("host"));
        kernel.apply(host, new KernelChange.AddLink(new LinkSpec.Bridge("ul0", 1500, null)),
                new KernelChange.AddAddress(new Address("ul0", IpPrefix.parse("192.0.2.1/24"))),
                KernelChange.SetLink.up("ul0"));
        // Network namespaces land in /run/netns so iproute2 can reach them by name.
        KernelDataplane dp = new KernelDataplane(kernel, new DataplaneConfig(host, Path.of("/run")));
        NetworkSpec net = NetworkSpec.of(NET_ID, 4097, "10.0.1.1/24", IpPrefix.parseAddress("192.0.2.1"));
        Netns ns = Netns.named(NET_ID);
        Netns sb = Netns.named(namespaces.name("sb"));

        dp.ensureNetwork(net);
        dp.ensureEndpoint(new EndpointSpec("ep1", NET_ID, sb, true, "eth0", IpPrefix.parse("10.0.1.5/24"), null));
        dp.upsertPeers(NET_ID, List.of(new Peer(IpPrefix.parseAddress("10.0.1.9"),
                MacAddress.parse("02:42:0a:00:01:09"), IpPrefix.parseAddress("192.0.2.2"))));

        assertTrue(dp.reconcile().clean(), "a fresh network on Linux is already converged");
        assertTrue(kernel.routes(sb).contains(Route.defaultVia(IpPrefix.parseAddress("10.0.1.1"), "eth0")));
        assertEquals(1, kernel.fdb(ns).stream().filter(f -> f.dev().equals("vxlan0") && f.dst() != null).count());

        kernel.apply(ns, new KernelChange.DeleteLink("vxlan0"));
        ReconcileReport report = dp.reconcile();
        assertEquals(1, report.count(ReconcileReport.Kind.LINK_MISSING), report.toString());
        assertTrue(dp.reconcile().clean(), "second pass");
        assertTrue(kernel.fdb(ns).contains(FdbEntry.remote("vxlan0", MacAddress.parse("02:42:0a:00:01:09"),
                IpPrefix.parseAddress("192.0.2.2"))));

        // A namespace deleted behind our back: Linux tears it down asynchronously, and until then its vxlan0
        // holds the VNI in the host namespace.
        kernel.deleteNamespace(Path.of("/run/netns", NET_ID));
        report = dp.reconcile();
        assertEquals(1, report.count(ReconcileReport.Kind.NAMESPACE_MISSING), report.toString());
        assertTrue(dp.reconcile().clean(), "second pass after the namespace was recreated");

        // A crash between create and move leaves the device with our VNI in the host namespace.
        kernel.apply(ns, new KernelChange.DeleteLink("vxlan0"));
        kernel.apply(host, new KernelChange.AddLink(new LinkSpec.Vxlan("vx-001001-" + NET_ID.substring(0, 5),
                Vni.of(4097), 4789, IpPrefix.parseAddress("192.0.2.1"), 0, true, false, false, false)));
        report = dp.reconcile();
        assertEquals(1, report.count(ReconcileReport.Kind.LINK_MISSING), report.toString());
        assertTrue(dp.reconcile().clean(), "second pass after the host leftover");

        dp.removeNetwork(NET_ID);
        assertFalse(kernel.namespaceExists(Path.of("/run/netns", NET_ID)));
        assertFalse(kernel.namespaceExists(((Netns.AtPath) sb).path()));
        assertTrue(kernel.links(host).stream().noneMatch(l -> "vxlan".equals(l.kind())));
        dp.ensureNetwork(net); // the VNI is free again at once
        dp.removeNetwork(NET_ID);
    }
}
