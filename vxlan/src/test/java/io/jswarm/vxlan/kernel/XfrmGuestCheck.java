package io.jswarm.vxlan.kernel;

import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.netlink.NetlinkKernel;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Run inside a kernel with ESP (a UML guest, {@code XfrmUmlE2ETest}): the whole XFRM contract against
 * {@link NetlinkKernel} and the iproute2 oracle, each side's writes read back by the other ({@code ip -s xfrm
 * state}, {@code ip xfrm policy}), and ESP traffic between two namespaces: keys and salt right (the receiver
 * decrypts), sequence numbers across 2^32 (ESN), a soft packet limit reported by {@code watchXfrm} on both ends,
 * the catch-all block refusing plaintext, the inbound policy dropping it. Prints PASS/FAIL/SKIP lines and
 * {@code FAILURES n}; exits 1 on any failure. Namespaces are {@code /run/netns/jsxfrm-*} of the guest.
 */
public final class XfrmGuestCheck {
    private static final int REQID = XfrmContract.REQID;
    private static int failures;

    private XfrmGuestCheck() {
    }

    public static void main(String[] args) throws Exception {
        try (NetlinkKernel netlink = new NetlinkKernel(); IprouteKernel oracle = new IprouteKernel()) {
            check("NetlinkKernel.espSupported() on an ESP kernel", netlink.espSupported());
            check("IprouteKernel.espSupported() on an ESP kernel", oracle.espSupported());
            contract("NetlinkKernel", netlink);
            contract("IprouteKernel", oracle);
            step("cross-check: NetlinkKernel writes, ip xfrm reads, and back", () -> crossCheck(netlink, oracle));
            step("ESP traffic between two namespaces", () -> traffic(netlink));
        }
        System.out.println("FAILURES " + failures);
        System.exit(failures == 0 ? 0 : 1);
    }

    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    private static void step(String what, Step step) {
        try {
            step.run();
            System.out.println("PASS " + what);
        } catch (Throwable t) {
            failures++;
            System.out.println("FAIL " + what + ": " + t);
            t.printStackTrace(System.out);
        } finally {
            TestNamespacesInGuest.removeAll();
        }
    }

    private static void check(String what, boolean ok) {
        if (!ok) {
            failures++;
        }
        System.out.println((ok ? "PASS " : "FAIL ") + what);
    }

