package io.jswarm.gossip;

import static io.jswarm.gossip.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.gossip.MembershipEvent.Cause;
import io.jswarm.gossip.TestCluster.Node;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Three real members over loopback with mutual TLS: join, metadata, leave, crash, restart. */
class ScalecubeMembershipTest {
    private final TestCluster cluster = new TestCluster();

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    @Test
    void allSeeAllAndMetadataUpdatesPropagate() {
        List<Node> n = cluster.startThree();
        Node a = n.get(0);
        MemberInfo seenByB = n.get(1).membership().members().get(a.id());
        assertEquals(a.membership().self(), seenByB);
        assertEquals(InetAddress.ofLiteral("10.99.0.1"), seenByB.dataAddress());

        a.membership().updateMetadata(InetAddress.ofLiteral("10.99.1.1"), 7).join();
        for (Node other : List.of(n.get(1), n.get(2))) {
            await(Duration.ofSeconds(10), () -> !other.eventsOf(MembershipEvent.Updated.class, a.id()).isEmpty(),
                    "metadata update reaches " + other.id());
            assertEquals(7, other.membership().members().get(a.id()).version());
            assertEquals(InetAddress.ofLiteral("10.99.1.1"), other.membership().members().get(a.id()).dataAddress());
            assertEquals(1, other.eventsOf(MembershipEvent.Updated.class, a.id()).size());
        }
        assertTrue(a.counter("jswarm.gossip.messages") > 0);
        assertTrue(a.counter("jswarm.gossip.bytes") > 0);
        assertEquals(2.0, a.registry().get("jswarm.membership.members").gauge().value());
    }

    @Test
    void gracefulLeaveIsLeavingFastThenRemovedAsLeft() {
        List<Node> n = cluster.startThree();
        Node leaver = n.get(2);
        var leavingSeenAt = new java.util.concurrent.ConcurrentLinkedQueue<Long>();
        for (Node other : List.of(n.get(0), n.get(1))) {
            other.membership().addListener(e -> {
                if (e instanceof MembershipEvent.Leaving) {
                    leavingSeenAt.add(System.nanoTime());
                }
            });
        }
        long t0 = System.nanoTime();
        leaver.membership().stop();
        for (Node other : List.of(n.get(0), n.get(1))) {
            await(Duration.ofSeconds(5), () -> !other.eventsOf(MembershipEvent.Leaving.class, leaver.id()).isEmpty(),
                    "Leaving at " + other.id());
        }
        long last = leavingSeenAt.stream().mapToLong(Long::longValue).max().orElseThrow();
        System.out.printf("graceful leave: Leaving seen by both %d ms after stop() began%n", (last - t0) / 1_000_000);
        for (Node other : List.of(n.get(0), n.get(1))) {
            // Await the event, not the snapshot: members() changes just before listeners are called.
            await(Duration.ofSeconds(20), () -> !other.eventsOf(MembershipEvent.Removed.class, leaver.id()).isEmpty(),
                    "removal at " + other.id());
            assertFalse(other.sees(leaver));
            assertEquals(Cause.LEFT, other.eventsOf(MembershipEvent.Removed.class, leaver.id()).getFirst().cause());
        }
    }

    @Test
    void crashedMemberIsConfirmedDeadQuickly() {
        List<Node> n = cluster.startThree();
        Node victim = n.get(1);
        long t0 = System.nanoTime();
        victim.membership().crash();
        for (Node other : List.of(n.get(0), n.get(2))) {
            await(Duration.ofSeconds(8), () -> !other.eventsOf(MembershipEvent.Removed.class, victim.id()).isEmpty(),
                    "removal at " + other.id());
            assertFalse(other.sees(victim));
        }
        System.out.printf("crash: removed everywhere after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        for (Node other : List.of(n.get(0), n.get(2))) {
            var removed = other.eventsOf(MembershipEvent.Removed.class, victim.id());
            assertEquals(1, removed.size());
            assertEquals(Cause.CONFIRMED_DEAD, removed.getFirst().cause());
            assertTrue(other.eventsOf(MembershipEvent.Leaving.class, victim.id()).isEmpty());
        }
    }

    @Test
    void restartWithSameIdentityIsAdmittedAgain() {
        List<Node> n = cluster.startThree();
        Node victim = n.get(2);
        var address = victim.address();
        victim.membership().crash();
        for (Node other : List.of(n.get(0), n.get(1))) {
            await(Duration.ofSeconds(8), () -> !other.eventsOf(MembershipEvent.Removed.class, victim.id()).isEmpty(),
                    "removal at " + other.id());
        }
        // Same identity and address, new process: no join token, just the stored identity and the seeds.
        Node again = cluster.start(victim.identity(), TestCluster.config(address, List.of(n.get(0).address())));
        for (Node other : List.of(n.get(0), n.get(1))) {
            await(Duration.ofSeconds(15), () -> other.eventsOf(MembershipEvent.Joined.class, victim.id()).size() == 2,
                    "re-admission at " + other.id());
            assertTrue(other.sees(again));
            assertEquals(2, other.eventsOf(MembershipEvent.Joined.class, victim.id()).size());
        }
        await(Duration.ofSeconds(10), () -> again.membership().members().size() == 2, "restarted node sees both");
        assertFalse(n.get(0).eventsOf(MembershipEvent.Removed.class, victim.id()).size() > 1, "no flapping");
    }
}
