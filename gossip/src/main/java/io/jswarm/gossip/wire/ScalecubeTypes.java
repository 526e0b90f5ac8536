package io.jswarm.gossip.wire;

import com.google.protobuf.ByteString;
import io.jswarm.proto.gossip.AckType;
import io.jswarm.proto.gossip.GetMetadataRequest;
import io.jswarm.proto.gossip.GetMetadataResponse;
import io.jswarm.proto.gossip.MemberStatus;
import io.jswarm.proto.gossip.MembershipRecord;
import io.jswarm.proto.gossip.PingData;
import io.jswarm.proto.gossip.SyncData;
import io.scalecube.cluster.Member;
import io.scalecube.cluster.fdetector.JswarmWireAccess.Ack;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Field-by-field conversions between scalecube's payload objects and their protobuf twins. Every decoder
 * validates what scalecube would otherwise trust (non-empty ids and addresses, known enum values), so a
 * malformed frame fails here instead of inside scalecube's scheduler.
 */
final class ScalecubeTypes {
    private static final int MAX_TEXT = 256;

    private ScalecubeTypes() {}

    static io.jswarm.proto.gossip.Member memberToProto(Member m) {
        var b = io.jswarm.proto.gossip.Member.newBuilder()
                .setId(m.id()).setAddress(m.address()).setNamespace(m.namespace());
        if (m.alias() != null) {
            b.setAlias(m.alias());
        }
        return b.build();
    }

    static Member memberFromProto(io.jswarm.proto.gossip.Member p) {
        return new Member(requireText(p.getId(), "member id"), p.hasAlias() ? requireText(p.getAlias(), "alias") : null,
                requireText(p.getAddress(), "member address"), requireText(p.getNamespace(), "namespace"));
    }

    static MembershipRecord recordToProto(Object data) {
        if (!io.scalecube.cluster.membership.JswarmWireAccess.isRecord(data)) {
            throw new WireException("expected MembershipRecord, got " + WireCodec.typeOf(data));
        }
        var status = switch (io.scalecube.cluster.membership.JswarmWireAccess.recordStatus(data)) {
            case ALIVE -> MemberStatus.MEMBER_STATUS_ALIVE;
            case SUSPECT -> MemberStatus.MEMBER_STATUS_SUSPECT;
            case LEAVING -> MemberStatus.MEMBER_STATUS_LEAVING;
            case DEAD -> MemberStatus.MEMBER_STATUS_DEAD;
        };
        return MembershipRecord.newBuilder()
                .setMember(memberToProto(io.scalecube.cluster.membership.JswarmWireAccess.recordMember(data)))
                .setStatus(status)
                .setIncarnation(io.scalecube.cluster.membership.JswarmWireAccess.recordIncarnation(data))
                .build();
    }

    static Object recordFromProto(MembershipRecord p) {
        var status = switch (p.getStatus()) {
            case MEMBER_STATUS_ALIVE -> io.scalecube.cluster.membership.MemberStatus.ALIVE;
            case MEMBER_STATUS_SUSPECT -> io.scalecube.cluster.membership.MemberStatus.SUSPECT;
            case MEMBER_STATUS_LEAVING -> io.scalecube.cluster.membership.MemberStatus.LEAVING;
            case MEMBER_STATUS_DEAD -> io.scalecube.cluster.membership.MemberStatus.DEAD;
            case MEMBER_STATUS_UNSPECIFIED, UNRECOGNIZED -> throw new WireException("bad member status");
        };
        if (!p.hasMember()) {
            throw new WireException("membership record without member");
        }
        if (p.getIncarnation() < 0) {
            throw new WireException("negative incarnation");
        }
        return io.scalecube.cluster.membership.JswarmWireAccess.record(memberFromProto(p.getMember()), status,
                p.getIncarnation());
    }

    static SyncData syncToProto(Object data) {
        if (!io.scalecube.cluster.membership.JswarmWireAccess.isSyncData(data)) {
            throw new WireException("expected SyncData, got " + WireCodec.typeOf(data));
        }
        SyncData.Builder b = SyncData.newBuilder();
        for (Object r : io.scalecube.cluster.membership.JswarmWireAccess.syncRecords(data)) {
            b.addMembership(recordToProto(r));
        }
        return b.build();
    }

