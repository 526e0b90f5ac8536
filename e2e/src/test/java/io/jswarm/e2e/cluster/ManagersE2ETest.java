package io.jswarm.e2e.cluster;

import static io.jswarm.e2e.cluster.ClusterE2ETest.await;
import static io.jswarm.e2e.cluster.ClusterE2ETest.awaitDaemon;
import static io.jswarm.e2e.cluster.ClusterE2ETest.cli;
import static io.jswarm.e2e.cluster.ClusterE2ETest.info;
import static io.jswarm.e2e.cluster.ClusterE2ETest.join;
import static io.jswarm.e2e.cluster.ClusterE2ETest.nodes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.cli.cluster.DaemonClient;
import io.jswarm.proto.cluster.NodeInfo;
import io.jswarm.proto.cluster.NodeStatus;
import io.jswarm.proto.state.Role;
import io.jswarm.vxlan.testing.RequiresRoot;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 (family jsmgr) on real daemons (separate JVMs) in three lab hosts, with gossip: a second manager by
 * {@code join --token <manager token>}, a worker joined through a follower and Ready on both managers (one of
 * them holds no session for it), the worker promoted to a third manager, the leader SIGKILLed (a new leader,
 * the lost one Unreachable on both survivors, writes go on), the lost manager demoted and removed, and the
 * promoted one demoted back to a worker without its keys. CLI output checked as a user reads it.
 */
@RequiresRoot
class ManagersE2ETest {
    static final Map<Integer, String> NAMES = Map.of(1, "jsmgr-h1", 2, "jsmgr-h2", 3, "jsmgr-h3");

    static List<NodeInfo> awaitOn(ClusterLab lab, String on, String what, Predicate<List<NodeInfo>> condition) throws Exception {
        AtomicReference<List<NodeInfo>> last = new AtomicReference<>(List.of());
        await(what + " on " + on, () -> {
            try {
                last.set(nodes(lab, on));
                return condition.test(last.get());
            } catch (DaemonClient.Failure e) {
                return false;
            }
        }, lab, on);
        return last.get();
    }

    static long status(List<NodeInfo> ns, String managerStatus) {
        return ns.stream().filter(n -> n.getManagerStatus().equals(managerStatus)).count();
    }

    static NodeInfo host(List<NodeInfo> ns, String name) {
        return ns.stream().filter(n -> n.getHostname().equals(name)).findFirst().orElseThrow();
    }

    static boolean allReady(List<NodeInfo> ns) {
        return ns.stream().allMatch(n -> n.getStatus() == NodeStatus.NODE_STATUS_READY);
    }

