package io.jswarm.gossip.table;

import static io.jswarm.gossip.table.Fixtures.REAP;
import static io.jswarm.gossip.table.Fixtures.T0;
import static io.jswarm.gossip.table.Fixtures.del;
import static io.jswarm.gossip.table.Fixtures.record;
import static io.jswarm.gossip.table.Fixtures.table;
import static io.jswarm.gossip.table.Fixtures.up;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EndpointTableTest {

    @Test
    void versionsOrderByLamportThenOwner() {
        assertTrue(new Version(2, "a").isNewerThan(new Version(1, "z")));
        assertTrue(new Version(3, "b").isNewerThan(new Version(3, "a")));
        assertEquals(0, new Version(3, "a").compareTo(new Version(3, "a")));
        assertThrows(IllegalArgumentException.class, () -> new Version(0, "a"));
        assertThrows(IllegalArgumentException.class, () -> new Version(1, " "));
    }

    @Test
    void concurrentUpsertsResolveByVersionOnEveryReplica() {
        var a = up("ep", 5, "node-a", "x");
        var b = up("ep", 5, "node-b", "y");
        var r1 = table("r1");
        var r2 = table("r2");
        r1.merge(a, T0);
        r1.merge(b, T0);
        r2.merge(b, T0);
        r2.merge(a, T0);
        assertEquals("y", r1.visible().get("ep").name());
        assertEquals(r1.visible(), r2.visible());
    }

    @Test
    void tombstoneBeatsOlderUpsertArrivingLate() {
        var t = table("r");
        assertEquals(Optional.empty(), t.merge(del("ep", 4, "a"), T0));
        assertEquals(Optional.empty(), t.merge(up("ep", 3, "a", "old"), T0));
        assertTrue(t.visible().isEmpty());
        assertEquals(1, t.size());
    }

    @Test
    void newerUpsertBeatsTombstone() {
        var t = table("r");
        t.merge(up("ep", 1, "a", "first"), T0);
        assertInstanceOf(ViewChange.Removed.class, t.merge(del("ep", 2, "a"), T0).orElseThrow());
        var again = t.merge(up("ep", 3, "a", "again"), T0).orElseThrow();
        assertEquals("again", assertInstanceOf(ViewChange.Added.class, again).record().name());
    }

    @Test
    void tombstoneWinsAnEqualVersionTie() {
        var t = table("r");
        t.merge(del("ep", 2, "a"), T0);
        t.merge(up("ep", 2, "a", "tie"), T0);
        assertTrue(t.visible().isEmpty());
        assertTrue(EndpointTable.wins(del("ep", 2, "a"), up("ep", 2, "a", "tie")));
    }

    @Test
    void duplicatesAndSameRecordChangeNothing() {
        var t = table("r");
        assertTrue(t.merge(up("ep", 1, "a", "n"), T0).isPresent());
        assertEquals(Optional.empty(), t.merge(up("ep", 1, "a", "n"), T0));
        // A newer version with an identical record is stored but the view does not change.
        assertEquals(Optional.empty(), t.merge(up("ep", 2, "a", "n"), T0));
        var upd = t.merge(up("ep", 3, "a", "m"), T0).orElseThrow();
        assertEquals("n", assertInstanceOf(ViewChange.Updated.class, upd).previous().name());
    }

    @Test
    void localWritesBumpTheClockPastEverythingSeen() {
        var t = table("me");
        t.merge(up("remote", 41, "other", "r"), T0);
        var c = t.upsert("mine", record("mine", "me", 7));
        assertEquals(new Version(42, "me"), c.event().version());
        assertInstanceOf(ViewChange.Added.class, c.change().orElseThrow());
        var d = t.delete("mine", T0).orElseThrow();
        assertEquals(43, d.event().version().lamport());
        assertInstanceOf(ViewChange.Removed.class, d.change().orElseThrow());
        assertTrue(t.delete("remote", T0).isEmpty(), "only the owner deletes");
        assertThrows(IllegalArgumentException.class, () -> t.upsert("x", record("x", "other", 1)));
    }

    @Test
    void tombstonesAreReapedAfterTheirResidualTime() {
        var t = table("r");
        t.merge(new TableEvent.Deleted("short", new Version(1, "a"), Duration.ofMinutes(1)), T0);
        t.merge(del("long", 1, "a"), T0);
        assertEquals(0, t.tick(T0.plusSeconds(59)));
        assertEquals(1, t.tick(T0.plusSeconds(60)));
        assertEquals(1, t.tick(T0.plus(REAP)));
        assertEquals(0, t.size());
        assertTrue(t.snapshot(T0).isEmpty());
    }

    @Test
    void residualReapTimeIsExportedDecreasing() {
        var t = table("r");
        t.merge(del("ep", 1, "a"), T0);
        var d = (TableEvent.Deleted) t.snapshot(T0.plusSeconds(600)).getFirst();
        assertEquals(REAP.minusSeconds(600), d.residualReap());
        var late = (TableEvent.Deleted) t.snapshot(T0.plus(REAP).plusSeconds(5)).getFirst();
        assertEquals(Duration.ZERO, late.residualReap());
    }

    @Test
    void failedOwnerIsHiddenThenRestoredWithoutLoss() {
        var t = table("r");
        t.merge(up("e1", 1, "a", "one"), T0);
        t.merge(up("e2", 2, "a", "two"), T0);
        t.merge(up("e3", 1, "b", "three"), T0);
        var removed = t.ownerFailed("a", T0);
        assertEquals(List.of("e1", "e2"), removed.stream().map(ViewChange::endpointId).toList());
        removed.forEach(c -> assertInstanceOf(ViewChange.Removed.class, c));
        assertEquals(List.of("e3"), List.copyOf(t.visible().keySet()));
        assertEquals(List.of(), t.ownerFailed("a", T0.plusSeconds(5)), "idempotent");

        // Bug #9: events of the failed owner are still accepted (hidden) ...
        assertEquals(Optional.empty(), t.merge(up("e4", 3, "a", "four"), T0.plusSeconds(10)));
        assertEquals(0, t.tick(T0.plus(REAP).minusSeconds(1)));
        // ... and everything comes back when it does.
        var added = t.ownerAlive("a");
        assertEquals(List.of("e1", "e2", "e4"), added.stream().map(ViewChange::endpointId).toList());
        added.forEach(c -> assertInstanceOf(ViewChange.Added.class, c));
        assertEquals(4, t.visible().size());
        assertEquals(List.of(), t.ownerAlive("a"), "idempotent");
        // And its later events are visible at once.
        assertInstanceOf(ViewChange.Updated.class, t.merge(up("e1", 9, "a", "uno"), T0).orElseThrow());
    }

    @Test
    void failedOwnerEntriesAreDroppedAfterTheReapInterval() {
        var t = table("r");
        t.merge(up("e1", 1, "a", "one"), T0);
        t.merge(del("gone", 1, "b"), T0.plus(REAP)); // a tombstone not yet due
        t.ownerFailed("a", T0);
        assertEquals(1, t.tick(T0.plus(REAP)));
        assertEquals(1, t.size());
        // A peer that still has the entry re-sends it: stored hidden, dropped again by the next tick.
        assertEquals(Optional.empty(), t.merge(up("e1", 1, "a", "one"), T0.plus(REAP)));
        assertEquals(1, t.tick(T0.plus(REAP).plusSeconds(5)));
        assertEquals(List.of(), t.ownerAlive("a"), "nothing left to restore");
        assertTrue(t.merge(up("e1", 2, "a", "back"), T0).isPresent(), "its new events are accepted");
    }

    @Test
    void gracefulLeaveTombstonesAtOnceAndIdenticallyEverywhere() {
        var r1 = table("r1");
        var r2 = table("r2");
        for (var t : List.of(r1, r2)) {
            t.merge(up("e1", 4, "a", "one"), T0);
            t.merge(up("e2", 1, "b", "two"), T0);
        }
        var c1 = r1.ownerLeft("a", T0);
        assertEquals(List.of(new ViewChange.Removed("e1", record("one", "a", 5))), c1);
        r2.ownerLeft("a", T0);
        assertEquals(r1.digest(), r2.digest());
        assertEquals(new Version(5, "a"), r1.snapshot(T0).getFirst().version());
        // A late relayed upsert of the departed owner does not reappear.
        assertEquals(Optional.empty(), r1.merge(up("e9", 3, "a", "late"), T0));
        assertEquals(List.of("e2"), List.copyOf(r1.visible().keySet()));
        // Left while failed: tombstoned, nothing more to remove from the view.
        var r3 = table("r3");
        r3.merge(up("e1", 4, "a", "one"), T0);
        r3.ownerFailed("a", T0);
        assertEquals(List.of(), r3.ownerLeft("a", T0));
        assertInstanceOf(TableEvent.Deleted.class, r3.snapshot(T0).getFirst());
    }

    @Test
    void ownerThatLeftAndRejoinsIsVisibleAgainWithNewerEvents() {
        var t = table("r");
        t.merge(up("e1", 4, "a", "one"), T0);
        t.ownerLeft("a", T0);
        assertTrue(t.isAbsent("a"));
        assertEquals(List.of(), t.ownerAlive("a"), "its entries were deleted, not hidden");
        assertEquals(Optional.empty(), t.merge(up("e1", 5, "a", "stale"), T0), "the tombstone (5, a) wins the tie");
        var back = t.merge(up("e1", 6, "a", "back"), T0).orElseThrow();
        assertEquals("back", assertInstanceOf(ViewChange.Added.class, back).record().name());
    }

    @Test
    void localNodeLivenessIsRejected() {
        var t = table("me");
        assertThrows(IllegalArgumentException.class, () -> t.ownerFailed("me", T0));
        assertThrows(IllegalArgumentException.class, () -> t.ownerLeft("me", T0));
        assertFalse(t.isAbsent("me"));
    }

    @Test
    void diffSendsOnlyDifferingBuckets() {
        var a = new EndpointTable("net1", "ra", REAP, 64);
        var b = new EndpointTable("net1", "rb", REAP, 64);
        for (int i = 0; i < 200; i++) {
            var e = up("ep" + i, 1, "o", "n" + i);
            a.merge(e, T0);
            b.merge(e, T0);
        }
        assertEquals(List.of(), a.diff(b.digest(), T0));
        a.merge(up("ep7", 2, "o", "changed"), T0);
        var d = a.diff(b.digest(), T0);
        assertTrue(d.stream().anyMatch(e -> e.endpointId().equals("ep7")));
        assertTrue(d.size() < 20, "one bucket of ~200/64 entries, got " + d.size());
        b.mergeAll(d, T0);
        assertEquals(a.digest(), b.digest());
        assertEquals(200, a.size());
        // The diff is taken at the peer's bucket count: finer buckets, fewer entries resent.
        a.merge(up("ep8", 2, "o", "changed"), T0);
        var fine = a.diff(b.digest(1024), T0);
        assertEquals(List.of("ep8"), fine.stream().map(TableEvent::endpointId).toList());
        assertEquals(200, a.diff(new Digest(List.of(0L)), T0).size());
    }

    /** The entry gate checks only what {@code takes} says the merge would store: the two must always agree. */
    @Test
    void takesIsExactlyWhetherMergeStoresTheEvent() {
        TableEvent base = up("e1", 5, "a", "web");
        List<TableEvent> candidates = List.of(base, up("e1", 4, "a", "web"), up("e1", 6, "a", "web"),
                up("e1", 5, "a", "api"), up("e1", 5, "a", "zzz"), up("e1", 5, "b", "web"), up("e1", 5, "0", "web"),
                del("e1", 5, "a"), del("e1", 4, "a"), del("e1", 6, "a"), up("e2", 1, "a", "web"));
        int taken = 0;
        for (TableEvent c : candidates) {
            EndpointTable t = table("local");
            t.merge(base, T0);
            boolean takes = t.takes(c);
            t.merge(c, T0);
            boolean stored = t.entry(c.endpointId()).orElseThrow().equals(c) && (c != base);
            assertEquals(stored, takes, "takes(" + c + ")");
            taken += takes ? 1 : 0;
        }
        assertTrue(taken >= 4 && taken < candidates.size() - 2, "both outcomes covered: " + taken);
        // A tombstone held: the same tombstone again and the upsert it deleted are not taken.
        EndpointTable t = table("local");
        t.merge(base, T0);
        t.merge(del("e1", 6, "a"), T0);
        assertFalse(t.takes(del("e1", 6, "a")));
        assertFalse(t.takes(base));
    }
}
