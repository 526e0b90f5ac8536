package io.jswarm.vxlan.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.KernelListener;
import io.jswarm.vxlan.kernel.XfrmPolicy;
import io.jswarm.vxlan.kernel.XfrmSelector;
import io.jswarm.vxlan.testing.RequiresRoot;
import io.jswarm.vxlan.testing.TestNamespaces;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@link NetlinkKernel}'s XFRM on the machine's kernel, in namespaces of the {@code jsxfrm} family: the ESP probe
 * agrees with iproute2 (on the CI kernel, without esp4, both say no) and leaves no namespace or SA behind; the
 * listener hears XFRM changes and dumps under their kinds.
 */
@RequiresRoot
class NetlinkXfrmOnLinuxTest {
    private static final String AEAD_SA = "xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x4a010001 "
            + "reqid 0x4a5357 mode transport replay-window 128 flag esn aead rfc4106(gcm(aes)) "
            + "0x000102030405060708090a0b0c0d0e0f10111213 128";

    @Test
    void theEspProbeAgreesWithIproute2AndTouchesNoRealNamespace() throws Exception {
        try (TestNamespaces namespaces = TestNamespaces.forRun("jsxfrm");
             NetlinkKernel kernel = new NetlinkKernel()) {
            String oracle = namespaces.create("esp");
            boolean iproute2Can;
            try {
                TestNamespaces.run(concat(List.of("ip", "-n", oracle), AEAD_SA.split(" ")));
                iproute2Can = true;
            } catch (IllegalStateException e) {
                iproute2Can = false;
            }
            List<String> before = netns();
            String hostSas = TestNamespaces.run("ip", "xfrm", "state", "list");

            boolean probed = kernel.espSupported();

            assertEquals(iproute2Can, probed, "NetlinkKernel.espSupported() against `ip xfrm state add ... aead`");
            assertEquals(probed, kernel.espSupported(), "cached");
            assertEquals(before, netns(), "the probe binds no namespace");
            assertEquals(hostSas, TestNamespaces.run("ip", "xfrm", "state", "list"), "nor adds SAs to this one");
        }
    }

    @Test
    void xfrmChangesAndDumpsReachTheListener() throws Exception {
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
        try (TestNamespaces namespaces = TestNamespaces.forRun("jsxfrm");
             NetlinkKernel kernel = new NetlinkKernel(NetlinkKernel.Settings.defaults(), listener)) {
            Netns ns = Netns.named(namespaces.create("kl"));
            XfrmPolicy block = new XfrmPolicy(XfrmSelector.udpTo(4799), XfrmPolicy.Direction.OUT, 200,
                    XfrmPolicy.Action.BLOCK, null);
            kernel.apply(ns, new KernelChange.SetXfrmPolicy(block), new KernelChange.DeleteXfrmPolicy(block.key()),
                    new KernelChange.DeleteXfrmPolicy(block.key()));
            kernel.xfrmPolicies(ns);
            kernel.xfrmStates(ns);
            assertThrows(java.nio.file.NoSuchFileException.class,
                    () -> kernel.xfrmPolicies(Netns.named(namespaces.name("gone"))));

            assertEquals(Map.of("SetXfrmPolicy", 1, "DeleteXfrmPolicy", 2, "dump.xfrm_policies", 2,
                    "dump.xfrm_states", 1), ops);
            assertEquals(List.of("dump.xfrm_policies EIO"), failures);
        }
    }

    private static List<String> netns() throws Exception {
        Path dir = Path.of("/run/netns");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("jsxfrm")).sorted().toList();
        }
    }

    private static String[] concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all.toArray(String[]::new);
    }
}
