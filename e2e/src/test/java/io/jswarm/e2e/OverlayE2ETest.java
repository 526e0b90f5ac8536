package io.jswarm.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.cli.Kernels;
import io.jswarm.testkit.Exec;
import io.jswarm.testkit.HostLab;
import io.jswarm.testkit.LabOverlay;
import io.jswarm.vxlan.Dataplane;
import io.jswarm.vxlan.EndpointSpec;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.NetworkSpec;
import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.ReconcileReport;
import io.jswarm.vxlan.ReconcileReport.Kind;
import io.jswarm.vxlan.Vni;
import io.jswarm.vxlan.kernel.Kernel;
import io.jswarm.vxlan.kernel.Link;
import io.jswarm.vxlan.testing.RequiresRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two hosts (namespaces on a private underlay), each with its own {@code KernelDataplane} over the real
 * netlink layer, one overlay network with an endpoint on each host, programmed as each other's peers.
 * No cluster: the test plays the control plane. Everything is checked with the tools an operator would use.
 */
@RequiresRoot
@org.junit.jupiter.api.parallel.ResourceLock(Lab.FAMILY) // shares its family with the other lab classes
class OverlayE2ETest {
    private static Kernel kernel;
    private static HostLab lab;
    private static LabOverlay net;
    private static HostLab.Host h1;
    private static HostLab.Host h2;
    private static Dataplane dp1;
    private static Dataplane dp2;

    @BeforeAll
    static void buildLab() throws IOException {
        kernel = Kernels.open();
        lab = HostLab.create(kernel, Lab.FAMILY, 2);
        net = LabOverlay.standard(lab);
        h1 = lab.host(1);
        h2 = lab.host(2);
        dp1 = Kernels.dataplane(kernel, h1.config());
        dp2 = Kernels.dataplane(kernel, h2.config());
    }

    @AfterAll
    static void removeLab() {
        try {
            if (lab != null) {
                lab.close();
            }
        } finally {
            if (kernel != null) {
                kernel.close();
            }
        }
    }

    /** Every test starts from the full desired state; asking again for what exists must be harmless. */
    @BeforeEach
    void program() throws IOException {
        program(net);
    }

    private static void program(LabOverlay overlay) throws IOException {
        dp1.ensureNetwork(overlay.network(h1));
        dp2.ensureNetwork(overlay.network(h2));
        dp1.ensureEndpoint(overlay.endpoint(h1));
        dp2.ensureEndpoint(overlay.endpoint(h2));
        dp1.upsertPeers(overlay.id(), List.of(overlay.peer(h2)));
        dp2.upsertPeers(overlay.id(), List.of(overlay.peer(h1)));
    }

    @Test
    void endpointsPingEachOtherAcrossVxlan() {
        long txBefore = vxlanTxPackets(h1);
        Lab.assertPings(net.sandboxFile(h1), net.endpointIp(h2));
        Lab.assertPings(net.sandboxFile(h2), net.endpointIp(h1));
        // The replies must have crossed vxlan0, not some other path between the namespaces.
        assertTrue(vxlanTxPackets(h1) > txBefore, "no packet left h1 through vxlan0");
        for (HostLab.Host h : List.of(h1, h2)) {
            String link = Lab.sh(net.networkNsFile(h), "ip", "-d", "link", "show", "vxlan0");
            assertTrue(link.contains("vxlan id 4097"), link);
            assertTrue(link.contains("dstport 4789"), link);
            assertTrue(link.contains("nolearning"), link);
            assertTrue(link.contains("master br0"), link);
            String fdb = Lab.sh(net.networkNsFile(h), "bridge", "fdb", "show", "dev", "vxlan0");
            HostLab.Host other = h == h1 ? h2 : h1;
            assertTrue(fdb.contains(net.mac(other) + " dst " + other.underlay().getHostAddress()), fdb);
        }
    }

    @Test
    void dontFragmentPingOfExactlyTheMtuPassesAndOneByteMoreFails() throws IOException {
        int mtu = kernel.links(h1.ns()).stream().filter(l -> l.name().equals("eth0")).findFirst().orElseThrow().mtu();
        int endpointMtu = kernel.links(net.endpoint(h1).sandbox()).stream().filter(l -> l.name().equals("eth0"))
                .findFirst().orElseThrow().mtu();
        assertEquals(mtu - 50, endpointMtu, "endpoint MTU = underlay MTU - VXLAN overhead");
        Lab.assertPings(net.sandboxFile(h1), net.endpointIp(h2));
        Exec.Result fits = dfPing(endpointMtu - 28);
        assertTrue(fits.ok(), "DF ping of " + endpointMtu + " bytes must pass: " + fits.output());
        Exec.Result tooBig = dfPing(endpointMtu - 27);
        assertNotEquals(0, tooBig.exit(), "DF ping one byte over the MTU must fail: " + tooBig.output());
        assertTrue(tooBig.output().contains("message too long") || tooBig.output().contains(" 0 received"),
                tooBig.output());
    }

