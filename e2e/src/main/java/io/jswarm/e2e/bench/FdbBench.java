package io.jswarm.e2e.bench;

import io.jswarm.cli.Kernels;
import io.jswarm.testkit.Exec;
import io.jswarm.testkit.HostLab;
import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.Vni;
import io.jswarm.vxlan.kernel.FdbEntry;
import io.jswarm.vxlan.kernel.Kernel;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.LinkSpec;
import io.jswarm.vxlan.kernel.Neighbor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Programs N FDB + N neighbour entries on a VXLAN device and deletes them again, once through jswarm's
 * netlink layer ({@link Kernel#apply}, one call per direction) and once through iproute2 in its fastest
 * form (one {@code bridge -batch -} and one {@code ip -batch -} process), in the same fresh namespace.
 * Each method runs 5 times; medians are reported. Counts are verified with iproute2 after every step.
 */
final class FdbBench {
    private static final int REPEATS = 5;

    private FdbBench() {
    }

    static Map<String, Object> run(int entries, String family) throws IOException {
        try (Kernel kernel = Kernels.open(); HostLab lab = HostLab.create(kernel, family, 1)) {
            HostLab.Host h = lab.host(1);
            Netns ns = h.ns();
            // The device under test: as jswarm makes it (learning off, proxy/l2miss/l3miss), on a bridge.
            kernel.apply(ns, new KernelChange.AddLink(new LinkSpec.Bridge("br0", 0, null)),
                    new KernelChange.AddLink(new LinkSpec.Vxlan("vxlan0", Vni.of(4097), 4789, h.underlay(), 1450,
                            false, true, true, true)),
                    new KernelChange.SetLink("vxlan0", true, null, null, "br0"), KernelChange.SetLink.up("br0"));
            List<Entry> all = entries(entries);

            // Warm-up: JIT the encoder and socket paths, as a running daemon would be.
            for (int size : new int[] {500, 1000, 2000, 5000, 5000, 5000, 5000, 5000}) {
                List<Entry> some = all.subList(0, Math.min(size, all.size()));
                kernel.apply(ns, adds(some));
                kernel.apply(ns, deletes(some));
            }
            List<Double> jsAdd = new ArrayList<>();
            List<Double> jsDel = new ArrayList<>();
            List<Double> ipAdd = new ArrayList<>();
            List<Double> ipDel = new ArrayList<>();
            List<KernelChange> add = adds(all);
            List<KernelChange> del = deletes(all);
            String bridgeAdd = batch(all, e -> "fdb replace " + e.mac + " dev vxlan0 dst " + e.vtep.getHostAddress()
                    + " self permanent");
            String ipAddText = batch(all, e -> "neigh replace " + e.ip.getHostAddress() + " lladdr " + e.mac
                    + " dev vxlan0 nud permanent");
            String bridgeDel = batch(all, e -> "fdb del " + e.mac + " dev vxlan0 dst " + e.vtep.getHostAddress() + " self");
            String ipDelText = batch(all, e -> "neigh del " + e.ip.getHostAddress() + " dev vxlan0");
            for (int r = 1; r <= REPEATS; r++) {
                long t0 = System.nanoTime();
                kernel.apply(ns, add);
                jsAdd.add(ms(t0));
                verify(h, entries, "jswarm add");
                t0 = System.nanoTime();
                kernel.apply(ns, del);
                jsDel.add(ms(t0));
                verify(h, 0, "jswarm delete");

                t0 = System.nanoTime();
                batchRun(h, "bridge", bridgeAdd);
                batchRun(h, "ip", ipAddText);
                ipAdd.add(ms(t0));
                verify(h, entries, "iproute2 add");
                t0 = System.nanoTime();
                batchRun(h, "bridge", bridgeDel);
                batchRun(h, "ip", ipDelText);
                ipDel.add(ms(t0));
                verify(h, 0, "iproute2 delete");
                Bench.log(String.format("round %d: jswarm add %.1f ms, del %.1f ms; iproute2 add %.1f ms, del %.1f ms",
                        r, jsAdd.getLast(), jsDel.getLast(), ipAdd.getLast(), ipDel.getLast()));
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("bench", "fdb");
            out.put("entries", entries);
            out.put("jswarm_add_ms", Bench.median(jsAdd));
            out.put("jswarm_del_ms", Bench.median(jsDel));
            out.put("iproute2_add_ms", Bench.median(ipAdd));
            out.put("iproute2_del_ms", Bench.median(ipDel));
            out.put("speedup_add", Bench.median(ipAdd) / Bench.median(jsAdd));
            out.put("speedup_del", Bench.median(ipDel) / Bench.median(jsDel));
            out.put("repeats", REPEATS);
            return out;
        }
    }

    /** One entry: a remote endpoint's MAC and IP behind a VTEP (overlay 10.0.x.y, underlay 192.0.2.0/24). */
    private record Entry(MacAddress mac, InetAddress ip, InetAddress vtep) {
    }

    private static List<Entry> entries(int n) throws UnknownHostException {
        List<Entry> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int x = i / 254;
            int y = i % 254 + 1;
            MacAddress mac = new MacAddress(0x02_00_00_000000L | i);
            list.add(new Entry(mac, InetAddress.getByAddress(new byte[] {10, 0, (byte) x, (byte) y}),
                    InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, (byte) (100 + i % 100)})));
        }
        return list;
    }

    private static List<KernelChange> adds(List<Entry> entries) {
        List<KernelChange> changes = new ArrayList<>(entries.size() * 2);
        entries.forEach(e -> changes.add(new KernelChange.SetFdb(FdbEntry.remote("vxlan0", e.mac, e.vtep))));
        entries.forEach(e -> changes.add(new KernelChange.SetNeighbor(Neighbor.permanent("vxlan0", e.ip, e.mac))));
        return changes;
    }

    private static List<KernelChange> deletes(List<Entry> entries) {
        List<KernelChange> changes = new ArrayList<>(entries.size() * 2);
        entries.forEach(e -> changes.add(new KernelChange.DeleteFdb("vxlan0", e.mac, e.vtep)));
        entries.forEach(e -> changes.add(new KernelChange.DeleteNeighbor("vxlan0", e.ip)));
        return changes;
    }

    private static String batch(List<Entry> entries, java.util.function.Function<Entry, String> line) {
        StringBuilder s = new StringBuilder(entries.size() * 64);
        entries.forEach(e -> s.append(line.apply(e)).append('\n'));
        return s.toString();
    }

    /** One iproute2 process reading a whole batch from stdin: the fastest way a shell script can do it. */
    private static void batchRun(HostLab.Host h, String tool, String input) {
        Exec.run(300, input, List.of(tool, "-n", h.nsName(), "-batch", "-")).orThrow();
    }

    /** Counts with iproute2, as the brief says: FDB entries with a dst, and neighbour lines, on vxlan0. */
    private static void verify(HostLab.Host h, int expected, String step) {
        String n = h.nsName();
        int fdb = count("bridge -n " + n + " fdb show dev vxlan0 | grep -c dst || true");
        int neigh = count("ip -n " + n + " neigh show dev vxlan0 | wc -l");
        if (fdb != expected || neigh != expected) {
            throw new IllegalStateException(step + ": expected " + expected + " FDB and neighbour entries, found "
                    + fdb + " FDB and " + neigh + " neighbour entries");
        }
    }

    private static int count(String pipeline) {
        return Integer.parseInt(Exec.run(120, List.of("sh", "-c", pipeline)).orThrow().strip());
    }

    private static double ms(long t0) {
        return (System.nanoTime() - t0) / 1e6;
    }
}
