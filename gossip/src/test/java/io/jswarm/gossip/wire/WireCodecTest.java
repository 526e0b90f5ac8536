package io.jswarm.gossip.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.proto.gossip.Envelope;
import io.jswarm.proto.gossip.Header;
import io.jswarm.proto.gossip.PingData;
import io.scalecube.cluster.Member;
import io.scalecube.cluster.fdetector.FailureDetectorImpl;
import io.scalecube.cluster.fdetector.JswarmWireAccess.Ack;
import io.scalecube.cluster.gossip.GossipProtocolImpl;
import io.scalecube.cluster.gossip.JswarmWireAccess.GossipItem;
import io.scalecube.cluster.membership.MemberStatus;
import io.scalecube.cluster.membership.MembershipProtocolImpl;
import io.scalecube.cluster.metadata.MetadataStoreImpl;
import io.scalecube.cluster.transport.api.Message;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every system message scalecube 2.7.7 sends survives encode/decode; everything else is refused. */
class WireCodecTest {
    private final List<String> suspects = new ArrayList<>();
    private final WireCodec codec = new WireCodec((id, inc) -> suspects.add(id + "/" + inc));
    private final Member a = new Member("node-a", null, "127.0.0.1:7946", "jswarm-c1");
    private final Member b = new Member("node-b", "alias-b", "127.0.0.2:7946", "jswarm-c1");
    private final Member c = new Member("node-c", null, "[::1]:7946", "jswarm-c1");

    private Message roundTrip(Message m) {
        Message out = codec.decode(codec.encode(m));
        assertEquals(m.headers(), out.headers());
        return out;
    }

    private static void assertMember(Member expected, Member actual) {
        assertEquals(expected, actual);
        assertEquals(expected.alias(), actual.alias());
    }

    @Test
    void pingPingReqAndAcks() {
        var fd = io.scalecube.cluster.fdetector.JswarmWireAccess.class;
        for (String q : List.of(FailureDetectorImpl.PING, FailureDetectorImpl.PING_REQ, FailureDetectorImpl.PING_ACK)) {
            for (Ack ack : new Ack[]{null, Ack.DEST_OK, Ack.DEST_GONE}) {
                for (Member issuer : new Member[]{null, c}) {
                    Object ping = io.scalecube.cluster.fdetector.JswarmWireAccess.pingData(a, b, issuer, ack);
                    Message out = roundTrip(Message.withData(ping).qualifier(q).correlationId("cid-1").sender(a.address()).build());
                    Object p = out.data();
                    assertTrue(io.scalecube.cluster.fdetector.JswarmWireAccess.isPingData(p), fd.getName());
                    assertMember(a, io.scalecube.cluster.fdetector.JswarmWireAccess.from(p));
                    assertMember(b, io.scalecube.cluster.fdetector.JswarmWireAccess.to(p));
                    if (issuer == null) {
                        assertNull(io.scalecube.cluster.fdetector.JswarmWireAccess.originalIssuer(p));
                    } else {
                        assertMember(issuer, io.scalecube.cluster.fdetector.JswarmWireAccess.originalIssuer(p));
                    }
                    assertEquals(ack, io.scalecube.cluster.fdetector.JswarmWireAccess.ack(p));
                }
            }
        }
    }

    private static Object record(Member m, MemberStatus s, int inc) {
        return io.scalecube.cluster.membership.JswarmWireAccess.record(m, s, inc);
    }