    private static Exec.Result dfPing(int payload) {
        return Exec.inNetns(net.sandboxFile(h1), "ping", "-n", "-c", "1", "-W", "2", "-M", "do", "-s",
                Integer.toString(payload), net.endpointIp(h2));
    }

    @Test
    void deletedFdbEntryIsRepairedByReconcile() throws IOException {
        Lab.assertPings(net.sandboxFile(h1), net.endpointIp(h2));
        String vtep2 = h2.underlay().getHostAddress();
        Lab.sh(net.networkNsFile(h1), "bridge", "fdb", "del", net.mac(h2).toString(), "dev", "vxlan0", "dst", vtep2, "self");
        // Only the VXLAN device's own entry (with dst) goes; br0 may still have learned the MAC on its vxlan0 port.
        assertFalse(fdbOfVxlan(h1).contains(net.mac(h2) + " dst " + vtep2), "tampering did not take");
        assertFalse(Exec.ping(net.sandboxFile(h1), net.endpointIp(h2), 1).ok(), "ping passed without the FDB entry");

        ReconcileReport report = dp1.reconcile();
        assertEquals(EnumSet.of(Kind.FDB_MISSING), kinds(report), report.toString());
        assertEquals(1, report.count(Kind.FDB_MISSING), report.toString());
        assertTrue(dp1.reconcile().clean(), "second reconcile must find nothing");
        assertTrue(fdbOfVxlan(h1).contains(net.mac(h2) + " dst " + vtep2), fdbOfVxlan(h1));
        Lab.assertPings(net.sandboxFile(h1), net.endpointIp(h2));
    }

    @Test
    void staleNeighbourIsRemovedByReconcile() throws IOException {
        Lab.sh(net.networkNsFile(h1), "ip", "neigh", "replace", "10.0.1.99", "lladdr", "02:42:0a:00:01:63",
                "dev", "vxlan0", "nud", "permanent");
        ReconcileReport report = dp1.reconcile();
        assertEquals(EnumSet.of(Kind.NEIGHBOR_STALE), kinds(report), report.toString());
        assertTrue(dp1.reconcile().clean(), "second reconcile must find nothing");
        String neigh = Lab.sh(net.networkNsFile(h1), "ip", "neigh", "show", "dev", "vxlan0");
        assertFalse(neigh.contains("10.0.1.99"), neigh);
        assertTrue(neigh.contains(net.endpointIp(h2) + " lladdr " + net.mac(h2)), neigh);
        Lab.assertPings(net.sandboxFile(h1), net.endpointIp(h2));
    }

    @Test
    void deletedVxlanDeviceIsRecreatedByReconcile() throws IOException {
        Lab.sh(net.networkNsFile(h1), "ip", "link", "del", "vxlan0");
        ReconcileReport report = dp1.reconcile();
        Set<Kind> kinds = kinds(report);
        assertTrue(kinds.contains(Kind.LINK_MISSING), report.toString());
        // The device took its neighbour and FDB entries with it; reporting them as well is right, nothing else is.
        assertTrue(EnumSet.of(Kind.LINK_MISSING, Kind.FDB_MISSING, Kind.NEIGHBOR_MISSING).containsAll(kinds),
                report.toString());
        assertTrue(dp1.reconcile().clean(), "second reconcile must find nothing");
        String link = Lab.sh(net.networkNsFile(h1), "ip", "-d", "link", "show", "vxlan0");
        assertTrue(link.contains("vxlan id 4097") && link.contains("master br0"), link);
        Lab.assertPings(net.sandboxFile(h1), net.endpointIp(h2));
        Lab.assertPings(net.sandboxFile(h2), net.endpointIp(h1));
    }

    @Test
    void removingANetworkLeavesNothingBehind() throws IOException {
        LabOverlay other = new LabOverlay(lab, "rmnet", 4098, IpPrefix.parse("10.0.2.1/24"));
        List<String> h1Links = linkNames(h1);
        List<String> h2Links = linkNames(h2);
        program(other);
        Lab.assertPings(other.sandboxFile(h1), other.endpointIp(h2));
        assertTrue(Files.exists(other.networkNsFile(h1)) && Files.exists(other.sandboxFile(h2)));

        // h1 the careful way (endpoint first), h2 in one call: removeNetwork must take its endpoints along.
        dp1.removeEndpoint(other.id(), other.endpoint(h1).id());
        dp1.removeNetwork(other.id());
        dp2.removeNetwork(other.id());

        String namespaces = Exec.run("ip", "netns", "list").orThrow();
        for (HostLab.Host h : List.of(h1, h2)) {
            assertFalse(Files.exists(other.networkNsFile(h)), "network namespace left: " + other.networkNsFile(h));
            assertFalse(namespaces.contains(other.sandboxName(h)), "sandbox left: " + namespaces);
            assertEquals(List.of(net.id()), listDir(h.runDir().resolve("netns")), "run dir of h" + h.index());
            assertTrue(kernel.neighbors(h.ns()).stream().noneMatch(n -> other.gateway().contains(n.ip())),
                    "overlay neighbour in the host namespace");
        }
        assertEquals(h1Links, linkNames(h1), "links of h1's host namespace");
        assertEquals(h2Links, linkNames(h2), "links of h2's host namespace");
        dp1.removeNetwork(other.id()); // absent: a no-op
        Lab.assertPings(net.sandboxFile(h1), net.endpointIp(h2)); // the other network is untouched
    }

