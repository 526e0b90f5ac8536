package io.jswarm.gossip.replication;

import static io.jswarm.gossip.replication.Nodes.FAST;
import static io.jswarm.gossip.replication.Nodes.NET;
import static io.jswarm.gossip.replication.Nodes.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.gossip.table.EndpointRecord;
import io.jswarm.gossip.table.PageLimits;
import io.jswarm.gossip.table.TableEvent;
import io.jswarm.gossip.table.Version;
import io.jswarm.gossip.table.ViewChange;
import io.jswarm.proto.table.TableMessage;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Replicators stepped by hand ({@link Nodes}, {@link ManualLoops}): {@code settle()} delivers everything in
 * flight without time passing, {@code advance(d)} runs the anti-entropy and housekeeping rounds due within
 * {@code d} of virtual time. No test sleeps or depends on the machine's speed.
 */
class TableReplicatorTest {

    @Test
    void upsertReachesEveryParticipantAndListenersMatchVisible() {
        try (Nodes ns = new Nodes()) {
            var all = ns.startAll(FAST, "a", "b", "c");
            all.get(0).replicator().upsert(NET, "e1", record("web.1", "a", 1));
            all.get(1).replicator().upsert(NET, "e2", record("web.2", "b", 2));
            ns.settle(); // direct events only: no anti-entropy round has run
            for (var n : all) {
                assertEquals(Set.of("e1", "e2"), n.visible().keySet(), n.id() + " sees both");
                assertEquals(n.visible(), n.view(), "listener view of " + n.id());
            }
            all.get(0).replicator().delete(NET, "e1");
            ns.settle();
            for (var n : all) {
                assertEquals(Set.of("e2"), n.visible().keySet(), n.id() + " sees the delete");
                assertEquals(n.visible(), n.view(), "listener view of " + n.id());
            }
            assertEquals(Set.of(NET), all.get(2).replicator().networks());
        }
    }

    @Test
    void aNonParticipantReceivesNothingAndIsAnsweredNothing() {
        try (Nodes ns = new Nodes()) {
            var all = ns.startAll(FAST, "a", "b");
            var outsider = ns.start("c", FAST);
            all.get(0).replicator().upsert(NET, "e1", record("web.1", "a", 1));
            ns.settle();
            assertTrue(all.get(1).visible().containsKey("e1"), "b sees e1");
            long digests = digestsTo(ns, "a", "b");
            ns.advance(Duration.ofMillis(400)); // four anti-entropy rounds of each node
            assertTrue(digestsTo(ns, "a", "b") - digests >= 6, "the rounds ran: " + (digestsTo(ns, "a", "b") - digests));
            assertEquals(0, ns.network.messagesTo("c"), "scoped: nothing for a node without endpoints on the net");
            // Even if it asks: a and b do not list it as a participant, so they hand it nothing.
            outsider.replicator().participants(NET, Set.of("a", "b", "c"));
            outsider.replicator().join(NET);
            ns.advance(Duration.ofMillis(400));
            assertTrue(ns.network.messagesTo("a", TableMessage.KindCase.DIGEST)
                    + ns.network.messagesTo("b", TableMessage.KindCase.DIGEST) - digests > 12, "c asked too");
            assertTrue(outsider.visible().isEmpty());
            assertEquals(0, ns.network.messagesTo("c", TableMessage.KindCase.PAGE));
            assertTrue(all.get(0).replicator().stats().rejected() + all.get(1).replicator().stats().rejected() > 0);
        }
    }

    private static long digestsTo(Nodes ns, String... nodes) {
        long n = 0;
        for (String node : nodes) {
            n += ns.network.messagesTo(node, TableMessage.KindCase.DIGEST);
        }
        return n;
    }

