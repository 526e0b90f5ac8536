package io.jswarm.gossip.transport;

import io.jswarm.gossip.wire.WireCodec;
import io.jswarm.gossip.wire.WireException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageCodec;
import io.scalecube.cluster.transport.api.Message;
import java.util.List;

/**
 * Frame payload to scalecube {@link Message} and back through {@link WireCodec}. Sits above the length-field
 * framing, so each {@link ByteBuf} here is exactly one frame. A refused frame closes the connection: a peer
 * that sends one is either broken or hostile, and re-synchronising inside a stream is not worth it.
 */
final class FrameCodec extends MessageToMessageCodec<ByteBuf, Message> {
    private static final int LENGTH_PREFIX = 4;
    private final WireCodec codec;
    private final TransportMetrics metrics;

    FrameCodec(WireCodec codec, TransportMetrics metrics) {
        this.codec = codec;
        this.metrics = metrics;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Message msg, List<Object> out) {
        byte[] bytes = codec.encode(msg);
        metrics.messagesOut.increment();
        metrics.bytesOut.increment(bytes.length + LENGTH_PREFIX);
        out.add(Unpooled.wrappedBuffer(bytes));
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
        int length = frame.readableBytes();
        try {
            out.add(codec.decode(ByteBufUtil.getBytes(frame)));
        } catch (WireException e) {
            metrics.framesRejected.increment();
            throw e;
        }
        metrics.messagesIn.increment();
        metrics.bytesIn.increment(length + LENGTH_PREFIX);
    }
}
