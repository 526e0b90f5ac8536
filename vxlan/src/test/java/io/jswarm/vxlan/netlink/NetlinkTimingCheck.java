package io.jswarm.vxlan.netlink;

import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.Vni;
import io.jswarm.vxlan.kernel.Address;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.KernelChange.*;
import io.jswarm.vxlan.kernel.LinkSpec;
import io.jswarm.vxlan.testing.RequiresRoot;
import io.jswarm.vxlan.testing.TestNamespaces;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Throw-away timing check, not a test: prints how long 10k FDB + 10k neighbour entries take through
 * NetlinkKernel (warm JVM; min and median of several rounds per batch size, sizes interleaved so machine
 * load hits them alike) and through {@code bridge -batch} + {@code ip -batch}. Run as root with
 * {@code -Djswarm.timing=true -Dtest=NetlinkTimingCheck [-Djswarm.batches=256,4096]}.
 */
@RequiresRoot
@EnabledIfSystemProperty(named = "jswarm.timing", matches = "true")
class NetlinkTimingCheck {
    static final int ROUNDS = 8;

    @Test
    void time() throws Exception {
        int[] batches = Arrays.stream(System.getProperty("jswarm.batches", "256,1024,4096").split(","))
                .mapToInt(Integer::parseInt).toArray();
        List<KernelChange> adds = NetlinkBulkTest.adds(10_000);
        List<KernelChange> deletes = NetlinkBulkTest.deletes(10_000);
        try (TestNamespaces names = TestNamespaces.forRun("jsnl")) {
            String name = names.name("time");
            long[][] add = new long[batches.length][ROUNDS];
            long[][] del = new long[batches.length][ROUNDS];
            try (NetlinkKernel setup = new NetlinkKernel()) {
                Netns ns = setup.createNamespace(Path.of("/run/netns", name));
                setup.apply(ns, new AddAddress(new Address("lo", IpPrefix.parse("192.0.2.1/24"))), SetLink.up("lo"),
                        new AddLink(new LinkSpec.Vxlan("vxlan0", Vni.of(4097), 4789,
                                IpPrefix.parseAddress("192.0.2.1"), 1450, false, true, true, true)),
                        SetLink.up("vxlan0"));
            }
            Netns ns = Netns.named(name);
            NetlinkKernel[] kernels = new NetlinkKernel[batches.length];
            for (int b = 0; b < batches.length; b++) {
                kernels[b] = new NetlinkKernel(new NetlinkKernel.Settings(8 << 20, 4 << 20, batches[b], 1 << 20));
                kernels[b].apply(ns, adds); // warm-up
                kernels[b].apply(ns, deletes);
            }
            for (int round = 0; round < ROUNDS; round++) {
                for (int b = 0; b < batches.length; b++) {
                    long t0 = System.nanoTime();
                    kernels[b].apply(ns, adds);
                    long t1 = System.nanoTime();
                    kernels[b].apply(ns, deletes);
                    add[b][round] = t1 - t0;
                    del[b][round] = System.nanoTime() - t1;
                }
            }
            for (int b = 0; b < batches.length; b++) {
                kernels[b].close();
                System.out.printf("netlink batch %d: add min %.1f ms median %.1f ms; delete min %.1f ms median %.1f ms%n",
                        batches[b], min(add[b]), median(add[b]), min(del[b]), median(del[b]));
            }
            manyNamespaces(names);
            for (int round = 0; round < Integer.getInteger("jswarm.iproute2.rounds", 2); round++) {
                long t0 = System.nanoTime();
                batch(name, true);
                long t1 = System.nanoTime();
                batch(name, false);
                System.out.printf("iproute2 -batch: add %.1f ms, delete %.1f ms%n", (t1 - t0) / 1e6,
                        (System.nanoTime() - t1) / 1e6);
            }
        }
    }

    /** 20 namespaces x (1000 FDB + 1000 neighbours), one apply per namespace, sequentially, sockets open. */
    private static void manyNamespaces(TestNamespaces names) throws Exception {
        try (NetlinkKernel kernel = new NetlinkKernel()) {
            List<Netns> spaces = new java.util.ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Netns ns = kernel.createNamespace(Path.of("/run/netns", names.name("m" + i)));
                kernel.apply(ns, new AddAddress(new Address("lo", IpPrefix.parse("192.0.2.1/24"))), SetLink.up("lo"),
                        new AddLink(new LinkSpec.Vxlan("vxlan0", Vni.of(4097), 4789,
                                IpPrefix.parseAddress("192.0.2.1"), 1450, false, true, true, true)));
                spaces.add(ns);
            }
            List<KernelChange> adds = NetlinkBulkTest.adds(1000);
            List<KernelChange> deletes = NetlinkBulkTest.deletes(1000);
            for (int round = 0; round < 5; round++) {
                long t0 = System.nanoTime();
                for (Netns ns : spaces) {
                    kernel.apply(ns, adds);
                }
                long t1 = System.nanoTime();
                for (Netns ns : spaces) {
                    kernel.apply(ns, deletes);
                }
                System.out.printf("20 namespaces x (1000 FDB + 1000 neigh): add %.1f ms, delete %.1f ms%n",
                        (t1 - t0) / 1e6, (System.nanoTime() - t1) / 1e6);
            }
        }
    }

    private static double min(long[] ns) {
        return Arrays.stream(ns).min().orElseThrow() / 1e6;
    }

    private static double median(long[] ns) {
        long[] s = ns.clone();
        Arrays.sort(s);
        return s[s.length / 2] / 1e6;
    }

    private static void batch(String ns, boolean add) throws Exception {
        StringBuilder fdb = new StringBuilder();
        StringBuilder neigh = new StringBuilder();
        for (KernelChange c : NetlinkBulkTest.adds(10_000)) {
            if (c instanceof SetFdb f) {
                fdb.append(add ? "fdb replace " : "fdb del ").append(f.entry().mac()).append(" dev vxlan0 dst ")
                        .append(f.entry().dst().getHostAddress()).append(add ? " self permanent\n" : " self\n");
            } else if (c instanceof SetNeighbor s) {
                neigh.append(add ? "neigh replace " : "neigh del ").append(s.neighbor().ip().getHostAddress())
                        .append(add ? " lladdr " + s.neighbor().mac() + " nud permanent" : "")
                        .append(" dev vxlan0\n");
            }
        }
        feed(fdb, "ip", "netns", "exec", ns, "bridge", "-batch", "-");
        feed(neigh, "ip", "-n", ns, "-batch", "-");
    }

    private static void feed(CharSequence input, String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(input.toString().getBytes(StandardCharsets.UTF_8));
        }
        p.waitFor();
    }
}
