package io.jswarm.e2e.bench;

import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.Identifiers;
import io.jswarm.encryption.Role;
import io.jswarm.gossip.MembershipConfig;
import io.jswarm.gossip.replication.ReplicatorStats;
import io.jswarm.gossip.table.EndpointRecord;
import io.jswarm.proto.table.TableMessage;
import io.jswarm.vxlan.MacAddress;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code scale}: N agents in this JVM, each a real membership (mutual TLS on its own address 198.51.100.(i+1),
 * ephemeral port, a fresh cluster CA per run so nothing else can join), a table replicator and a
 * data plane over an in-memory kernel; one network. Memberships start staggered (simultaneous joins storm,
 * see the scalecube reference). Then E endpoints spread over the nodes are upserted at once, and the clock runs
 * until every node's visible view holds all of them and its kernel has every remote one; then churn (a fifth,
 * at most 200, deleted and re-added with new addresses) and the same again. Nothing is stopped during the run,
 * so every membership removal is a false one. The JVM runs inside a network namespace made for it that holds
 * 198.51.100.1..N on its loopback ({@code e2e/bench scale} and the smoke test make it): no traffic outside.
 */
final class ScaleBench {
    static final String NET = "scale";
    private static final Duration STAGGER = Duration.ofMillis(250);
    private static final long MEMBERSHIP_DEADLINE_MS = 90_000;
    private static final long CONVERGE_DEADLINE_MS = 60_000;
    private static final long QUIET_DEADLINE_MS = 60_000;
    private static final Duration PING_INTERVAL = Duration.ofSeconds(5);
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(3);
    /** Pings every 2 s with acks and the odd gossip: about 2 per node and second when nothing happens. */
    private static final int QUIET_MESSAGES_PER_NODE_SECOND = 4;

    private ScaleBench() {
    }

