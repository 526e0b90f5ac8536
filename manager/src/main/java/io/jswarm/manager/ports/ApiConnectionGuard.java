package io.jswarm.manager.ports;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler;
import io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil;
import io.grpc.netty.shaded.io.netty.util.concurrent.ScheduledFuture;
import io.jswarm.encryption.ports.ConnectionCaps;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * First handler of every admitted API connection, in front of TLS, on the connection's event loop. Until the
 * connection has presented a member certificate (the TLS layer verified it against the cluster root) it may
 * send at most {@code maxUnverifiedBytes}, must finish the handshake within {@code handshakeTimeout} and is
 * closed after {@code unverifiedLifetime}; then it moves to the verified caps and is left alone.
 */
final class ApiConnectionGuard extends ChannelInboundHandlerAdapter {
    private final ApiPort port;
    private final ConnectionCaps.Ticket ticket;
    private final ApiLimits limits;
    private boolean watching;
    private boolean verified;
    private long unverifiedBytes;
    private ScheduledFuture<?> handshakeCheck;
    private ScheduledFuture<?> lifetimeCheck;

    ApiConnectionGuard(ApiPort port, ConnectionCaps.Ticket ticket) {
        this.port = port;
        this.ticket = ticket;
        this.limits = port.limits();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        handshakeCheck = ctx.executor().schedule(() -> {
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            if (ssl == null || !ssl.handshakeFuture().isDone()) {
                refuse(ctx, "handshake-timeout");
            }
        }, limits.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        lifetimeCheck = ctx.executor().schedule(() -> {
            if (!verified) {
                refuse(ctx, "unverified-lifetime");
            }
        }, limits.unverifiedLifetime().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!watching) {
            watchHandshake(ctx);
        }
        if (!verified && msg instanceof ByteBuf bytes) {
            unverifiedBytes += bytes.readableBytes();
            if (unverifiedBytes > limits.maxUnverifiedBytes()) {
                ReferenceCountUtil.release(msg);
                refuse(ctx, "unverified-bytes");
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancelTimers();
        super.channelInactive(ctx);
    }

    private void watchHandshake(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class); // added by gRPC when the channel registered
        if (ssl == null) {
            return;
        }
        watching = true;
        ssl.handshakeFuture().addListener(f -> {
            if (f.isSuccess()) {
                verify(ctx, ssl);
            }
        });
    }

    private void verify(ChannelHandlerContext ctx, SslHandler ssl) {
        try {
            if (ssl.engine().getSession().getPeerCertificates().length == 0) {
                return;
            }
        } catch (SSLPeerUnverifiedException e) {
            return; // no client certificate: a join, which stays unverified
        }
        var refusal = ticket.verify();
        if (refusal.isPresent()) {
            refuse(ctx, refusal.get().label());
            return;
        }
        verified = true;
        cancelTimers();
    }

    private void refuse(ChannelHandlerContext ctx, String reason) {
        if (ctx.channel().isOpen()) {
            port.refused(reason, String.valueOf(ticket.source().getHostAddress()));
            ctx.close();
        }
    }

    private void cancelTimers() {
        if (handshakeCheck != null) {
            handshakeCheck.cancel(false);
        }
        if (lifetimeCheck != null) {
            lifetimeCheck.cancel(false);
        }
    }
}
