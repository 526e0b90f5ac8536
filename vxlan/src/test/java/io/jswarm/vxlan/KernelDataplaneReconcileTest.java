package io.jswarm.vxlan;

import static io.jswarm.vxlan.DataplaneFixture.NET;
import static io.jswarm.vxlan.DataplaneFixture.OTHER_VTEP;
import static io.jswarm.vxlan.DataplaneFixture.REMOTE_VTEP;
import static io.jswarm.vxlan.DataplaneFixture.SANDBOX;
import static io.jswarm.vxlan.DataplaneFixture.VTEP;
import static io.jswarm.vxlan.DataplaneFixture.endpoint;
import static io.jswarm.vxlan.DataplaneFixture.ip;
import static io.jswarm.vxlan.DataplaneFixture.peer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.ReconcileReport.Kind;
import io.jswarm.vxlan.kernel.Address;
import io.jswarm.vxlan.kernel.FakeKernel;
import io.jswarm.vxlan.kernel.FdbEntry;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.KernelChange.AddLink;
import io.jswarm.vxlan.kernel.KernelChange.DeleteFdb;
import io.jswarm.vxlan.kernel.KernelChange.DeleteLink;
import io.jswarm.vxlan.kernel.KernelChange.SetFdb;
import io.jswarm.vxlan.kernel.KernelChange.SetLink;
import io.jswarm.vxlan.kernel.KernelChange.SetNeighbor;
import io.jswarm.vxlan.kernel.LinkSpec;
import io.jswarm.vxlan.kernel.Neighbor;
import io.jswarm.vxlan.kernel.Route;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each test converges a network with an endpoint and two peers, breaks one thing behind the data plane's
 * back, and checks that reconcile reports exactly that, restores the converged kernel state, and that a
 * second reconcile finds nothing.
 */
class KernelDataplaneReconcileTest {
    private static final MacAddress MAC9 = MacAddress.parse("02:42:0a:00:01:09");
    private static final MacAddress MAC10 = MacAddress.parse("02:42:0a:00:01:0a");
    private final DataplaneFixture f = new DataplaneFixture();
    private final Netns ns = f.netns(NET);
    private Map<String, FakeKernel.NamespaceState> converged;

    @BeforeEach
    void converge() throws Exception {
        f.dataplane.ensureNetwork(NET);
        f.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.5/24"));
        f.dataplane.upsertPeers("net1", List.of(peer("10.0.1.9", "02:42:0a:00:01:09", REMOTE_VTEP),
                peer("10.0.1.10", "02:42:0a:00:01:0a", OTHER_VTEP)));
        converged = f.snapshot();
        f.kernel.clearRecords();
    }

    @Test
    void aConvergedDataplaneIsCleanAndReconcileOnlyReads() throws Exception {
        assertTrue(f.dataplane.reconcile().clean());
        assertEquals(0, f.kernel.mutationCount());
    }

    @Test
    void theKernelsOwnEntriesAreIgnored() throws Exception {
        f.kernel.learnNeighbor(ns, new Neighbor("vxlan0", ip("10.0.1.77"), null, false));
        f.kernel.learnFdb(ns, new FdbEntry("vxlan0", MacAddress.parse("02:11:22:33:44:55"), null, false, true));
        f.kernel.clearRecords();
        assertTrue(f.dataplane.reconcile().clean());
        assertEquals(0, f.kernel.mutationCount());
    }

    @Test
    void deletedFdbEntry() throws Exception {
        f.kernel.apply(ns, new DeleteFdb("vxlan0", MAC9, null));
        expectRepair(Kind.FDB_MISSING, "02:42:0a:00:01:09");
    }

    @Test
    void fdbEntryPointingAtTheWrongVtep() throws Exception {
        f.kernel.apply(ns, new SetFdb(FdbEntry.remote("vxlan0", MAC9, ip("192.0.2.99"))));
        expectRepair(Kind.FDB_WRONG_VTEP, "02:42:0a:00:01:09 dst 192.0.2.2");
    }

    @Test
    void staleFdbEntry() throws Exception {
        f.kernel.apply(ns, new SetFdb(FdbEntry.remote("vxlan0", MacAddress.parse("02:42:0a:00:01:63"), REMOTE_VTEP)));
        expectRepair(Kind.FDB_STALE, "02:42:0a:00:01:63");
    }

    @Test
    void staleNeighbor() throws Exception {
        f.kernel.apply(ns, new SetNeighbor(Neighbor.permanent("vxlan0", ip("10.0.1.99"), MAC9)));
        expectRepair(Kind.NEIGHBOR_STALE, "10.0.1.99");
    }

    @Test
    void missingNeighbor() throws Exception {
        f.kernel.apply(ns, new KernelChange.DeleteNeighbor("vxlan0", ip("10.0.1.10")));
        expectRepair(Kind.NEIGHBOR_MISSING, "10.0.1.10");
    }

