package io.jswarm.gossip.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.encryption.Role;
import io.jswarm.gossip.MemberInfo;
import io.jswarm.proto.gossip.MemberMetadata;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class MetadataCodecsTest {
    private final MetadataCodecs codec = new MetadataCodecs();

    @Test
    void roundTripIsSmall() throws Exception {
        MemberInfo info = new MemberInfo("n1", Role.MANAGER, InetAddress.ofLiteral("10.0.0.7"),
                new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 7946), 42);
        ByteBuffer bytes = codec.serialize(MetadataCodecs.toProto(info, 99));
        assertTrue(bytes.remaining() < 64, "metadata is " + bytes.remaining() + " bytes");
        MemberMetadata back = (MemberMetadata) codec.deserialize(bytes);
        assertEquals(99, back.getSession());
        assertEquals(info, MetadataCodecs.toInfo(back, "n1", "127.0.0.1:7946"));
        assertNull(codec.deserialize(ByteBuffer.allocate(0)));
    }

    @Test
    void refusesOtherTypesForeignIdsAndOversize() {
        assertThrows(WireException.class, () -> codec.serialize("a java string"));
        assertThrows(WireException.class, () -> codec.serialize(java.util.Map.of("k", "v")));
        MemberMetadata md = MemberMetadata.newBuilder().setNodeId("n1").setRole(io.jswarm.proto.gossip.MemberRole.MEMBER_ROLE_WORKER)
                .setDataAddress("10.0.0.1").build();
        assertThrows(WireException.class, () -> MetadataCodecs.toInfo(md, "someone-else", "127.0.0.1:1"));
        assertThrows(WireException.class, () -> MetadataCodecs.toInfo(md.toBuilder().setDataAddress("evil.example").build(), "n1", "127.0.0.1:1"));
        assertThrows(WireException.class, () -> codec.deserialize(ByteBuffer.allocate(MetadataCodecs.MAX_METADATA_BYTES + 1)));
    }

    @Test
    void addressesNeverResolveNames() {
        assertEquals(new InetSocketAddress(InetAddress.ofLiteral("::1"), 5), MetadataCodecs.parseAddress("[::1]:5"));
        assertEquals("[0:0:0:0:0:0:0:1]:5", MetadataCodecs.format(MetadataCodecs.parseAddress("[::1]:5")));
        assertThrows(IllegalArgumentException.class, () -> MetadataCodecs.parseAddress("localhost:5"));
    }
}
