package io.jswarm.agent.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.proto.cluster.ClusterView;
import io.jswarm.proto.cluster.NetworkAttachRequest;
import io.jswarm.proto.cluster.NetworkConnectRequest;
import io.jswarm.proto.cluster.NetworkDetachRequest;
import io.jswarm.proto.cluster.NetworkDisconnectRequest;
import io.jswarm.proto.cluster.NetworkInspectRequest;
import io.jswarm.proto.cluster.NetworkView;
import io.jswarm.proto.cluster.NodeInfo;
import io.jswarm.vxlan.DataplaneConfig;
import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.KernelDataplane;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.kernel.Address;
import io.jswarm.vxlan.kernel.FakeKernel;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.LinkSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A daemon killed at any step of attach, connect, disconnect or detach leaves, after its restart, the whole
 * change or none of it: no half-made namespace or veth, no address the manager keeps for nothing, no name
 * blocked. The kill is an {@link Error} thrown at every changing kernel call and at every step of the
 * write-ahead changes; the restart is a new agent and data plane over the same kernel, state and manager.
 */
class NetworkAgentCrashTest {
    private static final String SELF = "node000000000000000000001";
    private static final List<String> ATTACH_STEPS = List.of("attach:allocated", "attach:journaled", "attach:kernel",
            "attach:committed");
    private static final List<String> REMOVE_STEPS = List.of("remove:journaled", "remove:table", "remove:kernel",
            "remove:saved");

    @TempDir
    Path root;
    private final List<NetworkAgent> agents = new ArrayList<>();

    /** One world: a kernel (survives kills), a manager (survives kills), a state directory (survives kills). */
    final class World {
        final FakeKernel fake = new FakeKernel();
        final KillingKernel kernel = new KillingKernel(fake);
        final NetworkAgentTest.FakeApi api = new NetworkAgentTest.FakeApi();
        final NetworkAgentTest.FakeResolver dns = new NetworkAgentTest.FakeResolver();
        final Path dir;
        final Netns host;

        World(String name) throws IOException {
            dir = Files.createDirectories(root.resolve(name));
            api.record = true;
            host = fake.createNamespace(Path.of("/run/netns/jscr-host"));
            fake.apply(host, List.of(new KernelChange.AddLink(new LinkSpec.Bridge("ul0", 1500, null)),
                    new KernelChange.AddAddress(new Address("ul0", IpPrefix.parse("192.0.2.1/24"))),
                    KernelChange.SetLink.up("ul0")));
        }

        /** A daemon (re)start: a fresh data plane and agent over what survived. */
        NetworkAgent start() throws IOException {
            var dp = new KernelDataplane(kernel, new DataplaneConfig(host, Path.of("/run/jscr-test")));
            var s = new NetworkAgent.Settings(dir, Duration.ofSeconds(3), Duration.ofSeconds(30), Duration.ofMillis(50));
            NetworkAgent a = new NetworkAgent(SELF, () -> api, dp, dns, s);
            agents.add(a);
            a.start();
            a.onView(ClusterView.newBuilder().setDataPathPort(4789)
                    .addNodes(NodeInfo.newBuilder().setId(SELF).setHostname("h1").setAddr("192.0.2.1"))
                    .addNetworks(NetworkView.newBuilder().setNetwork(NetworkAgentTest.NET)).build());
            return a;
        }

        /** After a restart: the orphan check has run and every pending release reached the manager. */
        NetworkAgent restart(NetworkAgent killed) throws Exception {
            killed.close();
            NetworkAgent b = start();
            b.releaseOrphans();
            await(() -> b.pendingReleases() == 0, "pending releases reach the manager");
            return b;
        }

        List<String> recordedIds() {
            return api.ownEndpoints().getEndpointsList().stream().map(e -> e.getEndpointId()).toList();
        }
    }

    @AfterEach
    void close() {
        agents.forEach(NetworkAgent::close);
    }

    private static NetworkAttachRequest attach(String name) {
        return NetworkAttachRequest.newBuilder().setNetwork("ov").setName(name).build();
    }