    static Map<String, Object> run(int nodes, int endpoints, String family) throws Exception {
        var ca = CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1), InstantSource.system());
        AtomicInteger removals = new AtomicInteger();
        List<ScaleAgent> agents = new ArrayList<>();
        try {
            long t0 = System.nanoTime();
            List<InetSocketAddress> seeds = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                InetAddress host = InetAddress.ofLiteral("198.51.100." + (i + 1));
                var config = membershipConfig(new InetSocketAddress(host, 0), seeds);
                InetAddress vtep = InetAddress.ofLiteral("203.0.113." + (i + 1));
                var agent = new ScaleAgent(ca.issue(Identifiers.newId(), Role.WORKER, Duration.ofDays(1)), config,
                        vtep, family, removals, ca);
                agents.add(agent);
                agent.start();
                if (seeds.size() < 3) {
                    seeds.add(agent.membership.self().gossipAddress());
                }
                Thread.sleep(STAGGER.toMillis());
            }
            awaitMembership(agents, t0);
            double startupMs = ms(t0);
            Bench.log(String.format(java.util.Locale.ROOT, "scale: %d members see each other after %.0f ms"
                    + " (removals so far %d)", nodes, startupMs, removals.get()));
            long quietMs = awaitQuiet(agents);
            long heapMb = heapAfterGcMb();
            Bench.log("scale: membership traffic quiet after another " + quietMs + " ms; heap after GC " + heapMb
                    + " MB (" + heapMb * 1024 / nodes + " KiB per node)");
            Set<String> ids = new HashSet<>();
            agents.forEach(a -> ids.add(a.id()));
            agents.forEach(a -> a.replicator.participants(NET, ids));
            Map<String, InetAddress> vteps = new HashMap<>();
            agents.forEach(a -> vteps.put(a.id(), a.vtep));
            agents.forEach(a -> a.replicator.dataAddresses(vteps)); // as the manager's view would
            var grants = new ScaleGrants(ca);
            Thread.sleep(100); // as the manager's view would: everyone knows the participants before anyone joins
            agents.forEach(a -> a.replicator.join(NET));
            Thread.sleep(500); // the (empty) join exchanges settle
            ReplicatorStats[] before = stats(agents);
            double[] gossipBefore = agents.stream().mapToDouble(ScaleAgent::gossipBytesOut).toArray();

            Map<String, EndpointRecord> expected = new TreeMap<>();
            // Granted before the clock starts: the manager's work at attach, not the replication measured here.
            List<ScaleGrants.Granted> initial = new ArrayList<>();
            for (int k = 0; k < endpoints; k++) {
                ScaleAgent owner = agents.get(k % nodes);
                initial.add(grants.grant(NET, "ep-" + k, record(k, 0, owner), owner.entryKey));
            }
            long[] hs1 = handshakes(agents);
            long[] verify1 = ScaleGrants.verifications(agents);
            var cpu1 = CpuByThread.start();
            long t1 = System.nanoTime();
            for (int k = 0; k < endpoints; k++) {
                ScaleAgent owner = agents.get(k % nodes);
                ScaleGrants.Granted g = initial.get(k);
                expected.put("ep-" + k, g.record());
                owner.replicator.upsert(NET, "ep-" + k, g.record(), g.grant());
            }
            long[] before1 = traffic(agents);
            long[] nodeMs1 = awaitConverged(agents, expected, t1, "initial", removals);
            double convergeMs = ms(t1);
            Map<String, Object> where1 = whereTimeGoes(agents, before1, nodeMs1, t1);
            where1.putAll(handshakesSince(agents, hs1));
            where1.putAll(cpu1.since());
            where1.putAll(ScaleGrants.verificationsSince(agents, verify1, endpoints * (nodes - 1.0) / nodes));
            Bench.log("scale: initial phase " + where1);
            Bench.log(String.format(java.util.Locale.ROOT, "scale: %d endpoints on all %d nodes after %.0f ms"
                    + " (removals so far %d)", endpoints, nodes, convergeMs, removals.get()));

            int churn = Math.min(200, endpoints / 5);
            Map<Integer, ScaleGrants.Granted> again = new HashMap<>();
            for (int k = 0; k < churn * 5; k += 5) {
                ScaleAgent owner = agents.get(k % nodes);
                again.put(k, grants.grant(NET, "ep-" + k, record(k, 1, owner), owner.entryKey));
            }
            long[] before2 = traffic(agents);
            long[] hs2 = handshakes(agents);
            long[] verify2 = ScaleGrants.verifications(agents);
            var cpu2 = CpuByThread.start();
            long t2 = System.nanoTime();
            for (int k = 0; k < churn * 5; k += 5) {
                agents.get(k % nodes).replicator.delete(NET, "ep-" + k);
                expected.remove("ep-" + k);
            }
            for (int k = 0; k < churn * 5; k += 5) {
                ScaleAgent owner = agents.get(k % nodes);
                ScaleGrants.Granted g = again.get(k); // a re-created task: same id, new address
                expected.put("ep-" + k, g.record());
                owner.replicator.upsert(NET, "ep-" + k, g.record(), g.grant());
            }
            long[] nodeMs2 = awaitConverged(agents, expected, t2, "churn", removals);
            double churnMs = ms(t2);
            Map<String, Object> where2 = whereTimeGoes(agents, before2, nodeMs2, t2);
            where2.putAll(handshakesSince(agents, hs2));
            where2.putAll(cpu2.since());
            // Learned in churn: the deletes (same grants, cached) and the re-adds (new grants) of remote owners.
            where2.putAll(ScaleGrants.verificationsSince(agents, verify2, 2 * churn * (nodes - 1.0) / nodes));
            Bench.log("scale: churn phase " + where2);
            Bench.log(String.format(java.util.Locale.ROOT, "scale: %d deletes + %d re-adds converged after %.0f ms",
                    churn, churn, churnMs));

            ReplicatorStats[] after = stats(agents);
            long msgs = 0;
            long bytes = 0;
            long rejected = 0;
            for (int i = 0; i < nodes; i++) {
                msgs += after[i].messagesSent() - before[i].messagesSent();
                bytes += after[i].bytesSent() - before[i].bytesSent();
                rejected += after[i].rejected();
            }
            double gossipBytes = 0;
            for (int i = 0; i < nodes; i++) {
                gossipBytes += agents.get(i).gossipBytesOut() - gossipBefore[i];
            }
            for (ScaleAgent a : agents) {
                if (!a.errors.isEmpty()) {
                    throw new AssertionError("data plane error on " + a.id() + ": " + a.errors.getFirst());
                }
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("bench", "scale");
            out.put("nodes", nodes);
            out.put("endpoints", endpoints);
            out.put("churn", churn);
            out.put("membership_ms", startupMs);
            out.put("membership_quiet_ms", quietMs);
            out.put("heap_mb_before_burst", heapMb);
            out.put("converge_ms", convergeMs);
            out.put("churn_converge_ms", churnMs);
            out.put("msgs_per_node", msgs / nodes);
            out.put("bytes_per_node", bytes / nodes);
            out.put("gossip_bytes_per_node", (long) (gossipBytes / nodes));
            out.put("rejected", rejected);
            out.put("signed", ScaleGrants.SIGNED);
            out.put("shared_verification", ScaleGrants.SHARED);
            out.putAll(ScaleGrants.cost(ca, 2000));
            out.put("refused_entries", agents.stream().mapToLong(a -> a.replicator.refusedEntries()).sum());
            out.put("false_removals", (long) removals.get());
            where1.forEach((k, v) -> out.put("converge_" + k, v)); // flat: Bench.json has no nesting
            where2.forEach((k, v) -> out.put("churn_" + k, v));
            return out;
        } finally {
            shutdown(agents);
        }
    }

    /**
     * The LAN preset made lighter for N members in one JVM on 2 shared cores, where the membership layer, not
     * the tables, is the bottleneck: every join is a gossip repeated to {@code fanout} peers for
     * {@code repeatMult * log2 N} rounds, each its own TLS write; with the preset the event loops fell behind
     * (tens of thousands of queued writes at N=30, measured), metadata fetches timed out and SWIM removed live
     * members. So: pings every 5 s (3 s timeout), gossip every 300 ms repeated 2x, a 15 s full sync, and 5 s
     * connect/metadata deadlines. Detection speed does not matter here: nothing fails on purpose. With 2 s /
     * 1 s, 100 members collapsed in the burst (4,697 false removals, measured): the table threads took the
     * cores from the event loops for longer than a ping timeout, and each removal's cascade made it worse.
     */
    private static MembershipConfig membershipConfig(InetSocketAddress advertise, List<InetSocketAddress> seeds) {
        var lan = MembershipConfig.lan(advertise);
        return new MembershipConfig(advertise, List.copyOf(seeds), PING_INTERVAL, PING_TIMEOUT,
                lan.pingReqMembers(), lan.suspicionMult(), Duration.ofSeconds(15), Duration.ofSeconds(5),
                Duration.ofMillis(300), lan.gossipFanout(), 2, Duration.ofSeconds(5), Duration.ofSeconds(5),
                lan.maxFrameLength(), lan.deathProbes(), lan.deathProbeInterval(), lan.deathProbeTimeout(),
                lan.flapHoldDown());
    }

    /** Endpoint k, generation g: address 10.128.0.0 + 2 + k + 30000 g in the network's /16, MAC from it. */
    private static EndpointRecord record(int k, int generation, ScaleAgent owner) {
        int n = 2 + k + 30_000 * generation;
        InetAddress ip = InetAddress.ofLiteral("10.128." + (n >> 8) + "." + (n & 0xff));
        return new EndpointRecord("task-" + k, List.of(), ip, MacAddress.forIpv4((Inet4Address) ip).toString(),
                owner.vtep, owner.id());
    }

    private static void awaitMembership(List<ScaleAgent> agents, long t0) throws InterruptedException {
        int others = agents.size() - 1;
        for (ScaleAgent a : agents) {
            while (a.membership.members().size() != others) {
                if (ms(t0) > MEMBERSHIP_DEADLINE_MS) {
                    throw new AssertionError("membership incomplete after " + MEMBERSHIP_DEADLINE_MS + " ms: "
                            + a.id() + " sees " + a.membership.members().size() + " of " + others);
                }
                Thread.sleep(50);
            }
        }
    }

    /**
     * Waits (at most QUIET_DEADLINE_MS) until the memberships' own traffic is down to a few messages per node
     * and second: at 100 nodes on 2 shared cores the joins' gossip is still queued in the event loops (a
     * million writes and a full heap, measured) long after every member sees every other, and a table burst
     * started then measures that backlog, not replication. Returns the time waited.
     */
    private static long awaitQuiet(List<ScaleAgent> agents) throws InterruptedException {
        long t = System.nanoTime();
        double last = gossipMessagesOut(agents);
        while (ms(t) < QUIET_DEADLINE_MS) {
            Thread.sleep(1000);
            double now = gossipMessagesOut(agents);
            if (now - last < QUIET_MESSAGES_PER_NODE_SECOND * agents.size()) {
                break;
            }
            last = now;
        }
        return (long) ms(t);
    }

    /** Live heap (a full GC first) in MB: what N members, their connections and empty tables hold. */
    private static long heapAfterGcMb() {
        System.gc();
        var heap = java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return heap.getUsed() >> 20;
    }

    private static double gossipMessagesOut(List<ScaleAgent> agents) {
        double sum = 0;
        for (ScaleAgent a : agents) {
            sum += a.registry.find("jswarm.gossip.messages").tag("direction", "out").counters().stream()
                    .mapToDouble(c -> c.count()).sum();
        }
        return sum;
    }

    private static final TableMessage.KindCase[] KINDS = {TableMessage.KindCase.EVENT, TableMessage.KindCase.EVENTS,
            TableMessage.KindCase.PAGE, TableMessage.KindCase.DIGEST};

    /** Messages received so far by kind (KINDS order), summed over the nodes. */
    private static long[] traffic(List<ScaleAgent> agents) {
        long[] out = new long[KINDS.length];
        for (ScaleAgent a : agents) {
            for (int k = 0; k < KINDS.length; k++) {
                out[k] += a.traffic.received(KINDS[k]);
            }
        }
        return out;
    }

    /**
     * Where a phase's time went: when the nodes converged (first, median, last, at the bench's 20 ms polling),
     * how many direct events and anti-entropy messages (digests, pages) arrived meanwhile, and when the last
     * direct event and the last page came in. Pages in a phase mean a direct event was late or lost and
     * anti-entropy carried it.
     */
    private static Map<String, Object> whereTimeGoes(List<ScaleAgent> agents, long[] before, long[] nodeMs, long t0) {
        long[] after = traffic(agents);
        long[] sorted = nodeMs.clone();
        java.util.Arrays.sort(sorted);
        long lastEvents = 0;
        long lastPage = 0;
        for (ScaleAgent a : agents) {
            lastEvents = Math.max(lastEvents, Math.max(a.traffic.lastReceivedNanos(TableMessage.KindCase.EVENT),
                    a.traffic.lastReceivedNanos(TableMessage.KindCase.EVENTS)));
            lastPage = Math.max(lastPage, a.traffic.lastReceivedNanos(TableMessage.KindCase.PAGE));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("node_first_ms", sorted[0]);
        out.put("node_median_ms", sorted[sorted.length / 2]);
        out.put("node_last_ms", sorted[sorted.length - 1]);
        out.put("events_received", after[0] + after[1] - before[0] - before[1]);
        out.put("pages_received", after[2] - before[2]);
        out.put("digests_received", after[3] - before[3]);
        out.put("last_event_ms", lastEvents > t0 ? (lastEvents - t0) / 1_000_000 : -1);
        out.put("last_page_ms", lastPage > t0 ? (lastPage - t0) / 1_000_000 : -1);
        return out;
    }

    /**
     * Polls each node until converged (a converged node is checked again at the end: it must stay so); returns
     * each node's convergence time in ms since {@code t0}.
     */
    private static long[] awaitConverged(List<ScaleAgent> agents, Map<String, EndpointRecord> expected, long t0,
                                       String phase, AtomicInteger removals) throws IOException, InterruptedException {
        Map<String, EndpointRecord> want = Map.copyOf(expected);
        List<ScaleAgent> pending = new ArrayList<>(agents);
        long[] at = new long[agents.size()];
        while (!pending.isEmpty()) {
            pending.removeIf(a -> {
                try {
                    if (a.converged(want)) {
                        at[agents.indexOf(a)] = (System.nanoTime() - t0) / 1_000_000;
                        return true;
                    }
                    return false;
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            if (pending.isEmpty()) {
                break;
            }
            if (ms(t0) > CONVERGE_DEADLINE_MS) {
                throw new AssertionError(phase + ": " + pending.size() + " nodes not converged after "
                        + CONVERGE_DEADLINE_MS + " ms; e.g. " + pending.getFirst().diagnose(want)
                        + "; false removals so far: " + removals.get());
            }
            Thread.sleep(20);
        }
        for (ScaleAgent a : agents) {
            if (!a.converged(want)) {
                throw new AssertionError(phase + ": diverged again: " + a.diagnose(want) + "; false removals so far: "
                        + removals.get());
            }
        }
        return at;
    }

    /** Completed TLS handshakes (client + server side) and their total time in ms, summed over the nodes. */
    private static long[] handshakes(List<ScaleAgent> agents) {
        long count = 0;
        double ms = 0;
        for (ScaleAgent a : agents) {
            for (var t : a.registry.find("jswarm.gossip.handshakes").timers()) {
                count += t.count();
                ms += t.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        }
        return new long[] {count, (long) ms};
    }

    private static Map<String, Object> handshakesSince(List<ScaleAgent> agents, long[] before) {
        long[] now = handshakes(agents);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("handshakes", now[0] - before[0]);
        out.put("handshake_ms_total", now[1] - before[1]);
        return out;
    }

    private static ReplicatorStats[] stats(List<ScaleAgent> agents) {
        return agents.stream().map(a -> a.replicator.stats()).toArray(ReplicatorStats[]::new);
    }

    /** Replicators first, then every membership at once (crash: closing N transports one by one takes long). */
    private static void shutdown(List<ScaleAgent> agents) {
        agents.forEach(a -> a.replicator.close());
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            agents.forEach(a -> ex.submit(a.membership::crash));
        }
    }

    private static double ms(long t0) {
        return (System.nanoTime() - t0) / 1e6;
    }
}