    @Test
    void neighborWithTheWrongMac() throws Exception {
        f.kernel.apply(ns, new SetNeighbor(Neighbor.permanent("vxlan0", ip("10.0.1.10"), MAC9)));
        expectRepair(Kind.NEIGHBOR_WRONG, "10.0.1.10 lladdr " + MAC10);
    }

    @Test
    void vxlan0Deleted() throws Exception {
        f.kernel.apply(ns, new DeleteLink("vxlan0"));
        ReconcileReport report = f.dataplane.reconcile();
        // The device's FDB and neighbour rows went with it; they are restored in the same pass.
        assertEquals(1, report.count(Kind.LINK_MISSING), report.toString());
        assertEquals(2, report.count(Kind.FDB_MISSING), report.toString());
        assertEquals(2, report.count(Kind.NEIGHBOR_MISSING), report.toString());
        assertConvergedAgain();
    }

    @Test
    void vxlan0WithTheWrongVni() throws Exception {
        f.kernel.apply(ns, new DeleteLink("vxlan0"));
        f.kernel.apply(f.host, new AddLink(new LinkSpec.Vxlan("vx-other", Vni.of(7777), 4789, VTEP, 1450, false,
                true, true, true)), new KernelChange.MoveLink("vx-other", ns, "vxlan0"));
        f.kernel.apply(ns, SetLink.master("vxlan0", "br0"), SetLink.up("vxlan0"));
        ReconcileReport report = f.dataplane.reconcile();
        assertEquals(1, report.repairs().stream()
                .filter(r -> r.kind() == Kind.LINK_WRONG && r.detail().contains("vni=7777")).count(), report.toString());
        assertConvergedAgain();
    }

    @Test
    void vxlan0DownAndDetached() throws Exception {
        f.kernel.apply(ns, new SetLink("vxlan0", false, 1500, null, SetLink.NO_MASTER));
        expectRepair(Kind.LINK_WRONG, "vxlan0 mtu=1500 up=false master=null");
    }

    @Test
    void bridgeDeleted() throws Exception {
        f.kernel.apply(ns, new DeleteLink("br0"));
        ReconcileReport report = f.dataplane.reconcile();
        assertEquals(1, report.count(Kind.LINK_MISSING), report.toString());
        assertEquals(0, report.count(Kind.ADDRESS_MISSING), "the new br0's address is part of making it: " + report);
        assertEquals(2, report.count(Kind.LINK_WRONG), "vxlan0 and the veth lost their master: " + report);
        assertConvergedAgain();
    }

    @Test
    void br0ThatIsNoBridge() throws Exception {
        f.kernel.apply(ns, new DeleteLink("br0"),
                new AddLink(new LinkSpec.Veth("br0", 0, null, "br0peer", f.host, null)));
        ReconcileReport report = f.dataplane.reconcile();
        assertEquals(1, report.repairs().stream()
                .filter(r -> r.kind() == Kind.LINK_WRONG && r.detail().contains("not a bridge")).count(), report.toString());
        assertTrue(f.kernel.links(f.host).stream().noneMatch(l -> l.name().equals("br0peer")), "its veth peer went too");
        assertConvergedAgain();
    }

    @Test
    void gatewayAddressMissing() throws Exception {
        f.kernel.apply(ns, new KernelChange.DeleteAddress(new Address("br0", IpPrefix.parse("10.0.1.1/24"))));
        expectRepair(Kind.ADDRESS_MISSING, "br0 10.0.1.1/24");
    }

    @Test
    void networkNamespaceDeleted() throws Exception {
        f.kernel.deleteNamespace(f.config.networkNamespace("net1"));
        ReconcileReport report = f.dataplane.reconcile();
        assertEquals(List.of(Kind.NAMESPACE_MISSING), report.repairs().stream().map(ReconcileReport.Repair::kind)
                .toList(), "everything inside follows from the one repair: " + report);
        assertConvergedAgain();
    }

    @Test
    void leftoverVxDeviceInTheHostNamespace() throws Exception {
        f.kernel.apply(f.host, new AddLink(new LinkSpec.Vxlan("vx-0010ff-net1", Vni.of(0x10ff), 4789, VTEP, 0,
                false, true, true, true)));
        expectRepair(Kind.LINK_WRONG, "leftover vx-0010ff-net1");
    }

    @Test
    void vxlan0GoneAndItsHostSideTwinBlockingTheVni() throws Exception {
        // A crash between create and move: the device with our VNI sits in the host namespace.
        f.kernel.apply(ns, new DeleteLink("vxlan0"));
        f.kernel.apply(f.host, new AddLink(new LinkSpec.Vxlan("vx-001001-net1", Vni.of(4097), 4789, VTEP, 0,
                false, true, true, true)));
        ReconcileReport report = f.dataplane.reconcile();
        assertEquals(1, report.count(Kind.LINK_MISSING), report.toString());
        assertConvergedAgain();
    }