    @Test
    void droppedEventsAreRepairedByAntiEntropy() {
        try (Nodes ns = new Nodes()) {
            var all = ns.startAll(FAST, "a", "b", "c");
            ns.settle();
            ns.network.dropIf((from, to) -> to.equals("b"));
            for (int i = 0; i < 20; i++) {
                all.get(0).replicator().upsert(NET, "e" + i, record("web." + i, "a", i));
            }
            ns.settle();
            assertEquals(20, all.get(2).visible().size(), "c sees all");
            ns.advance(Duration.ofMillis(500)); // rounds run, but every answer to b is lost
            assertTrue(all.get(1).visible().isEmpty(), "b got nothing while its messages were dropped");
            ns.network.dropIf((from, to) -> false);
            Duration took = ns.world.advanceUntil(Duration.ofSeconds(3), Duration.ofMillis(10),
                    () -> all.get(1).visible().size() == 20, "anti-entropy repairs b");
            assertTrue(took.compareTo(Duration.ofMillis(200)) <= 0, "within about two rounds: " + took);
            assertEquals(all.get(0).visible(), all.get(1).view());
            // The repair is counted per network on the repaired node only: c had every event directly.
            assertEquals(20L, all.get(1).replicator().antiEntropyRepairs().get(NET), "b's repairs");
            assertEquals(null, all.get(2).replicator().antiEntropyRepairs().get(NET), "c needed none");
        }
    }

    @Test
    void antiEntropyDoesNotResendABurstStillInFlight() {
        try (Nodes ns = new Nodes()) {
            var all = ns.startAll(FAST, "a", "b", "c");
            var b = all.get(1);
            b.replicator().upsert(NET, "mine", record("b.1", "b", 100)); // b's digest is not an empty table's
            ns.advance(Duration.ofMillis(150)); // every node's rounds are running; "mine" is older than a window
            ns.network.holdIf((from, to, m) -> from.equals("a") && to.equals("b")
                    && m.getKindCase() == TableMessage.KindCase.EVENTS); // a's burst is slow to reach b
            nextDigestFrom(ns, "b");
            ns.advance(Duration.ofMillis(1));
            for (int i = 0; i < 20; i++) {
                all.get(0).replicator().upsert(NET, "e" + i, record("web." + i, "a", i));
            }
            ns.settle();
            assertEquals(21, all.get(2).visible().size(), "c has the burst");
            nextDigestFrom(ns, "b"); // within 100 ms of the burst: a and c answer b's digest
            assertEquals(Set.of("mine"), b.visible().keySet(), "nothing of the burst re-sent while in flight");
            ns.network.release();
            ns.settle();
            assertEquals(21, b.visible().size(), "the burst itself arrived");
        }
    }

    /** Steps 1 ms at a time until {@code node} has sent one more digest (its round or its answer to one). */
    private static void nextDigestFrom(Nodes ns, String node) {
        long before = ns.network.messagesFrom(node, TableMessage.KindCase.DIGEST);
        ns.world.advanceUntil(FAST.antiEntropyInterval(), Duration.ofMillis(1),
                () -> ns.network.messagesFrom(node, TableMessage.KindCase.DIGEST) > before, "a digest from " + node);
    }

    @Test
    void failedOwnerIsHiddenAndRestoredWhenAlive() {
        try (Nodes ns = new Nodes()) {
            var all = ns.startAll(FAST, "a", "b");
            var b = all.get(1);
            all.get(0).replicator().upsert(NET, "e1", record("web.1", "a", 1));
            ns.settle();
            assertTrue(b.visible().containsKey("e1"), "b sees e1");
            b.replicator().memberFailed("a");
            ns.settle();
            assertTrue(b.visible().isEmpty(), "hidden after failure");
            assertTrue(b.changes().stream().anyMatch(c -> c instanceof ViewChange.Removed));
            b.replicator().memberAlive("a");
            ns.settle();
            assertTrue(b.visible().containsKey("e1"), "restored when alive");
            assertEquals(b.visible(), b.view());
        }
    }

