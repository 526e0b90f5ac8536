package io.jswarm.gossip.wire;

import com.google.protobuf.InvalidProtocolBufferException;
import io.jswarm.proto.gossip.Envelope;
import io.jswarm.proto.gossip.Gossip;
import io.jswarm.proto.gossip.GossipRequest;
import io.jswarm.proto.gossip.Header;
import io.jswarm.proto.table.TableMessage;
import io.scalecube.cluster.fdetector.FailureDetectorImpl;
import io.scalecube.cluster.gossip.GossipProtocolImpl;
import io.scalecube.cluster.membership.MembershipProtocolImpl;
import io.scalecube.cluster.metadata.MetadataStoreImpl;
import io.scalecube.cluster.transport.api.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Encodes scalecube {@link Message}s as protobuf {@link Envelope}s and back, for exactly the system messages
 * scalecube-cluster 2.7.7 sends. Anything else (an unknown qualifier, a payload that does not match its
 * qualifier, an unknown header, user messages or user gossips) is refused with {@link WireException}: the
 * transport never falls back to Java serialization. Stateless and thread-safe.
 */
public final class WireCodec {
    /** Which payload each qualifier must carry; the decoder checks the pairing in both directions. */
    /** The qualifier of jswarm's own point-to-point table messages; scalecube never sees them. */
    public static final String TABLE_QUALIFIER = "jswarm/table";
    private static final Map<String, Envelope.PayloadCase> PAYLOAD_OF = Map.of(
            TABLE_QUALIFIER, Envelope.PayloadCase.TABLE,
            FailureDetectorImpl.PING, Envelope.PayloadCase.PING,
            FailureDetectorImpl.PING_REQ, Envelope.PayloadCase.PING,
            FailureDetectorImpl.PING_ACK, Envelope.PayloadCase.PING,
            MembershipProtocolImpl.SYNC, Envelope.PayloadCase.SYNC,
            MembershipProtocolImpl.SYNC_ACK, Envelope.PayloadCase.SYNC,
            GossipProtocolImpl.GOSSIP_REQ, Envelope.PayloadCase.GOSSIP_REQUEST,
            MetadataStoreImpl.GET_METADATA_REQ, Envelope.PayloadCase.GET_METADATA_REQUEST,
            MetadataStoreImpl.GET_METADATA_RESP, Envelope.PayloadCase.GET_METADATA_RESPONSE);
    private static final Set<String> HEADERS =
            Set.of(Message.HEADER_QUALIFIER, Message.HEADER_CORRELATION_ID, Message.HEADER_SENDER);

    private final BiConsumer<String, Integer> suspectObserver;
    private final BiConsumer<String, Integer> inboundSuspectObserver;

    /** A codec that reports nothing. */
    public WireCodec() {
        this((id, incarnation) -> {});
    }

    /** @param suspectObserver told (member id, incarnation) of every SUSPECT record gossiped in or out */
    public WireCodec(BiConsumer<String, Integer> suspectObserver) {
        this(suspectObserver, suspectObserver);
    }

    /**
     * @param outbound told of every SUSPECT record gossiped out (this node's own suspicions and relays)
     * @param inbound  told of every SUSPECT record decoded, before anything has checked who may say so
     */
    public WireCodec(BiConsumer<String, Integer> outbound, BiConsumer<String, Integer> inbound) {
        this.suspectObserver = outbound;
        this.inboundSuspectObserver = inbound;
    }

    /** Wraps a table message for {@code Transport.send}; the only header is the qualifier (no sender claim). */
    public static Message tableMessage(TableMessage m) {
        return Message.builder().qualifier(TABLE_QUALIFIER).data(java.util.Objects.requireNonNull(m, "m")).build();
    }

    public byte[] encode(Message message) {
        return toEnvelope(message, false).toByteArray();
    }

    public Message decode(byte[] frame) {
        try {
            return fromEnvelope(Envelope.parseFrom(frame), false);
        } catch (InvalidProtocolBufferException e) {
            throw new WireException("malformed envelope: " + e.getMessage());
        }
    }

