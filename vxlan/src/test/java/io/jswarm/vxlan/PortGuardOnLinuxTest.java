package io.jswarm.vxlan;

import static io.jswarm.vxlan.testing.TestNamespaces.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.netlink.NetlinkKernel;
import io.jswarm.vxlan.testing.RequiresRoot;
import io.jswarm.vxlan.testing.TestNamespaces;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, finding 10 on the real kernel: sandbox A sends frames with B's MAC, with B's IP, a gratuitous ARP
 * for B's IP and ARP replies telling C that B's IP is at A. B must keep its traffic: every ping from C to B
 * answered, the bridge's FDB entry for B's MAC on B's port, C's neighbour entry for B's IP on B's MAC, and
 * none of A's spoofed frames reaching C. Once on one host, once with A on another host (over VXLAN).
 * Namespaces {@code jsguard-<pid>-*} (not e2e's jsspoof: the unit and e2e tests run side by side, and each family's leftover cleanup removes the other's); the underlay is a veth between two host namespaces on 198.51.100.0/24.
 *
 * <p>{@code -Djsspoof.guard=false} runs the same attack with the guard off (the data plane as it was before):
 * then the test must fail, which is how it was checked to fail on the old behaviour.
 */
@RequiresRoot
class PortGuardOnLinuxTest {
    private static final String ID = "jsguard" + Long.toString(ProcessHandle.current().pid() % 10000, 36);
    private static final boolean GUARD = !"false".equals(System.getProperty("jsspoof.guard"));
    private static final InetAddress VTEP1 = IpPrefix.parseAddress("198.51.100.1");
    private static final InetAddress VTEP2 = IpPrefix.parseAddress("198.51.100.2");
    private static final String A = "192.0.2.11";
    private static final String B = "192.0.2.12";
    private static final String C = "192.0.2.13";
    private final TestNamespaces namespaces = TestNamespaces.forRun("jsguard");
    private final NetlinkKernel kernel = new NetlinkKernel();

    @AfterEach
    void cleanUp() {
        kernel.close();
        TestNamespaces.removeLeftovers(ID);
        namespaces.close();
    }

    @Test
    void aSandboxOnTheSameBridgeCannotTakeOverAnotherOnesTraffic() throws Exception {
        String h1 = hosts().getFirst();
        KernelDataplane dp = dataplane(h1);
        String net = ID + "a";
        dp.ensureNetwork(NetworkSpec.of(net, 4097, "192.0.2.1/24", VTEP1));
        String a = endpoint(dp, net, "epa", "a", A);
        String b = endpoint(dp, net, "epb", "b", B);
        String c = endpoint(dp, net, "epc", "c", C);
        attackAndCheck(a, c, net, net);
        assertTrue(dp.reconcile().clean(), "reconcile found drift after the attack");
    }

    @Test
    void aSandboxOnAnotherHostCannotTakeOverAnotherOnesTraffic() throws Exception {
        List<String> hosts = hosts();
        KernelDataplane dp1 = dataplane(hosts.get(0));
        KernelDataplane dp2 = dataplane(hosts.get(1));
        String net1 = ID + "x";
        String net2 = ID + "y";
        dp1.ensureNetwork(NetworkSpec.of(net1, 4097, "192.0.2.1/24", VTEP1));
        dp2.ensureNetwork(NetworkSpec.of(net2, 4097, "192.0.2.1/24", VTEP2));
        String a = endpoint(dp1, net1, "epa", "a", A);
        endpoint(dp2, net2, "epb", "b", B);
        String c = endpoint(dp2, net2, "epc", "c", C);
        dp1.upsertPeers(net1, List.of(peer(B, VTEP2), peer(C, VTEP2)));
        dp2.upsertPeers(net2, List.of(peer(A, VTEP1)));
        attackAndCheck(a, c, net1, net2);
        assertTrue(dp1.reconcile().clean() && dp2.reconcile().clean(), "reconcile found drift after the attack");
    }

    @Test
    void theGuardIsWhatIproute2ReadsAndReconcileRestoresIt() throws Exception {
        String h1 = hosts().getFirst();
        KernelDataplane dp = dataplane(h1);
        String net = ID + "r";
        dp.ensureNetwork(NetworkSpec.of(net, 4097, "192.0.2.1/24", VTEP1));
        endpoint(dp, net, "epa", "a", A);
        Netns ns = Netns.named(net);
        io.jswarm.vxlan.kernel.PortFilter want = new io.jswarm.vxlan.kernel.PortFilter("veepa",
                MacAddress.parse(mac(A)), IpPrefix.parseAddress(A));
        assertGuardedPerIproute2(net);
        assertEquals(java.util.Optional.of(want), kernel.portFilter(ns, "veepa"));
        assertTrue(dp.reconcile().clean());

        run("ip", "-n", net, "link", "set", "veepa", "type", "bridge_slave", "learning", "on", "locked", "off");
        run("bridge", "-n", net, "fdb", "del", mac(A), "dev", "veepa", "master");
        run("tc", "-n", net, "qdisc", "del", "dev", "veepa", "clsact");
        ReconcileReport report = dp.reconcile();
        assertEquals(3, report.count(ReconcileReport.Kind.PORT_GUARD), report.toString());
        assertGuardedPerIproute2(net);
        assertTrue(dp.reconcile().clean());

        // A foreign program (this one passes everything) is not ours: replaced.
        run("tc", "-n", net, "qdisc", "del", "dev", "veepa", "clsact");
        run("tc", "-n", net, "qdisc", "add", "dev", "veepa", "clsact");
        run("tc", "-n", net, "filter", "add", "dev", "veepa", "ingress", "prio", "1", "handle", "1", "protocol", "all",
                "bpf", "da", "bytecode", "1,6 0 0 0,");
        assertTrue(kernel.portFilter(ns, "veepa").isEmpty());
        assertEquals(1, dp.reconcile().count(ReconcileReport.Kind.PORT_GUARD));
        assertEquals(java.util.Optional.of(want), kernel.portFilter(ns, "veepa"));
        assertGuardedPerIproute2(net);
    }

    private static void assertGuardedPerIproute2(String net) {
        String port = run("ip", "-n", net, "-d", "-j", "link", "show", "veepa");
        assertTrue(port.contains("\"learning\":false") && port.contains("\"locked\":true"), port);
        String fdb = run("bridge", "-n", net, "fdb", "show", "dev", "veepa");
        assertTrue(fdb.contains(mac(A) + " sticky master br0 static"), fdb);
        String filters = run("tc", "-n", net, "filter", "show", "dev", "veepa", "ingress");
        // tc prints the classic program as it holds it: 19 instructions, A's address (192.0.2.11) as a number.
        long ip = 192L << 24 | 2 << 8 | 11;
        assertTrue(filters.contains("direct-action") && filters.contains("bytecode '19,32 0 0 4294963248,")
                && filters.contains(",21 11 12 " + ip + ","), filters);
        assertEquals(1, filters.lines().filter(l -> l.contains("handle")).count(), filters);
    }

    /** {@code bNet}: the network namespace holding B's bridge port. */
    private void attackAndCheck(String a, String c, String aNet, String bNet) throws Exception {
        // C knows B (a neighbour entry the attack will try to poison) and A is reachable before the attack.
        assertTrue(run("ip", "netns", "exec", c, "ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", B).contains(" 0% packet loss"));
        assertTrue(run("ip", "netns", "exec", c, "ping", "-n", "-c", "1", "-W", "2", A).contains(" 0% packet loss"));
        Process sniff = python(c, "sniff.py", "eth0", mac(B), B, "5");
        Process attack = python(a, "attack.py", "eth0", mac(A), mac(B), mac(C), B, C, "4");
        Thread.sleep(500); // the first spoofed frames are through: a takeover would have happened by now
        Process pinging = new ProcessBuilder("ip", "netns", "exec", c, "ping", "-n", "-q", "-c", "25", "-i", "0.1",
                "-W", "1", B).redirectErrorStream(true).start();
        String ping = new String(pinging.getInputStream().readAllBytes());
        pinging.waitFor(20, TimeUnit.SECONDS);
        int sent = Integer.parseInt(finish(attack).strip());
        int spoofedAtC = Integer.parseInt(finish(sniff).strip());

        String fdb = run("bridge", "-n", bNet, "fdb", "show", "br0");
        String neigh = run("ip", "-n", c, "neigh", "show", B);
        String bLine = fdb.lines().filter(l -> l.startsWith(mac(B) + " ")).findFirst().orElse("(none)");
        String loss = ping.lines().filter(l -> l.contains("packet loss")).findFirst().orElse(ping);
        String seen = "sent=" + sent + " | C->B pings: " + loss + " | spoofed frames at C: " + spoofedAtC
                + " | C's neighbour: " + neigh.strip() + " | FDB of B's MAC: " + bLine;
        System.out.println("jsspoof guard=" + GUARD + ": " + seen);
        assertTrue(sent > 100, "the attack sent too few frames: " + seen);
        assertTrue(loss.contains(" 0% packet loss"), "C lost pings to B during the attack: " + seen);
        assertEquals(0, spoofedAtC, "spoofed frames (IP from B's address, ARP for it) reached C: " + seen);
        assertTrue(neigh.contains("lladdr " + mac(B)), "C's neighbour entry for B poisoned: " + seen);
        assertTrue(bLine.contains("dev veepb "), "bridge FDB entry of B's MAC not on B's port: " + seen + "\n" + fdb);
        // A itself still works: its own MAC and IP pass.
        assertTrue(run("ip", "netns", "exec", c, "ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", A).contains(" 0% packet loss"));
        assertTrue(run("bridge", "-n", aNet, "fdb", "show", "br0").lines().noneMatch(
                l -> l.startsWith(mac(B) + " ") && l.contains("dev veepa ")), "B's MAC learnt on A's port");
    }

    private List<String> hosts() {
        String h1 = namespaces.create("h1");
        String h2 = namespaces.create("h2");
        run("ip", "-n", h1, "link", "add", "ul0", "type", "veth", "peer", "name", "ul0", "netns", h2);
        run("ip", "-n", h1, "addr", "add", "198.51.100.1/24", "dev", "ul0");
        run("ip", "-n", h2, "addr", "add", "198.51.100.2/24", "dev", "ul0");
        run("ip", "-n", h1, "link", "set", "ul0", "up");
        run("ip", "-n", h2, "link", "set", "ul0", "up");
        return List.of(h1, h2);
    }

    private KernelDataplane dataplane(String host) {
        return new KernelDataplane(kernel, new DataplaneConfig(Netns.named(host), Path.of("/run")).withPortGuard(GUARD));
    }

    private String endpoint(KernelDataplane dp, String net, String id, String sandbox, String ip) throws Exception {
        String name = namespaces.name(sandbox);
        dp.ensureEndpoint(new EndpointSpec(id, net, Netns.named(name), true, "eth0", IpPrefix.parse(ip + "/24"), null));
        return name;
    }

    private static Process python(String netns, String script, String... args) throws Exception {
        String path = Path.of(PortGuardOnLinuxTest.class.getResource("/spoof/" + script).toURI()).toString();
        List<String> cmd = new java.util.ArrayList<>(List.of("ip", "netns", "exec", netns, "python3", path));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** The process's output once it has ended successfully. */
    private static String finish(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0, "helper failed: " + out);
        return out;
    }

    private static String mac(String ip) {
        return MacAddress.forIpv4((Inet4Address) IpPrefix.parseAddress(ip)).toString();
    }

    private static Peer peer(String ip, InetAddress vtep) {
        InetAddress a = IpPrefix.parseAddress(ip);
        return new Peer(a, MacAddress.forIpv4((Inet4Address) a), vtep);
    }
}
