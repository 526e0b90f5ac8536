package io.jswarm.e2e.cluster;

import static io.jswarm.e2e.cluster.ClusterE2ETest.await;
import static io.jswarm.e2e.cluster.ClusterE2ETest.awaitDaemon;
import static io.jswarm.e2e.cluster.ClusterE2ETest.cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.cli.cluster.DaemonClient;
import io.jswarm.cli.cluster.DaemonHost;
import io.jswarm.proto.cluster.ListNetworksRequest;
import io.jswarm.proto.cluster.ListNodesRequest;
import io.jswarm.proto.cluster.NetworkInspectRequest;
import io.jswarm.proto.cluster.NodeStatus;
import io.jswarm.proto.state.Endpoint;
import io.jswarm.vxlan.testing.RequiresRoot;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, "beyond Swarm": attach keeps working while no manager is reachable. Three real daemons in lab hosts
 * (h1 manager, h2 and h3 workers), each on an attachable overlay; the workers hold address leases. The manager's
 * daemon is killed (SIGKILL): on h2 an attach from its lease succeeds at once and pings h3's sandbox (h3 believes
 * the entry on the strength of the CA-signed lease grant), attaches beyond the lease fail fast with a clear error,
 * and when the manager is back the pending claim lands: the manager's state holds the endpoint at the leased
 * address, owned by h2.
 */
@RequiresRoot
class LeaseAttachE2ETest {
    private static final String[] D = {"jslease-h1", "jslease-h2", "jslease-h3"};
    private static final String NET = "jslease-ov";

