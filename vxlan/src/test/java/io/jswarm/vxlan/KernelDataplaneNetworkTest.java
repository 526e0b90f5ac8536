package io.jswarm.vxlan;

import static io.jswarm.vxlan.DataplaneFixture.NET;
import static io.jswarm.vxlan.DataplaneFixture.NET2;
import static io.jswarm.vxlan.DataplaneFixture.REMOTE_VTEP;
import static io.jswarm.vxlan.DataplaneFixture.VTEP;
import static io.jswarm.vxlan.DataplaneFixture.peer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.kernel.Address;
import io.jswarm.vxlan.kernel.FakeKernel;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.KernelChange.AddAddress;
import io.jswarm.vxlan.kernel.KernelChange.AddLink;
import io.jswarm.vxlan.kernel.KernelChange.MoveLink;
import io.jswarm.vxlan.kernel.KernelException;
import io.jswarm.vxlan.kernel.Link;
import io.jswarm.vxlan.kernel.LinkSpec;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KernelDataplaneNetworkTest {
    private final DataplaneFixture f = new DataplaneFixture();
    private final Netns ns = f.netns(NET);

    @Test
    void constructorTouchesNothing() {
        assertEquals(0, f.kernel.mutationCount());
        assertEquals(0, f.kernel.applyCount());
    }

    @Test
    void ensureNetworkBuildsBridgeAndVxlanInTheNetworkNamespace() throws Exception {
        f.dataplane.ensureNetwork(NET);

        assertTrue(f.kernel.namespaceExists(f.config.networkNamespace("net1")));
        Link br = f.link(ns, "br0").orElseThrow();
        assertEquals("bridge", br.kind());
        assertEquals(1450, br.mtu());
        assertTrue(br.up());
        assertTrue(f.kernel.addresses(ns).contains(new Address("br0", IpPrefix.parse("10.0.1.1/24"))));
        Link vx = f.link(ns, "vxlan0").orElseThrow();
        assertEquals(new Link.VxlanInfo(Vni.of(4097), 4789, VTEP, false, true, true, true), vx.vxlan());
        assertEquals(1450, vx.mtu());
        assertEquals("br0", vx.master());
        assertTrue(vx.up());
        assertTrue(f.kernel.links(f.host).stream().noneMatch(l -> "vxlan".equals(l.kind())),
                "nothing is left behind in the host namespace");
    }

    @Test
    void theVxlanDeviceIsCreatedInTheHostNamespaceAndMovedWithDockersName() throws Exception {
        f.dataplane.ensureNetwork(NET);

        List<KernelChange> inHost = f.kernel.changes(f.host);
        assertEquals(2, inHost.size(), inHost.toString());
        AddLink add = (AddLink) inHost.get(0);
        assertEquals("vx-001001-net1", add.spec().name());
        assertEquals(new MoveLink("vx-001001-net1", ns, "vxlan0"), inHost.get(1));
    }

    @Test
    void aSecondEnsureChangesNothing() throws Exception {
        f.dataplane.ensureNetwork(NET);
        f.dataplane.upsertPeers("net1", List.of(peer("10.0.1.9", "02:42:0a:00:01:09", REMOTE_VTEP)));
        f.dataplane.ensureEndpoint(DataplaneFixture.endpoint("ep1", "10.0.1.5/24"));
        f.kernel.clearRecords();

        f.dataplane.ensureNetwork(NET);

        assertEquals(0, f.kernel.mutationCount(), f.kernel.calls().toString());
    }

    @Test
    void anExplicitUnderlayMtuWins() throws Exception {
        f.dataplane.ensureNetwork(new NetworkSpec("net1", Vni.of(4097), IpPrefix.parse("10.0.1.1/24"), VTEP, 4789, 1400));
        assertEquals(1350, f.link(ns, "vxlan0").orElseThrow().mtu());
        assertEquals(1350, f.link(ns, "br0").orElseThrow().mtu());
    }

    @Test
    void theUnderlayMtuComesFromTheVtepDevice() throws Exception {
        f.kernel.apply(f.host, new KernelChange.SetLink("ul0", null, 9000, null, null));
        f.dataplane.ensureNetwork(NET);
        assertEquals(8950, f.link(ns, "vxlan0").orElseThrow().mtu());
    }

    @Test
    void aVtepThatIsNotOnTheHostIsRefusedWithoutChanges() {
        var before = f.snapshot();
        NetworkSpec bad = NetworkSpec.of("net1", 4097, "10.0.1.1/24", DataplaneFixture.ip("198.51.100.7"));
        var e = assertThrows(IllegalArgumentException.class, () -> f.dataplane.ensureNetwork(bad));
        assertTrue(e.getMessage().contains("198.51.100.7"), e.getMessage());
        f.assertUnchangedBy(before);
    }

    @Test
    void aVniUsedByAnotherNetworkIsRefusedWithoutChanges() throws Exception {
        f.dataplane.ensureNetwork(NET);
        var before = f.snapshot();
        NetworkSpec clash = NetworkSpec.of("net2", 4097, "10.0.2.1/24", VTEP);
        assertThrows(IllegalArgumentException.class, () -> f.dataplane.ensureNetwork(clash));
        f.assertUnchangedBy(before);
    }

    @Test
    void aLeftoverNamespaceWithPartialContentIsRepaired() throws Exception {
        Netns left = f.kernel.createNamespace(f.config.networkNamespace("net1"));
        f.kernel.apply(left, new AddLink(new LinkSpec.Bridge("br0", 1500, null)),
                new AddAddress(new Address("br0", IpPrefix.parse("10.9.9.1/24"))),
                new AddLink(new LinkSpec.Veth("vedead", 0, null, "vepeer", left, null)));

        f.dataplane.ensureNetwork(NET);

        assertEquals(List.of(new Address("br0", IpPrefix.parse("10.0.1.1/24"))), f.kernel.addresses(ns));
        assertEquals(List.of("lo", "br0", "vxlan0"), f.kernel.links(ns).stream().map(Link::name).toList());
        assertEquals(1450, f.link(ns, "br0").orElseThrow().mtu());
        f.kernel.clearRecords();
        f.dataplane.ensureNetwork(NET);
        assertEquals(0, f.kernel.mutationCount());
    }

    @Test
    void aLeftoverHostDeviceWithTheSameVniIsReplaced() throws Exception {
        // A crashed run created its device under another network id, so only the VNI ties it to us.
        f.kernel.apply(f.host, new AddLink(new LinkSpec.Vxlan("vx-001001-old00", Vni.of(4097), 4789, VTEP, 0,
                true, false, false, false)));

        f.dataplane.ensureNetwork(NET);

        assertTrue(f.kernel.links(f.host).stream().noneMatch(l -> "vxlan".equals(l.kind())));
        assertEquals(Vni.of(4097), f.link(ns, "vxlan0").orElseThrow().vxlan().vni());
    }

    @Test
    void aLeftoverVxlan0WithAnotherVniIsReplaced() throws Exception {
        Netns left = f.kernel.createNamespace(f.config.networkNamespace("net1"));
        f.kernel.apply(left, new AddLink(new LinkSpec.Vxlan("vxlan0", Vni.of(5000), 4789, VTEP, 0,
                false, true, true, true)));

        f.dataplane.ensureNetwork(NET);

        assertEquals(Vni.of(4097), f.link(ns, "vxlan0").orElseThrow().vxlan().vni());
    }

    @Test
    void aLeftoverVxlan0WithOurVniButWrongFlagsIsDeletedBeforeTheNewOneIsCreated() throws Exception {
        // Created in the host namespace and moved, like ours: it holds the VNI there until deleted.
        Netns left = f.kernel.createNamespace(f.config.networkNamespace("net1"));
        f.kernel.apply(f.host, new AddLink(new LinkSpec.Vxlan("vx-tmp", Vni.of(4097), 4789, VTEP, 0,
                true, false, false, false)), new MoveLink("vx-tmp", left, "vxlan0"));

        f.dataplane.ensureNetwork(NET);

        assertEquals(new Link.VxlanInfo(Vni.of(4097), 4789, VTEP, false, true, true, true),
                f.link(ns, "vxlan0").orElseThrow().vxlan());
    }

    @Test
    void aVniBusyForAMomentIsRetried() throws Exception {
        // On Linux a removed namespace's vxlan0 holds the VNI until the asynchronous teardown has run.
        f.kernel.failWhen((n, c) -> c instanceof AddLink a && a.spec() instanceof LinkSpec.Vxlan, 17);
        f.dataplane.ensureNetwork(NET);
        assertTrue(f.link(ns, "vxlan0").isPresent());
    }

    @Test
    void aVniHeldByAForeignDeviceFailsClearlyAndLeavesNothing() throws Exception {
        Netns foreign = f.kernel.createNamespace(java.nio.file.Path.of("/run/netns/jsdp-foreign"));
        f.kernel.apply(f.host, new AddLink(new LinkSpec.Vxlan("vx-foreign", Vni.of(4097), 4789, VTEP, 0,
                false, true, true, true)), new MoveLink("vx-foreign", foreign, "vxlan9"));
        var before = f.snapshot();

        KernelException e = assertThrows(KernelException.class, () -> f.dataplane.ensureNetwork(NET));

        assertEquals(17, e.errno());
        assertTrue(e.getMessage().contains("VNI"), e.getMessage());
        f.assertUnchangedBy(before);
    }

    @Test
    void knownPeersAreReprogrammedWhenTheNetworkIsEnsuredAgain() throws Exception {
        f.dataplane.ensureNetwork(NET);
        f.dataplane.upsertPeers("net1", List.of(peer("10.0.1.9", "02:42:0a:00:01:09", REMOTE_VTEP)));
        f.kernel.apply(ns, new KernelChange.DeleteLink("vxlan0"));

        f.dataplane.ensureNetwork(NET);

        assertEquals(1, f.remoteFdb(ns).size());
        assertEquals(1, f.permanentNeighbors(ns).size());
    }

    @Test
    void aFailedFirstEnsureLeavesNothing() throws Exception {
        var before = f.snapshot();
        f.kernel.failWhen((n, c) -> c instanceof MoveLink, 16);

        KernelException e = assertThrows(KernelException.class, () -> f.dataplane.ensureNetwork(NET));

        assertEquals(16, e.errno());
        f.assertUnchangedBy(before);
        f.kernel.clearFaults();
        f.dataplane.ensureNetwork(NET); // and nothing blocks a retry
        assertTrue(f.link(ns, "vxlan0").isPresent());
    }

    @Test
    void aFailureLateInTheFirstEnsureLeavesNothing() throws Exception {
        var before = f.snapshot();
        f.kernel.failWhen((n, c) -> c instanceof KernelChange.SetLink s && s.name().equals("vxlan0"), 12);
        assertThrows(KernelException.class, () -> f.dataplane.ensureNetwork(NET));
        f.assertUnchangedBy(before);
        assertThrows(IllegalArgumentException.class, () -> f.dataplane.upsertPeers("net1", List.of()),
                "a network that failed to be made is not remembered");
    }

    @Test
    void removeNetworkLeavesNothing() throws Exception {
        Map<String, FakeKernel.NamespaceState> before = f.snapshot();
        f.dataplane.ensureNetwork(NET);
        f.dataplane.ensureNetwork(NET2);
        f.dataplane.ensureEndpoint(DataplaneFixture.endpoint("ep1", "10.0.1.5/24"));
        f.dataplane.upsertPeers("net1", List.of(peer("10.0.1.9", "02:42:0a:00:01:09", REMOTE_VTEP)));
        f.dataplane.removeNetwork("net2");
        var withOne = f.snapshot();

        f.dataplane.removeNetwork("net1");

        f.assertUnchangedBy(before);
        assertFalse(f.kernel.namespaceExists(f.config.networkNamespace("net1")));
        assertFalse(withOne.equals(before));
    }

    @Test
    void removeNetworkAlsoTakesAHostLeftoverAndAnUnknownIdIsANoOp() throws Exception {
        f.dataplane.ensureNetwork(NET);
        f.kernel.apply(f.host, new AddLink(new LinkSpec.Vxlan("vx-0010ff-net1", Vni.of(0x10ff), 4789, VTEP, 0,
                false, true, true, true)));
        f.dataplane.removeNetwork("net1");
        assertTrue(f.kernel.links(f.host).stream().noneMatch(l -> "vxlan".equals(l.kind())));

        f.kernel.clearRecords();
        f.dataplane.removeNetwork("net1");
        f.dataplane.removeNetwork("nosuch");
        assertEquals(0, f.kernel.mutationCount());
    }

    @Test
    void unknownNetworksAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> f.dataplane.upsertPeers("nosuch", List.of()));
        assertThrows(IllegalArgumentException.class, () -> f.dataplane.removePeers("nosuch", List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> f.dataplane.ensureEndpoint(DataplaneFixture.endpoint("ep1", "10.0.1.5/24")));
    }

    @Test
    void constructorRejectsNulls() throws IOException {
        assertThrows(IllegalArgumentException.class, () -> new KernelDataplane(null, f.config));
        assertThrows(IllegalArgumentException.class, () -> new KernelDataplane(f.kernel, null));
    }
}
