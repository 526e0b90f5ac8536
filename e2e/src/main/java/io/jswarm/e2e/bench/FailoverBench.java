package io.jswarm.e2e.bench;

import io.grpc.StatusRuntimeException;
import io.jswarm.testkit.DaemonLab;
import io.jswarm.proto.cluster.InfoRequest;
import io.jswarm.proto.cluster.InitRequest;
import io.jswarm.proto.cluster.ListNodesRequest;
import io.jswarm.proto.cluster.LocalJoinRequest;
import io.jswarm.proto.cluster.Member;
import io.jswarm.proto.cluster.MembersRequest;
import io.jswarm.proto.cluster.MembersResponse;
import io.jswarm.proto.cluster.NodeInfo;
import io.jswarm.proto.cluster.NodeStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * {@code failover}: three hosts, real daemons (h1 manager, h2 and h3 workers). Each run SIGKILLs one worker
 * daemon (h3 and h2 in turn) and measures, polling every survivor's local API every 20 ms, (a) until every
 * survivor's own gossip membership dropped it and (b) until the manager's {@code node ls} shows it Down; then
 * restarts it (same identity, no join) and waits until it is Ready and a member everywhere again. Finally both
 * cores are saturated by two busy loops for {@code hogSeconds} while nothing is killed: every removal a node
 * counts then, and every non-Ready status the manager shows, is a false one.
 */
final class FailoverBench {
    private static final int HOSTS = 3;
    private static final long POLL_MS = 20;
    private static final long DEADLINE_MS = 30_000;

    private FailoverBench() {
    }

