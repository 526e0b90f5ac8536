package io.jswarm.gossip.replication;

import io.jswarm.gossip.table.EndpointRecord;
import io.jswarm.gossip.table.ViewChange;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Replicators on an {@link InMemoryNetwork}, each with a listener-maintained copy of its view, all driven by
 * hand on one {@link ManualLoops} world: nothing happens between the test's steps, and the same test always
 * sees the same run (fixed start time, one fixed random seed per node id).
 */
final class Nodes implements AutoCloseable {
    static final String NET = "net1";
    static final ReplicatorConfig FAST = ReplicatorConfig.DEFAULT.withAntiEntropyInterval(Duration.ofMillis(100))
            .withHousekeepingInterval(Duration.ofMillis(50));

    final InMemoryNetwork network = new InMemoryNetwork();
    final ManualLoops world = new ManualLoops(Instant.parse("2026-01-01T00:00:00Z"));
    final Map<String, Node> nodes = new ConcurrentHashMap<>();

    /** One replicator and the view its listener built (must always equal visible()). */
    record Node(String id, TableReplicator replicator, Map<String, EndpointRecord> view, List<ViewChange> changes,
                List<Integer> calls) {
        Map<String, EndpointRecord> visible() {
            return replicator.visible(NET);
        }
    }

    Node start(String id, ReplicatorConfig config) {
        return start(id, config, TableTrust.NONE);
    }

    Node start(String id, ReplicatorConfig config, TableTrust trust) {
        Map<String, EndpointRecord> view = new ConcurrentHashMap<>();
        List<ViewChange> changes = new CopyOnWriteArrayList<>();
        List<Integer> calls = new CopyOnWriteArrayList<>(); // the size of each listener call, in order
        TableReplicator.Listener listener = (net, cs) -> {
            calls.add(cs.size());
            for (ViewChange c : cs) {
                changes.add(c);
                switch (c) {
                    case ViewChange.Added a -> view.put(a.endpointId(), a.record());
                    case ViewChange.Updated u -> view.put(u.endpointId(), u.record());
                    case ViewChange.Removed x -> view.remove(x.endpointId());
                }
            }
        };
        var r = new TableReplicator(id, network.messenger(id), config, listener, world,
                new SplittableRandom(id.hashCode()), world.loop(), trust);
        r.start();
        Node n = new Node(id, r, view, changes, calls);
        nodes.put(id, n);
        return n;
    }

    /** Starts each node, tells all of them that {@code ids} are the participants of NET, and joins them. */
    List<Node> startAll(ReplicatorConfig config, String... ids) {
        var out = new java.util.ArrayList<Node>();
        for (String id : ids) {
            out.add(start(id, config));
        }
        out.forEach(n -> n.replicator().participants(NET, Set.of(ids)));
        settle();
        out.forEach(n -> n.replicator().join(NET));
        return out;
    }

    static EndpointRecord record(String name, String owner, int host) {
        return new EndpointRecord(name, List.of(), InetAddress.ofLiteral("10.0." + (host / 250) + "." + (host % 250 + 1)),
                String.format("02:42:0a:00:%02x:%02x", host / 250, host % 250 + 1), vtep(owner), owner);
    }

    /** The data-path address {@link #record} gives an owner. */
    static InetAddress vtep(String owner) {
        return InetAddress.ofLiteral("192.168.0." + (Math.abs(owner.hashCode()) % 250 + 1));
    }

    /** Runs every replicator's queued work, and the messages it sends, until all are idle; no time passes. */
    void settle() {
        world.runUntilIdle();
    }

    /** Moves virtual time on, running the timers (anti-entropy, housekeeping) due on the way. */
    void advance(Duration d) {
        world.advance(d);
    }

    @Override
    public void close() {
        nodes.values().forEach(n -> n.replicator().close());
    }
}