    @Test
    void attachFromALeaseWhileTheManagerIsDownThenTheClaimLands() throws Exception {
        try (ClusterLab lab = ClusterLab.create("jslease")) {
            Process[] daemons = new Process[4];
            for (int h = 1; h <= 3; h++) {
                daemons[h] = lab.startDaemon(h, D[h - 1]);
            }
            for (String d : D) {
                awaitDaemon(lab, d);
            }
            ClusterE2ETest.formSwarm(lab, D);
            await("3 nodes ready", () -> {
                try (DaemonClient c = new DaemonClient(new DaemonHost(lab.socket(D[0])))) {
                    var ns = c.call(Duration.ofSeconds(5), s -> s.listNodes(ListNodesRequest.getDefaultInstance()))
                            .getNodesList();
                    return ns.size() == 3 && ns.stream().allMatch(n -> n.getStatus() == NodeStatus.NODE_STATUS_READY);
                }
            }, lab, D[0]);
            assertEquals(0, cli(lab, D[0], "network", "create", "-d", "overlay", "--attachable", NET).rc());
            String[] sb = new String[4];
            for (int h = 1; h <= 3; h++) {
                sb[h] = lab.sandbox("c" + h);
                var a = cli(lab, D[h - 1], "network", "attach", NET, "--name", sb[h]);
                assertEquals(0, a.rc(), a.all());
            }
            String ip3 = ip(lab, D[2], sb[3]);
            await(sb[2] + " reaches " + sb[3], () -> Shell.ping(sb[2], ip3), lab, D[1]);
            await("h2 holds a lease", () -> lab.log(D[1]).contains("lease refilled network=" + NET + " held=4"), lab, D[1]);

            TestSignals.signal(daemons[1], "KILL"); // the only manager is gone
            assertTrue(daemons[1].waitFor(30, TimeUnit.SECONDS));

            String leased = lab.sandbox("l1");
            long t0 = System.nanoTime();
            var a = cli(lab, D[1], "network", "attach", NET, "--name", leased);
            long attachMs = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(0, a.rc(), "attach from the lease with no manager: " + a.all());
            String leasedIp = ip(lab, D[1], leased);
            System.out.printf("attach from lease with the manager down: %d ms, %s%n", attachMs, leasedIp);
            await(leased + " reaches " + sb[3], () -> Shell.ping(leased, ip3), lab, D[1]);
            await(sb[3] + " reaches " + leased, () -> Shell.ping(sb[3], leasedIp), lab, D[2]);

            // A name this node sees in its table (h3's sandbox) is refused here already, as the manager would.
            var dup = cli(lab, D[1], "network", "attach", NET, "--name", lab.sandbox("dup"), "--alias", sb[3]);
            assertTrue(dup.rc() != 0 && dup.err().contains("endpoint with name " + sb[3] + " already exists"), dup.all());

            // A restart of the worker's daemon before the claim: the pending claim is in its saved state.
            TestSignals.signal(daemons[2], "TERM");
            assertTrue(daemons[2].waitFor(30, TimeUnit.SECONDS));
            daemons[2] = lab.startDaemon(2, D[1]);
            awaitDaemon(lab, D[1]);
            await(sb[3] + " reaches " + leased + " after h2's restart", () -> Shell.ping(sb[3], leasedIp), lab, D[2]);

            // The rest of the lease (4 addresses in all), then one beyond it: refused at once, saying why.
            for (int i = 2; i <= 4; i++) {
                var more = cli(lab, D[1], "network", "attach", NET, "--name", lab.sandbox("l" + i));
                assertEquals(0, more.rc(), more.all());
            }
            t0 = System.nanoTime();
            var beyond = cli(lab, D[1], "network", "attach", NET, "--name", lab.sandbox("l5"));
            long beyondMs = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("attach beyond the lease: rc=%d in %d ms: %s%n", beyond.rc(), beyondMs, beyond.err().strip());
            assertTrue(beyond.rc() != 0, beyond.all());
            assertTrue(beyond.err().contains("no free address lease on network " + NET), beyond.all());
            assertTrue(beyondMs < 15_000, "fails fast: " + beyondMs + " ms");

            daemons[1] = lab.startDaemon(1, D[0]); // the manager is back
            awaitDaemon(lab, D[0]);
            String h2 = ClusterE2ETest.info(lab, D[1]).getNodeId();
            await("the claim landed in the manager's state", () -> managerEndpoint(lab, leased)
                    .filter(e -> e.getAddress().equals(leasedIp) && e.getNodeId().equals(h2)).isPresent(), lab, D[1]);
            var inspect = cli(lab, D[0], "network", "inspect", NET);
            assertEquals(0, inspect.rc(), inspect.all());
            assertTrue(inspect.out().contains(leased), "network inspect on the manager shows it: " + inspect.out());
            await(sb[3] + " still reaches " + leased, () -> Shell.ping(sb[3], leasedIp), lab, D[2]);
            // Nothing twice: every endpoint of the network has its own address in the manager's state.
            await("all 7 claims and attaches recorded", () -> managerEndpoints(lab).size() == 7, lab, D[1]);
            List<String> ips = managerEndpoints(lab).stream().map(Endpoint::getAddress).toList();
            assertEquals(ips.size(), ips.stream().distinct().count(), "no address twice: " + ips);
        }
    }

    private static String ip(ClusterLab lab, String d, String sandbox) throws Exception {
        try (DaemonClient c = new DaemonClient(new DaemonHost(lab.socket(d)))) {
            return c.call(Duration.ofSeconds(5), s -> s.networkInspect(NetworkInspectRequest.newBuilder().setNetwork(NET)
                    .build())).getContainersList().stream().filter(e -> e.getSandbox().equals(sandbox)).findFirst()
                    .orElseThrow().getIpv4().split("/")[0];
        }
    }

    /** The manager's own record (its state, not a table): what `network ls` is built from. */
    private static List<Endpoint> managerEndpoints(ClusterLab lab) {
        try (DaemonClient c = new DaemonClient(new DaemonHost(lab.socket(D[0])))) {
            return c.call(Duration.ofSeconds(5), s -> s.networkList(ListNetworksRequest.newBuilder().setNetwork(NET)
                    .build())).getNetworks(0).getEndpointsList();
        } catch (DaemonClient.Failure e) {
            return List.of();
        }
    }

    private static Optional<Endpoint> managerEndpoint(ClusterLab lab, String name) {
        return managerEndpoints(lab).stream().filter(e -> e.getName().equals(name)).findFirst();
    }
}