    static Map<String, Object> run(int runs, int hogSeconds, String family) throws Exception {
        try (DaemonLab lab = DaemonLab.create(family, HOSTS)) {
            Process[] daemons = new Process[HOSTS + 1];
            String[] ids = formCluster(lab, daemons);
            Bench.log("failover: 3 nodes Ready, every membership complete");

            List<Double> removed = new ArrayList<>();
            List<Double> down = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                int victim = r % 2 == 0 ? 3 : 2;
                List<Integer> survivors = java.util.stream.IntStream.rangeClosed(1, HOSTS).filter(h -> h != victim).boxed().toList();
                long t0 = System.nanoTime();
                daemons[victim].destroyForcibly(); // SIGKILL, by the PID this bench started
                double removedMs = -1;
                double downMs = -1;
                Set<Integer> dropped = new java.util.HashSet<>();
                while (removedMs < 0 || downMs < 0) {
                    long elapsed = (System.nanoTime() - t0) / 1_000_000;
                    if (elapsed > DEADLINE_MS) {
                        throw new AssertionError("h" + victim + " not dropped within " + DEADLINE_MS + " ms (removed="
                                + removedMs + " down=" + downMs + ")\n" + tail(lab, 1));
                    }
                    for (int s : survivors) {
                        if (!dropped.contains(s) && !memberIds(lab, s).contains(ids[victim])) {
                            dropped.add(s);
                        }
                    }
                    if (removedMs < 0 && dropped.size() == survivors.size()) {
                        removedMs = ms(t0);
                    }
                    if (downMs < 0 && status(lab, ids[victim]) == NodeStatus.NODE_STATUS_DOWN) {
                        downMs = ms(t0);
                    }
                    Thread.sleep(POLL_MS);
                }
                removed.add(removedMs);
                down.add(downMs);
                Bench.log(String.format(java.util.Locale.ROOT, "failover: run %d/%d h%d removed=%.0f ms down=%.0f ms",
                        r + 1, runs, victim, removedMs, downMs));
                daemons[victim].waitFor();
                daemons[victim] = lab.startDaemon(victim);
                awaitConverged(lab, ids);
            }

            long[] before = removals(lab);
            Bench.log("failover: " + hogSeconds + " s with both cores saturated, nothing killed");
            int falseDown = 0;
            List<Process> hogs = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    hogs.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
                }
                long end = System.nanoTime() + hogSeconds * 1_000_000_000L;
                Set<String> wasDown = new java.util.HashSet<>();
                while (System.nanoTime() < end) {
                    for (NodeInfo n : lab.call(1, s -> s.listNodes(ListNodesRequest.getDefaultInstance())).getNodesList()) {
                        if (n.getStatus() != NodeStatus.NODE_STATUS_READY && wasDown.add(n.getId())) {
                            falseDown++; // counted per transition to not-Ready
                        } else if (n.getStatus() == NodeStatus.NODE_STATUS_READY) {
                            wasDown.remove(n.getId());
                        }
                    }
                    Thread.sleep(200);
                }
            } finally {
                for (Process p : hogs) {
                    p.destroyForcibly(); // by PID: only the two loops this bench started
                    p.waitFor();
                }
            }
            long[] after = removals(lab);
            long falseRemovals = 0;
            for (int h = 1; h <= HOSTS; h++) {
                falseRemovals += after[h] - before[h];
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("bench", "failover");
            out.put("runs", runs);
            out.put("removed_p50_ms", Bench.median(removed));
            out.put("removed_max_ms", removed.stream().mapToDouble(Double::doubleValue).max().orElse(0));
            out.put("down_p50_ms", Bench.median(down));
            out.put("down_max_ms", down.stream().mapToDouble(Double::doubleValue).max().orElse(0));
            out.put("hog_seconds", hogSeconds);
            out.put("false_removals", falseRemovals);
            out.put("false_down", falseDown);
            return out;
        }
    }

    /**
     * Starts a daemon on every host of {@code lab} (into {@code daemons}, index = host), runs init on h1 and
     * joins the others as workers, and waits until all are Ready and members everywhere. Returns node ids.
     */
    static String[] formCluster(DaemonLab lab, Process[] daemons) throws Exception {
        int hosts = daemons.length - 1;
        for (int h = 1; h <= hosts; h++) {
            daemons[h] = lab.startDaemon(h);
        }
        for (int h = 1; h <= hosts; h++) {
            int host = h;
            await(lab, "daemon h" + h + " answering", () -> answers(lab, host));
        }
        var init = lab.call(1, s -> s.init(InitRequest.newBuilder().setAdvertiseAddr(DaemonLab.addr(1)).build()));
        String[] ids = new String[hosts + 1];
        ids[1] = init.getNodeId();
        for (int h = 2; h <= hosts; h++) {
            int host = h;
            ids[h] = lab.call(h, s -> s.join(LocalJoinRequest.newBuilder().setToken(init.getWorkerToken())
                    .setRemoteAddr(init.getManagerAddr()).setAdvertiseAddr(DaemonLab.addr(host)).build())).getNodeId();
        }
        awaitConverged(lab, ids);
        return ids;
    }

    static boolean answers(DaemonLab lab, int host) {
        try {
            lab.call(host, s -> s.info(InfoRequest.getDefaultInstance()));
            return true;
        } catch (StatusRuntimeException e) {
            return false;
        }
    }

    /** Every node Ready on the manager, and every node's membership holding exactly the other nodes. */
    static void awaitConverged(DaemonLab lab, String[] ids) throws Exception {
        await(lab, "all Ready and members everywhere", () -> {
            try {
                List<NodeInfo> nodes = lab.call(1, s -> s.listNodes(ListNodesRequest.getDefaultInstance())).getNodesList();
                if (nodes.size() != HOSTS || !nodes.stream().allMatch(n -> n.getStatus() == NodeStatus.NODE_STATUS_READY)) {
                    return false;
                }
                for (int h = 1; h <= HOSTS; h++) {
                    Set<String> others = new java.util.HashSet<>(java.util.Arrays.asList(ids).subList(1, HOSTS + 1));
                    others.remove(ids[h]);
                    if (!memberIds(lab, h).equals(others)) {
                        return false;
                    }
                }
                return true;
            } catch (StatusRuntimeException e) {
                return false;
            }
        });
    }

    static Set<String> memberIds(DaemonLab lab, int host) {
        MembersResponse r = lab.call(host, s -> s.members(MembersRequest.getDefaultInstance()));
        return r.getMembersList().stream().map(Member::getNodeId).collect(Collectors.toSet());
    }

    private static NodeStatus status(DaemonLab lab, String id) {
        return lab.call(1, s -> s.listNodes(ListNodesRequest.getDefaultInstance())).getNodesList().stream()
                .filter(n -> n.getId().equals(id)).map(NodeInfo::getStatus).findFirst().orElse(NodeStatus.NODE_STATUS_UNKNOWN);
    }

    /** Removals each node's membership counted since its daemon started (index = host). */
    private static long[] removals(DaemonLab lab) {
        long[] r = new long[HOSTS + 1];
        for (int h = 1; h <= HOSTS; h++) {
            int host = h;
            r[h] = lab.call(host, s -> s.members(MembersRequest.getDefaultInstance())).getRemovals();
        }
        return r;
    }

    static void await(DaemonLab lab, String what, BooleanSupplier ok) throws Exception {
        long deadline = System.nanoTime() + DEADLINE_MS * 1_000_000;
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "\n" + tail(lab, 1));
            }
            Thread.sleep(50);
        }
    }

    static String tail(DaemonLab lab, int host) {
        try {
            String log = lab.log(host);
            return "h" + host + " log tail:\n" + log.substring(Math.max(0, log.length() - 2000));
        } catch (java.io.IOException e) {
            return "";
        }
    }

    static double ms(long t0) {
        return (System.nanoTime() - t0) / 1e6;
    }
}