    @Test
    void restartGraceKeepsEntriesVisibleThenExpires() {
        var config = FAST.withRestartGrace(Duration.ofMillis(600));
        try (Nodes ns = new Nodes()) {
            var all = ns.startAll(config, "a", "b", "c");
            var b = all.get(1);
            var c = all.get(2);
            all.get(0).replicator().upsert(NET, "e1", record("web.1", "a", 1));
            ns.settle();
            assertTrue(b.visible().containsKey("e1") && c.visible().containsKey("e1"), "b and c see e1");
            all.get(0).replicator().announceRestart(Duration.ofMinutes(5)); // capped at 600 ms by the receivers
            ns.settle();
            assertEquals(1, ns.network.messagesTo("b", TableMessage.KindCase.RESTARTING));
            assertEquals(1, ns.network.messagesTo("c", TableMessage.KindCase.RESTARTING));
            b.replicator().memberLeft("a"); // a stopping its membership looks like a leave
            c.replicator().memberFailed("a");
            ns.settle();
            assertTrue(b.visible().containsKey("e1") && c.visible().containsKey("e1"), "kept within the grace");
            c.replicator().memberAlive("a"); // back in time at c: nothing changes there
            ns.advance(Duration.ofMillis(550)); // housekeeping ran ten times, the grace is not over
            assertTrue(b.visible().containsKey("e1"), "still kept at b just before the grace ends");
            ns.advance(Duration.ofMillis(100)); // past the 600 ms grace, and a housekeeping round after it
            assertTrue(b.visible().isEmpty(), "b hides a's entries once the grace is over");
            assertTrue(c.visible().containsKey("e1"));
            assertFalse(c.changes().stream().anyMatch(x -> x instanceof ViewChange.Removed), "no flap at c");
            b.replicator().memberAlive("a");
            ns.settle();
            assertTrue(b.visible().containsKey("e1"), "failed (not tombstoned): restored at b");
        }
    }

    @Test
    void gracefulLeaveTombstonesAtOnce() {
        try (Nodes ns = new Nodes()) {
            var all = ns.startAll(FAST, "a", "b");
            var b = all.get(1);
            all.get(0).replicator().upsert(NET, "e1", record("web.1", "a", 1));
            ns.settle();
            assertTrue(b.visible().containsKey("e1"), "b sees e1");
            all.get(0).replicator().close(); // a leaves (were it still running, it would re-assert its entries)
            b.replicator().memberLeft("a");
            ns.settle();
            assertTrue(b.visible().isEmpty(), "withdrawn on leave");
            b.replicator().memberAlive("a"); // a new life: the old entries stay deleted
            ns.advance(Duration.ofMillis(300));
            assertTrue(b.visible().isEmpty());
        }
    }

    @Test
    void restartedNodeSupersedesItsOldEntriesAndWithdrawsThoseItDidNotRecreate() {
        var config = FAST.withReclaimWindow(Duration.ofMillis(300));
        try (Nodes ns = new Nodes()) {
            var all = ns.startAll(config, "a", "b");
            var b = all.get(1);
            var a = all.get(0);
            a.replicator().upsert(NET, "e1", record("web.1", "a", 1));
            a.replicator().upsert(NET, "e2", record("web.2", "a", 2));
            ns.settle();
            assertEquals(2, b.visible().size(), "b sees both");
            a.replicator().close();
            ns.advance(Duration.ofMillis(5)); // a new life starts its clock at a later wall-clock millisecond
            var a2 = ns.start("a", config);
            a2.replicator().participants(NET, Set.of("a", "b"));
            a2.replicator().join(NET);
            a2.replicator().upsert(NET, "e1", record("web.1-new", "a", 7));
            ns.settle();
            assertEquals("web.1-new", b.visible().get("e1").name(), "the new life's write wins at b");
            assertTrue(b.visible().containsKey("e2"), "e2 is kept within the grace");
            ns.advance(Duration.ofMillis(350));
            assertFalse(b.visible().containsKey("e2"), "e2, not re-created, is withdrawn after the grace");
            assertEquals(Set.of("e1"), a2.visible().keySet(), "and at the new life itself");
            assertEquals("web.1-new", a2.visible().get("e1").name());
        }
    }