    /** Every {@code @Test} default method of {@link XfrmContract}, as JUnit would run it. */
    private static void contract(String name, Kernel kernel) {
        XfrmContract suite = new XfrmContract() {
            @Override
            public Kernel contractKernel() {
                return kernel;
            }

            @Override
            public Netns contractNamespace(String suffix) throws Exception {
                return TestNamespacesInGuest.create(kernel, suffix);
            }
        };
        Method[] tests = Arrays.stream(XfrmContract.class.getMethods())
                .filter(m -> m.isAnnotationPresent(org.junit.jupiter.api.Test.class))
                .sorted(Comparator.comparing(Method::getName)).toArray(Method[]::new);
        for (Method m : tests) {
            try {
                m.invoke(suite);
                System.out.println("PASS " + name + " " + m.getName());
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof org.opentest4j.TestAbortedException skip) {
                    System.out.println("SKIP " + name + " " + m.getName() + ": " + skip.getMessage());
                } else {
                    failures++;
                    System.out.println("FAIL " + name + " " + m.getName() + ": " + e.getCause());
                    e.getCause().printStackTrace(System.out);
                }
            } catch (IllegalAccessException e) {
                throw new AssertionError(e);
            } finally {
                TestNamespacesInGuest.removeAll();
            }
        }
    }

    private static void crossCheck(NetlinkKernel netlink, IprouteKernel oracle) throws Exception {
        Netns ns = TestNamespacesInGuest.create(netlink, "cc");
        XfrmState out = XfrmContract.sa(XfrmContract.SELF, XfrmContract.PEER, 0x4A010001, XfrmContract.KEY1,
                XfrmLimits.soft(1L << 40, 1L << 31));
        XfrmState in = XfrmContract.sa(XfrmContract.PEER, XfrmContract.SELF, 0x4A010002, XfrmContract.KEY2,
                new XfrmLimits(1 << 20, 1 << 21, 1000, 2000));
        List<XfrmPolicy> policies = List.of(XfrmContract.out(XfrmContract.PEER, 100, 0x4A010001),
                XfrmContract.block(), XfrmContract.in());
        List<KernelChange> changes = new ArrayList<>(List.of(new KernelChange.SetXfrmState(out),
                new KernelChange.SetXfrmState(in)));
        policies.forEach(p -> changes.add(new KernelChange.SetXfrmPolicy(p)));
        netlink.apply(ns, changes);
        System.out.println(TestNamespacesInGuest.sh("ip -n " + name(ns) + " -s xfrm state; ip -n " + name(ns)
                + " xfrm policy"));
        equal("ip -s xfrm state after NetlinkKernel", Set.of(out, in), new HashSet<>(oracle.xfrmStates(ns)));
        equal("ip xfrm policy after NetlinkKernel", new HashSet<>(policies), new HashSet<>(oracle.xfrmPolicies(ns)));

        XfrmState third = XfrmContract.sa(XfrmContract.SELF, XfrmContract.PEER2, 0x4A010003, XfrmContract.KEY2,
                XfrmLimits.NONE);
        oracle.apply(ns, new KernelChange.SetXfrmState(third),
                new KernelChange.DeleteXfrmPolicy(XfrmContract.block().key()));
        equal("NetlinkKernel's dump after ip xfrm state add", Set.of(out, in, third),
                new HashSet<>(netlink.xfrmStates(ns)));
        equal("NetlinkKernel's policies after ip xfrm policy delete", Set.of(policies.get(0), policies.get(2)),
                new HashSet<>(netlink.xfrmPolicies(ns)));
    }

    private static void traffic(NetlinkKernel k) throws Exception {
        InetAddress a = XfrmContract.SELF;
        InetAddress b = XfrmContract.PEER;
        Netns nsA = TestNamespacesInGuest.create(k, "ta");
        Netns nsB = TestNamespacesInGuest.create(k, "tb");
        k.apply(nsA, new KernelChange.AddLink(new LinkSpec.Veth("jsxa", 0, null, "jsxb", nsB, null)),
                new KernelChange.AddAddress(new Address("jsxa", IpPrefix.parse("192.0.2.1/24"))),
                KernelChange.SetLink.up("jsxa"), KernelChange.SetLink.up("lo"));
        k.apply(nsB, new KernelChange.AddAddress(new Address("jsxb", IpPrefix.parse("192.0.2.2/24"))),
                KernelChange.SetLink.up("jsxb"), KernelChange.SetLink.up("lo"));
        int spi = 0x4A010001;
        long start = 0xFFFF_FF00L; // 300 packets cross 2^32: only ESN carries on
        XfrmLimits soft3 = XfrmLimits.soft(XfrmLimits.INFINITE, 3);
        XfrmState sa = new XfrmState(a, b, spi, REQID, java.util.HexFormat.of().parseHex(XfrmContract.KEY1), 128,
                soft3, start, XfrmCounters.NONE);
        k.apply(nsA, new KernelChange.SetXfrmState(sa), new KernelChange.SetXfrmPolicy(XfrmContract.out(b, 100, spi)),
                new KernelChange.SetXfrmPolicy(XfrmContract.block()));
        k.apply(nsB, new KernelChange.SetXfrmState(sa), new KernelChange.SetXfrmPolicy(XfrmContract.in()));
        LinkedBlockingQueue<XfrmEvent> atA = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<XfrmEvent> atB = new LinkedBlockingQueue<>();
        try (AutoCloseable wa = k.watchXfrm(nsA, atA::add); AutoCloseable wb = k.watchXfrm(nsB, atB::add)) {
            send(nsA, 300);
            XfrmEvent soft = new XfrmEvent.Expired(sa.id(), REQID, false);
            equal("soft expiry of the outbound SA at A", soft, atA.poll(20, TimeUnit.SECONDS));
            equal("soft expiry of the inbound SA at B", soft, atB.poll(20, TimeUnit.SECONDS));
        }
        XfrmState sent = k.xfrmStates(nsA).getFirst();
        XfrmState received = k.xfrmStates(nsB).getFirst();
        System.out.println("after 300 datagrams: A " + sent + " seq 0x" + Long.toHexString(sent.initialSeq())
                + "; B " + received + " seq 0x" + Long.toHexString(received.initialSeq()));
        equal("A's SA sent 300", 300L, sent.counters().packets());
        equal("B's SA decrypted 300 (key and salt right)", 300L, received.counters().packets());
        equal("no integrity failures at B", 0L, received.counters().integrityFailures());
        equal("A's sequence number past 2^32", start + 300, sent.initialSeq());
        equal("B's sequence number past 2^32", start + 300, received.initialSeq());

        // No plaintext fallback: without its per-peer policy the catch-all block refuses the send.
        k.apply(nsA, new KernelChange.DeleteXfrmPolicy(XfrmContract.out(b, 0, 0).key()));
        String refused = TestNamespacesInGuest.sh("ip netns exec " + name(nsA)
                + " bash -c 'echo x >/dev/udp/192.0.2.2/4799' 2>&1; echo rc=$?");
        check("the catch-all OUT block refuses plaintext to 4799 (" + refused.strip() + ")",
                refused.contains("rc=1"));
        // And B drops plaintext that does come: the IN policy wants jswarm's ESP.
        String before = TestNamespacesInGuest.sh("ip netns exec " + name(nsB) + " cat /proc/net/xfrm_stat");
        k.apply(nsA, new KernelChange.DeleteXfrmPolicy(XfrmContract.block().key()));
        send(nsA, 3);
        Thread.sleep(500);
        String after = TestNamespacesInGuest.sh("ip netns exec " + name(nsB) + " cat /proc/net/xfrm_stat");
        long dropped = stat(after, "XfrmInTmplMismatch") + stat(after, "XfrmInNoPols")
                - stat(before, "XfrmInTmplMismatch") - stat(before, "XfrmInNoPols");
        System.out.println("B's xfrm_stat after 3 plaintext datagrams:\n" + after);
        equal("B dropped the 3 plaintext datagrams by policy", 3L, dropped);
        equal("B's SA saw none of them", 300L, k.xfrmStates(nsB).getFirst().counters().packets());
    }

    private static void send(Netns ns, int n) {
        TestNamespacesInGuest.sh("ip netns exec " + name(ns) + " bash -c 'for i in $(seq " + n
                + "); do echo x >/dev/udp/192.0.2.2/4799; done'");
    }

    private static long stat(String xfrmStat, String key) {
        for (String line : xfrmStat.split("\n")) {
            String[] t = line.trim().split("\\s+");
            if (t.length == 2 && t[0].equals(key)) {
                return Long.parseLong(t[1]);
            }
        }
        return 0;
    }

    private static void equal(String what, Object expected, Object actual) {
        if (!expected.equals(actual)) {
            throw new AssertionError(what + ": expected " + expected + " but was " + actual);
        }
        System.out.println("  ok: " + what);
    }

    private static String name(Netns ns) {
        return ((Netns.AtPath) ns).path().getFileName().toString();
    }

    /** The guest's namespaces: created through the kernel under test, removed with iproute2 after each case. */
    private static final class TestNamespacesInGuest {
        private static final List<Path> created = new ArrayList<>();

        static Netns create(Kernel kernel, String suffix) throws IOException {
            Path p = Netns.IP_NETNS_DIR.resolve("jsxfrm-" + suffix);
            kernel.deleteNamespace(p);
            created.add(p);
            return kernel.createNamespace(p);
        }

        static void removeAll() {
            for (Path p : created.reversed()) {
                sh("ip netns del " + p.getFileName() + " 2>/dev/null; true");
            }
            created.clear();
        }

        static String sh(String script) {
            try {
                Process p = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes());
                p.waitFor(60, TimeUnit.SECONDS);
                return out;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