    @Test
    void badInputIsRefusedAndChangesNothingOnTheKernel() throws IOException {
        String before = snapshot();
        String outside = lab.sandboxName(h1, "bad");
        // An address outside the network's subnet.
        assertThrows(IllegalArgumentException.class, () -> dp1.ensureEndpoint(new EndpointSpec("bad1", net.id(),
                Netns.named(outside), true, "eth1", IpPrefix.parse("10.0.9.5/24"), null)));
        // A network this host never heard of.
        assertThrows(IllegalArgumentException.class, () -> dp1.ensureEndpoint(new EndpointSpec("bad2", "nonet",
                Netns.named(outside), true, "eth1", IpPrefix.parse("10.0.1.9/24"), null)));
        // A VTEP that is not an address of this host: the VXLAN device would send from nowhere.
        assertThrows(IllegalArgumentException.class, () -> dp1.ensureNetwork(new NetworkSpec("badnet", Vni.of(4099),
                IpPrefix.parse("10.0.3.1/24"), IpPrefix.parseAddress("198.51.100.9"), NetworkSpec.DEFAULT_PORT, 0)));
        // Peers for a network this host does not have.
        assertThrows(IllegalArgumentException.class, () -> dp1.upsertPeers("nonet", List.of(net.peer(h2))));
        assertEquals(before, snapshot(), "a refused call changed the kernel");
        assertFalse(Files.exists(Netns.IP_NETNS_DIR.resolve(outside)), "sandbox of a refused endpoint was created");
        assertTrue(dp1.reconcile().clean(), "refused calls must not enter the desired state");
        Lab.assertPings(net.sandboxFile(h1), net.endpointIp(h2));
    }

    /**
     * What jswarm could have written on h1, as text: links, addresses, routes, permanent neighbour and FDB
     * entries of the host and network namespaces and the sandbox, plus the namespaces that exist. Entries the
     * kernel learns and ages by itself are left out: they may change while the test looks.
     */
    private static String snapshot() throws IOException {
        StringBuilder s = new StringBuilder();
        for (Netns ns : List.of(h1.ns(), Netns.at(net.networkNsFile(h1)), net.endpoint(h1).sandbox())) {
            s.append(ns).append('\n');
            // Indexes included: a device deleted and recreated is a change too.
            kernel.links(ns).stream().map(Object::toString).sorted().forEach(l -> s.append(l).append('\n'));
            kernel.addresses(ns).stream().map(Object::toString).sorted().forEach(l -> s.append(l).append('\n'));
            kernel.routes(ns).stream().map(Object::toString).sorted().forEach(l -> s.append(l).append('\n'));
            kernel.neighbors(ns).stream().filter(n -> n.permanent()).map(Object::toString).sorted()
                    .forEach(l -> s.append(l).append('\n'));
            kernel.fdb(ns).stream().filter(f -> f.permanent()).map(Object::toString).sorted()
                    .forEach(l -> s.append(l).append('\n'));
        }
        // Only this lab's namespaces: other test runs on the machine come and go meanwhile.
        s.append(listDir(Netns.IP_NETNS_DIR).stream().filter(n -> n.startsWith(lab.prefix())).toList())
                .append(listDir(h1.runDir().resolve("netns")));
        return s.toString();
    }

    private static long vxlanTxPackets(HostLab.Host h) {
        List<String> lines = Lab.sh(net.networkNsFile(h), "ip", "-s", "link", "show", "vxlan0").lines()
                .map(String::strip).toList();
        for (int i = 0; i < lines.size() - 1; i++) {
            if (lines.get(i).startsWith("TX:")) {
                return Long.parseLong(lines.get(i + 1).split("\\s+")[1]);
            }
        }
        throw new AssertionError("no TX statistics in " + lines);
    }

    private static String fdbOfVxlan(HostLab.Host h) {
        return Lab.sh(net.networkNsFile(h), "bridge", "fdb", "show", "dev", "vxlan0");
    }

    private static Set<Kind> kinds(ReconcileReport report) {
        Set<Kind> kinds = EnumSet.noneOf(Kind.class);
        report.repairs().forEach(r -> kinds.add(r.kind()));
        return kinds;
    }

    static List<String> linkNames(HostLab.Host h) throws IOException {
        return kernel.links(h.ns()).stream().map(Link::name).sorted().toList();
    }

    static List<String> listDir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }
}
