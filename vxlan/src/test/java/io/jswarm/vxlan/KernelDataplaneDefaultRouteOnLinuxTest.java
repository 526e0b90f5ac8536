package io.jswarm.vxlan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.kernel.Address;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.LinkSpec;
import io.jswarm.vxlan.netlink.NetlinkKernel;
import io.jswarm.vxlan.testing.RequiresRoot;
import io.jswarm.vxlan.testing.TestNamespaces;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * On real Linux (name family {@code jsroute}): a sandbox on two networks loses the one with its default route,
 * and iproute2 (an oracle independent of our netlink code) shows the default route via the other network's
 * gateway; a reconcile afterwards has nothing to repair.
 */
@RequiresRoot
class KernelDataplaneDefaultRouteOnLinuxTest {
    private static final String FAMILY = "jsroute";
    private static final String RUN = FAMILY + Long.toString(ProcessHandle.current().pid() % 1_000_000, 36);
    private static final String NET_A = RUN + "a";
    private static final String NET_B = RUN + "b";
    private TestNamespaces namespaces;
    private NetlinkKernel kernel;

    @BeforeEach
    void fresh() {
        TestNamespaces.removeLeftovers(FAMILY); // network namespaces of crashed runs of this family
        namespaces = TestNamespaces.forRun(FAMILY);
        kernel = new NetlinkKernel();
    }

    @AfterEach
    void cleanUp() {
        kernel.close();
        namespaces.close();
        TestNamespaces.removeLeftovers(RUN);
    }

    @Test
    void removingTheNetworkWithTheDefaultRouteMovesItToTheOther() throws Exception {
        Netns host = Netns.named(namespaces.create("host"));
        kernel.apply(host, new KernelChange.AddLink(new LinkSpec.Bridge("ul0", 1500, null)),
                new KernelChange.AddAddress(new Address("ul0", IpPrefix.parse("192.0.2.1/24"))),
                KernelChange.SetLink.up("ul0"));
        KernelDataplane dp = new KernelDataplane(kernel, new DataplaneConfig(host, Path.of("/run")));
        var vtep = IpPrefix.parseAddress("192.0.2.1");
        dp.ensureNetwork(NetworkSpec.of(NET_A, 4097, "198.51.100.1/26", vtep));
        dp.ensureNetwork(NetworkSpec.of(NET_B, 4098, "198.51.100.65/26", vtep));
        String sandbox = namespaces.name("sb");
        Netns sb = Netns.named(sandbox);
        dp.ensureEndpoint(new EndpointSpec("epa", NET_A, sb, true, "eth0", IpPrefix.parse("198.51.100.2/26"), null));
        dp.ensureEndpoint(new EndpointSpec("epb", NET_B, sb, true, "eth1", IpPrefix.parse("198.51.100.66/26"), null));
        assertEquals("default via 198.51.100.1 dev eth0", defaultRoute(sandbox));

        dp.removeEndpoint(NET_A, "epa");

        assertEquals("default via 198.51.100.65 dev eth1", defaultRoute(sandbox));
        assertTrue(dp.reconcile().clean(), "the moved route is the desired one");
        dp.removeNetwork(NET_A);
        dp.removeNetwork(NET_B);
    }

    private static String defaultRoute(String sandbox) {
        return TestNamespaces.run("ip", "-n", sandbox, "-4", "route", "show", "default").strip()
                .replaceAll("\\s+proto \\S+", "").replaceAll("\\s+", " ");
    }
}
