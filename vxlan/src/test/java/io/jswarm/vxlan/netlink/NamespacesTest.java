package io.jswarm.vxlan.netlink;

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
import io.jswarm.vxlan.testing.RequiresRoot;
import io.jswarm.vxlan.testing.TestNamespaces;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Namespace switching stays on its own platform threads; sessions are shared safely by (virtual) threads. */
@RequiresRoot
class NamespacesTest {
    TestNamespaces names;
    NetlinkKernel kernel;

    @BeforeEach
    void setUp() {
        names = TestNamespaces.forRun("jsnl");
        kernel = new NetlinkKernel();
    }

    @AfterEach
    void tearDown() {
        try {
            kernel.close();
        } finally {
            names.close();
        }
    }

    static String threadNs() throws java.io.IOException {
        return Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
    }

    @Test
    void callInRunsInsideTheNamespaceAndLeavesTheCallerWhereItWas() throws Exception {
        Path path = Path.of("/run/netns", names.name("ns"));
        kernel.createNamespace(path);
        String before = threadNs();
        String inside = Namespaces.callIn(path, NamespacesTest::threadNs);
        assertEquals("net:[" + Namespaces.id(path).inode() + "]", inside);
        assertNotEquals(before, inside);
        assertEquals(before, threadNs());
        assertEquals(inside, callFromVirtualThread(path));
        assertEquals(before, threadNs());
    }

    private static String callFromVirtualThread(Path path) throws Exception {
        try (ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
            return virtual.submit(() -> Namespaces.callIn(path, NamespacesTest::threadNs)).get();
        }
    }

    @Test
    void theCurrentNamespaceCanBeReadWithoutTouchingIt() throws Exception {
        assertTrue(Netlink.isAvailable(), () -> String.valueOf(Netlink.unavailabilityCause()));
        assertTrue(kernel.links(Netns.current()).stream().anyMatch(l -> l.name().equals("lo")));
    }

    /** Virtual threads apply to two namespaces at once, several threads per namespace; nothing is lost. */
    @Test
    void concurrentAppliesFromVirtualThreads() throws Exception {
        List<Netns> spaces = new ArrayList<>();
        for (String suffix : List.of("c1", "c2")) {
            Netns ns = kernel.createNamespace(Path.of("/run/netns", names.name(suffix)));
            kernel.apply(ns, new AddAddress(new Address("lo", IpPrefix.parse("192.0.2.1/24"))), SetLink.up("lo"),
                    new AddLink(new LinkSpec.Vxlan("vxlan0", Vni.of(4097), 4789, IpPrefix.parseAddress("192.0.2.1"),
                            0, false, true, true, true)));
            spaces.add(ns);
        }
        List<Callable<Void>> tasks = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Netns ns = spaces.get(t % 2);
            int first = t * 500;
            tasks.add(() -> {
                List<KernelChange> changes = new ArrayList<>();
                for (int i = first; i < first + 500; i++) {
                    changes.add(new SetFdb(FdbEntry.remote("vxlan0", new MacAddress(0x0242_0000_0000L + i),
                            IpPrefix.parse("203.0.113.0/24").addressAt(1 + i % 250))));
                }
                kernel.apply(ns, changes);
                return null;
            });
        }
        try (ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Future<Void> f : virtual.invokeAll(tasks)) {
                f.get();
            }
        }
        for (Netns ns : spaces) {
            assertEquals(2000, kernel.fdb(ns).stream().filter(f -> f.dst() != null).count());
        }
    }
}
