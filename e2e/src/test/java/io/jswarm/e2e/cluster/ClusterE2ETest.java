package io.jswarm.e2e.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jswarm.cli.cluster.ClusterCommands;
import io.jswarm.cli.cluster.DaemonClient;
import io.jswarm.cli.cluster.DaemonHost;
import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.Identifiers;
import io.jswarm.encryption.JoinToken;
import io.jswarm.proto.cluster.InfoRequest;
import io.jswarm.proto.cluster.ListNodesRequest;
import io.jswarm.proto.cluster.MembersRequest;
import io.jswarm.proto.cluster.MembersResponse;
import io.jswarm.proto.cluster.NodeInfo;
import io.jswarm.proto.cluster.NodeStatus;
import io.jswarm.vxlan.testing.RequiresRoot;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The cluster control plane on three hosts (namespaces), with real daemons as separate JVMs: init, join
 * with the printed token, Ready/Down from the session, restarts of a worker and of the manager, and every
 * refusal the security model promises. One scenario, because each step builds on the cluster the previous
 * one made and daemons are slow to start on a shared two-core machine.
 */
@RequiresRoot
class ClusterE2ETest {

    @Test
    void threeHostClusterLifecycleAndRefusals() throws Exception {
        try (ClusterLab lab = ClusterLab.create()) {
            Process h1 = lab.startDaemon(1, "jscl-h1", "--metrics-addr", ClusterLab.addr(1) + ":" + METRICS_PORT);
            lab.startDaemon(2, "jscl-h2", "--metrics-addr", ClusterLab.addr(2) + ":" + METRICS_PORT);
            Process h3 = lab.startDaemon(3, "jscl-h3", "--metrics-addr", ClusterLab.addr(3) + ":" + METRICS_PORT);
            awaitDaemon(lab, "jscl-h1");
            awaitDaemon(lab, "jscl-h2");
            awaitDaemon(lab, "jscl-h3");

            // --- init on h1: the manager prints the worker join command.
            Result init = cli(lab, "jscl-h1", "init", "--advertise-addr", ClusterLab.addr(1), "--cert-expiry", "720h");
            assertEquals(0, init.rc, init.all());
            assertTrue(init.out.startsWith("Swarm initialized: current node ("), init.out);
            String joinLine = init.out.lines().filter(l -> l.contains("jswarm join --token")).findFirst().orElseThrow();
            String[] words = joinLine.trim().split("\\s+");
            String token = words[3];
            String managerAddr = words[4];
            assertEquals(ClusterLab.addr(1) + ":2377", managerAddr);
            String managerId = init.out.substring(init.out.indexOf('(') + 1, init.out.indexOf(')'));

            // --- refusals at join time, each leaving the cluster as it was.
            JoinToken real = JoinToken.parse(token);
            String wrongSecret = new JoinToken(real.caDigest(), "0".repeat(25)).value();
            Result r = join(lab, "jscl-h3", wrongSecret, managerAddr);
            assertEquals(1, r.rc, r.all());
            assertEquals("Error response from daemon: A valid join token is necessary to join this cluster", r.err.strip());

            var otherCa = CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1), InstantSource.system());
            r = join(lab, "jscl-h3", JoinToken.generate(otherCa.certificate()).value(), managerAddr);
            assertEquals(1, r.rc, r.all());
            assertTrue(r.err.contains("remote CA does not match fingerprint"), r.err);

            // A fake manager with its own CA on h2: the real token's digest does not pin it, so h3 refuses to
            // talk to it and never sends the secret.
            Process fake = lab.startDaemon(2, "jscl-fake");
            awaitDaemon(lab, "jscl-fake");
            assertEquals(0, cli(lab, "jscl-fake", "init", "--advertise-addr", ClusterLab.addr(2)).rc);
            r = join(lab, "jscl-h3", token, ClusterLab.addr(2) + ":2377");
            assertEquals(1, r.rc, r.all());
            assertTrue(r.err.startsWith("Error response from daemon: error while validating Root CA Certificate: "
                    + "remote CA does not match fingerprint"), r.err);
            assertTrue(!lab.log("jscl-fake").contains("join refused") && !lab.log("jscl-fake").contains("node joined"),
                    "the fake manager must never see the join request");
            fake.destroyForcibly().waitFor();
            assertEquals(1, nodes(lab, "jscl-h1").size(), "refused joins changed nothing");
            assertEquals("inactive", info(lab, "jscl-h3").getLocalNodeState());

