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
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Throw-away timing check, not a test: prints how long 10k FDB + 10k neighbour entries take through
 * NetlinkKernel (warm) and through {@code bridge -batch} + {@code ip -batch}. Run with
 * {@code -Djswarm.timing=true -Dtest=NetlinkTimingCheck}.
 */
@RequiresRoot
@EnabledIfSystemProperty(named = "jswarm.timing", matches = "true")
class NetlinkTimingCheck {

    @Test
    void time() throws Exception {
        try (TestNamespaces names = TestNamespaces.forRun("jsnl"); NetlinkKernel kernel = new NetlinkKernel()) {
            String name = names.name("time");
            Netns ns = kernel.createNamespace(Path.of("/run/netns", name));
            kernel.apply(ns, new AddAddress(new Address("lo", IpPrefix.parse("192.0.2.1/24"))), SetLink.up("lo"),
                    new AddLink(new LinkSpec.Vxlan("vxlan0", Vni.of(4097), 4789, IpPrefix.parseAddress("192.0.2.1"),
                            1450, false, true, true, true)), SetLink.up("vxlan0"));
            List<KernelChange> adds = NetlinkBulkTest.adds(10_000);
            List<KernelChange> deletes = NetlinkBulkTest.deletes(10_000);
            for (int round = 0; round < 8; round++) {
                long t0 = System.nanoTime();
                kernel.apply(ns, adds);
                long t1 = System.nanoTime();
                kernel.apply(ns, deletes);
                long t2 = System.nanoTime();
                System.out.printf("netlink round %d: add %.1f ms, delete %.1f ms%n", round, (t1 - t0) / 1e6,
                        (t2 - t1) / 1e6);
            }
            for (int round = 0; round < 2; round++) {
                long t0 = System.nanoTime();
                batch(name, true);
                long t1 = System.nanoTime();
                batch(name, false);
                long t2 = System.nanoTime();
                System.out.printf("iproute2 -batch round %d: add %.1f ms, delete %.1f ms%n", round, (t1 - t0) / 1e6,
                        (t2 - t1) / 1e6);
            }
        }
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