    @Test
    void anOldCopyWithAHigherVersionIsOverwrittenByTheOwner() {
        try (Nodes ns = new Nodes()) {
            var all = ns.startAll(FAST, "a", "b");
            var a = all.get(0);
            a.replicator().upsert(NET, "e1", record("web.1", "a", 1));
            ns.settle();
            assertTrue(all.get(1).visible().containsKey("e1"), "b sees e1");
            // A copy from an earlier life whose clock ran ahead of wall time (within the bound), relayed by b.
            long ahead = ns.world.millis() + Duration.ofMinutes(30).toMillis();
            var stale = new TableEvent.Upserted("e1", new Version(ahead, "a"), record("old", "a", 9));
            ns.network.messenger("b").send("a", TableMessages.pages(NET, List.of(stale), PageLimits.DEFAULT).getFirst());
            ns.settle();
            assertEquals("web.1", a.visible().get("e1").name(), "the owner's current record wins at the owner");
            assertEquals("web.1", all.get(1).visible().get("e1").name(), "and everywhere");
        }
    }

    /** Issue 9 finding 2: a relayed 2^63-1 made a hijack permanent and stopped the network's replication. */
    @Test
    void aRelayedVersionAtTheEndOfTimeIsRefusedAndTheNetworkKeepsReplicating() {
        try (Nodes ns = new Nodes()) {
            var all = ns.startAll(FAST, "a", "b", "c");
            var a = all.get(0);
            var b = all.get(1);
            var web = record("web.1", "a", 1);
            a.replicator().upsert(NET, "e1", web);
            ns.settle();
            var hijack = new EndpointRecord(web.name(), web.aliases(), web.ip(), web.mac(), Nodes.vtep("c"), "a");
            var forever = new TableEvent.Upserted("e1", new Version(Long.MAX_VALUE, "a"), hijack);
            for (String to : List.of("a", "b")) {
                ns.network.messenger("c").send(to, TableMessages.pages(NET, List.of(forever), PageLimits.DEFAULT)
                        .getFirst());
            }
            ns.settle();
            assertEquals(web, b.visible().get("e1"), "the hijack is refused");
            assertEquals(web, a.visible().get("e1"), "also at the owner");
            a.replicator().upsert(NET, "e2", record("web.2", "a", 2));
            a.replicator().upsert(NET, "e1", record("web.1b", "a", 1));
            ns.settle();
            ns.advance(Duration.ofSeconds(1));
            for (var n : all) {
                assertEquals("web.2", n.visible().get("e2").name(), n.id() + ": a new endpoint still replicates");
                assertEquals("web.1b", n.visible().get("e1").name(), n.id() + ": and the owner's update");
            }
        }
    }

    @Test
    void messagesAboutANetworkThisNodeIsNotInAreIgnored() {
        try (Nodes ns = new Nodes()) {
            var all = ns.startAll(FAST, "a", "b");
            ns.settle();
            long before = all.get(1).replicator().stats().rejected();
            var e = new TableEvent.Upserted("x1", new Version(5, "a"), record("x", "a", 3));
            ns.network.messenger("a").send("b", TableMessages.event("other-net", e));
            ns.network.messenger("a").send("b", TableMessages.pages("other-net", List.of(e),
                    PageLimits.DEFAULT).getFirst());
            ns.settle();
            assertEquals(Set.of(NET), all.get(1).replicator().networks());
            assertTrue(all.get(1).replicator().visible("other-net").isEmpty());
            assertEquals(before + 2, all.get(1).replicator().stats().rejected());
        }
    }

    @Test
    void aBurstOfLocalWritesGoesOutAsFewMessagesPerPeer() {
        try (Nodes ns = new Nodes()) {
            var all = ns.startAll(FAST, "a", "b");
            ns.settle();
            long before = ns.network.messagesTo("b");
            for (int i = 0; i < 300; i++) {
                all.get(0).replicator().upsert(NET, "e" + i, record("task." + i, "a", i));
            }
            ns.settle();
            assertEquals(300, all.get(1).visible().size(), "b holds the burst");
            assertTrue(ns.network.messagesTo("b") - before < 30, "batched: " + (ns.network.messagesTo("b") - before));
            assertTrue(ns.network.messagesTo("b", TableMessage.KindCase.EVENTS) >= 1);
        }
    }