    @Test
    void syncAndSyncAckWithEveryStatusAndNullCorrelationId() {
        List<Object> records = List.of(record(a, MemberStatus.ALIVE, 0), record(b, MemberStatus.SUSPECT, 3),
                record(c, MemberStatus.LEAVING, 7), record(new Member("node-d", null, "127.0.0.4:1", "jswarm-c1"),
                        MemberStatus.DEAD, Integer.MAX_VALUE));
        Object sync = io.scalecube.cluster.membership.JswarmWireAccess.syncData(records);
        for (String q : List.of(MembershipProtocolImpl.SYNC, MembershipProtocolImpl.SYNC_ACK)) {
            Message out = roundTrip(Message.withData(sync).qualifier(q).correlationId(null).sender(a.address()).build());
            assertTrue(out.headers().containsKey(Message.HEADER_CORRELATION_ID));
            assertNull(out.correlationId());
            // MembershipRecord.equals compares member, status and incarnation.
            assertEquals(records, List.copyOf(io.scalecube.cluster.membership.JswarmWireAccess.syncRecords(out.data())));
        }
    }

    @Test
    void gossipRequestCarryingMembershipRecords() {
        Message g1 = Message.withData(record(b, MemberStatus.SUSPECT, 4)).qualifier(MembershipProtocolImpl.MEMBERSHIP_GOSSIP).build();
        Message g2 = Message.withData(record(c, MemberStatus.ALIVE, 9)).qualifier(MembershipProtocolImpl.MEMBERSHIP_GOSSIP).build();
        Object req = io.scalecube.cluster.gossip.JswarmWireAccess.gossipRequest(
                List.of(new GossipItem("node-a", g1, 1), new GossipItem("node-a", g2, Long.MAX_VALUE)), "node-a");
        Message out = roundTrip(Message.withData(req).qualifier(GossipProtocolImpl.GOSSIP_REQ).sender(a.address()).build());
        assertEquals("node-a", io.scalecube.cluster.gossip.JswarmWireAccess.from(out.data()));
        List<GossipItem> items = io.scalecube.cluster.gossip.JswarmWireAccess.gossips(out.data());
        assertEquals(2, items.size());
        assertEquals(Long.MAX_VALUE, items.get(1).sequenceId());
        assertEquals(MembershipProtocolImpl.MEMBERSHIP_GOSSIP, items.get(0).message().qualifier());
        assertEquals(record(b, MemberStatus.SUSPECT, 4), items.get(0).message().data());
        assertEquals(record(c, MemberStatus.ALIVE, 9), items.get(1).message().data());
        assertTrue(suspects.contains("node-b/4"), "suspicions are observed for metrics: " + suspects);
    }

    @Test
    void metadataRequestAndResponse() {
        Message req = roundTrip(Message.withData(io.scalecube.cluster.metadata.JswarmWireAccess.request(b))
                .qualifier(MetadataStoreImpl.GET_METADATA_REQ).correlationId("x").sender(a.address()).build());
        assertMember(b, io.scalecube.cluster.metadata.JswarmWireAccess.requestMember(req.data()));
        byte[] md = {1, 2, 3, 0, (byte) 255};
        Message resp = roundTrip(Message.withData(io.scalecube.cluster.metadata.JswarmWireAccess.response(b, ByteBuffer.wrap(md)))
                .qualifier(MetadataStoreImpl.GET_METADATA_RESP).correlationId("x").sender(b.address()).build());
        assertMember(b, io.scalecube.cluster.metadata.JswarmWireAccess.responseMember(resp.data()));
        ByteBuffer got = io.scalecube.cluster.metadata.JswarmWireAccess.responseMetadata(resp.data());
        byte[] bytes = new byte[got.remaining()];
        got.get(bytes);
        assertArrayEquals(md, bytes);
    }

    @Test
    void refusesUnknownQualifiersPayloadsAndHeaders() {
        assertThrows(WireException.class, () -> codec.encode(Message.withData("hello").qualifier("user/q").build()));
        assertThrows(WireException.class, () -> codec.encode(Message.withData("not a ping").qualifier(FailureDetectorImpl.PING).build()));
        assertThrows(WireException.class, () -> codec.encode(Message.withData(null).qualifier(MembershipProtocolImpl.SYNC).build()));
        Object ping = io.scalecube.cluster.fdetector.JswarmWireAccess.pingData(a, b, null, null);
        assertThrows(WireException.class, () -> codec.encode(Message.withData(ping).qualifier(FailureDetectorImpl.PING).header("x-evil", "1").build()));
        // A user gossip (anything but a membership record) inside a gossip request.
        Message user = Message.withData(record(a, MemberStatus.ALIVE, 1)).qualifier("user/gossip").build();
        Object req = io.scalecube.cluster.gossip.JswarmWireAccess.gossipRequest(List.of(new GossipItem("n", user, 1)), "n");
        assertThrows(WireException.class, () -> codec.encode(Message.withData(req).qualifier(GossipProtocolImpl.GOSSIP_REQ).build()));
    }

