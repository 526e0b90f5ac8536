package io.jswarm.e2e.cluster;

import static io.jswarm.e2e.cluster.ClusterE2ETest.await;
import static io.jswarm.e2e.cluster.ClusterE2ETest.awaitDaemon;
import static io.jswarm.e2e.cluster.ClusterE2ETest.certs;
import static io.jswarm.e2e.cluster.ClusterE2ETest.cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.cli.cluster.DaemonClient;
import io.jswarm.cli.cluster.DaemonHost;
import io.jswarm.proto.cluster.CreateNetworkRequest;
import io.jswarm.proto.cluster.ListNetworksRequest;
import io.jswarm.proto.cluster.ListNodesRequest;
import io.jswarm.proto.cluster.NodeStatus;
import io.jswarm.proto.state.CreateNetwork;
import io.jswarm.vxlan.testing.RequiresRoot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, findings 8 and 12 with real daemons (family {@code jsquota}): a joined worker's certificate used
 * as an attacker would, allocating endpoints in a loop, hits its quota with the pool still open to the
 * others; networks with oversized labels are refused at create; and a view far past gRPC's 4 MiB (290
 * networks with labels at the limit, ~4.7 MB) keeps every node Ready, with {@code network ls} working on
 * every node. Before: the /24 was exhausted, the labels accepted, and every worker's session failed with
 * "message exceeds maximum size" (all Down).
 */
@RequiresRoot
class QuotaE2ETest {
    private static final String[] D = {"jsquota-h1", "jsquota-h2", "jsquota-h3"};
    private static final int NETWORKS = 290;

    /** Finding 8, and the labels of finding 12. */
    @Test
    void aWorkerCertificateHitsItsQuotaAndOversizedLabelsAreRefused() throws Exception {
        try (ClusterLab lab = swarm()) {
            var created = cli(lab, D[0], "network", "create", "-d", "overlay", "--attachable", "jsquota-ov");
            assertEquals(0, created.rc(), created.all());

            // h2's certificate, no sandbox behind any of it.
            String out = attackerLoop(lab, 2, "jsquota-ov", 400);
            System.out.println("attacker: " + out);
            assertTrue(out.startsWith("taken=126 "), out);
            assertTrue(out.contains("last=FAILED_PRECONDITION: endpoint quota exceeded: node "), out);
            assertTrue(out.contains("(limit 126 per node on this network"), out);
            var ok = cli(lab, D[2], "network", "attach", "jsquota-ov", "--name", lab.sandbox("c3"));
            assertEquals(0, ok.rc(), "the pool is still open to another node: " + ok.all());

            Map<String, String> huge = new HashMap<>();
            for (int i = 0; i < 14; i++) {
                huge.put("k" + i, "v".repeat(100_000)); // ~1.4 MB, as in the finding
            }
            for (int i = 0; i < 4; i++) {
                String err = createError(lab, "jsquota-big" + i, huge);
                assertTrue(err.contains("bytes: at most 4096"), err);
            }
            assertEquals(1, networkCount(lab, D[0]), "nothing stored");
            assertEquals(3, readyNodes(lab));
        }
    }

