package io.jswarm.vxlan.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.Netns;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The XFRM part of the {@link Kernel} contract (SAs, policies, the expire watch), mixed into
 * {@link KernelContractTest} so every implementation runs it. Policies need only XFRM_USER and run everywhere; SAs
 * need ESP with {@code rfc4106(gcm(aes))}, so their cases are skipped, saying so, where {@link Kernel#espSupported}
 * is false (Linux without esp4, like the CI machine's kernel) and run on the fake and on ESP kernels (the UML
 * guests, {@code XfrmUmlE2ETest}). What jswarm writes is the model: per-peer OUT policies with a template, the
 * catch-all OUT block and IN allow on UDP 4799, SAs keyed by (dst, SPI).
 */
interface XfrmContract {
    int REQID = 0x4A5357;
    int PORT = 4799;
    InetAddress SELF = KernelContractTest.ip("192.0.2.1");
    InetAddress PEER = KernelContractTest.ip("192.0.2.2");
    InetAddress PEER2 = KernelContractTest.ip("192.0.2.3");

    Kernel contractKernel();

    Netns contractNamespace(String suffix) throws Exception;

    static XfrmPolicy out(InetAddress peer, int priority, int spi) {
        return new XfrmPolicy(new XfrmSelector(IpPrefix.of(SELF, 32), IpPrefix.of(peer, 32), XfrmSelector.UDP, PORT),
                XfrmPolicy.Direction.OUT, priority, XfrmPolicy.Action.ALLOW,
                new XfrmPolicy.Template(SELF, peer, spi, REQID));
    }

    static XfrmPolicy block() {
        return new XfrmPolicy(XfrmSelector.udpTo(PORT), XfrmPolicy.Direction.OUT, 200, XfrmPolicy.Action.BLOCK, null);
    }

    static XfrmPolicy in() {
        return new XfrmPolicy(XfrmSelector.udpTo(PORT), XfrmPolicy.Direction.IN, 200, XfrmPolicy.Action.ALLOW,
                new XfrmPolicy.Template(null, null, 0, REQID));
    }

    static XfrmState sa(InetAddress src, InetAddress dst, int spi, String keyHex, XfrmLimits limits) {
        return new XfrmState(src, dst, spi, REQID, HexFormat.of().parseHex(keyHex), 128, limits, 0xFFFF_FF00L,
                XfrmCounters.NONE);
    }

    String KEY1 = "000102030405060708090a0b0c0d0e0f10111213";
    String KEY2 = "131211100f0e0d0c0b0a09080706050403020100";

    private Set<XfrmPolicy> policies(Netns ns) throws Exception {
        return new HashSet<>(contractKernel().xfrmPolicies(ns));
    }

    @Test
    default void xfrmPoliciesAreSetReplacedByKeyAndDeleted() throws Exception {
        Kernel kernel = contractKernel();
        Netns ns = contractNamespace("xp");
        assertEquals(List.of(), kernel.xfrmPolicies(ns), "a new namespace has no policies");
        kernel.apply(ns, new KernelChange.SetXfrmPolicy(out(PEER, 100, 0x4A010001)),
                new KernelChange.SetXfrmPolicy(out(PEER2, 100, 0x4A010001)),
                new KernelChange.SetXfrmPolicy(block()), new KernelChange.SetXfrmPolicy(in()));
        assertEquals(Set.of(out(PEER, 100, 0x4A010001), out(PEER2, 100, 0x4A010001), block(), in()), policies(ns));

        // Rotation's switch: the same selector and direction with another SPI (and priority) replaces the policy.
        kernel.apply(ns, new KernelChange.SetXfrmPolicy(out(PEER, 90, 0x4A020001)));
        assertEquals(Set.of(out(PEER, 90, 0x4A020001), out(PEER2, 100, 0x4A010001), block(), in()), policies(ns));

        kernel.apply(ns, new KernelChange.DeleteXfrmPolicy(out(PEER2, 0, 0).key()),
                new KernelChange.DeleteXfrmPolicy(in().key()));
        assertEquals(Set.of(out(PEER, 90, 0x4A020001), block()), policies(ns));
        // Absent: succeeds, changes nothing. IN and OUT on one selector are two policies.
        kernel.apply(ns, new KernelChange.DeleteXfrmPolicy(out(PEER2, 0, 0).key()),
                new KernelChange.DeleteXfrmPolicy(new XfrmPolicy.Key(XfrmSelector.udpTo(PORT), XfrmPolicy.Direction.IN)));
        assertEquals(Set.of(out(PEER, 90, 0x4A020001), block()), policies(ns));
    }

    @Test
    default void xfrmPoliciesBelongToTheirNamespace() throws Exception {
        Kernel kernel = contractKernel();
        Netns a = contractNamespace("xa");
        Netns b = contractNamespace("xb");
        kernel.apply(a, new KernelChange.SetXfrmPolicy(block()));
        assertEquals(List.of(block()), kernel.xfrmPolicies(a));
        assertEquals(List.of(), kernel.xfrmPolicies(b));
    }

    @Test
    default void xfrmChangesMixWithDeviceChangesInOneBatch() throws Exception {
        Kernel kernel = contractKernel();
        Netns ns = contractNamespace("xm");
        KernelException e = assertThrows(KernelException.class, () -> kernel.apply(ns,
                new KernelChange.AddLink(new LinkSpec.Bridge("jsbr0", 0, null)),
                new KernelChange.SetXfrmPolicy(block()),
                KernelChange.SetLink.up("nope0"),
                new KernelChange.DeleteXfrmPolicy(in().key()),
                new KernelChange.SetXfrmPolicy(in())));
        assertEquals(1, e.failures().size(), e.getMessage());
        assertEquals(KernelContractTest.ENODEV, e.errno());
        assertEquals(Set.of(block(), in()), policies(ns));
        assertTrue(kernel.links(ns).stream().anyMatch(l -> l.name().equals("jsbr0")));
    }

    @Test
    default void xfrmSasAreSetReplacedAndDeleted() throws Exception {
        Kernel kernel = contractKernel();
        assumeTrue(kernel.espSupported(), "this kernel has no ESP with rfc4106(gcm(aes)) (esp4 missing): SA cases"
                + " run on the fake and on ESP kernels (XfrmUmlE2ETest)");
        Netns ns = contractNamespace("xs");
        XfrmState outbound = sa(SELF, PEER, 0x4A010001, KEY1, XfrmLimits.soft(1L << 40, 1L << 31));
        XfrmState inbound = sa(PEER, SELF, 0x4A010002, KEY2, XfrmLimits.NONE);
        kernel.apply(ns, new KernelChange.SetXfrmState(outbound), new KernelChange.SetXfrmState(inbound));
        assertEquals(Set.of(outbound, inbound), new HashSet<>(kernel.xfrmStates(ns)),
                "dumped with keys, limits, the starting sequence number and zero counters");
        XfrmState dumped = kernel.xfrmStates(ns).stream().filter(s -> s.spi() == 0x4A010001).findFirst().orElseThrow();
        assertArrayEquals(HexFormat.of().parseHex(KEY1), dumped.key());

        // New limits on the same SA: replaced in place. A new key under the same id: the new SA.
        XfrmState relimited = sa(SELF, PEER, 0x4A010001, KEY1, XfrmLimits.soft(1L << 30, 1L << 20));
        kernel.apply(ns, new KernelChange.SetXfrmState(relimited));
        assertEquals(Set.of(relimited, inbound), new HashSet<>(kernel.xfrmStates(ns)));
        XfrmState rekeyed = sa(PEER, SELF, 0x4A010002, KEY1, XfrmLimits.NONE);
        kernel.apply(ns, new KernelChange.SetXfrmState(rekeyed));
        assertEquals(Set.of(relimited, rekeyed), new HashSet<>(kernel.xfrmStates(ns)));
        assertArrayEquals(HexFormat.of().parseHex(KEY1), kernel.xfrmStates(ns).stream()
                .filter(s -> s.spi() == 0x4A010002).findFirst().orElseThrow().key());

        kernel.apply(ns, new KernelChange.DeleteXfrmState(outbound.id()));
        assertEquals(List.of(rekeyed), kernel.xfrmStates(ns));
        kernel.apply(ns, new KernelChange.DeleteXfrmState(outbound.id())); // absent: succeeds
        assertEquals(List.of(rekeyed), kernel.xfrmStates(ns));
    }

    @Test
    default void withoutEspAnSaIsRefusedClearlyAndTheRestOfTheBatchApplies() throws Exception {
        Kernel kernel = contractKernel();
        assumeFalse(kernel.espSupported(), "this kernel has ESP: nothing to refuse");
        Netns ns = contractNamespace("xn");
        KernelException e = assertThrows(KernelException.class, () -> kernel.apply(ns,
                new KernelChange.SetXfrmState(sa(SELF, PEER, 0x4A010001, KEY1, XfrmLimits.NONE)),
                new KernelChange.SetXfrmPolicy(block())));
        // ENOSYS "Requested AEAD algorithm not found" (no GCM: this machine), ENOENT "Kernel was unable to initialize
        // cryptographic operations" (a template it cannot instantiate), EPROTONOSUPPORT (no esp4)
        assertTrue(Set.of(38, 2, 93).contains(e.errno()), e.getMessage());
        assertTrue(e.extack() != null && !e.extack().isBlank(), "the kernel says why: " + e.getMessage());
        assertFalse(e.getMessage().contains(KEY1), "an error never shows the key");
        assertEquals(List.of(), kernel.xfrmStates(ns));
        assertEquals(List.of(block()), kernel.xfrmPolicies(ns));
    }

    @Test
    default void xfrmWatchStartsAndStops() throws Exception {
        Kernel kernel = contractKernel();
        Netns ns = contractNamespace("xw");
        AutoCloseable watch = kernel.watchXfrm(ns, event -> { });
        watch.close();
        watch.close(); // idempotent
    }
}
