package io.jswarm.gossip.wire;

import io.scalecube.cluster.transport.api.Message;
import io.scalecube.cluster.transport.api.MessageCodec;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * {@link WireCodec} behind scalecube's stream-based {@link MessageCodec} SPI, registered through
 * ServiceLoader so that scalecube's {@code MessageCodec.INSTANCE} (its fallback for any transport configured
 * without a codec) is never the Java-serialization default. {@link io.jswarm.gossip.transport.TlsTransport}
 * does not use it; it frames with Netty directly.
 */
public final class ProtobufMessageCodec implements MessageCodec {
    private final WireCodec codec = new WireCodec();

    @Override
    public Message deserialize(InputStream stream) throws Exception {
        return codec.decode(stream.readAllBytes());
    }

    @Override
    public void serialize(Message message, OutputStream stream) throws Exception {
        stream.write(codec.encode(message));
    }

}
