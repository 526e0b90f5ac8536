package io.jswarm.e2e.cluster;

import static io.jswarm.e2e.cluster.ClusterE2ETest.await;
import static io.jswarm.e2e.cluster.ClusterE2ETest.awaitDaemon;
import static io.jswarm.e2e.cluster.ClusterE2ETest.cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.cli.cluster.DaemonClient;
import io.jswarm.cli.cluster.DaemonHost;
import io.jswarm.proto.cluster.NetworkInspectRequest;
import io.jswarm.proto.cluster.NetworkInspectResponse;
import io.jswarm.vxlan.testing.RequiresRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A reboot as the daemon sees it, on the real kernel: the daemon stops, the sandbox's namespace goes (a
 * reboot empties the tmpfs {@code /run}), the daemon starts again. Its saved endpoint is then removed and
 * released at the manager (the daemon is the manager here, one host, so its state is checked across the
 * same restart), nothing is made again under the old name, and {@code network attach} of the name works.
 * The unit test {@code NetworkAgentRebootTest} adds a whole reboot (every namespace gone) over the fake kernel.
 */
@RequiresRoot
class RebootE2ETest {
    private static final String D = "jsreboot-h1";

    @Test
    void anEndpointWhoseNamespaceWentWithTheDaemonDownIsReleasedAndTheNameAttachesAgain() throws Exception {
        try (ClusterLab lab = ClusterLab.create("jsreboot")) {
            Process daemon = lab.startDaemon(1, D);
            awaitDaemon(lab, D);
            assertEquals(0, cli(lab, D, "init", "--advertise-addr", ClusterLab.addr(1)).rc());
            assertEquals(0, cli(lab, D, "network", "create", "-d", "overlay", "--attachable", "jsreboot-ov").rc());
            String c = lab.sandbox("c");
            String kept = lab.sandbox("k");
            var first = cli(lab, D, "network", "attach", "jsreboot-ov", "--name", c);
            assertEquals(0, first.rc(), first.all());
            assertEquals(0, cli(lab, D, "network", "attach", "jsreboot-ov", "--name", kept).rc());
            assertEquals(2, inspect(lab).getContainersCount());

            daemon.destroy(); // SIGTERM: the live restore's stop, as before a reboot
            assertTrue(daemon.waitFor(30, TimeUnit.SECONDS));
            var del = Shell.run(java.util.List.of("ip", "netns", "delete", c));
            assertEquals(0, del.rc(), del.out());
            assertFalse(Files.exists(Path.of("/run/netns", c)));

            daemon = lab.startDaemon(1, D);
            awaitDaemon(lab, D);
            await("the gone endpoint removed", () -> inspect(lab).getContainersCount() == 1, lab, D);
            assertFalse(Files.exists(Path.of("/run/netns", c)), "not made again at start");
            assertTrue(Files.exists(Path.of("/run/netns", kept)), "the other sandbox is untouched");
            String log = lab.log(D);
            assertTrue(log.contains("sandbox namespace gone, endpoint removed and released sandbox=" + c), log);

            // The manager refuses a second endpoint of one name on a network: this attach succeeds only if the
            // old endpoint was released there, i.e. nothing leaked.
            var again = cli(lab, D, "network", "attach", "jsreboot-ov", "--name", c);
            assertEquals(0, again.rc(), "the name attaches again: " + again.all());
            assertTrue(Files.exists(Path.of("/run/netns", c)));
            assertEquals(2, inspect(lab).getContainersCount());
            System.out.printf("reboot: first %s; after restart and re-attach %s%n", first.out().strip(),
                    again.out().strip());

            assertEquals(0, cli(lab, D, "network", "detach", c).rc());
            assertEquals(0, cli(lab, D, "network", "detach", kept).rc());
            daemon.destroy();
            daemon.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static NetworkInspectResponse inspect(ClusterLab lab) throws Exception {
        try (DaemonClient client = new DaemonClient(new DaemonHost(lab.socket(D)))) {
            return client.call(Duration.ofSeconds(10), s -> s.networkInspect(NetworkInspectRequest.newBuilder()
                    .setNetwork("jsreboot-ov").build()));
        }
    }
}