    @Test
    void attachKilledAtAnyStepIsWholeOrNothingAfterRestart() throws Exception {
        int kernelCalls = countKernelCalls(w -> w.start().attach(attach("jscr-c")));
        assertTrue(kernelCalls >= 3, "an attach changes the kernel several times: " + kernelCalls);
        List<String> points = new ArrayList<>(ATTACH_STEPS);
        for (int k = 1; k <= kernelCalls; k++) {
            points.add("kernel#" + k);
        }
        for (String point : points) {
            World w = new World("attach-" + point.replace(':', '-').replace('#', '-'));
            var before = w.fake.snapshot();
            NetworkAgent a = w.start();
            arm(w, a, point);
            assertThrows(KillingKernel.Killed.class, () -> a.attach(attach("jscr-c")), point);
            NetworkAgent b = w.restart(a);
            int containers = b.inspect(NetworkInspectRequest.newBuilder().setNetwork("ov").build()).getContainersCount();
            if (point.equals("attach:committed")) {
                assertEquals(1, containers, point + ": the whole endpoint");
                assertTrue(w.fake.namespaceExists(Path.of("/run/netns/jscr-c")), point);
                assertEquals(1, w.recordedIds().size(), point + ": the manager keeps its address");
            } else {
                assertEquals(0, containers, point + ": nothing");
                assertEquals(before, w.fake.snapshot(), point + ": nothing half-made in the kernel");
                assertEquals(List.of(), w.recordedIds(), point + ": the address is released");
                b.attach(attach("jscr-c")); // the name is not blocked
                assertTrue(w.fake.namespaceExists(Path.of("/run/netns/jscr-c")), point);
            }
            assertTrue(b.reconcileNow().clean(), point + ": the kernel is exactly what the agent wants");
        }
    }

    @Test
    void detachKilledAtAnyStepIsFinishedAfterRestart() throws Exception {
        int kernelCalls = countKernelCalls(w -> {
            NetworkAgent a = w.start();
            a.attach(attach("jscr-d"));
            w.kernel.killAt(0);
            a.detach(NetworkDetachRequest.newBuilder().setSandbox("jscr-d").build());
        });
        List<String> points = new ArrayList<>(REMOVE_STEPS);
        for (int k = 1; k <= kernelCalls; k++) {
            points.add("kernel#" + k);
        }
        for (String point : points) {
            World w = new World("detach-" + point.replace(':', '-').replace('#', '-'));
            var before = w.fake.snapshot();
            NetworkAgent a = w.start();
            a.attach(attach("jscr-d"));
            arm(w, a, point);
            assertThrows(KillingKernel.Killed.class,
                    () -> a.detach(NetworkDetachRequest.newBuilder().setSandbox("jscr-d").build()), point);
            NetworkAgent b = w.restart(a);
            assertEquals(0, b.inspect(NetworkInspectRequest.newBuilder().setNetwork("ov").build()).getContainersCount(),
                    point);
            assertEquals(before, w.fake.snapshot(), point + ": the removal is complete in the kernel");
            assertEquals(List.of(), w.recordedIds(), point + ": and at the manager");
            assertTrue(b.reconcileNow().clean(), point);
        }
    }