    static Object syncFromProto(SyncData p) {
        List<Object> records = new ArrayList<>(p.getMembershipCount());
        for (MembershipRecord r : p.getMembershipList()) {
            records.add(recordFromProto(r));
        }
        return io.scalecube.cluster.membership.JswarmWireAccess.syncData(records);
    }

    static PingData pingToProto(Object data) {
        if (!io.scalecube.cluster.fdetector.JswarmWireAccess.isPingData(data)) {
            throw new WireException("expected PingData, got " + WireCodec.typeOf(data));
        }
        PingData.Builder b = PingData.newBuilder()
                .setFrom(memberToProto(io.scalecube.cluster.fdetector.JswarmWireAccess.from(data)))
                .setTo(memberToProto(io.scalecube.cluster.fdetector.JswarmWireAccess.to(data)));
        Member issuer = io.scalecube.cluster.fdetector.JswarmWireAccess.originalIssuer(data);
        if (issuer != null) {
            b.setOriginalIssuer(memberToProto(issuer));
        }
        Ack ack = io.scalecube.cluster.fdetector.JswarmWireAccess.ack(data);
        b.setAckType(ack == null ? AckType.ACK_TYPE_NONE : switch (ack) {
            case DEST_OK -> AckType.ACK_TYPE_DEST_OK;
            case DEST_GONE -> AckType.ACK_TYPE_DEST_GONE;
        });
        return b.build();
    }

    static Object pingFromProto(PingData p) {
        if (!p.hasFrom() || !p.hasTo()) {
            throw new WireException("ping without from/to");
        }
        Ack ack = switch (p.getAckType()) {
            case ACK_TYPE_NONE -> null;
            case ACK_TYPE_DEST_OK -> Ack.DEST_OK;
            case ACK_TYPE_DEST_GONE -> Ack.DEST_GONE;
            case UNRECOGNIZED -> throw new WireException("bad ack type");
        };
        return io.scalecube.cluster.fdetector.JswarmWireAccess.pingData(memberFromProto(p.getFrom()),
                memberFromProto(p.getTo()), p.hasOriginalIssuer() ? memberFromProto(p.getOriginalIssuer()) : null, ack);
    }

    static GetMetadataRequest metadataRequestToProto(Object data) {
        if (!io.scalecube.cluster.metadata.JswarmWireAccess.isRequest(data)) {
            throw new WireException("expected GetMetadataRequest, got " + WireCodec.typeOf(data));
        }
        return GetMetadataRequest.newBuilder()
                .setMember(memberToProto(io.scalecube.cluster.metadata.JswarmWireAccess.requestMember(data))).build();
    }

    static Object metadataRequestFromProto(GetMetadataRequest p) {
        if (!p.hasMember()) {
            throw new WireException("metadata request without member");
        }
        return io.scalecube.cluster.metadata.JswarmWireAccess.request(memberFromProto(p.getMember()));
    }

    static GetMetadataResponse metadataResponseToProto(Object data) {
        if (!io.scalecube.cluster.metadata.JswarmWireAccess.isResponse(data)) {
            throw new WireException("expected GetMetadataResponse, got " + WireCodec.typeOf(data));
        }
        ByteBuffer md = io.scalecube.cluster.metadata.JswarmWireAccess.responseMetadata(data);
        return GetMetadataResponse.newBuilder()
                .setMember(memberToProto(io.scalecube.cluster.metadata.JswarmWireAccess.responseMember(data)))
                .setMetadata(ByteString.copyFrom(md)).build();
    }

    static Object metadataResponseFromProto(GetMetadataResponse p) {
        if (!p.hasMember()) {
            throw new WireException("metadata response without member");
        }
        // Array-backed on purpose: scalecube's own code calls array() on this buffer.
        return io.scalecube.cluster.metadata.JswarmWireAccess.response(memberFromProto(p.getMember()),
                ByteBuffer.wrap(p.getMetadata().toByteArray()));
    }

    static String requireText(String s, String what) {
        if (s == null || s.isEmpty() || s.length() > MAX_TEXT) {
            throw new WireException("bad " + what);
        }
        return s;
    }
}