    @Test
    void strayDeviceInTheNetworkNamespace() throws Exception {
        Netns sb = f.kernel.createNamespace(Path.of("/run/netns/jsdp-leak"));
        f.kernel.apply(ns, new AddLink(new LinkSpec.Veth("veleaked", 0, null, "eth0", sb, null)));
        f.kernel.deleteNamespace(Path.of("/run/netns/jsdp-leak"));
        f.kernel.apply(ns, new AddLink(new LinkSpec.Veth("veleak2", 0, null, "eth9", f.host, null)));
        ReconcileReport report = f.dataplane.reconcile();
        assertEquals(1, report.count(Kind.LINK_WRONG), report.toString());
        assertConvergedAgain();
    }

    @Test
    void endpointVethDeleted() throws Exception {
        f.kernel.apply(SANDBOX, new DeleteLink("eth0"));
        expectRepair(Kind.LINK_MISSING, "veep1 / eth0");
    }

    @Test
    void endpointAddressMissing() throws Exception {
        f.kernel.apply(SANDBOX, new KernelChange.DeleteAddress(new Address("eth0", IpPrefix.parse("10.0.1.5/24"))));
        ReconcileReport report = f.dataplane.reconcile();
        // In Linux the default route goes with the address that made its gateway reachable.
        assertEquals(1, report.count(Kind.ADDRESS_MISSING), report.toString());
        assertEquals(1, report.count(Kind.ROUTE_MISSING), report.toString());
        assertConvergedAgain();
    }

    @Test
    void defaultRouteMissing() throws Exception {
        f.kernel.apply(SANDBOX, new KernelChange.DeleteRoute(Route.defaultVia(ip("10.0.1.1"), "eth0")));
        expectRepair(Kind.ROUTE_MISSING, "default via 10.0.1.1 dev eth0");
    }

    @Test
    void sandboxDeleted() throws Exception {
        f.kernel.deleteNamespace(((Netns.AtPath) SANDBOX).path());
        ReconcileReport report = f.dataplane.reconcile();
        assertEquals(1, report.count(Kind.NAMESPACE_MISSING), report.toString());
        assertEquals(1, report.repairs().size(), report.toString());
        assertConvergedAgain();
    }

    @Test
    void severalDriftsAtOnce() throws Exception {
        f.kernel.apply(ns, new DeleteFdb("vxlan0", MAC9, null),
                new SetNeighbor(Neighbor.permanent("vxlan0", ip("10.0.1.99"), MAC9)),
                new SetLink("veep1", false, null, null, null));
        ReconcileReport report = f.dataplane.reconcile();
        assertEquals(3, report.repairs().size(), report.toString());
        assertConvergedAgain();
    }

    private void expectRepair(Kind kind, String detailPart) throws Exception {
        ReconcileReport report = f.dataplane.reconcile();
        assertEquals(1, report.repairs().size(), report.toString());
        ReconcileReport.Repair repair = report.repairs().getFirst();
        assertEquals(kind, repair.kind(), report.toString());
        assertEquals("net1", repair.networkId());
        assertTrue(repair.detail().contains(detailPart), repair.detail());
        assertConvergedAgain();
    }

    /** The kernel matches the converged state in everything but kernel-chosen details, and stays put. */
    private void assertConvergedAgain() throws Exception {
        assertEquals(normalized(converged), normalized(f.snapshot()));
        f.kernel.clearRecords();
        assertTrue(f.dataplane.reconcile().clean(), "a second reconcile finds nothing");
        assertEquals(0, f.kernel.mutationCount());
    }

    /** Replaced devices get new ifindexes and MACs from the kernel; everything else must be equal. */
    private static Map<String, FakeKernel.NamespaceState> normalized(Map<String, FakeKernel.NamespaceState> s) {
        return s.entrySet().stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> {
            var st = e.getValue();
            var links = st.links().stream().map(l -> new io.jswarm.vxlan.kernel.Link(0, l.name(), l.kind(), l.mtu(),
                    "veth".equals(l.kind()) && !l.name().startsWith("eth") || !"veth".equals(l.kind())
                            ? null : l.mac(), l.up(), l.master(), l.vxlan()))
                    .sorted(java.util.Comparator.comparing(io.jswarm.vxlan.kernel.Link::name)).toList();
            return new FakeKernel.NamespaceState(links, sorted(st.addresses()), sorted(st.routes()),
                    sorted(st.neighbors()), sorted(st.fdb()));
        }));
    }

    private static <T> List<T> sorted(List<T> list) {
        return list.stream().sorted(java.util.Comparator.comparing(Object::toString)).toList();
    }
}
