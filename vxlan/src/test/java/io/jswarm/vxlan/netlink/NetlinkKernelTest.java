package io.jswarm.vxlan.netlink;

import static io.jswarm.vxlan.testing.TestNamespaces.run;
import static org.junit.jupiter.api.Assertions.*;

import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.Vni;
import io.jswarm.vxlan.kernel.Address;
import io.jswarm.vxlan.kernel.FdbEntry;
import io.jswarm.vxlan.kernel.KernelChange.*;
import io.jswarm.vxlan.kernel.KernelException;
import io.jswarm.vxlan.kernel.Link;
import io.jswarm.vxlan.kernel.LinkSpec;
import io.jswarm.vxlan.kernel.Neighbor;
import io.jswarm.vxlan.kernel.Route;
import io.jswarm.vxlan.testing.RequiresRoot;
import io.jswarm.vxlan.testing.TestNamespaces;
import java.net.InetAddress;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** NetlinkKernel against the real kernel, inside namespaces this test creates (family "jsnl"). */
@RequiresRoot
class NetlinkKernelTest {
    static final MacAddress BR_MAC = MacAddress.parse("02:42:c6:33:64:01");
    static final MacAddress PEER_MAC = MacAddress.parse("02:42:c6:33:64:02");
    static final MacAddress REMOTE_MAC = MacAddress.parse("02:42:c6:33:64:07");

    TestNamespaces names;
    NetlinkKernel kernel;
    String a;
    String b;
    Netns nsA;
    Netns nsB;

    @BeforeEach
    void setUp() throws Exception {
        names = TestNamespaces.forRun("jsnl");
        kernel = new NetlinkKernel();
        a = names.name("a");
        b = names.name("b");
        nsA = kernel.createNamespace(Path.of("/run/netns", a));
        nsB = kernel.createNamespace(Path.of("/run/netns", b));
    }

    @AfterEach
    void tearDown() {
        try {
            kernel.close();
        } finally {
            names.close();
        }
    }

    static InetAddress ip(String s) {
        return IpPrefix.parseAddress(s);
    }

    /** lo up with the underlay address, br0 + vxlan0 as jswarm builds a network. */
    void network(Netns ns) throws Exception {
        kernel.apply(ns,
                new AddAddress(new Address("lo", IpPrefix.parse("192.0.2.1/24"))),
                SetLink.up("lo"),
                new AddLink(new LinkSpec.Bridge("br0", 1450, BR_MAC)),
                new AddLink(new LinkSpec.Vxlan("vxlan0", Vni.of(4097), 4789, ip("192.0.2.1"), 1450,
                        false, true, true, true)),
                new SetLink("vxlan0", true, null, null, "br0"),
                SetLink.up("br0"),
                new AddAddress(new Address("br0", IpPrefix.parse("198.51.100.1/24"))));
    }

