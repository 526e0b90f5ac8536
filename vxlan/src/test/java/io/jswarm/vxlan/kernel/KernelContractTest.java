package io.jswarm.vxlan.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.Vni;
import io.jswarm.vxlan.kernel.KernelChange.AddAddress;
import io.jswarm.vxlan.kernel.KernelChange.AddLink;
import io.jswarm.vxlan.kernel.KernelChange.DeleteAddress;
import io.jswarm.vxlan.kernel.KernelChange.DeleteFdb;
import io.jswarm.vxlan.kernel.KernelChange.DeleteLink;
import io.jswarm.vxlan.kernel.KernelChange.DeleteNeighbor;
import io.jswarm.vxlan.kernel.KernelChange.DeleteRoute;
import io.jswarm.vxlan.kernel.KernelChange.MoveLink;
import io.jswarm.vxlan.kernel.KernelChange.ReplaceRoute;
import io.jswarm.vxlan.kernel.KernelChange.SetFdb;
import io.jswarm.vxlan.kernel.KernelChange.SetLink;
import io.jswarm.vxlan.kernel.KernelChange.SetNeighbor;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link Kernel} contract, one suite for every implementation. Subclasses supply the kernel and fresh,
 * empty namespaces (never the host's own), and remove them afterwards. Only behaviour that Linux 6.x and
 * {@link FakeKernel} share is asserted: dumps are checked for what must be there (the real kernel adds its
 * own entries, such as IPv6 link-local addresses and bridge port FDB rows), never for exact equality. The XFRM
 * cases are in {@link XfrmContract}.
 */
public abstract class KernelContractTest implements XfrmContract {
    static final int EEXIST = 17;
    static final int ENODEV = 19;
    static final InetAddress VTEP = ip("192.0.2.1");
    static final InetAddress REMOTE = ip("192.0.2.2");
    static final InetAddress OTHER_REMOTE = ip("192.0.2.3");
    static final MacAddress MAC = MacAddress.parse("02:42:0a:00:01:05");
    static final MacAddress MAC2 = MacAddress.parse("02:42:0a:00:01:06");

    protected Kernel kernel;

    /** The kernel under test; called before each test. */
    protected abstract Kernel createKernel() throws Exception;

    /** A fresh namespace holding only {@code lo}; the subclass removes it after the test. */
    protected abstract Netns freshNamespace(String suffix) throws Exception;

    /** A path where no namespace is bound yet; the subclass removes whatever the test binds there. */
    protected abstract Path unusedNamespacePath(String suffix) throws Exception;

    /** Removes everything the test made; called after each test. */
    protected abstract void cleanUp() throws Exception;

    @Override
    public Kernel contractKernel() {
        return kernel;
    }

    @Override
    public Netns contractNamespace(String suffix) throws Exception {
        return freshNamespace(suffix);
    }

    @BeforeEach
    void setUpKernel() throws Exception {
        kernel = createKernel();
    }

    @AfterEach
    void tearDownKernel() throws Exception {
        try {
            cleanUp();
        } finally {
            kernel.close();
        }
    }

    @Test
    void namespaceLifecycle() throws Exception {
        Path path = unusedNamespacePath("lc");
        assertFalse(kernel.namespaceExists(path));
        Netns ns = kernel.createNamespace(path);
        assertTrue(kernel.namespaceExists(path));
        List<Link> links = kernel.links(ns);
        assertEquals(List.of("lo"), links.stream().map(Link::name).toList());
        assertFalse(links.getFirst().up(), "lo starts down");
        assertThrows(IOException.class, () -> kernel.createNamespace(path));
        kernel.deleteNamespace(path);
        assertFalse(kernel.namespaceExists(path));
        kernel.deleteNamespace(path); // absent: succeeds
    }

    @Test
    void addLinkIsExclusive() throws Exception {
        Netns ns = freshNamespace("ex");
        kernel.apply(ns, new AddLink(new LinkSpec.Bridge("jsbr0", 1450, MAC)));
        Link br = link(ns, "jsbr0").orElseThrow();
        assertEquals("bridge", br.kind());
        assertEquals(1450, br.mtu());
        assertEquals(MAC, br.mac());
        KernelException e = assertThrows(KernelException.class,
                () -> kernel.apply(ns, new AddLink(new LinkSpec.Bridge("jsbr0", 0, null))));
        assertEquals(EEXIST, e.errno());
    }

    @Test
    void vxlanAttributesRoundTrip() throws Exception {
        Netns ns = freshNamespace("vx");
        kernel.apply(ns, new AddLink(vxlan("vx-test", 4097, 4789)));
        Link vx = link(ns, "vx-test").orElseThrow();
        assertEquals("vxlan", vx.kind());
        assertEquals(1450, vx.mtu());
        assertEquals(new Link.VxlanInfo(Vni.of(4097), 4789, VTEP, false, true, true, true), vx.vxlan());
    }

    @Test
    void sameVniAndPortInTheCreationNamespaceIsRefusedEvenAfterAMove() throws Exception {
        Netns host = freshNamespace("vh");
        Netns net = freshNamespace("vn");
        kernel.apply(host, new AddLink(vxlan("vx-a", 4097, 4789)));
        KernelException dup = assertThrows(KernelException.class,
                () -> kernel.apply(host, new AddLink(vxlan("vx-b", 4097, 4789))));
        assertEquals(EEXIST, dup.errno());
        assertNotNull(dup.extack(), "the kernel explains the VNI clash");
        assertTrue(dup.extack().contains("VNI"), dup.extack());
        kernel.apply(host, new AddLink(vxlan("vx-c", 4097, 4790))); // another port is another socket

        kernel.apply(host, new MoveLink("vx-a", net, "vxlan0"));
        assertEquals(EEXIST, assertThrows(KernelException.class,
                () -> kernel.apply(host, new AddLink(vxlan("vx-b", 4097, 4789)))).errno());

        kernel.apply(net, new DeleteLink("vxlan0"));
        kernel.apply(host, new AddLink(vxlan("vx-b", 4097, 4789)));
        assertTrue(link(host, "vx-b").isPresent());
    }

    @Test
    void moveRenamesAndResetsTheDevice() throws Exception {
        Netns host = freshNamespace("mh");
        Netns net = freshNamespace("mn");
        kernel.apply(host, new AddLink(new LinkSpec.Bridge("jsbr0", 0, null)),
                new AddLink(vxlan("vx-m", 4100, 4789)),
                new SetLink("vx-m", true, 1400, null, "jsbr0"),
                new AddAddress(new Address("vx-m", IpPrefix.parse("10.9.0.1/24"))));
        kernel.apply(host, new MoveLink("vx-m", net, "vxlan0"));
        assertTrue(link(host, "vx-m").isEmpty());
        Link moved = link(net, "vxlan0").orElseThrow();
        assertEquals(1400, moved.mtu());
        assertFalse(moved.up(), "a move closes the device");
        assertNull(moved.master(), "a move leaves the bridge behind");
        assertEquals(Vni.of(4100), moved.vxlan().vni());
        assertTrue(kernel.addresses(net).stream().noneMatch(a -> a.dev().equals("vxlan0")));
    }

    @Test
    void unknownDevicesAreEnodev() throws Exception {
        Netns ns = freshNamespace("nd");
        Netns other = freshNamespace("nd2");
        List<KernelChange> changes = List.of(
                SetLink.up("nope0"),
                new AddAddress(new Address("nope0", IpPrefix.parse("10.0.1.2/24"))),
                new SetNeighbor(Neighbor.permanent("nope0", ip("10.0.1.3"), MAC)),
                new SetFdb(FdbEntry.remote("nope0", MAC, REMOTE)),
                new MoveLink("nope0", other, "nope1"));
        for (KernelChange c : changes) {
            KernelException e = assertThrows(KernelException.class, () -> kernel.apply(ns, c), c.toString());
            assertEquals(ENODEV, e.errno(), c.toString());
            assertEquals(c, e.change());
        }
    }

    @Test
    void setAndReplaceAreIdempotent() throws Exception {
        Netns ns = freshNamespace("id");
        Netns sb = freshNamespace("ids");
        kernel.apply(ns, new AddLink(vxlan("vxlan0", 4200, 4789)),
                new AddLink(new LinkSpec.Veth("ve0", 0, null, "eth0", sb, null)));
        Address addr = new Address("ve0", IpPrefix.parse("10.0.1.1/24"));
        List<KernelChange> twice = List.of(
                new SetLink("ve0", true, 1450, MAC2, null),
                new AddAddress(addr),
                new SetNeighbor(Neighbor.permanent("vxlan0", ip("10.0.1.9"), MAC)),
                new SetFdb(FdbEntry.remote("vxlan0", MAC, REMOTE)),
                new ReplaceRoute(new Route(IpPrefix.parse("10.7.0.0/16"), ip("10.0.1.2"), "ve0")));
        kernel.apply(ns, twice);
        kernel.apply(ns, twice);
        assertEquals(1, kernel.addresses(ns).stream().filter(addr::equals).count());
        assertEquals(1, vxlanNeighbors(ns).size());
        assertEquals(1, remoteFdb(ns).size());
        assertEquals(1, kernel.routes(ns).stream().filter(r -> r.dst().equals(IpPrefix.parse("10.7.0.0/16"))).count());
        Link ve = link(ns, "ve0").orElseThrow();
        assertTrue(ve.up());
        assertEquals(1450, ve.mtu());
        assertEquals(MAC2, ve.mac());
    }

    @Test
    void deletingWhatIsAbsentSucceeds() throws Exception {
        Netns ns = freshNamespace("da");
        kernel.apply(ns, new AddLink(vxlan("vxlan0", 4300, 4789)));
        kernel.apply(ns, new DeleteLink("nope0"),
                new DeleteAddress(new Address("vxlan0", IpPrefix.parse("10.0.1.1/24"))),
                new DeleteAddress(new Address("nope0", IpPrefix.parse("10.0.1.1/24"))),
                new DeleteRoute(new Route(IpPrefix.parse("10.8.0.0/16"), null, "vxlan0")),
                new DeleteNeighbor("vxlan0", ip("10.0.1.9")),
                new DeleteNeighbor("nope0", ip("10.0.1.9")),
                new DeleteFdb("vxlan0", MAC, REMOTE),
                new DeleteFdb("nope0", MAC, null));
        assertTrue(link(ns, "vxlan0").isPresent());
    }

    @Test
    void deletingALinkRemovesWhatHangsOffIt() throws Exception {
        Netns ns = freshNamespace("dl");
        kernel.apply(ns, new AddLink(vxlan("vxlan0", 4400, 4789)), SetLink.up("vxlan0"),
                new AddAddress(new Address("vxlan0", IpPrefix.parse("10.0.4.1/24"))),
                new SetNeighbor(Neighbor.permanent("vxlan0", ip("10.0.4.9"), MAC)),
                new SetFdb(FdbEntry.remote("vxlan0", MAC, REMOTE)),
                new ReplaceRoute(new Route(IpPrefix.parse("10.44.0.0/16"), ip("10.0.4.2"), "vxlan0")));
        assertFalse(remoteFdb(ns).isEmpty());
        kernel.apply(ns, new DeleteLink("vxlan0"));
        assertTrue(kernel.addresses(ns).stream().noneMatch(a -> a.dev().equals("vxlan0")));
        assertTrue(kernel.neighbors(ns).stream().noneMatch(n -> n.dev().equals("vxlan0")));
        assertTrue(kernel.fdb(ns).stream().noneMatch(f -> f.dev().equals("vxlan0")));
        assertTrue(kernel.routes(ns).stream().noneMatch(r -> "vxlan0".equals(r.dev())));
    }

    @Test
    void bridgePorts() throws Exception {
        Netns ns = freshNamespace("bp");
        kernel.apply(ns, new AddLink(new LinkSpec.Bridge("br0", 0, null)),
                new AddLink(new LinkSpec.Bridge("br1", 0, null)),
                new AddLink(vxlan("vxlan0", 4500, 4789)),
                SetLink.master("vxlan0", "br0"));
        assertEquals("br0", link(ns, "vxlan0").orElseThrow().master());
        kernel.apply(ns, SetLink.master("vxlan0", SetLink.NO_MASTER));
        assertNull(link(ns, "vxlan0").orElseThrow().master());
        kernel.apply(ns, SetLink.master("vxlan0", "br0"));
        assertThrows(KernelException.class, () -> kernel.apply(ns, SetLink.master("br1", "vxlan0")),
                "a VXLAN device is no bridge");
        kernel.apply(ns, new DeleteLink("br0"));
        assertNull(link(ns, "vxlan0").orElseThrow().master(), "the port outlives its bridge");
    }

    @Test
    void vethPairsSpanNamespacesAndDieTogether() throws Exception {
        Netns net = freshNamespace("vn");
        Netns sb = freshNamespace("vs");
        kernel.apply(net, new AddLink(new LinkSpec.Veth("veabc", 1450, MAC2, "eth0", sb, MAC)));
        Link host = link(net, "veabc").orElseThrow();
        Link peer = link(sb, "eth0").orElseThrow();
        assertEquals("veth", host.kind());
        assertEquals("veth", peer.kind());
        assertEquals(1450, host.mtu());
        assertEquals(1450, peer.mtu());
        assertEquals(MAC2, host.mac());
        assertEquals(MAC, peer.mac());
        assertEquals(EEXIST, assertThrows(KernelException.class, () -> kernel.apply(net,
                new AddLink(new LinkSpec.Veth("vexyz", 0, null, "eth0", sb, null)))).errno());
        assertTrue(link(net, "vexyz").isEmpty(), "a refused veth leaves no half behind");

        kernel.apply(sb, new DeleteLink("eth0"));
        assertTrue(link(net, "veabc").isEmpty(), "deleting one end deletes the other");
    }

    @Test
    void deletingANamespaceDeletesTheFarEndsOfItsVeths() throws Exception {
        Netns net = freshNamespace("fn");
        Path sbPath = unusedNamespacePath("fs");
        Netns sb = kernel.createNamespace(sbPath);
        kernel.apply(net, new AddLink(new LinkSpec.Veth("vefar", 0, null, "eth0", sb, null)));
        kernel.deleteNamespace(sbPath);
        // Linux tears a namespace down asynchronously (cleanup_net runs from a workqueue).
        eventually(() -> link(net, "vefar").isEmpty(), "the local end of a veth into a deleted namespace goes");
    }

    @Test
    void deletingTheCreationNamespaceDeletesMovedVxlanDevices() throws Exception {
        Path hostPath = unusedNamespacePath("ch");
        Netns host = kernel.createNamespace(hostPath);
        Netns net = freshNamespace("cn");
        kernel.apply(host, new AddLink(vxlan("vx-c", 4800, 4789)), new MoveLink("vx-c", net, "vxlan0"));
        assertTrue(link(net, "vxlan0").isPresent());
        kernel.deleteNamespace(hostPath);
        eventually(() -> link(net, "vxlan0").isEmpty(), "a VXLAN device dies with the namespace of its socket");
    }

    @Test
    void aBatchAttemptsEveryChangeAndReportsAllFailures() throws Exception {
        Netns ns = freshNamespace("bt");
        KernelException e = assertThrows(KernelException.class, () -> kernel.apply(ns,
                new AddLink(new LinkSpec.Bridge("br0", 0, null)),
                SetLink.up("nope0"),
                new AddLink(new LinkSpec.Bridge("br1", 0, null)),
                new AddAddress(new Address("nope1", IpPrefix.parse("10.0.1.1/24")))));
        assertEquals(2, e.failures().size());
        assertEquals(SetLink.up("nope0"), e.failures().get(0).change());
        assertEquals(ENODEV, e.errno());
        assertTrue(link(ns, "br0").isPresent());
        assertTrue(link(ns, "br1").isPresent(), "changes after a failure are still applied");
    }

    @Test
    void vxlanFdbEntriesCarryTheVtepAndAreReplaced() throws Exception {
        Netns ns = freshNamespace("fd");
        kernel.apply(ns, new AddLink(vxlan("vxlan0", 4600, 4789)),
                new SetFdb(FdbEntry.remote("vxlan0", MAC, REMOTE)),
                new SetFdb(FdbEntry.remote("vxlan0", MAC2, REMOTE)));
        assertEquals(List.of(FdbEntry.remote("vxlan0", MAC, REMOTE), FdbEntry.remote("vxlan0", MAC2, REMOTE)),
                remoteFdb(ns).stream().sorted(java.util.Comparator.comparingLong(f -> f.mac().value())).toList());
        kernel.apply(ns, new SetFdb(FdbEntry.remote("vxlan0", MAC, OTHER_REMOTE)));
        assertEquals(List.of(OTHER_REMOTE), remoteFdb(ns).stream().filter(f -> f.mac().equals(MAC))
                .map(FdbEntry::dst).toList(), "replace moves the entry to the new VTEP");
        kernel.apply(ns, new DeleteFdb("vxlan0", MAC, REMOTE)); // points elsewhere now: nothing to delete
        assertEquals(2, remoteFdb(ns).size());
        kernel.apply(ns, new DeleteFdb("vxlan0", MAC, OTHER_REMOTE), new DeleteFdb("vxlan0", MAC2, null));
        assertTrue(remoteFdb(ns).isEmpty());
    }

    @Test
    void permanentNeighborsAreReplaced() throws Exception {
        Netns ns = freshNamespace("ne");
        kernel.apply(ns, new AddLink(vxlan("vxlan0", 4700, 4789)),
                new SetNeighbor(Neighbor.permanent("vxlan0", ip("10.0.1.7"), MAC)));
        kernel.apply(ns, new SetNeighbor(Neighbor.permanent("vxlan0", ip("10.0.1.7"), MAC2)));
        assertEquals(List.of(Neighbor.permanent("vxlan0", ip("10.0.1.7"), MAC2)), vxlanNeighbors(ns));
        kernel.apply(ns, new DeleteNeighbor("vxlan0", ip("10.0.1.7")));
        assertTrue(vxlanNeighbors(ns).isEmpty());
    }

    @Test
    void announceNeedsTheDevice() throws Exception {
        Netns ns = freshNamespace("an");
        kernel.apply(ns, new AddLink(new LinkSpec.Bridge("jsbr0", 0, MAC)), SetLink.up("jsbr0"));
        kernel.announce(ns, "jsbr0", java.util.Map.of(REMOTE, MAC2, ip("2001:db8::2"), MAC2)); // IPv6 skipped
        kernel.announce(ns, "nodev0", java.util.Map.of()); // nothing to send
        assertEquals(ENODEV, assertThrows(KernelException.class,
                () -> kernel.announce(ns, "nodev0", java.util.Map.of(REMOTE, MAC))).errno());
    }

    @Test
    void routesNeedAReachableGateway() throws Exception {
        Netns ns = freshNamespace("rt");
        Netns peer = freshNamespace("rtp");
        kernel.apply(ns, new AddLink(new LinkSpec.Veth("eth0", 0, null, "vepeer", peer, null)),
                new AddAddress(new Address("eth0", IpPrefix.parse("10.0.1.2/24"))));
        Route viaGw = Route.defaultVia(ip("10.0.1.1"), "eth0");
        assertThrows(KernelException.class, () -> kernel.apply(ns, new ReplaceRoute(viaGw)),
                "a down device offers no connected subnet");
        kernel.apply(ns, SetLink.up("eth0"));
        kernel.apply(ns, new ReplaceRoute(viaGw));
        List<Route> routes = kernel.routes(ns);
        assertTrue(routes.contains(viaGw), routes.toString());
        assertTrue(routes.contains(new Route(IpPrefix.parse("10.0.1.0/24"), null, "eth0")), routes.toString());
        assertThrows(KernelException.class, () -> kernel.apply(ns,
                new ReplaceRoute(new Route(IpPrefix.parse("10.5.0.0/16"), ip("10.0.9.1"), "eth0"))));
        kernel.apply(ns, new DeleteRoute(viaGw));
        assertFalse(kernel.routes(ns).contains(viaGw));
    }

    // ---- helpers ----

    @FunctionalInterface
    protected interface Check {
        boolean holds() throws Exception;
    }

    /** Polls {@code check} for up to five seconds: for effects the kernel produces asynchronously. */
    protected static void eventually(Check check, String what) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        while (!check.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 5 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    protected Optional<Link> link(Netns ns, String name) throws IOException {
        return kernel.links(ns).stream().filter(l -> l.name().equals(name)).findFirst();
    }

    protected List<FdbEntry> remoteFdb(Netns ns) throws IOException {
        return kernel.fdb(ns).stream().filter(f -> f.dev().equals("vxlan0") && f.dst() != null).toList();
    }

    protected List<Neighbor> vxlanNeighbors(Netns ns) throws IOException {
        return kernel.neighbors(ns).stream().filter(n -> n.dev().equals("vxlan0") && n.permanent()).toList();
    }

    static LinkSpec.Vxlan vxlan(String name, int vni, int port) {
        return new LinkSpec.Vxlan(name, Vni.of(vni), port, VTEP, 1450, false, true, true, true);
    }

    static InetAddress ip(String text) {
        return IpPrefix.parseAddress(text);
    }
}
