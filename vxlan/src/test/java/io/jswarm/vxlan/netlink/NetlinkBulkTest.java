package io.jswarm.vxlan.netlink;

import static io.jswarm.vxlan.testing.TestNamespaces.run;
import static org.junit.jupiter.api.Assertions.*;

import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.Vni;
import io.jswarm.vxlan.kernel.Address;
import io.jswarm.vxlan.kernel.FdbEntry;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.KernelChange.*;
import io.jswarm.vxlan.kernel.LinkSpec;
import io.jswarm.vxlan.kernel.Neighbor;
import io.jswarm.vxlan.testing.RequiresRoot;
import io.jswarm.vxlan.testing.TestNamespaces;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Thousands of FDB and neighbour entries in one apply, checked with iproute2; and a provoked ENOBUFS. */
@RequiresRoot
class NetlinkBulkTest {
    static final int N = 10_000;

    TestNamespaces names;
    NetlinkKernel kernel;
    String name;
    Netns ns;

    @BeforeEach
    void setUp() throws Exception {
        names = TestNamespaces.forRun("jsnl");
        kernel = new NetlinkKernel();
        name = names.name("bulk");
        ns = kernel.createNamespace(Path.of("/run/netns", name));
        kernel.apply(ns,
                new AddAddress(new Address("lo", IpPrefix.parse("192.0.2.1/24"))),
                SetLink.up("lo"),
                new AddLink(new LinkSpec.Vxlan("vxlan0", Vni.of(4097), 4789, IpPrefix.parseAddress("192.0.2.1"),
                        1450, false, true, true, true)),
                SetLink.up("vxlan0"));
    }

    @AfterEach
    void tearDown() {
        try {
            kernel.close();
        } finally {
            names.close();
        }
    }

    /** Entry i: overlay IP in 198.51.0.0/16-like space of the test ranges, VTEP in 203.0.113.0/24. */
    static List<KernelChange> adds(int n) {
        List<KernelChange> changes = new ArrayList<>(2 * n);
        IpPrefix overlay = IpPrefix.parse("10.200.0.0/16");
        for (int i = 0; i < n; i++) {
            InetAddress ip = overlay.addressAt(i + 1);
            MacAddress mac = MacAddress.forIpv4((java.net.Inet4Address) ip);
            InetAddress vtep = IpPrefix.parse("203.0.113.0/24").addressAt(1 + i % 250);
            changes.add(new SetFdb(FdbEntry.remote("vxlan0", mac, vtep)));
            changes.add(new SetNeighbor(Neighbor.permanent("vxlan0", ip, mac)));
        }
        return changes;
    }

    static List<KernelChange> deletes(int n) {
        List<KernelChange> changes = new ArrayList<>(2 * n);
        for (KernelChange c : adds(n)) {
            changes.add(switch (c) {
                case SetFdb f -> new DeleteFdb("vxlan0", f.entry().mac(), f.entry().dst());
                case SetNeighbor s -> new DeleteNeighbor("vxlan0", s.neighbor().ip());
                default -> throw new AssertionError(c);
            });
        }
        return changes;
    }

    long countLines(String output, String needle) {
        return output.lines().filter(l -> l.contains(needle)).count();
    }

    @Test
    void addsAndDeletesTenThousandFdbAndNeighbourEntries() throws Exception {
        kernel.apply(ns, adds(N));
        assertEquals(N, countLines(run("bridge", "-n", name, "fdb", "show", "dev", "vxlan0"), "dst 203.0.113."));
        assertEquals(N, countLines(run("ip", "-n", name, "neigh", "show", "dev", "vxlan0"), "PERMANENT"));
        assertEquals(N, kernel.fdb(ns).stream().filter(f -> f.dst() != null).count());
        var neighbors = kernel.neighbors(ns);
        assertEquals(N, neighbors.stream().filter(Neighbor::permanent).count(),
                () -> neighbors.stream().filter(n -> !n.ip().getHostAddress().startsWith("10.200.")).toList().toString());
        kernel.apply(ns, adds(N)); // idempotent
        kernel.apply(ns, deletes(N));
        assertEquals(0, countLines(run("bridge", "-n", name, "fdb", "show", "dev", "vxlan0"), "dst"));
        assertEquals(0, countLines(run("ip", "-n", name, "neigh", "show", "dev", "vxlan0"), "lladdr"));
        kernel.apply(ns, deletes(N)); // absent: success
    }

    /**
     * A socket with the smallest receive buffer, batches far bigger than it holds, and requests that all
     * answer (deletes of absent entries): the kernel drops answers, and every change still ends applied.
     */
    @Test
    void recoversFromReceiveBufferOverruns() throws Exception {
        Path path = Path.of("/run/netns", name);
        NetlinkSocket socket = Namespaces.callIn(path, () -> NetlinkSocket.open(4096, 1 << 20));
        NetlinkChannel channel = new NetlinkChannel(socket, 4096, 1 << 20);
        try (NamespaceSession session = new NamespaceSession(ns, Namespaces.id(path), channel, () -> { })) {
            List<KernelChange> mixed = new ArrayList<>();
            List<KernelChange> adds = adds(2000);
            List<KernelChange> absent = deletes(4000).subList(4000, 8000);
            for (int i = 0; i < adds.size(); i++) {
                mixed.add(absent.get(i));
                mixed.add(adds.get(i));
            }
            session.apply(mixed);
            assertTrue(channel.maxBatchMessages() < 4096, "no overrun happened: " + channel.maxBatchMessages());
        }
        assertEquals(2000, countLines(run("bridge", "-n", name, "fdb", "show", "dev", "vxlan0"), "dst 203.0.113."));
        assertEquals(2000, countLines(run("ip", "-n", name, "neigh", "show", "dev", "vxlan0"), "PERMANENT"));
    }
}
