package io.jswarm.vxlan.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.Netns;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What FakeKernel offers beyond the {@link Kernel} contract: records, fault injection, snapshots. */
class FakeKernelTest {
    private final FakeKernel kernel = new FakeKernel();

    @Test
    void theCurrentNamespaceIsAlwaysThere() throws IOException {
        assertEquals(List.of("lo"), kernel.links(Netns.current()).stream().map(Link::name).toList());
        assertTrue(kernel.namespaces().contains(Netns.current()));
    }

    @Test
    void recordsEveryChangeAndBatch() throws IOException {
        Netns ns = kernel.createNamespace(Path.of("/run/netns/jsdp-rec"));
        kernel.apply(ns, new KernelChange.AddLink(new LinkSpec.Bridge("br0", 0, null)), KernelChange.SetLink.up("br0"));
        assertThrows(KernelException.class, () -> kernel.apply(ns, KernelChange.SetLink.up("nope0")));

        assertEquals(2, kernel.applyCount());
        assertEquals(3, kernel.changeCount());
        assertEquals(4, kernel.mutationCount(), "three changes and one namespace creation");
        assertEquals(List.of("create /run/netns/jsdp-rec"), kernel.namespaceOps());
        assertEquals(2, kernel.changes(ns).size(), "only applied changes");
        assertFalse(kernel.calls().get(2).ok());
        assertEquals(19, kernel.calls().get(2).errno());

        kernel.setRecording(false);
        kernel.apply(ns, KernelChange.SetLink.up("br0"));
        assertEquals(3, kernel.calls().size());
        assertEquals(4, kernel.changeCount(), "counted even when not recorded");
        kernel.clearRecords();
        assertEquals(0, kernel.mutationCount());
        assertEquals(0, kernel.applyCount());
    }

    @Test
    void failsTheNthChangeOnceAndKeepsGoing() throws IOException {
        Netns ns = kernel.createNamespace(Path.of("/run/netns/jsdp-f"));
        kernel.failNthChange(2, 105);
        KernelException e = assertThrows(KernelException.class, () -> kernel.apply(ns,
                new KernelChange.AddLink(new LinkSpec.Bridge("br0", 0, null)),
                new KernelChange.AddLink(new LinkSpec.Bridge("br1", 0, null)),
                new KernelChange.AddLink(new LinkSpec.Bridge("br2", 0, null))));
        assertEquals(105, e.errno());
        assertEquals("ENOBUFS", e.errnoName());
        assertEquals(List.of("lo", "br0", "br2"), kernel.links(ns).stream().map(Link::name).toList());
        kernel.apply(ns, new KernelChange.AddLink(new LinkSpec.Bridge("br1", 0, null))); // once only
    }

    @Test
    void failWhenMatchesByNamespaceAndChange() throws IOException {
        Netns a = kernel.createNamespace(Path.of("/run/netns/jsdp-a"));
        Netns b = kernel.createNamespace(Path.of("/run/netns/jsdp-b"));
        kernel.failWhen((ns, c) -> ns.equals(b), 1);
        kernel.apply(a, new KernelChange.AddLink(new LinkSpec.Bridge("br0", 0, null)));
        assertEquals(1, assertThrows(KernelException.class,
                () -> kernel.apply(b, new KernelChange.AddLink(new LinkSpec.Bridge("br0", 0, null)))).errno());
        kernel.failWhen((ns, c) -> true, 1);
        kernel.clearFaults();
        kernel.apply(b, new KernelChange.AddLink(new LinkSpec.Bridge("br0", 0, null)));
    }

    @Test
    void snapshotsCompareByValue() throws IOException {
        Netns ns = kernel.createNamespace(Path.of("/run/netns/jsdp-s"));
        var before = kernel.snapshot();
        kernel.apply(ns, new KernelChange.AddLink(new LinkSpec.Bridge("br0", 0, null)),
                new KernelChange.AddAddress(new Address("br0", IpPrefix.parse("10.0.1.1/24"))));
        assertNotEquals(before, kernel.snapshot());
        kernel.apply(ns, new KernelChange.DeleteLink("br0"));
        assertEquals(before, kernel.snapshot());
    }

    @Test
    void unknownNamespacesAreIoErrors() {
        Netns gone = Netns.named("jsdp-gone");
        assertThrows(IOException.class, () -> kernel.links(gone));
        assertThrows(IOException.class, () -> kernel.apply(gone, KernelChange.SetLink.up("lo")));
    }

    @Test
    void learnedEntriesBypassTheRecords() throws IOException {
        Netns ns = kernel.createNamespace(Path.of("/run/netns/jsdp-l"));
        kernel.apply(ns, new KernelChange.AddLink(new LinkSpec.Bridge("br0", 0, null)));
        kernel.clearRecords();
        kernel.learnNeighbor(ns, new Neighbor("br0", IpPrefix.parseAddress("10.0.1.7"), null, false));
        kernel.learnFdb(ns, new FdbEntry("br0", MacAddress.parse("02:00:00:00:00:07"), null, true, true));
        assertEquals(0, kernel.mutationCount());
        assertEquals(1, kernel.neighbors(ns).size());
        assertFalse(kernel.neighbors(ns).getFirst().permanent());
        assertEquals(1, kernel.fdb(ns).size());
        assertThrows(IllegalArgumentException.class, () -> kernel.learnNeighbor(ns,
                new Neighbor("nope0", IpPrefix.parseAddress("10.0.1.7"), null, false)));
    }

    @Test
    void aMovedDeviceKeepsItsIndexWhenFree() throws IOException {
        Netns a = kernel.createNamespace(Path.of("/run/netns/jsdp-ma"));
        Netns b = kernel.createNamespace(Path.of("/run/netns/jsdp-mb"));
        kernel.apply(a, new KernelChange.AddLink(new LinkSpec.Bridge("br0", 0, null)),
                new KernelChange.AddLink(new LinkSpec.Bridge("br1", 0, null)));
        int index = kernel.links(a).stream().filter(l -> l.name().equals("br1")).findFirst().orElseThrow().index();
        kernel.apply(a, new KernelChange.MoveLink("br1", b, "brx"));
        assertEquals(index, kernel.links(b).stream().filter(l -> l.name().equals("brx")).findFirst().orElseThrow()
                .index());
        kernel.close();
        assertTrue(kernel.isClosed());
    }
}
