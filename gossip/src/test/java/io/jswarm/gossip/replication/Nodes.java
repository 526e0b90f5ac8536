package io.jswarm.gossip.replication;

import static org.junit.jupiter.api.Assertions.fail;

import io.jswarm.gossip.table.EndpointRecord;
import io.jswarm.gossip.table.ViewChange;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/** Replicators on an {@link InMemoryNetwork}, each with a listener-maintained copy of its view. */
final class Nodes implements AutoCloseable {
    static final String NET = "net1";
    static final ReplicatorConfig FAST = ReplicatorConfig.DEFAULT.withAntiEntropyInterval(Duration.ofMillis(100))
            .withHousekeepingInterval(Duration.ofMillis(50));

    final InMemoryNetwork network = new InMemoryNetwork();
    final Map<String, Node> nodes = new ConcurrentHashMap<>();

    /** One replicator and the view its listener built (must always equal visible()). */
    record Node(String id, TableReplicator replicator, Map<String, EndpointRecord> view, List<ViewChange> changes) {
        Map<String, EndpointRecord> visible() {
            return replicator.visible(NET);
        }
    }

    Node start(String id, ReplicatorConfig config) {
        Map<String, EndpointRecord> view = new ConcurrentHashMap<>();
        List<ViewChange> changes = new CopyOnWriteArrayList<>();
        var r = new TableReplicator(id, network.messenger(id), config, (net, cs) -> {
            for (ViewChange c : cs) {
                changes.add(c);
                switch (c) {
                    case ViewChange.Added a -> view.put(a.endpointId(), a.record());
                    case ViewChange.Updated u -> view.put(u.endpointId(), u.record());
                    case ViewChange.Removed x -> view.remove(x.endpointId());
                }
            }
        });
        r.start();
        Node n = new Node(id, r, view, changes);
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
                String.format("02:42:0a:00:%02x:%02x", host / 250, host % 250 + 1),
                InetAddress.ofLiteral("192.168.0." + (Math.abs(owner.hashCode()) % 250 + 1)), owner);
    }

    static void await(Duration timeout, BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout + " waiting for: " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    /** Lets queued work on every replicator run (a visible() query waits behind it). */
    void settle() {
        nodes.values().forEach(n -> n.visible());
    }

    @Override
    public void close() {
        nodes.values().forEach(n -> n.replicator().close());
    }
}
