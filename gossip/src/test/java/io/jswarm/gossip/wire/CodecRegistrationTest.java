package io.jswarm.gossip.wire;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.scalecube.cluster.metadata.MetadataCodec;
import io.scalecube.cluster.transport.api.MessageCodec;
import org.junit.jupiter.api.Test;

/** scalecube's ServiceLoader defaults resolve to jswarm's protobuf codecs, never to Java serialization. */
class CodecRegistrationTest {
    @Test
    void scalecubeDefaultsAreProtobuf() {
        assertInstanceOf(ProtobufMessageCodec.class, MessageCodec.INSTANCE);
        assertInstanceOf(MetadataCodecs.class, MetadataCodec.INSTANCE);
    }
}
