package io.jswarm.gossip.wire;

import com.google.protobuf.InvalidProtocolBufferException;
import io.jswarm.encryption.Role;
import io.jswarm.gossip.MemberInfo;
import io.jswarm.proto.gossip.MemberMetadata;
import io.jswarm.proto.gossip.MemberRole;
import io.scalecube.cluster.metadata.MetadataCodec;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * The member-metadata codec handed to scalecube: {@link MemberMetadata} protobuf only. It replaces
 * scalecube's default {@code JdkMetadataCodec} (Java serialization) and refuses any other type.
 */
public final class MetadataCodecs implements MetadataCodec {
    /** Metadata larger than this is refused: every change is pulled by every peer. */
    public static final int MAX_METADATA_BYTES = 1024;

    @Override
    public Object deserialize(ByteBuffer buffer) {
        if (buffer == null || buffer.remaining() == 0) {
            return null;
        }
        return parse(buffer);
    }

    @Override
    public ByteBuffer serialize(Object metadata) {
        if (!(metadata instanceof MemberMetadata m)) {
            throw new WireException("refusing metadata of type " + WireCodec.typeOf(metadata));
        }
        byte[] bytes = m.toByteArray();
        if (bytes.length > MAX_METADATA_BYTES) {
            throw new WireException("metadata too large: " + bytes.length + " bytes");
        }
        return ByteBuffer.wrap(bytes);
    }

    public static MemberMetadata parse(ByteBuffer buffer) {
        if (buffer.remaining() > MAX_METADATA_BYTES) {
            throw new WireException("metadata too large: " + buffer.remaining() + " bytes");
        }
        try {
            return MemberMetadata.parseFrom(buffer.duplicate());
        } catch (InvalidProtocolBufferException e) {
            throw new WireException("malformed member metadata: " + e.getMessage());
        }
    }

    public static MemberMetadata toProto(MemberInfo info, long session) {
        return MemberMetadata.newBuilder().setNodeId(info.nodeId())
                .setRole(switch (info.role()) {
                    case WORKER -> MemberRole.MEMBER_ROLE_WORKER;
                    case MANAGER -> MemberRole.MEMBER_ROLE_MANAGER;
                })
                .setDataAddress(info.dataAddress().getHostAddress())
                .setVersion(info.version()).setSession(session).build();
    }

    /**
     * @param gossipAddress scalecube's member address ("host:port", host an IP literal)
     * @throws WireException if a field is invalid or the node id differs from the member id scalecube knows
     */
    public static MemberInfo toInfo(MemberMetadata m, String memberId, String gossipAddress) {
        if (!m.getNodeId().equals(memberId)) {
            throw new WireException("metadata node id does not match member id");
        }
        Role role = switch (m.getRole()) {
            case MEMBER_ROLE_WORKER -> Role.WORKER;
            case MEMBER_ROLE_MANAGER -> Role.MANAGER;
            case MEMBER_ROLE_UNSPECIFIED, UNRECOGNIZED -> throw new WireException("bad role in metadata");
        };
        try {
            return new MemberInfo(m.getNodeId(), role, InetAddress.ofLiteral(m.getDataAddress()),
                    parseAddress(gossipAddress), m.getVersion());
        } catch (IllegalArgumentException e) {
            throw new WireException("bad metadata: " + e.getMessage());
        }
    }

    /** Parses "ip:port" or "[ipv6]:port" without DNS. */
    public static InetSocketAddress parseAddress(String address) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("not host:port: " + address);
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new InetSocketAddress(InetAddress.ofLiteral(host), Integer.parseInt(address.substring(colon + 1)));
    }

    /** "ip:port" in the form scalecube uses as a member address ("[v6]:port" for IPv6). */
    public static String format(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