    @Test
    void managersJoinPromoteFailOverAndDemote() throws Exception {
        try (ClusterLab lab = ClusterLab.create("jsmgr")) {
            java.util.Map<String, Process> daemons = new java.util.HashMap<>();
            for (int h = 1; h <= 3; h++) {
                daemons.put(NAMES.get(h), lab.startDaemon(h, NAMES.get(h)));
            }
            for (String n : NAMES.values()) {
                awaitDaemon(lab, n);
            }
            String h1 = NAMES.get(1);
            String h2 = NAMES.get(2);
            String h3 = NAMES.get(3);
            assertEquals(0, cli(lab, h1, "init", "--advertise-addr", ClusterLab.addr(1)).rc());
            String managerToken = cli(lab, h1, "join-token", "-q", "manager").out().strip();
            String workerToken = cli(lab, h1, "join-token", "-q", "worker").out().strip();

            // --- a second manager by token; a worker through it (a follower answers joins too).
            long t0 = System.nanoTime();
            var r = join(lab, h2, managerToken, ClusterLab.addr(1) + ":2377");
            assertEquals("This node joined a swarm as a manager.", r.out().strip(), r.all());
            System.out.println("jsmgr: manager join took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            r = join(lab, h3, workerToken, ClusterLab.addr(2) + ":2377");
            assertEquals("This node joined a swarm as a worker.", r.out().strip(), r.all());
            for (String m : List.of(h1, h2)) {
                awaitOn(lab, m, "2 managers and a Ready worker", ns -> ns.size() == 3 && allReady(ns)
                        && status(ns, "Leader") == 1 && status(ns, "Reachable") == 1 && host(ns, h3).getRole() == Role.ROLE_WORKER);
            }
            var ls = cli(lab, h2, "node", "ls");
            assertEquals(0, ls.rc(), ls.all());
            assertTrue(ls.out().contains(" Leader ") && ls.out().contains(" Reachable "), ls.out());
            assertEquals("", ls.err(), "a quorum: no stale warning");
            var info = cli(lab, h2, "info");
            assertTrue(info.out().contains("  Managers: 2\n") && info.out().contains("  Quorum: yes, 2 of 2 managers reachable"),
                    info.out());
            await("the worker saved both managers", () -> io.jswarm.proto.cluster.LocalNodeState.parseFrom(
                    Files.readAllBytes(lab.dataRoot(h3).resolve("swarm/state.pb"))).getManagerAddrsCount() == 2, lab, h3);

            // --- promote the worker: a third voting manager.
            r = cli(lab, h1, "node", "promote", h3);
            assertEquals("Node " + h3 + " promoted to a manager in the swarm.", r.out().strip(), r.all());
            for (String m : List.of(h1, h2, h3)) {
                awaitOn(lab, m, "3 managers", ns -> ns.size() == 3 && allReady(ns) && status(ns, "Leader") == 1
                        && status(ns, "Reachable") == 2);
            }
            assertTrue(info(lab, h3).getIsManager());
            assertEquals("Node " + h3 + " is already a manager.", cli(lab, h2, "node", "promote", h3).out().strip());

            // --- SIGKILL the leader: a new one, the lost one Unreachable and Down on both survivors.
            String leader = nodes(lab, h1).stream().filter(NodeInfo::getLeader).findFirst().orElseThrow().getHostname();
            List<String> alive = new java.util.ArrayList<>(List.of(h1, h2, h3));
            alive.remove(leader);
            long k0 = System.nanoTime();
            daemons.get(leader).destroyForcibly().waitFor();
            List<NodeInfo> after = awaitOn(lab, alive.getFirst(), "a new leader", ns -> status(ns, "Leader") == 1
                    && !host(ns, leader).getLeader());
            long electedMs = (System.nanoTime() - k0) / 1_000_000;
            String next = after.stream().filter(NodeInfo::getLeader).findFirst().orElseThrow().getHostname();
            assertNotEquals(leader, next);
            for (String m : alive) {
                awaitOn(lab, m, "the lost manager Unreachable", ns -> host(ns, next).getLeader()
                        && host(ns, leader).getManagerStatus().equals("Unreachable")
                        && host(ns, leader).getStatus() == NodeStatus.NODE_STATUS_DOWN);
            }
            System.out.println("jsmgr: leader " + leader + " SIGKILLed; " + next + " leads, seen on " + alive.getFirst()
                    + " after " + electedMs + " ms");
            var created = cli(lab, alive.get(1), "network", "create", "-d", "overlay", "--attachable", "jsmgr-after");
            assertEquals(0, created.rc(), created.all());
            info = cli(lab, alive.getFirst(), "info");
            assertTrue(info.out().contains("  Quorum: yes, 2 of 3 managers reachable"), info.out());

            // --- a lost manager is demoted (the others vote it out), then removed.
            String lostId = host(nodes(lab, alive.getFirst()), leader).getId();
            r = cli(lab, alive.getFirst(), "node", "rm", "--force", lostId);
            assertEquals(1, r.rc(), "a manager is never removed as it is: " + r.all());
            r = cli(lab, alive.getFirst(), "node", "demote", lostId);
            assertEquals("Manager " + lostId + " demoted in the swarm.", r.out().strip(), r.all());
            r = cli(lab, alive.getFirst(), "node", "rm", "--force", lostId);
            assertEquals(0, r.rc(), r.all());
            for (String m : alive) {
                awaitOn(lab, m, "2 managers left", ns -> ns.size() == 2 && status(ns, "Leader") == 1
                        && status(ns, "Reachable") == 1 && allReady(ns));
            }

            // --- demote the current leader (from the other one): a worker again, without the CA key or the log.
            String other = alive.stream().filter(a -> !a.equals(next)).findFirst().orElseThrow();
            r = cli(lab, other, "node", "demote", next);
            assertEquals("Manager " + next + " demoted in the swarm.", r.out().strip(), r.all());
            await(next + " a worker again", () -> !info(lab, next).getIsManager()
                    && info(lab, next).getLocalNodeState().equals("active"), lab, next);
            awaitOn(lab, other, "one manager and a Ready worker", ns -> host(ns, next).getRole() == Role.ROLE_WORKER
                    && allReady(ns) && status(ns, "Leader") == 1 && host(ns, other).getLeader());
            assertFalse(Files.exists(lab.dataRoot(next).resolve("swarm/ca")), "the demoted node keeps no CA key");
            assertFalse(Files.exists(lab.dataRoot(next).resolve("swarm/raft")), "nor the Raft log");
            r = cli(lab, other, "node", "demote", other);
            assertEquals(1, r.rc());
            assertTrue(r.err().contains("attempting to demote the last manager of the swarm"), r.all());
            created = cli(lab, other, "network", "create", "-d", "overlay", "--attachable", "jsmgr-last");
            assertEquals(0, created.rc(), created.all());
        }
    }
}
