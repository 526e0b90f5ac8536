package io.jswarm.vxlan.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.KernelException;
import io.jswarm.vxlan.kernel.KernelListener;
import io.jswarm.vxlan.kernel.LinkSpec;
import io.jswarm.vxlan.testing.RequiresRoot;
import io.jswarm.vxlan.testing.TestNamespaces;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** {@link NetlinkKernel} tells its listener about every batch, dump and failure, on the real kernel. */
@RequiresRoot
class NetlinkKernelListenerTest {
    @Test
    void batchesDumpsAndFailuresReachTheListener() throws Exception {
        Map<String, Integer> ops = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        KernelListener listener = new KernelListener() {
            @Override
            public synchronized void operations(String kind, int count) {
                ops.merge(kind, count, Integer::sum);
            }

            @Override
            public synchronized void failure(String kind, String errnoName) {
                failures.add(kind + " " + errnoName);
            }
        };
        try (TestNamespaces namespaces = TestNamespaces.forRun("jsvann");
             NetlinkKernel kernel = new NetlinkKernel(NetlinkKernel.Settings.defaults(), listener)) {
            Netns ns = Netns.named(namespaces.create("kl"));
            KernelChange add = new KernelChange.AddLink(new LinkSpec.Bridge("jsbr0", 0, null));
            kernel.apply(ns, add);
            assertThrows(KernelException.class, () -> kernel.apply(ns, add, KernelChange.SetLink.up("jsbr0")));
            kernel.links(ns);

            assertEquals(Map.of("AddLink", 2, "SetLink", 1, "dump.links", 1), ops);
            assertEquals(List.of("AddLink EEXIST"), failures);
        }
    }
}