    static Link link(java.util.List<Link> links, String name) {
        return links.stream().filter(l -> l.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no link " + name + " in " + links));
    }

    @Test
    void namespacesAreCreatedUsableByIpAndDeleted() throws Exception {
        Path path = Path.of("/run/netns", a);
        assertTrue(kernel.namespaceExists(path));
        assertTrue(run("ip", "netns", "exec", a, "ip", "link", "show").contains("lo"));
        assertThrows(FileAlreadyExistsException.class, () -> kernel.createNamespace(path));
        kernel.deleteNamespace(path);
        assertFalse(kernel.namespaceExists(path));
        assertFalse(run("ip", "netns", "list").contains(a));
        kernel.deleteNamespace(path); // absent: no-op
        assertFalse(kernel.namespaceExists(Path.of("/run/netns")));
        assertTrue(kernel.namespaceExists(Path.of("/proc/self/ns/net")));
    }

    @Test
    void buildsANetworkAndDumpsIt() throws Exception {
        network(nsA);
        kernel.apply(nsA,
                new AddLink(new LinkSpec.Veth("veth0", 1450, null, "eth0", nsB, PEER_MAC)),
                new SetLink("veth0", true, null, null, "br0"),
                new SetNeighbor(Neighbor.permanent("vxlan0", ip("198.51.100.7"), REMOTE_MAC)),
                new SetFdb(FdbEntry.remote("vxlan0", REMOTE_MAC, ip("203.0.113.9"))));
        kernel.apply(nsB,
                new AddAddress(new Address("eth0", IpPrefix.parse("198.51.100.2/24"))),
                SetLink.up("eth0"),
                new ReplaceRoute(Route.defaultVia(ip("198.51.100.1"), "eth0")));

        var links = kernel.links(nsA);
        Link br0 = link(links, "br0");
        assertEquals("bridge", br0.kind());
        assertEquals(1450, br0.mtu());
        assertEquals(BR_MAC, br0.mac());
        assertTrue(br0.up());
        Link vxlan0 = link(links, "vxlan0");
        assertEquals("br0", vxlan0.master());
        assertEquals(new Link.VxlanInfo(Vni.of(4097), 4789, ip("192.0.2.1"), false, true, true, true), vxlan0.vxlan());
        assertEquals("br0", link(links, "veth0").master());
        Link eth0 = link(kernel.links(nsB), "eth0");
        assertEquals("veth", eth0.kind());
        assertEquals(PEER_MAC, eth0.mac());
        assertEquals(1450, eth0.mtu());

        assertTrue(kernel.addresses(nsA).contains(new Address("br0", IpPrefix.parse("198.51.100.1/24"))));
        assertTrue(kernel.addresses(nsB).contains(new Address("eth0", IpPrefix.parse("198.51.100.2/24"))));
        var routes = kernel.routes(nsB);
        assertTrue(routes.contains(Route.defaultVia(ip("198.51.100.1"), "eth0")), routes::toString);
        assertTrue(kernel.neighbors(nsA).contains(Neighbor.permanent("vxlan0", ip("198.51.100.7"), REMOTE_MAC)));
        var fdb = kernel.fdb(nsA);
        assertTrue(fdb.contains(FdbEntry.remote("vxlan0", REMOTE_MAC, ip("203.0.113.9"))), fdb::toString);

        String detail = run("ip", "-n", a, "-d", "link", "show", "vxlan0");
        assertTrue(detail.contains("vxlan id 4097") && detail.contains("local 192.0.2.1")
                && detail.contains("dstport 4789") && detail.contains("nolearning"), detail);
        assertTrue(run("bridge", "-n", a, "fdb", "show", "dev", "vxlan0")
                .contains("02:42:c6:33:64:07 dst 203.0.113.9 self permanent"));
        assertTrue(run("ip", "-n", a, "neigh", "show", "dev", "vxlan0")
                .contains("198.51.100.7 lladdr 02:42:c6:33:64:07 PERMANENT"));
    }

    @Test
    void setsAreIdempotentAndDeletesOfAbsentThingsSucceed() throws Exception {
        network(nsA);
        var changes = java.util.List.of(
                new AddAddress(new Address("br0", IpPrefix.parse("198.51.100.1/24"))),
                new ReplaceRoute(new Route(IpPrefix.parse("203.0.113.0/24"), null, "br0")),
                new SetNeighbor(Neighbor.permanent("vxlan0", ip("198.51.100.7"), REMOTE_MAC)),
                new SetFdb(FdbEntry.remote("vxlan0", REMOTE_MAC, ip("203.0.113.9"))),
                new SetLink("br0", true, 1400, BR_MAC, null));
        kernel.apply(nsA, changes);
        kernel.apply(nsA, changes);
        assertEquals(1400, link(kernel.links(nsA), "br0").mtu());
        assertTrue(kernel.routes(nsA).contains(new Route(IpPrefix.parse("203.0.113.0/24"), null, "br0")));

        var deletes = java.util.List.of(
                new DeleteFdb("vxlan0", REMOTE_MAC, ip("203.0.113.9")),
                new DeleteNeighbor("vxlan0", ip("198.51.100.7")),
                new DeleteRoute(new Route(IpPrefix.parse("203.0.113.0/24"), null, "br0")),
                new DeleteAddress(new Address("br0", IpPrefix.parse("198.51.100.1/24"))),
                new SetLink("vxlan0", null, null, null, SetLink.NO_MASTER),
                new DeleteLink("vxlan0"));
        kernel.apply(nsA, deletes);
        kernel.apply(nsA, deletes.stream().filter(c -> !(c instanceof SetLink)).toList());
        kernel.apply(nsA, new DeleteNeighbor("nosuchdev", ip("198.51.100.9")), new DeleteLink("nosuchdev"));
        assertTrue(kernel.fdb(nsA).stream().noneMatch(f -> f.dev().equals("vxlan0")));
        var neighbors = kernel.neighbors(nsA);
        assertTrue(neighbors.stream().noneMatch(n -> n.ip().equals(ip("198.51.100.7"))), neighbors::toString);
        assertFalse(kernel.addresses(nsA).contains(new Address("br0", IpPrefix.parse("198.51.100.1/24"))));
        assertTrue(kernel.links(nsA).stream().noneMatch(l -> l.name().equals("vxlan0")));
        assertTrue(kernel.routes(nsA).stream().noneMatch(r -> r.dst().equals(IpPrefix.parse("203.0.113.0/24"))));
    }

    @Test
    void movesAndRenamesALinkIntoAnotherNamespace() throws Exception {
        kernel.apply(nsA, new AddLink(new LinkSpec.Veth("vA", 0, null, "vB", nsA, null)),
                new MoveLink("vB", nsB, "eth1"),
                SetLink.up("vA"));
        assertTrue(kernel.links(nsA).stream().noneMatch(l -> l.name().equals("vB")));
        assertEquals("veth", link(kernel.links(nsB), "eth1").kind());
        kernel.apply(nsB, SetLink.up("eth1"));
        assertTrue(link(kernel.links(nsB), "eth1").up());
    }

    /** As Docker does: the VXLAN device is created next to the underlay, then moved into the overlay namespace. */
    @Test
    void movesAVxlanDeviceAwayFromItsUnderlay() throws Exception {
        kernel.apply(nsA, new AddAddress(new Address("lo", IpPrefix.parse("192.0.2.1/24"))), SetLink.up("lo"),
                new AddLink(new LinkSpec.Vxlan("vx-4097", Vni.of(4097), 4789, ip("192.0.2.1"), 1450,
                        false, true, true, true)),
                new MoveLink("vx-4097", nsB, "vxlan0"));
        kernel.apply(nsB, SetLink.up("vxlan0"),
                new SetFdb(FdbEntry.remote("vxlan0", REMOTE_MAC, ip("203.0.113.9"))));
        Link moved = link(kernel.links(nsB), "vxlan0");
        assertEquals(Vni.of(4097), moved.vxlan().vni());
        assertTrue(moved.up());
        assertTrue(kernel.links(nsA).stream().noneMatch(l -> "vxlan".equals(l.kind())));
    }

    @Test
    void reportsKernelErrorsWithExtackAndKeepsTheRestOfTheBatch() throws Exception {
        network(nsA);
        KernelException e = assertThrows(KernelException.class, () -> kernel.apply(nsA,
                new AddLink(new LinkSpec.Vxlan("vxlan1", Vni.of(4097), 4789, ip("192.0.2.1"), 0,
                        false, true, true, true)),
                new AddLink(new LinkSpec.Bridge("br1", 0, null)),
                new AddLink(new LinkSpec.Bridge("br0", 0, null)),
                SetLink.up("nosuchdev")));
        assertEquals(3, e.failures().size(), e.failures().toString());
        assertEquals(Errno.EEXIST, e.errno());
        assertTrue(e.getMessage().startsWith("RTM_NEWLINK vxlan1: EEXIST (17): "), e.getMessage());
        assertTrue(e.extack().contains("VNI"), e.extack());
        assertTrue(e.getMessage().endsWith("(and 2 more failures in the batch)"), e.getMessage());
        assertEquals("RTM_NEWLINK br0: EEXIST (17)", e.failures().get(1).getMessage().substring(0, 28));
        assertEquals(Errno.ENODEV, e.failures().get(2).errno());
        assertInstanceOf(SetLink.class, e.failures().get(2).change());
        assertTrue(kernel.links(nsA).stream().anyMatch(l -> l.name().equals("br1")));
    }

    @Test
    void namespaceRecreatedAtTheSamePathGetsANewSocket() throws Exception {
        kernel.apply(nsA, new AddLink(new LinkSpec.Bridge("br0", 0, null)));
        run("ip", "netns", "del", a);
        run("ip", "netns", "add", a);
        assertTrue(kernel.links(nsA).stream().noneMatch(l -> l.name().equals("br0")));
        kernel.apply(nsA, new AddLink(new LinkSpec.Bridge("br0", 0, null)));
        assertTrue(run("ip", "-n", a, "link", "show", "br0").contains("br0"));
    }

    @Test
    void aDeviceRecreatedByOthersIsFoundUnderItsNewIndex() throws Exception {
        network(nsA);
        kernel.apply(nsA, new SetFdb(FdbEntry.remote("vxlan0", REMOTE_MAC, ip("203.0.113.9"))));
        run("ip", "-n", a, "link", "del", "vxlan0");
        run("ip", "-n", a, "link", "add", "vxlan0", "type", "vxlan", "id", "4097", "dstport", "4789");
        kernel.apply(nsA, new SetFdb(FdbEntry.remote("vxlan0", REMOTE_MAC, ip("203.0.113.8"))));
        assertTrue(run("bridge", "-n", a, "fdb", "show", "dev", "vxlan0").contains("dst 203.0.113.8 self permanent"));
    }

    @Test
    void vxlanWithAnIpv6UnderlayAndIpv6Entries() throws Exception {
        kernel.apply(nsB, new AddLink(new LinkSpec.Vxlan("vxlan6", Vni.of(5000), 4790, ip("2001:db8::1"), 0,
                        true, false, false, false)),
                new AddAddress(new Address("vxlan6", IpPrefix.parse("2001:db8:1::1/64"))),
                new SetNeighbor(Neighbor.permanent("vxlan6", ip("2001:db8:1::7"), REMOTE_MAC)),
                new SetFdb(FdbEntry.remote("vxlan6", REMOTE_MAC, ip("2001:db8::9"))));
        assertEquals(new Link.VxlanInfo(Vni.of(5000), 4790, ip("2001:db8::1"), true, false, false, false),
                link(kernel.links(nsB), "vxlan6").vxlan());
        assertTrue(kernel.addresses(nsB).contains(new Address("vxlan6", IpPrefix.parse("2001:db8:1::1/64"))));
        assertTrue(kernel.neighbors(nsB).contains(Neighbor.permanent("vxlan6", ip("2001:db8:1::7"), REMOTE_MAC)));
        assertTrue(kernel.fdb(nsB).contains(FdbEntry.remote("vxlan6", REMOTE_MAC, ip("2001:db8::9"))));
    }

    @Test
    void closeIsIdempotentAndRefusesFurtherUse() throws Exception {
        kernel.links(nsA);
        kernel.close();
        kernel.close();
        assertThrows(java.io.IOException.class, () -> kernel.links(nsA));
    }
}