    /**
     * Events from several owners queued behind each other on a receiver reach its listener in one call: each
     * call reprograms the data plane (cost grows with the table), and one call per message made a burst from
     * N owners cost N x table size on every node (the scale bench at 50-100 nodes).
     */
    @Test
    void eventsQueuedFromSeveralOwnersReachTheListenerInOneCall() {
        try (Nodes ns = new Nodes()) {
            var all = ns.startAll(FAST, "a", "b", "c", "d");
            ns.settle();
            var b = all.get(1);
            int callsBefore = b.calls().size();
            all.get(0).replicator().upsert(NET, "e1", record("web.1", "a", 1));
            all.get(2).replicator().upsert(NET, "e3", record("web.3", "c", 3));
            all.get(3).replicator().upsert(NET, "e4", record("web.4", "d", 4));
            ns.settle(); // b's three receives are queued before its first one runs
            assertEquals(Set.of("e1", "e3", "e4"), b.visible().keySet());
            assertEquals(b.visible(), b.view(), "listener view of b");
            assertEquals(List.of(3), b.calls().subList(callsBefore, b.calls().size()), "one call with all three");
        }
    }

    @Test
    void aPeerCannotSendEventsForAnotherOwner() {
        try (Nodes ns = new Nodes()) {
            var all = ns.startAll(FAST, "a", "b", "c");
            ns.settle();
            long before = all.get(1).replicator().stats().rejected();
            var forged = new TableEvent.Upserted("evil", new Version(5, "a"), record("evil", "a", 66));
            ns.network.messenger("c").send("b", TableMessages.event(NET, forged));
            var mine = new TableEvent.Upserted("fine", new Version(5, "c"), record("fine", "c", 67));
            ns.network.messenger("c").send("b", TableMessages.events(NET, List.of(mine, forged),
                    PageLimits.DEFAULT).getFirst());
            ns.settle();
            assertFalse(all.get(1).visible().containsKey("evil"));
            assertFalse(all.get(1).visible().containsKey("fine"), "a batch with one forged entry is refused whole");
            assertEquals(before + 2, all.get(1).replicator().stats().rejected());
        }
    }

    @Test
    void bulkStateTravelsInPagesUnderTheLimits() {
        var config = FAST.withPageLimits(new PageLimits(100, PageLimits.MIN_BYTES));
        try (Nodes ns = new Nodes()) {
            var a = ns.start("a", config);
            a.replicator().participants(NET, Set.of("a", "b"));
            a.replicator().join(NET);
            for (int i = 0; i < 1000; i++) {
                a.replicator().upsert(NET, "e" + i, record("task." + i, "a", i));
            }
            ns.settle();
            var b = ns.start("b", config); // joins late: one full exchange
            b.replicator().participants(NET, Set.of("a", "b"));
            b.replicator().join(NET);
            ns.settle(); // the join's exchange alone, no anti-entropy round
            assertEquals(1000, b.visible().size(), "b holds all 1000");
            assertTrue(ns.network.messagesTo("b", TableMessage.KindCase.PAGE) >= 10, "at least 10 pages of <= 100");
            assertEquals(a.visible(), b.view());
        }
    }

    @Test
    void leaveRemovesEverythingFromTheView() {
        try (Nodes ns = new Nodes()) {
            var all = ns.startAll(FAST, "a", "b");
            var b = all.get(1);
            all.get(0).replicator().upsert(NET, "e1", record("web.1", "a", 1));
            ns.settle();
            assertTrue(b.visible().containsKey("e1"), "b sees e1");
            b.replicator().leave(NET);
            ns.settle();
            assertTrue(b.view().isEmpty(), "listener got Removed");
            assertTrue(b.replicator().networks().isEmpty());
            assertTrue(b.visible().isEmpty());
        }
    }
}
