package io.jswarm.vxlan;

import static io.jswarm.vxlan.testing.TestNamespaces.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.netlink.NetlinkKernel;
import io.jswarm.vxlan.testing.RequiresRoot;
import io.jswarm.vxlan.testing.TestNamespaces;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An encrypted network's devices on the real kernel (issue 11): VXLAN port 4799 and the ESP-sized MTU (1416 on a
 * 1500 underlay), so a DF ping of exactly the endpoint MTU passes and one byte more fails locally ("message too
 * long") instead of being dropped on the way. This kernel has no ESP, so the frames travel without SAs or policies
 * here; what is measured is the devices' MTU and port, which ESP does not change. Two hosts are two namespaces
 * joined by a veth underlay on 198.51.100.0/24.
 */
@RequiresRoot
class EspMtuOnLinuxTest {
    private static final String ID = "jsesp" + Long.toString(ProcessHandle.current().pid() % 10000, 36);
    private static final InetAddress VTEP1 = IpPrefix.parseAddress("198.51.100.1");
    private static final InetAddress VTEP2 = IpPrefix.parseAddress("198.51.100.2");
    private final TestNamespaces namespaces = TestNamespaces.forRun("jsesp");
    private final NetlinkKernel kernel = new NetlinkKernel();

    @AfterEach
    void cleanUp() {
        kernel.close();
        TestNamespaces.removeLeftovers(ID);
        namespaces.close();
    }

    @Test
    void aDfPingOfTheEndpointMtuPassesAndOneByteMoreFailsLocally() throws Exception {
        String h1 = namespaces.create("m1");
        String h2 = namespaces.create("m2");
        run("ip", "-n", h1, "link", "add", "ul0", "type", "veth", "peer", "name", "ul0", "netns", h2);
        run("ip", "-n", h1, "addr", "add", "198.51.100.1/24", "dev", "ul0");
        run("ip", "-n", h2, "addr", "add", "198.51.100.2/24", "dev", "ul0");
        run("ip", "-n", h1, "link", "set", "ul0", "up");
        run("ip", "-n", h2, "link", "set", "ul0", "up");
        KernelDataplane dp1 = new KernelDataplane(kernel, new DataplaneConfig(Netns.named(h1), Path.of("/run")));
        KernelDataplane dp2 = new KernelDataplane(kernel, new DataplaneConfig(Netns.named(h2), Path.of("/run")));
        String s1 = namespaces.name("s1");
        String s2 = namespaces.name("s2");
        try {
            dp1.ensureNetwork(NetworkSpec.of(ID + "a", 4099, "192.0.2.1/24", VTEP1).withEncryption());
            dp2.ensureNetwork(NetworkSpec.of(ID + "b", 4099, "192.0.2.1/24", VTEP2).withEncryption());
            dp1.ensureEndpoint(new EndpointSpec("ep1", ID + "a", Netns.named(s1), true, "eth0",
                    IpPrefix.parse("192.0.2.11/24"), null));
            dp2.ensureEndpoint(new EndpointSpec("ep2", ID + "b", Netns.named(s2), true, "eth0",
                    IpPrefix.parse("192.0.2.12/24"), null));
            dp1.upsertPeers(ID + "a", List.of(peer("192.0.2.12", VTEP2)));
            dp2.upsertPeers(ID + "b", List.of(peer("192.0.2.11", VTEP1)));

            var vx = kernel.links(Netns.at(Path.of("/run/netns", ID + "a"))).stream()
                    .filter(l -> l.name().equals(Names.VXLAN)).findFirst().orElseThrow();
            assertEquals(Esp.PORT, vx.vxlan().port(), "the encrypted network's VXLAN port");
            assertEquals(1416, vx.mtu());
            assertEquals("1416", run("ip", "netns", "exec", s1, "cat", "/sys/class/net/eth0/mtu").strip());
            int payload = 1416 - 20 - 8; // IPv4 + ICMP headers
            String ok = ping(s1, payload);
            assertTrue(ok.contains(" 0% packet loss"), "a DF ping of exactly 1416 bytes passes: " + ok);
            String tooBig = ping(s1, payload + 1);
            assertTrue(tooBig.toLowerCase(java.util.Locale.ROOT).contains("message too long")
                    || tooBig.contains("mtu=1416"), "one byte more fails locally: " + tooBig);
        } finally {
            dp1.removeNetwork(ID + "a");
            dp2.removeNetwork(ID + "b");
        }
    }

    private static String ping(String ns, int payload) throws Exception {
        Process p = new ProcessBuilder("ip", "netns", "exec", ns, "ping", "-n", "-c", "3", "-i", "0.2", "-W", "2",
                "-M", "do", "-s", Integer.toString(payload), "192.0.2.12").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }

    private static Peer peer(String ip, InetAddress vtep) {
        InetAddress a = IpPrefix.parseAddress(ip);
        return new Peer(a, MacAddress.forIpv4((java.net.Inet4Address) a), vtep);
    }
}