    Envelope toEnvelope(Message m, boolean insideGossip) {
        Envelope.Builder b = Envelope.newBuilder();
        m.headers().forEach((name, value) -> {
            if (!HEADERS.contains(name)) {
                throw new WireException("refusing to encode unknown header '" + name + "'");
            }
            Header.Builder h = Header.newBuilder().setName(name);
            if (value != null) {
                h.setValue(value);
            }
            b.addHeaders(h);
        });
        Object data = m.data();
        String q = m.qualifier();
        Envelope.PayloadCase expected = insideGossip ? membershipGossipCase(q) : PAYLOAD_OF.get(q);
        if (expected == null) {
            throw new WireException("refusing to encode message with qualifier '" + q + "'");
        }
        switch (expected) {
            case PING -> b.setPing(ScalecubeTypes.pingToProto(data));
            case SYNC -> b.setSync(ScalecubeTypes.syncToProto(data));
            case GOSSIP_REQUEST -> b.setGossipRequest(gossipRequestToProto(data));
            case GET_METADATA_REQUEST -> b.setGetMetadataRequest(ScalecubeTypes.metadataRequestToProto(data));
            case GET_METADATA_RESPONSE -> b.setGetMetadataResponse(ScalecubeTypes.metadataResponseToProto(data));
            case MEMBERSHIP_RECORD -> b.setMembershipRecord(observe(ScalecubeTypes.recordToProto(data), suspectObserver));
            case TABLE -> {
                if (!(data instanceof TableMessage t)) {
                    throw new WireException("expected TableMessage, got " + typeOf(data));
                }
                b.setTable(t);
            }
            case PAYLOAD_NOT_SET -> throw new WireException("no payload for '" + q + "'");
        }
        return b.build();
    }

    Message fromEnvelope(Envelope e, boolean insideGossip) {
        Message.Builder b = Message.builder();
        for (Header h : e.getHeadersList()) {
            if (!HEADERS.contains(h.getName())) {
                throw new WireException("unknown header '" + h.getName() + "'");
            }
            b.header(h.getName(), h.hasValue() ? h.getValue() : null);
        }
        Message headersOnly = b.build();
        String q = headersOnly.qualifier();
        Envelope.PayloadCase expected = insideGossip ? membershipGossipCase(q) : PAYLOAD_OF.get(q);
        if (expected == null || expected != e.getPayloadCase()) {
            throw new WireException("qualifier '" + q + "' with payload " + e.getPayloadCase() + " is not allowed");
        }
        Object data = switch (e.getPayloadCase()) {
            case PING -> ScalecubeTypes.pingFromProto(e.getPing());
            case SYNC -> ScalecubeTypes.syncFromProto(e.getSync());
            case GOSSIP_REQUEST -> gossipRequestFromProto(e.getGossipRequest());
            case GET_METADATA_REQUEST -> ScalecubeTypes.metadataRequestFromProto(e.getGetMetadataRequest());
            case GET_METADATA_RESPONSE -> ScalecubeTypes.metadataResponseFromProto(e.getGetMetadataResponse());
            case MEMBERSHIP_RECORD -> ScalecubeTypes.recordFromProto(observe(e.getMembershipRecord(), inboundSuspectObserver));
            // Only parsed here; its content is validated by the replicator, which knows the authenticated sender.
            case TABLE -> e.getTable();
            case PAYLOAD_NOT_SET -> throw new WireException("envelope without payload");
        };
        return Message.with(headersOnly).data(data).build();
    }

    private static io.jswarm.proto.gossip.MembershipRecord observe(io.jswarm.proto.gossip.MembershipRecord r,
                                                                   BiConsumer<String, Integer> observer) {
        if (r.getStatus() == io.jswarm.proto.gossip.MemberStatus.MEMBER_STATUS_SUSPECT) {
            observer.accept(r.getMember().getId(), r.getIncarnation());
        }
        return r;
    }

    /** Inside a gossip only membership records travel; jswarm sends no user gossips. */
    private static Envelope.PayloadCase membershipGossipCase(String qualifier) {
        return MembershipProtocolImpl.MEMBERSHIP_GOSSIP.equals(qualifier) ? Envelope.PayloadCase.MEMBERSHIP_RECORD : null;
    }

    private GossipRequest gossipRequestToProto(Object data) {
        if (!io.scalecube.cluster.gossip.JswarmWireAccess.isGossipRequest(data)) {
            throw new WireException("expected GossipRequest, got " + typeOf(data));
        }
        GossipRequest.Builder b = GossipRequest.newBuilder()
                .setFrom(io.scalecube.cluster.gossip.JswarmWireAccess.from(data));
        for (var g : io.scalecube.cluster.gossip.JswarmWireAccess.gossips(data)) {
            b.addGossips(Gossip.newBuilder().setGossiperId(g.gossiperId()).setSequenceId(g.sequenceId())
                    .setMessage(toEnvelope(g.message(), true)));
        }
        return b.build();
    }

    private Object gossipRequestFromProto(GossipRequest p) {
        List<io.scalecube.cluster.gossip.JswarmWireAccess.GossipItem> items = new ArrayList<>(p.getGossipsCount());
        for (Gossip g : p.getGossipsList()) {
            ScalecubeTypes.requireText(g.getGossiperId(), "gossiper id");
            items.add(new io.scalecube.cluster.gossip.JswarmWireAccess.GossipItem(
                    g.getGossiperId(), fromEnvelope(g.getMessage(), true), g.getSequenceId()));
        }
        return io.scalecube.cluster.gossip.JswarmWireAccess.gossipRequest(items,
                ScalecubeTypes.requireText(p.getFrom(), "gossip sender"));
    }

    static String typeOf(Object o) {
        return o == null ? "null" : o.getClass().getName();
    }
}
