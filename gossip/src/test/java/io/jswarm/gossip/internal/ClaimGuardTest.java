package io.jswarm.gossip.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.jswarm.gossip.internal.RecordClaims.Hint;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.scalecube.cluster.Member;
import io.scalecube.cluster.fdetector.FailureDetectorImpl;
import io.scalecube.cluster.fdetector.JswarmWireAccess.Ack;
import io.scalecube.cluster.gossip.GossipProtocolImpl;
import io.scalecube.cluster.gossip.JswarmWireAccess.GossipItem;
import io.scalecube.cluster.membership.JswarmWireAccess;
import io.scalecube.cluster.membership.MemberStatus;
import io.scalecube.cluster.membership.MembershipProtocolImpl;
import io.scalecube.cluster.metadata.MetadataStoreImpl;
import io.scalecube.cluster.transport.api.Message;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Message-level checks: who may send a ping, an ack, metadata, a gossip; which records of a sync survive. */
class ClaimGuardTest {
    private static final String NS = "jswarm-c";
    private final Member self = new Member("self", null, "192.0.2.1:7946", NS);
    private final Member h2 = new Member("h2", null, "192.0.2.2:7946", NS);
    private final Member evil = new Member("evil", null, "192.0.2.3:7946", NS);
    private final InetSocketAddress fromEvil = new InetSocketAddress(InetAddress.ofLiteral("192.0.2.3"), 40000);
    private final InetSocketAddress fromH2 = new InetSocketAddress(InetAddress.ofLiteral("192.0.2.2"), 40001);
    private final AtomicLong now = new AtomicLong();
    private final List<String> hints = new ArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ClaimGuard guard = new ClaimGuard(new RecordClaims("self", Duration.ofSeconds(1), now::get),
            new ForgeryLog(registry, Duration.ofSeconds(10), now::get), Duration.ofSeconds(1), now::get,
            (id, h) -> hints.add(id + ":" + h), (id, inc) -> { });

    private double dropped(String kind) {
        return registry.find("jswarm.gossip.claims.dropped").tag("kind", kind).counter().count();
    }

    private static Message ping(String qualifier, Member from, Member to, Member issuer, Ack ack) {
        return Message.withData(io.scalecube.cluster.fdetector.JswarmWireAccess.pingData(from, to, issuer, ack))
                .qualifier(qualifier).correlationId("c1").build();
    }

    @Test
    void pingsAndAcksSpeakForTheirSenderOnly() {
        assertNotNull(guard.admit("evil", fromEvil, ping(FailureDetectorImpl.PING, evil, self, null, null)));
        assertNull(guard.admit("evil", fromEvil, ping(FailureDetectorImpl.PING, h2, self, null, null)));
        assertNull(guard.admit("evil", fromEvil, ping(FailureDetectorImpl.PING_REQ, h2, self, null, null)));
        assertNull(guard.admit("evil", fromEvil, ping(FailureDetectorImpl.PING_ACK, self, h2, null, Ack.DEST_GONE)),
                "'h2 is gone' from anyone would remove h2 at once");
        assertNotNull(guard.admit("evil", fromEvil, ping(FailureDetectorImpl.PING_ACK, self, h2, null, Ack.DEST_OK)),
                "a relay's answer for h2");
        assertNull(guard.admit("evil", fromEvil, ping(FailureDetectorImpl.PING_ACK, self, h2, h2, Ack.DEST_OK)),
                "an ack back to a relay comes from the pinged member itself");
        assertNotNull(guard.admit("h2", fromH2, ping(FailureDetectorImpl.PING_ACK, self, h2, evil, Ack.DEST_OK)));
        assertEquals(3.0, dropped("identity"));
        assertEquals(1.0, dropped("dest_gone"));
    }

    @Test
    void metadataOfAMemberOnlyFromThatMember() {
        Object resp = io.scalecube.cluster.metadata.JswarmWireAccess.response(h2, ByteBuffer.wrap(new byte[] {1}));
        Message m = Message.withData(resp).qualifier(MetadataStoreImpl.GET_METADATA_RESP).correlationId("c").build();
        assertNull(guard.admit("evil", fromEvil, m));
        assertSame(m, guard.admit("h2", fromH2, m));
    }

    @Test
    void aSyncKeepsWhatTheSenderMaySayAndLosesTheRest() {
        Object own = JswarmWireAccess.record(evil, MemberStatus.ALIVE, 4);
        Object dead = JswarmWireAccess.record(h2, MemberStatus.DEAD, 0);
        Object suspect = JswarmWireAccess.record(h2, MemberStatus.SUSPECT, 9);
        Message sync = Message.withData(JswarmWireAccess.syncData(List.of(own, dead, suspect)))
                .qualifier(MembershipProtocolImpl.SYNC).sender(evil.address()).build();
        Message out = guard.admit("evil", fromEvil, sync);
        assertEquals(List.of(own), List.copyOf(JswarmWireAccess.syncRecords(out.data())));
        assertEquals(evil.address(), out.sender(), "still answered, to its sender");
        assertEquals(List.of("h2:" + Hint.CHECK), hints, "one own check of h2, not one per claim");
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        guard.admit("evil", fromEvil, sync);
        assertEquals(2, hints.size(), "checked again a second later");
    }

    @Test
    void aGossipIsFromItsSenderAndKeepsOnlyItemsThatPass() {
        Message alive = Message.withData(JswarmWireAccess.record(evil, MemberStatus.ALIVE, 1))
                .qualifier(MembershipProtocolImpl.MEMBERSHIP_GOSSIP).build();
        Message dead = Message.withData(JswarmWireAccess.record(h2, MemberStatus.DEAD, 1))
                .qualifier(MembershipProtocolImpl.MEMBERSHIP_GOSSIP).build();
        List<GossipItem> items = List.of(new GossipItem("evil", alive, 1), new GossipItem("h2", dead, 2));
        Message asH2 = Message.withData(io.scalecube.cluster.gossip.JswarmWireAccess.gossipRequest(items, "h2"))
                .qualifier(GossipProtocolImpl.GOSSIP_REQ).build();
        assertNull(guard.admit("evil", fromEvil, asH2));
        Message asItself = Message.withData(io.scalecube.cluster.gossip.JswarmWireAccess.gossipRequest(items, "evil"))
                .qualifier(GossipProtocolImpl.GOSSIP_REQ).build();
        Message out = guard.admit("evil", fromEvil, asItself);
        List<GossipItem> kept = io.scalecube.cluster.gossip.JswarmWireAccess.gossips(out.data());
        assertEquals(1, kept.size());
        assertEquals("evil", kept.getFirst().gossiperId());
        assertEquals(1.0, dropped("dead"));
    }
}