            // --- h2 and h3 join with the printed token.
            long t0 = System.nanoTime();
            r = join(lab, "jscl-h2", token, managerAddr);
            long joinMillis = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(0, r.rc, r.all());
            assertEquals("This node joined a swarm as a worker.", r.out.strip());
            assertEquals(0, join(lab, "jscl-h3", token, managerAddr).rc);
            List<NodeInfo> all = awaitNodes(lab, "3 Ready nodes", ns -> ns.size() == 3
                    && ns.stream().allMatch(n -> n.getStatus() == NodeStatus.NODE_STATUS_READY));
            assertEquals(List.of(ClusterLab.addr(1), ClusterLab.addr(2), ClusterLab.addr(3)),
                    all.stream().map(NodeInfo::getAddr).toList());
            Result ls = cli(lab, "jscl-h1", "node", "ls");
            assertEquals(4, ls.out.lines().count(), ls.out);
            assertTrue(ls.out.lines().skip(1).allMatch(l -> l.contains(" Ready ") && l.contains("192.0.2.1")), ls.out);
            assertTrue(ls.out.contains(managerId + " *") && ls.out.contains("Leader"), ls.out);
            String h2Id = idOf(all, "jscl-h2");
            String h3Id = idOf(all, "jscl-h3");

            // --- gossip: every node, workers included, sees the two others (local API, any role).
            awaitMembers(lab, "jscl-h1", Set.of(h2Id, h3Id));
            awaitMembers(lab, "jscl-h2", Set.of(managerId, h3Id));
            awaitMembers(lab, "jscl-h3", Set.of(managerId, h2Id));
            MembersResponse h2View = members(lab, "jscl-h2");
            assertEquals(h2Id, h2View.getSelf().getNodeId());
            assertEquals(ClusterLab.addr(2) + ":7946", h2View.getSelf().getGossipAddr());
            assertEquals(ClusterLab.addr(1), h2View.getMembersList().stream().filter(m -> m.getNodeId().equals(managerId))
                    .findFirst().orElseThrow().getDataPathAddr());
            Result mem = cli(lab, "jscl-h2", "node", "members");
            assertTrue(mem.rc == 0 && mem.out.contains(h2Id + " *") && mem.out.contains(managerId), mem.all());

            // --- metrics, scraped from inside the manager's namespace.
            String metrics = scrape(lab, 1);
            assertEquals(3.0, metric(metrics, "jswarm_membership_size"), metrics);
            assertEquals(2.0, metric(metrics, "jswarm_membership_members"), metrics);
            for (String dir : List.of("in", "out")) {
                assertTrue(metric(metrics, "jswarm_gossip_messages_total{direction=\"" + dir + "\"") > 0, metrics);
                assertTrue(metric(metrics, "jswarm_gossip_bytes_total{direction=\"" + dir + "\"") > 0, metrics);
            }
            assertTrue(metrics.contains("jswarm_membership_suspicions_total{source=\"swim\""), metrics);

            // --- a worker knows the cluster, but is not a manager.
            Result info = cli(lab, "jscl-h2", "info");
            String clusterId = info(lab, "jscl-h1").getClusterId();
            assertTrue(info.out.contains("ClusterID: " + clusterId) && info.out.contains("Is Manager: false")
                    && info.out.contains("Nodes: 3") && info.out.contains(managerAddr), info.out);
            r = cli(lab, "jscl-h2", "node", "ls");
            assertEquals(1, r.rc);
            assertTrue(r.err.contains("This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state."), r.err);
            assertTrue(lab.probe(2, "listnodes", managerAddr, certs(lab, "jscl-h2").toString())
                    .startsWith("PERMISSION_DENIED: This node is not a swarm manager."), "worker calling ListNodes on 2377");
            assertTrue(lab.probe(2, "nocert", managerAddr, certs(lab, "jscl-h2").toString())
                    .startsWith("UNAUTHENTICATED: a client certificate issued by this swarm is required"), "no client certificate");
            r = cli(lab, "jscl-h1", "node", "rm", h2Id);
            assertTrue(r.rc == 1 && r.err.contains("is not down and can't be removed"), r.all());
            r = cli(lab, "jscl-h1", "leave");
            assertTrue(r.rc == 1 && r.err.contains("Use `--force` to ignore this message."), r.all());

