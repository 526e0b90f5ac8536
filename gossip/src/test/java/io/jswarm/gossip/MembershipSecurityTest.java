package io.jswarm.gossip;

import static io.jswarm.gossip.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.Identifiers;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.Role;
import io.jswarm.gossip.TestCluster.Node;
import io.jswarm.gossip.internal.DeadVerdict;
import io.jswarm.gossip.transport.TlsTransport;
import io.jswarm.gossip.wire.WireCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.scalecube.cluster.Member;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Non-members (another CA, a revoked node id) can neither join nor inject a message. */
class MembershipSecurityTest {
    private final TestCluster cluster = new TestCluster();

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    private List<Node> two() {
        Node a = cluster.start(cluster.newIdentity(), "127.0.0.1", 0, List.of());
        Node b = cluster.start(cluster.newIdentity(), "127.0.0.2", 0, List.of(a));
        await(Duration.ofSeconds(15), () -> a.sees(b) && b.sees(a), "a and b see each other");
        return List.of(a, b);
    }

    private static void hold(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis());
    }

    @Test
    void memberOfAnotherCaCannotJoin() throws Exception {
        List<Node> n = two();
        var otherCa = CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1), InstantSource.system());
        Node intruder = cluster.start(otherCa.issue(Identifiers.newId(), Role.MANAGER, Duration.ofDays(1)),
                "127.0.0.3", 0, List.of(n.get(0)));
        hold(Duration.ofSeconds(3)); // several sync rounds
        for (Node x : n) {
            assertFalse(x.sees(intruder), "intruder admitted at " + x.id());
            assertTrue(x.eventsOf(MembershipEvent.Joined.class, intruder.id()).isEmpty());
        }
        assertTrue(intruder.membership().members().isEmpty(), "intruder sees " + intruder.membership().members());
        assertTrue(n.get(0).counter("jswarm.gossip.handshake.failures") > 0, "the seed refused handshakes");
    }

    @Test
    void revokedNodeIdIsRefused() throws Exception {
        List<Node> n = two();
        NodeIdentity removed = cluster.newIdentity(); // a valid certificate of this cluster...
        cluster.revoked.add(removed.nodeId());         // ...whose node was removed
        Node x = cluster.start(removed, "127.0.0.3", 0, List.of(n.get(0)));
        hold(Duration.ofSeconds(3));
        for (Node m : n) {
            assertFalse(m.sees(x), "revoked node admitted at " + m.id());
        }
        assertTrue(x.membership().members().isEmpty());
        assertTrue(n.get(0).counter("jswarm.gossip.handshake.failures") > 0);
    }

    @Test
    void evictedMemberIsRemovedAtOnceAndCannotComeBack() throws Exception {
        List<Node> n = cluster.startThree();
        Node gone = n.get(2);
        cluster.revoked.add(gone.id()); // the daemon's revoked set, shared here by all three
        long t0 = System.nanoTime();
        n.get(0).membership().evict(gone.id());
        n.get(1).membership().evict(gone.id());
        for (Node m : List.of(n.get(0), n.get(1))) {
            await(Duration.ofSeconds(3), () -> !m.eventsOf(MembershipEvent.Removed.class, gone.id()).isEmpty(),
                    "eviction at " + m.id());
            assertFalse(m.sees(gone));
            assertEquals(MembershipEvent.Cause.REVOKED, m.eventsOf(MembershipEvent.Removed.class, gone.id()).getFirst().cause());
        }
        System.out.printf("evict: removed at both after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        hold(Duration.ofSeconds(4)); // its syncs and gossip keep trying; every handshake is refused
        for (Node m : List.of(n.get(0), n.get(1))) {
            assertFalse(m.sees(gone), "evicted node came back at " + m.id());
            assertEquals(1, m.eventsOf(MembershipEvent.Joined.class, gone.id()).size());
        }
    }

    /**
     * A forged "b is dead" SYNC_ACK sent straight to a's transport: refused at the handshake when signed by
     * another CA; the identical frame from a holder of a cluster certificate reaches a but is dropped there
     * (a member speaks only for itself) and counted.
     */
    @Test
    void forgedMessagesFromOutsideAreNeverDelivered() throws Exception {
        List<Node> n = two();
        Node a = n.get(0);
        Node b = n.get(1);
        Member bAsScalecubeSeesIt = new Member(b.id(), null, address(b), "jswarm-" + cluster.ca.clusterId());
        var forged = DeadVerdict.syncAck(bAsScalecubeSeesIt, "127.0.0.9:1");

        var otherCa = CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1), InstantSource.system());
        double failuresBefore = a.counter("jswarm.gossip.handshake.failures");
        try (var outsider = new RawTransport(otherCa.issue(Identifiers.newId(), Role.WORKER, Duration.ofDays(1)))) {
            assertThrows(Exception.class, () -> outsider.transport.send(address(a), forged).block(Duration.ofSeconds(5)));
        }
        hold(Duration.ofSeconds(1));
        assertTrue(a.sees(b), "a must still see b");
        assertTrue(a.eventsOf(MembershipEvent.Removed.class, b.id()).isEmpty());
        assertTrue(a.counter("jswarm.gossip.handshake.failures") > failuresBefore);
        assertEquals(0.0, a.counter("jswarm.gossip.claims.dropped"), "nothing from the outsider got as far as the guard");

        // The identical frame over a trusted connection arrives, and is dropped: it is not b's word.
        try (var insider = new RawTransport(cluster.newIdentity())) {
            insider.transport.send(address(a), forged).block(Duration.ofSeconds(5));
        }
        hold(Duration.ofSeconds(1)); // before the guard, b was removed within milliseconds of this frame
        assertTrue(a.eventsOf(MembershipEvent.Removed.class, b.id()).isEmpty(), "an insider's word removed b");
        assertTrue(a.sees(b), "a must still see b");
        await(Duration.ofSeconds(5), () -> a.counter("jswarm.gossip.claims.dropped") > 0, "the insider's claim judged");
    }

    private static String address(Node n) {
        return n.address().getAddress().getHostAddress() + ":" + n.address().getPort();
    }

    /** A bare transport (no membership) on 127.0.0.9 for sending hand-made frames. */
    private static final class RawTransport implements AutoCloseable {
        final TlsTransport transport;

        RawTransport(NodeIdentity id) {
            transport = new TlsTransport(new io.jswarm.encryption.tls.IdentityKeyManager(id), new InetSocketAddress(InetAddress.ofLiteral("127.0.0.9"), 0), x -> false,
                    1 << 20, Duration.ofSeconds(2), new WireCodec(), new SimpleMeterRegistry());
            transport.start().block();
        }

        @Override
        public void close() {
            transport.stop().block();
        }
    }
}
