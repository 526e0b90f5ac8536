package io.jswarm.e2e.cluster;

import static io.jswarm.e2e.cluster.ClusterE2ETest.await;
import static io.jswarm.e2e.cluster.ClusterE2ETest.awaitDaemon;
import static io.jswarm.e2e.cluster.ClusterE2ETest.cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.cli.cluster.DaemonClient;
import io.jswarm.cli.cluster.DaemonHost;
import io.jswarm.proto.cluster.NetworkInspectRequest;
import io.jswarm.proto.cluster.NetworkInspectResponse;
import io.jswarm.vxlan.testing.RequiresRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A daemon that dies (the process halts, as under SIGKILL) at each step of an attach or a detach leaves, after
 * its restart, the whole change or none of it, on the real kernel: no half-made sandbox or network namespace,
 * no address the manager keeps for nothing, the name free again. The daemon is the manager itself (one host),
 * so the manager's state is checked across the same kill. The unit test {@code NetworkAgentCrashTest} adds a
 * kill at every single kernel call over the in-memory kernel.
 */
@RequiresRoot
class CrashConsistencyE2ETest {
    private static final String D = "jscrash-h1";

    @Test
    void aDaemonKilledAtAnyStepOfAttachOrDetachLeavesAllOrNothing() throws Exception {
        try (ClusterLab lab = ClusterLab.create("jscrash")) {
            Process daemon = lab.startDaemon(1, D);
            awaitDaemon(lab, D);
            assertEquals(0, cli(lab, D, "init", "--advertise-addr", ClusterLab.addr(1)).rc());
            assertEquals(0, cli(lab, D, "network", "create", "-d", "overlay", "--attachable", "jscrash-ov").rc());
            String c = lab.sandbox("c");
            for (String step : List.of("attach:allocated", "attach:journaled", "attach:kernel", "attach:committed",
                    "remove:journaled", "remove:table", "remove:kernel", "remove:saved")) {
                boolean removing = step.startsWith("remove:");
                if (removing) {
                    assertEquals(0, cli(lab, D, "network", "attach", "jscrash-ov", "--name", c).rc(), step);
                }
                daemon = restart(lab, daemon, Map.of("JSWARM_UNSAFE_CRASH_AT", step));
                var r = removing ? cli(lab, D, "network", "detach", c)
                        : cli(lab, D, "network", "attach", "jscrash-ov", "--name", c);
                assertNotEquals(0, r.rc(), step + ": the daemon died mid-way: " + r.all());
                assertTrue(daemon.waitFor(30, TimeUnit.SECONDS), step + ": halted");
                daemon = restart(lab, daemon, Map.of());
                boolean whole = step.equals("attach:committed");
                if (whole) {
                    assertTrue(Files.exists(Path.of("/run/netns", c)), step + ": the whole endpoint");
                    await(step + ": one endpoint", () -> inspect(lab).getContainersCount() == 1, lab, D);
                    assertEquals(1, networkNamespaces(lab), step);
                    assertEquals(0, cli(lab, D, "network", "detach", c).rc(), step);
                } else {
                    assertFalse(Files.exists(Path.of("/run/netns", c)), step + ": no sandbox left");
                    assertEquals(0, inspect(lab).getContainersCount(), step);
                    assertEquals(0, networkNamespaces(lab), step + ": no network namespace left");
                }
                // The manager holds no address for nothing (orphans and pending releases are released at start):
                // the manager refuses a second endpoint of the same name, so a new attach of it succeeds only then.
                await(step + ": the manager released the address", () -> {
                    var a = cli(lab, D, "network", "attach", "jscrash-ov", "--name", c);
                    return a.rc() == 0;
                }, lab, D);
                assertEquals(0, cli(lab, D, "network", "detach", c).rc(), step);
                assertFalse(Files.exists(Path.of("/run/netns", c)), step);
                System.out.printf("killed at %s: %s after restart%n", step, whole ? "whole" : "nothing");
            }
            daemon.destroy();
            daemon.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static Process restart(ClusterLab lab, Process daemon, Map<String, String> env) throws Exception {
        if (daemon.isAlive()) {
            daemon.destroy();
            assertTrue(daemon.waitFor(30, TimeUnit.SECONDS));
        }
        Process p = lab.startDaemon(1, D, env);
        awaitDaemon(lab, D);
        return p;
    }

    private static NetworkInspectResponse inspect(ClusterLab lab) throws Exception {
        try (DaemonClient client = new DaemonClient(new DaemonHost(lab.socket(D)))) {
            return client.call(Duration.ofSeconds(10), s -> s.networkInspect(NetworkInspectRequest.newBuilder()
                    .setNetwork("jscrash-ov").build()));
        }
    }

    private static long networkNamespaces(ClusterLab lab) throws Exception {
        Path dir = lab.execRoot(D).resolve("netns");
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }
}