            // --- SIGKILL h3's daemon: Down on the manager as soon as its connection drops.
            long k0 = System.nanoTime();
            h3.destroyForcibly();
            awaitNodes(lab, "h3 Down", ns -> status(ns, h3Id) == NodeStatus.NODE_STATUS_DOWN);
            long downMillis = (System.nanoTime() - k0) / 1_000_000;
            // The other worker's own membership drops h3 too (gossip, not the manager's session table).
            awaitMembers(lab, "jscl-h2", Set.of(managerId));
            awaitMembers(lab, "jscl-h1", Set.of(h2Id));
            assertTrue(metric(scrape(lab, 1), "jswarm_membership_removals_total{cause=\"confirmed_dead\"") >= 1
                    || metric(scrape(lab, 1), "jswarm_membership_removals_total{cause=\"suspicion_timeout\"") >= 1,
                    "the manager's membership counted h3's removal");
            h3.waitFor();
            // Restarted from its data root: Ready again, same identity, no join.
            h3 = lab.startDaemon(3, "jscl-h3");
            long s0 = System.nanoTime();
            awaitNodes(lab, "h3 Ready again", ns -> status(ns, h3Id) == NodeStatus.NODE_STATUS_READY);
            awaitMembers(lab, "jscl-h2", Set.of(managerId, h3Id)); // same identity, admitted again without a join
            long readyMillis = (System.nanoTime() - s0) / 1_000_000;
            assertEquals(3, nodes(lab, "jscl-h1").size());

            // --- a silent hang (SIGSTOP: the TCP connection stays up): Down by missed heartbeats, Ready on SIGCONT.
            long p0 = System.nanoTime();
            TestSignals.signal(h3, "STOP");
            try {
                awaitNodes(lab, "stopped h3 Down", ns -> status(ns, h3Id) == NodeStatus.NODE_STATUS_DOWN);
            } finally {
                TestSignals.signal(h3, "CONT");
            }
            long hangMillis = (System.nanoTime() - p0) / 1_000_000;
            awaitNodes(lab, "continued h3 Ready", ns -> status(ns, h3Id) == NodeStatus.NODE_STATUS_READY);

            // --- SIGKILL and restart the manager: state intact, workers come back by themselves.
            String tokenBefore = cli(lab, "jscl-h1", "join-token", "-q", "worker").out.strip();
            h1.destroyForcibly().waitFor();
            h1 = lab.startDaemon(1, "jscl-h1");
            awaitDaemon(lab, "jscl-h1");
            long m0 = System.nanoTime();
            List<NodeInfo> after = awaitNodes(lab, "workers reconnected to the restarted manager", ns -> ns.size() == 3
                    && ns.stream().allMatch(n -> n.getStatus() == NodeStatus.NODE_STATUS_READY));
            long reconnectMillis = (System.nanoTime() - m0) / 1_000_000;
            assertEquals(all.stream().map(NodeInfo::getId).toList(), after.stream().map(NodeInfo::getId).toList());
            assertEquals(tokenBefore, cli(lab, "jscl-h1", "join-token", "-q", "worker").out.strip());
            assertEquals(token, tokenBefore, "same CA digest and secret after the restart");
            assertEquals(clusterId, info(lab, "jscl-h1").getClusterId());

            // --- rotation: the old worker token stops working, the new one works.
            Result rot = cli(lab, "jscl-h1", "join-token", "--rotate", "-q", "worker");
            String newToken = rot.out.strip();
            assertNotEquals(token, newToken);
            Path h3Certs = Files.createDirectories(lab.dir().resolve("h3-old-certs"));
            for (String f : List.of("node.key", "node.crt", "ca.crt")) {
                Files.copy(certs(lab, "jscl-h3").resolve(f), h3Certs.resolve(f));
            }
            assertEquals(0, cli(lab, "jscl-h3", "leave").rc);
            r = join(lab, "jscl-h3", token, managerAddr);
            assertEquals("Error response from daemon: A valid join token is necessary to join this cluster", r.err.strip());

