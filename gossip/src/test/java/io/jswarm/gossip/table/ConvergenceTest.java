package io.jswarm.gossip.table;

import static io.jswarm.gossip.table.Fixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property: replicas that receive the same events in random orders, with duplicates and drops, end identical
 * after anti-entropy rounds; and the {@link ViewChange}s each replica reports, applied to a "kernel" map,
 * reproduce its visible view (so the agent can program the kernel from the changes alone).
 */
class ConvergenceTest {

    static List<Long> seeds() {
        var out = new ArrayList<Long>();
        for (long s = 1; s <= 200; s++) {
            out.add(s * 7919);
        }
        return out;
    }

    /** A replica plus the kernel state programmed from its view changes. */
    private record Replica(EndpointTable table, Map<String, EndpointRecord> kernel) {
        void program(List<ViewChange> changes) {
            for (ViewChange c : changes) {
                switch (c) {
                    case ViewChange.Added a -> assertEquals(null, kernel.put(a.endpointId(), a.record()), "double add");
                    case ViewChange.Updated u -> assertEquals(u.previous(), kernel.put(u.endpointId(), u.record()));
                    case ViewChange.Removed r -> assertEquals(r.previous(), kernel.remove(r.endpointId()));
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void replicasConverge(long seed) {
        var rnd = new Random(seed);
        int n = 2 + rnd.nextInt(4);
        var replicas = new ArrayList<Replica>();
        for (int i = 0; i < n; i++) {
            replicas.add(new Replica(new EndpointTable("net1", "node" + i, Fixtures.REAP, 1 << rnd.nextInt(7)),
                    new HashMap<>()));
        }
        var now = T0;
        // Each owner writes to its own endpoints; events are delivered to other replicas later, messily.
        var events = new ArrayList<TableEvent>();
        int ops = 5 + rnd.nextInt(60);
        for (int i = 0; i < ops; i++) {
            int owner = rnd.nextInt(n);
            var r = replicas.get(owner);
            String id = "ep-" + owner + "-" + rnd.nextInt(6);
            if (rnd.nextInt(4) == 0) {
                r.table().delete(id, now).ifPresent(c -> {
                    events.add(c.event());
                    c.change().ifPresent(v -> r.program(List.of(v)));
                });
            } else {
                var c = r.table().upsert(id, Fixtures.record("name" + rnd.nextInt(3), "node" + owner, 1 + rnd.nextInt(200)));
                events.add(c.event());
                c.change().ifPresent(v -> r.program(List.of(v)));
            }
            // Interleave some gossip with the writes so later writes see remote clocks.
            if (rnd.nextInt(3) == 0 && !events.isEmpty()) {
                var peer = replicas.get(rnd.nextInt(n));
                var e = events.get(rnd.nextInt(events.size()));
                peer.table().merge(e, now).ifPresent(v -> peer.program(List.of(v)));
            }
        }
        for (var r : replicas) {
            var delivery = new ArrayList<TableEvent>();
            for (var e : events) {
                int copies = rnd.nextInt(10) < 3 ? 0 : 1 + rnd.nextInt(2); // 30 % dropped, some duplicated
                for (int c = 0; c < copies; c++) {
                    delivery.add(e);
                }
            }
            java.util.Collections.shuffle(delivery, rnd);
            // Owners blip while events arrive: their entries are hidden (and their events still accepted),
            // then restored when they come back; the kernel must follow exactly.
            var failed = new java.util.HashSet<String>();
            for (var e : delivery) {
                if (rnd.nextInt(8) == 0) {
                    String other = "node" + rnd.nextInt(n);
                    if (!other.equals(r.table().localNode())) {
                        if (failed.add(other)) {
                            r.program(r.table().ownerFailed(other, now));
                        } else {
                            failed.remove(other);
                            r.program(r.table().ownerAlive(other));
                        }
                        assertEquals(failed.contains(other), r.table().isAbsent(other));
                        assertEquals(r.table().visible(), r.kernel());
                    }
                }
                r.table().merge(e, now).ifPresent(v -> r.program(List.of(v)));
            }
            for (String other : failed) {
                r.program(r.table().ownerAlive(other));
            }
        }
        // Anti-entropy: random pairs exchange digests and the entries the other lacks (through the codec's
        // paging, as on the wire) until every digest agrees; bounded so a livelock fails the test.
        int rounds = 0;
        while (!allEqual(replicas) && rounds < 500) {
            rounds++;
            var a = replicas.get(rnd.nextInt(n));
            var b = replicas.get(rnd.nextInt(n));
            if (a == b) {
                continue;
            }
            exchange(a, b, now);
            exchange(b, a, now);
        }
        assertTrue(allEqual(replicas), "not converged after " + rounds + " rounds, seed " + seed);
        var reference = replicas.getFirst().table();
        for (var r : replicas) {
            assertEquals(reference.snapshot(now), r.table().snapshot(now), "seed " + seed);
            assertEquals(r.table().visible(), r.kernel(), "kernel programmed from view changes, seed " + seed);
        }
        // Each owner's endpoints are what the owner itself wrote last.
        for (int i = 0; i < n; i++) {
            String owner = "node" + i;
            var own = new HashMap<String, EndpointRecord>();
            replicas.get(i).table().visible().forEach((k, v) -> {
                if (v.ownerNode().equals(owner)) {
                    own.put(k, v);
                }
            });
            var seen = new HashMap<String, EndpointRecord>();
            reference.visible().forEach((k, v) -> {
                if (v.ownerNode().equals(owner)) {
                    seen.put(k, v);
                }
            });
            assertEquals(own, seen, "seed " + seed);
        }
    }

    private static void exchange(Replica from, Replica to, java.time.Instant now) {
        var missing = from.table().diff(to.table().digest(), now);
        var limits = new PageLimits(1 + missing.size() / 3, PageLimits.MIN_BYTES);
        for (var page : TableCodec.paginate("net1", missing, limits)) {
            var decoded = TableCodec.fromProto(TableCodec.toProto(page));
            to.program(to.table().mergeAll(decoded.events(), now));
        }
    }

    private static boolean allEqual(List<Replica> replicas) {
        var first = replicas.getFirst().table();
        for (var r : replicas) {
            if (!r.table().snapshot(T0).equals(first.snapshot(T0))) {
                return false;
            }
        }
        return true;
    }
}