    @Test
    void refusesHostileFrames() {
        assertThrows(WireException.class, () -> codec.decode(new byte[]{(byte) 0xAC, (byte) 0xED, 0, 5, 0x73, 0x72}));
        PingData ping = PingData.newBuilder().setFrom(ScalecubeTypes.memberToProto(a)).setTo(ScalecubeTypes.memberToProto(b)).build();
        Header sync = Header.newBuilder().setName("q").setValue(MembershipProtocolImpl.SYNC).build();
        // Payload that does not match the qualifier.
        assertThrows(WireException.class, () -> codec.decode(Envelope.newBuilder().addHeaders(sync).setPing(ping).build().toByteArray()));
        // A membership record outside a gossip.
        Header gossip = Header.newBuilder().setName("q").setValue(MembershipProtocolImpl.MEMBERSHIP_GOSSIP).build();
        assertThrows(WireException.class, () -> codec.decode(Envelope.newBuilder().addHeaders(gossip)
                .setMembershipRecord(ScalecubeTypes.recordToProto(record(a, MemberStatus.ALIVE, 0))).build().toByteArray()));
        // No payload, empty ids, unknown header.
        Header ping1 = Header.newBuilder().setName("q").setValue(FailureDetectorImpl.PING).build();
        assertThrows(WireException.class, () -> codec.decode(Envelope.newBuilder().addHeaders(ping1).build().toByteArray()));
        assertThrows(WireException.class, () -> codec.decode(Envelope.newBuilder().addHeaders(ping1)
                .setPing(ping.toBuilder().setFrom(ping.getFrom().toBuilder().setId(""))).build().toByteArray()));
        assertThrows(WireException.class, () -> codec.decode(Envelope.newBuilder().addHeaders(ping1)
                .addHeaders(Header.newBuilder().setName("class").setValue("java.lang.Runtime")).setPing(ping).build().toByteArray()));
    }

    @Test
    void tableMessagesRoundTripAndMustCarryTheirPayload() {
        var table = io.jswarm.proto.table.TableMessage.newBuilder().setNetworkId("net1")
                .setRestarting(io.jswarm.proto.table.Restarting.newBuilder().setGraceMillis(30_000)).build();
        Message out = roundTrip(WireCodec.tableMessage(table));
        assertEquals(table, out.data());
        assertEquals(WireCodec.TABLE_QUALIFIER, out.qualifier());
        // The table qualifier with a scalecube payload, and a table payload under a scalecube qualifier: refused.
        byte[] wrongPayload = Envelope.newBuilder()
                .addHeaders(Header.newBuilder().setName(Message.HEADER_QUALIFIER).setValue(WireCodec.TABLE_QUALIFIER))
                .setPing(PingData.getDefaultInstance()).build().toByteArray();
        assertThrows(WireException.class, () -> codec.decode(wrongPayload));
        byte[] wrongQualifier = Envelope.newBuilder()
                .addHeaders(Header.newBuilder().setName(Message.HEADER_QUALIFIER).setValue(FailureDetectorImpl.PING))
                .setTable(table).build().toByteArray();
        assertThrows(WireException.class, () -> codec.decode(wrongQualifier));
        assertThrows(WireException.class, () -> codec.encode(Message.withData("not a table").qualifier(WireCodec.TABLE_QUALIFIER).build()));
    }
}
