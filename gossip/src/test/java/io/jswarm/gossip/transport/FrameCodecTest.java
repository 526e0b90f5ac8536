package io.jswarm.gossip.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jswarm.gossip.wire.WireCodec;
import io.jswarm.gossip.wire.WireException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.TooLongFrameException;
import io.scalecube.cluster.Member;
import io.scalecube.cluster.fdetector.FailureDetectorImpl;
import io.scalecube.cluster.transport.api.Message;
import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;

/** The framing stack of a gossip connection, without TLS: length prefix, size cap, protobuf only. */
class FrameCodecTest {
    private final TransportMetrics metrics = new TransportMetrics(new SimpleMeterRegistry());

    private EmbeddedChannel channel() {
        return new EmbeddedChannel(new LengthFieldBasedFrameDecoder(1024, 0, 4, 0, 4), new LengthFieldPrepender(4),
                new FrameCodec(new WireCodec(), metrics));
    }

    private static Message ping() {
        Member a = new Member("a", null, "127.0.0.1:1", "ns");
        Member b = new Member("b", null, "127.0.0.2:1", "ns");
        return Message.withData(io.scalecube.cluster.fdetector.JswarmWireAccess.pingData(a, b, null, null))
                .qualifier(FailureDetectorImpl.PING).correlationId("c").build();
    }

    @Test
    void messageRoundTripsThroughFrames() {
        EmbeddedChannel out = channel();
        out.writeOutbound(ping());
        ByteBuf wire = Unpooled.buffer();
        for (ByteBuf b; (b = out.readOutbound()) != null; ) {
            wire.writeBytes(b);
            b.release();
        }
        EmbeddedChannel in = channel();
        in.writeInbound(wire);
        Message got = in.readInbound();
        assertEquals("c", got.correlationId());
        assertEquals(1.0, metrics.messagesIn.count());
        assertFalse(in.finish());
    }

    @Test
    void oversizedFramesAndJavaSerializationAreRefused() throws Exception {
        EmbeddedChannel in = channel();
        ByteBuf big = Unpooled.buffer().writeInt(4096).writeZero(4096);
        assertThrows(TooLongFrameException.class, () -> in.writeInbound(big));

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (var oos = new ObjectOutputStream(bytes)) {
            oos.writeObject(new java.util.HashMap<String, String>());
        }
        EmbeddedChannel in2 = channel();
        ByteBuf frame = Unpooled.buffer().writeInt(bytes.size()).writeBytes(bytes.toByteArray());
        DecoderException e = assertThrows(DecoderException.class, () -> in2.writeInbound(frame));
        assertInstanceOf(WireException.class, e.getCause());
        assertEquals(1.0, metrics.framesRejected.count());
    }
}