    @Test
    void connectAndDisconnectKilledAtAnyStepNeverTouchTheRuntimesNamespace() throws Exception {
        int connectCalls = countKernelCalls(w -> w.start().connect(connect(runtime(w))));
        int disconnectCalls = countKernelCalls(w -> {
            NetworkAgent a = w.start();
            a.connect(connect(runtime(w)));
            w.kernel.killAt(0);
            a.disconnect(disconnect());
        });
        List<String> points = new ArrayList<>(ATTACH_STEPS);
        points.addAll(REMOVE_STEPS);
        for (int k = 1; k <= connectCalls; k++) {
            points.add("kernel#" + k);
        }
        for (int k = 1; k <= disconnectCalls; k++) {
            points.add("remove:kernel#" + k);
        }
        for (String point : points) {
            World w = new World("connect-" + point.replace(':', '-').replace('#', '-'));
            Netns ns = runtime(w);
            var before = w.fake.snapshot();
            NetworkAgent a = w.start();
            boolean removing = point.startsWith("remove:");
            if (removing) {
                a.connect(connect(ns));
            }
            arm(w, a, point.replace("remove:kernel#", "kernel#"));
            if (removing) {
                assertThrows(KillingKernel.Killed.class, () -> a.disconnect(disconnect()), point);
            } else {
                assertThrows(KillingKernel.Killed.class, () -> a.connect(connect(ns)), point);
            }
            NetworkAgent b = w.restart(a);
            assertTrue(w.fake.namespaceExists(RUNTIME), point + ": the runtime's namespace stays");
            assertTrue(w.fake.links(ns).stream().anyMatch(l -> l.name().equals("eth0")), point + ": and its eth0");
            int containers = b.inspect(NetworkInspectRequest.newBuilder().setNetwork("ov").build()).getContainersCount();
            if (point.equals("attach:committed")) {
                assertEquals(1, containers, point);
                assertTrue(w.fake.links(ns).stream().anyMatch(l -> l.name().equals("eth1")), point);
            } else {
                assertEquals(0, containers, point);
                assertEquals(before, w.fake.snapshot(), point + ": nothing of jswarm's left");
                assertEquals(List.of(), w.recordedIds(), point);
            }
            assertTrue(b.reconcileNow().clean(), point);
        }
    }

    private static final Path RUNTIME = Path.of("/run/netns/jscr-runtime");

    /** A container runtime's namespace with its own eth0. */
    private static Netns runtime(World w) throws IOException {
        if (w.fake.namespaceExists(RUNTIME)) {
            return Netns.at(RUNTIME);
        }
        Netns ns = w.fake.createNamespace(RUNTIME);
        w.fake.apply(ns, List.of(new KernelChange.AddLink(new LinkSpec.Bridge("eth0", 1500, null)),
                KernelChange.SetLink.up("eth0")));
        return ns;
    }

    private static NetworkConnectRequest connect(Netns ns) {
        return NetworkConnectRequest.newBuilder().setNetwork("ov").setSandbox(RUNTIME.toString()).setName("web").build();
    }

    private static NetworkDisconnectRequest disconnect() {
        return NetworkDisconnectRequest.newBuilder().setNetwork("ov").setSandbox(RUNTIME.toString()).build();
    }

    @Test
    void detachWhileTheManagerIsUnreachableReleasesOnceItIsBack() throws Exception {
        World w = new World("unreachable");
        NetworkAgent a = w.start();
        var r = a.attach(attach("jscr-u"));
        w.api.unreachable = true;
        a.detach(NetworkDetachRequest.newBuilder().setSandbox("jscr-u").build());
        assertFalse(w.fake.namespaceExists(Path.of("/run/netns/jscr-u")), "gone locally at once");
        assertEquals(List.of(r.getEndpointId()), w.recordedIds(), "the manager could not release it yet");
        w.api.unreachable = false;
        await(() -> w.recordedIds().isEmpty(), "released once the manager is back");

        // Across a restart too: the pending release is saved with the removal.
        var r2 = a.attach(attach("jscr-u"));
        w.api.unreachable = true;
        a.detach(NetworkDetachRequest.newBuilder().setSandbox("jscr-u").build());
        a.close();
        assertEquals(List.of(r2.getEndpointId()), w.recordedIds());
        w.api.unreachable = false;
        w.start();
        await(() -> w.recordedIds().isEmpty(), "released by the restarted agent");
    }

    /** A kill point: a named step of the write-ahead change, or the n-th changing kernel call. */
    private static void arm(World w, NetworkAgent a, String point) {
        if (point.startsWith("kernel#")) {
            a.steps(AgentCore.Steps.NONE);
            w.kernel.killAt(Integer.parseInt(point.substring("kernel#".length())));
        } else {
            a.steps(step -> {
                if (step.equals(point)) {
                    throw new KillingKernel.Killed(step);
                }
            });
        }
    }

    interface WorldAction {
        void run(World w) throws Exception;
    }

    /** How many changing kernel calls {@code action} makes once the kernel is armed (counted, never killed). */
    private int countKernelCalls(WorldAction action) throws Exception {
        World w = new World("count-" + System.nanoTime());
        w.kernel.killAt(Integer.MAX_VALUE);
        action.run(w);
        return w.kernel.calls();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(10);
        }
    }
}
