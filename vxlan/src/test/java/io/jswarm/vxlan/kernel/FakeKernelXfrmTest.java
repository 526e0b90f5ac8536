package io.jswarm.vxlan.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.Netns;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fake's XFRM beyond the contract: what only the kernel does (traffic, expiry), ESP switched off, records. */
class FakeKernelXfrmTest {
    private final FakeKernel kernel = new FakeKernel();

    static XfrmState sa(int spi, byte fill, XfrmLimits limits) throws IOException {
        byte[] key = new byte[XfrmState.KEY_BYTES];
        java.util.Arrays.fill(key, fill);
        return new XfrmState(InetAddress.getByName("192.0.2.1"), InetAddress.getByName("192.0.2.2"), spi, 0x4A5357,
                key, 128, limits, 0xFFFF_FF00L, XfrmCounters.NONE);
    }

    @Test
    void replacingOnlyTheLimitsKeepsTheCountersAndANewKeyStartsAgain() throws IOException {
        Netns ns = kernel.createNamespace(Path.of("/run/netns/jsxfrm-fk1"));
        XfrmState first = sa(0x4A010001, (byte) 1, XfrmLimits.NONE);
        kernel.apply(ns, new KernelChange.SetXfrmState(first));
        XfrmCounters counted = new XfrmCounters(1000, 10, 1, 2);
        kernel.countXfrm(ns, first.id(), counted);

        kernel.apply(ns, new KernelChange.SetXfrmState(sa(0x4A010001, (byte) 1, XfrmLimits.soft(1 << 20, 1 << 10))));
        XfrmState updated = kernel.xfrmStates(ns).getFirst();
        assertEquals(counted, updated.counters(), "UPDSA keeps what the SA counted");
        assertEquals(XfrmLimits.soft(1 << 20, 1 << 10), updated.limits());

        kernel.apply(ns, new KernelChange.SetXfrmState(sa(0x4A010001, (byte) 2, XfrmLimits.NONE)));
        assertEquals(List.of(XfrmCounters.NONE), kernel.xfrmStates(ns).stream().map(XfrmState::counters).toList(),
                "a different key under the same id is a new SA");
        assertEquals(1, kernel.xfrmStates(ns).size());
    }

    @Test
    void withoutEspEverySaIsRefusedAndNothingChanges() throws IOException {
        Netns ns = kernel.createNamespace(Path.of("/run/netns/jsxfrm-fk2"));
        kernel.setEspSupported(false);
        assertFalse(kernel.espSupported());
        var before = kernel.snapshot();
        KernelException e = assertThrows(KernelException.class,
                () -> kernel.apply(ns, new KernelChange.SetXfrmState(sa(0x4A010001, (byte) 1, XfrmLimits.NONE))));
        assertEquals("ENOSYS", e.errnoName());
        assertEquals("Requested AEAD algorithm not found", e.extack());
        assertEquals(before, kernel.snapshot());
        // Policies need no ESP algorithm: they work on such a kernel (as on this machine's).
        kernel.apply(ns, new KernelChange.SetXfrmPolicy(new XfrmPolicy(XfrmSelector.udpTo(4799),
                XfrmPolicy.Direction.OUT, 200, XfrmPolicy.Action.BLOCK, null)));
        assertEquals(1, kernel.xfrmPolicies(ns).size());
    }

    @Test
    void expiryReachesTheNamespacesWatchersAndAHardOneDeletesTheSa() throws Exception {
        Netns ns = kernel.createNamespace(Path.of("/run/netns/jsxfrm-fk3"));
        Netns other = kernel.createNamespace(Path.of("/run/netns/jsxfrm-fk4"));
        XfrmState s = sa(0x4A010001, (byte) 1, XfrmLimits.NONE);
        kernel.apply(ns, new KernelChange.SetXfrmState(s));
        List<XfrmEvent> seen = new ArrayList<>();
        List<XfrmEvent> elsewhere = new ArrayList<>();
        AutoCloseable watch = kernel.watchXfrm(ns, seen::add);
        kernel.watchXfrm(other, elsewhere::add);

        XfrmEvent soft = new XfrmEvent.Expired(s.id(), s.reqid(), false);
        kernel.emitXfrm(ns, soft);
        assertEquals(List.of(soft), seen);
        assertEquals(1, kernel.xfrmStates(ns).size(), "a soft expiry leaves the SA");

        XfrmEvent hard = new XfrmEvent.Expired(s.id(), s.reqid(), true);
        kernel.emitXfrm(ns, hard);
        assertEquals(List.of(soft, hard), seen);
        assertTrue(kernel.xfrmStates(ns).isEmpty(), "a hard expiry deletes it");
        assertTrue(elsewhere.isEmpty());

        watch.close();
        kernel.emitXfrm(ns, soft);
        assertEquals(2, seen.size(), "a closed watch hears nothing");
        assertThrows(java.nio.file.NoSuchFileException.class,
                () -> kernel.watchXfrm(Netns.at(Path.of("/run/netns/jsxfrm-none")), e -> { }));
    }

    @Test
    void xfrmChangesAreRecordedAndCanBeRefused() throws IOException {
        Netns ns = kernel.createNamespace(Path.of("/run/netns/jsxfrm-fk5"));
        kernel.clearRecords();
        XfrmState s = sa(0x4A010001, (byte) 1, XfrmLimits.NONE);
        kernel.failWhen((n, c) -> c instanceof KernelChange.SetXfrmPolicy, 105);
        XfrmPolicy block = new XfrmPolicy(XfrmSelector.udpTo(4799), XfrmPolicy.Direction.OUT, 200,
                XfrmPolicy.Action.BLOCK, null);
        KernelException e = assertThrows(KernelException.class, () -> kernel.apply(ns,
                new KernelChange.SetXfrmState(s), new KernelChange.SetXfrmPolicy(block),
                new KernelChange.DeleteXfrmState(s.id())));
        assertEquals(105, e.errno());
        assertEquals(List.of(0, 105, 0), kernel.calls().stream().map(FakeKernel.Call::errno).toList());
        assertEquals(List.of(new KernelChange.SetXfrmState(s), new KernelChange.DeleteXfrmState(s.id())),
                kernel.changes(ns));
        assertTrue(kernel.xfrmStates(ns).isEmpty());
        assertTrue(kernel.xfrmPolicies(ns).isEmpty());
        assertFalse(e.getMessage().contains("0101010101"), "no key in errors");
    }
}
