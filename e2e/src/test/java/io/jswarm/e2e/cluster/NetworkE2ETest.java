package io.jswarm.e2e.cluster;

import static io.jswarm.e2e.cluster.ClusterE2ETest.await;
import static io.jswarm.e2e.cluster.ClusterE2ETest.awaitDaemon;
import static io.jswarm.e2e.cluster.ClusterE2ETest.cli;
import static io.jswarm.e2e.cluster.ClusterE2ETest.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.cli.cluster.DaemonClient;
import io.jswarm.cli.cluster.DaemonHost;
import io.jswarm.proto.cluster.ListNetworksRequest;
import io.jswarm.proto.cluster.NetworkInspectRequest;
import io.jswarm.proto.cluster.NetworkInspectResponse;
import io.jswarm.vxlan.testing.RequiresRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Overlay networks end to end: three host namespaces, real daemons (separate JVMs), the CLI, the kernel.
 * One scenario, in order, because each step builds on the cluster the previous one left.
 */
@RequiresRoot
class NetworkE2ETest {
    private static final String[] D = {"jsnet-h1", "jsnet-h2", "jsnet-h3"};

    @Test
    void overlayAcrossThreeHosts() throws Exception {
        try (ClusterLab lab = ClusterLab.create("jsnet")) {
            Process[] daemons = new Process[4];
            for (int h = 1; h <= 3; h++) {
                daemons[h] = lab.startDaemon(h, D[h - 1]);
            }
            for (String d : D) {
                awaitDaemon(lab, d);
            }
            var init = cli(lab, D[0], "init", "--advertise-addr", ClusterLab.addr(1));
            assertEquals(0, init.rc(), init.all());
            String token = cli(lab, D[0], "join-token", "-q", "worker").out().strip();
            for (int h = 2; h <= 3; h++) {
                var j = join(lab, D[h - 1], token, ClusterLab.addr(1) + ":2377");
                assertEquals(0, j.rc(), j.all());
            }
            await("3 nodes ready", () -> {
                try (DaemonClient c = new DaemonClient(new DaemonHost(lab.socket(D[0])))) {
                    var ns = c.call(Duration.ofSeconds(5), s -> s.listNodes(
                            io.jswarm.proto.cluster.ListNodesRequest.getDefaultInstance())).getNodesList();
                    return ns.size() == 3 && ns.stream()
                            .allMatch(n -> n.getStatus() == io.jswarm.proto.cluster.NodeStatus.NODE_STATUS_READY);
                }
            }, lab, D[0]);

            // --- create: only on a manager; bad inputs are refused and change nothing.
            var created = cli(lab, D[0], "network", "create", "-d", "overlay", "--attachable", "jsnet-ov");
            assertEquals(0, created.rc(), created.all());
            String netId = created.out().strip();
            var onWorker = cli(lab, D[1], "network", "create", "-d", "overlay", "jsnet-w");
            assertNotEquals(0, onWorker.rc());
            assertTrue(onWorker.err().contains("not a swarm manager"), onWorker.all());
            for (String[] bad : List.of(new String[]{"--subnet", "10.0.0.0/33", "jsnet-b1"},
                    new String[]{"--subnet", "10.0.0.0/8", "jsnet-b2"}, new String[]{"jsnet-ov"},
                    new String[]{"--gateway", "10.9.9.1", "jsnet-b3"})) {
                List<String> args = new ArrayList<>(List.of("network", "create", "-d", "overlay"));
                args.addAll(List.of(bad));
                var r = cli(lab, D[0], args.toArray(String[]::new));
                assertNotEquals(0, r.rc(), r.all());
                assertFalse(r.err().isBlank(), r.all());
            }
            assertEquals(1, networks(lab, D[0]), "bad creates left nothing");
            String c1 = lab.sandbox("c1");
            String c2 = lab.sandbox("c2");
            String c3 = lab.sandbox("c3");
            var unknown = cli(lab, D[1], "network", "attach", "jsnet-nope", "--name", c2);
            assertNotEquals(0, unknown.rc(), unknown.all());
            assertFalse(Files.exists(Path.of("/run/netns", c2)), "a refused attach makes no sandbox");
            for (String d : D) {
                assertEquals(0, networkNamespaces(lab, d), d + ": refusals made no network namespace");
            }

            // --- attach one sandbox per host; every pair pings by IP and by name.
            long t0 = System.nanoTime();
            String[] sb = {c1, c2, c3};
            for (int h = 1; h <= 3; h++) {
                var a = cli(lab, D[h - 1], "network", "attach", "jsnet-ov", "--name", sb[h - 1]);
                assertEquals(0, a.rc(), a.all());
            }
            Map<String, String> ip = new HashMap<>();
            for (int h = 1; h <= 3; h++) {
                NetworkInspectResponse in = inspect(lab, D[h - 1], "jsnet-ov");
                assertEquals(1, in.getContainersCount(), in.toString());
                ip.put(sb[h - 1], in.getContainers(0).getIpv4().split("/")[0]);
            }
            assertEquals(3, new HashSet<>(ip.values()).size(), "distinct addresses " + ip);
            for (String from : sb) {
                for (String to : sb) {
                    if (!from.equals(to)) {
                        await(from + " pings " + to + " by IP", () -> Shell.ping(from, ip.get(to)), lab, D[0]);
                        await(from + " pings " + to + " by name", () -> Shell.ping(from, to), lab, D[0]);
                    }
                }
            }
            System.out.printf("attach x3 -> full mesh by IP and name: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            assertFalse(Shell.in(c1, "getent", "hosts", "jsnet-not-a-name").rc() == 0, "unknown names do not resolve");
            for (int h = 1; h <= 3; h++) {
                String d = D[h - 1];
                await("inspect on " + d + " lists 3 endpoints and 3 peers", () -> {
                    NetworkInspectResponse in = inspect(lab, d, "jsnet-ov");
                    return in.getEndpointsCount() == 3 && in.getPeersCount() == 3;
                }, lab, d);
                String link = Shell.at(lab.networkNamespace(d, netId), "ip", "-d", "link", "show", "vxlan0").out();
                assertTrue(link.contains("vxlan id 4097") && link.contains("dstport 4789"), link);
            }

            // --- detach c2: its entries and name vanish on h1 and h3; h2's network namespace goes.
            assertEquals(0, cli(lab, D[1], "network", "detach", c2).rc());
            String c2ip = ip.get(c2);
            for (int h : new int[]{1, 3}) {
                String d = D[h - 1];
                await("c2 withdrawn on " + d, () -> !hasPeer(lab, d, netId, c2ip), lab, d);
            }
            await("c2's name gone", () -> Shell.in(c1, "getent", "hosts", c2).rc() != 0, lab, D[0]);
            assertFalse(Files.exists(lab.networkNamespace(D[1], netId)), "h2 has no endpoint: no network namespace");
            assertFalse(Files.exists(Path.of("/run/netns", c2)), "the sandbox attach made is gone");

            // --- crash h2's daemon: c2 is withdrawn elsewhere, c1<->c3 never lose a packet; back within a second.
            assertEquals(0, cli(lab, D[1], "network", "attach", "jsnet-ov", "--name", c2).rc());
            String c2ipNow = inspect(lab, D[1], "jsnet-ov").getContainers(0).getIpv4().split("/")[0];
            await("c1 reaches the new c2", () -> Shell.ping(c1, c2ipNow), lab, D[0]);
            Process pinger = Shell.startPing(c1, ip.get(c3), 12);
            Thread.sleep(1000);
            long killed = System.nanoTime();
            daemons[2].destroyForcibly();
            daemons[2].waitFor();
            for (int h : new int[]{1, 3}) {
                String d = D[h - 1];
                await("c2 withdrawn on " + d + " after the crash", () -> !hasPeer(lab, d, netId, c2ipNow), lab, d);
            }
            System.out.printf("kill -> withdrawn everywhere: %d ms%n", (System.nanoTime() - killed) / 1_000_000);
            Shell.Loss loss = Shell.loss(pinger);
            assertTrue(loss.sent() > 50 && loss.lost() == 0, "c1->c3 during h2's crash: " + loss);
            daemons[2] = lab.startDaemon(2, D[1]);
            awaitDaemon(lab, D[1]);
            long back = System.nanoTime();
            await("c1 reaches c2 after h2's restart", () -> Shell.ping(c1, c2ipNow), lab, D[0]);
            System.out.printf("h2 daemon answering -> c2 reachable: %d ms%n", (System.nanoTime() - back) / 1_000_000);
            for (int h = 1; h <= 3; h++) {
                assertNoDuplicates(lab, D[h - 1], netId);
            }

            // --- graceful restart of h1 (SIGTERM): zero loss both ways, and a clean reconcile after.
            Process p13 = Shell.startPing(c1, ip.get(c3), 20);
            Process p31 = Shell.startPing(c3, ip.get(c1), 20);
            Thread.sleep(1000);
            long linesBefore = lab.log(D[0]).lines().count();
            daemons[1].destroy();
            daemons[1].waitFor();
            assertTrue(lab.log(D[0]).contains("restart"), "h1 said it was restarting");
            Thread.sleep(2000); // away for a while; peers keep its entries
            daemons[1] = lab.startDaemon(1, D[0]);
            awaitDaemon(lab, D[0]);
            Shell.Loss l13 = Shell.loss(p13);
            Shell.Loss l31 = Shell.loss(p31);
            String h1log = lab.log(D[0]).lines().skip(linesBefore).filter(l -> !l.contains("DEBUG"))
                    .collect(java.util.stream.Collectors.joining("\n"));
            assertTrue(l13.sent() > 100 && l13.lost() == 0, "c1->c3 across h1's restart: " + l13 + "\n" + h1log);
            assertTrue(l31.sent() > 100 && l31.lost() == 0, "c3->c1 across h1's restart: " + l31);
            await("h1's first reconcile after the restart is clean", () -> lab.log(D[0])
                    .lines().skip(linesBefore).anyMatch(l -> l.contains("reconcile done repairs=0")), lab, D[0]);

            // --- connect a runtime's namespace by path (/proc/PID/ns/net), as a container runtime hands it over.
            Process ctr = new ProcessBuilder("unshare", "--net", "sleep", "300").start();
            try {
                String path = "/proc/" + ctr.pid() + "/ns/net";
                // Until unshare has switched, that path is still this JVM's (the host's) namespace: an `ip link add`
                // there failed ("eth0" exists) and would otherwise have changed the host.
                Path self = Files.readSymbolicLink(Path.of("/proc/self/ns/net"));
                await("the runtime's own namespace", () -> {
                    try {
                        return !Files.readSymbolicLink(Path.of(path)).equals(self);
                    } catch (java.io.IOException e) {
                        return false;
                    }
                }, lab, D[2]);
                String ctrName = lab.prefix() + "ctr";
                // The runtime's own eth0 (a bridge here) is neither replaced nor reused: jswarm takes eth1.
                assertEquals(0, Shell.run(List.of("nsenter", "--net=" + path, "ip", "link", "add", "eth0", "type",
                        "bridge")).rc());
                var con = cli(lab, D[2], "network", "connect", "--name", ctrName, "--alias", "db", "jsnet-ov", path);
                assertEquals(0, con.rc(), con.all());
                assertTrue(Shell.run(List.of("nsenter", "--net=" + path, "ip", "-o", "addr", "show", "dev", "eth1"))
                        .out().contains("10.0.0."), "the overlay interface is eth1");
                String ctrIp = inspect(lab, D[2], "jsnet-ov").getContainersList().stream()
                        .filter(c -> c.getName().equals(ctrName)).findFirst().orElseThrow().getIpv4().split("/")[0];
                await("c1 pings the container by name", () -> Shell.ping(c1, ctrName), lab, D[0]);
                await("c1 resolves the alias", () -> Shell.in(c1, "getent", "hosts", "db").out().contains(ctrIp),
                        lab, D[0]);
                var dis = cli(lab, D[2], "network", "disconnect", "jsnet-ov", path);
                assertEquals(0, dis.rc(), dis.all());
                await("container withdrawn on h1", () -> !hasPeer(lab, D[0], netId, ctrIp), lab, D[0]);
                List<String> left = Shell.run(List.of("nsenter", "--net=" + path, "ip", "-o", "link")).out().lines()
                        .filter(l -> l.contains("eth")).toList();
                assertTrue(left.size() == 1 && left.getFirst().contains("eth0"),
                        "disconnect removed exactly what connect made (eth1), the runtime's eth0 stays: " + left);
            } finally {
                ctr.destroyForcibly();
            }

            // --- one sandbox on two networks; names stay within their networks.
            var ov2 = cli(lab, D[0], "network", "create", "-d", "overlay", "--attachable", "--subnet", "10.77.0.0/24", "jsnet-ov2");
            assertEquals(0, ov2.rc(), ov2.all());
            String c4 = lab.sandbox("c4");
            assertEquals(0, cli(lab, D[1], "network", "attach", "jsnet-ov2", "--name", c4).rc());
            var second = cli(lab, D[0], "network", "connect", "jsnet-ov2", c1);
            assertEquals(0, second.rc(), second.all());
            assertTrue(Shell.in(c1, "ip", "-o", "addr", "show", "dev", "eth1").out().contains("10.77.0."), "c1 eth1 on ov2");
            await("c1 pings c4 by name over the second network", () -> Shell.ping(c1, c4), lab, D[0]);
            assertNotEquals(0, Shell.in(c3, "getent", "hosts", c4).rc(), "c4 is on a network c3 is not on");
            assertEquals(0, cli(lab, D[0], "network", "disconnect", "jsnet-ov2", c1).rc());
            assertEquals(0, cli(lab, D[1], "network", "detach", c4).rc());
            await("c1 pings c3 still (ov unaffected)", () -> Shell.ping(c1, ip.get(c3)), lab, D[0]);
            assertEquals(0, cli(lab, D[0], "network", "rm", "jsnet-ov2").rc());

            // --- churn: 200 attach/detach operations over the three hosts.
            churn(lab, netId, 200);
        }
    }

    /** Random attach/detach on random hosts; then each host's kernel holds exactly the desired entries. */
    private static void churn(ClusterLab lab, String netId, int ops) throws Exception {
        Random random = new Random(42);
        Map<String, Integer> live = new HashMap<>();    // sandbox -> host
        Map<String, String> liveIp = new HashMap<>();
        Set<String> everUsed = new HashSet<>();
        int made = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < ops; i++) {
            if (live.isEmpty() || (live.size() < 8 && random.nextBoolean())) {
                int h = 1 + random.nextInt(3);
                String name = lab.sandbox("k" + made++);
                var a = cli(lab, D[h - 1], "network", "attach", "jsnet-ov", "--name", name);
                assertEquals(0, a.rc(), a.all());
                String addr = inspect(lab, D[h - 1], "jsnet-ov").getContainersList().stream()
                        .filter(c -> c.getName().equals(name)).findFirst().orElseThrow().getIpv4().split("/")[0];
                assertFalse(liveIp.containsValue(addr), "address " + addr + " handed out twice");
                live.put(name, h);
                liveIp.put(name, addr);
                everUsed.add(addr);
            } else {
                String name = live.keySet().stream().sorted().skip(random.nextInt(live.size())).findFirst().orElseThrow();
                var d = cli(lab, D[live.get(name) - 1], "network", "detach", name);
                assertEquals(0, d.rc(), d.all());
                live.remove(name);
                liveIp.remove(name);
            }
        }
        System.out.printf("churn %d ops: %d ms%n", ops, (System.nanoTime() - t0) / 1_000_000);
        // The three long-lived sandboxes plus what churn left, on every host's kernel.
        for (int h = 1; h <= 3; h++) {
            String d = D[h - 1];
            int host = h;
            await("kernel of " + d + " converged after churn", () -> {
                NetworkInspectResponse in = inspect(lab, d, "jsnet-ov");
                int remote = in.getEndpointsCount() - in.getContainersCount();
                return in.getEndpointsCount() == 3 + live.size() && fdbEntries(lab, d, netId) == remote
                        && veths(lab, d, netId) == in.getContainersCount();
            }, lab, d);
            for (var e : live.entrySet()) {
                if (e.getValue() != host) {
                    assertTrue(hasPeer(lab, d, netId, liveIp.get(e.getKey())), e.getKey() + " on " + d);
                }
            }
            assertNoDuplicates(lab, d, netId);
        }
        try (Stream<Path> names = Files.list(Path.of("/run/netns"))) {
            long leaked = names.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(lab.prefix() + "k"))
                    .filter(n -> !live.containsKey(n)).count();
            assertEquals(0, leaked, "no sandbox namespace leaked");
        }
    }

    static long networkNamespaces(ClusterLab lab, String daemon) throws java.io.IOException {
        Path dir = lab.execRoot(daemon).resolve("netns");
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.count();
        }
    }

    static NetworkInspectResponse inspect(ClusterLab lab, String daemon, String network) {
        try (DaemonClient c = new DaemonClient(new DaemonHost(lab.socket(daemon)))) {
            return c.call(Duration.ofSeconds(10), s -> s.networkInspect(NetworkInspectRequest.newBuilder()
                    .setNetwork(network).build()));
        }
    }

    static int networks(ClusterLab lab, String daemon) {
        try (DaemonClient c = new DaemonClient(new DaemonHost(lab.socket(daemon)))) {
            return c.call(Duration.ofSeconds(10), s -> s.networkList(ListNetworksRequest.getDefaultInstance()))
                    .getNetworksCount();
        }
    }

    /** A static neighbour entry for {@code ip} in the daemon's network namespace (what forwarding to it needs). */
    static boolean hasPeer(ClusterLab lab, String daemon, String netId, String ip) {
        Path ns = lab.networkNamespace(daemon, netId);
        return Files.exists(ns) && Shell.at(ns, "ip", "neigh", "show", ip, "dev", "vxlan0").out().contains("lladdr");
    }

    static long fdbEntries(ClusterLab lab, String daemon, String netId) {
        Path ns = lab.networkNamespace(daemon, netId);
        return Shell.at(ns, "bridge", "fdb", "show", "dev", "vxlan0").out().lines()
                .filter(l -> l.contains(" dst ") && !l.startsWith("00:00:00:00:00:00")).count();
    }

    static long veths(ClusterLab lab, String daemon, String netId) {
        Path ns = lab.networkNamespace(daemon, netId);
        return Shell.at(ns, "ip", "-o", "link", "show", "type", "veth").out().lines().count();
    }

    /** Every neighbour and FDB entry on vxlan0 appears once (no stale or duplicate entries). */
    static void assertNoDuplicates(ClusterLab lab, String daemon, String netId) {
        Path ns = lab.networkNamespace(daemon, netId);
        if (!Files.exists(ns)) {
            return;
        }
        List<String> fdb = Shell.at(ns, "bridge", "fdb", "show", "dev", "vxlan0").out().lines()
                .filter(l -> l.contains(" dst ")).map(l -> l.split(" ")[0]).toList();
        assertEquals(fdb.size(), new HashSet<>(fdb).size(), daemon + " fdb " + fdb);
        List<String> neigh = Shell.at(ns, "ip", "neigh", "show", "dev", "vxlan0").out().lines()
                .map(l -> l.split(" ")[0]).toList();
        assertEquals(neigh.size(), new HashSet<>(neigh).size(), daemon + " neigh " + neigh);
    }
}