    /** Finding 12, the view: many networks with labels at the limit; the view goes in pages. */
    @Test
    void aViewPastGrpcsLimitKeepsEveryNodeReadyAndNetworkLsWorks() throws Exception {
        try (ClusterLab lab = swarm()) {
            Map<String, String> atLimit = new HashMap<>();
            for (int i = 0; i < 4; i++) {
                atLimit.put("jsquota.label" + i, "v".repeat(4000));
            }
            long t0 = System.nanoTime();
            // Four creators at once: the manager coalesces the view pushes of a burst (one push at a time, the
            // newest state), which keeps the test short; the view the workers end up with is the same.
            try (var creators = java.util.concurrent.Executors.newFixedThreadPool(4)) {
                List<java.util.concurrent.Future<String>> results = new ArrayList<>();
                for (int i = 0; i < NETWORKS; i++) {
                    String name = "jsquota-n" + i;
                    results.add(creators.submit(() -> createError(lab, name, atLimit)));
                }
                for (var r : results) {
                    assertEquals("", r.get());
                }
            }
            System.out.println("created " + NETWORKS + " networks in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            for (String d : D) {
                await("network ls on " + d + " lists " + NETWORKS, () -> networkCount(lab, d) == NETWORKS, lab, d);
                var ls = cli(lab, d, "network", "ls");
                assertEquals(0, ls.rc(), ls.all());
                assertEquals(NETWORKS + 1, ls.out().strip().split("\n").length, "header + networks on " + d);
            }
            // Every node stays Ready for a while (a failing session would be Down within 3 s).
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
            while (System.nanoTime() < until) {
                assertEquals(3, readyNodes(lab), "every node Ready with a ~4.7 MB view");
                Thread.sleep(500);
            }
            // The workers have the whole view: an attach right after a create works on h2 (it waits for the view).
            var last = cli(lab, D[0], "network", "create", "-d", "overlay", "--attachable", "jsquota-last");
            assertEquals(0, last.rc(), last.all());
            var att = cli(lab, D[1], "network", "attach", "jsquota-last", "--name", lab.sandbox("c2"));
            assertEquals(0, att.rc(), att.all());
        }
    }

    private static ClusterLab swarm() throws Exception {
        ClusterLab lab = ClusterLab.create("jsquota");
        try {
            for (int h = 1; h <= 3; h++) {
                lab.startDaemon(h, D[h - 1]);
            }
            for (String d : D) {
                awaitDaemon(lab, d);
            }
            ClusterE2ETest.formSwarm(lab, D);
            await("3 nodes ready", () -> readyNodes(lab) == 3, lab, D[0]);
            return lab;
        } catch (Exception | Error e) {
            lab.close();
            throw e;
        }
    }

    private static String attackerLoop(ClusterLab lab, int host, String network, int max) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", lab.netns(host)));
        cmd.addAll(ClusterLab.java(QuotaProbe.class.getName(), ClusterLab.addr(1) + ":2377",
                certs(lab, D[host - 1]).toString(), network, "jsquota-x", Integer.toString(max)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("attacker probe timed out");
        }
        return out.strip().lines().reduce((a, b) -> b).orElse("");
    }

    /** "" if created, else the error. */
    private static String createError(ClusterLab lab, String name, Map<String, String> labels) {
        try (DaemonClient c = new DaemonClient(new DaemonHost(lab.socket(D[0])))) {
            c.call(Duration.ofSeconds(30), s -> s.networkCreate(CreateNetworkRequest.newBuilder().setDriver("overlay")
                    .setSpec(CreateNetwork.newBuilder().setName(name).setAttachable(true).putAllLabels(labels)).build()));
            return "";
        } catch (DaemonClient.Failure e) {
            return e.getMessage();
        }
    }

    private static int networkCount(ClusterLab lab, String daemon) {
        try (DaemonClient c = new DaemonClient(new DaemonHost(lab.socket(daemon)))) {
            return c.call(Duration.ofSeconds(30), s -> s.networkList(ListNetworksRequest.getDefaultInstance()))
                    .getNetworksCount();
        } catch (DaemonClient.Failure e) {
            System.out.println("network ls on " + daemon + " failed: " + e.getMessage());
            return -1;
        }
    }

    private static int readyNodes(ClusterLab lab) {
        try (DaemonClient c = new DaemonClient(new DaemonHost(lab.socket(D[0])))) {
            return (int) c.call(Duration.ofSeconds(5), s -> s.listNodes(ListNodesRequest.getDefaultInstance()))
                    .getNodesList().stream().filter(n -> n.getStatus() == NodeStatus.NODE_STATUS_READY).count();
        } catch (DaemonClient.Failure e) {
            return 0;
        }
    }
}