            // --- node rm: the old h3 identity is refused everywhere from then on.
            awaitNodes(lab, "left h3 Down", ns -> status(ns, h3Id) == NodeStatus.NODE_STATUS_DOWN);
            r = cli(lab, "jscl-h1", "node", "rm", h3Id);
            assertEquals(0, r.rc, r.all());
            assertEquals(2, nodes(lab, "jscl-h1").size());
            assertEquals("PERMISSION_DENIED: node " + h3Id + " was removed from the swarm",
                    lab.probe(3, "renew", managerAddr, h3Certs.toString()));
            assertEquals(0, join(lab, "jscl-h3", newToken, managerAddr).rc);
            awaitNodes(lab, "h3 back under a new identity", ns -> ns.size() == 3
                    && ns.stream().allMatch(n -> n.getStatus() == NodeStatus.NODE_STATUS_READY));

            // --- keys are owner-only; the last manager leaves only with --force, and forgets the swarm.
            for (String f : List.of("certificates/node.key", "ca/ca.key", "state.pb")) {
                assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(lab.dataRoot("jscl-h1").resolve("swarm").resolve(f))), f);
            }
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(certs(lab, "jscl-h2").resolve("node.key"))));
            r = cli(lab, "jscl-h1", "leave", "--force");
            assertEquals("Node left the swarm.", r.out.strip(), r.all());
            assertEquals("inactive", info(lab, "jscl-h1").getLocalNodeState());
            assertTrue(!Files.exists(lab.dataRoot("jscl-h1").resolve("swarm")), "swarm state erased");

            // --- no daemon ever logged a token secret.
            for (String d : List.of("jscl-h1", "jscl-h2", "jscl-h3", "jscl-fake")) {
                String log = lab.log(d);
                for (String secret : List.of(real.secret(), JoinToken.parse(newToken).secret())) {
                    assertTrue(!log.contains(secret), d + " logged a join token secret");
                }
            }

            System.out.printf("cluster e2e (daemons via %s): join=%d ms, SIGKILL->Down=%d ms, restart->Ready=%d ms, SIGSTOP->Down=%d ms, "
                    + "manager restart->all Ready=%d ms%n", ClusterLab.jswarm().contains("-jar") ? "jswarm.jar" : "classpath", joinMillis, downMillis, readyMillis, hangMillis, reconnectMillis);
            assertTrue(downMillis < 5_000, "SIGKILL to Down took " + downMillis + " ms");
            assertTrue(hangMillis >= 2_000, "a hang is only detected by missed heartbeats (3 s), took " + hangMillis + " ms");
        }
    }

    // ---------------------------------------------------------------- helpers

    static final int METRICS_PORT = 9323;

    static MembersResponse members(ClusterLab lab, String name) {
        try (DaemonClient c = new DaemonClient(new DaemonHost(lab.socket(name)))) {
            return c.call(Duration.ofSeconds(5), s -> s.members(MembersRequest.getDefaultInstance()));
        }
    }

    /** Waits until {@code name}'s own gossip view holds exactly {@code expected} (besides itself). */
    static void awaitMembers(ClusterLab lab, String name, Set<String> expected) throws Exception {
        await(name + " members " + expected, () -> {
            try {
                MembersResponse r = members(lab, name);
                return r.getRunning() && r.getMembersList().stream().map(io.jswarm.proto.cluster.Member::getNodeId)
                        .collect(java.util.stream.Collectors.toSet()).equals(expected);
            } catch (DaemonClient.Failure e) {
                return false;
            }
        }, lab, name);
    }

    /** GET /metrics from inside host {@code host}'s namespace (the daemon listens on its underlay address). */
    static String scrape(ClusterLab lab, int host) throws Exception {
        Process p = new ProcessBuilder("ip", "netns", "exec", lab.netns(host), "curl", "-sS", "--max-time", "5",
                "http://" + ClusterLab.addr(host) + ":" + METRICS_PORT + "/metrics").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0, "curl failed: " + out);
        return out;
    }

    /** The value of the first sample whose line starts with {@code prefix}, or -1 when there is none. */
    static double metric(String text, String prefix) {
        return text.lines().filter(l -> l.startsWith(prefix + " ") || l.startsWith(prefix + ",") || l.startsWith(prefix + "}"))
                .findFirst().map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).orElse(-1.0);
    }

    record Result(int rc, String out, String err) {
        String all() {
            return "rc=" + rc + " out=" + out + " err=" + err;
        }
    }

    @CommandLine.Command(name = "jswarm")
    static final class Top implements Runnable {
        @Override
        public void run() {
        }
    }

    /** Runs the jswarm CLI against the daemon {@code name} (in this JVM; the daemon is a separate process). */
    static Result cli(ClusterLab lab, String name, String... args) {
        CommandLine cl = ClusterCommands.register(new CommandLine(new Top()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        String[] full = new String[args.length + 2];
        full[0] = "-H";
        full[1] = "unix://" + lab.socket(name);
        System.arraycopy(args, 0, full, 2, args.length);
        int rc = cl.execute(full);
        return new Result(rc, out.toString(), err.toString());
    }

    /**
     * {@code join} with the token in an owner-only file ({@code --token-file}), never in an argument: a secret
     * in argv is readable by every user in {@code ps} (issue 9). The file is gone when this returns.
     */
    static Result join(ClusterLab lab, String name, String token, String manager) {
        Path file = null;
        try {
            file = java.nio.file.Files.createTempFile("jswarm-token-", "", java.nio.file.attribute.PosixFilePermissions
                    .asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            java.nio.file.Files.writeString(file, token + "\n");
            return cli(lab, name, "join", "--token-file", file.toString(), manager);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            if (file != null) {
                try {
                    java.nio.file.Files.deleteIfExists(file);
                } catch (java.io.IOException ignored) {
                    // a temp file; the OS cleans /tmp
                }
            }
        }
    }

    static Path certs(ClusterLab lab, String name) {
        return lab.dataRoot(name).resolve("swarm/certificates");
    }

    /**
     * {@code init} on the first daemon (the manager, at host 1's address), then every other daemon joins as a
     * worker; returns the worker join token.
     */
    static String formSwarm(ClusterLab lab, String... names) {
        var init = cli(lab, names[0], "init", "--advertise-addr", ClusterLab.addr(1));
        org.junit.jupiter.api.Assertions.assertEquals(0, init.rc(), init.all());
        String token = cli(lab, names[0], "join-token", "-q", "worker").out().strip();
        for (int h = 1; h < names.length; h++) {
            var j = join(lab, names[h], token, ClusterLab.addr(1) + ":2377");
            org.junit.jupiter.api.Assertions.assertEquals(0, j.rc(), j.all());
        }
        return token;
    }

    static void awaitDaemon(ClusterLab lab, String name) throws Exception {
        await("daemon " + name + " answering", () -> {
            try {
                info(lab, name);
                return true;
            } catch (DaemonClient.Failure e) {
                return false;
            }
        }, lab, name);
    }

    static io.jswarm.proto.cluster.InfoResponse info(ClusterLab lab, String name) {
        try (DaemonClient c = new DaemonClient(new DaemonHost(lab.socket(name)))) {
            return c.call(Duration.ofSeconds(5), s -> s.info(InfoRequest.getDefaultInstance()));
        }
    }

    static List<NodeInfo> nodes(ClusterLab lab, String name) {
        try (DaemonClient c = new DaemonClient(new DaemonHost(lab.socket(name)))) {
            return c.call(Duration.ofSeconds(5), s -> s.listNodes(ListNodesRequest.getDefaultInstance())).getNodesList();
        }
    }

    static List<NodeInfo> awaitNodes(ClusterLab lab, String what, Predicate<List<NodeInfo>> condition) throws Exception {
        var last = new java.util.concurrent.atomic.AtomicReference<List<NodeInfo>>();
        await(what, () -> {
            try {
                last.set(nodes(lab, "jscl-h1"));
                return condition.test(last.get());
            } catch (DaemonClient.Failure e) {
                return false;
            }
        }, lab, "jscl-h1");
        return last.get();
    }

    static NodeStatus status(List<NodeInfo> nodes, String id) {
        return nodes.stream().filter(n -> n.getId().equals(id)).map(NodeInfo::getStatus).findFirst().orElse(null);
    }

    static String idOf(List<NodeInfo> nodes, String hostname) {
        return nodes.stream().filter(n -> n.getHostname().equals(hostname)).map(NodeInfo::getId).findFirst().orElseThrow();
    }

    interface Check {
        boolean ok() throws Exception;
    }

    /** Polls every 50 ms for up to 90 s (daemons share two loaded cores); fails with the daemon's log tail. */
    static void await(String what, Check check, ClusterLab lab, String daemon) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            if (check.ok()) {
                return;
            }
            Thread.sleep(50);
        }
        String log = lab.log(daemon);
        fail("timed out waiting for " + what + "; " + daemon + " log tail:\n"
                + log.substring(Math.max(0, log.length() - 3000)));
    }
}
