package io.jswarm.gossip.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The 4-byte length framing with two bounds a plain {@link LengthFieldBasedFrameDecoder} lacks: the bytes of
 * an incomplete frame are charged to the transport's shared budget ({@link TransportGuard#hold}), and a
 * connection that holds an incomplete frame must complete one within {@code frameTimeout}. Before, a member
 * could open 50 connections, send each the first 2 MiB of a frame minus a byte, and hold ~100 MiB of heap
 * for as long as it liked. One per connection, on its event loop.
 */
final class BoundedFrameDecoder extends LengthFieldBasedFrameDecoder {
    private final TransportGuard guard;
    private long held;
    private long frames;
    private long framesAtArm;
    private ScheduledFuture<?> deadline;

    BoundedFrameDecoder(int maxFrameLength, TransportGuard guard) {
        super(maxFrameLength, 0, 4, 0, 4);
        this.guard = guard;
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
        Object frame = super.decode(ctx, in);
        if (frame != null) {
            frames++;
        }
        return frame;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        super.channelRead(ctx, msg);
        if (!ctx.channel().isOpen()) {
            release();
            return;
        }
        long now = internalBuffer().readableBytes();
        long delta = now - held;
        held = now;
        if (!guard.hold(delta)) {
            guard.refuse(ctx.channel(), "pending-bytes");
            ctx.close();
            return;
        }
        if (held > 0 && deadline == null) {
            arm(ctx);
        } else if (held == 0 && deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    private void arm(ChannelHandlerContext ctx) {
        framesAtArm = frames;
        deadline = ctx.executor().schedule(() -> {
            deadline = null;
            if (held == 0 || !ctx.channel().isOpen()) {
                return;
            }
            if (frames == framesAtArm) {
                guard.refuse(ctx.channel(), "partial-frame-timeout");
                ctx.close();
            } else {
                arm(ctx); // frames keep completing: a busy stream, not a held one
            }
        }, guard.limits().frameTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        release();
        super.channelInactive(ctx);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
        release();
        super.handlerRemoved0(ctx);
    }

    private void release() {
        if (held != 0) {
            guard.hold(-held);
            held = 0;
        }
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }
}
