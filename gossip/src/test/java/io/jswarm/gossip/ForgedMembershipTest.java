package io.jswarm.gossip;

import static io.jswarm.gossip.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.gossip.TestCluster.Node;
import io.jswarm.gossip.internal.DeadVerdict;
import io.jswarm.gossip.internal.RecordClaims;
import io.jswarm.gossip.transport.TlsTransport;
import io.jswarm.gossip.wire.WireCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.scalecube.cluster.Member;
import io.scalecube.cluster.gossip.GossipProtocolImpl;
import io.scalecube.cluster.gossip.JswarmWireAccess.GossipItem;
import io.scalecube.cluster.membership.JswarmWireAccess;
import io.scalecube.cluster.membership.MemberStatus;
import io.scalecube.cluster.membership.MembershipProtocolImpl;
import io.scalecube.cluster.transport.api.Message;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, finding 4: a holder of a valid cluster certificate sends forged SWIM claims about member b (DEAD,
 * SUSPECT, LEAVING, a huge incarnation) to the other members and to b itself. Nobody removes b or sees it
 * leave, b refutes at most about once per second, and every claim is counted as dropped. Before the guard a
 * single forged DEAD record removed b at once.
 */
class ForgedMembershipTest {
    private final TestCluster cluster = new TestCluster();

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    @Test
    void forgedDeathSuspicionLeaveAndIncarnationAboutAMemberChangeNothing() throws Exception {
        List<Node> n = cluster.startThree();
        Node a = n.get(0);
        Node b = n.get(1);
        Node c = n.get(2);
        Member bm = new Member(b.id(), null, address(b), "jswarm-" + cluster.ca.clusterId());
        try (var attacker = new Insider(cluster.newIdentity())) {
            int before = attacker.incarnationOf(b, b.id());
            long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
            int sent = 0;
            while (System.nanoTime() < until) {
                for (Node target : List.of(a, c)) {
                    attacker.send(target, DeadVerdict.syncAck(bm, attacker.address()));
                    attacker.send(target, attacker.sync(record(bm, MemberStatus.SUSPECT, before + 1 + sent),
                            record(bm, MemberStatus.LEAVING, before + 2 + sent)));
                    attacker.send(target, attacker.sync(record(bm, MemberStatus.ALIVE, Integer.MAX_VALUE - 1)));
                    attacker.send(target, attacker.gossip(b.id(), sent, record(bm, MemberStatus.SUSPECT, before + 5)));
                    attacker.send(target, attacker.gossip(attacker.id(), sent, record(bm, MemberStatus.DEAD, 0)));
                }
                // Straight to b: suspicions it would refute, and a near-overflow incarnation of its own record.
                attacker.send(b, attacker.sync(record(bm, MemberStatus.SUSPECT, before + sent)));
                attacker.send(b, attacker.sync(record(bm, MemberStatus.ALIVE, Integer.MAX_VALUE - 1)));
                sent++;
                Thread.sleep(20);
            }
            for (Node x : List.of(a, c)) { // 4 s of forgeries: before the guard b was removed within milliseconds
                assertTrue(x.eventsOf(MembershipEvent.Removed.class, b.id()).isEmpty(), "b removed at " + x.id());
                assertTrue(x.eventsOf(MembershipEvent.Leaving.class, b.id()).isEmpty(), "b leaving at " + x.id());
                assertTrue(x.sees(b), "b must still be a member at " + x.id());
                assertTrue(x.eventsOf(MembershipEvent.Updated.class, b.id()).isEmpty(), "b flapped at " + x.id());
            }
            for (Node x : List.of(a, c)) {
                assertTrue(forged(x, "dead") > 0 && forged(x, "suspect") > 0 && forged(x, "leaving") > 0
                        && forged(x, "incarnation") > 0, "every kind counted at " + x.id());
            }
            int after = attacker.incarnationOf(b, b.id());
            System.out.printf("forged: %d rounds; b's incarnation %d -> %d; dropped at a: %.0f%n", sent, before, after,
                    a.counter("jswarm.gossip.claims.dropped"));
            // Each refutation jumps to the forged incarnation + 1 (as after a restart), but at most one per
            // sender and second (RecordClaimsTest), and never near overflow: b can always refute again.
            assertTrue(after >= before && after <= RecordClaims.MAX_RELAYED_INCARNATION + 8,
                    "b's incarnation stays far from overflow: " + before + " -> " + after);
            assertTrue(forged(b, "refute_rate") > 0, "b's extra refutations were refused");
            assertEquals(1, a.eventsOf(MembershipEvent.Joined.class, b.id()).size());
        }
    }

    private static double forged(Node n, String kind) {
        return n.registry().find("jswarm.gossip.claims.dropped").tag("kind", kind).counters().stream()
                .mapToDouble(x -> x.count()).sum();
    }

    private static Object record(Member m, MemberStatus status, int incarnation) {
        return JswarmWireAccess.record(m, status, incarnation);
    }

    private static String address(Node n) {
        return n.address().getAddress().getHostAddress() + ":" + n.address().getPort();
    }

    /** A bare transport with a valid cluster certificate on 127.0.0.9, sending hand-made frames. */
    private static final class Insider implements AutoCloseable {
        final TlsTransport transport;
        final NodeIdentity identity;

        Insider(NodeIdentity id) {
            identity = id;
            transport = new TlsTransport(new IdentityKeyManager(id),
                    new InetSocketAddress(InetAddress.ofLiteral("127.0.0.9"), 0), x -> false, 1 << 20,
                    Duration.ofSeconds(2), new WireCodec(), new SimpleMeterRegistry());
            transport.start().block();
        }

        String id() {
            return identity.nodeId();
        }

        String address() {
            return transport.address();
        }

        Message sync(Object... records) {
            return Message.withData(JswarmWireAccess.syncData(List.of(records)))
                    .qualifier(MembershipProtocolImpl.SYNC_ACK).sender(address()).build();
        }

        Message gossip(String gossiper, long sequence, Object record) {
            Message inner = Message.withData(record).qualifier(MembershipProtocolImpl.MEMBERSHIP_GOSSIP).build();
            Object req = io.scalecube.cluster.gossip.JswarmWireAccess.gossipRequest(
                    List.of(new GossipItem(gossiper, inner, 1_000_000 + sequence)), id());
            return Message.withData(req).qualifier(GossipProtocolImpl.GOSSIP_REQ).sender(address()).build();
        }

        void send(Node to, Message m) {
            transport.send(ForgedMembershipTest.address(to), m).block(Duration.ofSeconds(5));
        }

        /** The incarnation {@code of} has in {@code at}'s table, from a SYNC answered with its SYNC_ACK. */
        int incarnationOf(Node at, String of) {
            Message ask = Message.withData(JswarmWireAccess.syncData(List.of())).qualifier(MembershipProtocolImpl.SYNC)
                    .correlationId(UUID.randomUUID().toString()).sender(address()).build();
            Message reply = transport.requestResponse(ForgedMembershipTest.address(at), ask).block(Duration.ofSeconds(5));
            for (Object r : JswarmWireAccess.syncRecords(reply.data())) {
                if (JswarmWireAccess.recordMember(r).id().equals(of)) {
                    return JswarmWireAccess.recordIncarnation(r);
                }
            }
            throw new AssertionError(of + " not in the table of " + at.id());
        }

        @Override
        public void close() {
            transport.stop().block();
        }
    }
}
